import { defineRule } from '../src/engine/rule.js';
import { findBypasses } from '../src/model/bypass.js';
import { isSubstringPattern } from '../src/model/regex-analysis.js';
import type { OriginMatcher } from '../src/model/types.js';

export default defineRule({
  meta: {
    id: 'origin-regex-unescaped-dot',
    severity: 'error',
    category: 'security',
    description: 'A `.` in the host part of an origin regex matches any character: `wwwXexample.com` gets in.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
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
    const reported = new Set<OriginMatcher>();
    for (const bypass of findBypasses(policy)) {
      const matcher = bypass.matcher;
      // Only a letter put where the tree has a lone unescaped `.`; a plain substring test is
      // origin-substring-match's finding, whose fix covers the dots too.
      if (bypass.kind !== 'dot' || !bypass.unescapedDot || matcher?.kind !== 'pattern' || reported.has(matcher) || isSubstringPattern(matcher)) continue;
      reported.add(matcher);
      const where = matcher.source.slice(Math.max(0, bypass.unescapedDot.start - 12), bypass.unescapedDot.end + 12);
      context.report({
        loc: bypass.loc,
        message: `the unescaped '.' in origin pattern '${matcher.source.length > 120 ? `…${where}…` : matcher.source}' matches any character: '${bypass.origin}' gets in${bypass.credentials ? ' with credentials' : ''}; write '\\.'`,
      });
    }
  },
});
