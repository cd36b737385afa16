import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { fixableRuleIds, fixedPattern } from '../src/engine/fix.js';
import { fixAll } from '../src/engine/fix-loop.js';
import { lint } from '../src/engine/lint.js';
import { codeActions } from '../src/lsp/fixes.js';
import type { Diagnostic } from '../src/model/types.js';
import { cli, project } from './helpers/cli.js';
import { ROOT } from './helpers/fixtures.js';
import { nginxBinary } from './helpers/servers.js';

/**
 * One case per fixable rule and format: the input (a fixture, or test/fix-inputs/), and the text
 * expected after the fix in test/fix-expected/<rule>/<file>. The CLI (--fix) and the language
 * server's quick fixes must both produce exactly that text.
 */
const CASES: Array<[rule: string, input: string]> = [
  ['nginx-missing-always', 'fixtures/nginx-missing-always/proxied-location.conf'],
  ['nginx-missing-always', 'fixtures/nginx-missing-always/ingress-snippet.yaml'],
  ['missing-vary-origin', 'fixtures/missing-vary-origin/nginx-map.conf'],
  ['missing-vary-origin', 'fixtures/missing-vary-origin/nginx-if-origin.conf'],
  ['missing-vary-origin', 'test/fix-inputs/missing-vary-origin/express-hand-set.js'],
  ['missing-vary-origin', 'test/fix-inputs/missing-vary-origin/flask-hand-set.py'],
  ['origin-not-serialized', 'fixtures/origin-not-serialized/nginx-trailing-slash.conf'],
  ['origin-not-serialized', 'fixtures/origin-not-serialized/express-list.js'],
  ['origin-not-serialized', 'fixtures/origin-not-serialized/cfn-http-api-json/template.json'],
  ['origin-regex-unanchored', 'fixtures/origin-regex-unanchored/express-no-anchors.js'],
  ['origin-regex-unanchored', 'fixtures/origin-regex-unanchored/nginx-map-regex.conf'],
  ['origin-regex-unanchored', 'fixtures/origin-regex-unanchored/django-re-match.py'],
  ['origin-regex-unanchored', 'fixtures/origin-regex-unanchored/traefik-regex.yaml'],
  ['origin-regex-unescaped-dot', 'fixtures/origin-regex-unescaped-dot/express-dot.js'],
  ['origin-regex-unescaped-dot', 'fixtures/origin-regex-unescaped-dot/starlette-dot.py'],
  ['origin-regex-unescaped-dot', 'fixtures/origin-regex-unescaped-dot/nginx-map-dot.conf'],
  ['origin-regex-unescaped-dot', 'fixtures/origin-regex-unescaped-dot/istio-dot.yaml'],
];

const expectedText = (rule: string, input: string) => readFileSync(join(ROOT, 'test', 'fix-expected', rule, basename(input)), 'utf8');
const nginx = nginxBinary();

/** nginx -t on a fixed file, wrapped the way a site config sits in nginx.conf. */
function nginxAccepts(text: string): { ok: boolean; stderr: string } {
  const prefix = mkdtempSync(join(tmpdir(), 'cors-lint-fix-nginx-'));
  const site = /^location\s/m.test(text) ? `server {\n listen 127.0.0.1:8080;\n${text}\n}\n` : text;
  writeFileSync(join(prefix, 'nginx.conf'), `pid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nevents {}\nhttp {\n  access_log off;\n  upstream app { server 127.0.0.1:9; }\n${site}\n}\n`);
  const run = spawnSync(nginx!, ['-t', '-q', '-p', prefix, '-c', join(prefix, 'nginx.conf')], { encoding: 'utf8' });
  return { ok: run.status === 0, stderr: run.stderr };
}

