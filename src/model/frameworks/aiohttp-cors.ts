import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, Loc, ResponseHeader } from '../types.js';
import { contentProgram } from '../content-program.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE, Unknowns } from '../uncertainty.js';
import { firstMatch, listItems, listLoc } from './common.js';

/**
 * aiohttp-cors (`aiohttp_cors.setup(app, defaults={origin: ResourceOptions(...)})`), after its
 * `cors_config.py`: the options are looked up by the request's Origin as a string key, with `"*"`
 * for every other origin; an allowed request gets its own origin back in Allow-Origin (never `*`),
 * Allow-Credentials when that origin's options allow them, and never Vary. Every OPTIONS to a
 * configured route is its preflight: 403 without an allowed Origin, a method, or with a requested
 * header its `allow_headers` lacks; otherwise 200 echoing the method and the requested headers.
 */
export const aiohttpCorsProfile: FrameworkProfile = {
  id: 'aiohttp-cors',
  name: 'aiohttp-cors',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'never',
  preflight: { trigger: 'any-options', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://github.com/aio-libs/aiohttp-cors#usage',
  varyHint: 'aiohttp-cors never sends Vary: Origin; add it from an on_response_prepare signal',
};

/**
 * `taken`: origins another entry of the same mapping names exactly; aiohttp-cors answers them with
 * that entry's options, so this policy's `"*"` does not apply to them. `writtenAt`: the `defaults`
 * mapping, where a missing Vary is reported once for all its entries.
 */
export function aiohttpCorsProgram(policy: CorsPolicy, taken: string[], writtenAt: Loc): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respond(policy, new Set(taken), writtenAt, request) }, { taken, writtenAt });
}

function respond(policy: CorsPolicy, taken: Set<string>, writtenAt: Loc, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const origin = request.origin;
  const { matcher, uncertain } = origin === undefined || taken.has(origin) ? { matcher: undefined, uncertain: false } : firstMatch(policy.origins, origin);
  const unknowns = new Unknowns().all(uncertain);
  const credentials = policy.credentials?.value === true;
  unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
  if (request.preflight) {
    if (!matcher) return { status: 403, headers, ...unknowns.fields(), shortCircuit: true };
    const requested = request.headers ?? [];
    const allowHeaders = listItems(policy.allowHeaders, []);
    // Which requested headers pass decides the status: an unknown list leaves the whole answer open.
    if (!allowHeaders && requested.length > 0) unknowns.all();
    else if (allowHeaders && !allowHeaders.includes('*')) {
      const allowed = new Set(allowHeaders.map((name) => name.toUpperCase()));
      // A requested header the list lacks gets a bare 403. Which headers a page sends is not in the
      // configuration (the list names the ones it means), so such a refusal answers a guess: open.
      if (requested.some((name) => !allowed.has(name.trim().toUpperCase()))) return { status: 403, headers, ...unknowns.all().fields(), shortCircuit: true };
    }
    headers.push({ name: 'Access-Control-Allow-Origin', value: origin!, loc: matcher.loc });
    if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
    if (policy.maxAge?.value === 'unknown') unknowns.header(MAX_AGE);
    else if (policy.maxAge) headers.push({ name: 'Access-Control-Max-Age', value: String(policy.maxAge.value), loc: policy.maxAge.loc });
    // The route's own methods decide which methods pass; the answer names the requested one.
    headers.push({ name: 'Access-Control-Allow-Methods', value: request.method });
    if (requested.length > 0) headers.push({ name: 'Access-Control-Allow-Headers', value: requested.map((name) => name.trim().toUpperCase()).join(','), loc: listLoc(policy.allowHeaders) });
    unknowns.header(ALLOW_HEADERS, !allowHeaders);
    return { status: 200, headers, ...unknowns.fields(), shortCircuit: true };
  }
  if (matcher) {
    // `expose_headers="*"` exposes whatever the handler's response carries: not known here.
    const expose = listItems(policy.exposeHeaders, []);
    if (!expose || expose.includes('*')) unknowns.header(EXPOSE_HEADERS);
    else if (expose.length > 0) headers.push({ name: 'Access-Control-Expose-Headers', value: expose.join(','), loc: listLoc(policy.exposeHeaders) });
    headers.push({ name: 'Access-Control-Allow-Origin', value: origin!, loc: matcher.loc, writtenAt });
    if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
  }
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
