import { browserVerdict, needsPreflight, type BrowserVerdict } from './browser.js';
import { compileLinear, compilePrepared, matchOrigin, preparePattern, type LinearRegex } from './pattern-match.js';
import type { CorsPolicy, CorsRequest, CorsResponse, ListSetting, Loc, OriginMatcher, ResponseHeader } from './types.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE, Unknowns, unsure, verdictReads } from './uncertainty.js';

/**
 * The executable model: what one layer sends for one request. Header-emitting layers (nginx,
 * hand-set headers) carry their own evaluator; middleware layers are evaluated here from the
 * policy fields and the framework profile.
 */
export function respond(policy: CorsPolicy, request: CorsRequest): CorsResponse {
  if (policy.headerProgram) return policy.headerProgram.run(request);
  return respondAsMiddleware(policy, request);
}

export type MatchResult = boolean | 'unknown';

/** Does one matcher accept `origin`? Patterns are run as written; a pattern we cannot compile is unknown. */
export function matcherAccepts(matcher: OriginMatcher, origin: string, caseInsensitive = false): MatchResult {
  switch (matcher.kind) {
    case 'any':
    case 'reflect':
      return true;
    case 'exact':
      if (matcher.comparedBy === 'scheme-and-netloc') return sameSchemeAndNetloc(matcher.value, origin);
      if (matcher.comparedBy === 'netloc') return sameNetloc(matcher.value, origin);
      if (matcher.comparedBy === 'normalized-url') return normalizeUrl(matcher.value) === normalizeUrl(origin);
      if (matcher.comparedBy === 'kong-url') return kongOrigin(matcher.value) === kongOrigin(origin);
      return caseInsensitive || matcher.caseInsensitive ? matcher.value.toLowerCase() === origin.toLowerCase() : matcher.value === origin;
    case 'pattern':
      // Python's re refuses a pattern that opens with a repeat ('nothing to repeat'): it matches nothing,
      // whether the implementation then raises or, as Flask-CORS does, takes the error for no match.
      if (matcher.dialect.startsWith('python') && /^[*+?]/.test(matcher.source)) return false;
      return matchOrigin(matcher, origin);
    case 'predicate':
    case 'unknown':
      return 'unknown';
  }
}

/** The linear-time matcher that behaves as the pattern does in its own implementation, or null when we cannot tell. */
export function patternRegex(matcher: Extract<OriginMatcher, { kind: 'pattern' }>): LinearRegex | null {
  const prepared = preparePattern(matcher);
  return prepared ? compilePrepared(prepared) : null;
}

const DEFAULT_PORT: Record<string, string> = { http: '80', https: '443' };

/** `scheme://host[:port]` with the path and a default port dropped, as Kong's `normalize_origin` compares. */
export function normalizeUrl(url: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#:]*)(?::(\d+))?/.exec(url.trim());
  if (!match) return url;
  const scheme = match[1].toLowerCase();
  const port = match[3] && match[3] !== DEFAULT_PORT[scheme] ? `:${match[3]}` : '';
  return `${scheme}://${match[2].toLowerCase()}${port}`;
}

/**
 * Kong's `normalize_origin` (kong/plugins/cors/handler.lua): scheme://host[:port] from LuaSocket's
 * `url.parse`, which keeps the case as written, with port 80 dropped for `http` and 443 for `https`
 * (compared as written: `HTTPS` keeps its port); the path, query and user part are dropped.
 */
