import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { lint } from '../src/index.js';
import { expectations, fixtureUnits } from './helpers/fixtures.js';

const units = fixtureUnits();

describe('fixtures carry their expectations inline', () => {
  for (const unit of units) {
    it(unit.name, () => {
      const { diagnostics } = lint(unit.files);
      const expected = unit.files.flatMap(expectations);
      const key = (d: { file: string; line: number; ruleId: string }) => `${d.file}:${d.line} ${d.ruleId}`;
      expect(diagnostics.map(key).sort()).toEqual(expected.map(key).sort());
      for (const expectation of expected.filter((e) => e.column !== undefined)) {
        const found = diagnostics.find((d) => key(d) === key(expectation));
        expect(found?.column, `${key(expectation)} column`).toBe(expectation.column);
      }
    });
  }
});

describe('every rule has fixtures', () => {
  for (const rule of rules) {
    it(`${rule.meta.id} fires somewhere and has a near miss that must not fire`, () => {
      const mine = units.filter((unit) => unit.ruleDir === rule.meta.id);
      const fires = mine.some((unit) => unit.files.flatMap(expectations).some((e) => e.ruleId === rule.meta.id));
      const nearMiss = mine.some((unit) => unit.name.includes('near-miss'));
      expect(fires, 'a fixture that fires').toBe(true);
      expect(nearMiss, 'a near-miss fixture').toBe(true);
    });
    for (const format of rule.meta.formats.filter((f) => f !== 'ts')) {
      it(`${rule.meta.id} fires on a ${format} fixture`, () => {
        const extensions = { nginx: /\.conf$/, python: /\.py$/, yaml: /\.ya?ml$/, js: /\.(c|m)?[jt]sx?$/, ts: /\.(c|m)?[jt]sx?$/, json: /\.json$/, toml: /\.toml$/, headers: /(^|\/)_headers$/ }[format];
        const fired = units.some((unit) =>
          unit.files.some((file) => extensions.test(file.path) && expectations(file).some((e) => e.ruleId === rule.meta.id)),
        );
        expect(fired).toBe(true);
      });
    }
  }
});
