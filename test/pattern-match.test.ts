import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileEngine, compileLinear, compilePrepared, matchOrigin, MAX_PATTERN_LENGTH, prepare } from '../src/model/pattern-match.js';
import type { PatternDialect } from '../src/model/types.js';
import type { OriginMatcher } from '../src/model/types.js';
import { project } from './helpers/cli.js';

const ROOT = join(import.meta.dirname, '..');
const LOC = { file: 'x', line: 1, column: 1, endLine: 1, endColumn: 2 };
const pattern = (source: string, dialect: Extract<OriginMatcher, { kind: 'pattern' }>['dialect'] = 'js-search', flags = ''): Extract<OriginMatcher, { kind: 'pattern' }> => ({ kind: 'pattern', source, flags, dialect, loc: LOC });

/** Runs the built CLI in a child process, so that a hang ends in a kill instead of a frozen test worker. */
function lintInChild(dir: string, timeout: number) {
  return spawnSync(process.execPath, [join(ROOT, 'dist/src/cli/bin.js'), '--format', 'json', '.'], { cwd: dir, encoding: 'utf8', timeout });
}

/** CPU time of `work` in this process, in ms: wall time flakes on a loaded machine, CPU time does not. */
function cpuMs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

describe('scanned patterns never run on a backtracking engine', () => {
  it('an exponential origin regex is linted in well under a second of matching (ReDoS guard)', () => {
    // `(a|a)*` before a failing character takes 2^n steps on V8: with 34 a's, hours. The guard is
    // the linear matcher; without it this child is killed at the (generous: hours vs minutes) timeout and the test fails.
    const dir = project({
      'server.js': `const cors = require('cors');\nmodule.exports = cors({\n  origin: [\n    'https://${'a'.repeat(34)}.example.com',\n    /^https:\\/\\/(a|a)*\\.example\\.com$/,\n    /^https:\\/\\/(\\w+\\.?)+\\.example\\.org$/,\n  ],\n  credentials: true,\n});\n`,
      'nginx.conf': `map $http_origin $cors {\n    default "";\n    "~^https://(a+)+\\.example\\.net$" $http_origin;\n}\nserver {\n    location / {\n        if ($http_origin ~* "^https://([a-z]*)*\\.example\\.com$") {\n            add_header Access-Control-Allow-Origin $http_origin always;\n        }\n        add_header Access-Control-Allow-Origin $cors always;\n    }\n}\n`,
    });
    const run = lintInChild(dir, 300_000);
    expect(run.signal).toBeNull();
    expect(run.status).not.toBe(2);
  }, 330_000);

  it('answers adversarial subjects in linear time', () => {
    const nasty = compileLinear('^https:\\/\\/(a|a)*\\.example\\.com$', '', 'js-search')!;
    // 26 a's: 2^26 steps (about a second of CPU) on a backtracking engine, microseconds on a linear one. Small
    // enough that a backtracking matcher fails this test instead of freezing the worker.
    expect(cpuMs(() => expect(nasty.test(`https://${'a'.repeat(26)}!.example.com`)).toBe(false))).toBeLessThan(100);
    expect(
      cpuMs(() => {
        expect(nasty.test(`https://${'a'.repeat(10_000)}!.example.com`)).toBe(false);
        expect(nasty.test(`https://${'a'.repeat(50)}.example.com`)).toBe(true);
      }),
    ).toBeLessThan(2_000);
  });

  it('what RE2 cannot run is unknown, never a guess', () => {
    expect(matchOrigin(pattern('^https://(?!evil)[a-z]+\\.example\\.com$'), 'https://a.example.com')).toBe('unknown');
    expect(matchOrigin(pattern('^https://(?<=x)a$'), 'https://a')).toBe('unknown');
    expect(matchOrigin(pattern('^https://(a)\\1\\.example\\.com$'), 'https://aa.example.com')).toBe('unknown');
    expect(matchOrigin(pattern('^https://(?P<x>a)(?P=x)$', 'python-match'), 'https://aa')).toBe('unknown');
    expect(matchOrigin(pattern('a{2000}'), 'a')).toBe('unknown');
  });

  it('a 60 KB origin regex is bounded: unknown, quickly', () => {
    const huge = `^https://(${Array.from({ length: 4000 }, (_, i) => `host${i}\\.example\\.com`).join('|')})$`;
    expect(huge.length).toBeGreaterThan(MAX_PATTERN_LENGTH);
    const used = cpuMs(() => {
      expect(matchOrigin(pattern(huge), 'https://host1.example.com')).toBe('unknown');
      expect(matchOrigin(pattern(`${'('.repeat(5000)}a${')'.repeat(5000)}`), 'a')).toBe('unknown');
    });
    expect(used).toBeLessThan(1_000);
  });

  it('dialects: Python match/fullmatch, RE2 full, PCRE inline flags and \\A \\z, nginx ~*', () => {
    expect(matchOrigin(pattern('^https://a\\.example\\.org', 'python-match'), 'https://a.example.org.attacker.invalid')).toBe(true);
    expect(matchOrigin(pattern('https://a\\.example\\.org', 'python-match'), 'xhttps://a.example.org')).toBe(false);
    expect(matchOrigin(pattern('https://a\\.example\\.org', 'python-fullmatch'), 'https://a.example.org.attacker.invalid')).toBe(false);
    expect(matchOrigin(pattern('https://a\\.example\\.org|https://b\\.example\\.org', 'python-fullmatch'), 'https://b.example.org')).toBe(true);
    expect(matchOrigin(pattern('https://.*\\.example\\.org', 're2-full'), 'https://x.example.org.attacker.invalid')).toBe(false);
    expect(matchOrigin(pattern('https://.*\\.example\\.org', 're2-search'), 'https://x.example.org.attacker.invalid')).toBe(true);
    expect(matchOrigin(pattern('(?i)^HTTPS://A\\.EXAMPLE\\.ORG\\z', 'pcre-search'), 'https://a.example.org')).toBe(true);
    expect(matchOrigin(pattern('\\Ahttps://a\\.example\\.org\\z', 'pcre-search'), 'https://a.example.org.x')).toBe(false);
    expect(matchOrigin(pattern('^https://A\\.example\\.org$', 'pcre-search', 'i'), 'https://a.EXAMPLE.org')).toBe(true);
    expect(matchOrigin(pattern('^https://A\\.example\\.org$', 'pcre-search'), 'https://a.example.org')).toBe(false);
  });

  it('agrees with JavaScript RegExp on origin patterns that are safe to run there', () => {
    const sources = [
      '^https:\\/\\/shop\\.example\\.net(:[0-9]+)?',
      '\\.shop\\.example\\.net',
      '(.+\\.)*webshop\\.example$',
      '^(http|https):\\/\\/www\\.blog.example\\.net$',
      '^https://[^/]+\\.example\\.org',
      '^https?://([a-z0-9-]+\\.)?example\\.(com|org)(:\\d{2,5})?$',
      '^https://[\\w.-]+\\.example\\.com$',
      '[]|^[^]x',
      '^https://a\\.example\\.com\\b',
      '^HTTPS://A',
    ];
    const origin = fc.stringMatching(/^(https?:\/\/)?[a-zA-Z0-9.:_/-]{0,30}$/);
    for (const source of sources) {
      for (const flags of ['', 'i']) {
        const linear = compileLinear(source, flags, 'js-search')!;
        expect(linear).not.toBeNull();
        const native = new RegExp(source, flags);
        fc.assert(fc.property(origin, (subject) => linear.test(subject) === native.test(subject)), { seed: 7, numRuns: 300 });
        for (const subject of ['https://shop.example.net:8080', 'https://x.shop.example.net.attacker.invalid', 'https://webshop.example', 'http://www.blogxexample.net', 'https://a.example.org', 'https://app.example.com:443']) {
          expect(linear.test(subject)).toBe(native.test(subject));
        }
      }
    }
  });
});

