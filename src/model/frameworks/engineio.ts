import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { contentProgram } from '../content-program.js';
import { ALLOW_CREDENTIALS, Unknowns } from '../uncertainty.js';
import { firstMatch } from './common.js';

/**
 * python-engineio's own CORS handling, which python-socketio and Flask-SocketIO servers use
 * (`cors_allowed_origins`, `cors_credentials`), after `engineio/server.py` (`_cors_allowed_origins`,
 * `_cors_headers`, the origin check in `handle_request`); checked against Debian's
 * python3-engineio 4.3 in test/truth-engineio.test.ts. A request whose Origin is not allowed gets
 * a bare 400; an allowed one gets its own origin back (`'*'` allows every origin, and is never
 * sent), Allow-Credentials unless `cors_credentials=False`, and never Vary (no cache reuses a
 * polling response: see `uncacheable`). Every OPTIONS is
 * answered 200 with `OPTIONS, GET, POST` and the requested headers echoed.
 */
export const engineioProfile: FrameworkProfile = {
  id: 'python-engineio',
  name: 'python-socketio (engine.io)',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'never',
  preflight: { trigger: 'any-options', status: 200, shortCircuit: true, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: 'none', methods: ['OPTIONS', 'GET', 'POST'], credentials: true },
  routeLevelHandlesOptions: true,
  docs: 'https://python-socketio.readthedocs.io/en/latest/api.html#socketio.Server',
  uncacheable: 'Engine.IO clients add a fresh t= parameter to every polling URL',
};

export function engineioProgram(policy: CorsPolicy): HeaderProgram {
  return contentProgram({ run: (request: CorsRequest) => respond(policy, request) });
}

function respond(policy: CorsPolicy, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const origin = request.origin;
  const unknowns = new Unknowns().header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
  let allowed: ResponseHeader | undefined;
  if (origin !== undefined) {
    const { matcher, uncertain } = firstMatch(policy.origins, origin);
    unknowns.all(uncertain);
    // Refused before any handler runs: 400 "Not an accepted origin." without CORS headers.
    if (!matcher) return { status: 400, headers, ...unknowns.fields(), shortCircuit: true };
    allowed = { name: 'Access-Control-Allow-Origin', value: origin, loc: matcher.loc };
    headers.push(allowed);
  }
  if (request.preflight) {
    headers.push({ name: 'Access-Control-Allow-Methods', value: 'OPTIONS, GET, POST' });
    if (request.headers?.length) headers.push({ name: 'Access-Control-Allow-Headers', value: request.headers.join(',') });
  }
  // On by default: only `cors_credentials=False` turns it off.
  if (policy.credentials?.value !== false && policy.credentials?.value !== 'unknown') headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials?.loc ?? policy.source.loc });
  if (request.preflight) return { status: 200, headers, ...unknowns.fields(), shortCircuit: true };
  return { status: request.appStatus ?? 200, headers, ...unknowns.fields(), shortCircuit: false };
}
