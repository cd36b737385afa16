import { defineRule } from '../src/engine/rule.js';
import { allowOrigin, allowOriginHeader, grantsCredentials, requestMatrix } from '../src/model/matrix.js';
import { ALLOW_CREDENTIALS, ALLOW_ORIGIN, unsure } from '../src/model/uncertainty.js';

export default defineRule({
  meta: {
    id: 'null-origin',
    severity: 'error',
    category: 'security',
    description: 'The `null` origin is allowed: sandboxed iframes, `data:` and `file:` pages and cross-origin redirects all send it, so any site can.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml'],
    docs: {
      whatItDoes: "Asks the model what a request with `Origin: null` gets. If `null` is granted while an arbitrary origin is not (an allowlist that contains `null`, a regex that matches it, a django-cors-headers entry without a scheme), it reports the entry that lets it in.",
      why: 'Browsers send `Origin: null` from documents with an opaque origin — a sandboxed iframe, a `data:` URL, often `file:` — and after a redirect that crossed origins. Any attacker can create such a document (`<iframe sandbox="allow-scripts" srcdoc=…>`), so allowing `null` is allowing everyone, and with credentials it exposes users\' data.',
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com', 'null'], credentials: true }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com'], credentials: true }));\n",
        },
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "map $http_origin $cors_origin {\n    default \"\";\n    \"https://app.example.com\" $http_origin;\n    \"null\" $http_origin;\n}\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin $cors_origin always;\n        add_header Vary Origin always;\n        proxy_pass http://app;\n    }\n}\n",
          good: "map $http_origin $cors_origin {\n    default \"\";\n    \"https://app.example.com\" $http_origin;\n}\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin $cors_origin always;\n        add_header Vary Origin always;\n        proxy_pass http://app;\n    }\n}\n",
        },
      ],
      references: ['https://portswigger.net/web-security/cors#whitelisted-null-origin-value', 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Origin#null'],
    },
  },
  check(policy, context) {
    const matrix = requestMatrix(policy);
    const actualRows = ['get-credentials', 'get', 'post-credentials', 'head'] as const;
    // Everyone allowed is the reflect rules' finding.
    const probes = matrix.origins.filter((origin) => origin.how === 'probe');
    if (matrix.certain({ origins: probes, rows: [...actualRows], reads: [ALLOW_ORIGIN] }).some((cell) => allowOrigin(cell) === cell.origin.origin)) return;
    const nullOrigin = matrix.origins.filter((origin) => origin.origin === 'null');
    for (const cell of matrix.certain({ origins: nullOrigin, rows: [...actualRows], reads: [ALLOW_ORIGIN] })) {
      if (allowOrigin(cell) !== 'null') continue;
      // Probes the model cannot answer (an imported allowlist beside the 'null' test) change nothing:
      // 'null' is granted either way; only a certain grant to any origin (above) makes this finding a
      // repeat of the reflect rules'.
      // An unknown Allow-Credentials leaves only the message's "with credentials" out.
      const withCredentials = !unsure(cell.response, [ALLOW_CREDENTIALS]) && grantsCredentials(cell);
      context.report({
        loc: allowOriginHeader(cell)!.loc ?? policy.source.loc,
        message: `the 'null' origin is allowed${withCredentials ? ' with credentials' : ''} (${cell.row.label} from null is granted): sandboxed iframes and data: pages send it, so any website can make these requests${withCredentials ? " with the user's cookies" : ''}`,
      });
      return;
    }
  },
});
