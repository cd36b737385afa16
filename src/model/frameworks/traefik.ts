import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, Loc, ResponseHeader, Tri } from '../types.js';
import { contentProgram } from '../content-program.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE, Unknowns, VARY } from '../uncertainty.js';
import { listAllowOrigin, listItems, listLoc } from './common.js';

/**
 * Traefik's `headers` middleware, after `pkg/middlewares/headers/header.go` (semantics §8): exact
 * list entries, a `*` entry answered with `*`, regexes searched unanchored (Go `MatchString`),
 * Allow-Credentials on every response when enabled, a 200 preflight answer with Max-Age always
 * set, and `Vary: Origin` only with `addVaryHeader`.
 */
export const traefikProfile: FrameworkProfile = {
  id: 'traefik',
  name: 'Traefik headers middleware',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'by-config',
  preflight: { trigger: 'options-with-acrm', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  // In front of an app (topology/traefik-links.ts): every Access-Control-* header Traefik sends replaces the app's (`Header.Set`); an origin it does not allow gets the app's Allow-Origin.
  corsHeadersReplaceUpstream: true,
  docs: 'https://doc.traefik.io/traefik/middlewares/http/headers/#cors-headers',
  varyHint: 'Traefik adds Vary: Origin only with addVaryHeader: true',
};

/** `addVary`: the `addVaryHeader` option, unknown when templated. `writtenAt`: the origin list's key, where a missing Vary is reported. */
export function traefikProgram(policy: CorsPolicy, addVary: Tri, writtenAt: Loc): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respondTraefik(policy, addVary, writtenAt, request) }, [addVary, writtenAt]);
}

function respondTraefik(policy: CorsPolicy, addVary: Tri, writtenAt: Loc, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const origin = request.origin ?? '';
  const { header: allowOrigin, uncertain: originUncertain } = listAllowOrigin(policy.origins, origin, writtenAt);
  // `*` is sent literally whatever the credentials: an unknown option leaves only its own header open.
  const unknowns = new Unknowns().all(originUncertain).header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
  const credentials = policy.credentials?.value === true;
  const join = (setting: CorsPolicy['allowMethods']) => (listItems(setting, []) ?? []).join(',');
  if (request.preflight && origin !== '') {
    unknowns.header(ALLOW_HEADERS, policy.allowHeaders.kind === 'unknown').header(ALLOW_METHODS, policy.allowMethods.kind === 'unknown');
    if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
    if (join(policy.allowHeaders)) headers.push({ name: 'Access-Control-Allow-Headers', value: join(policy.allowHeaders), loc: listLoc(policy.allowHeaders) });
    if (join(policy.allowMethods)) headers.push({ name: 'Access-Control-Allow-Methods', value: join(policy.allowMethods), loc: listLoc(policy.allowMethods) });
    if (allowOrigin) headers.push(allowOrigin);
    const maxAge = policy.maxAge?.value;
    if (maxAge === 'unknown') unknowns.header(MAX_AGE);
    else headers.push({ name: 'Access-Control-Max-Age', value: String(maxAge ?? 0), loc: policy.maxAge?.loc });
    return { status: 200, headers, ...unknowns.fields(), shortCircuit: true };
  }
  if (allowOrigin) headers.push(allowOrigin);
  if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
  if (join(policy.exposeHeaders)) headers.push({ name: 'Access-Control-Expose-Headers', value: join(policy.exposeHeaders), loc: listLoc(policy.exposeHeaders) });
  if (addVary === true) headers.push({ name: 'Vary', value: 'Origin' });
  unknowns.header(EXPOSE_HEADERS, policy.exposeHeaders.kind === 'unknown').header(VARY, addVary === 'unknown');
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
