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

/** A `customResponseHeaders` entry of the same middleware: its value, or null when templated. */
export interface TraefikCustomHeader {
  name: string;
  value: string | null;
  loc: Loc;
}

const CORS_RESPONSE_HEADER = /^(access-control-[a-z-]+|vary)$/i;

/**
 * `addVary`: the `addVaryHeader` option, unknown when templated. `writtenAt`: the origin list's key, where a missing Vary is reported.
 * `custom`: the middleware's `customResponseHeaders`, which PostRequestModifyResponseHeaders sets on every proxied
 * response before the CORS options (a matched origin then replaces Allow-Origin, credentials set Allow-Credentials);
 * a preflight the middleware answers itself (processCorsHeaders) never gets them.
 */
export function traefikProgram(policy: CorsPolicy, addVary: Tri, writtenAt: Loc, custom: TraefikCustomHeader[] = []): HeaderProgram {
  const corsCustom = custom.filter((header) => CORS_RESPONSE_HEADER.test(header.name));
  return contentProgram({ run: (request: CorsRequest) => respondTraefik(policy, addVary, writtenAt, request, corsCustom) }, [addVary, writtenAt, corsCustom]);
}

function respondTraefik(policy: CorsPolicy, addVary: Tri, writtenAt: Loc, request: CorsRequest, custom: TraefikCustomHeader[]): CorsResponse {
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
  // Header.Set per name: a later write replaces an earlier one, an empty custom value deletes it.
  const set = (header: ResponseHeader) => {
    const at = headers.findIndex((written) => written.name.toLowerCase() === header.name.toLowerCase());
    if (at >= 0) headers.splice(at, 1);
    if (header.value !== '') headers.push(header);
  };
  for (const header of custom) {
    if (header.value === null) unknowns.header(header.name);
    else set({ name: header.name, value: header.value, loc: header.loc });
  }
  if (allowOrigin) {
    set(allowOrigin);
    unknowns.known('Access-Control-Allow-Origin');
  }
  if (credentials) {
    set({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
    unknowns.known(ALLOW_CREDENTIALS);
  }
  if (join(policy.exposeHeaders)) set({ name: 'Access-Control-Expose-Headers', value: join(policy.exposeHeaders), loc: listLoc(policy.exposeHeaders) });
  if (addVary === true) {
    const vary = headers.find((written) => written.name.toLowerCase() === 'vary');
    set({ name: 'Vary', value: !vary || vary.value === 'Origin' ? 'Origin' : `${vary.value},Origin`, loc: vary?.loc });
  }
  unknowns.header(EXPOSE_HEADERS, policy.exposeHeaders.kind === 'unknown').header(VARY, addVary === 'unknown');
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
