import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

/**
 * A large repository is read on two threads (src/cli/read-threads.ts). The worker script exists
 * only as JavaScript, so these tests load the built program (dist/, built by the global setup).
 * Whichever thread reads a file, the run must find the same files, texts, notes and counts in the
 * same order as one thread does, with hostile entries (a FIFO, a symlink out and a symlink loop, a
 * folder or a nested repository where a file was, an unreadable and an oversized file) among the
 * batches.
 */
const hasGit = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;
const hasMkfifo = spawnSync('mkfifo', ['--version'], { stdio: 'ignore' }).status === 0;

type Discover = typeof import('../src/cli/discover.js');
type ReadJobModule = typeof import('../src/cli/read-job.js');
type ReadThreadsModule = typeof import('../src/cli/read-threads.js');
type RetainModule = typeof import('../src/engine/retain.js');
type DetectModule = typeof import('../src/engine/detect.js');
const built = async <T>(path: string) => (await import(join(ROOT, 'dist', 'src', path))) as T;

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'ignore' });
}

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** `files` ordinary files in folders a..z (a few with CORS), then the hostile entries spread over the listing's order. */
function repository(files: number): { base: string; root: string } {
  const base = mkdtempSync(join(tmpdir(), 'cors-lint-threads-'));
  const root = join(base, 'repo');
  write(base, 'outside/secret.conf', 'add_header X-Leak OUTSIDE_SECRET;\n');
  for (let i = 0; i < files; i++) {
    const folder = String.fromCharCode(97 + (i % 26));
    const cors = i % 97 === 0;
    switch (i % 5) {
      case 0:
        write(root, `${folder}/src/part${i}.ts`, cors ? "import cors from 'cors';\nexport const mw = cors({ origin: true, credentials: true });\n" : `export const part${i} = (x: number) => x * ${i};\n`);
        break;
      case 1:
        write(root, `${folder}/app/task${i}.py`, cors ? 'from flask_cors import CORS\nCORS(app, supports_credentials=True)\n' : `def task_${i}(x):\n    return x\n`);
        break;
      case 2:
        write(root, `${folder}/deploy/app${i}.yaml`, cors ? 'kind: Ingress\nmetadata:\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n' : `name: app${i}\n`);
        break;
      case 3:
        write(root, `${folder}/docs/page${i}.md`, `# page ${i}\n`);
        break;
      default:
        write(root, `${folder}/nginx/conf.d/site${i}.conf`, `server {\n  server_name s${i}.example.com;\n}\n`);
    }
  }
  for (const path of ['c/fifo.conf', 'f/gone.js', 'h/link.conf', 'k/became-folder.yaml', 'm/unreadable.py', 'p/huge.conf']) write(root, path, 'server {}\n');
  symlinkSync('loop.conf', join(root, 'r', 'loop.conf'));
  git(root, 'init', '-q', '.');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'x');
  // The work tree moves away from what git recorded.
  rmSync(join(root, 'c', 'fifo.conf'));
  if (hasMkfifo) execFileSync('mkfifo', [join(root, 'c', 'fifo.conf')]);
  rmSync(join(root, 'f', 'gone.js'));
  rmSync(join(root, 'h', 'link.conf'));
  symlinkSync(join(base, 'outside', 'secret.conf'), join(root, 'h', 'link.conf'));
  rmSync(join(root, 'k', 'became-folder.yaml'));
  write(root, 'k/became-folder.yaml/inner.yaml', 'kind: Service\n');
  chmodSync(join(root, 'm', 'unreadable.py'), 0);
  truncateSync(join(root, 'p', 'huge.conf'), 17 * 1024 * 1024);
  write(root, 't/nested/server.js', "const cors = require('cors');\n");
  git(join(root, 't', 'nested'), 'init', '-q', '.');
  write(root, 'w/untracked.yaml', 'kind: Service\n');
  return { base, root };
}

