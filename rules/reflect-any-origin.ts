import { defineRule } from '../src/engine/rule.js';
import { allowOrigin, allowOriginHeader, answeredWithOwnError, cellText, grantsCredentials, requestMatrix } from '../src/model/matrix.js';
import { originNote, PROBE_ORIGIN } from '../src/model/queries.js';
import { chainedCredentialedReflections } from '../src/model/stack.js';
import { ALLOW_ORIGIN, GRANT_READS, unsure } from '../src/model/uncertainty.js';

export default defineRule({
  meta: {
    id: 'reflect-any-origin',
    severity: 'warning',
    category: 'security',
    description: 'Any origin is reflected in Allow-Origin (without credentials).',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
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
    const matrix = requestMatrix(policy);
    const probes = matrix.origins.filter((origin) => origin.how === 'probe');
    // A deny-guard's own error page (nginx 'return 403') carries the grant but no user data.
    const cells = matrix.certain({ origins: probes, reads: [ALLOW_ORIGIN] }).filter((cell) => !answeredWithOwnError(cell));
    // With credentials it is credentials-reflect-any-origin's finding.
    if (cells.some((cell) => cell.request.credentials && !unsure(cell.response, GRANT_READS) && grantsCredentials(cell))) return;
    // So is a credentialed grant the app behind this proxy completes.
    if (chainedCredentialedReflections(policy, PROBE_ORIGIN).length > 0) return;
    const reported = new Set<string>();
    for (const cell of cells) {
      // A cookie-carrying request answered with its origin but no Allow-Credentials (Starlette with `*`) is refused by the browser.
      if (cell.request.credentials || allowOrigin(cell) !== cell.origin.origin) continue;
      const culprit = allowOriginHeader(cell)!;
      const loc = culprit.loc ?? policy.source.loc;
      const key = `${loc.file}:${loc.line}:${loc.column}`;
      if (reported.has(key)) continue;
      reported.add(key);
      context.report({
        loc,
        message: `any origin is reflected in Access-Control-Allow-Origin (${cellText(cell)} is granted)${originNote(policy, culprit.loc)}${culprit.fromInput ? ` (the value is copied from ${culprit.fromInput}, which the caller chooses)` : ''}; send '*' for public data or check the origin against an allowlist`,
      });
    }
  },
});
