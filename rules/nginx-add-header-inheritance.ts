import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  meta: {
    id: 'nginx-add-header-inheritance',
    severity: 'error',
    category: 'broken',
    description: "A location's own `add_header` silently drops the CORS headers set at the server or http level.",
    formats: ['nginx'],
    docs: {
      whatItDoes: 'Reports a location, or an `if` block inside one, that has `add_header` directives of its own while an outer level (location, server, http, or the snippet it sits in) sets `Access-Control-*` headers with `add_header`, when the block keeps none of those CORS headers or drops their `Access-Control-Allow-Origin` (a block that adds only `Access-Control-Max-Age` or `Content-Length`). The finding points at the block\'s first `add_header`.',
      why: "nginx inherits `add_header` from the enclosing level only if the current level has no `add_header` at all. Adding an unrelated header to one location (a cache header, `X-Frame-Options`) therefore removes every CORS header there, and only that location's requests start failing with \"No 'Access-Control-Allow-Origin' header is present\". Repeat the CORS headers in the location (an `include` of a shared snippet keeps it tidy), or use `add_header_inherit merge;` on nginx 1.29.3+.",
      examples: [
        {
          format: 'nginx',
          filename: 'site.conf',
          bad: "server {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    location /downloads/ {\n        add_header Cache-Control no-store;\n        root /srv;\n    }\n}\n",
          good: "server {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    location /downloads/ {\n        add_header Cache-Control no-store;\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        root /srv;\n    }\n}\n",
        },
      ],
      references: ['https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header'],
    },
  },
  check(policy, context) {
    const losses = policy.inheritanceLosses ?? (policy.inheritanceLoss ? [policy.inheritanceLoss] : []);
    for (const loss of losses) {
      const names = [...new Set(loss.lost.map((header) => header.name))].join(', ');
      const where = 'place' in loss && loss.place ? loss.place : 'block' in loss && loss.block ? `${loss.block} in ${policy.scope.label}` : policy.scope.label;
      context.report({
        loc: loss.loc,
        message: `this add_header stops ${where} from inheriting the ${loss.level}-level CORS headers (${names}, line ${loss.lost[0].loc.line}): responses there get none of them; repeat them in this block or use 'add_header_inherit merge;' (nginx 1.29.3+)`,
      });
    }
  },
});
