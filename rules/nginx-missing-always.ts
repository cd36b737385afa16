import { defineRule } from '../src/engine/rule.js';
import { sameStart } from '../src/model/loc.js';
import { respond } from '../src/model/respond.js';
import { exactOrigins } from '../src/model/queries.js';
import type { CorsRequest, EmittedHeader, Loc } from '../src/model/types.js';

/**
 * Actual requests only: a preflight that fails with 4xx/5xx fails whatever headers it carries. Every
 * method a page's API calls use, since configs key `if` blocks on `$request_method` one by one and an
 * error answer to a DELETE or PATCH loses the header as much as one to a POST.
 */
const REQUESTS: CorsRequest[] = [{ method: 'GET' }, { method: 'POST' }, { method: 'PUT', headers: ['Content-Type'] }, { method: 'PATCH', headers: ['Content-Type'] }, { method: 'DELETE' }];
const PROBE_ORIGIN = 'https://app.example.com';
/**
 * The error statuses asked about, 502 first. add_header without `always` drops its header on every
 * one of them, so the first answers for it. headers-more's `-s` list sets the header on exactly the
 * statuses it names: one that names 502 but not 401 still loses Allow-Origin on an expired session.
 * These are the errors an application or its proxy answers a page's API call with, whose status and
 * body the page is meant to read (400 validation, 401/403 auth, 404, 409/422 conflicts and
 * validation, 429 rate limits, 500, and the gateway's 502/503/504). Redirects and rarer statuses are
 * not asked about: a list that leaves out 418 or 307 is no finding.
 */
const PROBE_STATUSES = [502, 400, 401, 403, 404, 409, 422, 429, 500, 503, 504];
/**
 * Only these are read on an actual response (Fetch's CORS check and header exposure). Allow-Methods,
 * Allow-Headers and Max-Age are read on the preflight alone, and a preflight answered with an error
 * status fails whatever it carries, so `always` on them changes nothing a browser sees.
 */
const BROWSER_READS_ON_ERRORS = /^access-control-(allow-origin|allow-credentials|expose-headers)$/i;

export default defineRule({
  meta: {
    id: 'nginx-missing-always',
    severity: 'warning',
    category: 'broken',
    description: '`add_header Access-Control-*` without `always` (or `more_set_headers -s` with a status list): 4xx/5xx responses lose their CORS headers and the browser reports a CORS error instead of the real one.',
    formats: ['nginx', 'yaml'],
    fixable: true,
    docs: {
      whatItDoes:
        "Flags an `add_header Access-Control-Allow-Origin`, `-Allow-Credentials` or `-Expose-Headers` directive without the `always` parameter in a place where responses can carry an error status (a proxied or static location, including inside an `if` whose condition depends on the Origin or cannot be decided). Directives inside a block that always `return`s a 2xx/3xx (the usual `if ($request_method = OPTIONS) { … return 204; }`) are not flagged: `always` changes nothing there. The same goes for headers-more's `more_set_headers -s '200 204' 'Access-Control-Allow-Origin: …'`, which sets the header only on the statuses listed: a list is flagged when it leaves out any of the errors an API answers a page with (400, 401, 403, 404, 409, 422, 429, 500, 502, 503, 504). `Access-Control-Allow-Methods`, `-Allow-Headers` and `-Max-Age` are never flagged: browsers read them only on a preflight, and a preflight answered with 4xx/5xx fails whatever headers it carries.",
      why: 'Without `always`, nginx adds the header only for 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308. A 401, 404, 422 or 500 from the application goes out without `Access-Control-Allow-Origin`, so the browser hides the real status and body behind "No \'Access-Control-Allow-Origin\' header is present" — the most common CORS debugging dead end.',
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
        },
      ],
      references: ['https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header', 'https://github.com/openresty/headers-more-nginx-module#more_set_headers'],
    },
  },
  check(policy, context) {
    if (policy.source.format !== 'nginx') return;
    // add_header without `always`, and headers-more's `more_set_headers -s <statuses>` (mode 'set'), which likewise sets nothing on other statuses.
    const candidates = policy.emitted.filter((header) => !header.allStatuses && BROWSER_READS_ON_ERRORS.test(header.name));
    if (candidates.length === 0) return;
    const reported = new Set<EmittedHeader>();
    for (const status of PROBE_STATUSES) {
      for (const request of REQUESTS) {
        // Any Origin, any path through the rewrite phase: a header dropped on one of them is a finding
        // (an unknown header value does not change whether nginx drops it).
        const failed = respond(policy, { ...request, anyOrigin: true, origin: exactOrigins(policy)[0]?.value ?? PROBE_ORIGIN, appStatus: status });
        for (const dropped of failed.droppedForStatus ?? []) {
          const header = candidates.find((candidate) => sameStart(candidate.valueLoc, dropped));
          if (!header || reported.has(header)) continue;
          reported.add(header);
          context.report(
            header.mode === 'add'
              ? { loc: header.loc, message: `add_header ${header.name} has no 'always': responses with status 4xx/5xx go out without it, and the browser reports a CORS error instead of the real status` }
              : {
                  loc: header.valueLoc,
                  message: `more_set_headers -s sets ${header.name} only on the statuses it lists, not on ${status}: such responses go out without it, and the browser reports a CORS error instead of the real status; drop the -s list`,
                },
          );
        }
      }
      if (reported.size === candidates.length) return;
    }
  },
});