describe('fixes', () => {
  it('every rule with a fixer says fixable in its meta, and has a case here', () => {
    expect(rules.filter((rule) => rule.meta.fixable).map((rule) => rule.meta.id).sort()).toEqual([...fixableRuleIds].sort());
    expect(new Set(CASES.map(([rule]) => rule))).toEqual(fixableRuleIds);
  });

  for (const [rule, input] of CASES) {
    it(`--fix on ${input} gives the expected text, and the finding is gone`, async () => {
      const dir = project({});
      copyFileSync(join(ROOT, input), join(dir, basename(input)));
      const before = await cli(['-f', 'json', basename(input)], dir);
      const findings = (JSON.parse(before.stdout)[0].messages as Array<{ ruleId: string; message: string; fix?: unknown }>).filter((m) => m.ruleId === rule);
      expect(findings.some((m) => m.fix)).toBe(true);
      const fixed = await cli(['--fix', '-f', 'json', basename(input)], dir);
      expect(fixed.stderr).not.toContain('not applied');
      const text = readFileSync(join(dir, basename(input)), 'utf8');
      expect(text).toBe(expectedText(rule, input));
      const after = JSON.parse((await cli(['-f', 'json', basename(input)], dir)).stdout) as Array<{ messages: Array<{ ruleId: string }> }>;
      // Only the findings without a certain fix remain ('shop.example.com' has no scheme to guess).
      expect(after.flatMap((file) => file.messages).filter((m) => m.ruleId === rule).length).toBe(findings.filter((m) => !m.fix).length);
      // What --fix reported is the lint of the fixed file.
      expect(JSON.parse(fixed.stdout)).toEqual(after);
      // JSON has no comments and strict quoting: the fixed template must still be JSON.
      if (input.endsWith('.json')) expect(() => JSON.parse(text)).not.toThrow();
      if (input.endsWith('.conf') && nginx) {
        const check = nginxAccepts(text);
        expect(check.ok, check.stderr).toBe(true);
      }
    });

    it(`the language server's quick fixes on ${input} give the same text`, () => {
      const text = readFileSync(join(ROOT, input), 'utf8');
      const path = basename(input);
      const document = TextDocument.create(`file:///w/${path}`, 'plaintext', 1, text);
      const { diagnostics } = lint([{ path, text }]);
      const lspDiagnostics = diagnostics.map((d) => ({ range: { start: { line: d.line - 1, character: d.column - 1 }, end: { line: d.endLine - 1, character: d.endColumn - 1 } }, code: d.ruleId, source: 'cors-lint', message: d.message }));
      const edits = codeActions(document, path, lspDiagnostics)
        .filter((action) => action.isPreferred)
        .flatMap((action) => action.edit!.changes![document.uri]);
      const unique = [...new Map(edits.map((edit) => [JSON.stringify(edit), edit])).values()];
      expect(TextDocument.applyEdits(document, unique)).toBe(expectedText(rule, input));
    });
  }

  it('--fix-dry-run prints a unified diff that patch(1) applies to give the --fix result; nothing is written', async () => {
    const dir = project({});
    for (const [, input] of CASES) copyFileSync(join(ROOT, input), join(dir, basename(input)));
    const before = Object.fromEntries(readdirSync(dir).map((file) => [file, readFileSync(join(dir, file), 'utf8')]));
    const dry = await cli(['--fix-dry-run'], dir);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('--- a/nginx-map.conf\n+++ b/nginx-map.conf\n@@ -7,6 +7,7 @@\n');
    expect(Object.fromEntries(readdirSync(dir).map((file) => [file, readFileSync(join(dir, file), 'utf8')]))).toEqual(before);
    const patch = spawnSync('patch', ['-p1', '--quiet'], { cwd: dir, input: dry.stdout, encoding: 'utf8' });
    expect(patch.status, patch.stderr + patch.stdout).toBe(0);
    for (const [rule, input] of CASES) expect(readFileSync(join(dir, basename(input)), 'utf8'), input).toBe(expectedText(rule, input));
    expect((await cli(['--fix-dry-run'], dir)).stdout).toBe('');
  });

  it('--fix on a read-only file: a clear message, exit 2, no file changed', async () => {
    const dir = project({});
    copyFileSync(join(ROOT, CASES[0][1]), join(dir, 'a.conf'));
    copyFileSync(join(ROOT, CASES[2][1]), join(dir, 'b.conf'));
    chmodSync(join(dir, 'b.conf'), 0o444);
    const before = [readFileSync(join(dir, 'a.conf'), 'utf8'), readFileSync(join(dir, 'b.conf'), 'utf8')];
    const result = await cli(['--fix'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--fix cannot write b.conf (read-only); no file was changed');
    expect([readFileSync(join(dir, 'a.conf'), 'utf8'), readFileSync(join(dir, 'b.conf'), 'utf8')]).toEqual(before);
    chmodSync(join(dir, 'b.conf'), 0o644);
  });

  it('bad combinations: --fix with --fix-dry-run or with --stdin', async () => {
    const dir = project({ 'a.conf': 'add_header Access-Control-Allow-Origin https://a.example.com;\n' });
    expect((await cli(['--fix', '--fix-dry-run'], dir)).code).toBe(2);
    expect((await cli(['--fix', '--stdin', '--stdin-filename', 'a.conf'], dir)).stderr).toContain('--fix-dry-run');
  });

  it('a fix whose finding stays, or that makes a new finding, is rolled back; the others are kept', () => {
    const texts = new Map([['a.conf', 'one two three\n']]);
    const finding = (message: string, range: [number, number], text: string): Diagnostic => ({ ruleId: 'nginx-missing-always', severity: 'warning', message, file: 'a.conf', line: 1, column: range[0] + 1, endLine: 1, endColumn: range[1] + 1, fix: { range, text } });
    const before = [finding('one', [0, 3], 'ONE'), finding('two', [4, 7], 'TWO'), finding('three', [8, 13], 'THREE')];
    // A stand-in linter: a lower-case word is a finding; 'TWO' makes a new one of another rule.
    const relint = (current: Map<string, string>): Diagnostic[] => {
      const text = current.get('a.conf')!;
      const out = before.filter((d) => text.includes(d.message));
      if (text.includes('TWO')) out.push({ ...before[1], ruleId: 'parse-error', message: 'new', fix: undefined });
      if (text.includes('THREE')) out.push({ ...before[2], fix: undefined });
      return out;
    };
    const outcome = fixAll(texts, before, relint);
    expect(outcome.texts.get('a.conf')).toBe('ONE two three\n');
    expect(outcome.fixed.map((d) => d.message)).toEqual(['one']);
    expect(outcome.rolledBack.map((r) => [r.diagnostic.message, r.reason])).toEqual([
      ['two', 'the fix makes a new finding: a.conf:1:5 parse-error'],
      ['three', 'the finding is still there after the fix'],
    ]);
  });

  it('regex fixes follow the dialect: ^…$ for searching dialects, a group for alternations, nothing for full-match ones', () => {
    expect(fixedPattern('https://app.example.com', '', 'js-search')).toBe('^https://app\\.example\\.com$');
    expect(fixedPattern('https://a\\.example\\.com|https://b\\.example\\.com', '', 'pcre-search')).toBe('^(?:https://a\\.example\\.com|https://b\\.example\\.com)$');
    expect(fixedPattern('^https://a\\.example\\.com|https://b\\.example\\.com', '', 'pcre-search')).toBeUndefined();
    expect(fixedPattern('^https://\\w+\\.example\\.com', '', 'python-match')).toBe('^https://\\w+\\.example\\.com$');
    expect(fixedPattern('https://app.example\\.com', '', 'python-fullmatch')).toBe('https://app\\.example\\.com');
    expect(fixedPattern('https://.*\\.example\\.com', '', 're2-full')).toBeUndefined();
    expect(fixedPattern('^https://[a-z.]+\\.example\\.com$', '', 'js-search')).toBeUndefined();
  });
});
