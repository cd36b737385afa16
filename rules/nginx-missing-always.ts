import { defineRule } from '../src/engine/rule.js';
import { respond } from '../src/model/respond.js';
import { exactOrigins } from '../src/model/queries.js';
import type { CorsRequest, Loc } from '../src/model/types.js';

const REQUESTS: CorsRequest[] = [{ method: 'GET' }, { method: 'POST' }, { method: 'PUT', headers: ['Content-Type'], preflight: true }];

export default defineRule({
  meta: {
    id: 'nginx-missing-always',
    severity: 'warning',
    category: 'broken',
    description: '`add_header Access-Control-*` without `always`: 4xx/5xx responses lose their CORS headers and the browser reports a CORS error instead of the real one.',
    formats: ['nginx', 'yaml'],
    fixable: true,
    docs: {
      whatItDoes:
        "Flags an `add_header Access-Control-…` directive without the `always` parameter in a place where responses can carry an error status (a proxied or static location). Directives inside a block that always `return`s a 2xx/3xx (the usual `if ($request_method = OPTIONS) { … return 204; }`) are not flagged: `always` changes nothing there.",
      why: 'Without `always`, nginx adds the header only for 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308. A 401, 404, 422 or 500 from the application goes out without `Access-Control-Allow-Origin`, so the browser hides the real status and body behind "No \'Access-Control-Allow-Origin\' header is present" — the most common CORS debugging dead end.',
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
        },
      ],
      references: ['https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header'],
    },
  },
  check(policy, context) {
    if (policy.source.format !== 'nginx') return;
    const candidates = policy.emitted.filter((header) => header.mode === 'add' && !header.allStatuses && /^access-control-/i.test(header.name));
    if (candidates.length === 0) return;
    const origin = exactOrigins(policy)[0]?.value ?? 'https://app.example.com';
    for (const request of REQUESTS) {
      // Only the status has to be known here: an unknown header value does not change whether nginx drops it.
      const failed = respond(policy, { ...request, origin, appStatus: 502 });
      if (failed.status === undefined || failed.status < 400) continue;
      for (const dropped of failed.droppedForStatus ?? []) {
        const header = candidates.find((candidate) => sameStart(candidate.valueLoc, dropped));
        if (!header) continue;
        context.report({
          loc: header.loc,
          message: `add_header ${header.name} has no 'always': responses with status 4xx/5xx go out without it, and the browser reports a CORS error instead of the real status`,
        });
      }
    }
  },
});

function sameStart(a: Loc, b: Loc): boolean {
  return a.file === b.file && a.line === b.line && a.column === b.column;
}
