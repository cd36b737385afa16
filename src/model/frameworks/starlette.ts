import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { contentProgram } from '../content-program.js';
import { ALLOW_CREDENTIALS, EXPOSE_HEADERS, MAX_AGE, Unknowns } from '../uncertainty.js';
import { firstMatch, hasCookie, listItems, listLoc } from './common.js';

/**
 * Starlette's `CORSMiddleware` (FastAPI re-exports it), after `starlette/middleware/cors.py`
 * (semantics §3). Checked against Debian's python3-starlette 0.26 in test/truth-python.test.ts;
 * the code paths used here are unchanged up to 0.47.
 */
export const starletteProfile: FrameworkProfile = {
  id: 'starlette',
  name: 'Starlette CORSMiddleware',
  // Preflights, and requests that carry a cookie, get the request's origin back.
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'unless-wildcard',
  preflight: { trigger: 'options-with-acrm', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: ['GET'], credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://www.starlette.io/middleware/#corsmiddleware',
};

const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
const SAFELISTED_HEADERS = ['Accept', 'Accept-Language', 'Content-Language', 'Content-Type'];

export function starletteProgram(policy: CorsPolicy): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respondStarlette(policy, request) });
}

function respondStarlette(policy: CorsPolicy, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const origin = request.origin;
  if (origin === undefined) return { status: request.appStatus ?? (request.preflight ? undefined : 200), headers, uncertain: false, shortCircuit: false };
  const wildcard = policy.origins.find((matcher) => matcher.kind === 'any');
  const allowAll = wildcard !== undefined;
  // Unknown credentials leave Allow-Credentials open, and with `*` also whether a preflight gets `*`
  // or the origin (cookie-carrying requests get the origin either way); an unknown method or header
  // list decides a preflight's status (400).
  const credentialsUnknown = policy.credentials?.value === 'unknown';
  const unknowns = new Unknowns().header(ALLOW_CREDENTIALS, credentialsUnknown).all(credentialsUnknown && allowAll && request.preflight === true);
  const credentials = policy.credentials?.value === true;
  const credentialsLoc = policy.credentials?.loc;
  const match = allowAll ? { matcher: wildcard, uncertain: false } : firstMatch(policy.origins, origin);
  // An unknown entry (`allow_origins=os.environ["X"].split(",")`) beside one that accepts this origin
  // can only change the answer by being '*': with credentials on, a preflight and a cookie-carrying
  // request get the origin echoed either way, so only the other requests stay open.
  const settled = match.matcher !== undefined && credentials && (request.preflight === true || hasCookie(request));
  unknowns.all(match.uncertain && !settled);
  const allowed = match.matcher !== undefined;

  if (request.preflight) {
    unknowns.all(policy.allowMethods.kind === 'unknown' || policy.allowHeaders.kind === 'unknown');
    const explicit = !allowAll || credentials;
    if (explicit) headers.push({ name: 'Vary', value: 'Origin' });
    else headers.push({ name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard?.loc });
    const methods = policy.allowMethods.kind === 'wildcard' ? ALL_METHODS : listItems(policy.allowMethods, ['GET']) ?? [];
    const effectiveMethods = methods.includes('*') ? ALL_METHODS : methods;
    headers.push({ name: 'Access-Control-Allow-Methods', value: effectiveMethods.join(', '), loc: listLoc(policy.allowMethods) });
    const maxAge = policy.maxAge?.value;
    if (maxAge === 'unknown') unknowns.header(MAX_AGE);
    else headers.push({ name: 'Access-Control-Max-Age', value: String(maxAge ?? 600), loc: policy.maxAge?.loc });
    const configuredHeaders = listItems(policy.allowHeaders, []) ?? [];
    const allowAllHeaders = configuredHeaders.includes('*');
    const allowHeaders = [...new Set([...SAFELISTED_HEADERS, ...configuredHeaders])].sort();
    if (!allowAllHeaders) headers.push({ name: 'Access-Control-Allow-Headers', value: allowHeaders.join(', '), loc: listLoc(policy.allowHeaders) });
    if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: credentialsLoc });

    let failed = false;
    if (allowed) {
      if (explicit) headers.push({ name: 'Access-Control-Allow-Origin', value: origin, loc: match.matcher!.loc });
    } else failed = true;
    if (!effectiveMethods.includes(request.method)) failed = true;
    const requested = request.headers ?? [];
    if (allowAllHeaders && requested.length > 0) {
      headers.push({ name: 'Access-Control-Allow-Headers', value: requested.join(',').toLowerCase(), loc: listLoc(policy.allowHeaders) });
    } else if (requested.length > 0) {
      const lowered = new Set(allowHeaders.map((name) => name.toLowerCase()));
      if (requested.some((name) => !lowered.has(name.trim().toLowerCase()))) failed = true;
    }
    return { status: failed ? 400 : 200, headers, ...unknowns.fields(), shortCircuit: true };
  }

  if (allowAll) headers.push({ name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard.loc });
  if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: credentialsLoc });
  unknowns.header(EXPOSE_HEADERS, policy.exposeHeaders.kind === 'unknown');
  const expose = listItems(policy.exposeHeaders, []) ?? [];
  if (expose.length > 0) headers.push({ name: 'Access-Control-Expose-Headers', value: expose.join(', '), loc: listLoc(policy.exposeHeaders) });
  if ((allowAll && hasCookie(request)) || (!allowAll && allowed)) {
    const index = headers.findIndex((header) => header.name === 'Access-Control-Allow-Origin');
    if (index !== -1) headers.splice(index, 1);
    headers.push({ name: 'Access-Control-Allow-Origin', value: origin, loc: match.matcher!.loc }, { name: 'Vary', value: 'Origin' });
  }
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
