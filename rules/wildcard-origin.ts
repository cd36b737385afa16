import { defineRule } from '../src/engine/rule.js';
import { allowOrigin, allowOriginHeader, cellText, requestMatrix } from '../src/model/matrix.js';
import { headerValue, originNote } from '../src/model/queries.js';
import type { Loc } from '../src/model/types.js';
import { ALLOW_ORIGIN, GRANT_READS } from '../src/model/uncertainty.js';

const key = (loc: Loc) => `${loc.file}:${loc.line}:${loc.column}`;

export default defineRule({
  meta: {
    id: 'wildcard-origin',
    severity: 'info',
    category: 'security',
    description: '`Access-Control-Allow-Origin: *`: any website can read these responses. Fine for public data, never for a private API.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml', 'headers'],
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
    const matrix = requestMatrix(policy);
    const probes = matrix.origins.filter((origin) => origin.how === 'probe');
    const cells = matrix.certain({ roles: ['allowed', 'attacker'], reads: GRANT_READS });
    // An Allow-Origin that also goes out with credentials (as `*`, or reflected for cookie-carrying requests) is the credentials rules' finding; credentials elsewhere (only on the preflight, on another branch) do not hide this one.
    const withCredentials = new Set(
      cells
        .filter((cell) => allowOrigin(cell) !== undefined && headerValue(cell.response, 'Access-Control-Allow-Credentials') === 'true')
        .map((cell) => key(allowOriginHeader(cell)!.loc ?? policy.source.loc)),
    );
    for (const cell of matrix.certain({ origins: probes, rows: ['get', 'head', 'post'], reads: [ALLOW_ORIGIN] })) {
      if (allowOrigin(cell) !== '*') continue;
      const culprit = allowOriginHeader(cell)!;
      const loc = culprit.loc ?? policy.source.loc;
      if (withCredentials.has(key(loc))) continue;
      context.report({ loc, message: `Access-Control-Allow-Origin is '*' (${cellText(cell)}): every website can read these responses${originNote(policy, culprit.loc)}; make sure the data is public` });
      return;
    }
  },
});
