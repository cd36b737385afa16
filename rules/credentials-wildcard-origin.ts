import { defineRule } from '../src/engine/rule.js';
import { allowOrigin, allowOriginHeader, cellText, requestMatrix } from '../src/model/matrix.js';
import { exactOrigins, headersNamed, headerValue, originNote, probeRequests, PROBE_ORIGIN, sampleOrigins } from '../src/model/queries.js';
import { respond } from '../src/model/respond.js';
import { respondThroughLayer } from '../src/model/stack.js';
import type { CorsPolicy, Loc, ResponseHeader, UpstreamLayer } from '../src/model/types.js';
import type { RuleContext } from '../src/engine/rule.js';
import { GRANT_READS, unsure } from '../src/model/uncertainty.js';

export default defineRule({
  meta: {
    id: 'credentials-wildcard-origin',
    severity: 'error',
    category: 'broken',
    description: 'A literal `*` Allow-Origin is sent together with `Access-Control-Allow-Credentials: true`; every credentialed request fails.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml', 'headers'],
    docs: {
      whatItDoes: "Flags a layer that answers with `Access-Control-Allow-Origin: *` and `Access-Control-Allow-Credentials: true` on the same response. Across layers too: a proxy or gateway linked to the app behind it (nginx `proxy_pass`, Traefik, Kong, ingress, APISIX) that sets `*` while the app's `Access-Control-Allow-Credentials: true` passes through (Traefik and Kong without their own credentials option leave it alone; nginx unless `proxy_hide_header` drops it), or the app's `*` next to the proxy's Allow-Credentials. Reported on the proxy's header of the pair.",
      why: "The Fetch standard never accepts `*` for a request whose credentials mode is `include`: the browser blocks it with \"The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'\". The configuration looks permissive but every cookie- or auth-bearing request fails. Most implementations (nginx, Express `cors`, Fastify, Hono, Traefik, and headers set by hand in any language) send the literal `*`; the ones that silently reflect the origin instead are caught by `credentials-reflect-any-origin`.",
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Credentials true always;\n    add_header Vary Origin always;\n    proxy_pass http://app;\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "import express from 'express';\nimport cors from 'cors';\nconst app = express();\napp.use(cors({ origin: '*', credentials: true }));\n",
          good: "import express from 'express';\nimport cors from 'cors';\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com'], credentials: true }));\n",
        },
        {
          format: "python",
          filename: "views.py",
          bad: "from django.http import JsonResponse\n\n\ndef profile(request):\n    response = JsonResponse({\"name\": request.user.username})\n    response[\"Access-Control-Allow-Origin\"] = \"*\"\n    response[\"Access-Control-Allow-Credentials\"] = \"true\"\n    return response\n",
          good: "from django.http import JsonResponse\n\n\ndef profile(request):\n    response = JsonResponse({\"name\": request.user.username})\n    response[\"Access-Control-Allow-Origin\"] = \"https://app.example.com\"\n    response[\"Access-Control-Allow-Credentials\"] = \"true\"\n    return response\n",
        },
        {
          format: "yaml",
          filename: "ingress.yaml",
          bad: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n",
          good: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://app.example.com\"\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"Vary: Origin\";\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#cors-protocol-and-credentials', 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSNotSupportingCredentials'],
    },
  },
  check(policy, context) {
    const matrix = requestMatrix(policy);
    const reported = new Set<string>();
    // Every answer to a credentialed request, preflights and single branches included: only those fail on the pair (Starlette answers them with the origin instead of `*`).
    for (const cell of matrix.certain({ roles: ['allowed', 'attacker'], reads: GRANT_READS })) {
      if (!cell.request.credentials || allowOrigin(cell) !== '*' || headerValue(cell.response, 'Access-Control-Allow-Credentials') !== 'true') continue;
      const culprit = allowOriginHeader(cell)!;
      const loc = culprit.loc ?? policy.source.loc;
      const key = `${loc.file}:${loc.line}:${loc.column}`;
      if (reported.has(key)) continue;
      reported.add(key);
      context.report({
        loc,
        message: `Access-Control-Allow-Origin '*' is sent with Access-Control-Allow-Credentials: true (${cellText(cell)}); browsers reject every credentialed request with this combination${originNote(policy, culprit.loc)}`,
      });
    }
    for (const layer of policy.upstreamLayers ?? []) checkLayer(policy, layer, reported, context);
  },
});

/**
 * A proxy in front of an app, the two answering together: the proxy's '*' with the app's
 * Allow-Credentials (Traefik or Kong `*` without credentials, which set Allow-Origin and leave the
 * app's Allow-Credentials alone), or the app's '*' with the proxy's Allow-Credentials. Reported on
 * the proxy's header of the pair, once per layer; a pair the proxy sends alone is the check above.
 */
function checkLayer(outer: CorsPolicy, layer: UpstreamLayer, reported: Set<string>, context: RuleContext): void {
  const origins = [...new Set([...exactOrigins(outer).map((m) => m.value), ...exactOrigins(layer.policy).map((m) => m.value), ...sampleOrigins(outer), ...sampleOrigins(layer.policy), PROBE_ORIGIN])];
  const mine = (header: ResponseHeader) => [header.loc, header.writtenAt].some((loc) => loc?.file === outer.source.file);
  for (const origin of origins) {
    for (const request of probeRequests(origin)) {
      if (!request.credentials) continue;
      const response = respondThroughLayer(outer, layer, request);
      if (unsure(response, GRANT_READS) || headerValue(response, 'Access-Control-Allow-Origin') !== '*' || headerValue(response, 'Access-Control-Allow-Credentials') !== 'true') continue;
      // The proxy alone sends the pair: reported above.
      const alone = respond(outer, request);
      if (!alone.shortCircuit && headerValue(alone, 'Access-Control-Allow-Origin') === '*' && headerValue(alone, 'Access-Control-Allow-Credentials') === 'true') continue;
      const allowOrigin = headersNamed(response, 'Access-Control-Allow-Origin')[0];
      const credentials = headersNamed(response, 'Access-Control-Allow-Credentials')[0];
      const own = mine(allowOrigin) ? allowOrigin : mine(credentials) ? credentials : undefined;
      // Both from the app: the app's own finding.
      if (!own) continue;
      const loc: Loc = own.loc ?? own.writtenAt ?? outer.source.loc;
      const key = `${loc.file}:${loc.line}:${loc.column}`;
      if (reported.has(key)) return;
      reported.add(key);
      const chain = layer.via.map((step) => `${step.what} at ${step.loc.file}:${step.loc.line}`).join(' → ');
      const what =
        own === allowOrigin
          ? "this proxy sets Access-Control-Allow-Origin '*' and the app behind it sends Access-Control-Allow-Credentials: true"
          : "the app behind this proxy sends Access-Control-Allow-Origin '*' and this proxy adds Access-Control-Allow-Credentials: true";
      context.report({
        loc,
        message: `${what} (${chain}): the answer to a credentialed ${request.preflight ? 'preflight' : request.method} from ${origin} carries both, and browsers reject every credentialed request with this combination. Send the origin itself, or drop the credentials on both layers`,
      });
      return;
    }
  }
}
