import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import type { PolicyMemo } from '../src/engine/policy-memo.js';
import { lint, type LintOptions } from '../src/engine/lint.js';
import type { SourceFile } from '../src/model/types.js';
import { fixtureUnits } from './helpers/fixtures.js';

/**
 * The policy memo (engine/policy-memo.ts) moves a policy and its findings from one place to
 * another with the same content (an identical location elsewhere, every location below a line typed
 * in the editor). Its output must be exactly what computing afresh gives: checked here on every
 * nginx file we have, each shifted, re-indented, edited and duplicated, against lint() with the
 * memo off.
 */

const ROOT = join(import.meta.dirname, '..');
const SHARED = [join(ROOT, '..', 'shared'), join(ROOT, '..', '..', 'shared')].find((dir) => existsSync(join(dir, 'cases')));

function nginxFilesUnder(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) nginxFilesUnder(path, out);
    else if (/\.conf$|nginx/i.test(name) && statSync(path).size < 200_000) out.push(path);
  }
  return out;
}

/** Units of files linted together: the fixtures (several files each), and single nginx files of the case pack and the corpus. */
function units(): Array<{ name: string; files: SourceFile[] }> {
  const out = fixtureUnits()
    .filter((unit) => unit.files.some((file) => /\.conf$/.test(file.path) || /nginx/.test(file.path)))
    .map((unit) => ({ name: unit.name, files: unit.files }));
  if (SHARED) {
    for (const path of [...nginxFilesUnder(join(SHARED, 'cases')), ...nginxFilesUnder(join(SHARED, 'corpus'))]) {
      out.push({ name: path.slice(SHARED.length + 1), files: [{ path: path.slice(SHARED.length + 1), text: readFileSync(path, 'utf8') }] });
    }
  }
  return out;
}

const fresh = (files: SourceFile[], options: LintOptions = {}) => lint(files, { ...options, policyMemo: false }).diagnostics;

/** What the language server does: each run with the same parse cache (and so the same memo). */
function editor() {
  const cache = new ParseCache();
  return {
    lint: (files: SourceFile[]) => withParseCache(cache, () => lint(files)).diagnostics,
    memo: () => cache.get<PolicyMemo>('policy-memo', '')!,
  };
}

const edits: Array<[string, (text: string) => string]> = [
  ['two lines added at the top', (text) => `# added\n\n${text}`],
  ['every line indented', (text) => text.replace(/^(?=.)/gm, '  ')],
  ['a blank line in the middle', (text) => {
    const lines = text.split('\n');
    lines.splice(Math.floor(lines.length / 2), 0, '');
    return lines.join('\n');
  }],
  ['a line break inside a directive in the middle', (text) => {
    // Tokens of one directive end up on different lines (a rule grouping by line must not be fooled).
    const at = text.indexOf(' ', text.indexOf(';', Math.floor(text.length / 2)) + 4);
    return at < 0 ? `\n${text}` : `${text.slice(0, at)}\n${text.slice(at)}`;
  }],
  ['a character typed in the middle', (text) => {
    const at = text.indexOf(';', Math.floor(text.length / 2));
    return at < 0 ? `${text} ` : `${text.slice(0, at + 1)} ${text.slice(at + 1)}`;
  }],
];

