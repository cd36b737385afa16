import { analyzeOrigin } from './origin.js';
import { matchOrigin } from './pattern-match.js';
import { exactOrigins, headersNamed, headerValue } from './queries.js';
import { patternExamples, type PatternExample } from './regex-analysis.js';
import { respond } from './respond.js';
import type { CorsPolicy, Loc, OriginMatcher } from './types.js';
import { ALLOW_ORIGIN, unsure } from './uncertainty.js';

/**
 * The origins attackers try against an allowlist, made from the origins it is meant to allow
 * (the literal entries, and examples generated from each pattern's syntax tree): the allowed host
 * with the attacker's domain after it (`app.example.com.attacker.invalid`), before it
 * (`attackerexample.com`), and with one dot turned into a letter (`appxexample.com`). Each is put
 * to the executable model; only the ones that really get an Allow-Origin count.
 */
export type BypassKind = 'suffix' | 'prefix' | 'dot';

/** Every variant the request matrix tries; the first three are the bypasses rules report. */
export type AttackerKind = BypassKind | 'port' | 'http' | 'upper' | 'null' | 'special';

type PatternMatcher = Extract<OriginMatcher, { kind: 'pattern' }>;

export interface Bypass {
  kind: BypassKind;
  /** The origin that gets in. */
  origin: string;
  /** The allowed origin it was made from. */
  from: string;
  /** The matcher that let it in, and where its grant came from. */
  matcher?: OriginMatcher;
  loc: Loc;
  credentials: boolean;
  /** For a `dot` bypass: the unescaped `.` of the matcher's pattern source that let it in (offsets into `source`). */
  unescapedDot?: { start: number; end: number };
}

export interface AttackerOrigin {
  kind: AttackerKind;
  origin: string;
  /** For `dot`: which of the example's unescaped dots was changed (offset into the pattern source). */
  unescapedDot?: { start: number; end: number };
}

/** Per policy, literal allowed origins and generated examples tried. */
const MAX_LEGIT = 48;
const MAX_EXAMPLES_PER_MATCHER = 12;

function registrableOf(host: string): string {
  return host.split('.').slice(-2).join('.');
}

/**
 * A host whose last label is a number (decimal or 0x-hex) is an IPv4 address to the URL parser:
 * `127.0x0.1` is 127.0.0.1 again, and `127x0.0.1` or `attacker127.0.0.1` fail to parse, so no page
 * has such an origin (checked with Node's WHATWG URL).
 */
function endsInNumber(host: string): boolean {
  const last = host.slice(host.lastIndexOf('.') + 1);
  return /^(\d+|0x[0-9a-f]*)$/i.test(last);
}

/**
 * Can a dot of `host`, turned into a letter, be an attacker's origin? Not in an IPv4 literal: every
 * variant either parses back to an IP address or ends in a label such as `1x10`, which is no
 * top-level domain anyone can register under (`192.168.1x10`).
 */
function dotVariantPossible(host: string, changed: string): boolean {
  return !/^\d{1,3}(\.\d{1,3}){3}$/.test(host) && !endsInNumber(changed);
}

/**
 * The attacker's variants of one allowed origin. `example` carries the positions of characters a
 * lone unescaped `.` of the pattern produced: each becomes a letter (only when that moves the
 * origin to another registrable domain; `axb.example.com` is still the author's own domain).
 */
export function attackerVariants(legit: string, example?: Pick<PatternExample, 'dots' | 'dotSources'>): AttackerOrigin[] {
  const match = /^(https?):\/\/([^/:]+)(:\d+)?$/.exec(legit);
  if (!match) return [];
  const [, scheme, host, port = ''] = match;
  const registrable = registrableOf(host);
  // Only hosts outside the allowed registrable domain: `attackerapp.example.com` is a subdomain the author may well mean to allow.
  const out: AttackerOrigin[] = [
    { kind: 'suffix', origin: `${scheme}://${host}.attacker.invalid${port}` },
    ...(endsInNumber(host) ? [] : [{ kind: 'prefix' as const, origin: `${scheme}://attacker${registrable}${port}` }]),
  ];
  const hostStart = scheme.length + 3;
  // Only the last two dots can move the host to another registrable domain (a dot before them leaves the last two
  // labels as they are): looking at just those keeps this linear in a host of thousands of labels (fuzzer, nginx seed 9001).
  const lastDot = host.lastIndexOf('.');
  const firstThatCounts = lastDot > 0 ? host.lastIndexOf('.', lastDot - 1) : lastDot;
  const dotVariant = (i: number): string | undefined => {
    // The dot before the top-level label (`muenchen.de` -> `muenchenxde`) leaves a one-label host
    // nobody can register; only the dot before it moves the origin to another registrable domain.
    if (i < firstThatCounts || i === lastDot || host[i] !== '.') return undefined;
    const changed = `${host.slice(0, i)}x${host.slice(i + 1)}`;
    return registrableOf(changed) !== registrable && dotVariantPossible(host, changed) ? changed : undefined;
  };
  if (example && example.dots.length > 0) {
    example.dots.forEach((at, index) => {
      const i = at - hostStart;
      if (i < 0 || i >= host.length) return;
      const changed = dotVariant(i);
      if (changed !== undefined) out.push({ kind: 'dot', origin: `${scheme}://${changed}${port}`, unescapedDot: example.dotSources[index] });
    });
  } else if (!example) {
    for (let i = Math.max(0, firstThatCounts); i < host.length; i++) {
      const changed = dotVariant(i);
      if (changed !== undefined) out.push({ kind: 'dot', origin: `${scheme}://${changed}${port}` });
    }
  }
  out.push({ kind: 'port', origin: `${scheme}://${host}${port === ':8443' ? ':9443' : ':8443'}` });
  if (scheme === 'https') out.push({ kind: 'http', origin: `http://${host}${port}` });
  out.push({ kind: 'upper', origin: `${scheme}://${host.toUpperCase()}${port}` });
  out.push({ kind: 'special', origin: `${scheme}://attacker_${registrable.replace(/\./g, '-')}.invalid${port}` });
  out.push({ kind: 'null', origin: 'null' });
  return out;
}

