import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, Unknowns } from '../uncertainty.js';
import { firstMatch, listLoc } from './common.js';

/**
 * Elysia's `@elysiajs/cors` (1.x), after its src/index.ts. Its defaults are the permissive ones:
 * `origin: true` sends every Origin back and `credentials: true` sends Allow-Credentials on every
 * answer, so `app.use(cors())` grants any site credentialed reads. A string entry is the full origin,
 * or a host compared with the request's Origin minus its scheme (`'example.com'` also admits
 * `http://example.com`); a RegExp is tested against the whole Origin; `'*'` in the list sends `*`.
 * Vary is `*` for `true` and `*`, `Origin` for a list. Every OPTIONS is answered 204 (preflight
 * option, on by default): Allow-Methods the requested method, Allow-Headers the requested headers,
 * Max-Age 5.
 */
export const elysiaCorsProfile: FrameworkProfile = {
  id: 'elysia-cors',
  name: '@elysiajs/cors',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'always',
  preflight: { trigger: 'any-options', status: 204, shortCircuit: true, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: 'reflect', methods: undefined, credentials: true },
  routeLevelHandlesOptions: true,
  docs: 'https://elysiajs.com/plugins/cors',
};

export function elysiaCorsProgram(policy: CorsPolicy): HeaderProgram {
  return { run: (request) => respond(policy, request) };
}

function respond(policy: CorsPolicy, request: CorsRequest): CorsResponse {
  const unknowns = new Unknowns();
  const headers: ResponseHeader[] = [];
  const origin = request.origin;
  const reflectAll = policy.origins.some((matcher) => matcher.kind === 'reflect');
  const wildcard = policy.origins.find((matcher) => matcher.kind === 'any');
  if (reflectAll) {
    const matcher = policy.origins.find((m) => m.kind === 'reflect')!;
    headers.push({ name: 'Vary', value: '*' }, { name: 'Access-Control-Allow-Origin', value: origin || '*', loc: matcher.loc });
  } else if (wildcard) {
    headers.push({ name: 'Vary', value: '*' }, { name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard.loc });
  } else {
    const { matcher, uncertain } = firstMatch(policy.origins, origin ?? '');
    unknowns.all(uncertain);
    headers.push({ name: 'Vary', value: 'Origin' });
    if (matcher) headers.push({ name: 'Access-Control-Allow-Origin', value: origin || '*', loc: matcher.loc });
  }
  // The plugin's default headers: every answer of the app carries them.
  unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
  if (policy.credentials?.value === true) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials.loc });
  const configuredHeaders = policy.allowHeaders.kind === 'list' ? policy.allowHeaders.items.join(', ') : undefined;
  if (!request.preflight || policy.preflight.kind !== 'handled') return { status: request.preflight ? undefined : (request.appStatus ?? 200), headers, ...unknowns.fields(), shortCircuit: false };
  const methods = policy.allowMethods;
  if (methods.kind === 'default' || methods.kind === 'reflect-request') headers.push({ name: 'Access-Control-Allow-Methods', value: request.method });
  else if (methods.kind === 'wildcard') headers.push({ name: 'Access-Control-Allow-Methods', value: '*', loc: methods.loc });
  else if (methods.kind === 'list') {
    if (methods.items.length > 0) headers.push({ name: 'Access-Control-Allow-Methods', value: methods.items.join(', '), loc: methods.loc });
  } else unknowns.header(ALLOW_METHODS);
  if (policy.allowHeaders.kind === 'unknown') unknowns.header(ALLOW_HEADERS);
  else if (configuredHeaders !== undefined) headers.push({ name: 'Access-Control-Allow-Headers', value: configuredHeaders, loc: listLoc(policy.allowHeaders) });
  else if (policy.allowHeaders.kind === 'wildcard') headers.push({ name: 'Access-Control-Allow-Headers', value: '*', loc: listLoc(policy.allowHeaders) });
  else if (request.headers?.length) headers.push({ name: 'Access-Control-Allow-Headers', value: request.headers.join(',').toLowerCase() });
  const maxAge = policy.maxAge?.value;
  if (maxAge === 'unknown') unknowns.all();
  else if (maxAge !== 0) headers.push({ name: 'Access-Control-Max-Age', value: String(maxAge ?? 5), loc: policy.maxAge?.loc });
  return { status: 204, headers, ...unknowns.fields(), shortCircuit: true };
}