describe('a pattern that is one ASCII literal is tested without the regex engine, with the same answers', () => {
  it('agrees with re2js in every dialect, with and without i, on ASCII and folded non-ASCII inputs', () => {
    const patterns = ['^(https://app\\.example\\.com)$', 'https://kiwi\\.example\\.com', '^https://kiwi\\.', '\\.example\\.com$', '(?:https)(://)Kiwi', '^$', '', '^(?:a(b))c$'];
    const inputs = ['https://app.example.com', 'HTTPS://APP.EXAMPLE.COM', 'https://app.example.com\n', 'xhttps://app.example.com', 'https://app.example.com.evil', 'https://kiwi.example.com', 'https://\u212Aiwi.example.com', 'http\u017F://kiwi.example.com', 'https://KIWI.example.com:8443', '', 'abc', 'ABC', 'xabcx'];
    const dialects: PatternDialect[] = ['js-search', 'pcre-search', 're2-search', 'python-match', 'python-fullmatch', 're2-full'];
    let compared = 0;
    for (const source of patterns) {
      for (const flags of ['', 'i']) {
        for (const dialect of dialects) {
          const prepared = prepare(source, flags, dialect);
          expect(prepared, `${source} ${dialect}`).not.toBeNull();
          const shortcut = compilePrepared(prepared!)!;
          const engine = compileEngine(prepared!)!;
          for (const input of inputs) {
            expect({ source, flags, dialect, input, test: shortcut.test(input) }).toEqual({ source, flags, dialect, input, test: engine.test(input) });
            expect(JSON.stringify(shortcut.exec(input))).toBe(JSON.stringify(engine.exec(input)));
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(patterns.length * 2 * dialects.length * inputs.length);
  });
});

describe('a pattern with required literals skips the regex engine on inputs missing one, with the same answers', () => {
  it('agrees with re2js in every dialect, with and without i, on ASCII and folded non-ASCII inputs', () => {
    const patterns = [
      '^https?://([a-z0-9-]+\\.)*app\\.example\\.com(:[0-9]+)?$',
      'a17.example.com',
      '^https://(www\\.)?kiwi\\.example\\.(com|org)$',
      '(?:https)://[a-z]+\\.Kiwi\\.example',
      '^(https://(app)\\.example\\.com)[/]?$',
      'ab\\bcd',
      'ex(?=a)ample',
      '^https://[^.]+\\.sk\\.example$',
    ];
    const inputs = ['https://app.example.com', 'HTTPS://X.APP.EXAMPLE.COM:8443', 'http://a.b.app.example.com', 'https://app.example.co', 'https://a17.example.com', 'https://a17xexamplexcom', 'https://www.kiwi.example.org', 'https://\u212Aiwi.example.com', 'https://www.\u212Aiwi.example.com', 'https://x.\u212Aiwi.example', 'https://x.kiwi.example', 'https://q.\u017Fk.example', 'https://q.sk.example', 'ab cd', 'abcd', 'example', 'exaample', ''];
    const dialects: PatternDialect[] = ['js-search', 'pcre-search', 're2-search', 'python-match', 'python-fullmatch', 're2-full'];
    let compared = 0;
    for (const source of patterns) {
      for (const flags of ['', 'i']) {
        for (const dialect of dialects) {
          const prepared = prepare(source, flags, dialect);
          if (!prepared) continue;
          const filtered = compilePrepared(prepared);
          const engine = compileEngine(prepared);
          // What RE2 cannot run (a lookahead) stays unknown.
          if (!engine || !filtered) {
            expect(filtered).toBe(engine);
            continue;
          }
          for (const input of inputs) {
            expect({ source, flags, dialect, input, test: filtered.test(input) }).toEqual({ source, flags, dialect, input, test: engine.test(input) });
            expect(JSON.stringify(filtered.exec(input))).toBe(JSON.stringify(engine.exec(input)));
            compared++;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan((patterns.length - 1) * 2 * 4 * inputs.length);
  });
});