export interface AllowedOrigin {
  origin: string;
  /** The pattern it was generated from, with where its unescaped dots landed. */
  pattern?: PatternMatcher;
  example?: PatternExample;
}

/**
 * The origins a policy is meant to allow: its literal entries (those a browser could send) and the
 * examples generated from each pattern's tree. Each pattern gets its own share, so one pattern
 * that yields nothing (or too much) never hides the others.
 */
export function allowedOrigins(policy: CorsPolicy): AllowedOrigin[] {
  const out: AllowedOrigin[] = [];
  const seen = new Set<string>();
  const add = (entry: AllowedOrigin) => {
    if (seen.has(entry.origin) || out.length >= MAX_LEGIT) return;
    seen.add(entry.origin);
    out.push(entry);
  };
  const patterns = policy.origins.filter((matcher): matcher is PatternMatcher => matcher.kind === 'pattern');
  const perPattern = patterns.map((pattern) => patternExamples(pattern).slice(0, MAX_EXAMPLES_PER_MATCHER));
  // Round-robin over the patterns so that the cap leaves each of them its first examples.
  for (let index = 0; index < MAX_EXAMPLES_PER_MATCHER; index++) {
    patterns.forEach((pattern, which) => {
      const example = perPattern[which][index];
      if (example) add({ origin: example.origin, pattern, example });
    });
  }
  for (const matcher of exactOrigins(policy)) if (analyzeOrigin(matcher.value).problems.length === 0) add({ origin: matcher.value });
  return out;
}

/** Three rules ask for the same policy's bypasses: they are worked out once. */
const cache = new WeakMap<CorsPolicy, Bypass[]>();

/** Every bypass the model grants, at most one per kind, allowed origin and unescaped dot. */
export function findBypasses(policy: CorsPolicy): Bypass[] {
  let found = cache.get(policy);
  if (!found) {
    found = computeBypasses(policy);
    cache.set(policy, found);
  }
  return found;
}

function computeBypasses(policy: CorsPolicy): Bypass[] {
  const legit = allowedOrigins(policy);
  const allowed = new Set(legit.map((entry) => entry.origin));
  const out: Bypass[] = [];
  const seen = new Set<string>();
  for (const { origin: from, pattern, example } of legit) {
    for (const candidate of attackerVariants(from, example)) {
      if (candidate.kind !== 'suffix' && candidate.kind !== 'prefix' && candidate.kind !== 'dot') continue;
      const key = `${candidate.kind}:${from}:${candidate.unescapedDot?.start ?? ''}`;
      if (allowed.has(candidate.origin) || seen.has(key)) continue;
      for (const credentials of [true, false]) {
        const response = respond(policy, { origin: candidate.origin, method: 'GET', credentials });
        if (unsure(response, [ALLOW_ORIGIN]) || headerValue(response, 'Access-Control-Allow-Origin') !== candidate.origin) continue;
        const header = headersNamed(response, 'Access-Control-Allow-Origin')[0];
        // The pattern the example came from, when it is the one that accepts the variant; else the matcher the header's position names
        // (nginx reports the map value or the `if` instead), else any pattern that accepts it.
        const matcher =
          (pattern && matchOrigin(pattern, candidate.origin) === true ? pattern : undefined) ??
          policy.origins.find((m) => header.loc && m.loc.line === header.loc.line && m.loc.column === header.loc.column) ??
          policy.origins.find((m) => m.kind === 'pattern' && matchOrigin(m, candidate.origin) === true);
        // An origin that any origin would get is the reflect rules' business.
        if (!matcher || matcher.kind === 'any' || matcher.kind === 'reflect') break;
        seen.add(key);
        out.push({
          kind: candidate.kind,
          origin: candidate.origin,
          from,
          matcher,
          loc: matcher.loc,
          credentials: credentials && headerValue(response, 'Access-Control-Allow-Credentials') === 'true',
          ...(candidate.unescapedDot && matcher === pattern ? { unescapedDot: candidate.unescapedDot } : {}),
        });
        break;
      }
    }
  }
  return out;
}
