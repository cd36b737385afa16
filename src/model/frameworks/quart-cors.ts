import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE, Unknowns } from '../uncertainty.js';
import { firstMatch, listItems, listLoc } from './common.js';

/**
 * Quart-CORS (`cors(app, …)`, `@route_cors(…)`), after src/quart_cors/__init__.py (0.8): an
 * after-request step on every answer, the app's automatic OPTIONS answer (200) included. Defaults:
 * every origin (`*` sent, or the origin itself with `send_origin_wildcard=False`), no credentials,
 * every header; `*` with `allow_credentials=True` raises ValueError on every request. A string is
 * compared exactly, `re.compile(…)` with `re.match`. Vary: Origin unless `*` is sent. A preflight
 * whose method is allowed gets Allow-Methods (the list), Allow-Headers (the requested ones it allows)
 * and Max-Age when set.
 */
export const quartCorsProfile: FrameworkProfile = {
  id: 'quart-cors',
  name: 'Quart-CORS',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'unless-wildcard',
  preflight: { trigger: 'options-with-acrm', status: 200, shortCircuit: false, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: '*', methods: ['GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'], credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://github.com/pgjones/quart-cors#usage',
};

const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'];

export function quartCorsProgram(policy: CorsPolicy, sendWildcard: boolean | 'unknown'): HeaderProgram {
  return { run: (request) => respond(policy, sendWildcard, request) };
}

function respond(policy: CorsPolicy, sendWildcard: boolean | 'unknown', request: CorsRequest): CorsResponse {
  const unknowns = new Unknowns();
  const headers: ResponseHeader[] = [];
  const status = request.preflight ? 200 : (request.appStatus ?? 200);
  const origin = request.origin;
  if (!origin) return { status, headers, uncertain: false, shortCircuit: false };
  const { matcher, uncertain } = firstMatch(policy.origins, origin);
  unknowns.all(uncertain);
  if (!matcher) {
    headers.push({ name: 'Vary', value: 'Origin' });
    return { status, headers, ...unknowns.fields(), shortCircuit: false };
  }
  unknowns.all(matcher.kind === 'any' && sendWildcard === 'unknown');
  const sent = matcher.kind === 'any' && sendWildcard === true ? '*' : origin;
  headers.push({ name: 'Access-Control-Allow-Origin', value: sent, loc: matcher.loc });
  unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
  if (policy.credentials?.value === true) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials.loc });
  const expose = listItems(policy.exposeHeaders, []);
  unknowns.header(EXPOSE_HEADERS, expose === undefined);
  if (expose && expose.filter(Boolean).length > 0) headers.push({ name: 'Access-Control-Expose-Headers', value: expose.filter(Boolean).join(', '), loc: listLoc(policy.exposeHeaders) });
  if (request.preflight) {
    const methods = listItems(policy.allowMethods, DEFAULT_METHODS);
    if (methods === undefined) unknowns.all();
    else if (methods.includes(request.method) || methods.includes('*')) {
      const allowHeaders = listItems(policy.allowHeaders, ['*']);
      if (allowHeaders === undefined) unknowns.header(ALLOW_HEADERS);
      else {
        const lowered = new Set(allowHeaders.map((name) => name.toLowerCase()));
        const granted = allowHeaders.includes('*') ? (request.headers ?? []) : (request.headers ?? []).filter((name) => lowered.has(name.toLowerCase()));
        if (granted.length > 0) headers.push({ name: 'Access-Control-Allow-Headers', value: granted.join(', '), loc: listLoc(policy.allowHeaders) });
      }
      headers.push({ name: 'Access-Control-Allow-Methods', value: methods.join(', '), loc: listLoc(policy.allowMethods) });
      const maxAge = policy.maxAge?.value;
      if (maxAge === 'unknown') unknowns.header(MAX_AGE);
      else if (maxAge !== undefined) headers.push({ name: 'Access-Control-Max-Age', value: String(maxAge), loc: policy.maxAge?.loc });
    }
  }
  if (sent !== '*') headers.push({ name: 'Vary', value: 'Origin' });
  return { status, headers, ...unknowns.fields(), shortCircuit: false };
}
