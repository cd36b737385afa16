import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, Loc, ResponseHeader } from '../types.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE, Unknowns } from '../uncertainty.js';
import { firstMatch, listItems, listLoc } from './common.js';

/**
 * Envoy's CORS filter, after `source/extensions/filters/http/cors/cors_filter.cc` (semantics §10):
 * Allow-Origin is always the request's origin (never `*`), no Vary, a local 200 preflight for
 * allowed origins, refused preflights forwarded upstream by default. Istio's `corsPolicy` is
 * programmed into the same filter.
 */
export const envoyProfile: FrameworkProfile = {
  id: 'envoy',
  name: 'Envoy CORS filter',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'never',
  preflight: { trigger: 'options-with-acrm', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  // encodeHeaders `setInline`s Allow-Origin (and Allow-Credentials, Expose-Headers when configured) for an allowed origin: the upstream's of the same name are replaced.
  corsHeadersReplaceUpstream: true,
  docs: 'https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/cors_filter',
  varyHint: "Envoy's CORS filter never sends Vary: Origin; add it with response_headers_to_add",
};

export const istioProfile: FrameworkProfile = {
  ...envoyProfile,
  id: 'istio',
  name: 'Istio corsPolicy',
  docs: 'https://istio.io/latest/docs/reference/config/networking/virtual-service/#CorsPolicy',
  varyHint: "Istio's corsPolicy (Envoy's CORS filter) never sends Vary: Origin; add it with headers.response.add",
};

/**
 * Envoy Gateway's `SecurityPolicy` `spec.cors` (gateway.envoyproxy.io/v1alpha1), which the
 * gateway programs into Envoy's CORS filter per route (internal/xds/translator/cors.go): an origin
 * with a `*` becomes a safe_regex (dots escaped, `*` → `.*`), any other an exact matcher.
 */
export const envoyGatewayProfile: FrameworkProfile = {
  ...envoyProfile,
  id: 'envoy-gateway',
  name: 'Envoy Gateway SecurityPolicy cors',
  docs: 'https://gateway.envoyproxy.io/docs/tasks/security/cors/',
  varyHint: "Envoy Gateway's SecurityPolicy cors (Envoy's CORS filter) never sends Vary: Origin; add it with a ResponseHeaderModifier filter on the route",
};

/**
 * Emissary-ingress (Ambassador) `Mapping` / `Module` `cors`, which Emissary programs into Envoy's
 * CORS filter, each origin as an exact matcher (python/ambassador/ir/ircors.py).
 */
export const emissaryProfile: FrameworkProfile = {
  ...envoyProfile,
  id: 'emissary',
  name: 'Emissary-ingress cors',
  docs: 'https://www.getambassador.io/docs/emissary/latest/topics/using/cors',
  varyHint: "Emissary's cors (Envoy's CORS filter) never sends Vary: Origin; add it with the Mapping's add_response_headers",
};

/**
 * Contour's HTTPProxy `spec.virtualhost.corsPolicy`, which Contour programs into Envoy's CORS filter
 * for every route of the virtual host (internal/dag: an origin that is exactly `scheme://host[:port]`
 * or `*` becomes a case-insensitive exact matcher, anything else a safe_regex).
 */
export const contourProfile: FrameworkProfile = {
  ...envoyProfile,
  id: 'contour',
  name: 'Contour HTTPProxy corsPolicy',
  docs: 'https://projectcontour.io/docs/main/config/cors/',
  varyHint: "Contour's corsPolicy (Envoy's CORS filter) never sends Vary: Origin; add it with the route's responseHeadersPolicy",
};

export interface EnvoyRoute {
  /** Refused preflights go on upstream (Envoy's default) instead of a local 200. */
  forwardRefusedPreflights: boolean;
  separator: string;
  /** A `Vary` the route or virtual host adds to responses (`response_headers_to_add`, Istio `headers.response`). */
  vary?: string;
  /** The `cors` key, where a missing Vary is reported. */
  writtenAt: Loc;
}

export function envoyProgram(policy: CorsPolicy, route: EnvoyRoute): HeaderProgram {
  return { run: (request) => respondEnvoy(policy, route, request) };
}

function respondEnvoy(policy: CorsPolicy, { forwardRefusedPreflights, separator, vary, writtenAt }: EnvoyRoute, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const origin = request.origin ?? '';
  const { matcher: match, uncertain: originUncertain } = origin === '' ? { matcher: undefined, uncertain: false } : firstMatch(policy.origins, origin);
  // Envoy always echoes the origin: unknown credentials leave only Allow-Credentials open.
  const unknowns = new Unknowns().all(originUncertain);
  const credentials = policy.credentials?.value === true;
  if (request.preflight && origin !== '') {
    if (!match && forwardRefusedPreflights) return { status: undefined, headers, uncertain: true, shortCircuit: false };
    if (match) headers.push({ name: 'Access-Control-Allow-Origin', value: origin, loc: match.loc });
    if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
    unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
    unknowns.header(ALLOW_METHODS, policy.allowMethods.kind === 'unknown').header(ALLOW_HEADERS, policy.allowHeaders.kind === 'unknown');
    const methods = listItems(policy.allowMethods, []) ?? [];
    if (methods.length) headers.push({ name: 'Access-Control-Allow-Methods', value: methods.includes('*') ? request.method : methods.join(separator), loc: listLoc(policy.allowMethods) });
    const allowHeaders = listItems(policy.allowHeaders, []) ?? [];
    if (allowHeaders.includes('*')) {
      if (request.headers?.length) headers.push({ name: 'Access-Control-Allow-Headers', value: request.headers.join(','), loc: listLoc(policy.allowHeaders) });
    } else if (allowHeaders.length) headers.push({ name: 'Access-Control-Allow-Headers', value: allowHeaders.join(separator), loc: listLoc(policy.allowHeaders) });
    if (policy.maxAge) {
      if (policy.maxAge.value === 'unknown') unknowns.header(MAX_AGE);
      else headers.push({ name: 'Access-Control-Max-Age', value: String(policy.maxAge.value), loc: policy.maxAge.loc });
    }
    return { status: 200, headers, ...unknowns.fields(), shortCircuit: true };
  }
  if (vary) headers.push({ name: 'Vary', value: vary });
  if (match) {
    headers.push({ name: 'Access-Control-Allow-Origin', value: origin, loc: match.loc, writtenAt });
    if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
    unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown').header(EXPOSE_HEADERS, policy.exposeHeaders.kind === 'unknown');
    const expose = listItems(policy.exposeHeaders, []) ?? [];
    if (expose.length) headers.push({ name: 'Access-Control-Expose-Headers', value: expose.join(separator), loc: listLoc(policy.exposeHeaders) });
  }
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
