import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackerVariants } from '../src/model/bypass.js';
import { patternExamples, type PatternExample } from '../src/model/regex-analysis.js';
import type { OriginMatcher, PatternDialect } from '../src/model/types.js';
import { nginxBinary, send, startNginx } from './helpers/servers.js';

/**
 * The regex explorer: examples generated from a pattern's syntax tree must really match the
 * pattern in its own dialect — checked against the engines themselves (V8's RegExp on these short,
 * matching inputs; /usr/bin/python3's re.match / re.fullmatch in one batched process; a real
 * nginx's PCRE for `~` and `~*`) — and generation must be deterministic.
 */
type PatternMatcher = Extract<OriginMatcher, { kind: 'pattern' }>;
const LOC = { file: 'x', line: 1, column: 1, endLine: 1, endColumn: 2 };
const matcher = (source: string, dialect: PatternDialect, flags = ''): PatternMatcher => ({ kind: 'pattern', source, flags, dialect, loc: LOC });

/** Origin patterns as people write them, built from the pieces that defeated text heuristics. */
const SCHEME = fc.constantFrom('https', 'https?', '(http|https)', '(?:https|http)', 'http[s]?');
const LABEL = fc.constantFrom('[a-z]+', '\\w+', '[a-z0-9-]+', '[^/]+', '.*', '.+', '(app|admin)', 'shop', '[a-z]{2,5}', '(.+\\.)*shop', '([a-z]+\\.)?shop', 'www');
const DOT = fc.constantFrom('\\.', '.', '[.]');
const DOMAIN = fc.constantFrom('example\\.com', 'example\\.net', 'example.org', 'example\\.(com|org)');
const PORT = fc.constantFrom('', '(:[0-9]+)?', '(:\\d+)?', '(:[0-9]{2,5})?', ':8080', '(:\\d{4})?');
const generatedPattern = fc
  .record({ start: fc.boolean(), scheme: SCHEME, withScheme: fc.boolean(), label: LABEL, dot: DOT, domain: DOMAIN, port: PORT, end: fc.boolean(), leadingDot: fc.boolean() })
  .map(({ start, scheme, withScheme, label, dot, domain, port, end, leadingDot }) => {
    // Only patterns some origin can match: a leading `\.` is searched inside the host, `^` comes with a scheme.
    const host = leadingDot && !withScheme ? `\\.${domain}` : `${label}${dot}${domain}`;
    return `${start && withScheme ? '^' : ''}${withScheme ? `${scheme}:\\/\\/` : ''}${host}${port}${end ? '$' : ''}`;
  });
const SAMPLE = fc.sample(generatedPattern, { seed: 42, numRuns: 150 });
const FIXED = [
  '^https:\\/\\/shop\\.example\\.net(:[0-9]+)?',
  '\\.shop\\.example\\.net',
  '(.+\\.)*webshop\\.example$',
  '^(http|https):\\/\\/www\\.blog.example\\.net$',
  '^https://portal.example\\.org(:[0-9]{2,5})?$',
  '^https://.*.example.org$',
  'https://[^/]+\\.example\\.org',
  '^https://portal\\.example\\.org(:\\d+)?',
  '^https?://(localhost|127\\.0\\.0\\.1)(:\\d+)?$',
];
const PATTERNS = [...new Set([...FIXED, ...SAMPLE])];

function examplesOf(source: string, dialect: PatternDialect, flags = ''): PatternExample[] {
  return patternExamples(matcher(source, dialect, flags));
}

