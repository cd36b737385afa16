import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './helpers/fixtures.js';

/** The repository's own YAML (CI workflows, the Action, the pre-commit hook) must parse: GitHub and pre-commit refuse a broken file silently or late. */
function yamlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFilesUnder(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

const files = [...yamlFilesUnder(join(ROOT, '.github')), join(ROOT, 'action.yml'), join(ROOT, '.pre-commit-hooks.yaml')];

describe('repository YAML parses', () => {
  it('finds the workflow files', () => {
    expect(files.some((file) => file.endsWith('ci.yml'))).toBe(true);
  });
  for (const file of files) {
    it(relative(ROOT, file), () => {
      const documents = parseAllDocuments(readFileSync(file, 'utf8'), { uniqueKeys: true });
      const problems = (Array.isArray(documents) ? documents : [documents]).flatMap((doc) => [...doc.errors, ...doc.warnings].map((e) => e.message));
      expect(problems).toEqual([]);
    });
  }
});
