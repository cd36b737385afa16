// Real Express apps with the real `cors` package; test/truth-express.test.ts lints this file and
// compares respond()'s predictions with what each app sends.
const express = require('express');
const cors = require('cors');

const list = express();
list.use(cors({ origin: ['https://app.example.com', /^https:\/\/[a-z]+\.example\.org$/], credentials: true, maxAge: 600 }));
list.get('/x', (req, res) => res.send('ok'));

const wildcard = express();
wildcard.use(cors({ origin: '*', credentials: true, exposedHeaders: ['X-Request-Id'] }));
wildcard.get('/x', (req, res) => res.send('ok'));

const fixed = express();
fixed.use(cors({ origin: 'https://app.example.com', methods: ['GET', 'PUT'], allowedHeaders: ['Content-Type', 'Authorization'] }));
fixed.get('/x', (req, res) => res.send('ok'));

const reflect = express();
reflect.use(cors({ origin: true, optionsSuccessStatus: 200 }));
reflect.get('/x', (req, res) => res.send('ok'));

const defaults = express();
defaults.use(cors());
defaults.get('/x', (req, res) => res.send('ok'));

const routeLevel = express();
routeLevel.put('/x', cors({ origin: 'https://app.example.com' }), (req, res) => res.send('ok'));
routeLevel.get('/x', (req, res) => res.send('ok'));

// Options required from a second module of the repository.
const { corsOptions } = require('./cors-options.cjs');
const imported = express();
imported.use(cors(corsOptions));
imported.get('/x', (req, res) => res.send('ok'));

// A some()/includes() callback: a substring test, so https://foo.example.org.evil.example.net passes too.
const trusted = ['example.org', 'app.example.com'];
const someIncludes = express();
someIncludes.use(cors({ origin: (origin, callback) => callback(null, !origin || trusted.some((domain) => origin.includes(domain))), credentials: true }));
someIncludes.get('/x', (req, res) => res.send('ok'));

// Allow-Origin taken from the query string: the caller names the origin it wants granted.
const queryReflect = express();
queryReflect.get('/x', function queryReflectHandler(req, res) {
  res.setHeader('Access-Control-Allow-Origin', req.query.allow);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.send('ok');
});

// A body parser above cors(): a malformed JSON body gets express.json()'s 400 before cors() runs.
const bodyParserFirst = express();
bodyParserFirst.use(express.json());
bodyParserFirst.use(cors({ origin: 'https://app.example.com' }));
bodyParserFirst.post('/x', (req, res) => res.json(req.body));
bodyParserFirst.get('/x', (req, res) => res.send('ok'));

module.exports = { list, wildcard, fixed, reflect, defaults, routeLevel, imported, someIncludes, queryReflect, bodyParserFirst };
