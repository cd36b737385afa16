import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discover, gitEntries, gitListing, type Discovery } from '../src/cli/discover.js';
import { prefetchGitListing, worthPrefetching } from '../src/cli/git-prefetch.js';
import { detectFormat, mayBeSupported, nginxNameHint } from '../src/engine/detect.js';

/**
 * Discovery lists a git work tree with `git ls-files` and anything else with the walker; both must
 * find the same files with the same texts, and git's answer must never widen what is read
 * (symlinks out, ignored files, node_modules).
 */
const hasGit = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'ignore' });
}

const NGINX = 'server {\n  location / {\n    add_header Access-Control-Allow-Origin *;\n  }\n}\n';

/** A repository with nested .gitignore files, tracked, untracked and ignored files, node_modules and symlinks of every kind. */
function repository(): { base: string; root: string } {
  const base = mkdtempSync(join(tmpdir(), 'cors-lint-discover-'));
  const root = join(base, 'repo');
  write(base, { 'outside/secret.conf': 'add_header X-Leak OUTSIDE_SECRET;\n' });
  write(root, {
    '.gitignore': '*.log\nbuild/\n/generated.js\n',
    'app.js': "const cors = require('cors');\n",
    'generated.js': 'ignored at the root only\n',
    'build/out.js': 'ignored folder\n',
    'debug.log': 'ignored by pattern\n',
    'nginx/conf.d/site.conf': NGINX,
    'nginx/conf.d/plain': 'server { listen 80; }\n',
    'nginx/README.md': '# not read\n',
    'services/api/.gitignore': 'local.py\n!keep.log\n',
    'services/api/main.py': 'from flask_cors import CORS\n',
    'services/api/local.py': 'ignored by a nested .gitignore\n',
    'services/api/keep.log': 'unignored again\n',
    'services/api/deep/er/still/generated.js': 'not ignored: /generated.js is anchored at the root\n',
    'services/web/src/index.ts': 'export const x = 1;\n',
    'deploy/k8s/ingress.yaml': 'kind: Ingress\n',
    'node_modules/cors/index.js': 'never read\n',
    'services/web/node_modules/x/index.js': 'never read\n',
    'untracked/new.yaml': 'kind: Service\n',
  });
  symlinkSync(join(root, 'nginx', 'conf.d', 'site.conf'), join(root, 'nginx', 'conf.d', 'zz-link.conf'));
  symlinkSync(join(root, 'nginx'), join(root, 'zz-nginx-link'));
  symlinkSync(join(base, 'outside', 'secret.conf'), join(root, 'nginx', 'conf.d', 'out.conf'));
  symlinkSync(join(base, 'outside'), join(root, 'outside-dir'));
  symlinkSync(join(root, 'missing.conf'), join(root, 'nginx', 'conf.d', 'broken.conf'));
  return { base, root };
}

function tracked(root: string): void {
  git(root, 'init', '-q', '.');
  // Everything but untracked/ is added (ignored files stay out, as `git add -A` leaves them).
  git(root, 'add', '-A', '--', '.', ':!untracked');
  git(root, 'commit', '-q', '-m', 'x');
}

/** Files with their texts and the notes, in a stable order. */
function summary(found: Discovery) {
  return {
    files: found.files.map((file) => ({ path: file.path, detectPath: file.detectPath, text: file.text, error: file.error })).sort((a, b) => (a.path < b.path ? -1 : 1)),
    notes: [...found.notes].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.reason < b.reason ? -1 : 1)),
  };
}

