import { defineRule } from '../src/engine/rule.js';
import { cellText, grantsCredentials, requestMatrix } from '../src/model/matrix.js';
import { headersNamed, headerValue } from '../src/model/queries.js';
import { GRANT_READS, unsure } from '../src/model/uncertainty.js';

const LISTS = ['Access-Control-Allow-Headers', 'Access-Control-Allow-Methods', 'Access-Control-Expose-Headers'];

export default defineRule({
  meta: {
    id: 'wildcard-headers-with-credentials',
    severity: 'warning',
    category: 'broken',
    description: '`*` in Allow-Headers, Allow-Methods or Expose-Headers on a credentialed response is taken literally by browsers, not as "everything".',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml'],
    docs: {
      whatItDoes: 'Asks the model for a credentialed preflight and a credentialed request from an allowed origin. If a response carries `Access-Control-Allow-Credentials: true` together with `*` in a list header browsers read on it (Allow-Headers and Allow-Methods on the preflight, Expose-Headers on the actual response; all three on the actual response when no preflight answer is known), it reports that header.',
      why: 'For credentialed requests the Fetch standard treats `*` in these headers as a header or method literally named `*`. A PUT with credentials then fails with "Method PUT is not allowed by Access-Control-Allow-Methods", and exposed headers stay hidden from the page. List the names.',
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'https://app.example.com', credentials: true, methods: '*', allowedHeaders: '*' }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'https://app.example.com', credentials: true, methods: ['GET', 'PUT'], allowedHeaders: ['Content-Type', 'Authorization'] }));\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#cors-protocol-and-credentials', 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Methods#directives'],
    },
  },
  check(policy, context) {
    const matrix = requestMatrix(policy);
    const reported = new Set<string>();
    for (const origin of matrix.origins.filter((o) => o.role === 'allowed' || o.how === 'probe')) {
      const preflightKnown = matrix.certain({ origins: [origin], rows: ['preflight-put-credentials', 'preflight-intended-credentials'], reads: GRANT_READS }).length > 0;
      for (const cell of matrix.certain({ origins: [origin], rows: ['preflight-put-credentials', 'preflight-intended-credentials', 'get-credentials'], reads: GRANT_READS })) {
        if (!grantsCredentials(cell)) continue;
        // Browsers read Allow-Headers/-Methods only on a preflight and Expose-Headers only on the
        // actual response: a `*` where it is not read changes nothing. When no preflight answer is
        // known (a platform's static headers), the actual response's lists stand for what was configured.
        const read = cell.row.id !== 'get-credentials' ? ['Access-Control-Allow-Headers', 'Access-Control-Allow-Methods'] : preflightKnown ? ['Access-Control-Expose-Headers'] : LISTS;
        for (const name of LISTS.filter((list) => read.includes(list))) {
          const value = headerValue(cell.response, name);
          if (value === undefined || unsure(cell.response, [name]) || !value.split(',').some((token) => token.trim() === '*') || reported.has(name)) continue;
          reported.add(name);
          const culprit = headersNamed(cell.response, name)[0];
          context.report({ loc: culprit.loc ?? policy.source.loc, message: `${name} contains '*' on a credentialed response (${cellText(cell)}), where browsers read it as a literal name, not as everything: list the ${name.endsWith('Methods') ? 'methods' : 'headers'} explicitly` });
        }
      }
      if (reported.size > 0) return;
    }
  },
});
