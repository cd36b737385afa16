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

module.exports = { list, wildcard, fixed, reflect, defaults, routeLevel };