describe.skipIf(!hasGit)('git listing and the walker find the same files', () => {
  it('in a repository with nested .gitignore files, untracked and ignored files and symlinks', () => {
    const { base, root } = repository();
    try {
      tracked(root);
      expect(gitListing(root)).toBeDefined();
      const viaGit = summary(discover(['.'], root, [], mayBeSupported));
      const walked = summary(discover(['.'], root, [], mayBeSupported, { git: false }));
      expect(viaGit).toEqual(walked);
      const paths = viaGit.files.map((file) => file.path);
      expect(paths).toEqual([
        'app.js',
        'deploy/k8s/ingress.yaml',
        'nginx/conf.d/plain',
        'nginx/conf.d/site.conf',
        'nginx/conf.d/zz-link.conf',
        'services/api/deep/er/still/generated.js',
        'services/api/main.py',
        'services/web/src/index.ts',
        'untracked/new.yaml',
      ]);
      expect(viaGit.files.find((file) => file.path === 'nginx/conf.d/zz-link.conf')?.text).toBe(NGINX);
      expect(viaGit.notes.map((note) => note.path)).toEqual(['nginx/conf.d/broken.conf', 'nginx/conf.d/out.conf', 'outside-dir', 'zz-nginx-link']);
      expect(JSON.stringify(viaGit)).not.toContain('OUTSIDE_SECRET');
      // From a sub-folder, and from cwd above the scanned folder: the same files with the same display paths.
      for (const [paths, cwd] of [[['services'], root], [['repo'], base], [['.'], join(root, 'services')]] as const) {
        expect(summary(discover([...paths], cwd, [], mayBeSupported))).toEqual(summary(discover([...paths], cwd, [], mayBeSupported, { git: false })));
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('honours the config ignores and a glob-style accept in both modes', () => {
    const { base, root } = repository();
    try {
      tracked(root);
      const ignores = ['services/api/', '*.yaml'];
      const accept = (path: string, folder: string) => mayBeSupported(path, folder) && !path.endsWith('.ts');
      const viaGit = summary(discover(['.'], root, ignores, accept));
      expect(viaGit).toEqual(summary(discover(['.'], root, ignores, accept, { git: false })));
      expect(viaGit.files.map((file) => file.path)).toEqual(['app.js', 'nginx/conf.d/plain', 'nginx/conf.d/site.conf', 'nginx/conf.d/zz-link.conf']);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('a tracked file deleted from the work tree is not reported; one replaced by a symlink out is refused', () => {
    const { base, root } = repository();
    try {
      tracked(root);
      rmSync(join(root, 'app.js'));
      rmSync(join(root, 'services', 'api', 'main.py'));
      symlinkSync('/etc/passwd', join(root, 'services', 'api', 'main.py'));
      const viaGit = summary(discover(['.'], root, [], mayBeSupported));
      expect(viaGit).toEqual(summary(discover(['.'], root, [], mayBeSupported, { git: false })));
      expect(viaGit.files.map((file) => file.path)).not.toContain('app.js');
      expect(viaGit.notes).toContainEqual({ path: 'services/api/main.py', reason: 'symlink leads out of the scanned folder; not followed' });
      expect(JSON.stringify(viaGit)).not.toContain('root:');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
  it('a submodule that was never initialised (an empty folder) is nothing to read, scanned from above or named', () => {
    const { base, root } = repository();
    try {
      tracked(root);
      // What a clone without --recursive holds: the gitlink in the index, an empty folder on disk.
      mkdirSync(join(root, 'vendor', 'sub'), { recursive: true });
      git(root, 'update-index', '--add', '--cacheinfo', '160000,2e65efe2a145dda7ee51d1741299f848e5bf752e,vendor/sub');
      for (const paths of [['.'], ['vendor/sub'], ['vendor']]) {
        const viaGit = summary(discover(paths, root, [], mayBeSupported));
        expect(viaGit).toEqual(summary(discover(paths, root, [], mayBeSupported, { git: false })));
      }
      expect(summary(discover(['vendor/sub'], root, [], mayBeSupported))).toEqual({ files: [], notes: [] });
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasGit)('a name hint leaves out only names accept would refuse', () => {
  it('the nginx files of a repository (symlinks, a nested repository, names in nginx folders, any case) and of the fixtures', () => {
    const { base, root } = repository();
    try {
      write(root, { 'CONF.D/Site.CONF': NGINX, 'etc/sites-enabled/api.example.com': NGINX, 'etc/snippets/cors': NGINX, 'naïve/nginx.conf': NGINX, 'nested/inner/conf.d/x.conf': NGINX });
      tracked(root);
      git(join(root, 'nested'), 'init', '-q', '.');
      const isNginx = (path: string) => {
        const kind = detectFormat(path);
        return 'format' in kind && kind.format === 'nginx';
      };
      // The same files with the same texts (notes about symlinked folders are made only for names looked at).
      const files = (found: Discovery) => summary(found).files;
      const plain = files(discover(['.'], root, [], isNginx));
      expect(plain.map((file) => file.path)).toEqual(expect.arrayContaining(['CONF.D/Site.CONF', 'etc/sites-enabled/api.example.com', 'etc/snippets/cors', 'naïve/nginx.conf', 'nested/inner/conf.d/x.conf', 'nginx/conf.d/zz-link.conf']));
      expect(files(discover(['.'], root, [], isNginx, { nameHint: nginxNameHint() }))).toEqual(plain);
      // The fixtures, inside this repository's work tree (listed by git).
      const repo = join(import.meta.dirname, '..');
      expect(files(discover(['fixtures'], repo, [], isNginx, { nameHint: nginxNameHint() }))).toEqual(files(discover(['fixtures'], repo, [], isNginx)));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('the walker is the fallback', () => {
  it('outside a git work tree, git lists nothing and the walker reads the folder', () => {
    const { base, root } = repository();
    try {
      expect(gitListing(root)).toBeUndefined();
      const found = summary(discover(['.'], root, [], mayBeSupported));
      expect(found.files.map((file) => file.path)).toContain('nginx/conf.d/site.conf');
      // The walker still honours .gitignore files without git.
      expect(found.files.map((file) => file.path)).not.toContain('services/api/local.py');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasGit)('a folder its repository ignores is walked as a folder of its own (git lists nothing there)', () => {
    const base = mkdtempSync(join(tmpdir(), 'cors-lint-discover-'));
    try {
      write(base, { '.gitignore': 'scratch/\n', 'scratch/nginx/site.conf': NGINX, 'scratch/.gitignore': 'skip.js\n', 'scratch/skip.js': 'x\n', 'scratch/app.js': 'x\n' });
      git(base, 'init', '-q', '.');
      const dir = join(base, 'scratch');
      expect(gitListing(dir)).toBeUndefined();
      expect(summary(discover(['.'], dir, [], mayBeSupported)).files.map((file) => file.path)).toEqual(['app.js', 'nginx/site.conf']);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasGit)('without a git binary on PATH the walker gives the same answer', () => {
    const { base, root } = repository();
    const path = process.env.PATH;
    try {
      tracked(root);
      const expected = summary(discover(['.'], root, [], mayBeSupported));
      process.env.PATH = join(base, 'no-bin-here');
      expect(gitListing(root)).toBeUndefined();
      expect(summary(discover(['.'], root, [], mayBeSupported))).toEqual(expected);
    } finally {
      process.env.PATH = path;
      rmSync(base, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasGit)('a file named on its own is read even outside the listing (a gitignored file)', () => {
    const { base, root } = repository();
    try {
      tracked(root);
      const found = summary(discover(['debug.log', 'nginx/conf.d/site.conf'], root, [], mayBeSupported));
      expect(found.files.map((file) => file.path)).toEqual(['debug.log', 'nginx/conf.d/site.conf']);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasGit)('a repository config cannot make the listing run a program (fsmonitor is off)', () => {
    const { base, root } = repository();
    try {
      tracked(root);
      const marker = join(base, 'ran');
      git(root, 'config', 'core.fsmonitor', `touch ${marker}; false`);
      expect(gitListing(root)).toBeDefined();
      expect(spawnSync('test', ['-e', marker]).status).not.toBe(0);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('the sieve', () => {
  it('keeps the texts it is asked to keep, lists or counts the others', () => {
    const { base, root } = repository();
    try {
      const sieve = (file: { path: string; text: string }) => (file.path.endsWith('.conf') ? (true as const) : file.path.endsWith('.py') ? { skipped: 'python' } : { count: true as const });
      const found = discover(['.'], root, [], mayBeSupported, { sieve });
      expect(found.files.filter((file) => file.text !== undefined).map((file) => file.path)).toEqual(['nginx/conf.d/site.conf', 'nginx/conf.d/zz-link.conf']);
      expect(found.files.filter((file) => file.skipped !== undefined).map((file) => [file.path, file.skipped])).toEqual([['services/api/main.py', 'python']]);
      expect(found.dropped).toBe(6);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('git listing records', () => {
  it('are the same however the output is cut into chunks (a record may span several)', () => {
    const output = Buffer.from(
      [
        '100644 587be6b4c3f93f93c489c0111bba5596147a26cb 0\tnginx/site.conf',
        '120000 2e65efe2a145dda7ee51d1741299f848e5bf752e 0\tlink',
        '100644 587be6b4c3f93f93c489c0111bba5596147a26cb 1\tconflict.js',
        '100644 587be6b4c3f93f93c489c0111bba5596147a26cb 2\tconflict.js',
        '160000 2e65efe2a145dda7ee51d1741299f848e5bf752e 0\tvendor/sub',
        'untracked/naïve file.yaml',
        'nested-repo/',
        '',
      ].join('\0'),
    );
    const expected = [
      { path: 'nginx/site.conf', mode: '100644' },
      { path: 'link', mode: '120000' },
      { path: 'conflict.js', mode: '100644' },
      { path: 'vendor/sub', mode: '160000' },
      { path: 'untracked/naïve file.yaml' },
      { path: 'nested-repo/' },
    ];
    expect([...gitEntries([output])]).toEqual(expected);
    // With a name hint: the records it matches, and the folders, submodules and non-ASCII paths.
    const hinted = expected.filter((entry) => entry.path !== 'link' && entry.path !== 'conflict.js');
    expect([...gitEntries([output], /site\.conf/i)]).toEqual(hinted);
    for (const size of [1, 2, 3, 7, 50, 64]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < output.length; at += size) chunks.push(output.subarray(at, at + size));
      expect([...gitEntries(chunks)]).toEqual(expected);
      expect([...gitEntries(chunks, /site\.conf/i)], `chunks of ${size}`).toEqual(hinted);
    }
  });
});

describe.skipIf(!hasGit)('git asked early (bin.ts, git-prefetch.ts)', () => {
  const early = (dir: string) => prefetchGitListing(dir, { spawn, tmpdir })!;
  const entries = (listed: ReturnType<typeof gitListing>) => (listed ? { bytes: listed.bytes, entries: [...listed] } : undefined);

  it('its listing is the one discovery would ask for, taken once and only for its own folder', async () => {
    const { base, root } = repository();
    try {
      tracked(root);
      const prefetch = early(root);
      expect(await prefetch.wait()).toBe(true);
      // Another folder asks git itself and leaves the early listing where it is.
      expect(entries(gitListing(join(root, 'services'), undefined, undefined, true, prefetch))).toEqual(entries(gitListing(join(root, 'services'))));
      const taken = entries(gitListing(root, undefined, undefined, true, prefetch));
      expect(taken).toEqual(entries(gitListing(root)));
      expect(taken!.entries.map((entry) => entry.path)).toContain('untracked/new.yaml');
      expect(prefetch.take()).toBeUndefined();
      prefetch.release();
      const again = early(root);
      await again.wait();
      expect(summary(discover(['.'], root, [], mayBeSupported, { gitPrefetch: again }))).toEqual(summary(discover(['.'], root, [], mayBeSupported)));
      expect(again.take()).toBeUndefined();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('where git lists nothing (not a work tree), discovery walks the folder as it would have', async () => {
    const { base, root } = repository();
    try {
      const prefetch = early(root);
      expect(await prefetch.wait()).toBe(false);
      expect(prefetch.take()).toBeUndefined();
      expect(gitListing(root, undefined, undefined, true, prefetch)).toBeUndefined();
      expect(summary(discover(['.'], root, [], mayBeSupported, { gitPrefetch: prefetch }))).toEqual(summary(discover(['.'], root, [], mayBeSupported)));
      prefetch.release();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('only a large index is worth it', () => {
    const { base, root } = repository();
    try {
      expect(worthPrefetching(root, 1)).toBe(false);
      tracked(root);
      expect(worthPrefetching(root, 1)).toBe(process.platform !== 'win32');
      expect(worthPrefetching(root)).toBe(false);
      expect(worthPrefetching(join(root, 'services'), 1)).toBe(false);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
