import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE, Unknowns } from '../uncertainty.js';
import { firstMatch, listItems, listLoc } from './common.js';

/**
 * Sanic Extensions' CORS (sanic_ext/extensions/http/cors.py, 2026): configured with `CORS_*`
 * settings on the app's config. `CORS_ORIGINS = "*"` sends the request's own origin back unless
 * `CORS_SEND_WILDCARD` (off by default) — and refuses to start with credentials; other strings are
 * compared exactly (a `"*"` inside a list is a literal), `re.compile(…)` entries with `re.match`
 * (anchored at the start only). Allow-Credentials when `CORS_SUPPORTS_CREDENTIALS`; `Vary: origin`
 * unless `*` is sent. A preflight (OPTIONS with Access-Control-Request-Method, answered 204 by its
 * automatic OPTIONS handlers) gets Max-Age (5 by default), the requested headers it allows (`*` for
 * a request without credentials when allowed) and the route's methods (not known here).
 */
export const sanicExtProfile: FrameworkProfile = {
  id: 'sanic-ext',
  name: 'Sanic Extensions CORS',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'unless-wildcard',
  preflight: { trigger: 'options-with-acrm', status: 204, shortCircuit: true, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: 'none', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://sanic.dev/en/plugins/sanic-ext/http/cors.html',
};

export function sanicExtProgram(policy: CorsPolicy): HeaderProgram {
  return { run: (request) => respond(policy, request) };
}

function withCredentials(request: CorsRequest): boolean {
  return request.credentials === true || (request.headers ?? []).some((name) => name.toLowerCase() === 'authorization') || Object.keys(request.extraHeaders ?? {}).some((name) => ['cookie', 'authorization'].includes(name.toLowerCase()));
}

function respond(policy: CorsPolicy, request: CorsRequest): CorsResponse {
  const unknowns = new Unknowns();
  const headers: ResponseHeader[] = [];
  const status = request.preflight ? 204 : (request.appStatus ?? 200);
  const origin = request.origin;
  if (!origin) return { status: request.preflight ? undefined : status, headers, uncertain: false, shortCircuit: false };
  const { matcher, uncertain } = firstMatch(policy.origins, origin);
  unknowns.all(uncertain);
  if (!matcher) return { status: request.preflight ? undefined : status, headers, ...unknowns.fields(), shortCircuit: request.preflight === true };
  const sent = matcher.kind === 'any' ? '*' : origin;
  headers.push({ name: 'Access-Control-Allow-Origin', value: sent, loc: matcher.loc });
  const credentialed = withCredentials(request);
  const expose = listItems(policy.exposeHeaders, []);
  unknowns.header(EXPOSE_HEADERS, expose === undefined);
  if (expose && expose.length > 0) headers.push({ name: 'Access-Control-Expose-Headers', value: !credentialed && expose.includes('*') ? '*' : expose.join(','), loc: listLoc(policy.exposeHeaders) });
  unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
  if (policy.credentials?.value === true) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials.loc });
  if (sent !== '*') headers.push({ name: 'Vary', value: 'origin' });
  if (!request.preflight) return { status, headers, ...unknowns.fields(), shortCircuit: false };
  const maxAge = policy.maxAge?.value;
  if (maxAge === 'unknown') unknowns.header(MAX_AGE);
  else if (maxAge !== 0) headers.push({ name: 'Access-Control-Max-Age', value: String(maxAge ?? 5), loc: policy.maxAge?.loc });
  const allowHeaders = listItems(policy.allowHeaders, ['*'])?.map((name) => name.trim().toLowerCase());
  if (allowHeaders === undefined) unknowns.header(ALLOW_HEADERS);
  else if (!credentialed && allowHeaders.includes('*')) headers.push({ name: 'Access-Control-Allow-Headers', value: '*', loc: listLoc(policy.allowHeaders) });
  else {
    const granted = (request.headers ?? []).map((name) => name.trim().toLowerCase()).filter((name) => allowHeaders.includes(name));
    if (granted.length > 0) headers.push({ name: 'Access-Control-Allow-Headers', value: granted.join(','), loc: listLoc(policy.allowHeaders) });
  }
  const methods = listItems(policy.allowMethods, []);
  if (!credentialed && methods?.includes('*')) headers.push({ name: 'Access-Control-Allow-Methods', value: '*', loc: listLoc(policy.allowMethods) });
  // Otherwise the methods of the route the preflight is for, which this file does not say.
  else unknowns.header(ALLOW_METHODS);
  return { status, headers, ...unknowns.fields(), shortCircuit: true };
}
