import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { contentProgram } from '../content-program.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE, Unknowns } from '../uncertainty.js';
import { firstMatch, listItems, listLoc } from './common.js';

/**
 * django-cors-headers' `CorsMiddleware`, after `corsheaders/middleware.py` (semantics §5).
 * Checked against Debian's python3-django-cors-headers 3.14 in test/truth-python.test.ts. 3.14
 * still sends Allow-Credentials to origins it refuses (4.0 stopped); the rules never rely on it.
 */
export const djangoCorsProfile: FrameworkProfile = {
  id: 'django-cors-headers',
  name: 'django-cors-headers',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'always',
  preflight: { trigger: 'options-with-acrm', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: ['DELETE', 'GET', 'OPTIONS', 'PATCH', 'POST', 'PUT'], credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://github.com/adamchainz/django-cors-headers#configuration',
};

export const DJANGO_DEFAULT_HEADERS = ['accept', 'accept-encoding', 'authorization', 'content-type', 'dnt', 'origin', 'user-agent', 'x-csrftoken', 'x-requested-with'];
export const DJANGO_DEFAULT_MAX_AGE = 86400;

export function djangoCorsProgram(policy: CorsPolicy): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respondDjango(policy, request) });
}

function respondDjango(policy: CorsPolicy, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [{ name: 'Vary', value: 'Origin' }];
  // Any OPTIONS with Access-Control-Request-Method gets an empty 200 before the view runs, allowed origin or not.
  const status = request.preflight ? 200 : (request.appStatus ?? 200);
  const shortCircuit = request.preflight === true;
  // Credentials decide between `*` and the origin when every origin is allowed, else only their own
  // header; the lists and Max-Age only their own header (the preflight is a 200 either way).
  const credentialsUnknown = policy.credentials?.value === 'unknown';
  const unknowns = new Unknowns().header(ALLOW_CREDENTIALS, credentialsUnknown).all(credentialsUnknown && policy.origins.some((matcher) => matcher.kind === 'any'));
  const origin = request.origin;
  if (!origin) return { status, headers, ...unknowns.fields(), shortCircuit };
  const credentials = policy.credentials?.value === true;
  if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
  const allowAll = policy.origins.find((matcher) => matcher.kind === 'any');
  const match = allowAll ? { matcher: allowAll, uncertain: false } : firstMatch(policy.origins, origin);
  unknowns.all(match.uncertain);
  if (!match.matcher) return { status, headers, ...unknowns.fields(), shortCircuit };
  headers.push({ name: 'Access-Control-Allow-Origin', value: allowAll && !credentials ? '*' : origin, loc: match.matcher.loc });
  unknowns.header(EXPOSE_HEADERS, policy.exposeHeaders.kind === 'unknown');
  const expose = listItems(policy.exposeHeaders, []) ?? [];
  if (expose.length > 0) headers.push({ name: 'Access-Control-Expose-Headers', value: expose.join(', '), loc: listLoc(policy.exposeHeaders) });
  if (request.preflight) {
    unknowns.header(ALLOW_HEADERS, policy.allowHeaders.kind === 'unknown').header(ALLOW_METHODS, policy.allowMethods.kind === 'unknown').header(MAX_AGE, policy.maxAge?.value === 'unknown');
    const allowHeaders = listItems(policy.allowHeaders, DJANGO_DEFAULT_HEADERS);
    if (allowHeaders) headers.push({ name: 'Access-Control-Allow-Headers', value: allowHeaders.join(', '), loc: listLoc(policy.allowHeaders) });
    const methods = listItems(policy.allowMethods, djangoCorsProfile.defaults.methods!);
    if (methods) headers.push({ name: 'Access-Control-Allow-Methods', value: methods.join(', '), loc: listLoc(policy.allowMethods) });
    const maxAge = policy.maxAge === undefined ? DJANGO_DEFAULT_MAX_AGE : policy.maxAge.value;
    if (typeof maxAge === 'number' && maxAge !== 0) headers.push({ name: 'Access-Control-Max-Age', value: String(maxAge), loc: policy.maxAge?.loc });
  }
  return { status, headers, ...unknowns.fields(), shortCircuit };
}
