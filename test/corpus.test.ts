import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';

const CORPUS = join(ROOT, '..', 'shared', 'corpus');

describe.skipIf(!existsSync(CORPUS))('real-world corpus', () => {
  it('every rule runs over ../shared/corpus without crashing, and every finding lies inside its file', () => {
    const files = readdirSync(CORPUS, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const path = join(entry.parentPath, entry.name);
        return { path: path.slice(CORPUS.length + 1), text: readFileSync(path, 'utf8') };
      });
    const { diagnostics, policies } = lint(files);
    expect(policies.length).toBeGreaterThan(5);
    expect(diagnostics.filter((d) => d.ruleId === 'internal-error')).toEqual([]);
    for (const d of diagnostics) {
      const lines = files.find((f) => f.path === d.file)!.text.split('\n');
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.endLine).toBeLessThanOrEqual(lines.length);
      expect(d.column).toBeLessThanOrEqual(lines[d.line - 1].length + 1);
      expect(d.endColumn).toBeLessThanOrEqual(lines[d.endLine - 1].length + 1);
    }
    // Spot checks of findings a reviewer agrees with.
    const found = (file: string, ruleId: string, line: number) => diagnostics.some((d) => d.file === file && d.ruleId === ruleId && d.line === line);
    expect(found('nginx/039_quantmind-cors.conf', 'credentials-reflect-any-origin', 8)).toBe(true);
    expect(found('nginx/024_marktai-cors.conf', 'credentials-wildcard-origin', 3)).toBe(true);
    expect(found('nginx/036_exosphere-uap-app.conf', 'missing-vary-origin', 36)).toBe(true);
    // $front_host is set outside the repository: its value is never judged.
    expect(diagnostics.some((d) => d.file === 'nginx/027_tonkoslovie-cors.conf' && d.ruleId.startsWith('credentials'))).toBe(false);
  });
});

describe('parsers load lazily', () => {
  it('an nginx-only run never loads the JS parser', () => {
    const cache = () => Object.keys(createRequire(import.meta.url).cache).some((key) => key.includes('@babel/parser'));
    expect(cache()).toBe(false);
    lint([{ path: 'site.conf', text: 'location / { add_header Access-Control-Allow-Origin * always; }\n' }]);
    expect(cache()).toBe(false);
    lint([{ path: 'app.js', text: "const cors = require('cors');\napp.use(cors());\n" }]);
    expect(cache()).toBe(true);
  });
});
