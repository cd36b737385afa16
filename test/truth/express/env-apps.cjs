// Apps whose cors options are read from the environment, built by makeApps() after the test sets
// the variables (test/truth-express.test.ts): cors-lint reads process.env.* as unknown values.
const express = require('express');
const cors = require('cors');

function makeApps() {
  const handler = (req, res) => res.send('ok');

  const wildcardExpose = express();
  wildcardExpose.use(cors({ origin: '*', credentials: true, exposedHeaders: process.env.CORS_LINT_TRUTH_EXPOSE, maxAge: Number(process.env.CORS_LINT_TRUTH_MAX_AGE) }));
  wildcardExpose.all('/x', handler);

  const allowlistMethods = express();
  allowlistMethods.use(cors({ origin: ['https://app.example.com', 'https://foo.example.org'], credentials: true, methods: process.env.CORS_LINT_TRUTH_METHODS, allowedHeaders: process.env.CORS_LINT_TRUTH_HEADERS }));
  allowlistMethods.all('/x', handler);

  const reflectCredentials = express();
  reflectCredentials.use(cors({ origin: true, credentials: process.env.CORS_LINT_TRUTH_CREDENTIALS === '1', exposedHeaders: ['X-Total'] }));
  reflectCredentials.all('/x', handler);

  return { wildcardExpose, allowlistMethods, reflectCredentials };
}

module.exports = { makeApps };
