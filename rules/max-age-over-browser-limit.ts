import { defineRule } from '../src/engine/rule.js';
import { requestMatrix } from '../src/model/matrix.js';
import { headersNamed } from '../src/model/queries.js';
import type { Loc } from '../src/model/types.js';
import { MAX_AGE } from '../src/model/uncertainty.js';

/** Chromium's `kMaxTimeout` (services/network/cors/preflight_result.cc); Firefox allows 86400, Safari 600. */
const CHROMIUM_LIMIT = 7200;

export default defineRule({
  meta: {
    id: 'max-age-over-browser-limit',
    severity: 'info',
    category: 'broken',
    description: 'Access-Control-Max-Age is above what browsers honour (Chromium caps it at 7200 s, Safari at 600 s).',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml'],
    docs: {
      whatItDoes: 'Reports a preflight max age written above 7200 seconds.',
      why: 'Browsers cap the preflight cache: Chromium at 2 hours, Firefox at 24 hours, Safari at 10 minutes. A larger value is silently cut down, so a config that expects preflights once a day still sends them every two hours in Chrome. Not harmful, but the number promises something that does not happen.',
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'https://app.example.com', maxAge: 86400 }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'https://app.example.com', maxAge: 7200 }));\n",
        },
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Max-Age 1728000 always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Max-Age 7200 always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
        },
      ],
      references: ['https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Max-Age', 'https://source.chromium.org/chromium/chromium/src/+/main:services/network/cors/preflight_result.cc'],
    },
  },
  check(policy, context) {
    const reported = new Set<string>();
    const report = (loc: Loc, seconds: number) => {
      const key = `${loc.file}:${loc.line}:${loc.column}`;
      if (seconds <= CHROMIUM_LIMIT || reported.has(key)) return;
      reported.add(key);
      context.report({ loc, message: `Access-Control-Max-Age ${seconds} is above what browsers honour: Chromium caches preflights for at most ${CHROMIUM_LIMIT} s, Safari 600 s` });
    };
    // Every value written, not just the first: each branch and level can answer a preflight.
    if (typeof policy.maxAge?.value === 'number') report(policy.maxAge.loc, policy.maxAge.value);
    for (const header of policy.emitted) {
      if (header.name.toLowerCase() !== 'access-control-max-age' || header.value === null || !/^\d+$/.test(header.value.trim())) continue;
      report(header.valueLoc, Number(header.value.trim()));
    }
    // Values computed on the way (a map, a variable) as preflight answers carry them.
    const matrix = requestMatrix(policy);
    for (const cell of matrix.certain({ roles: ['allowed'], rows: ['preflight-intended', 'preflight-intended-credentials', 'preflight-minimal'], reads: [MAX_AGE] })) {
      for (const header of headersNamed(cell.response, 'Access-Control-Max-Age')) {
        const loc = header.writtenAt ?? header.loc;
        if (loc && /^\d+$/.test(header.value.trim())) report(loc, Number(header.value.trim()));
      }
    }
  },
});