describe.skipIf(!hasGit)('reading on two threads', () => {
  it('finds the same files, texts, notes and counts in the same order as one thread', async () => {
    const { discover } = await built<Discover>('cli/discover.js');
    const { retention } = await built<RetainModule>('engine/retain.js');
    const { mayBeSupported } = await built<DetectModule>('engine/detect.js');
    const { readThreadCounts } = await built<ReadThreadsModule>('cli/read-threads.js');
    const { base, root } = repository(1500);
    try {
      // A verdict that uses all three outcomes: kept, listed as skipped, counted.
      let judged = 0;
      const judge = (file: { path: string }, retained: import('../src/engine/retain.js').Retention) => {
        judged++;
        if (retained.keep) return true as const;
        return file.path.endsWith('.md') ? { count: true as const } : { skipped: retained.reason };
      };
      const sieve = (file: { path: string; detectPath: string; text: string }) => judge(file, retention(file));
      const single = discover(['.'], root, [], mayBeSupported, { sieve });
      const singleJudged = judged;
      judged = 0;
      const before = { ...readThreadCounts };
      // Whatever the machine's load (the worker is started only with a core to spare).
      process.env.CORS_LINT_READ_THREADS = '1';
      let threaded;
      try {
        threaded = discover(['.'], root, [], mayBeSupported, { sieve, threads: { judge, minBytes: 0 } });
      } finally {
        delete process.env.CORS_LINT_READ_THREADS;
      }
      expect(threaded).toEqual(single);
      expect(judged).toBe(singleJudged);
      // Twelve batches of 128 files or so: both threads took part (a late worker's batches are read here again).
      expect(readThreadCounts.worker + readThreadCounts.here - before.worker - before.here).toBeGreaterThan(8);
      const notes = threaded.notes.map((note) => `${note.path}: ${note.reason}`);
      expect(notes).toEqual(expect.arrayContaining(['h/link.conf: symlink leads out of the scanned folder; not followed', 'p/huge.conf: larger than 16 MB; not read']));
      if (hasMkfifo) expect(notes).toContain('c/fifo.conf: not a regular file (device, FIFO or socket); not read');
      expect(notes.some((note) => note.startsWith('r/loop.conf: broken or looping symlink'))).toBe(true);
      const paths = threaded.files.map((file) => file.path);
      expect(paths).toEqual(expect.arrayContaining(['k/became-folder.yaml/inner.yaml', 't/nested/server.js', 'w/untracked.yaml']));
      expect(paths).not.toContain('f/gone.js');
      if (process.getuid?.() !== 0) expect(threaded.files.find((file) => file.path === 'm/unreadable.py')?.error).toBe('EACCES');
      expect(JSON.stringify(threaded)).not.toContain('OUTSIDE_SECRET');
      expect(threaded.files.filter((file) => file.text !== undefined).length).toBeGreaterThan(300);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 120_000);

  it('the bundle ships the reading worker next to bin.js, and it answers a batch as this thread would', async () => {
    const { readJob, readJobOf, readBatch, batchOutcome } = await built<ReadJobModule>('cli/read-job.js');
    const { base, root } = repository(30);
    try {
      const paths = ['a/src/part0.ts', 'd/docs/page3.md', 'h/link.conf', 'm/unreadable.py', 'p/huge.conf', 'nope.js', 'k/became-folder.yaml', 'b/app/task1.py', 'c/deploy/app2.yaml'];
      const where = { absolute: root, shownBase: '', rootName: 'repo', relBase: '' };
      const jobs = paths.map((path) => readJobOf(where, path));
      expect(jobs[0]).toEqual({ absolute: join(root, 'a/src/part0.ts'), shown: 'a/src/part0.ts', detectPath: 'repo/a/src/part0.ts', fullRel: 'a/src/part0.ts' });
      expect(readJobOf({ absolute: join(root, 't'), shownBase: 'repo/t/', rootName: 'repo', relBase: 't' }, 'nested/server.js')).toEqual({ absolute: join(root, 't', 'nested/server.js'), shown: 'repo/t/nested/server.js', detectPath: 'repo/t/nested/server.js', fullRel: 't/nested/server.js' });
      // The compact form decodes to what readJob says of each file, every kind of outcome among them.
      const local = readBatch(where, paths.join('\0'));
      expect(paths.map((_, i) => batchOutcome(local, i))).toEqual(jobs.map(readJob));
      expect(new Set(jobs.map(readJob).map((outcome) => Object.keys(outcome).sort().join()))).toEqual(new Set(['skip', 'error', 'format,keep,text', 'keep,reason']));
      for (const script of [join(ROOT, 'dist', 'cli', 'read-worker.js'), join(ROOT, 'dist', 'src', 'cli', 'read-worker.js')]) {
        const { port1, port2 } = new MessageChannel();
        const signal = new Int32Array(new SharedArrayBuffer(4));
        const worker = new Worker(script, { workerData: { port: port2, signal }, transferList: [port2] });
        try {
          port1.postMessage({ id: 7, base: where, paths: paths.join('\0') });
          expect(Atomics.wait(signal, 0, 0, 60_000)).not.toBe('timed-out');
          const answer = receiveMessageOnPort(port1)?.message as { id: number; batch: unknown };
          expect(answer).toEqual({ id: 7, batch: local });
        } finally {
          port1.close();
          await worker.terminate();
        }
      }
      // With claim slots (read-threads.ts): a batch whose slot this thread claimed first is answered as taken, not read;
      // one whose slot is free is claimed by the worker (1) and read.
      for (const script of [join(ROOT, 'dist', 'cli', 'read-worker.js'), join(ROOT, 'dist', 'src', 'cli', 'read-worker.js')]) {
        const { port1, port2 } = new MessageChannel();
        const signal = new Int32Array(new SharedArrayBuffer(4));
        const claims = new Int32Array(new SharedArrayBuffer(4 * 4));
        claims[1] = 2;
        const worker = new Worker(script, { workerData: { port: port2, signal, claims }, transferList: [port2] });
        try {
          port1.postMessage({ id: 1, base: where, paths: paths.join('\0'), slot: 1 });
          port1.postMessage({ id: 2, base: where, paths: paths.join('\0'), slot: 2 });
          for (let seen = 0; seen < 2; seen = Atomics.load(signal, 0)) expect(Atomics.wait(signal, 0, seen, 60_000)).not.toBe('timed-out');
          expect(receiveMessageOnPort(port1)?.message).toEqual({ id: 1, batch: { taken: true } });
          expect(receiveMessageOnPort(port1)?.message).toEqual({ id: 2, batch: local });
          expect([...claims]).toEqual([0, 2, 1, 0]);
        } finally {
          port1.close();
          await worker.terminate();
        }
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 120_000);

  it('the CLI gives the same report and skip list with and without the reading thread (--jobs 1; 2,700 files are above LISTING_BYTES)', async () => {
    const { base, root } = repository(2700);
    try {
      const bin = join(ROOT, 'dist', 'cli', 'bin.js');
      const run = (...args: string[]) => spawnSync(process.execPath, [bin, '--format', 'json', '--debug', ...args, '.'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, CORS_LINT_READ_THREADS: '1' } });
      const threaded = run();
      const single = run('--jobs', '1');
      expect(threaded.status).toBe(single.status);
      expect(threaded.stdout).toBe(single.stdout);
      expect(threaded.stderr).toBe(single.stderr);
      // bin.ts asks git for this repository's files before the program loads (git-prefetch.ts): the same report as when discovery asks.
      const late = spawnSync(process.execPath, [bin, '--format', 'json', '--debug', '.'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, CORS_LINT_READ_THREADS: '1', CORS_LINT_GIT_PREFETCH: '0' } });
      expect(late.stdout).toBe(threaded.stdout);
      expect(late.stderr).toBe(threaded.stderr);
      expect(JSON.parse(threaded.stdout).length).toBeGreaterThan(10);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 120_000);
});
