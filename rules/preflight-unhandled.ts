import { defineRule } from '../src/engine/rule.js';
import { browserVerdict, type BrowserVerdict } from '../src/model/browser.js';
import { credentialsExpected, requestMatrix } from '../src/model/matrix.js';
import type { CorsPolicy, CorsRequest, CorsResponse } from '../src/model/types.js';
import { headerValue } from '../src/model/queries.js';
import { ALLOW_ORIGIN, unsure, verdictReads } from '../src/model/uncertainty.js';

export default defineRule({
  meta: {
    id: 'preflight-unhandled',
    severity: 'error',
    category: 'broken',
    description: 'CORS headers are sent on normal responses, but an OPTIONS preflight is not answered with a 2xx and CORS headers here, nor passed to a layer that does.',
    formats: ['nginx', 'js', 'ts'],
    docs: {
      whatItDoes:
        'For a policy that allows a method or header needing a preflight (Allow-Methods with PUT/PATCH/DELETE, Allow-Headers with a non-safelisted header or with Content-Type, which a JSON POST sends, or a route-level CORS middleware on such a method), it asks the model what the preflight `OPTIONS` gets. It reports when the layer never intercepts OPTIONS and the request falls through to something that answers without CORS headers or with a non-2xx status (nginx static files answer 405; an Express route-level `cors()` never runs for OPTIONS). OPTIONS that reaches a proxied application (including a PHP front controller behind `try_files … /index.php`) is not judged: the application may answer it. An nginx access check in force for OPTIONS (`auth_basic`, which a preflight, sent without credentials, always fails with 401; `limit_except` not listing OPTIONS) refuses the preflight before any handler, unless a rewrite-phase `if ($request_method = OPTIONS) { … return 204; }` answers first; the finding points at that directive. When the layer refuses the method itself (405 from the static module for PUT, 403 from `deny all`), the actual request fails too, so it asks instead about a GET carrying the listed request headers; an exact-match location for one file that only inherits the headers of an outer level is not judged, nor is a server\'s answer to the paths none of its locations match (its headers are written for the locations, which are judged).',
      why: 'The browser sends the preflight first and only sends the real request if the preflight passes, so the headers on normal responses never matter: the request fails with "Response to preflight request doesn\'t pass access control check".',
      examples: [
        {
          format: 'nginx',
          filename: 'files.conf',
          bad: "location /files/ {\n    root /srv;\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Headers 'Authorization' always;\n}\n",
          good: "location /files/ {\n    root /srv;\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Allow-Headers 'Authorization' always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Headers 'Authorization' always;\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.delete('/items/:id', cors({ origin: 'https://app.example.com' }), (req, res) => res.sendStatus(204));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\nconst corsOptions = { origin: 'https://app.example.com' };\napp.options('/items/:id', cors(corsOptions));\napp.delete('/items/:id', cors(corsOptions), (req, res) => res.sendStatus(204));\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#cors-preflight-fetch', 'https://github.com/expressjs/cors#enabling-cors-pre-flight'],
    },
  },
  check(policy, context) {
    // A layer that answers OPTIONS itself is judged by preflight-incomplete.
    if (policy.preflight.kind === 'handled') return;
    const matrix = requestMatrix(policy);
    const expected = matrix.intended;
    if (!expected) return;
    for (const origin of matrix.origins.filter((o) => o.role === 'allowed' || o.how === 'probe')) {
      const credentials = credentialsExpected(matrix, origin);
      // Asked as the page would send it: with credentials, a request may pass an access check (nginx auth_basic) its preflight fails.
      const actual = matrix.answer({ origin: origin.origin, method: expected.method, ...(credentials ? { credentials: true } : {}) });
      const allowOrigin = headerValue(actual, 'Access-Control-Allow-Origin');
      if (unsure(actual, [ALLOW_ORIGIN]) || (allowOrigin !== origin.origin && allowOrigin !== '*')) continue;
      let cell: { request: CorsRequest; response: CorsResponse; verdict: BrowserVerdict; label: string };
      if (refusedHere(actual)) {
        // The layer itself refuses the method (the static module's 405 for PUT, `deny all`'s 403): the
        // request would fail after any preflight, so only a method it serves, sent with the listed
        // request headers, asks a preflight that matters.
        // A JSON body is what a listed Content-Type asks for; a GET carries none.
        if (expected.method === 'GET' || expected.headers.every((name) => name.toLowerCase() === 'content-type')) return;
        const served = matrix.answer({ origin: origin.origin, method: 'GET', ...(credentials ? { credentials: true } : {}) });
        if (served.status === undefined || refusedHere(served)) return;
        const request: CorsRequest = { origin: origin.origin, method: 'GET', headers: expected.headers, preflight: true, ...(credentials ? { credentials: true } : {}) };
        const response = matrix.answer(request);
        cell = { request, response, verdict: browserVerdict(request, response), label: `the preflight for ${credentials ? 'a credentialed ' : ''}GET with ${expected.headers.join(', ')}` };
      } else {
        const found = matrix.cell(origin, credentials ? 'preflight-intended-credentials' : 'preflight-intended');
        cell = { request: found.request, response: found.response, verdict: found.verdict, label: found.row.label };
      }
      const { response, verdict } = cell;
      if (unsure(response, verdictReads(cell.request)) || response.shortCircuit) return;
      if (verdict.allowed) return;
      // Asked only where a finding is made: it reads the scope's path, and the policy memo replays a
      // rule that read it only at a place with the same path (every other nginx location ran it again).
      // Nor a server's answer to the paths none of its locations match: its headers are written for the
      // locations (judged on their own), and no page sends a preflight to a path no location names.
      if (inheritedByExactFile(policy) || policy.scope.unmatchedPaths) return;
      const status = response.status === undefined ? 'an unknown status' : `status ${response.status}`;
      // Refused in the access phase (nginx auth_basic, limit_except): that directive is what to change.
      const refusal = response.refusedBy ? ` from ${response.refusedBy.directive} (${response.refusedBy.directive === 'limit_except' ? 'OPTIONS is not among the methods it lists' : 'a preflight never carries credentials'}; answer OPTIONS before the access check, in an \`if ($request_method = OPTIONS)\` block that adds the CORS headers and returns 204)` : '';
      context.report({
        loc: response.refusedBy?.loc ?? policy.source.loc,
        message: `${cell.label} from ${origin.origin} is not handled here and gets ${status}${response.headers.some((h) => /^access-control-/i.test(h.name)) ? '' : ' without CORS headers'}${refusal}: browsers block the request (${verdict.reason})`,
      });
      return;
    }
  },
});

/** A 4xx the layer gives itself (not the application's answer): the method or the path is refused here. */
function refusedHere(response: CorsResponse): boolean {
  return response.status !== undefined && response.status >= 400 && response.status < 500;
}

/**
 * An nginx exact-match location for one file (`location = /favicon.ico`) that only inherits the
 * CORS headers of an outer level: those headers are written for the API the server proxies, and
 * the server's other locations are judged for them; a preflight to the single static file is not
 * a request anyone sends.
 */
function inheritedByExactFile(policy: CorsPolicy): boolean {
  if (policy.source.format !== 'nginx' || policy.scope.kind !== 'location') return false;
  const at = policy.source.loc;
  if (!policy.emitted.every((header) => header.loc.file !== at.file || header.loc.line < at.line)) return false;
  // The path last: reading it ties the rule's findings to this location's path in the language
  // server's memo, which otherwise hands them to every location with the same content.
  return /^=\s*\/\S*\.[A-Za-z0-9]+$/.test(policy.scope.path ?? '');
}
