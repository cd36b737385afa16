import { defineRule } from '../src/engine/rule.js';
import { cellText, requestMatrix } from '../src/model/matrix.js';
import { exactOrigins, headersNamed, probeRequests, PROBE_ORIGIN, sampleOrigins } from '../src/model/queries.js';
import { respondThroughLayer } from '../src/model/stack.js';
import { browserVerdict, type BrowserVerdict } from '../src/model/browser.js';
import type { CorsPolicy, CorsRequest, CorsResponse, ResponseHeader, UpstreamLayer } from '../src/model/types.js';
import type { RuleContext } from '../src/engine/rule.js';
import { ALLOW_ORIGIN, GRANT_READS, unsure, verdictReads } from '../src/model/uncertainty.js';

export default defineRule({
  meta: {
    id: 'duplicate-allow-origin',
    severity: 'error',
    category: 'broken',
    description: 'Two headers or layers both set Access-Control-Allow-Origin (or Access-Control-Allow-Credentials) on one response: browsers reject the combined value.',
    formats: ['nginx', 'yaml'],
    docs: {
      whatItDoes: "Asks the model for the answers to allowed and foreign origins and reports when one response carries `Access-Control-Allow-Origin` twice: two `add_header` in effect for one location, `add_header` plus `more_set_headers`, a hand-set header next to a CORS middleware, an ingress annotation plus a snippet that adds its own. Across layers too: an nginx location that adds the header in front of an app (linked through `proxy_pass` to a Compose service built from a folder of the repository) whose own CORS middleware sends it as well; `proxy_hide_header`, `more_clear_headers` and `more_set_headers` are honoured. The same for `Access-Control-Allow-Credentials`, reported only where it breaks a request: a credentialed request from an origin the response otherwise grants (a proxy that hides the app's Allow-Origin but not its Allow-Credentials, or two `add_header` lines). A doubled `Vary: Origin` is not reported: `Vary: Origin, Origin` means the same to browsers and caches.",
      why: "Browsers join repeated headers with `, `, and `https://a.example.com, https://a.example.com` (or `*, https://…`) equals no origin: the request fails with \"The 'Access-Control-Allow-Origin' header contains multiple values …, but only one is allowed\". Allow-Credentials must be exactly `true`; `true, true` fails every credentialed request with \"The value of the 'Access-Control-Allow-Credentials' header in the response is 'true, true' which must be 'true'\" (checked in headless Chromium).",
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Origin $http_origin always;\n    add_header Vary Origin always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
        },
      ],
      references: ['https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSMultipleAllowOriginNotAllowed'],
    },
  },
  check(policy, context) {
    for (const layer of policy.upstreamLayers ?? []) if (checkLayers(policy, layer, context)) return;
    const matrix = requestMatrix(policy);
    for (const cell of matrix.certain({ roles: ['allowed', 'attacker'], reads: [ALLOW_ORIGIN] })) {
      const allowOrigin = headersNamed(cell.response, 'Access-Control-Allow-Origin');
      if (allowOrigin.length < 2) continue;
      const second = allowOrigin[1];
      context.report({
        loc: second.writtenAt ?? second.loc ?? policy.source.loc,
        message: `Access-Control-Allow-Origin is sent twice ('${allowOrigin.map((h) => h.value).join("', '")}' for ${cellText(cell)}): browsers see '${allowOrigin.map((h) => h.value).join(', ')}' and reject it; keep one`,
      });
      return;
    }
    // Access-Control-Allow-Credentials twice: 'true, true' is not 'true', so every credentialed request the origin is otherwise granted fails.
    for (const cell of matrix.certain({ roles: ['allowed'], reads: GRANT_READS })) {
      const credentials = doubledCredentials(cell.request, cell.response, cell.verdict);
      if (!credentials) continue;
      const second = credentials[1];
      context.report({
        loc: second.writtenAt ?? second.loc ?? policy.source.loc,
        message: `Access-Control-Allow-Credentials is sent twice (for ${cellText(cell)}): browsers see '${credentials.map((h) => h.value).join(', ')}', which is not 'true', and block every credentialed request; keep one`,
      });
      return;
    }
  },
});

/** The Allow-Credentials headers when there are several and they alone make the browser refuse a credentialed request. */
function doubledCredentials(request: CorsRequest, response: CorsResponse, verdict: BrowserVerdict): ResponseHeader[] | undefined {
  if (!request.credentials || unsure(response, verdictReads(request)) || verdict.allowed) return undefined;
  const credentials = headersNamed(response, 'Access-Control-Allow-Credentials');
  if (credentials.length < 2 || !credentials.every((header) => header.value.trim() === 'true')) return undefined;
  return verdict.reason?.includes("'Access-Control-Allow-Credentials'") ? credentials : undefined;
}

/** A proxy that adds Allow-Origin in front of an app that sends its own: two headers on the wire. */
function checkLayers(outer: CorsPolicy, layer: UpstreamLayer, context: RuleContext): boolean {
  const origins = [...new Set([...exactOrigins(outer).map((m) => m.value), ...exactOrigins(layer.policy).map((m) => m.value), ...sampleOrigins(outer), ...sampleOrigins(layer.policy), PROBE_ORIGIN])];
  for (const origin of origins) {
    for (const request of probeRequests(origin)) {
      const response = respondThroughLayer(outer, layer, request);
      const allowOrigin = headersNamed(response, 'Access-Control-Allow-Origin');
      if (unsure(response, [ALLOW_ORIGIN]) || allowOrigin.length < 2) continue;
      const own = allowOrigin.find((header) => header.loc?.file === outer.source.file || header.writtenAt?.file === outer.source.file) ?? allowOrigin[0];
      const chain = layer.via.map((step) => `${step.what} at ${step.loc.file}:${step.loc.line}`).join(' → ');
      context.report({
        loc: own.writtenAt ?? own.loc ?? outer.source.loc,
        message: `Access-Control-Allow-Origin is sent twice to ${origin} ('${allowOrigin.map((h) => h.value).join("', '")}'): this proxy adds it and the app behind it sends its own (${chain}); browsers reject the response with "contains multiple values". Keep one: drop the app's CORS, or add 'proxy_hide_header Access-Control-Allow-Origin;' here`,
      });
      return true;
    }
  }
  for (const origin of origins) {
    for (const request of probeRequests(origin)) {
      const response = respondThroughLayer(outer, layer, request);
      const credentials = doubledCredentials(request, response, browserVerdict(request, response));
      if (!credentials) continue;
      const own = credentials.find((header) => header.loc?.file === outer.source.file || header.writtenAt?.file === outer.source.file) ?? credentials[0];
      const chain = layer.via.map((step) => `${step.what} at ${step.loc.file}:${step.loc.line}`).join(' → ');
      context.report({
        loc: own.writtenAt ?? own.loc ?? outer.source.loc,
        message: `Access-Control-Allow-Credentials is sent twice to ${origin}: this proxy adds it and the app behind it sends its own (${chain}); browsers see '${credentials.map((h) => h.value).join(', ')}', which is not 'true', and block every credentialed request ("The value of the 'Access-Control-Allow-Credentials' header in the response is '${credentials.map((h) => h.value).join(', ')}' which must be 'true'…"). Keep one: drop the app's credentials option, or add 'proxy_hide_header Access-Control-Allow-Credentials;' here`,
      });
      return true;
    }
  }
  return false;
}

