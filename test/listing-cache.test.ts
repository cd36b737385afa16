import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { gitEntries, gitListing, gitRunner } from '../src/cli/discover.js';
import { ListingCache } from '../src/cli/listing-cache.js';
import { IncluderCache } from '../src/cli/includer-cache.js';
import { readTextFile } from '../src/cli/project.js';
import { nginxIncluders } from '../src/cli/project.js';
import { nginxNameHint } from '../src/engine/detect.js';

/**
 * The includer search of a one-file nginx run takes git's listing from a cache while nothing it
 * depends on changed (src/cli/listing-cache.ts). Each test first proves the cache is in use (its
 * lookup answers), then changes one thing the listing depends on, and the includers found must be
 * those a fresh git listing gives: without the check for that change, the test fails.
 */
const hasGit = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasGit)('the git listing cache of the includer search', () => {
  const work = mkdtempSync(join(tmpdir(), 'cors-lint-listing-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const SNIPPET = 'add_header Access-Control-Allow-Origin https://b.example.com always;\n';
  const INCLUDER = 'server {\n    location /api/ {\n        include snippets/cors.conf;\n    }\n}\n';
  let repo = '';
  let cache = '';
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'ignore' });
  const write = (path: string, text: string) => {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  };
  const search = () => nginxIncluders({ cwd: repo, paths: ['nginx/snippets/cors.conf'], cacheDir: cache }, [], ['nginx/snippets/cors.conf']);
  const uncached = () => nginxIncluders({ cwd: repo, paths: ['nginx/snippets/cors.conf'] }, [], ['nginx/snippets/cors.conf']);
  const lookup = () => new ListingCache(cache, repo, nginxNameHint(), process.env, gitRunner(repo), () => gitListing(repo, nginxNameHint(), undefined, false)).lookup();
  // Nothing changed less than 100 ms (2 s on a file system with whole-second times) before a run is kept.
  const settle = () => new Promise((done) => setTimeout(done, 250));
  /** Searches until the cache holds the listing and is used as it is. */
  const cached = async (expected: string[]) => {
    await settle();
    expect(search()).toEqual(expected);
    const found = lookup();
    expect(found?.entries).toBeDefined();
    expect(search()).toEqual(expected);
  };

  beforeEach(() => {
    repo = mkdtempSync(join(work, 'repo-'));
    cache = join(repo, '..', `${repo.split('/').at(-1)}-cache`);
    write('.gitignore', 'ignored/\n*.local.conf\n');
    write('nginx/snippets/cors.conf', SNIPPET);
    write('nginx/site.conf', 'server {\n    location / {\n        return 204;\n    }\n}\n');
    write('app/main.js', 'console.log(1);\n');
    mkdirSync(join(repo, 'empty', 'deeper'), { recursive: true });
    write('logs/debug.local.conf', INCLUDER);
    write('ignored/x.conf', INCLUDER);
    git('init', '-q', '.');
    git('add', '.gitignore', 'nginx', 'app');
  });

  it('gives what git gives, and is used while nothing changes', async () => {
    await cached([]);
    const file = readdirSync(cache).find((name) => name.startsWith('git-listing-'))!;
    const text = readFileSync(join(cache, file), 'utf8');
    // Folders without a listed file that git does not ignore are watched; an ignored one is not.
    expect(text).toMatch(/\nD\t[^\t]+\tempty\/deeper\n/);
    expect(text).toMatch(/\nD\t[^\t]+\tlogs\n/);
    expect(text).not.toMatch(/\nD\t[^\t]+\tignored\n/);
    expect(uncached()).toEqual([]);
  });

  it('an untracked includer written into a listed folder is found', async () => {
    await cached([]);
    write('nginx/new.conf', INCLUDER);
    expect(search()).toEqual(['nginx/new.conf']);
  });

  it('an untracked includer written into an empty folder, or one with only ignored files, is found', async () => {
    await cached([]);
    write('empty/deeper/new.conf', INCLUDER.replace('snippets/', 'nginx/snippets/'));
    expect(search()).toEqual(['empty/deeper/new.conf']);
    await cached(['empty/deeper/new.conf']);
    write('logs/new.conf', INCLUDER.replace('snippets/', 'nginx/snippets/'));
    expect(search()).toEqual(['empty/deeper/new.conf', 'logs/new.conf']);
  });

  it('a .gitignore or info/exclude edited in place is seen', async () => {
    await cached([]);
    writeFileSync(join(repo, '.gitignore'), 'ignored/\n');
    expect(search()).toEqual(['logs/debug.local.conf']);
    await cached(['logs/debug.local.conf']);
    appendFileSync(join(repo, '.git', 'info', 'exclude'), 'logs/\n');
    expect(search()).toEqual([]);
  });

  it('a new global excludes file in the config is seen', async () => {
    await cached([]);
    writeFileSync(join(repo, '.gitignore'), 'ignored/\n');
    await cached(['logs/debug.local.conf']);
    const excludes = join(repo, '..', `${repo.split('/').at(-1)}-excludes`);
    writeFileSync(excludes, 'logs/\n');
    git('config', 'core.excludesFile', excludes);
    expect(search()).toEqual([]);
    await cached([]);
    writeFileSync(excludes, 'nothing\n');
    expect(search()).toEqual(['logs/debug.local.conf']);
  });

  it('an ignored includer added to the index is found, and is gone when taken out again', async () => {
    await cached([]);
    git('add', '-f', 'ignored/x.conf');
    // Only the index changed: the index alone is listed, the untracked files come from the cache.
    expect(lookup()?.entries.map((entry) => entry.path)).toContain('ignored/x.conf');
    expect(search()).toEqual(['ignored/x.conf']);
    await cached(['ignored/x.conf']);
    git('rm', '-q', '--cached', 'ignored/x.conf');
    expect(search()).toEqual([]);
  });

  it('an includer taken out of the index but kept on disk is found as an untracked file', async () => {
    write('nginx/tracked.conf', INCLUDER);
    git('add', 'nginx/tracked.conf');
    await cached(['nginx/tracked.conf']);
    git('rm', '-q', '--cached', 'nginx/tracked.conf');
    expect(search()).toEqual(['nginx/tracked.conf']);
  });

  it('a damaged cache file is ignored and replaced', async () => {
    await cached([]);
    const file = join(cache, readdirSync(cache).find((name) => name.startsWith('git-listing-'))!);
    const kept = readFileSync(file, 'utf8');
    // The entries are read lazily (only their lines' kinds are checked up front): a line of another kind among them, or an empty one, still makes the file damaged.
    const lastEntry = kept.lastIndexOf('\nE\t');
    expect(lastEntry).toBeGreaterThan(0);
    const amongEntries = (line: string) => `${kept.slice(0, lastEntry + 1)}${line}\n${kept.slice(lastEntry + 1)}`;
    for (const damaged of ['garbage', kept.slice(0, -5), kept.replace(/\nD\t/, '\nX\t'), amongEntries('D\t1:2:3:4:5\tnginx'), amongEntries(''), amongEntries('X\t-\tnginx/x.conf')]) {
      writeFileSync(file, damaged);
      expect(lookup()).toBeUndefined();
      write('nginx/new.conf', INCLUDER);
      expect(search()).toEqual(['nginx/new.conf']);
      rmSync(join(repo, 'nginx/new.conf'));
    }
  });
});

