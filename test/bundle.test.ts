import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { ROOT } from './helpers/fixtures.js';

/**
 * The published command is the esbuild bundle (dist/cli/bin.js, built by `npm run build`); the
 * tests exercise the sources. The two must not drift: same JSON on every fixture, same version,
 * same exit code.
 */
const BUNDLE = join(ROOT, 'dist', 'cli', 'bin.js');

describe('the bundled CLI', () => {
  it('is what package.json publishes as the cors-lint command', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(join(ROOT, pkg.bin['cors-lint'])).toBe(BUNDLE);
  });

  it("carries the build's verdict of the Python string tokenizer's self-check: a Python run does not parse its samples again", async () => {
    // The self-check passes on the Lezer installed here (test/robustness.test.ts), so the bundles say so.
    const { linearStrings, linearStringsActive } = await import('../src/extract/python/linear-strings.js');
    const { parser } = createRequire(import.meta.url)('@lezer/python') as typeof import('@lezer/python');
    linearStrings(parser, false);
    expect(linearStringsActive()).toBe(true);
    for (const bundle of ['run', 'lsp', 'worker']) expect(readFileSync(join(ROOT, 'dist', 'cli', `${bundle}.cjs`), 'utf8')).toContain('CHECKED_AT_BUILD = true;');
  });

  it('prints byte-identical JSON to the unbundled CLI on every fixture, with the same exit code', async () => {
    const bundled = spawnSync(process.execPath, [BUNDLE, '--format', 'json', 'fixtures'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const source = await cli(['--format', 'json', 'fixtures'], ROOT);
    expect(bundled.stderr).toBe(source.stderr);
    expect(bundled.status).toBe(source.code);
    expect(JSON.parse(bundled.stdout).length).toBeGreaterThan(100);
    expect(bundled.stdout).toBe(source.stdout);
  }, 120_000);

  it('ends with its exit code and no stack trace when the reader of its output goes away (`cors-lint . | head -c 1`)', () => {
    // head exits after the first byte; the rest of the report then fails with EPIPE.
    const run = spawnSync('bash', ['-c', `"${process.execPath}" "${BUNDLE}" --format json fixtures | head -c 1 >/dev/null; exit \${PIPESTATUS[0]}`], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
  }, 120_000);

  it('answers --version without loading the linter', () => {
    // A copy of the bundle without the linter (run.cjs) and its loader still answers.
    const copy = mkdtempSync(join(tmpdir(), 'cors-lint-bundle-'));
    cpSync(join(ROOT, 'dist', 'cli'), copy, { recursive: true });
    rmSync(join(copy, 'run.cjs'));
    rmSync(join(copy, 'loader.cjs'));
    const run = spawnSync(process.execPath, [join(copy, 'bin.js'), '--version'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    // ... and a lint run needs them.
    expect(spawnSync(process.execPath, [join(copy, 'bin.js'), '--list-rules'], { encoding: 'utf8' }).status).not.toBe(0);
    rmSync(copy, { recursive: true, force: true });
  });

  it('is ASCII in every file: V8 keeps it as a one-byte string, and the loader reads it as latin1', () => {
    const files = readdirSync(join(ROOT, 'dist', 'cli')).filter((name) => /\.c?js$/.test(name));
    expect(files).toContain('run.cjs');
    for (const name of files) expect({ name, ascii: /^[\0-\x7f]*$/.test(readFileSync(join(ROOT, 'dist', 'cli', name), 'utf8')) }).toEqual({ name, ascii: true });
  });

  it('a one-file run loads no Node built-in after it raises the interrupt budget (Node caches built-ins under the default flags only)', () => {
    // A preload wraps v8.setFlagsFromString and records the built-ins loaded after it: each was compiled from its source.
    const dir = mkdtempSync(join(tmpdir(), 'cors-lint-bundle-'));
    const preload = join(dir, 'record.cjs');
    writeFileSync(
      preload,
      `const v8 = require('node:v8'); const set = v8.setFlagsFromString; let from;
v8.setFlagsFromString = (flags) => { from ??= process.moduleLoadList.length; return set(flags); };
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'after.json'))}, JSON.stringify(from === undefined ? null : process.moduleLoadList.slice(from).filter((m) => m.startsWith('NativeModule ')))));\n`,
    );
    // Outside a repository: a one-file nginx run in one asks git for its includers (child_process) until its listing is cached.
    const project = join(dir, 'project');
    cpSync(join(ROOT, 'fixtures', 'nginx-missing-always', 'proxied-location.conf'), join(project, 'site.conf'));
    cpSync(join(ROOT, 'fixtures', 'reflect-any-origin', 'express-body-and-header-origin.js'), join(project, 'server.js'));
    for (const file of ['site.conf', 'server.js']) {
      const run = spawnSync(process.execPath, ['--require', preload, BUNDLE, '--format', 'json', file], { cwd: project, encoding: 'utf8', env: { ...process.env, CORS_LINT_CACHE_DIR: join(dir, 'cache') } });
      expect(run.status, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toHaveLength(1);
      const after = JSON.parse(readFileSync(join(dir, 'after.json'), 'utf8')) as string[] | null;
      if (!process.versions.v8.startsWith('11.')) continue;
      // The bin sets the flag on Node 20's V8 only. Outside a repository the nginx run's includer
      // search asks git whether this is one: git's modules load when git is asked, not in every run.
      const git = /^NativeModule (os|child_process|dgram|internal\/(child_process|dgram|socket_list|fs\/rimraf))$/;
      expect(after?.filter((name) => !(file === 'site.conf' && git.test(name)))).toEqual([]);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads nothing from node_modules: every dependency it runs is inside dist/cli', () => {
    // A preload records every module Node's own loader loads; the bundle's files go through the code cache loader, dependencies would show here.
    const dir = mkdtempSync(join(tmpdir(), 'cors-lint-bundle-'));
    const preload = join(dir, 'record.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'loaded.json'))}, JSON.stringify(Object.keys(require.cache))));\n`);
    const run = spawnSync(process.execPath, ['--require', preload, BUNDLE, '--format', 'json', 'fixtures/credentials-reflect-any-origin', 'fixtures/reflect-any-origin', 'fixtures/max-age-over-browser-limit'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CORS_LINT_CACHE_DIR: join(dir, 'cache') } });
    expect(run.status).toBe(1);
    const loaded = JSON.parse(readFileSync(join(dir, 'loaded.json'), 'utf8')) as string[];
    expect(loaded.filter((file) => file !== preload)).toEqual([BUNDLE, join(ROOT, 'dist', 'cli', 'loader.cjs')]);
    // JS, Python, YAML and TOML files were linted: their parsers came from dist/cli.
    expect(readdirSync(join(dir, 'cache')).map((name) => name.split('-')[0]).sort()).toEqual(['lib_babel_parser', 'lib_eslint_community_regexpp', 'lib_lezer_python', 'lib_re2js', 'lib_toml_eslint_parser', 'lib_yaml', 'run']);
    rmSync(dir, { recursive: true, force: true });
  });
});
