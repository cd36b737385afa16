import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, Loc, ResponseHeader } from '../types.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_ORIGIN, EXPOSE_HEADERS, Unknowns } from '../uncertainty.js';
import { firstMatch, listItems, listLoc } from './common.js';

/**
 * The Kubernetes Gateway API's HTTPRoute `CORS` filter (HTTPCORSFilter, standard channel since
 * v1.5), after the field contract in apis/v1/httproute_types.go. Envoy Gateway, Istio, GKE, NGINX
 * Gateway Fabric and others implement it; only what the contract requires of all of them is
 * modelled: an allowed origin gets itself back (with `*` and credentials it must be the origin,
 * never `*`; without credentials `*` may come back), `allowCredentials: true` sends
 * Allow-Credentials, Max-Age defaults to 5 s, the gateway answers preflights itself (200 or 204,
 * or 403 for a refused origin). Whether it adds `Vary: Origin` is the implementation's choice.
 */
export const gatewayApiProfile: FrameworkProfile = {
  id: 'gateway-api',
  name: 'Gateway API CORS filter',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'undocumented',
  preflight: { trigger: 'options-with-acrm', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://gateway-api.sigs.k8s.io/guides/http-cors/',
};

export function gatewayApiProgram(policy: CorsPolicy, writtenAt: Loc): HeaderProgram {
  return { run: (request) => respond(policy, writtenAt, request) };
}

function respond(policy: CorsPolicy, writtenAt: Loc, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const origin = request.origin;
  const status = request.preflight ? 200 : (request.appStatus ?? 200);
  if (origin === undefined) return { status: request.preflight ? undefined : status, headers, uncertain: false, shortCircuit: false };
  const { matcher, uncertain } = firstMatch(policy.origins, origin);
  const unknowns = new Unknowns().all(uncertain);
  // A refused preflight is answered 200/204 without CORS headers, or 403: either way the browser stops.
  if (!matcher) return { status: request.preflight ? undefined : status, headers, ...unknowns.fields(), shortCircuit: request.preflight === true };
  const credentialsUnknown = policy.credentials?.value === 'unknown';
  const credentials = policy.credentials?.value === true;
  unknowns.header(ALLOW_CREDENTIALS, credentialsUnknown).header(ALLOW_ORIGIN, credentialsUnknown && matcher.kind === 'any');
  headers.push({ name: 'Access-Control-Allow-Origin', value: matcher.kind === 'any' && !credentials ? '*' : origin, loc: matcher.loc, writtenAt });
  if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
  if (request.preflight) {
    // A `*` list comes back as the request's own method and headers with credentials; without them `*` may come back, which does not cover Authorization.
    const methods = listItems(policy.allowMethods, []);
    if (methods === undefined) unknowns.all();
    else if (methods.includes('*')) headers.push({ name: 'Access-Control-Allow-Methods', value: request.method, loc: listLoc(policy.allowMethods) });
    else if (methods.length > 0) headers.push({ name: 'Access-Control-Allow-Methods', value: methods.join(', '), loc: listLoc(policy.allowMethods) });
    const allowHeaders = listItems(policy.allowHeaders, []);
    if (allowHeaders === undefined) unknowns.all();
    else if (allowHeaders.includes('*')) {
      unknowns.header(ALLOW_HEADERS, !credentials);
      if (request.headers?.length) headers.push({ name: 'Access-Control-Allow-Headers', value: request.headers.join(', '), loc: listLoc(policy.allowHeaders) });
    } else if (allowHeaders.length > 0) headers.push({ name: 'Access-Control-Allow-Headers', value: allowHeaders.join(', '), loc: listLoc(policy.allowHeaders) });
    const maxAge = policy.maxAge?.value;
    if (maxAge === 'unknown') unknowns.all();
    else headers.push({ name: 'Access-Control-Max-Age', value: String(maxAge ?? 5), loc: policy.maxAge?.loc });
    return { status, headers, ...unknowns.fields(), shortCircuit: true };
  }
  const expose = listItems(policy.exposeHeaders, []);
  unknowns.header(EXPOSE_HEADERS, expose === undefined || (expose.includes('*') && credentials));
  if (expose && expose.length > 0 && !(expose.includes('*') && credentials)) headers.push({ name: 'Access-Control-Expose-Headers', value: expose.join(', '), loc: listLoc(policy.exposeHeaders) });
  return { status, headers, ...unknowns.fields(), shortCircuit: false };
}
