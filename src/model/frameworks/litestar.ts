import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { contentProgram } from '../content-program.js';
import { ALLOW_CREDENTIALS, EXPOSE_HEADERS, MAX_AGE, Unknowns } from '../uncertainty.js';
import { firstMatch, hasCookie, listItems, listLoc } from './common.js';

/**
 * Litestar's CORS (`Litestar(cors_config=CORSConfig(…))`; Starlite 1.x the same), after
 * litestar/config/cors.py and litestar/middleware/_internal/cors.py of Litestar 2.20–2.24 and 3.0.
 * It reads like Starlette's but differs where it matters: every option defaults to `['*']`; a
 * `*` inside an entry is a wildcard (`https://*.example.com`); every OPTIONS with an Origin is
 * answered by the middleware itself (204, or 400 with no CORS headers when the origin, method or a
 * header is refused); with `*` and credentials the preflight still says `*` (browsers refuse a
 * credentialed preflight) while a request carrying a cookie gets its own origin back with
 * credentials. Before 2.20 an entry was joined into one regex unescaped (its dots matched any
 * character): the model follows the escaped reading, so no finding depends on the version.
 */
export const litestarProfile: FrameworkProfile = {
  id: 'litestar',
  name: 'Litestar CORSConfig',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'unless-wildcard',
  preflight: { trigger: 'any-options', status: 204, shortCircuit: true, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: '*', methods: ['*'], credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://docs.litestar.dev/latest/usage/middleware/builtin-middleware.html#cors',
};

const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
/** Litestar's DEFAULT_ALLOWED_CORS_HEADERS, always allowed beside the configured ones. */
const DEFAULT_HEADERS = ['Accept', 'Accept-Language', 'Content-Language', 'Content-Type'];

export function litestarProgram(policy: CorsPolicy): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respondLitestar(policy, request) });
}

/** Python's `sorted()` of strings: by code point, which is what `<` on JS strings of BMP text gives. */
function pySorted(items: Iterable<string>): string[] {
  return [...new Set(items)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function respondLitestar(policy: CorsPolicy, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const origin = request.origin;
  if (origin === undefined) return { status: request.appStatus ?? (request.preflight ? undefined : 200), headers, uncertain: false, shortCircuit: false };
  const wildcard = policy.origins.find((matcher) => matcher.kind === 'any');
  const allowAll = wildcard !== undefined;
  const credentialsUnknown = policy.credentials?.value === 'unknown';
  const credentials = policy.credentials?.value === true;
  const credentialsLoc = policy.credentials?.loc;
  const unknowns = new Unknowns().header(ALLOW_CREDENTIALS, credentialsUnknown);
  const match = allowAll ? { matcher: wildcard, uncertain: false } : firstMatch(policy.origins, origin);
  unknowns.all(match.uncertain);
  const allowed = match.matcher !== undefined;

  if (request.preflight) {
    unknowns.all(policy.allowMethods.kind === 'unknown' || policy.allowHeaders.kind === 'unknown');
    const maxAge = policy.maxAge?.value;
    if (maxAge === 'unknown') unknowns.header(MAX_AGE);
    else headers.push({ name: 'Access-Control-Max-Age', value: String(maxAge ?? 600), loc: policy.maxAge?.loc });
    if (allowAll) headers.push({ name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard.loc });
    else headers.push({ name: 'Vary', value: 'Origin' });
    if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: credentialsLoc });
    const configuredHeaders = (listItems(policy.allowHeaders, ['*']) ?? []).map((name) => name.toLowerCase());
    const allowAllHeaders = configuredHeaders.includes('*');
    if (!allowAllHeaders) headers.push({ name: 'Access-Control-Allow-Headers', value: pySorted([...configuredHeaders, ...DEFAULT_HEADERS]).join(', '), loc: listLoc(policy.allowHeaders) });
    const methods = listItems(policy.allowMethods, ['*']) ?? [];
    const allowAllMethods = methods.includes('*');
    if (methods.length > 0) headers.push({ name: 'Access-Control-Allow-Methods', value: (allowAllMethods ? ALL_METHODS : pySorted(methods)).join(', '), loc: listLoc(policy.allowMethods) });

    // Methods are compared as written (`'get'` refuses GET); header names without case.
    let failed = !allowAllMethods && !methods.includes(request.method);
    if (!allowed) failed = true;
    else if (!allowAll) headers.push({ name: 'Access-Control-Allow-Origin', value: origin, loc: match.matcher!.loc });
    const requested = (request.headers ?? []).map((name) => name.trim()).filter(Boolean);
    if (requested.length > 0) {
      if (allowAllHeaders) {
        const index = headers.findIndex((header) => header.name === 'Access-Control-Allow-Headers');
        if (index !== -1) headers.splice(index, 1);
        headers.push({ name: 'Access-Control-Allow-Headers', value: pySorted([...requested, ...DEFAULT_HEADERS]).join(', '), loc: listLoc(policy.allowHeaders) });
      } else {
        const permitted = new Set([...configuredHeaders, ...DEFAULT_HEADERS.map((name) => name.toLowerCase())]);
        if (requested.some((name) => !permitted.has(name.toLowerCase()))) failed = true;
      }
    }
    // A refused preflight is a plain 400 without any of the headers built above.
    if (failed) return { status: 400, headers: [], ...unknowns.fields(), shortCircuit: true };
    return { status: 204, headers, ...unknowns.fields(), shortCircuit: true };
  }

  if (allowAll) headers.push({ name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard.loc });
  if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: credentialsLoc });
  unknowns.header(EXPOSE_HEADERS, policy.exposeHeaders.kind === 'unknown');
  const expose = listItems(policy.exposeHeaders, []) ?? [];
  if (expose.length > 0) headers.push({ name: 'Access-Control-Expose-Headers', value: pySorted(expose).join(', '), loc: listLoc(policy.exposeHeaders) });
  if ((allowAll && hasCookie(request)) || (!allowAll && allowed)) {
    const index = headers.findIndex((header) => header.name === 'Access-Control-Allow-Origin');
    if (index !== -1) headers.splice(index, 1);
    headers.push({ name: 'Access-Control-Allow-Origin', value: origin, loc: match.matcher!.loc }, { name: 'Vary', value: 'Origin' });
  }
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
