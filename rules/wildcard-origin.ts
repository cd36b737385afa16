import { defineRule } from '../src/engine/rule.js';
import { headersNamed, headerValue, originNote, probe, PROBE_ORIGIN } from '../src/model/queries.js';

export default defineRule({
  meta: {
    id: 'wildcard-origin',
    severity: 'info',
    category: 'security',
    description: '`Access-Control-Allow-Origin: *`: any website can read these responses. Fine for public data, never for a private API.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml'],
    docs: {
      whatItDoes: 'Notes a layer that answers any origin with `Access-Control-Allow-Origin: *` (without credentials; `*` with credentials is `credentials-wildcard-origin`).',
      why: "`*` lets every page on the web read the response. That is right for public, unauthenticated data (a CDN, an open API) and wrong for anything that depends on who is asking — for example an intranet API that relies on network location instead of credentials. It is reported as information so a reviewer confirms the data is meant to be public.",
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /internal/ {\n    add_header Access-Control-Allow-Origin * always;\n    proxy_pass http://intranet;\n}\n",
          good: "location /internal/ {\n    add_header Access-Control-Allow-Origin https://portal.example.com always;\n    proxy_pass http://intranet;\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors());\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'https://app.example.com' }));\n",
        },
      ],
      references: ['https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Origin'],
    },
  },
  check(policy, context) {
    // With credentials on, `*` is the credentials rules' finding.
    if (policy.credentials?.value !== false && policy.credentials !== undefined) return;
    for (const { request, response } of probe(policy, PROBE_ORIGIN)) {
      if (request.credentials || request.preflight || headerValue(response, 'Access-Control-Allow-Origin') !== '*') continue;
      const culprit = headersNamed(response, 'Access-Control-Allow-Origin')[0];
      context.report({ loc: culprit.loc ?? policy.source.loc, message: `Access-Control-Allow-Origin is '*': every website can read these responses${originNote(policy, culprit.loc)}; make sure the data is public` });
      return;
    }
  },
});
