import { defineRule } from '../src/engine/rule.js';
import { headersNamed, headerValue, originNote, probe, PROBE_ORIGIN } from '../src/model/queries.js';

export default defineRule({
  meta: {
    id: 'reflect-any-origin',
    severity: 'warning',
    category: 'security',
    description: 'Any origin is reflected in Allow-Origin (without credentials).',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml'],
    docs: {
      whatItDoes:
        'Flags a layer that echoes any request `Origin` back in `Access-Control-Allow-Origin` without credentials. (With credentials the finding is `credentials-reflect-any-origin`.) Flask-CORS does this by default: its default origin `*` is the regex `.*`, and the matching origin is echoed unless `send_wildcard=True`.',
      why: 'Reflecting every origin is `*` in disguise, but it also defeats caches that key on `*`, hides the intent from reviewers, and turns into a credentialed hole the day someone adds `Allow-Credentials`. If the data is public, send `*`; if it is not, keep an allowlist.',
      examples: [
        {
          format: 'nginx',
          filename: 'public.conf',
          bad: "location /public/ {\n    add_header Access-Control-Allow-Origin $http_origin always;\n    add_header Vary Origin always;\n}\n",
          good: "location /public/ {\n    add_header Access-Control-Allow-Origin * always;\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: true }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'https://app.example.com' }));\n",
        },
        {
          format: "python",
          filename: "app.py",
          bad: "from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app)\n",
          good: "from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app, send_wildcard=True)\n",
        },
        {
          format: "yaml",
          filename: "envoy.yaml",
          bad: "route_config:\n  virtual_hosts:\n    - name: web\n      cors:\n        allow_origin_string_match:\n          - prefix: \"*\"\n",
          good: "route_config:\n  virtual_hosts:\n    - name: web\n      response_headers_to_add:\n        - header: { key: Vary, value: Origin }\n      cors:\n        allow_origin_string_match:\n          - exact: \"https://app.example.com\"\n",
        },
      ],
      references: ['https://portswigger.net/web-security/cors'],
    },
  },
  check(policy, context) {
    const results = probe(policy, PROBE_ORIGIN);
    const credentialedGrant = results.some(
      ({ request, response }) => request.credentials && headerValue(response, 'Access-Control-Allow-Origin') === PROBE_ORIGIN && headerValue(response, 'Access-Control-Allow-Credentials') === 'true',
    );
    if (credentialedGrant) return;
    for (const { request, response } of results) {
      if (request.credentials || headerValue(response, 'Access-Control-Allow-Origin') !== PROBE_ORIGIN) continue;
      const culprit = headersNamed(response, 'Access-Control-Allow-Origin')[0];
      context.report({
        loc: culprit.loc ?? policy.source.loc,
        message: `any origin is reflected in Access-Control-Allow-Origin (${PROBE_ORIGIN} is granted)${originNote(policy, culprit.loc)}${culprit.fromInput ? ` (the value is copied from ${culprit.fromInput}, which the caller chooses)` : ''}; send '*' for public data or check the origin against an allowlist`,
      });
    }
  },
});
