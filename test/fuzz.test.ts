import { describe, expect, it } from 'vitest';
import { fuzzFormat, type FuzzFormat } from '../src/engine/fuzz.js';
import { fixtureSeeds } from '../scripts/fuzz-seeds.js';
import { FIXTURES } from './helpers/fixtures.js';

/**
 * A seeded sample of the fuzzer (`npm run fuzz` runs 100k+ per format): 2,000 mutated fixtures per
 * format through lint(), none may crash, raise an internal-error, report outside the file, give a
 * different answer twice or produce invalid SARIF. Time-budget hits are allowed (they are the
 * guard working) but counted.
 */
const seeds = fixtureSeeds(FIXTURES);

const COUNT = Number(process.env.FUZZ_SAMPLE ?? 2000);

describe('fuzz sample', () => {
  (['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml', 'headers'] as FuzzFormat[]).forEach((format, index) => {
    it(`${format}: ${COUNT} mutated inputs`, () => {
      const findings = fuzzFormat(format, { seeds, count: COUNT, seed: 1000 + index, determinismEvery: 20 }).filter((f) => f.kind !== 'time-budget');
      expect(findings.map((f) => `${f.kind} #${f.iteration}: ${f.detail.slice(0, 160)} in ${JSON.stringify(f.input.slice(0, 200))}`)).toEqual([]);
    }, 300_000);
  });
});
