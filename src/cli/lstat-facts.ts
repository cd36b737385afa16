import { closeSync, fstatSync, lstatSync, openSync, type Stats } from 'node:fs';
import { sep } from 'node:path';

/**
 * The lstat facts the caches of a one-file nginx run compare (listing-cache.ts, includer-cache.ts):
 * type, device, inode, size, modification and change times, as `fs.lstatSync` gives them.
 *
 * Why not `lstatSync` alone: those caches check one lstat per nginx file and folder of the
 * repository on every run (3,584 in the bench tree, 2,857 of them in one folder), and Node 20's
 * lstatSync builds a `Stats` with four `Date`s for each, in code that is still interpreted
 * there: 36.6 ms of CPU for the bench tree's 2,857 files, against 10.7 ms for reading the same
 * numbers from the array Node's fs binding returns and lstatSync builds its `Stats` from (median
 * of 7 runs each; about a fifth of a one-file nginx run). Node 20 has no public call that gives a
 * file's times without a `Stats`.
 *
 * That binding (`process.binding('fs')`) is internal: deprecated in the docs only (DEP0111, no
 * warning unless --pending-deprecation, in which case it is not used). It is used only on Node 20,
 * whose two signatures of `lstat(path, bigint, undefined, 4th)` (an error context object, later a
 * throw-if-missing flag) both accept an object there, and only after it gave exactly what
 * lstatSync gives for a real path; any other Node, the permission model, a throw or another
 * layout falls back to lstatSync for the whole run.
 */
export interface LstatFacts {
  kind: 'file' | 'directory' | 'symlink' | 'other';
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  /** Link count: a folder's is 2 plus its subfolders on most file systems (listing-cache.ts). */
  nlink: number;
}

type RawLstat = (path: string) => Float64Array | undefined;

/** Positions in the binding's stat array (node's src/node_file.h FsStatsOffset). */
const DEV = 0;
const MODE = 1;
const NLINK = 2;
const INO = 7;
const SIZE = 8;
const MTIME_SEC = 12;
const MTIME_NSEC = 13;
const CTIME_SEC = 14;
const CTIME_NSEC = 15;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

