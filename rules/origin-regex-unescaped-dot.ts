import { defineRule } from '../src/engine/rule.js';
import { findBypasses } from '../src/model/bypass.js';
import { isSubstringTest } from '../src/model/queries.js';
import { hostDots } from '../src/model/regex-analysis.js';

export default defineRule({
  meta: {
    id: 'origin-regex-unescaped-dot',
    severity: 'error',
    category: 'security',
    description: 'A `.` in the host part of an origin regex matches any character: `wwwXexample.com` gets in.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml'],
    fixable: true,
    docs: {
      whatItDoes: "Parses the origin regex (with @eslint-community/regexpp) for unescaped `.` between host characters, replaces such a dot in an allowed origin by a letter (`https://appxexample.com`), and asks the model whether that origin is granted. A finding names the origin and the dot.",
      why: "`^https://app.example.com$` also matches `https://appxexample.com` — a domain an attacker can register. Every dot in a host must be written `\\.`.",
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: /^https:\\/\\/app.example\\.com$/ }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: /^https:\\/\\/app\\.example\\.com$/ }));\n",
        },
      ],
      references: ['https://portswigger.net/web-security/cors#errors-parsing-origin-headers'],
    },
  },
  check(policy, context) {
    const reported = new Set<string>();
    for (const bypass of findBypasses(policy)) {
      // A plain substring test is origin-substring-match's finding, whose fix covers the dots too.
      if (bypass.kind !== 'dot' || bypass.matcher?.kind !== 'pattern' || isSubstringTest(bypass.matcher) || reported.has(bypass.matcher.source)) continue;
      const dots = hostDots(bypass.matcher.source, bypass.matcher.flags);
      if (dots.length === 0) continue;
      reported.add(bypass.matcher.source);
      context.report({
        loc: bypass.loc,
        message: `the unescaped '.' in origin pattern '${bypass.matcher.source}' matches any character: '${bypass.origin}' gets in${bypass.credentials ? ' with credentials' : ''}; write '\\.'`,
      });
    }
  },
});
