import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, Loc, ResponseHeader, Tri } from '../types.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE, Unknowns, VARY } from '../uncertainty.js';
import { firstMatch, listLoc } from './common.js';
import { translatePythonRegex } from '../python-regex.js';
import { compilePattern } from '../respond.js';

/**
 * Flask-CORS (`CORS(app)`, `@cross_origin`), after `flask_cors/core.py` (semantics §4). Checked
 * against Debian's python3-flask-cors 3.0.10 (which carries the 6.0 case-insensitive origin
 * comparison) in test/truth-python.test.ts.
 */
export const flaskCorsProfile: FrameworkProfile = {
  id: 'flask-cors',
  name: 'Flask-CORS',
  // `'*'` is the regex `.*`; unless `send_wildcard=True` the request's origin is echoed back.
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'compare',
  exactComparison: 'case-insensitive',
  varyOrigin: 'by-config',
  preflight: { trigger: 'config', status: 200, shortCircuit: false, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: 'reflect', methods: ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'], credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://flask-cors.readthedocs.io/en/latest/api.html',
};

/**
 * Sanic-CORS 2.2 (`sanic_cors.CORS`, `@cross_origin`): Flask-CORS 3.0's core ported to Sanic, read in
 * its `sanic_cors/core.py` (same options, defaults, origin matching, echo of the origin for `'*'` and
 * Vary rule). Not modelled: its `probably_regex` looks only for `*`, `\`, `]` and `?`.
 */
export const sanicCorsProfile: FrameworkProfile = {
  ...flaskCorsProfile,
  id: 'sanic-cors',
  name: 'Sanic-CORS',
  docs: 'https://sanic-cors.readthedocs.io/en/latest/',
};

/** Options that shape the answer but have no place in the common model. */
export interface FlaskCorsExtras {
  sendWildcard: Located<Tri>;
  varyHeader: Located<Tri>;
  /** `methods` as Flask-CORS serialises it ("DELETE, GET, …"); the preflight check is a substring test on it. */
  methods: string | undefined;
  /** `allow_headers` entries (`*` is any); undefined when unknown. */
  allowHeaders: string[] | undefined;
  /** `always_send`: answer requests without an Origin header too. */
  alwaysSend: Located<Tri>;
  /** `expose_headers` as sent. */
  exposeHeaders: string | undefined;
}

interface Located<T> {
  value: T;
  loc?: Loc;
}

/** Flask-CORS's `probably_regex`: a string with any of these characters is used as a regex. */
export function probablyRegex(value: string): boolean {
  return /[*\\\]?$^[()]/.test(value);
}

export function flaskCorsProgram(policy: CorsPolicy, extras: FlaskCorsExtras): HeaderProgram {
  return { run: (request) => respondFlaskCors(policy, extras, request) };
}

function headerAllowed(name: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    if (pattern === '*' || pattern === '.*') return true;
    if (!probablyRegex(pattern)) return pattern.toLowerCase() === name.toLowerCase();
    const translated = translatePythonRegex(pattern, 'match');
    return translated !== undefined && compilePattern(translated.source, `${translated.flags}i`)?.test(name) === true;
  });
}

function respondFlaskCors(policy: CorsPolicy, extras: FlaskCorsExtras, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const status = request.appStatus ?? 200;
  // `send_wildcard` shapes Allow-Origin itself; credentials only add their header (but see `always_send`
  // below); the other options only their own header.
  const credentialsUnknown = policy.credentials?.value === 'unknown';
  const unknowns = new Unknowns().all(extras.sendWildcard.value === 'unknown').header(ALLOW_CREDENTIALS, credentialsUnknown);
  const wildcard = policy.origins.find((matcher) => matcher.kind === 'any');
  const origin = request.origin;
  let allowOrigin: ResponseHeader | undefined;
  let literalCount = 0;
  if (origin) {
    if (wildcard && extras.sendWildcard.value === true) allowOrigin = { name: 'Access-Control-Allow-Origin', value: '*', loc: extras.sendWildcard.loc ?? wildcard.loc };
    else {
      const match = firstMatch(policy.origins, origin);
      unknowns.all(match.uncertain);
      if (match.matcher) allowOrigin = { name: 'Access-Control-Allow-Origin', value: origin, loc: match.matcher.loc };
    }
  } else if (extras.alwaysSend.value === 'unknown') {
    unknowns.all();
  } else if (extras.alwaysSend.value && wildcard) {
    // Without an Origin header (same-origin or non-browser requests), `always_send` still answers.
    unknowns.all(credentialsUnknown);
    if (policy.credentials?.value !== true) allowOrigin = { name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard.loc };
  } else if (extras.alwaysSend.value) {
    // Every literal origin is added, but the MultiDict that carries them keeps only the first.
    const literals = policy.origins.filter((matcher): matcher is Extract<typeof matcher, { kind: 'exact' }> => matcher.kind === 'exact').sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
    if (policy.origins.some((matcher) => matcher.kind === 'unknown')) unknowns.all();
    else if (literals.length > 0) allowOrigin = { name: 'Access-Control-Allow-Origin', value: literals[0].value, loc: literals[0].loc };
    literalCount = literals.length;
  }
  if (!allowOrigin) return { status, headers, ...unknowns.fields(), shortCircuit: false };
  headers.push(allowOrigin);
  unknowns.header(EXPOSE_HEADERS, policy.exposeHeaders.kind === 'unknown');
  if (extras.exposeHeaders) headers.push({ name: 'Access-Control-Expose-Headers', value: extras.exposeHeaders, loc: listLoc(policy.exposeHeaders) });
  if (policy.credentials?.value === true) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials.loc });
  // Unknown methods leave open whether the preflight headers are added at all.
  if (request.preflight && extras.methods === undefined) unknowns.header(ALLOW_METHODS).header(ALLOW_HEADERS).header(MAX_AGE);
  if (request.preflight && extras.methods !== undefined && extras.methods.includes(request.method.toUpperCase())) {
    unknowns.header(ALLOW_HEADERS, extras.allowHeaders === undefined).header(MAX_AGE, policy.maxAge?.value === 'unknown');
    const allowHeaders = (request.headers ?? []).map((name) => name.trim().toLowerCase()).filter((name) => headerAllowed(name, extras.allowHeaders ?? []));
    if (allowHeaders.length > 0) headers.push({ name: 'Access-Control-Allow-Headers', value: allowHeaders.sort().join(', '), loc: listLoc(policy.allowHeaders) });
    if (typeof policy.maxAge?.value === 'number') headers.push({ name: 'Access-Control-Max-Age', value: String(policy.maxAge.value), loc: policy.maxAge.loc });
    headers.push({ name: 'Access-Control-Allow-Methods', value: extras.methods, loc: listLoc(policy.allowMethods) });
  }
  unknowns.header(VARY, extras.varyHeader.value === 'unknown');
  const regexLooking = policy.origins.some((matcher) => matcher.kind === 'any' || matcher.kind === 'pattern');
  if (extras.varyHeader.value === true && allowOrigin.value !== '*' && (policy.origins.length > 1 || literalCount > 1 || regexLooking)) headers.push({ name: 'Vary', value: 'Origin' });
  else if (extras.varyHeader.value === false && extras.varyHeader.loc) allowOrigin.writtenAt = extras.varyHeader.loc;
  return { status, headers, ...unknowns.fields(), shortCircuit: false };
}