function kindOf(mode: number): LstatFacts['kind'] {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return 'file';
    case 0o040000:
      return 'directory';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

/** Milliseconds as Node computes a Stats' `mtimeMs` from seconds and nanoseconds. */
function msOf(sec: number, nsec: number): number {
  return sec * 1000 + nsec / 1_000_000;
}

let raw: RawLstat | null | undefined;

function pendingDeprecation(): boolean {
  return process.execArgv.includes('--pending-deprecation') || /--pending-deprecation\b/.test(process.env.NODE_OPTIONS ?? '') || process.env.NODE_PENDING_DEPRECATION === '1';
}

/** A Stats' facts; its kind from its mode, as Stats' own isFile() and the others read it. */
function factsOf(stats: Stats): LstatFacts {
  return { kind: kindOf(stats.mode), dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, nlink: stats.nlink };
}

function fromStats(path: string): LstatFacts | undefined {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  return stats && factsOf(stats);
}

function fromArray(values: Float64Array): LstatFacts {
  return {
    kind: kindOf(values[MODE]),
    dev: values[DEV],
    ino: values[INO],
    size: values[SIZE],
    mtimeMs: msOf(values[MTIME_SEC], values[MTIME_NSEC]),
    ctimeMs: msOf(values[CTIME_SEC], values[CTIME_NSEC]),
    nlink: values[NLINK],
  };
}

function same(a: LstatFacts | undefined, b: LstatFacts | undefined): boolean {
  return a !== undefined && b !== undefined && a.kind === b.kind && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.nlink === b.nlink;
}

type StatCall = (target: string | number, bigint: boolean, request: undefined, context: object) => unknown;

/** Node 20's fs binding, when it may be used at all (see above). */
function fsBinding(): { lstat?: StatCall; fstat?: StatCall } | null {
  const bindingOf = (process as unknown as { binding?: (name: string) => unknown }).binding;
  if (process.versions.node.split('.')[0] !== '20' || pendingDeprecation() || typeof bindingOf !== 'function') return null;
  try {
    return bindingOf.call(process, 'fs') as { lstat?: StatCall; fstat?: StatCall };
  } catch {
    return null;
  }
}

/**
 * One of the binding's stat calls (`lstat` by path, `fstat` by descriptor), returning its numbers or
 * undefined; null when the binding cannot be used. One context object serves every call: the
 * older signature writes a failure's code into it, which nothing reads (a failed call returns no
 * array).
 */
function boundStat<T extends string | number>(name: 'lstat' | 'fstat'): ((target: T) => Float64Array | undefined) | null {
  const binding = fsBinding();
  const stat = binding?.[name];
  if (typeof stat !== 'function') return null;
  const context = {};
  const bound = stat.bind(binding);
  return (target) => {
    const values = bound(target, false, undefined, context);
    return values instanceof Float64Array && values.length >= 18 ? values : undefined;
  };
}

/** The binding's lstat once it answered for node's own executable as lstatSync does; null when it cannot be used. */
function rawLstat(): RawLstat | null {
  try {
    const call = boundStat<string>('lstat');
    const probe = process.execPath;
    const values = call?.(probe);
    return call && values && same(fromArray(values), fromStats(probe)) ? call : null;
  } catch {
    return null;
  }
}

/**
 * What to put before a path relative to `root` to lstat it: nothing when the process runs in
 * `root` (a pre-commit hook, a run from the repository's top), else `root` and a separator. The
 * kernel walks every component of a path on each call: for the bench tree's 2,877 nginx files and
 * 404 folders, the absolute paths' walk (seven components instead of three) was about a tenth of a
 * one-file nginx run's system time (perf, __d_lookup_rcu and link_path_walk). The working folder
 * cannot change during the loop: only the main thread may change it, and it is busy in the loop.
 */
export function statPrefix(root: string): string {
  if (process.cwd() === root) return '';
  return root.endsWith(sep) ? root : `${root}${sep}`;
}

/**
 * The lstat facts of `path` (absolute, or relative to the working folder), or undefined when it does not exist or cannot be
 * stat'ed (both mean "not as remembered" to the caches).
 */
export function lstatFacts(path: string): LstatFacts | undefined {
  try {
    if (raw === undefined) raw = rawLstat();
    if (raw === null) return fromStats(path);
    const values = raw(path);
    return values ? fromArray(values) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `path` is a regular file whose device, inode, size, modification and change times are
 * `facts[at]` to `facts[at + 4]`: lstatFacts' answer compared without building it, for the one
 * check per nginx file of includer-cache.ts (about a sixth of that loop's instructions).
 */
export function isFileWith(path: string, facts: Float64Array, at: number): boolean {
  try {
    if (raw === undefined) raw = rawLstat();
    if (raw === null) {
      const stats = fromStats(path);
      return stats?.kind === 'file' && stats.dev === facts[at] && stats.ino === facts[at + 1] && stats.size === facts[at + 2] && stats.mtimeMs === facts[at + 3] && stats.ctimeMs === facts[at + 4];
    }
    const values = raw(path);
    return (
      values !== undefined &&
      (values[MODE] & S_IFMT) === S_IFREG &&
      values[DEV] === facts[at] &&
      values[INO] === facts[at + 1] &&
      values[SIZE] === facts[at + 2] &&
      msOf(values[MTIME_SEC], values[MTIME_NSEC]) === facts[at + 3] &&
      msOf(values[CTIME_SEC], values[CTIME_NSEC]) === facts[at + 4]
    );
  } catch {
    return false;
  }
}

type RawFstat = (fd: number) => Float64Array | undefined;
let rawF: RawFstat | null | undefined;

/** The binding's fstat once it answered for an open file of node's own executable as fstatSync does; null when it cannot be used. */
function rawFstat(): RawFstat | null {
  let fd: number | undefined;
  try {
    const call = boundStat<number>('fstat');
    if (!call) return null;
    fd = openSync(process.execPath, 'r');
    const values = call(fd);
    return values && same(fromArray(values), factsOf(fstatSync(fd))) ? call : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The kind and size of an open file, as fstatSync gives them, read from the binding where isFileWith
 * reads it (a run's safe read asks once per file it reads: 12,000 files in the bench's real-shaped
 * tree, where fstatSync's Stats objects were about a tenth of discovery's CPU). An fstat that fails
 * throws fstatSync's own error.
 */
export function fstatKindAndSize(fd: number): { kind: LstatFacts['kind']; size: number } {
  if (rawF === undefined) rawF = rawFstat();
  let values: Float64Array | undefined;
  if (rawF !== null) {
    try {
      values = rawF(fd);
    } catch {
      values = undefined;
    }
  }
  if (values) return { kind: kindOf(values[MODE]), size: values[SIZE] };
  const stats = fstatSync(fd);
  return { kind: kindOf(stats.mode), size: stats.size };
}

/** For tests: whether this process reads the binding's numbers (false: lstatSync's). */
export function usesBindingForTests(): boolean {
  if (raw === undefined) raw = rawLstat();
  return raw !== null;
}