export function kongOrigin(url: string): string {
  const match = /^([A-Za-z0-9][A-Za-z0-9+.-]*):\/\/(?:[^/?#@]*@)?([^/?#]*)/.exec(url);
  if (!match) return url;
  const [, scheme, authority] = match;
  const portAt = authority.lastIndexOf(':');
  const host = portAt >= 0 && !authority.slice(portAt).includes(']') ? authority.slice(0, portAt) : authority;
  const port = portAt >= 0 && host !== authority ? authority.slice(portAt + 1) : undefined;
  const dropped = (scheme === 'http' && port === '80') || (scheme === 'https' && port === '443');
  return `${scheme}://${host}${port !== undefined && !dropped ? `:${port}` : ''}`;
}

/** Python's `urlsplit(a)` and `urlsplit(b)` agree on scheme (lower-cased) and netloc (as written), as django-cors-headers compares them. */
/**
 * django-cors-headers before 3.0 (and its fork django-cors-middleware): `urlparse(origin).netloc in
 * CORS_ORIGIN_WHITELIST`, or the origin `null` when the list holds 'null' (corsheaders/middleware.py,
 * origin_found_in_white_lists, 2.5.3). The scheme is not compared.
 */
function sameNetloc(configured: string, origin: string): boolean {
  if (origin === 'null') return configured === 'null';
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(origin);
  return match !== null && match[1] === configured;
}

function sameSchemeAndNetloc(configured: string, origin: string): boolean {
  const split = (url: string) => {
    const match = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?/.exec(url);
    return match ? { scheme: match[1].toLowerCase(), netloc: match[2] ?? '' } : { scheme: '', netloc: '' };
  };
  const a = split(configured);
  const b = split(origin);
  return a.scheme === b.scheme && a.netloc === b.netloc;
}

/**
 * A scanned regex (PCRE syntax as nginx writes it, or JavaScript) as a searching matcher that runs
 * in linear time, or null when it cannot be run safely (see pattern-match.ts): callers treat null as unknown.
 */
export function compilePattern(source: string, flags: string): LinearRegex | null {
  return compileLinear(source, flags, 'pcre-search');
}

interface OriginDecision {
  value: string | undefined;
  loc?: Loc;
  uncertain: boolean;
}

function decideAllowOrigin(policy: CorsPolicy, request: CorsRequest): OriginDecision {
  const { origins, profile } = policy;
  if (origins.length === 0) return { value: undefined, uncertain: false };
  const origin = request.origin;
  if (origins.length === 1) {
    const only = origins[0];
    if (only.kind === 'any') {
      const reflects = profile.wildcardWithCredentials === 'reflect' && policy.credentials?.value === true;
      if (reflects) return { value: origin, loc: only.loc, uncertain: false };
      return { value: '*', loc: only.loc, uncertain: policy.credentials?.value === 'unknown' && profile.wildcardWithCredentials === 'reflect' };
    }
    if (only.kind === 'reflect') return { value: origin, loc: only.loc, uncertain: false };
    if (only.kind === 'exact' && policy.originMode === 'fixed') return { value: only.value, loc: only.loc, uncertain: false };
  }
  if (origin === undefined) return { value: undefined, uncertain: false };
  let uncertain = false;
  for (const matcher of origins) {
    const accepted = matcherAccepts(matcher, origin, policy.profile.exactComparison === 'case-insensitive');
    if (accepted === 'unknown') uncertain = true;
    // Any one entry that accepts decides the grant, whatever an earlier unknown entry would say.
    else if (accepted) return { value: origin, loc: matcher.loc, uncertain: false };
  }
  return { value: undefined, uncertain };
}

function listHeaderValue(setting: ListSetting, fallback: string[] | undefined, request: CorsRequest): { value?: string; loc?: Loc; uncertain: boolean; reflected: boolean } {
  switch (setting.kind) {
    case 'list':
      return { value: setting.items.join(','), loc: setting.loc, uncertain: false, reflected: false };
    case 'wildcard':
      return { value: '*', loc: setting.loc, uncertain: false, reflected: false };
    case 'reflect-request':
      return { value: (request.headers ?? []).join(','), loc: setting.loc, uncertain: false, reflected: true };
    case 'default':
      return { value: fallback?.join(','), uncertain: false, reflected: false };
    case 'unknown':
      return { uncertain: true, reflected: false };
  }
}

function varyAddsOrigin(policy: CorsPolicy): boolean {
  const single = policy.origins.length === 1 ? policy.origins[0] : undefined;
  switch (policy.profile.varyOrigin) {
    case 'always':
      return true;
    case 'never':
    case 'by-config':
    case 'undocumented':
      return false;
    case 'unless-wildcard':
      return !(single?.kind === 'any');
    case 'unless-string':
      return !(single?.kind === 'any' || (single?.kind === 'exact' && policy.originMode === 'fixed'));
  }
}

function respondAsMiddleware(policy: CorsPolicy, request: CorsRequest): CorsResponse {
  const headers: ResponseHeader[] = [];
  const { profile } = policy;
  const isOptions = request.preflight === true;
  if (isOptions && policy.preflight.kind === 'unhandled') {
    // The middleware does not run for OPTIONS here: whatever answers it sends no CORS headers.
    return { status: policy.preflight.status, headers, uncertain: false, shortCircuit: false };
  }
  const handlesPreflight = isOptions;
  // Who answers a passed-on preflight, and the origin decision, shape the whole answer; an unknown
  // list or number only its own header (the middleware answers the same either way).
  const unknowns = new Unknowns().all((policy.preflight.kind === 'unknown' || policy.preflight.kind === 'passthrough') && isOptions);

  const decision = decideAllowOrigin(policy, request);
  unknowns.all(decision.uncertain);
  if (decision.value !== undefined && decision.value !== '') {
    headers.push({ name: 'Access-Control-Allow-Origin', value: decision.value, loc: decision.loc });
  }
  if (varyAddsOrigin(policy)) headers.push({ name: 'Vary', value: 'Origin' });
  // Unknown credentials leave Allow-Credentials open (the browser reads it on credentialed requests only);
  // where they also decide Allow-Origin (`*` answered with the origin) the decision above is unknown.
  unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
  if (policy.credentials?.value === true) {
    headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials.loc });
  }
  if (isOptions && handlesPreflight) {
    const methods = listHeaderValue(policy.allowMethods, profile.defaults.methods, request);
    unknowns.header(ALLOW_METHODS, methods.uncertain);
    if (methods.value) headers.push({ name: 'Access-Control-Allow-Methods', value: methods.value, loc: methods.loc });
    const allowHeadersSetting: ListSetting =
      policy.allowHeaders.kind === 'default' && profile.preflight.allowHeadersDefault === 'reflect-request' ? { kind: 'reflect-request' } : policy.allowHeaders;
    const allowHeaders = listHeaderValue(allowHeadersSetting, undefined, request);
    unknowns.header(ALLOW_HEADERS, allowHeaders.uncertain);
    const varies = profile.preflight.varyRequestHeaders === 'with-allow-headers' ? !!allowHeaders.value : allowHeaders.reflected;
    if (varies) headers.push({ name: 'Vary', value: 'Access-Control-Request-Headers' });
    if (allowHeaders.value) headers.push({ name: 'Access-Control-Allow-Headers', value: allowHeaders.value, loc: allowHeaders.loc });
    if (policy.maxAge) {
      if (policy.maxAge.value === 'unknown') unknowns.header(MAX_AGE);
      else headers.push({ name: 'Access-Control-Max-Age', value: String(policy.maxAge.value), loc: policy.maxAge.loc });
    }
  }
  const expose = listHeaderValue(policy.exposeHeaders, undefined, request);
  unknowns.header(EXPOSE_HEADERS, expose.uncertain);
  if (expose.value) headers.push({ name: 'Access-Control-Expose-Headers', value: expose.value, loc: expose.loc });

  if (isOptions && policy.preflight.kind === 'handled') {
    return { status: policy.preflight.status, headers, ...unknowns.fields(), shortCircuit: true };
  }
  return { status: request.appStatus ?? (isOptions ? undefined : 200), headers, ...unknowns.fields(), shortCircuit: false };
}

