import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

/**
 * The bundled CLI keeps V8's compiled code between runs (src/cli/code-cache.ts). A cache must
 * never change what a run prints: a damaged one is recompiled, one of another build is never read.
 */
describe('the code cache of the bundled CLI', () => {
  const work = mkdtempSync(join(tmpdir(), 'cors-lint-code-cache-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const bundle = join(work, 'cli');
  cpSync(join(ROOT, 'dist', 'cli'), bundle, { recursive: true });
  const cache = join(work, 'cache');
  const lint = (env: Record<string, string> = {}) => spawnSync(process.execPath, [join(bundle, 'bin.js'), '--format', 'json', 'fixtures/credentials-reflect-any-origin'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CORS_LINT_CACHE_DIR: cache, ...env } });
  const runCache = () => readdirSync(cache).filter((name) => name.startsWith('run-'));
  const expected = lint({ CORS_LINT_NO_CODE_CACHE: '1' });

  it('is written by the first run, read by the next, and changes nothing in the output', () => {
    expect(expected.status).toBe(1);
    expect(JSON.parse(expected.stdout).length).toBeGreaterThan(5);
    rmSync(cache, { recursive: true, force: true });
    const first = lint();
    expect([first.stdout, first.stderr, first.status]).toEqual([expected.stdout, expected.stderr, expected.status]);
    const [file] = runCache();
    expect(file).toMatch(/^run-[0-9a-f]{16}-\d+-\d+-[\w.-]+\.bin$/);
    const written = statSync(join(cache, file)).mtimeMs;
    const second = lint();
    expect([second.stdout, second.stderr, second.status]).toEqual([expected.stdout, expected.stderr, expected.status]);
    // Accepted by V8, so not written again.
    expect(runCache()).toEqual([file]);
    expect(statSync(join(cache, file)).mtimeMs).toBe(written);
  });

  it('a damaged cache is recompiled and replaced', () => {
    const [file] = runCache();
    const size = statSync(join(cache, file)).size;
    writeFileSync(join(cache, file), Buffer.alloc(size, 7));
    const run = lint();
    expect([run.stdout, run.stderr, run.status]).toEqual([expected.stdout, expected.stderr, expected.status]);
    expect(readFileSync(join(cache, file)).equals(Buffer.alloc(size, 7))).toBe(false);
  });

  it('a bundle changed in place gets a cache of its own; the old one is removed', () => {
    const [before] = runCache();
    appendFileSync(join(bundle, 'run.cjs'), '\n// edited\n');
    const run = lint();
    expect([run.stdout, run.stderr, run.status]).toEqual([expected.stdout, expected.stderr, expected.status]);
    const after = runCache();
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
  });

  it.skipIf(process.getuid?.() !== 0)('a cache file another user owns is never read (a shared cache folder cannot hand a run code)', () => {
    // A valid cache V8 would accept (and so never rewrite), but owned by someone else.
    const [file] = runCache();
    chownSync(join(cache, file), 65534, 65534);
    const run = lint();
    expect([run.stdout, run.stderr, run.status]).toEqual([expected.stdout, expected.stderr, expected.status]);
    // Treated as missing: compiled afresh and replaced by this run's own.
    expect(statSync(join(cache, file)).uid).toBe(0);
  });

  it('each set of V8 flags keeps a cache of its own (a lint run and the language server differ), both read again', () => {
    rmSync(cache, { recursive: true, force: true });
    // A cache named as before the flags tag (an older cors-lint) is never read again: removed by the first write.
    mkdirSync(cache, { recursive: true });
    const untagged = `run-0123456789abcdef-1-2-${process.versions.v8}-${process.arch}.bin`;
    writeFileSync(join(cache, untagged), 'old');
    // --no-opt stands for the other mode's flags: V8 rejects a cache written under other flags.
    const other = (env: Record<string, string> = {}) => spawnSync(process.execPath, ['--no-opt', join(bundle, 'bin.js'), '--format', 'json', 'fixtures/credentials-reflect-any-origin'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CORS_LINT_CACHE_DIR: cache, ...env } });
    for (const run of [lint(), other()]) expect([run.stdout, run.stderr, run.status]).toEqual([expected.stdout, expected.stderr, expected.status]);
    const files = runCache();
    expect(files).toHaveLength(2);
    expect(files).not.toContain(untagged);
    const written = files.map((file) => statSync(join(cache, file)).mtimeMs);
    for (const run of [lint(), other()]) expect([run.stdout, run.stderr, run.status]).toEqual([expected.stdout, expected.stderr, expected.status]);
    // Each accepted by its own mode: neither removed nor written again.
    expect(runCache()).toEqual(files);
    expect(files.map((file) => statSync(join(cache, file)).mtimeMs)).toEqual(written);
  });

  it('a run of a format the cache has not compiled writes it again, once, with both formats', () => {
    rmSync(cache, { recursive: true, force: true });
    const one = (file: string) => spawnSync(process.execPath, [join(bundle, 'bin.js'), '--format', 'json', file], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CORS_LINT_CACHE_DIR: cache } });
    const header = () => readFileSync(join(cache, runCache()[0])).subarray(0, 64).toString('latin1').split('\n')[0];
    const js = 'fixtures/credentials-reflect-any-origin/express-origin-true.js';
    const python = 'fixtures/credentials-reflect-any-origin/django-allow-all-credentials.py';
    const expectedJs = spawnSync(process.execPath, [join(bundle, 'bin.js'), '--format', 'json', js], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CORS_LINT_NO_CODE_CACHE: '1' } });
    expect(JSON.parse(expectedJs.stdout).length).toBeGreaterThan(0);
    expect(one(js).stdout).toBe(expectedJs.stdout);
    expect(header()).toMatch(/^cors-lint-code-cache-1 js *$/);
    // V8 accepted the JS cache, but the Python extractor was compiled by this run: written again.
    one(python);
    expect(header()).toMatch(/^cors-lint-code-cache-1 js,python *$/);
    const written = statSync(join(cache, runCache()[0])).mtimeMs;
    for (const file of [js, python]) one(file);
    expect(statSync(join(cache, runCache()[0])).mtimeMs).toBe(written);
    // Read back: the same output as without a cache.
    expect(one(js).stdout).toBe(expectedJs.stdout);
    expect(runCache()).toHaveLength(1);
  });

  it('CORS_LINT_NO_CODE_CACHE=1 writes nothing', () => {
    rmSync(cache, { recursive: true, force: true });
    lint({ CORS_LINT_NO_CODE_CACHE: '1' });
    expect(() => readdirSync(cache)).toThrow();
  });
});
