import { defineRule } from '../src/engine/rule.js';
import { credentialsExpected, requestMatrix } from '../src/model/matrix.js';
import { headerValue } from '../src/model/queries.js';
import { ALLOW_ORIGIN, unsure, verdictReads } from '../src/model/uncertainty.js';

export default defineRule({
  meta: {
    id: 'preflight-unhandled',
    severity: 'error',
    category: 'broken',
    description: 'CORS headers are sent on normal responses, but an OPTIONS preflight is not answered with a 2xx and CORS headers here, nor passed to a layer that does.',
    formats: ['nginx', 'js', 'ts'],
    docs: {
      whatItDoes:
        'For a policy that allows a method or header needing a preflight (Allow-Methods with PUT/PATCH/DELETE, Allow-Headers with a non-safelisted header, or a route-level CORS middleware on such a method), it asks the model what the preflight `OPTIONS` gets. It reports when the layer never intercepts OPTIONS and the request falls through to something that answers without CORS headers or with a non-2xx status (nginx static files answer 405; an Express route-level `cors()` never runs for OPTIONS). OPTIONS that reaches a proxied application is not judged: the application may answer it.',
      why: 'The browser sends the preflight first and only sends the real request if the preflight passes, so the headers on normal responses never matter: the request fails with "Response to preflight request doesn\'t pass access control check".',
      examples: [
        {
          format: 'nginx',
          filename: 'files.conf',
          bad: "location /files/ {\n    root /srv;\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Methods 'GET, PUT' always;\n}\n",
          good: "location /files/ {\n    root /srv;\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Allow-Methods 'GET, PUT' always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Methods 'GET, PUT' always;\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.delete('/items/:id', cors({ origin: 'https://app.example.com' }), (req, res) => res.sendStatus(204));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\nconst corsOptions = { origin: 'https://app.example.com' };\napp.options('/items/:id', cors(corsOptions));\napp.delete('/items/:id', cors(corsOptions), (req, res) => res.sendStatus(204));\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#cors-preflight-fetch', 'https://github.com/expressjs/cors#enabling-cors-pre-flight'],
    },
  },
  check(policy, context) {
    // A layer that answers OPTIONS itself is judged by preflight-incomplete.
    if (policy.preflight.kind === 'handled') return;
    const matrix = requestMatrix(policy);
    const expected = matrix.intended;
    if (!expected) return;
    for (const origin of matrix.origins.filter((o) => o.role === 'allowed' || o.how === 'probe')) {
      const actual = matrix.answer({ origin: origin.origin, method: expected.method });
      const allowOrigin = headerValue(actual, 'Access-Control-Allow-Origin');
      if (unsure(actual, [ALLOW_ORIGIN]) || (allowOrigin !== origin.origin && allowOrigin !== '*')) continue;
      const cell = matrix.cell(origin, credentialsExpected(matrix, origin) ? 'preflight-intended-credentials' : 'preflight-intended');
      const { response, verdict } = cell;
      if (unsure(response, verdictReads(cell.request)) || response.shortCircuit) return;
      if (verdict.allowed) return;
      const status = response.status === undefined ? 'an unknown status' : `status ${response.status}`;
      context.report({
        loc: policy.source.loc,
        message: `${cell.row.label} from ${origin.origin} is not handled here and gets ${status}${response.headers.some((h) => /^access-control-/i.test(h.name)) ? '' : ' without CORS headers'}: browsers block the request (${verdict.reason})`,
      });
      return;
    }
  },
});