describe.skipIf(!hasGit)('the includer search answer cache', () => {
  const work = mkdtempSync(join(tmpdir(), 'cors-lint-answers-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const repo = join(work, 'repo');
  const cache = join(work, 'cache');
  const write = (path: string, text: string) => {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), text);
  };
  const target = 'nginx/gen/cors';
  const search = () => nginxIncluders({ cwd: repo, paths: [target], cacheDir: cache }, [], [target]);
  /** The answer cache's own lookup, over the listing the listing cache holds now. */
  const answered = () => {
    const listing = new ListingCache(cache, repo, nginxNameHint(), process.env, gitRunner(repo), () => gitListing(repo, nginxNameHint(), undefined, false));
    const found = listing.lookup();
    if (!found || listing.generation === undefined) return undefined;
    return new IncluderCache(cache, repo, []).lookup(listing.generation, (path) => readTextFile([repo], repo, path));
  };
  const settle = () => new Promise((done) => setTimeout(done, 250));

  it('is used while nothing changes; a file edited in place since is read again', async () => {
    write('.gitignore', 'deploy/gen/\n');
    write(target, 'add_header Access-Control-Allow-Origin https://b.example.com always;\n');
    // No deploy/gen/cors: `include gen/cors` is resolved by its tail, to nginx/gen/cors.
    write('deploy/site.conf', 'server {\n    include gen/cors;\n}\n');
    write('deploy/other.conf', 'server {\n    return 204;;;;;;;;;;;;;;;;;;;;;;;;\n}\n');
    mkdirSync(join(repo, 'deploy', 'gen'));
    execFileSync('git', ['init', '-q', '.'], { cwd: repo });
    await settle();
    expect(search()).toEqual(['deploy/site.conf']);
    await settle();
    expect(search()).toEqual(['deploy/site.conf']);
    expect(answered()?.get(target)).toEqual(['deploy/site.conf']);
    // Same size; no folder changes (written in place).
    writeFileSync(join(repo, 'deploy/other.conf'), 'server {\n    include gen/cors;\n    return 204;\n}\n'.padEnd(readFileSync(join(repo, 'deploy/other.conf'), 'utf8').length, ' '));
    expect(search()).toEqual(['deploy/other.conf', 'deploy/site.conf']);
  });

  it('an answer is only taken for the listing it was found in', async () => {
    await settle();
    search();
    await settle();
    const before = search();
    expect(answered()).toBeDefined();
    // A new file, then edited again: its folder is old enough for the new listing to be kept, the file is too recent for the answer.
    write('deploy/new.conf', 'server {\n    include gen/cors;\n}\n');
    await settle();
    writeFileSync(join(repo, 'deploy/new.conf'), 'server {\n    include gen/cors; \n}\n');
    expect(search()).toEqual([...before, 'deploy/new.conf'].sort());
    expect(search()).toEqual([...before, 'deploy/new.conf'].sort());
    rmSync(join(repo, 'deploy/new.conf'));
  });

  it('an index written again with the same files keeps the answer', async () => {
    await settle();
    search();
    await settle();
    const before = search();
    expect(answered()).toBeDefined();
    execFileSync('git', ['add', '.gitignore'], { cwd: repo });
    expect(answered()).toBeDefined();
    expect(search()).toEqual(before);
  });

  it('an index that adds a file to the listing does not keep the answer', async () => {
    await settle();
    search();
    await settle();
    const before = search();
    expect(answered()).toBeDefined();
    // Ignored, so untracked it was never listed: added, it is, and it includes the target.
    write('deploy/gen/new.conf', 'server {\n    include /etc/nginx/gen/cors;\n}\n');
    await settle();
    execFileSync('git', ['add', '-f', 'deploy/gen/new.conf'], { cwd: repo });
    expect(search()).toEqual([...before, 'deploy/gen/new.conf'].sort());
    execFileSync('git', ['rm', '-q', '--cached', 'deploy/gen/new.conf'], { cwd: repo });
    rmSync(join(repo, 'deploy/gen/new.conf'));
  });

  it('a damaged answer file is ignored and replaced', async () => {
    await settle();
    const before = search();
    await settle();
    expect(search()).toEqual(before);
    expect(answered()).toBeDefined();
    const file = join(cache, readdirSync(cache).find((name) => name.startsWith('nginx-includers-'))!);
    const kept = readFileSync(file);
    const headEnd = kept.indexOf(10) + 1;
    const flipped = (at: number) => {
      const copy = Buffer.from(kept);
      copy[at] ^= 1;
      return copy;
    };
    // Garbage; cut inside the facts; a fact of the first file changed (its inode, then its change time); the byte order mark changed; the count of files changed.
    for (const damaged of [Buffer.from('garbage\n'), kept.subarray(0, headEnd + 20), flipped(headEnd + 8 * 2), flipped(headEnd + 8 * 5), flipped(headEnd), Buffer.from(kept.toString('latin1').replace(/\t(\d+)( *)\n/, (_, count: string, pad: string) => `\t${Number(count) + 1}${pad}\n`), 'latin1')]) {
      writeFileSync(file, damaged);
      expect(answered()).toBeUndefined();
      expect(search()).toEqual(before);
    }
    await settle();
    expect(search()).toEqual(before);
    expect(answered()).toBeDefined();
  });

  it('a file read from disk outside the listing that now resolves an include is seen', async () => {
    await settle();
    expect(search()).toEqual(['deploy/other.conf', 'deploy/site.conf']);
    await settle();
    expect(search()).toEqual(['deploy/other.conf', 'deploy/site.conf']);
    expect(answered()).toBeDefined();
    // In a folder git ignores (watched by nobody): `include gen/cors` from deploy/ now means this file.
    write('deploy/gen/cors', 'add_header X-Other 1;\n');
    expect(search()).toEqual([]);
  });
});