describe('regex explorer', () => {
  it('finds examples for every pattern people write: optional ports, leading dots, (.+\\.)*, {2,5}, classes, alternations', () => {
    const empty = PATTERNS.filter((source) => examplesOf(source, 'js-search').length === 0);
    expect(empty).toEqual([]);
    expect(examplesOf('^https:\\/\\/shop\\.example\\.net(:[0-9]+)?', 'js-search').map((e) => e.origin)).toEqual(expect.arrayContaining(['https://shop.example.net', 'https://shop.example.net:1']));
    expect(examplesOf('(.+\\.)*webshop\\.example$', 'js-search').map((e) => e.origin)).toEqual(expect.arrayContaining(['https://webshop.example', 'https://a.webshop.example']));
    expect(examplesOf('^https://(app|admin)\\.example\\.com(:[0-9]{2,5})?$', 'js-search').map((e) => e.origin)).toEqual(
      expect.arrayContaining(['https://app.example.com', 'https://admin.example.com', 'https://app.example.com:11', 'https://app.example.com:11111']),
    );
    expect(examplesOf('\\.shop\\.example\\.net', 'js-search').map((e) => e.origin)).toContain('https://x.shop.example.net');
  });

  it('marks where a lone unescaped dot landed, and the attacker variants replace exactly those', () => {
    const [example] = examplesOf('^https://www\\.blog.example\\.net$', 'js-search');
    expect(example.origin).toBe('https://www.blog.example.net');
    const variants = attackerVariants(example.origin, example);
    expect(variants.filter((v) => v.kind === 'dot').map((v) => v.origin)).toEqual(['https://www.blogxexample.net']);
    expect(variants.map((v) => v.kind)).toEqual(expect.arrayContaining(['suffix', 'prefix', 'port', 'http', 'upper', 'special', 'null']));
    expect(variants.find((v) => v.kind === 'suffix')?.origin).toBe('https://www.blog.example.net.attacker.invalid');
    expect(variants.find((v) => v.kind === 'prefix')?.origin).toBe('https://attackerexample.net');
  });

  it('is deterministic and capped', () => {
    for (const source of PATTERNS) {
      const first = examplesOf(source, 'js-search');
      // A fresh matcher object: nothing cached by identity.
      const again = patternExamples({ ...matcher(source, 'js-search') });
      expect(again).toEqual(first);
      expect(first.length).toBeLessThanOrEqual(24);
    }
    fc.assert(
      fc.property(generatedPattern, (source) => JSON.stringify(patternExamples(matcher(source, 'js-search'))) === JSON.stringify(patternExamples({ ...matcher(source, 'js-search') }))),
      { seed: 3, numRuns: 100 },
    );
  });

  it('every example matches its pattern in V8 (js-search), case-insensitive ones too', () => {
    fc.assert(
      fc.property(generatedPattern, fc.boolean(), (source, ignoreCase) => {
        const flags = ignoreCase ? 'i' : '';
        const native = new RegExp(source, flags);
        // Examples are short strings the pattern matches: safe to run on a backtracking engine.
        return examplesOf(source, 'js-search', flags).every(({ origin }) => origin.length < 80 && native.test(origin));
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it('every example matches its pattern in Python (re.match / re.fullmatch, one batched process)', () => {
    const jobs: Array<{ pattern: string; mode: 'match' | 'fullmatch'; origin: string }> = [];
    for (const source of PATTERNS) {
      for (const [dialect, mode] of [['python-match', 'match'], ['python-fullmatch', 'fullmatch']] as const) {
        for (const { origin } of examplesOf(source, dialect)) jobs.push({ pattern: source, mode, origin });
      }
    }
    expect(jobs.length).toBeGreaterThan(200);
    const script = 'import json, re, sys\njobs = json.load(sys.stdin)\nprint(json.dumps([bool(getattr(re, j["mode"])(j["pattern"], j["origin"])) for j in jobs]))\n';
    const run = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify(jobs), encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const verdicts = JSON.parse(run.stdout) as boolean[];
    expect(jobs.filter((_, index) => !verdicts[index])).toEqual([]);
  });

  const nginx = nginxBinary();
  describe.skipIf(!nginx)('every example matches its pattern in a real nginx (PCRE, ~ and ~*)', () => {
    const sample = [
      ...PATTERNS.slice(0, 30).map((source) => ({ source, flags: '' })),
      { source: '^https://(APP|Admin)\\.Example\\.com(:[0-9]+)?$', flags: 'i' },
      { source: 'SHOP\\.example\\.NET', flags: 'i' },
    ];
    let server: Awaited<ReturnType<typeof startNginx>>;
    beforeAll(async () => {
      const maps = sample.map(({ source, flags }, index) => `  map $http_origin $m${index} {\n    default 0;\n    "~${flags ? '*' : ''}${source}" 1;\n  }\n`).join('');
      const headers = sample.map((_, index) => `      add_header X-M${index} $m${index} always;\n`).join('');
      server = await startNginx((port) => `${maps}  server {\n    listen 127.0.0.1:${port};\n    location / {\n${headers}      return 200;\n    }\n  }\n`);
    }, 60_000);
    afterAll(async () => server?.stop());

    it('nginx answers 1 for each example of each pattern', async () => {
      const misses: string[] = [];
      let checked = 0;
      for (const [index, { source, flags }] of sample.entries()) {
        for (const { origin } of examplesOf(source, 'pcre-search', flags).slice(0, 6)) {
          const response = await send(server.port, '/', 'GET', { Origin: origin });
          checked++;
          const value = response.headers.find(([name]) => name.toLowerCase() === `x-m${index}`)?.[1];
          if (value !== '1') misses.push(`${source} ~ ${origin}`);
        }
      }
      expect(checked).toBeGreaterThan(40);
      expect(misses).toEqual([]);
    });
  });
});