export interface FetchOutcome {
  preflight?: { request: CorsRequest; response: CorsResponse; verdict: BrowserVerdict };
  actual?: { request: CorsRequest; response: CorsResponse; verdict: BrowserVerdict };
  allowed: boolean;
  /** The browser's verdict depends on something unknown (an unknown header the verdict does not read leaves it decided). */
  uncertain: boolean;
}

/** A whole cross-origin fetch against one layer: the preflight when one is needed, then the request. */
export function simulateFetch(policy: CorsPolicy, request: CorsRequest, url?: string, answer: (request: CorsRequest) => CorsResponse = (r) => respond(policy, r)): FetchOutcome {
  let uncertain = false;
  let preflight: FetchOutcome['preflight'];
  if (needsPreflight(request)) {
    const preflightRequest = { ...request, preflight: true };
    const response = answer(preflightRequest);
    uncertain ||= unsure(response, verdictReads(preflightRequest));
    const verdict = browserVerdict(preflightRequest, response, url);
    preflight = { request: preflightRequest, response, verdict };
    if (!verdict.allowed) return { preflight, allowed: false, uncertain };
  }
  const actualRequest = { ...request, preflight: false };
  const response = answer(actualRequest);
  uncertain ||= unsure(response, verdictReads(actualRequest));
  const verdict = browserVerdict(actualRequest, response, url);
  return { preflight, actual: { request: actualRequest, response, verdict }, allowed: verdict.allowed, uncertain };
}