describe('the folders of a git listing', () => {
  it('are every listed path\'s folder, also for records that the name hint skips and records split between chunks', () => {
    const records = ['100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\tnginx/conf.d/a.conf', 'src/deep/er/x.js', '100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\ttop.txt', 'src/deep/er/y.js', 'caf\u00e9/menu.py'];
    const bytes = Buffer.from(records.map((record) => `${record}\0`).join(''));
    for (const cut of [0, 10, 60, 75, bytes.length - 3]) {
      const folders = new Set<string>();
      const chunks = cut === 0 ? [bytes] : [bytes.subarray(0, cut), bytes.subarray(cut)];
      // A path outside ASCII is always parsed (the hint does not judge its case).
      expect([...gitEntries(chunks, nginxNameHint(), folders)].map((entry) => entry.path)).toEqual(['nginx/conf.d/a.conf', 'caf\u00e9/menu.py']);
      expect([...folders].sort()).toEqual(['', 'caf\u00e9', 'nginx/conf.d', 'src/deep/er']);
    }
  });

  it('a path with a tab or a line break makes the listing one the cache does not keep', () => {
    for (const record of ['a\tb/c.conf', 'a\nb/c.conf', '100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\ta\tb.conf']) {
      const folders = new Set<string>();
      [...gitEntries([Buffer.from(`${record}\0`)], nginxNameHint(), folders)];
      expect(folders.has('\0unsafe')).toBe(true);
    }
  });
});
