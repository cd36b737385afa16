import { defineRule } from '../src/engine/rule.js';
import { browserVerdict } from '../src/model/browser.js';
import { exactOrigins, expectedPreflight, headersNamed, headerValue, PROBE_ORIGIN, sampleOrigins } from '../src/model/queries.js';
import { respond } from '../src/model/respond.js';

export default defineRule({
  meta: {
    id: 'preflight-incomplete',
    severity: 'warning',
    category: 'broken',
    description: 'The OPTIONS answer allows the origin but lacks the methods or headers the policy implies, or is not 2xx: the preflight fails.',
    formats: ['nginx', 'js', 'ts', 'python'],
    docs: {
      whatItDoes:
        'Takes the request the policy evidently expects (a method from its route or Allow-Methods that needs a preflight, a non-safelisted header from its Allow-Headers) from an allowed origin, asks the model for the preflight answer, and runs the browser\'s check on it. When the answer grants the origin yet the browser still refuses — a missing or narrower Allow-Methods or Allow-Headers, a non-2xx status — it reports with the message the browser prints.',
      why: 'The actual response may be perfect, but the browser never sends it: it stops at the preflight with "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response" or "Request header field x-token is not allowed…". A common cause is an nginx `if ($request_method = OPTIONS)` block whose own `add_header`s replace the location\'s, or a route-level CORS option narrower than the route.',
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Methods 'GET, PUT, DELETE' always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Allow-Methods 'GET, PUT, DELETE' always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Methods 'GET, PUT, DELETE' always;\n    proxy_pass http://app;\n}\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#cors-preflight-fetch', 'https://developer.mozilla.org/en-US/docs/Glossary/Preflight_request'],
    },
  },
  check(policy, context) {
    const expected = expectedPreflight(policy);
    if (!expected) return;
    for (const origin of [...exactOrigins(policy).map((m) => m.value), ...sampleOrigins(policy), PROBE_ORIGIN]) {
      // A policy that allows credentials expects credentialed requests: their preflight must grant the origin itself and
      // credentials. Only when the actual credentialed request is allowed (else the answer itself is wrong, which the
      // credentials rules report): an Express route whose OPTIONS is answered by another cors() with other options.
      const actual = { origin, method: expected.method, headers: expected.headers, credentials: true };
      const credentialed = policy.credentials?.value === true && browserVerdict(actual, respond(policy, actual)).allowed;
      const request = { origin, method: expected.method, headers: expected.headers, preflight: true, credentials: credentialed };
      const response = respond(policy, request);
      const allowOrigin = headerValue(response, 'Access-Control-Allow-Origin');
      if (response.uncertain || (allowOrigin !== origin && allowOrigin !== '*')) continue;
      // Preflights nobody answers here are preflight-unhandled's finding.
      if (!response.shortCircuit && !(response.status !== undefined && response.status >= 200 && response.status < 300)) return;
      const verdict = browserVerdict(request, response);
      if (verdict.allowed) return;
      const setting = /Allow-Methods/.test(verdict.reason ?? '') ? 'Access-Control-Allow-Methods' : /Allow-Headers/.test(verdict.reason ?? '') ? 'Access-Control-Allow-Headers' : undefined;
      // Point at the list that is too narrow; when the answer lacks the header altogether, at the scope that answers.
      const sent = setting ? headersNamed(response, setting)[0] : undefined;
      const culprit = verdict.culprit?.loc ?? sent?.loc ?? policy.source.loc;
      const missing = setting && !sent ? ` (the answer has no ${setting})` : '';
      context.report({ loc: culprit, message: `the ${request.credentials ? 'credentialed ' : ''}preflight for ${expected.method}${expected.headers.length ? ` with ${expected.headers.join(', ')}` : ''} from ${origin} is answered${response.status ? ` ${response.status}` : ''} but refused by the browser${missing}: ${verdict.reason}` });
      return;
    }
  },
});
