import { analyzeOrigin } from './origin.js';
import { exactOrigins, headersNamed, headerValue, sampleOrigins } from './queries.js';
import { matcherAccepts, respond } from './respond.js';
import type { CorsPolicy, Loc, OriginMatcher } from './types.js';

/**
 * The origins attackers try against an allowlist, made from the origins it is meant to allow:
 * the allowed host with the attacker's domain after it (`app.example.com.attacker.invalid`),
 * before it (`attackerexample.com`), and with one dot turned into a letter (`appxexample.com`).
 * Each is put to the executable model; only the ones that really get an Allow-Origin count.
 */
export type BypassKind = 'suffix' | 'prefix' | 'dot';

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
}

const MAX_LEGIT = 24;

function candidates(legit: string): Array<{ kind: BypassKind; origin: string }> {
  const match = /^(https?):\/\/([^/:]+)(:\d+)?$/.exec(legit);
  if (!match) return [];
  const [, scheme, host, port = ''] = match;
  const labels = host.split('.');
  const registrable = labels.slice(-2).join('.');
  // Only hosts outside the allowed registrable domain: `attackerapp.example.com` is a subdomain the author may well mean to allow.
  const out: Array<{ kind: BypassKind; origin: string }> = [
    { kind: 'suffix', origin: `${scheme}://${host}.attacker.invalid${port}` },
    { kind: 'prefix', origin: `${scheme}://attacker${registrable}${port}` },
  ];
  for (let i = 0; i < host.length; i++) {
    const changed = `${host.slice(0, i)}x${host.slice(i + 1)}`;
    if (host[i] === '.' && changed.split('.').slice(-2).join('.') !== registrable) out.push({ kind: 'dot', origin: `${scheme}://${changed}${port}` });
  }
  return out;
}

/** Three rules ask for the same policy's bypasses: they are worked out once. */
const cache = new WeakMap<CorsPolicy, Bypass[]>();

/** Every bypass the model grants, at most one per kind and allowed origin. */
export function findBypasses(policy: CorsPolicy): Bypass[] {
  let found = cache.get(policy);
  if (!found) {
    found = computeBypasses(policy);
    cache.set(policy, found);
  }
  return found;
}

function computeBypasses(policy: CorsPolicy): Bypass[] {
  const exact = exactOrigins(policy).map((m) => m.value).filter((value) => analyzeOrigin(value).problems.length === 0);
  const legit = [...new Set([...exact, ...sampleOrigins(policy)])].slice(0, MAX_LEGIT);
  const allowed = new Set(legit);
  const out: Bypass[] = [];
  const seen = new Set<string>();
  for (const from of legit) {
    for (const candidate of candidates(from)) {
      if (allowed.has(candidate.origin) || seen.has(`${candidate.kind}:${from}`)) continue;
      for (const credentials of [true, false]) {
        const response = respond(policy, { origin: candidate.origin, method: 'GET', credentials });
        if (response.uncertain || headerValue(response, 'Access-Control-Allow-Origin') !== candidate.origin) continue;
        const header = headersNamed(response, 'Access-Control-Allow-Origin')[0];
        // The header's position names the matcher that decided; nginx reports the map value or the `if` instead, so fall back to the pattern that accepts it.
        const matcher =
          policy.origins.find((m) => header.loc && m.loc.line === header.loc.line && m.loc.column === header.loc.column) ??
          policy.origins.find((m) => m.kind === 'pattern' && matcherAccepts(m, candidate.origin) === true);
        // An origin that any origin would get is the reflect rules' business.
        if (!matcher || matcher.kind === 'any' || matcher.kind === 'reflect') break;
        seen.add(`${candidate.kind}:${from}`);
        out.push({ ...candidate, from, matcher, loc: matcher.loc, credentials: credentials && headerValue(response, 'Access-Control-Allow-Credentials') === 'true' });
        break;
      }
    }
  }
  return out;
}
