import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

/**
 * How discovery asks git for a repository's files (discover.ts's gitListing), and the same request
 * started early: bin.ts starts it for a run over one large repository before the program is even
 * loaded, so git's walk of the work tree (the untracked files: every folder is read) runs on
 * the other core while this one loads and compiles the linter. Measured on the real-shaped bench
 * tree, git took 100-370 ms and loading the program 70-160 ms before it was asked (load ~8, 2 cores).
 * This module stays small and loads nothing at its top that Node has not loaded already (bin.ts
 * bundles it into every start): node:child_process and node:os are handed in.
 */
export function gitListingArgs(untracked = true): string[] {
  return ['-c', 'core.fsmonitor=false', '-c', 'core.quotePath=false', 'ls-files', '-z', '--cached', ...(untracked ? ['--others', '--exclude-standard'] : []), '--stage'];
}

/** Variables that would point git at another repository or index than the folder's own. */
const GIT_LOCATION_VARS = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_NAMESPACE'];

export function gitListingEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of GIT_LOCATION_VARS) delete env[name];
  return env;
}

/** git's listing of a repository of about 2,000 files (`--stage` records are some 80 bytes): the size from which a run reads on two threads (read-threads.ts) and asks git early. */
export const LISTING_BYTES = 160 * 1024;

/**
 * Whether the git index at the root of `dir` (a repository's own folder) is at least `bytes`
 * long: an index entry (some 100 bytes) is larger than its `ls-files --stage` record, so this
 * is known large before git lists it. False for a sub-folder, a linked work tree or no index.
 */
export function largeIndex(dir: string, bytes: number): boolean {
  try {
    const size = statSync(`${dir}${dir.endsWith(sep) ? '' : sep}.git${sep}index`, { throwIfNoEntry: false })?.size ?? 0;
    return size > 0 && size >= bytes;
  } catch {
    return false;
  }
}

/** A listing git is writing (or has written) to an unlinked temporary file. */
export interface GitPrefetch {
  /** The folder listed (absolute, as discover.ts resolves it). */
  readonly dir: string;
  /** Waits for git (keeping the process alive meanwhile); true when it listed and exited 0. Call before taking. */
  wait(): Promise<boolean>;
  /** The file's descriptor, once: after a successful wait, by the discovery that lists `dir`; undefined otherwise. */
  take(): number | undefined;
  /** Closes the file unless taken (the run did not list `dir` through git). */
  release(): void;
}

/** Whether a run over `dir` asks git early: a large index (below that git answers in a few ms), and not on Windows (an open file cannot be unlinked there). */
export function worthPrefetching(dir: string, minIndexBytes = LISTING_BYTES): boolean {
  return process.platform !== 'win32' && largeIndex(dir, minIndexBytes);
}

/**
 * Starts `git ls-files` for `dir` (see worthPrefetching); undefined when the temporary file cannot
 * be made or git cannot be started. Nothing is left on disk whatever happens: the file is unlinked
 * before git starts, and the child does not keep the process alive unless waited for.
 */
export function prefetchGitListing(dir: string, { spawn, tmpdir }: { spawn: typeof import('node:child_process').spawn; tmpdir: () => string }): GitPrefetch | undefined {
  let fd: number | undefined;
  let child: ChildProcess;
  try {
    const tmp = mkdtempSync(join(tmpdir(), 'cors-lint-ls-'));
    try {
      fd = openSync(join(tmp, 'list'), 'w+', 0o600);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    child = spawn('git', gitListingArgs(), { cwd: dir, env: gitListingEnv(), stdio: ['ignore', fd, 'ignore'], windowsHide: true });
  } catch {
    if (fd !== undefined) closeSync(fd);
    return undefined;
  }
  child.unref();
  // 'error' (no git) may come instead of 'exit'; either settles.
  const done = new Promise<boolean>((settle) => {
    child.once('error', () => settle(false));
    child.once('exit', (code) => settle(code === 0));
  });
  let ok = false;
  let open: number | undefined = fd;
  return {
    dir,
    async wait() {
      child.ref();
      ok = await done;
      return ok;
    },
    take() {
      const taken = ok ? open : undefined;
      if (taken !== undefined) open = undefined;
      return taken;
    },
    release() {
      if (open !== undefined) closeSync(open);
      open = undefined;
    },
  };
}
