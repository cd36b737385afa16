import { defineRule, type ProjectFacts } from '../src/engine/rule.js';
import { malformedScheme, originHost } from '../src/model/origin.js';
import { exactOrigins } from '../src/model/queries.js';

/** Adjacent transposition, or one inserted/deleted letter, in a label of five or more characters. */
function isNearMiss(a: string, b: string): boolean {
  if (a === b) return false;
  if (a.length === b.length) {
    const diffs: number[] = [];
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) diffs.push(i);
    return a.length >= 4 && diffs.length === 2 && diffs[1] === diffs[0] + 1 && a[diffs[0]] === b[diffs[1]] && a[diffs[1]] === b[diffs[0]];
  }
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  if (long.length - short.length !== 1 || short.length < 5) return false;
  for (let i = 0; i < long.length; i++) if (long.slice(0, i) + long.slice(i + 1) === short) return true;
  return false;
}

/** The last two labels: `admin.exmaple.com` → `exmaple.com`. (A public-suffix list would do better for `co.uk`; a miss there only means no finding.) */
function registrableDomain(host: string): string {
  const last = host.lastIndexOf('.');
  return last <= 0 ? host : host.slice(host.lastIndexOf('.', last - 1) + 1);
}

/** Registrable domains one typo apart with the same top-level label (`exmaple.com` / `example.com`). Subdomain differences are normal. */
function nearDuplicateDomain(domain: string, other: string): boolean {
  const [label, tld] = domain.split('.');
  const [otherLabel, otherTld] = other.split('.');
  if (tld === undefined || tld !== otherTld) return false;
  return isNearMiss(label, otherLabel);
}

/** The domains with one key: one string (the common case: no array per key), or a list in the order they were added. */
type Bucket = string | string[];

interface KnownDomains {
  /** How often each registrable domain appears in the project, in first-seen order. */
  counts: Map<string, number>;
  order: Map<string, number>;
  /**
   * By top-level label: the hash of each main label (`example` of `example.com`), and the hash of each
   * main label with one letter deleted, mapped to the domains that have them. Near misses are found by
   * lookup, not by comparing every pair, and every candidate is confirmed by `nearDuplicateDomain`.
   */
  byTld: Map<string, { labels: Map<number, Bucket>; deleted: Map<number, Bucket> }>;
}

/**
 * A DNS label is at most 63 octets (RFC 1035 §2.3.4): a longer one is no host, so it is neither a typo
 * nor a host one could be a typo of. The bound also keeps the near-miss index linear: each label adds
 * one key per letter (a 40 KB "label" from a mangled file would otherwise add 40 K keys).
 */
const MAX_LABEL = 63;

/*
 * Labels are keyed by a polynomial hash instead of by strings: the one-letter-deleted and swapped
 * variants of a label then cost O(1) arithmetic each instead of a new string to allocate and hash
 * (strings made the index the whole cost of the rule: 300 ms for 4,000 domains). The hash is taken
 * modulo 2^30 with 32-bit integer operations (Math.imul, masks): every product and key is a small
 * integer, where a double modulus took a floating-point remainder per step.
 * A collision only adds a candidate, which `nearDuplicateDomain` then rejects.
 */
const MASK = 0x3fffffff;
const BASE = 257;
const powers: number[] = [1];
for (let i = 1; i <= MAX_LABEL + 1; i++) powers.push(Math.imul(powers[i - 1], BASE) & MASK);

/** Hashes of every prefix of `label`: prefix[i] is the hash of its first i letters. */
function prefixHashes(label: string): number[] {
  const prefix = [0];
  for (let i = 0; i < label.length; i++) prefix.push((Math.imul(prefix[i], BASE) + label.charCodeAt(i)) & MASK);
  return prefix;
}

/** The hash of `label` without its letter at `at`, from its prefix hashes. */
function deletedHash(label: string, prefix: number[], at: number): number {
  const n = label.length;
  return (Math.imul(prefix[at], powers[n - at - 1]) + prefix[n] - Math.imul(prefix[at + 1], powers[n - at - 1])) & MASK;
}

/** The hash of `label` with its letters at `at` and `at + 1` swapped. */
function swappedHash(label: string, prefix: number[], at: number): number {
  const n = label.length;
  const delta = label.charCodeAt(at + 1) - label.charCodeAt(at);
  return (prefix[n] + Math.imul(delta, powers[n - at - 1]) - Math.imul(delta, powers[n - at - 2])) & MASK;
}

/** Computed once per lint run, not once per policy. */
const knownDomainCache = new WeakMap<ProjectFacts, KnownDomains>();
function knownDomains(project: ProjectFacts): KnownDomains {
  let known = knownDomainCache.get(project);
  if (!known) {
    const counts = new Map<string, number>();
    const count = (host: string | undefined) => {
      if (!host) return;
      const domain = registrableDomain(host);
      counts.set(domain, (counts.get(domain) ?? 0) + 1);
    };
    for (const written of project.writtenOrigins) count(originHost(written.value));
    for (const host of project.servedHosts.keys()) count(host);
    const byTld: KnownDomains['byTld'] = new Map();
    for (const domain of counts.keys()) {
      const dot = domain.indexOf('.');
      if (dot === -1 || dot > MAX_LABEL) continue;
      const label = domain.slice(0, dot);
      const tld = domain.slice(dot + 1);
      let index = byTld.get(tld);
      if (!index) byTld.set(tld, (index = { labels: new Map(), deleted: new Map() }));
      const prefix = prefixHashes(label);
      add(index.labels, prefix[label.length], domain);
      for (let i = 0; i < label.length; i++) add(index.deleted, deletedHash(label, prefix, i), domain);
    }
    known = { counts, order: new Map([...counts.keys()].map((domain, index) => [domain, index])), byTld };
    knownDomainCache.set(project, known);
  }
  return known;
}

