import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { contentProgram } from '../content-program.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, Unknowns } from '../uncertainty.js';
import { firstMatch } from './common.js';

/**
 * hapi's built-in CORS (`routes: { cors }` in the server options, `options.cors` / `config.cors`
 * on a route), after @hapi/hapi 21 `lib/cors.js` and the option defaults in `lib/config.js`;
 * checked against the real server in test/truth-hapi.test.ts. `origin: ['*']` (the default) sends
 * the request's own Origin back, with Allow-Credentials when `credentials` is on; `'ignore'` sends
 * `*`. Vary: origin on every answer of the route unless `'ignore'`. Every OPTIONS with
 * Access-Control-Request-Method is answered by hapi itself: 200 (or `preflightStatusCode`) with the
 * requested method, the configured header list and Max-Age 86400 by default; a refused origin or a
 * header outside the list gets 200 without CORS headers.
 */
export const hapiProfile: FrameworkProfile = {
  id: 'hapi',
  name: 'hapi',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'always',
  preflight: { trigger: 'options-with-acrm', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: 'reflect', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://hapi.dev/api/#-routeoptionscors',
};

/** hapi's default `headers`, `exposedHeaders` and `maxAge` (lib/config.js). */
export const HAPI_DEFAULT_HEADERS = ['Accept', 'Authorization', 'Content-Type', 'If-None-Match'];
export const HAPI_DEFAULT_EXPOSED = ['WWW-Authenticate', 'Server-Authorization'];
export const HAPI_DEFAULT_MAX_AGE = 86400;

/** What a hapi route's CORS settings hold besides the policy's fields; `undefined` where the code does not show it. */
export interface HapiSettings {
  /** `'ignore'`: `*` to everyone, no Vary; `'any'` (`['*']`): every origin sent back; `'list'`: the policy's origins decide. */
  origin: 'ignore' | 'any' | 'list';
  /** `headers` + `additionalHeaders`, as written. */
  headers: string[] | undefined;
  /** `exposedHeaders` + `additionalExposedHeaders`. */
  exposed: string[] | undefined;
  maxAge: number | undefined;
  preflightStatus: number | undefined;
}

export function hapiProgram(policy: CorsPolicy, settings: HapiSettings): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respond(policy, settings, request) }, settings);
}

function respond(policy: CorsPolicy, settings: HapiSettings, request: CorsRequest): CorsResponse {
  const unknowns = new Unknowns().header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
  const origin = request.origin;
  let allowOrigin: ResponseHeader | undefined;
  // `'ignore'` and `['*']` admit even a request without Origin (its Allow-Origin is then left out, the rest is sent).
  let admitted = settings.origin !== 'list';
  if (settings.origin === 'ignore') allowOrigin = { name: 'Access-Control-Allow-Origin', value: '*', loc: policy.origins[0]?.loc ?? policy.source.loc };
  else if (origin !== undefined) {
    const { matcher, uncertain } = firstMatch(policy.origins, origin);
    unknowns.all(uncertain);
    if (matcher) allowOrigin = { name: 'Access-Control-Allow-Origin', value: origin, loc: matcher.loc };
    admitted = matcher !== undefined;
  }
  const credentials: ResponseHeader[] = policy.credentials?.value === true ? [{ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials.loc }] : [];
  const exposed: ResponseHeader[] = settings.exposed?.length ? [{ name: 'Access-Control-Expose-Headers', value: settings.exposed.join(',') }] : [];
  unknowns.header('Access-Control-Expose-Headers', settings.exposed === undefined);
  if (request.preflight) {
    // hapi looks up the route for the requested method; on a route registered for other methods another route may answer.
    const methods = policy.scope.methods;
    if (methods && !methods.includes('*') && !methods.includes(request.method.toUpperCase())) unknowns.all();
    if (origin === undefined && settings.origin !== 'ignore') return { status: 404, headers: [], ...unknowns.fields(), shortCircuit: true };
    const refused = { status: 200, headers: [], ...unknowns.fields(), shortCircuit: true };
    if (!allowOrigin) return refused;
    if (request.headers?.length) {
      if (!settings.headers) unknowns.all();
      else {
        const listed = new Set([...settings.headers.map((name) => name.toLowerCase()), 'origin']);
        if (!request.headers.every((name) => listed.has(name.toLowerCase()))) return refused;
      }
    }
    const headers: ResponseHeader[] = [allowOrigin, { name: 'Access-Control-Allow-Methods', value: request.method }];
    if (settings.headers) headers.push({ name: 'Access-Control-Allow-Headers', value: settings.headers.join(','), ...(policy.allowHeaders.kind === 'list' ? { loc: policy.allowHeaders.loc } : {}) });
    else unknowns.header(ALLOW_HEADERS);
    if (settings.maxAge !== undefined) headers.push({ name: 'Access-Control-Max-Age', value: String(settings.maxAge) });
    headers.push(...credentials, ...exposed);
    if (settings.preflightStatus === undefined) unknowns.all();
    return { status: settings.preflightStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: true };
  }
  const headers: ResponseHeader[] = settings.origin !== 'ignore' ? [{ name: 'Vary', value: 'origin', loc: policy.source.loc }] : [];
  if (allowOrigin) headers.push(allowOrigin);
  if (admitted) headers.push(...credentials, ...exposed);
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
