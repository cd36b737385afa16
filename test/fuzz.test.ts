import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXTENSIONS, fuzzFormat, type FuzzFormat } from '../src/engine/fuzz.js';
import { FIXTURES } from './helpers/fixtures.js';

/**
 * A seeded sample of the fuzzer (`npm run fuzz` runs 100k+ per format): 2,000 mutated fixtures per
 * format through lint(), none may crash, raise an internal-error, report outside the file, give a
 * different answer twice or produce invalid SARIF. Time-budget hits are allowed (they are the
 * guard working) but counted.
 */
const seeds: Record<FuzzFormat, string[]> = { nginx: [], js: [], ts: [], python: [], yaml: [], json: [], toml: [], headers: [] };
const walk = (dir: string) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else for (const [format, ext] of Object.entries(EXTENSIONS) as Array<[FuzzFormat, string]>) if (name.endsWith(ext) || (format === 'yaml' && name.endsWith('.yml'))) seeds[format].push(readFileSync(path, 'utf8'));
  }
};
walk(FIXTURES);

const COUNT = Number(process.env.FUZZ_SAMPLE ?? 2000);

describe('fuzz sample', () => {
  (['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml', 'headers'] as FuzzFormat[]).forEach((format, index) => {
    it(`${format}: ${COUNT} mutated inputs`, () => {
      const findings = fuzzFormat(format, { seeds, count: COUNT, seed: 1000 + index, determinismEvery: 20 }).filter((f) => f.kind !== 'time-budget');
      expect(findings.map((f) => `${f.kind} #${f.iteration}: ${f.detail.slice(0, 160)} in ${JSON.stringify(f.input.slice(0, 200))}`)).toEqual([]);
    }, 300_000);
  });
});
