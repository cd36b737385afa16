import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSegment } from '../src/engine/content-key.js';
import { lint } from '../src/engine/lint.js';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import type { PolicyMemo } from '../src/engine/policy-memo.js';
import { contentProgram } from '../src/model/content-program.js';
import type { CorsPolicy, SourceFile } from '../src/model/types.js';
import { fixtureUnits } from './helpers/fixtures.js';

/**
 * The language server keys JS/TS, Python and YAML policies by their content (engine/content-key.ts):
 * a policy an edit left as it was replays its rules' findings, moved when lines were added above it.
 * Counted by the memo's statistics, compared with a lint from scratch.
 */
const routes = Array.from({ length: 50 }, (_, i) => `app.get('/r${i}', (req, res) => res.json({ id: ${i} }));`).join('\n');
const JS = `const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com', 'http://app.example.com'], credentials: true }));\n${routes}\n`;
const YAML = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: s',
  '---',
  'apiVersion: traefik.io/v1alpha1',
  'kind: Middleware',
  'metadata:',
  '  name: cors',
  'spec:',
  '  headers:',
  '    accessControlAllowOriginList: ["https://exampel.com", "https://example.com", "http://example.com"]',
  '    accessControlAllowCredentials: true',
  '',
].join('\n');

function session(path: string) {
  const cache = new ParseCache();
  const run = (text: string) => withParseCache(cache, () => lint([{ path, text }], {}));
  return { run, stats: () => ({ ...cache.get<PolicyMemo>('policy-memo', '')!.stats }) };
}

const fromScratch = (path: string, text: string) => JSON.stringify(lint([{ path, text }], {}).diagnostics);

describe('rule findings replayed by policy content (language server)', () => {
  it('JS: an edit below app.use(cors()) runs no rule again', () => {
    const { run, stats } = session('server.js');
    run(JS);
    const before = stats();
    const edited = JS.replace("app.get('/r30'", "app.get('/r30x'");
    const result = run(edited);
    const after = stats();
    expect(after.ran).toBe(before.ran);
    expect(after.replayed).toBeGreaterThan(before.replayed);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(JSON.stringify(result.diagnostics)).toBe(fromScratch('server.js', edited));
  });

  it('YAML: a line added above the policy moves its findings without running the rules that read only the policy', () => {
    const { run, stats } = session('deploy.yaml');
    run(YAML);
    const before = stats();
    const edited = YAML.replace('  name: s\n', '  name: s\n  labels: { a: b }\n');
    const result = run(edited);
    const after = stats();
    expect(after.replayed).toBeGreaterThan(before.replayed);
    // origin-typo reads the project facts (their positions moved): it runs again; the others are moved.
    expect(after.ran - before.ran).toBeLessThan(after.replayed - before.replayed);
    expect(result.diagnostics.map((d) => d.line)).toContain(13);
    expect(JSON.stringify(result.diagnostics)).toBe(fromScratch('deploy.yaml', edited));
  });

  it('a rule that reads the project facts through an index built for another policy is run again when the facts change', () => {
    // origin-typo builds its index of known domains once per run: the second policy's run found it built.
    const first = 'apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: a\nspec:\n  headers:\n    accessControlAllowOriginList: ["https://exampel.com", "https://exampel.com"]\n';
    const { run } = session('deploy.yaml');
    run(`${first}---\n${YAML}`);
    const edited = `${first.replace('Middleware', 'Other')}---\n${YAML}`;
    expect(JSON.stringify(run(edited).diagnostics)).toBe(fromScratch('deploy.yaml', edited));
  });
});

describe('content keys', () => {
  const policy = (program?: object): CorsPolicy =>
    ({
      id: 'a#x@1:1',
      source: { file: 'a', format: 'python', framework: 'starlette', loc: { file: 'a', line: 1, column: 1, endLine: 1, endColumn: 5 } },
      scope: { kind: 'app', label: 'app' },
      origins: [{ kind: 'any', loc: { file: 'a', line: 2, column: 3, endLine: 2, endColumn: 6 } }],
      headerProgram: program,
    }) as unknown as CorsPolicy;

  it('positions are the points, not the key; the id is left out', () => {
    const a = contentSegment(policy())!;
    const moved = policy();
    moved.id = 'a#x@5:1';
    moved.source.loc = { ...moved.source.loc, line: 5, endLine: 5 };
    const b = contentSegment(moved)!;
    expect(b.key).toBe(a.key);
    expect(b.points).not.toEqual(a.points);
  });

  it('a header program nobody vouched for, or a class instance, leaves the policy without a key', () => {
    expect(contentSegment(policy({ run: () => undefined }))).toBeUndefined();
    const withMap = policy();
    (withMap as unknown as Record<string, unknown>).extra = new Map();
    expect(contentSegment(withMap)).toBeUndefined();
  });

  it("a vouched program's data is part of the key", () => {
    const run = () => undefined;
    const a = contentSegment(policy(contentProgram({ run }, [true, { file: 'a', line: 3, column: 1, endLine: 3, endColumn: 2 }])))!;
    const b = contentSegment(policy(contentProgram({ run }, [false, { file: 'a', line: 3, column: 1, endLine: 3, endColumn: 2 }])))!;
    const c = contentSegment(policy(contentProgram({ run }, [true, { file: 'a', line: 4, column: 1, endLine: 4, endColumn: 2 }])))!;
    expect(a.key).not.toBe(b.key);
    expect(c.key).toBe(a.key);
    expect(c.points).not.toEqual(a.points);
  });
});

/** Every fixture unit without nginx (the nginx memo has its own test) and every case-pack file of the other formats. */
function units(): Array<{ name: string; files: SourceFile[] }> {
  const out: Array<{ name: string; files: SourceFile[] }> = fixtureUnits()
    .filter((unit) => !unit.files.some((file) => /\.conf$|nginx/.test(file.path)))
    .map((unit) => ({ name: unit.name, files: unit.files }));
  const shared = [join(import.meta.dirname, '..', '..', 'shared'), join(import.meta.dirname, '..', '..', '..', 'shared')].find((dir) => existsSync(join(dir, 'cases')));
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
  if (shared) {
    for (const path of walk(join(shared, 'cases'))) {
      if (!/\.(m?[jt]sx?|py|ya?ml)$/.test(path) || statSync(path).size > 200_000) continue;
      out.push({ name: path, files: [{ path: path.slice(shared.length + 1), text: readFileSync(path, 'utf8') }] });
    }
  }
  return out;
}

/** Applied one after the other in one editor session: policies moved down, then some moved again and some not. */
const EDITS: Array<[string, (text: string) => string]> = [
  ['two lines added at the top', (text) => `\n\n${text}`],
  ['a blank line in the middle', (text) => {
    const lines = text.split('\n');
    lines.splice(Math.floor(lines.length / 2), 0, '');
    return lines.join('\n');
  }],
];

describe('content keys give what a lint from scratch gives, on every fixture and case of the other formats', () => {
  const all = units();
  it('finds files to check', () => expect(all.length).toBeGreaterThan(50));
  it('across runs in an editor: two lines added at the top, then a blank line in the middle', () => {
    for (const unit of all) {
      const cache = new ParseCache();
      const session = (files: SourceFile[]) => withParseCache(cache, () => lint(files)).diagnostics;
      expect(session(unit.files), unit.name).toEqual(lint(unit.files).diagnostics);
      let files = unit.files;
      for (const [edit, apply] of EDITS) {
        files = files.map((file) => ({ ...file, text: apply(file.text) }));
        expect(session(files), `${unit.name}, ${edit}`).toEqual(lint(files).diagnostics);
      }
    }
  }, 300_000);
});
