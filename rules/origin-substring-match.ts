import { defineRule } from '../src/engine/rule.js';
import { findBypasses } from '../src/model/bypass.js';
import { isSubstringPattern } from '../src/model/regex-analysis.js';
import type { OriginMatcher } from '../src/model/types.js';
import { excerpt } from '../src/util/excerpt.js';

/** `origin.endsWith('example.com')` and the like in a callback: what a single such test also accepts. */
function predicateBypass(method: string, argument: string): string | undefined {
  if (!argument) return undefined;
  switch (method) {
    case 'endsWith':
      return /^[.:/]/.test(argument) ? undefined : `https://attacker${argument.replace(/^https?:\/\//, '')}`;
    case 'includes':
    case 'indexOf':
    case 'match':
      return `https://${argument.replace(/^https?:\/\//, '').replace(/\/$/, '')}.attacker.invalid`;
    case 'startsWith':
      return /\/$/.test(argument) ? undefined : `${/^https?:\/\//.test(argument) ? argument : `https://${argument}`}.attacker.invalid`;
    default:
      return undefined;
  }
}

export default defineRule({
  meta: {
    id: 'origin-substring-match',
    severity: 'error',
    category: 'security',
    description: 'The origin is checked with includes/indexOf/startsWith/endsWith, an Envoy prefix/suffix/contains, or an nginx `~` match with no anchors: a lookalike domain passes.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml'],
    docs: {
      whatItDoes:
        "Reports string tests used as an origin allowlist that accept an attacker's domain: an origin callback whose only origin check is `origin.endsWith('example.com')`, `includes(…)`, `indexOf(…)` or `startsWith(…)` without a boundary, and the same tests in Python hand-set code (`origin.endswith('example.com')`, `'example.com' in origin`); an nginx `if ($http_origin ~ example.com)` with neither `^` nor `$`; an Envoy or Istio `suffix`/`prefix`/`contains` matcher. Pattern matchers are put to the model with the attacker origins built from the allowed ones; the finding names the one that gets in.",
      why: "`endsWith('example.com')` accepts `attackerexample.com`; `includes('example.com')` and `startsWith('https://example.com')` accept `https://example.com.attacker.invalid`. Both are domains anyone can register. Compare the whole origin with a list, or test the host with a leading dot and the end of the string.",
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: (origin, callback) => callback(null, origin.endsWith('example.com')), credentials: true }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\nconst allowed = ['https://app.example.com', 'https://admin.example.com'];\napp.use(cors({ origin: (origin, callback) => callback(null, allowed.includes(origin)), credentials: true }));\n",
        },
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    if ($http_origin ~ 'example.com') {\n        add_header Access-Control-Allow-Origin $http_origin always;\n        add_header Vary Origin always;\n    }\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    if ($http_origin ~ '^https://(app|admin)\\.example\\.com$') {\n        add_header Access-Control-Allow-Origin $http_origin always;\n        add_header Vary Origin always;\n    }\n    proxy_pass http://app;\n}\n",
        },
      ],
      references: ['https://portswigger.net/web-security/cors#errors-parsing-origin-headers'],
    },
  },
  check(policy, context) {
    for (const matcher of policy.origins) {
      if (matcher.kind !== 'predicate') continue;
      const originChecks = matcher.checks;
      if (originChecks.length !== 1 || originChecks[0].argument === undefined) continue;
      const bypass = predicateBypass(originChecks[0].method, originChecks[0].argument);
      if (bypass) context.report({ loc: originChecks[0].loc, message: `origin.${originChecks[0].method}('${originChecks[0].argument}') also accepts '${bypass}': compare the whole origin with a list instead` });
    }
    const reported = new Set<OriginMatcher | string>();
    for (const bypass of findBypasses(policy)) {
      const matcher = bypass.matcher;
      // One finding per check: a list tested with one `includes` call gives one pattern per entry, all on that call.
      const at = `${bypass.loc.file}:${bypass.loc.line}:${bypass.loc.column}`;
      if (matcher?.kind !== 'pattern' || reported.has(matcher) || reported.has(at) || !isSubstringPattern(matcher)) continue;
      reported.add(matcher);
      reported.add(at);
      const source = excerpt(matcher.source, 120);
      const what = matcher.code ? matcher.code : matcher.written ? `a ${matcher.written} match on '${source.replace(/\\(.)/g, '$1').replace(/^\^|\$$/g, '')}'` : `the unanchored match ~${matcher.flags.includes('i') ? '*' : ''} '${source}'`;
      context.report({ loc: bypass.loc, message: `${what} also accepts '${bypass.origin}'${bypass.credentials ? ' with credentials' : ''}: match the whole origin (^https://host\\.example\\.com$) or an exact list` });
    }
  },
});
