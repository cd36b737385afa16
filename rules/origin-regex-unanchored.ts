import { defineRule } from '../src/engine/rule.js';
import { findBypasses } from '../src/model/bypass.js';
import { preparePattern } from '../src/model/pattern-match.js';
import { isSubstringPattern, patternAnchors, wildcardAfterHost, wildcardBeforeHost } from '../src/model/regex-analysis.js';
import type { OriginMatcher } from '../src/model/types.js';

const HOW: Record<string, string> = {
  'python-match': 're.match anchors only the start',
  'python-search': 're.search searches anywhere in the Origin',
  'pcre-search': 'nginx searches anywhere in the Origin',
  're2-search': 'the pattern is searched anywhere in the Origin',
  'js-search': 'RegExp.test searches anywhere in the Origin',
};

export default defineRule({
  meta: {
    id: 'origin-regex-unanchored',
    severity: 'error',
    category: 'security',
    description: 'An origin regex not anchored at the start and end (or a Python `re.match` prefix check) lets `example.com.attacker.invalid` or `attackerexample.com` in.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
    fixable: true,
    docs: {
      whatItDoes:
        "Builds the origins an attacker would register from each origin the regex is meant to allow — `https://app.example.com.attacker.invalid` after it, `https://attackerexample.com` before it — and asks the model, running the pattern the way the implementation does (JS `test` and nginx `~` search, Python `re.match` anchors only the start, Traefik and APISIX search unanchored), whether each gets Access-Control-Allow-Origin. A pattern anchored at both ends whose host ends in a wildcard (`^https://example\\..*$`, Litestar's `https://example.*`) is open at the end all the same. A finding names the origin that gets in.",
      why: "A regex is only an allowlist if it matches the whole origin. `example\\.com$` also matches `attackerexample.com`; `^https://.*\\.example\\.com` also matches `https://a.example.com.attacker.invalid`, a domain anyone can register. With credentials, that domain reads your users' data.",
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: /https:\\/\\/[a-z]+\\.example\\.com/, credentials: true }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: /^https:\\/\\/[a-z]+\\.example\\.com$/, credentials: true }));\n",
        },
        {
          format: 'python',
          filename: 'settings.py',
          bad: 'MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\\w+\\.example\\.com"]\n',
          good: 'MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\\w+\\.example\\.com$"]\n',
        },
      ],
      references: ['https://portswigger.net/web-security/cors#errors-parsing-origin-headers', 'https://docs.python.org/3/library/re.html#re.match'],
    },
  },
  check(policy, context) {
    const reported = new Set<OriginMatcher>();
    for (const bypass of findBypasses(policy)) {
      const matcher = bypass.matcher;
      if (bypass.kind === 'dot' || matcher?.kind !== 'pattern' || reported.has(matcher) || isSubstringPattern(matcher)) continue;
      const prepared = preparePattern(matcher);
      if (!prepared) continue;
      // The cause is read from the tree: only a side with no anchor is reported, and a full-match
      // dialect (Starlette fullmatch, Envoy/Istio safe_regex, Kong) is anchored by its implementation.
      const side = bypass.kind === 'suffix' ? 'end' : 'start';
      const how = HOW[matcher.dialect] ? `; ${HOW[matcher.dialect]}` : '';
      if (patternAnchors(prepared)[side]) {
        // Anchored, but a wildcard runs straight into the domain (`^https://.*example\.net$`): the host has no label boundary.
        if (side === 'end' && wildcardAfterHost(prepared)) {
          reported.add(matcher);
          context.report({
            loc: bypass.loc,
            message: `origin pattern '${shown(matcher.source)}' ends the host with a wildcard, so it is open at the end although anchored: '${bypass.origin}' gets in${bypass.credentials ? ' with credentials' : ''}; spell out the domain's last labels (e.g. '\\.com$') instead of the wildcard`,
          });
          continue;
        }
        if (side !== 'start' || !wildcardBeforeHost(prepared)) continue;
        reported.add(matcher);
        context.report({
          loc: bypass.loc,
          message: `origin pattern '${shown(matcher.source)}' does not anchor the host at a label boundary (a wildcard runs straight into the domain): '${bypass.origin}' gets in${bypass.credentials ? ' with credentials' : ''}; write the wildcard as '([a-z0-9-]+\\.)*' before the domain`,
        });
        continue;
      }
      reported.add(matcher);
      context.report({
        loc: bypass.loc,
        message: `origin pattern '${shown(matcher.source)}' is not anchored at the ${side}${how}: '${bypass.origin}' gets in${bypass.credentials ? ' with credentials' : ''}; anchor it (^…$) with escaped dots`,
      });
    }
  },
});

/** Scanned text is quoted, but never more than a short excerpt of it. */
function shown(source: string): string {
  return source.length > 120 ? `${source.slice(0, 120)}…` : source;
}