describe('the policy memo gives what computing afresh gives', () => {
  const all = units();

  it('finds nginx files to check', () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it('on every file, duplicated in one run (identical places at other positions)', () => {
    for (const unit of all) {
      const doubled = unit.files.map((file) => (/\.conf$|nginx/.test(file.path) ? { ...file, text: `${file.text}\n${file.text}` } : file));
      expect(lint(doubled).diagnostics, unit.name).toEqual(fresh(doubled));
    }
  }, 300_000);

  for (const [edit, apply] of edits) {
    it(`across runs in an editor: ${edit}`, () => {
      for (const unit of all) {
        const session = editor();
        expect(session.lint(unit.files), unit.name).toEqual(fresh(unit.files));
        const edited = unit.files.map((file) => ({ ...file, text: apply(file.text) }));
        expect(session.lint(edited), `${unit.name}, ${edit}`).toEqual(fresh(edited));
        // And back (the memo holds both versions).
        if (edit === edits[0][0]) expect(session.lint(unit.files), `${unit.name}, ${edit} undone`).toEqual(fresh(unit.files));
      }
    }, 300_000);
  }
});

const location = (path: string, origin: string) => `  location ${path} {\n    add_header Access-Control-Allow-Origin ${origin} always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n  }\n`;
const server = (locations: string) => `server {\n  server_name api.example.com;\n${locations}}\n`;

describe('the policy memo in the language server', () => {
  it('an edit of one location header changes exactly that location finding, the others are replayed', () => {
    const session = editor();
    const before = server([1, 2, 3, 4, 5].map((i) => location(`/r${i}/`, 'https://app.example.com')).join(''));
    const first = session.lint([{ path: 'api.conf', text: before }]);
    expect(first).toEqual(fresh([{ path: 'api.conf', text: before }]));
    // The third location now reflects any Origin with credentials: a finding there, and only there.
    const after = server([1, 2, 3, 4, 5].map((i) => location(`/r${i}/`, i === 3 ? '$http_origin' : 'https://app.example.com')).join(''));
    const stats = { ...session.memo().stats };
    const second = session.lint([{ path: 'api.conf', text: after }]);
    expect(second).toEqual(fresh([{ path: 'api.conf', text: after }]));
    const key = (d: { line: number; ruleId: string; message: string }) => `${d.line} ${d.ruleId} ${d.message}`;
    const added = second.map(key).filter((k) => !first.map(key).includes(k));
    const removed = first.map(key).filter((k) => !second.map(key).includes(k));
    const thirdLines = [13, 14, 15, 16, 17];
    expect(added.length).toBeGreaterThan(0);
    for (const k of [...added, ...removed]) expect(thirdLines, k).toContain(Number(k.split(' ')[0]));
    // The four unchanged locations came from the memo or were kept from the last run, their rules replayed, not run.
    const memo = session.memo().stats;
    expect(memo.moved + memo.kept - stats.moved - stats.kept).toBeGreaterThanOrEqual(4);
    // Built afresh: the edited location only (the server sends no CORS header of its own, so has no policy to key).
    expect(memo.built - stats.built).toBe(1);
    expect(memo.replayed - stats.replayed).toBeGreaterThan(memo.ran - stats.ran);
  });

  it('a location moved down by an edit above keeps its finding, at its new line', () => {
    const session = editor();
    const text = server(location('/a/', '$http_origin') + location('/b/', 'https://app.example.com'));
    const first = session.lint([{ path: 'api.conf', text }]);
    const moved = text.replace('server_name api.example.com;\n', 'server_name api.example.com;\n  # a comment\n\n');
    const second = session.lint([{ path: 'api.conf', text: moved }]);
    expect(second).toEqual(fresh([{ path: 'api.conf', text: moved }]));
    expect(second.map((d) => d.line)).toEqual(first.map((d) => d.line + 2));
  });

  it('a message naming a line of the level around a location is not replayed stale when that line moves', () => {
    // nginx-add-header-inheritance names the server's add_header line; identical locations share a key.
    const session = editor();
    const loc = (path: string) => `  location ${path} {\n    add_header X-Frame-Options DENY;\n  }\n`;
    const text = `server {\n  add_header Access-Control-Allow-Origin https://app.example.com always;\n${loc('/a/')}${loc('/b/')}}\n`;
    session.lint([{ path: 'api.conf', text }]);
    const moved = `# top\n${text}`;
    const second = session.lint([{ path: 'api.conf', text: moved }]);
    expect(second).toEqual(fresh([{ path: 'api.conf', text: moved }]));
    expect(second.filter((d) => d.ruleId === 'nginx-add-header-inheritance').map((d) => d.message.match(/line (\d+)/)?.[1])).toEqual(['3', '3']);
  });

  it('identical locations with different paths each name their own path', () => {
    const session = editor();
    const loc = (path: string) => `  location ${path} {\n    add_header X-Frame-Options DENY;\n  }\n`;
    const text = `server {\n  add_header Access-Control-Allow-Origin https://app.example.com always;\n${loc('/a/')}${loc('/b/')}}\n`;
    const found = session.lint([{ path: 'api.conf', text }]).filter((d) => d.ruleId === 'nginx-add-header-inheritance');
    expect(found.map((d) => /location (\/\w\/)/.exec(d.message)?.[1])).toEqual(['/a/', '/b/']);
    const renamed = text.replace('location /b/', 'location /c/');
    const again = session.lint([{ path: 'api.conf', text: renamed }]).filter((d) => d.ruleId === 'nginx-add-header-inheritance');
    expect(again.map((d) => /location (\/\w\/)/.exec(d.message)?.[1])).toEqual(['/a/', '/c/']);
  });

  it('a change to a map a location reads is seen by every location (the file level is in the key)', () => {
    const session = editor();
    const map = (origin: string) => `map $http_origin $cors {\n  default "";\n  ${origin} $http_origin;\n}\n`;
    const loc = (path: string) => `  location ${path} {\n    add_header Access-Control-Allow-Origin $cors always;\n    add_header Access-Control-Allow-Credentials true always;\n    add_header Vary Origin always;\n  }\n`;
    const text = (origin: string) => `http {\n${map(origin)}server {\n  server_name api.example.com;\n${loc('/a/')}${loc('/b/')}}\n}\n`;
    const good = session.lint([{ path: 'nginx.conf', text: text('https://app.example.com') }]);
    expect(good).toEqual(fresh([{ path: 'nginx.conf', text: text('https://app.example.com') }]));
    const bad = session.lint([{ path: 'nginx.conf', text: text('http://app.example.com') }]);
    expect(bad).toEqual(fresh([{ path: 'nginx.conf', text: text('http://app.example.com') }]));
    expect(bad).not.toEqual(good);
  });

  it('a line typed above every location moves the findings of the rules that read the project facts, without running them again', () => {
    // origin-typo and origin-www-mismatch read the project facts (every origin written, every host
    // served), which hold positions: a line typed above moves them all, but neither rule reads them.
    const session = editor();
    const locs = [1, 2, 3, 4, 5, 6].map((i) => location(`/r${i}/`, i % 2 ? 'https://app.exmaple.com' : 'https://app.example.com')).join('');
    const text = `server {\n  server_name example.com;\n${locs}}\n`;
    const first = session.lint([{ path: 'api.conf', text }]);
    expect(first.filter((d) => d.ruleId === 'origin-typo')).toHaveLength(3);
    const moved = text.replace('server_name example.com;\n', 'server_name example.com;\n\n  # typed\n');
    const stats = { ...session.memo().stats };
    const second = session.lint([{ path: 'api.conf', text: moved }]);
    expect(second).toEqual(fresh([{ path: 'api.conf', text: moved }]));
    expect(second.map((d) => `${d.line - 2} ${d.ruleId}`)).toEqual(first.map((d) => `${d.line} ${d.ruleId}`));
    expect(session.memo().stats.ran - stats.ran).toBe(0);
  });

  it('a finding that names where a project fact is written is made again when that fact moves', () => {
    // origin-www-mismatch names the line of the server_name that serves the twin host.
    const session = editor();
    const locs = [1, 2].map((i) => location(`/r${i}/`, 'https://example.com')).join('');
    const text = (extra: string) => `server {\n${locs}}\n${extra}server {\n  server_name www.example.com;\n}\n`;
    const first = session.lint([{ path: 'api.conf', text: text('') }]);
    expect(first.filter((d) => d.ruleId === 'origin-www-mismatch').map((d) => /api.conf:(\d+)/.exec(d.message)?.[1])).toEqual(['14', '14']);
    // The locations stay where they are; the server_name moves down two lines.
    const second = session.lint([{ path: 'api.conf', text: text('# a\n# b\n') }]);
    expect(second).toEqual(fresh([{ path: 'api.conf', text: text('# a\n# b\n') }]));
    expect(second.filter((d) => d.ruleId === 'origin-www-mismatch').map((d) => /api.conf:(\d+)/.exec(d.message)?.[1])).toEqual(['16', '16']);
  });

  it('a rule that keeps what it derived from the facts (origin-typo) still sees a change of them elsewhere', () => {
    // origin-typo indexes the known domains once per run, by the facts it gets: a location replayed
    // in the next run must not keep a finding (or its absence) that the other location's change decides.
    const session = editor();
    const text = (a: string) => server(location('/a/', a) + location('/b/', 'https://app.exmaple.com'));
    session.lint([{ path: 'api.conf', text: text('https://app.foo.com') }]);
    const after = session.lint([{ path: 'api.conf', text: text('https://app.example.com') }]);
    expect(after).toEqual(fresh([{ path: 'api.conf', text: text('https://app.example.com') }]));
    expect(after.some((d) => d.ruleId === 'origin-typo' && /exmaple/.test(d.message))).toBe(true);
  });
});
