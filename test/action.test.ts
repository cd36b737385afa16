import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './helpers/fixtures.js';

/**
 * The GitHub Action run the way a runner runs it: action.yml's command (`node dist/src/action/main.js`)
 * with the environment GitHub provides: GITHUB_WORKSPACE, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY,
 * INPUT_* (hyphenated names kept), and the repository/SHA used for links.
 */
const ENTRY = join(ROOT, 'dist', 'src', 'action', 'main.js');
const require = createRequire(import.meta.url);
const validateSarif = new Ajv({ strict: false, unicodeRegExp: false }).compile(JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')));

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lint-action-'));
  mkdirSync(join(dir, 'nginx'));
  // One error (credentials with '*') and one warning (add_header without always), on lines 2 and 3.
  writeFileSync(join(dir, 'nginx', 'api.conf'), 'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true;\n    proxy_pass http://app;\n}\n');
  writeFileSync(join(dir, 'clean.conf'), 'location / {\n    root /srv;\n}\n');
  return dir;
}

function run(dir: string, inputs: Record<string, string>) {
  const output = join(dir, '.github-output');
  const summary = join(dir, '.github-summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    GITHUB_WORKSPACE: dir,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: '0123abc',
  };
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const result = spawnSync(process.execPath, [ENTRY], { cwd: tmpdir(), env, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, output: readFileSync(output, 'utf8'), summary: readFileSync(summary, 'utf8') };
}

describe('GitHub Action', () => {
  it('action.yml declares the inputs and runs the entry point this test runs', () => {
    const action = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8'));
    expect(Object.keys(action.inputs)).toEqual(['paths', 'config', 'format', 'sarif-file', 'fail-on', 'annotations']);
    expect(action.runs.using).toBe('composite');
    expect(JSON.stringify(action.runs.steps)).toContain('node \\"$GITHUB_ACTION_PATH/dist/src/action/main.js\\"');
    for (const name of Object.keys(action.inputs)) expect(action.runs.steps[1].env[`INPUT_${name.toUpperCase()}`]).toBe(`\${{ inputs.${name} }}`);
  });

  it('annotations, outputs, job summary and a valid SARIF file; fails on errors', () => {
    const dir = workspace();
    const result = run(dir, { paths: '.', 'sarif-file': 'reports/cors.sarif', 'fail-on': 'error', annotations: 'on', format: 'stylish' });
    expect(result.code).toBe(1);
    const commands = result.stdout.split('\n').filter((line) => line.startsWith('::'));
    expect(commands).toEqual([
      "::error file=nginx/api.conf,line=2,col=44,endLine=2,endColumn=45,title=cors-lint (credentials-wildcard-origin)::Access-Control-Allow-Origin '*' is sent with Access-Control-Allow-Credentials: true (a credentialed GET from https://attacker.invalid); browsers reject every credentialed request with this combination",
      "::warning file=nginx/api.conf,line=3,col=5,endLine=3,endColumn=53,title=cors-lint (nginx-missing-always)::add_header Access-Control-Allow-Credentials has no 'always': responses with status 4xx/5xx go out without it, and the browser reports a CORS error instead of the real status",
    ]);
    expect(result.stdout).toContain('nginx/api.conf\n  2:44  error');
    expect(result.output).toBe('errors=1\nwarnings=1\nsarif-file=reports/cors.sarif\n');
    const sarif = JSON.parse(readFileSync(join(dir, 'reports', 'cors.sarif'), 'utf8'));
    expect(validateSarif(sarif), JSON.stringify(validateSarif.errors)).toBe(true);
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['credentials-wildcard-origin', 'nginx-missing-always']);
    expect(result.summary).toContain('**1 error, 1 warning** in 1 of 2 files.');
    expect(result.summary).toContain('| [`credentials-wildcard-origin`](https://github.com/cors-lint/cors-lint/blob/main/docs/rules/credentials-wildcard-origin.md) | 1 |');
    expect(result.summary).toContain('| ❌ | [nginx/api.conf:2:44](https://github.com/acme/shop/blob/0123abc/nginx/api.conf#L2) | `credentials-wildcard-origin` |');
  });

  it('fail-on, annotations off, github format, paths and a bad config', () => {
    const dir = workspace();
    expect(run(dir, { 'fail-on': 'never' }).code).toBe(0);
    expect(run(dir, { 'fail-on': 'warning', paths: 'clean.conf' }).code).toBe(0);
    // Warnings alone: `fail-on: warning` fails the step, the default (`error`) does not.
    const warnDir = mkdtempSync(join(tmpdir(), 'cors-lint-action-'));
    writeFileSync(join(warnDir, 'warn.conf'), 'location /api/ {\n    add_header Access-Control-Allow-Origin "https://app.example.com";\n    add_header Vary Origin;\n}\n');
    const warned = run(warnDir, { 'fail-on': 'warning' });
    expect(warned.output).toBe('errors=0\nwarnings=1\nsarif-file=cors-lint.sarif\n');
    expect(warned.code).toBe(1);
    expect(run(warnDir, {}).code).toBe(0);
    expect(run(warnDir, { 'fail-on': 'error' }).code).toBe(0);
    // A path that does not exist fails the step instead of checking nothing.
    const missing = run(dir, { paths: 'nginx/typo.conf' });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toMatch(/^::error title=cors-lint::input 'paths': 'nginx\/typo.conf' does not exist/m);
    const quiet = run(dir, { annotations: 'off', format: 'json', 'sarif-file': 'none' });
    expect(quiet.stdout).not.toContain('::error');
    expect(JSON.parse(quiet.stdout)[0].messages).toHaveLength(2);
    expect(quiet.output).toBe('errors=1\nwarnings=1\n');
    const github = run(dir, { format: 'github' });
    expect(github.stdout.split('\n').filter((line) => line.startsWith('::'))).toHaveLength(2);
    writeFileSync(join(dir, 'cors-lint.config.json'), '{ "rules": { "no-such-rule": "error" } }');
    const bad = run(dir, {});
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/^::error title=cors-lint::.*no-such-rule/m);
    const clean = mkdtempSync(join(tmpdir(), 'cors-lint-action-'));
    writeFileSync(join(clean, 'site.conf'), 'location / { root /srv; }\n');
    expect(run(clean, {}).summary).toBe('## cors-lint\n\nNo CORS problems found in 1 file.\n');
  });
});
