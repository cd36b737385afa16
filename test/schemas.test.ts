import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../src/engine/config.js';
import { configSchema } from '../src/engine/config-schema.js';
import { ruleIds } from '../src/engine/lint.js';
import { cli } from './helpers/cli.js';
import { ROOT } from './helpers/fixtures.js';

const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

describe('JSON Schemas shipped in the package', () => {
  it('are listed in package.json "files" and the config schema is current (npm run docs)', () => {
    expect(readJson('package.json').files).toContain('schemas');
    expect(readJson('schemas/cors-lint.config.schema.json'), 'run `npm run docs`').toEqual(configSchema());
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain('schemas/cors-lint.config.schema.json');
  });

  it('the config schema accepts what validateConfig accepts and rejects what it rejects', () => {
    const validate = new Ajv({ strict: true, allowUnionTypes: true }).compile(readJson('schemas/cors-lint.config.schema.json'));
    const good = [
      {},
      { $schema: './node_modules/cors-lint/schemas/cors-lint.config.schema.json', rules: { 'nginx-missing-always': 'error', 'reflect-any-origin': 'off', 'wildcard-origin': 1 }, ignores: ['legacy/**'], knownOrigins: ['https://www.example.com'] },
      { root: true, extends: './shared/cors-lint.yaml', overrides: [{ files: ['legacy/**'], excludedFiles: 'legacy/keep.conf', rules: { 'nginx-missing-always': 'warn' } }] },
      { extends: ['../base.json', './more.yml'] },
    ];
    const bad = [
      { rules: { 'no-such-rule': 'error' } },
      { rules: { 'nginx-missing-always': 'loud' } },
      { knownOrigin: [] },
      { knownOrigins: ['https://app.example.com/'] },
      { root: 'yes' },
      { extends: 'eslint-config-x' },
      { overrides: [{ rules: {} }] },
      { overrides: [{ files: [], rules: {} }] },
      { ignores: 'legacy/' },
    ];
    for (const config of good) {
      expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
      expect(() => validateConfig(config, ruleIds)).not.toThrow();
    }
    for (const config of bad) {
      expect(validate(config), JSON.stringify(config)).toBe(false);
      expect(() => validateConfig(config, ruleIds), JSON.stringify(config)).toThrow();
    }
  });

  it('real --format json output over the fixtures validates against the output schema', async () => {
    const validate = new Ajv({ strict: true }).compile(readJson('schemas/cors-lint-output.schema.json'));
    const { stdout } = await cli(['--format', 'json', 'fixtures'], ROOT);
    const output = JSON.parse(stdout);
    expect(output.length).toBeGreaterThan(20);
    expect(validate(output), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    // The schema is not vacuous: a renamed field or a wrong severity fails it.
    const broken = structuredClone(output);
    broken[0].messages[0].severity = 'warn';
    expect(validate(broken)).toBe(false);
    const renamed = structuredClone(output);
    renamed[0].messages[0].rule = renamed[0].messages[0].ruleId;
    delete renamed[0].messages[0].ruleId;
    expect(validate(renamed)).toBe(false);
  });
});
