import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, Loc, ResponseHeader } from '../types.js';
import { contentProgram } from '../content-program.js';
import { Unknowns } from '../uncertainty.js';
import { firstMatch } from './common.js';

/** The Allow-Methods every Payload answer carries, in its order. */
const PAYLOAD_METHODS = ['PUT', 'PATCH', 'POST', 'GET', 'DELETE', 'OPTIONS'];

/**
 * Payload CMS's own CORS (`buildConfig({ cors })`), after payload's `utilities/headersWithCors.ts`
 * (3.x; 2.x's `express/middleware/corsHeaders.ts` sends the same): `'*'` (or `{ origins: '*' }`)
 * sends `*` and no Allow-Credentials; a list (or `{ origins: [...] }`) is searched with `indexOf`, so
 * an entry is compared byte for byte with the request's Origin, and a match gets that Origin back
 * with `Access-Control-Allow-Credentials: true`, which nothing turns off. No Vary is ever sent.
 * Allow-Methods is always `PUT, PATCH, POST, GET, DELETE, OPTIONS` and Allow-Headers a fixed list
 * plus `cors.headers`, on every answer. An OPTIONS request no endpoint takes is answered 200
 * (`handleEndpoints`), and error answers (`routeError`) carry the same headers.
 */
export const payloadProfile: FrameworkProfile = {
  id: 'payload',
  name: 'Payload CMS',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'never',
  preflight: { trigger: 'any-options', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: PAYLOAD_METHODS, credentials: false },
  routeLevelHandlesOptions: true,
  varyHint: "Payload never sends Vary: Origin; add it to the API's responses yourself, e.g. in the route handlers or a proxy in front",
  docs: 'https://payloadcms.com/docs/configuration/overview',
};

/** The headers every Payload answer allows (headersWithCors' defaultAllowedHeaders), before `cors.headers`. */
export const PAYLOAD_DEFAULT_HEADERS = ['Origin', 'X-Requested-With', 'Content-Type', 'Accept', 'Authorization', 'Content-Encoding', 'x-apollo-tracing', 'X-Payload-HTTP-Method-Override'];

export interface PayloadSettings {
  /** `'*'`: Allow-Origin `*` to everyone; `'list'`: the policy's origins, echoed with credentials. */
  origins: '*' | 'list';
  /** Allow-Headers as sent; undefined when `cors.headers` is not known. */
  headers: string[] | undefined;
  /** Where the echoed origin is decided: the list of origins (`cors`, or its `origins`). */
  writtenAt: Loc;
}

export function payloadProgram(policy: CorsPolicy, settings: PayloadSettings): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respond(policy, settings, request) }, settings);
}

function respond(policy: CorsPolicy, settings: PayloadSettings, request: CorsRequest): CorsResponse {
  const unknowns = new Unknowns();
  const headers: ResponseHeader[] = [{ name: 'Access-Control-Allow-Methods', value: PAYLOAD_METHODS.join(', ') }];
  if (settings.headers) headers.push({ name: 'Access-Control-Allow-Headers', value: settings.headers.join(', '), ...(policy.allowHeaders.kind === 'list' ? { loc: policy.allowHeaders.loc } : {}) });
  else unknowns.header('Access-Control-Allow-Headers');
  if (settings.origins === '*') {
    const wildcard = policy.origins[0];
    headers.push({ name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard?.loc ?? policy.source.loc });
  } else if (request.origin) {
    const { matcher, uncertain } = firstMatch(policy.origins, request.origin);
    unknowns.all(uncertain);
    if (matcher) {
      headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials?.loc });
      headers.push({ name: 'Access-Control-Allow-Origin', value: request.origin, loc: matcher.loc, writtenAt: settings.writtenAt });
    }
  }
  if (request.preflight) return { status: 200, headers, ...unknowns.fields(), shortCircuit: true };
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
