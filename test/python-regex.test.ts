import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { translatePythonRegex } from '../src/model/python-regex.js';

/**
 * The translation of Python `re` patterns is checked against Python itself: the same patterns and
 * origins go through `re.match` / `re.fullmatch` in /usr/bin/python3 and through the translated
 * JavaScript regex, and every verdict must agree.
 */
const PATTERNS = [
  String.raw`https://.*\.example\.com`,
  String.raw`^https://\w+\.example\.com$`,
  String.raw`https://[a-z]+\.example\.com`,
  String.raw`^https://(app|admin)\.example\.com\Z`,
  String.raw`\Ahttps://a\.example\.com`,
  String.raw`(?i)HTTPS://APP\.EXAMPLE\.COM`,
  String.raw`https://(?P<sub>[a-z]+)\.example\.com`,
  String.raw`https://(?P<x>a)(?P=x)\.example\.com`,
  String.raw`https://*.example.com`,
  String.raw`^https://a\.example\.com|b\.example\.com$`,
  String.raw`https?://localhost(:\d+)?`,
  String.raw`[]a]+`,
  '.*',
];
const ORIGINS = [
  'https://app.example.com',
  'https://admin.example.com',
  'https://APP.EXAMPLE.COM',
  'https://app.example.com.attacker.invalid',
  'https://xexample.com',
  'https://aa.example.com',
  'https://evil.b.example.com',
  'http://localhost:3000',
  'https://b.example.com',
  'null',
  ']]a',
];

describe('Python regex translation agrees with Python re', () => {
  const script = `
import json, re, sys
patterns, origins = json.load(sys.stdin)
out = {}
for p in patterns:
    out[p] = {m: [bool(re.match(p, o)) for o in origins] for m in ("match", "fullmatch")}
    out[p]["fullmatch"] = [bool(re.fullmatch(p, o)) for o in origins]
print(json.dumps(out))
`;
  const run = spawnSync('/usr/bin/python3', ['-c', script], { input: JSON.stringify([PATTERNS, ORIGINS]), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  const truth = JSON.parse(run.stdout) as Record<string, Record<'match' | 'fullmatch', boolean[]>>;

  for (const pattern of PATTERNS) {
    for (const anchoring of ['match', 'fullmatch'] as const) {
      it(`re.${anchoring}(${JSON.stringify(pattern)})`, () => {
        const translated = translatePythonRegex(pattern, anchoring);
        expect(translated).toBeDefined();
        const regex = new RegExp(translated!.source, translated!.flags);
        expect(ORIGINS.map((origin) => regex.test(origin))).toEqual(truth[pattern][anchoring]);
      });
    }
  }

  it('verbose mode and flags in mid-pattern are not guessed', () => {
    expect(translatePythonRegex('(?x) a b', 'match')).toBeUndefined();
    expect(translatePythonRegex('a(?i:b)', 'match')).toBeUndefined();
  });
});
