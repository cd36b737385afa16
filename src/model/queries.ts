import { isSubstringPattern, patternExamples } from './regex-analysis.js';
import { respond } from './respond.js';
import { ALLOW_ORIGIN, unsure } from './uncertainty.js';
import type { CorsPolicy, CorsRequest, CorsResponse, Loc, OriginMatcher, ResponseHeader } from './types.js';
import { askedName, isHeaderNamed } from './header-names.js';

/**
 * Questions rules ask the executable model. An origin no allowlist contains: if it is granted,
 * the layer grants every origin.
 */
export const PROBE_ORIGIN = 'https://attacker.invalid';
export const SECOND_PROBE_ORIGIN = 'https://other-site.invalid';

export function headersNamed(response: CorsResponse, name: string): ResponseHeader[] {
  const wanted = askedName(name);
  return response.headers.filter((header) => isHeaderNamed(header, name, wanted));
}

export function headerValue(response: CorsResponse, name: string): string | undefined {
  const wanted = askedName(name);
  let first: ResponseHeader | undefined;
  let more: ResponseHeader[] | undefined;
  for (const header of response.headers) {
    if (!isHeaderNamed(header, name, wanted)) continue;
    if (first === undefined) first = header;
    else (more ??= [first]).push(header);
  }
  if (first === undefined) return undefined;
  // One header: its value itself, which is what join gives for a string.
  if (more === undefined && typeof first.value === 'string') return first.value;
  return (more ?? [first]).map((header) => header.value).join(', ');
}

/** The request shapes a policy is asked about: plain reads and writes, and a preflight, each with and without credentials. */
export function probeRequests(origin: string): CorsRequest[] {
  const requests: CorsRequest[] = [];
  for (const credentials of [true, false]) {
    requests.push({ origin, method: 'GET', credentials });
    requests.push({ origin, method: 'POST', credentials });
    requests.push({ origin, method: 'PUT', headers: ['Content-Type'], credentials, preflight: true });
  }
  return requests;
}

export interface ProbeResult {
  request: CorsRequest;
  response: CorsResponse;
}

/** Every probe request whose answer does not depend on something unknown. */
export function probe(policy: CorsPolicy, origin: string): ProbeResult[] {
  const results: ProbeResult[] = [];
  for (const request of probeRequests(origin)) {
    const response = respond(policy, request);
    if (!response.uncertain) results.push({ request, response });
  }
  return results;
}

/** True when nothing about the policy's origins is unknown (so silence from the model means "no"). */
export function originsKnown(policy: CorsPolicy): boolean {
  return policy.origins.every((matcher) => matcher.kind !== 'unknown' && matcher.kind !== 'predicate');
}

export function exactOrigins(policy: CorsPolicy): Array<Extract<OriginMatcher, { kind: 'exact' }>> {
  return policy.origins.filter((matcher): matcher is Extract<OriginMatcher, { kind: 'exact' }> => matcher.kind === 'exact');
}

/** Does this layer grant `origin` (Allow-Origin equal to it, or `*`) on a plain GET? `unknown` when the model cannot tell. */
export function grants(policy: CorsPolicy, origin: string, credentials = false): boolean | 'unknown' {
  const response = respond(policy, { origin, method: 'GET', credentials });
  if (unsure(response, [ALLOW_ORIGIN])) return 'unknown';
  const value = headerValue(response, 'Access-Control-Allow-Origin');
  return value === origin || (!credentials && value === '*');
}

/** Why an Allow-Origin came about when the author did not write it (a default, a fallback), to add to a message. */
export function originNote(policy: CorsPolicy, loc: Loc | undefined): string {
  if (!loc) return '';
  const matcher = policy.origins.find((m) => (m.kind === 'any' || m.kind === 'reflect') && m.why && m.loc.line === loc.line && m.loc.column === loc.column && m.loc.file === loc.file);
  return (matcher?.kind === 'any' || matcher?.kind === 'reflect') && matcher.why ? ` (${matcher.why})` : '';
}

/** Examples per pattern handed to the rules that ask about allowed origins. */
const SAMPLES_PER_PATTERN = 8;

/**
 * Origins a pattern matcher accepts, generated from its syntax tree (each branch, optional parts
 * present and absent, repeats at their bounds; see regex-analysis.ts) and confirmed on the
 * linear-time matcher in the pattern's dialect. Rules use them to ask the model about an
 * allowlist written as regexes.
 */
export function sampleOrigins(policy: CorsPolicy): string[] {
  const out: string[] = [];
  for (const matcher of policy.origins) {
    if (matcher.kind !== 'pattern') continue;
    for (const example of patternExamples(matcher).slice(0, SAMPLES_PER_PATTERN)) out.push(example.origin);
  }
  return [...new Set(out)];
}

const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);
const SAFELISTED_HEADERS = new Set(['accept', 'accept-language', 'content-language', 'content-type']);
/** Headers a page cannot set, so they never cause a preflight (Fetch "forbidden request-header"). */
const FORBIDDEN_HEADERS = new Set(['origin', 'host', 'cookie', 'referer', 'connection', 'content-length', 'user-agent', 'keep-alive', 'dnt', 'te', 'via', 'upgrade']);

/** The preflight the author evidently expects: a method or header that needs one, taken from the policy itself. */
export function expectedPreflight(policy: CorsPolicy): { method: string; headers: string[] } | undefined {
  const methods = policy.allowMethods.kind === 'list' ? policy.allowMethods.items.map((m) => m.toUpperCase()) : [];
  const routeMethods = policy.scope.methods ?? [];
  const method = [...routeMethods, ...methods].find((m) => !SIMPLE_METHODS.has(m) && m !== 'OPTIONS');
  const headers = policy.allowHeaders.kind === 'list' ? policy.allowHeaders.items.filter((h) => !SAFELISTED_HEADERS.has(h.toLowerCase()) && !FORBIDDEN_HEADERS.has(h.toLowerCase()) && h !== '*').slice(0, 1) : [];
  if (!method && headers.length === 0) return undefined;
  return { method: method ?? routeMethods.find((m) => m !== 'OPTIONS') ?? 'GET', headers };
}


/** A pattern that stands for a plain string test: an Envoy/Istio prefix/suffix/contains, or an nginx `~` with no anchor at all. */
export function isSubstringTest(matcher: Extract<OriginMatcher, { kind: 'pattern' }>): boolean {
  return isSubstringPattern(matcher);
}