function add(index: Map<number, Bucket>, key: number, domain: string): void {
  const bucket = index.get(key);
  if (bucket === undefined) index.set(key, domain);
  else if (typeof bucket === 'string') index.set(key, [bucket, domain]);
  else bucket.push(domain);
}

/** Known domains one typo from `domain` (candidates found by lookup, then checked), in the order they were first seen. */
function nearDomains(domain: string, known: KnownDomains): string[] {
  const dot = domain.indexOf('.');
  if (dot === -1 || dot > MAX_LABEL) return [];
  const label = domain.slice(0, dot);
  const index = known.byTld.get(domain.slice(dot + 1));
  if (!index) return [];
  const near: string[] = [];
  const consider = (other: string) => {
    if (!near.includes(other) && nearDuplicateDomain(domain, other)) near.push(other);
  };
  const take = (found: Bucket | undefined) => {
    if (typeof found === 'string') consider(found);
    else if (found) for (const other of found) consider(other);
  };
  const prefix = prefixHashes(label);
  // The other label has one letter less, one letter more, or two adjacent letters swapped.
  for (let i = 0; i < label.length; i++) take(index.labels.get(deletedHash(label, prefix, i)));
  take(index.deleted.get(prefix[label.length]));
  for (let i = 0; i + 1 < label.length; i++) take(index.labels.get(swappedHash(label, prefix, i)));
  return near.length < 2 ? near : near.sort((a, b) => known.order.get(a)! - known.order.get(b)!);
}

export default defineRule({
  meta: {
    id: 'origin-typo',
    severity: 'warning',
    category: 'broken',
    description: 'A malformed scheme (`htps://`, `https:/`), a host one typo away from another known host, or a duplicate entry.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
    docs: {
      whatItDoes:
        "Looks at each literal origin for a scheme that was meant to be `http(s)://` but is not (`htps://`, `https:/`, `http//`), for a host whose main label is one transposed, missing or doubled letter away from another host the repository knows (`exmaple.com` next to `example.com`), and for entries listed twice.",
      why: 'A typo in an allowlist fails closed and silently: the origin is simply never matched, and the symptom is a CORS error in one environment that nobody can reproduce locally.',
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://example.com', 'https://admin.exmaple.com', 'htps://shop.example.com'] }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://example.com', 'https://admin.example.com', 'https://shop.example.com'] }));\n",
        },
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    add_header Access-Control-Allow-Origin https:/app.example.com always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
        },
      ],
      limitations: 'Hosts that differ in a subdomain label (`api1` / `api2`, `app` / `apps`) are normal and never reported; a substituted letter is not reported either, since real domains often differ by one letter.',
      references: ['https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Origin'],
    },
  },
  check(policy, context) {
    const entries = exactOrigins(policy);
    const seen = new Map<string, (typeof entries)[number]>();
    const known = knownDomains(context.project);
    const hosts = entries.map((entry) => originHost(entry.value));
    const firstIndex = new Map<string, number>();
    hosts.forEach((host, index) => {
      const domain = registrableDomain(host ?? '');
      if (!firstIndex.has(domain)) firstIndex.set(domain, index);
    });
    for (const [index, matcher] of entries.entries()) {
      const broken = malformedScheme(matcher.value);
      if (broken) {
        context.report({ loc: matcher.loc, message: `origin '${matcher.value}' has a malformed scheme '${broken}'; it was probably meant to start with 'https://' or 'http://'` });
        continue;
      }
      const seenKey = `${matcher.listId ?? matcher.loc.line}\u0000${matcher.value}`;
      const first = seen.get(seenKey);
      // A literal fallback of an unset variable (`process.env.CLIENT_URL ?? 'http://localhost:3000'`) equal to a written
      // entry lists it twice only where the variable is unset, which is what the fallback is for.
      if (first && matcher.listId !== undefined && !first.why && !matcher.why) {
        context.report({ loc: matcher.loc, message: `origin '${matcher.value}' is listed twice (first at line ${first.loc.line})` });
        continue;
      }
      seen.set(seenKey, matcher);
      const host = hosts[index];
      if (!host) continue;
      const domain = registrableDomain(host);
      for (const other of nearDomains(domain, known)) {
        const otherCount = known.counts.get(other) ?? 0;
        const mine = known.counts.get(domain) ?? 0;
        const otherIndex = firstIndex.get(other) ?? -1;
        const otherComesFirst = otherIndex === -1 || otherIndex < index;
        if (mine > otherCount || (mine === otherCount && !otherComesFirst)) continue;
        context.report({ loc: matcher.loc, message: `'${domain}' in origin '${matcher.value}' looks like a typo of '${other}'` });
        break;
      }
    }
  },
});
