import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { lint } from '../src/index.js';
import { renderRuleDoc, withRuleTable } from '../scripts/generate-docs.js';
import { ROOT } from './helpers/fixtures.js';

const SECTIONS = ['## What it does', '## Why is this bad?', '## Examples', '## Options', '## Known limitations', '## References'];

describe('rule docs and registry', () => {
  it('the registry is sorted and matches rules/, docs/rules/ and fixtures/', () => {
    const ids = rules.map((rule) => rule.meta.id);
    expect(ids).toEqual([...ids].sort());
    const files = readdirSync(join(ROOT, 'rules')).filter((f) => f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
    expect(files.sort()).toEqual(ids);
    expect(readdirSync(join(ROOT, 'docs', 'rules')).map((f) => f.replace(/\.md$/, '')).sort()).toEqual(ids);
    expect(readdirSync(join(ROOT, 'fixtures')).sort()).toEqual(ids);
  });

  for (const rule of rules) {
    it(`${rule.meta.id}: page is up to date and has every section`, () => {
      const page = readFileSync(join(ROOT, 'docs', 'rules', `${rule.meta.id}.md`), 'utf8');
      expect(page, 'run `npm run docs`').toBe(renderRuleDoc(rule));
      for (const section of SECTIONS) expect(page).toContain(section);
    });

    for (const example of rule.meta.docs.examples) {
      it(`${rule.meta.id}: the ${example.format} bad example fires and the good one does not`, () => {
        const fire = (text: string) => lint([{ path: `example/${example.filename}`, text }, ...(example.context ?? [])]).diagnostics.filter((d) => d.ruleId === rule.meta.id);
        expect(fire(example.bad).length).toBeGreaterThan(0);
        expect(fire(example.good)).toEqual([]);
      });
    }
  }

  it('the README rule table is up to date', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme, 'run `npm run docs`').toBe(withRuleTable(readme));
  });
});
