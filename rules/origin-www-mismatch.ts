import { defineRule } from '../src/engine/rule.js';
import { analyzeOrigin } from '../src/model/origin.js';
import { exactOrigins, grants } from '../src/model/queries.js';

function twinHost(host: string): string {
  return host.startsWith('www.') ? host.slice(4) : `www.${host}`;
}

export default defineRule({
  meta: {
    id: 'origin-www-mismatch',
    severity: 'warning',
    category: 'broken',
    description: 'Only one of `www.` / apex is allowed while the other is known to be served.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
    docs: {
      whatItDoes:
        "For each allowed origin, looks at its `www.`/apex twin (`https://example.com` ↔ `https://www.example.com`). If the repository shows the twin is served too — an nginx `server_name`, another allowlist, or `knownOrigins` in the config — and this policy does not allow it, it reports the entry.",
      why: 'Sites are reachable under both names, often with a redirect only on some paths. A page loaded from the name that is missing from the allowlist gets "has a value … that is not equal to the supplied origin" and the bug shows up only for some users.',
      examples: [
        {
          format: 'nginx',
          filename: 'site.conf',
          bad: "server {\n    server_name example.com www.example.com;\n    location /api/ {\n        add_header Access-Control-Allow-Origin https://example.com always;\n        proxy_pass http://app;\n    }\n}\n",
          good: "map $http_origin $cors_origin {\n    default \"\";\n    \"https://example.com\" $http_origin;\n    \"https://www.example.com\" $http_origin;\n}\nserver {\n    server_name example.com www.example.com;\n    location /api/ {\n        add_header Access-Control-Allow-Origin $cors_origin always;\n        add_header Vary Origin always;\n        proxy_pass http://app;\n    }\n}\n",
        },
      ],
      options: '`knownOrigins` in the config file lists origins the team serves that the repository does not show (for example a front end deployed elsewhere).',
      references: ['https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Origin'],
    },
  },
  check(policy, context) {
    for (const matcher of exactOrigins(policy)) {
      const { serialized, problems } = analyzeOrigin(matcher.value);
      if (!serialized || problems.length > 0 || serialized === 'null' || serialized === '*') continue;
      const url = new URL(serialized);
      const twin = twinHost(url.hostname);
      const served = context.project.servedHosts.get(twin);
      if (!served) continue;
      const twinOrigin = `${url.protocol}//${twin}${url.port ? `:${url.port}` : ''}`;
      if (grants(policy, twinOrigin) !== false) continue;
      // The twin is allowed under the other scheme (`https://www.example.com` beside `http://example.com`): the
      // list knows both hosts, and the missing one is a plain-HTTP leftover, not a www/apex slip.
      const otherScheme = `${url.protocol === 'https:' ? 'http:' : 'https:'}//${twin}${url.port ? `:${url.port}` : ''}`;
      if (grants(policy, otherScheme) === true) continue;
      const where = served.loc ? ` (${served.how} at ${served.loc.file}:${served.loc.line})` : ` (${served.how})`;
      context.report({ loc: matcher.loc, message: `'${serialized}' is allowed but '${twinOrigin}' is not, while ${twin} is served${where}` });
    }
  },
});
