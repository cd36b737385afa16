import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, Loc, ResponseHeader } from '../types.js';
import { contentProgram } from '../content-program.js';
import { ALLOW_CREDENTIALS, ALLOW_METHODS, ALLOW_ORIGIN, EXPOSE_HEADERS, Unknowns } from '../uncertainty.js';
import { firstMatch } from './common.js';

/**
 * Falcon 3's `CORSMiddleware` (`falcon.App(cors_enable=True)` is the same with its defaults), after
 * `falcon/middleware.py`; checked against Debian's python3-falcon 3.1 in test/truth-python.test.ts.
 * An allowed origin gets `*` when `allow_origins='*'`, else itself; an origin `allow_credentials`
 * names (`'*'`: every allowed one) gets itself back with Allow-Credentials, so `'*'` for both
 * grants every site credentials. A preflight is the resource's own OPTIONS answer (Falcon's default
 * responder: 200) with the resource's Allow list as Allow-Methods, the requested headers (or `*`)
 * echoed, and Max-Age 86400. Never Vary.
 */
export const falconProfile: FrameworkProfile = {
  id: 'falcon',
  name: 'Falcon CORSMiddleware',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'never',
  preflight: { trigger: 'options-with-acrm', status: 200, shortCircuit: false, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: '*', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  varyHint: "add 'Vary: Origin' in a middleware of your own (Falcon's CORSMiddleware never sends it)",
  docs: 'https://falcon.readthedocs.io/en/stable/api/cors.html',
};

/** `allow_credentials`: `'*'` (every allowed origin), the origins named, or undefined when unknown. */
export interface FalconSettings {
  credentialOrigins: '*' | string[] | undefined;
  /** `expose_headers` as sent (joined with ', '); null when not set, undefined when unknown. */
  expose: string | null | undefined;
  /** Where the origins are set (`allow_origins`, or the call when left to its default): the one place to add Vary for them all. */
  originsAt: Loc;
}

export function falconProgram(policy: CorsPolicy, settings: FalconSettings): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respond(policy, settings, request) }, settings);
}

function respond(policy: CorsPolicy, settings: FalconSettings, request: CorsRequest): CorsResponse {
  const unknowns = new Unknowns();
  const status = request.preflight ? 200 : (request.appStatus ?? 200);
  const origin = request.origin;
  const headers: ResponseHeader[] = [];
  if (origin === undefined) return { status, headers, ...unknowns.fields(), shortCircuit: false };
  const { matcher, uncertain } = firstMatch(policy.origins, origin);
  unknowns.all(uncertain);
  if (!matcher) return { status, headers, ...unknowns.fields(), shortCircuit: false };
  const credentialed = settings.credentialOrigins === '*' || settings.credentialOrigins?.includes(origin);
  // Who gets credentials decides Allow-Origin too: an unknown list leaves both open.
  unknowns.header(ALLOW_CREDENTIALS, settings.credentialOrigins === undefined).header(ALLOW_ORIGIN, settings.credentialOrigins === undefined && matcher.kind === 'any');
  const credentialsLoc = policy.credentials?.loc;
  headers.push({ name: 'Access-Control-Allow-Origin', value: matcher.kind === 'any' && !credentialed ? '*' : origin, loc: credentialed && credentialsLoc ? credentialsLoc : matcher.loc, writtenAt: settings.originsAt });
  if (credentialed) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: credentialsLoc });
  unknowns.header(EXPOSE_HEADERS, settings.expose === undefined);
  if (settings.expose) headers.push({ name: 'Access-Control-Expose-Headers', value: settings.expose });
  if (request.preflight) {
    // The resource's Allow list (its on_* responders) is not read here.
    unknowns.header(ALLOW_METHODS);
    headers.push({ name: 'Access-Control-Allow-Headers', value: request.headers?.length ? request.headers.join(',') : '*' }, { name: 'Access-Control-Max-Age', value: '86400' });
  }
  return { status, headers, ...unknowns.fields(), shortCircuit: false };
}
