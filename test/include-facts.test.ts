import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncludeFacts } from '../src/cli/include-facts.js';
import { nginxIncluders } from '../src/cli/project.js';
import { ROOT } from './helpers/fixtures.js';

/**
 * The includer search of a one-file nginx run remembers which files have no `include`
 * (src/cli/include-facts.ts). What it remembers must never change which includers are found: an
 * edited file is read again, and a damaged, foreign, concurrent or unwritable cache only costs speed.
 */
describe('the includer search facts cache', () => {
  const work = mkdtempSync(join(tmpdir(), 'cors-lint-facts-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const repo = join(work, 'repo');
  const cache = join(work, 'cache');
  // The snippet's header is a second Allow-Origin only inside its includer (duplicate-allow-origin).
  const SITE = 'server {\n    location /api/ {\n        add_header Access-Control-Allow-Origin https://a.example.com always;\n        include snippets/cors.conf;\n        proxy_pass http://app;\n    }\n}\n';
  const SNIPPET = 'add_header Access-Control-Allow-Origin https://b.example.com always;\n';
  // Same length as OTHER_INCLUDING: an edit that keeps the size (and, restored below, the mtime).
  const OTHER_INCLUDING = 'server {\n    location /v2/ {\n        include snippets/cors.conf;\n    }\n}\n';
  const OTHER = OTHER_INCLUDING.replace('include snippets/cors.conf;', 'return 204;'.padEnd('include snippets/cors.conf;'.length));
  const search = (cacheDir: string | undefined = cache) => nginxIncluders({ cwd: repo, paths: ['nginx/snippets/cors.conf'], cacheDir }, [], ['nginx/snippets/cors.conf']);
  const cacheFiles = (dir = cache) => readdirSync(dir).filter((name) => name.startsWith('nginx-facts-'));
  const cacheText = () => readFileSync(join(cache, cacheFiles()[0]), 'utf8');
  /** A cache file for `root` that says the includer has no include, with the includer's true stat: trusted if it were read. */
  const forged = (root: string) => {
    const site = statSync(join(repo, 'nginx/site.conf'));
    return `cors-lint-nginx-facts-1\t${root}\nnginx/site.conf\t${site.dev}\t${site.ino}\t${site.size}\t${site.mtimeMs}\t${site.ctimeMs}\n`;
  };

  beforeAll(async () => {
    expect(OTHER.length).toBe(OTHER_INCLUDING.length);
    for (const [path, text] of Object.entries({ 'nginx/site.conf': SITE, 'nginx/snippets/cors.conf': SNIPPET, 'nginx/other.conf': OTHER })) {
      mkdirSync(join(repo, path, '..'), { recursive: true });
      writeFileSync(join(repo, path), text);
    }
    // A whole second: restored exactly after an edit below (utimes takes seconds as a double).
    utimesSync(join(repo, 'nginx/other.conf'), 1577836800, 1577836800);
    if (spawnSync('git', ['--version']).status === 0) spawnSync('git', ['init', '-q', '.'], { cwd: repo });
    // A file changed less than two seconds before a run is never remembered (its stat could still
    // change without a visible trace): these are made old enough first.
    await new Promise((done) => setTimeout(done, 2200));
  });

  it('a file changed just before the run is read, not remembered', () => {
    const fresh = mkdtempSync(join(work, 'fresh-'));
    writeFileSync(join(fresh, 'a.conf'), OTHER);
    const facts = new IncludeFacts(join(work, 'fresh-cache'), fresh);
    expect(facts.read(join(fresh, 'a.conf'), { noFollow: true })).toEqual({ text: OTHER });
    facts.save();
    expect(() => cacheFiles(join(work, 'fresh-cache'))).toThrow();
  });

  it('remembers the files without include, after which they are not read; the includers found are the same', () => {
    expect(search(undefined)).toEqual(['nginx/site.conf']);
    expect(search()).toEqual(['nginx/site.conf']);
    const lines = cacheText().split('\n');
    expect(lines[0]).toBe(`cors-lint-nginx-facts-1\t${repo}`);
    expect(lines.slice(1).map((line) => line.split('\t')[0]).sort()).toEqual(['', 'nginx/other.conf', 'nginx/snippets/cors.conf']);
    const facts = new IncludeFacts(cache, repo);
    expect(facts.read(join(repo, 'nginx/other.conf'), { noFollow: true })).toEqual({ text: '' });
    expect(facts.read(join(repo, 'nginx/site.conf'), { noFollow: true })).toEqual({ text: SITE });
    expect(search()).toEqual(['nginx/site.conf']);
  });

  it('a file edited since is read again, even with the same size and modification time', () => {
    const path = join(repo, 'nginx/other.conf');
    const before = statSync(path);
    writeFileSync(path, OTHER_INCLUDING);
    utimesSync(path, 1577836800, 1577836800);
    expect(statSync(path).size).toBe(before.size);
    expect(statSync(path).mtimeMs).toBe(before.mtimeMs);
    expect(search()).toEqual(['nginx/other.conf', 'nginx/site.conf']);
    // Forgotten: it has an include now.
    expect(cacheText()).not.toContain('nginx/other.conf');
    writeFileSync(path, OTHER);
  });

  it('a damaged or truncated cache file is ignored and replaced', () => {
    // The last: a whole file, but of another folder (whose name would hash the same).
    for (const damaged of ['\u0000garbage\n', cacheText().slice(0, -20), forged(`${repo}/elsewhere`)]) {
      writeFileSync(join(cache, cacheFiles()[0]), damaged);
      // The search's kept answer (includer-cache.ts) would be taken without reading these facts, and the damaged file would stay.
      readdirSync(cache).filter((name) => name.startsWith('nginx-includers-')).forEach((name) => rmSync(join(cache, name)));
      expect(search()).toEqual(['nginx/site.conf']);
    }
    expect(cacheText().startsWith(`cors-lint-nginx-facts-1\t${repo}\n`)).toBe(true);
  });

  it('a cache folder that cannot be written changes nothing but speed', () => {
    const blocked = join(work, 'not-a-folder');
    writeFileSync(blocked, 'a file where the cache folder would be\n');
    expect(search(join(blocked, 'cache'))).toEqual(['nginx/site.conf']);
    expect(readFileSync(blocked, 'utf8')).toBe('a file where the cache folder would be\n');
  });

  it.skipIf(process.getuid?.() !== 0)('a cache file another user owns is not read', () => {
    // The search's answer, kept when nothing changed (includer-cache.ts), would be taken before these facts are read.
    const forgetAnswers = () => readdirSync(cache).filter((name) => name.startsWith('nginx-includers-')).forEach((name) => rmSync(join(cache, name)));
    // Our own file is trusted (this is what the owner check is for): the includer is missed.
    writeFileSync(join(cache, cacheFiles()[0]), forged(repo));
    forgetAnswers();
    expect(search()).toEqual([]);
    writeFileSync(join(cache, cacheFiles()[0]), forged(repo));
    chownSync(join(cache, cacheFiles()[0]), 65534, 65534);
    forgetAnswers();
    expect(search()).toEqual(['nginx/site.conf']);
  });

  it('concurrent runs of the CLI agree and leave one whole cache file', async () => {
    const bin = join(ROOT, 'dist', 'cli', 'bin.js');
    const shared = join(work, 'shared-cache');
    const run = () =>
      new Promise<string>((done) => {
        const child = spawn(process.execPath, [bin, '--format', 'json', 'nginx/snippets/cors.conf'], { cwd: repo, env: { ...process.env, CORS_LINT_CACHE_DIR: shared } });
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.on('close', () => done(out));
      });
    const alone = spawnSync(process.execPath, [bin, '--format', 'json', 'nginx/snippets/cors.conf'], { cwd: repo, encoding: 'utf8', env: { ...process.env, CORS_LINT_NO_CODE_CACHE: '1' } }).stdout;
    expect(alone).toContain('duplicate-allow-origin');
    for (let round = 0; round < 2; round++) {
      const outputs = await Promise.all(Array.from({ length: 6 }, run));
      for (const output of outputs) expect(output).toBe(alone);
    }
    // (The git listing of the same search has a cache file of its own, listing-cache.test.ts.)
    const files = readdirSync(shared).filter((name) => name.startsWith('nginx-facts-'));
    expect(files).toHaveLength(1);
    const text = readFileSync(join(shared, files[0]), 'utf8');
    expect(text.split('\n')[0]).toBe(`cors-lint-nginx-facts-1\t${repo}`);
    expect(text.endsWith('\n')).toBe(true);
    const entries = text.split('\n').slice(1, -1).map((line) => line.split('\t'));
    // other.conf was rewritten by an earlier test: remembered only once two seconds old.
    expect(entries.map((fields) => fields[0])).toContain('nginx/snippets/cors.conf');
    for (const fields of entries) {
      expect(fields).toHaveLength(6);
      expect(['nginx/snippets/cors.conf', 'nginx/other.conf']).toContain(fields[0]);
    }
  });
});
