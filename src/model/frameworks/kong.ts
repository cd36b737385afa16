import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { contentProgram } from '../content-program.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE, Unknowns } from '../uncertainty.js';
import { listAllowOrigin, listItems, listLoc } from './common.js';

/**
 * Kong's `cors` plugin, after `kong/plugins/cors/handler.lua` (semantics §9): no origins or `*`
 * (alone, or anywhere in a longer list once a request has an Origin) sends `*`, but with
 * credentials echoes the request's origin; one literal origin is sent as is;
 * otherwise literals are compared after normalising both sides and regexes match in full;
 * `Vary: Origin` unless everything is allowed; preflights answered 200 unless
 * `preflight_continue`.
 */
export const kongProfile: FrameworkProfile = {
  id: 'kong',
  name: 'Kong cors plugin',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'fixed',
  exactComparison: 'bytes',
  varyOrigin: 'unless-wildcard',
  preflight: { trigger: 'options-with-acrm', status: 200, shortCircuit: true, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: '*', methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'], credentials: false },
  routeLevelHandlesOptions: true,
  // In front of an app (topology/kong-links.ts): `set_header` replaces the upstream's headers, and an origin it does not allow gets the upstream's Allow-Origin cleared.
  corsHeadersReplaceUpstream: true,
  decidesAllowOrigin: true,
  docs: 'https://developer.konghq.com/plugins/cors/',
};

export function kongProgram(policy: CorsPolicy, preflightContinue: boolean): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respondKong(policy, preflightContinue, request) }, preflightContinue);
}

function respondKong(policy: CorsPolicy, preflightContinue: boolean, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const origin = request.origin;
  const credentials = policy.credentials?.value === true;
  const credentialsUnknown = policy.credentials?.value === 'unknown';
  const unknowns = new Unknowns().header(ALLOW_CREDENTIALS, credentialsUnknown);
  const preflight = request.preflight === true && origin !== undefined && origin !== '';
  if (preflight && preflightContinue) return { status: undefined, headers, uncertain: true, shortCircuit: false };

  const origins = policy.origins;
  const wildcard = origins.find((matcher) => matcher.kind === 'any');
  let allowOrigin: ResponseHeader | undefined;
  let allowAll = false;
  if (origins.length === 0 || (origins.length === 1 && wildcard)) {
    allowAll = true;
    allowOrigin = { name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard?.loc ?? policy.source.loc };
  } else {
    headers.push({ name: 'Vary', value: 'Origin' });
    if (origins.length === 1 && origins[0].kind === 'exact' && policy.originMode === 'fixed') {
      allowOrigin = { name: 'Access-Control-Allow-Origin', value: origins[0].value, loc: origins[0].loc };
    } else if (origin && wildcard) {
      // configure_origin walks the whole list before comparing, and a '*' anywhere in it returns allow-all.
      allowAll = true;
      allowOrigin = { name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard.loc };
    } else if (origin) {
      const listed = listAllowOrigin(origins, origin);
      allowOrigin = listed.header;
      unknowns.all(listed.uncertain);
    }
  }
  // With credentials a `*` is answered with the origin: unknown credentials leave Allow-Origin open too.
  unknowns.all(credentialsUnknown && allowAll && Boolean(origin));
  if (credentials && allowAll && origin) {
    allowOrigin = { name: 'Access-Control-Allow-Origin', value: origin, loc: allowOrigin?.loc };
    headers.push({ name: 'Vary', value: 'Origin' });
  }
  if (allowOrigin) headers.push(allowOrigin);
  if (credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials!.loc });
  if (preflight) {
    unknowns.header(ALLOW_HEADERS, policy.allowHeaders.kind === 'unknown').header(ALLOW_METHODS, policy.allowMethods.kind === 'unknown').header(MAX_AGE, policy.maxAge?.value === 'unknown');
    const allowHeaders = policy.allowHeaders.kind === 'default' ? (request.headers ?? []).join(',') : (listItems(policy.allowHeaders, []) ?? []).join(',');
    if (allowHeaders) headers.push({ name: 'Access-Control-Allow-Headers', value: allowHeaders, loc: listLoc(policy.allowHeaders) });
    const methods = listItems(policy.allowMethods, kongProfile.defaults.methods!);
    if (methods) headers.push({ name: 'Access-Control-Allow-Methods', value: methods.join(','), loc: listLoc(policy.allowMethods) });
    if (typeof policy.maxAge?.value === 'number') headers.push({ name: 'Access-Control-Max-Age', value: String(policy.maxAge.value), loc: policy.maxAge.loc });
    return { status: 200, headers, ...unknowns.fields(), shortCircuit: true };
  }
  unknowns.header(EXPOSE_HEADERS, policy.exposeHeaders.kind === 'unknown');
  const expose = (listItems(policy.exposeHeaders, []) ?? []).join(',');
  if (expose) headers.push({ name: 'Access-Control-Expose-Headers', value: expose, loc: listLoc(policy.exposeHeaders) });
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
