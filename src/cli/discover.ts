import { closeSync, fstatSync, lstatSync, mkdtempSync, openSync, readdirSync, readSync, realpathSync, rmSync, statSync, type Dirent, type Stats } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { createRequire } from 'node:module';
import ignore, { type Ignore } from 'ignore';
import { isInside, readRegularFile, type ReadResult } from './safe-read.js';
import type { Retention } from '../engine/retain.js';
import type { Format } from '../model/types.js';
import type { ReadBase, ReadJob, ReadOutcome } from './read-job.js';
import { readThreads, startReader, stopReader, type ReadThreads } from './read-threads.js';
import type { EarlyReader } from './reader-start.js';
import type { GitRunner, ListingCache } from './listing-cache.js';
import { gitListingArgs, gitListingEnv, largeIndex, LISTING_BYTES, type GitPrefetch } from './git-prefetch.js';

/** node:child_process (with net, dgram and streams behind it) is loaded when git is asked, not by every run (a cold start of one JS file). */
const childProcess = () => createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
/** node:os likewise, for the temporary file of git's listing only. */
const tmpdir = () => (createRequire(import.meta.url)('node:os') as typeof import('node:os')).tmpdir();

/**
 * Finds and reads the files of the given paths. Inside a git work tree the file list comes from
 * one `git ls-files -co --exclude-standard` (git already knows its files and its ignore rules, so
 * nothing is walked); elsewhere, and with `--no-ignore`, a hand-written walker over node:fs does
 * it, honouring `.gitignore` files at every level through the `ignore` package. The walker is
 * written by hand rather than taken from a glob library because every entry that cannot be walked
 * (a symlink loop, an unreadable folder or file) must come back as a note with its path; globbing
 * libraries drop those silently.
 *
 * Scanned trees are hostile: only regular files are read (never a FIFO, socket or device, which
 * would block or never end), through readRegularFile's size cap; a symlink that leads out of the
 * folder being scanned is noted and not followed; symlink loops end in a note. git is run with
 * fsmonitor off, so a repository's own config cannot make the listing run a program.
 *
 * Files are read one at a time and handed to `sieve`, which says whether the run needs the text:
 * a file it drops keeps only its path (or nothing but a count), so memory follows the files that
 * matter, not the size of the repository.
 */
export interface DiscoveredFile {
  path: string;
  /** Where detection reads folder names from (see SourceFile.detectPath). */
  detectPath?: string;
  text?: string;
  error?: string;
  /** Read and left out by the sieve, with its reason (only when the sieve asks to list it). */
  skipped?: string;
  /** The format the sieve detected from the name and the text (`{ keep: format }`), when it did. */
  format?: Format;
}

export interface Discovery {
  files: DiscoveredFile[];
  notes: Array<{ path: string; reason: string }>;
  /** Files read and left out by the sieve that are not in `files` (it asked only to count them). */
  dropped?: number;
}

/**
 * What to keep of a file once read: `true` keeps it with its text, `{ keep: format }` also with the
 * format the sieve detected it as (lint() then does not detect it again); otherwise the text is dropped,
 * and the file is either listed with `skipped` as the reason, counted only (`{ count: true }`), or
 * forgotten (`{ ignored: true }`: a file the run must not see at all).
 */
export type SieveVerdict = true | { keep: Format } | { skipped: string } | { count: true } | { ignored: true };
export type Sieve = (file: { path: string; detectPath: string; text: string }) => SieveVerdict;

export interface DiscoverOptions {
  /** false (`--no-ignore`): no `.gitignore` is honoured (and git is not asked, since it would honour them). */
  gitignore?: boolean;
  /** false: always walk (the tests compare the two). */
  git?: boolean;
  sieve?: Sieve;
  /**
   * A pattern every path `accept` takes matches (ASCII, case-insensitive; a superset of the names is
   * enough): git's list is searched for it natively and only the records that match (and folders,
   * submodules and non-ASCII paths, which are always looked at) are parsed and handed to `accept`.
   * A one-file run's includer search wants the nginx files of a 20,000-file repository: 2,877 of
   * its records. Applied to the paths below a scanned folder whose own display prefix it does not
   * match (a folder named `conf.d` makes every name in it a candidate). The files found are the
   * same; notes (a symlinked folder not followed) are made only for the records looked at.
   */
  nameHint?: RegExp;
  /**
   * With `nameHint`: git's listing of the folder it was made for (its `root`) is taken from this
   * cache while nothing it depends on changed, and kept there after git is asked (listing-cache.ts).
   */
  listingCache?: ListingCache;
  /** Reads a file found (readRegularFile unless given; the includer search's remembers what it can skip, include-facts.ts). */
  readFile?: (absolute: string, options: { noFollow: boolean }) => ReadResult;
  /**
   * Read a large repository's listed files on two threads (read-threads.ts). Only for a run whose
   * `accept` is the name test of detectByName and whose `sieve` is `judge` applied to retention()'s
   * verdict, reading with readRegularFile (not `readFile`): the worker runs those itself and
   * `judge` (the rest: the config's say) runs here.
   */
  threads?: {
    judge: (file: { path: string; detectPath: string }, retained: Retention) => SieveVerdict;
    /** Listings smaller than this are read on one thread (default LISTING_BYTES; tests set it lower). */
    minBytes?: number;
  };
  /** git's listing of one of the folders to scan, asked for early (git-prefetch.ts, waited for already): used instead of asking git again. */
  gitPrefetch?: GitPrefetch;
  /** The reading worker, started early (bin.ts, reader-start.ts): the first folder read on two threads takes it instead of starting one. */
  earlyReader?: EarlyReader;
}

const ALWAYS_SKIPPED = new Set(['.git', 'node_modules', '.hg', '.svn']);
const ALWAYS_SKIPPED_SEGMENT = /(^|\/)(\.git|node_modules|\.hg|\.svn)(\/|$)/;

const toPosix = sep === '/' ? (path: string) => path : (path: string) => path.split(sep).join('/');

/**
 * `accept(path, folderPath)` says from the name whether a found file is worth reading; `folderPath`
 * is the path from the scanned folder's parent, so the scanned folder's own name (`nginx/`) counts
 * and the answer does not depend on the working folder.
 */
export function discover(paths: string[], cwd: string, ignores: string[], accept: (path: string, folderPath: string) => boolean, options: DiscoverOptions = {}): Discovery {
  const files: DiscoveredFile[] = [];
  const notes: Discovery['notes'] = [];
  let dropped = 0;
  const configIgnore = ignores.length > 0 ? ignore().add(ignores) : undefined;
  const seenDirs = new Set<string>();
  const useGit = options.git !== false && options.gitignore !== false;
  const display = (absolute: string) => toPosix(relative(cwd, absolute)) || '.';
  /** cwd-relative display prefix of a folder: '' for cwd itself, else 'a/b/' (or '../x/'). */
  const prefixOf = (absoluteDir: string) => {
    const rel = toPosix(relative(cwd, absoluteDir));
    return rel ? `${rel}/` : '';
  };
  const configIgnored = (shown: string, isDir: boolean) =>
    configIgnore !== undefined && shown !== '' && !shown.startsWith('../') && shown !== '..' && configIgnore.ignores(isDir ? `${shown}/` : shown);

  /** `path` is the display path, `open` what is read (a symlink's resolved target, or the file itself). */
  const readOne = (path: string, open: string, detectPath: string, explicit: boolean, noFollow: boolean): 'ok' | 'missing' | 'symlink' | 'folder' => {
    const read = (options.readFile ?? readRegularFile)(open, { noFollow });
    if ('text' in read) {
      keep(path, detectPath, read.text, options.sieve ? options.sieve({ path, detectPath, text: read.text }) : true);
      return 'ok';
    }
    return readFailed(path, detectPath, read.error, explicit, noFollow);
  };
  const keep = (path: string, detectPath: string, text: string | undefined, verdict: SieveVerdict) => {
    if (verdict === true) files.push({ path, detectPath, text });
    else if ('keep' in verdict) files.push({ path, detectPath, text, format: verdict.keep });
    else if ('skipped' in verdict) files.push({ path, detectPath, skipped: verdict.skipped });
    else if ('count' in verdict) dropped++;
  };
  const readFailed = (path: string, detectPath: string, error: string, explicit: boolean, noFollow: boolean): 'ok' | 'missing' | 'symlink' | 'folder' => {
    if (!explicit && noFollow) {
      // Listed by git: a file deleted since it was added is not there; one that became a symlink
      // or a folder in the work tree is handled as such by the caller.
      if (error === 'ENOENT' || error === 'ENOTDIR') return 'missing';
      if (error === 'symlink (not followed)') return 'symlink';
      if (error === 'a folder') return 'folder';
    }
    if (/not a regular file|larger than|symlink|a folder/.test(error)) notes.push({ path, reason: error });
    else files.push({ path, detectPath, error });
    return 'ok';
  };

  /**
   * A symlink met while scanning `root` (git lists one as a file): a link to a file is read through
   * its target when the target is inside the scanned folder; a link to a folder is walked (walker)
   * or noted (git lists the target's files under their own paths).
   */
  const followLink = (absolute: string, shown: string, detectPath: string, realRoot: string, skip: (isDir: boolean) => boolean, walkFolder: ((target: string) => void) | undefined): void => {
    let target: string;
    let isDir: boolean;
    try {
      target = realpathSync.native(absolute);
      isDir = statSync(target).isDirectory();
    } catch (error) {
      notes.push({ path: shown, reason: `broken or looping symlink (${(error as NodeJS.ErrnoException).code}); skipped` });
      return;
    }
    if (skip(isDir)) return;
    if (!isInside(realRoot, target)) {
      // Said only for what would have been read: a link to /etc from a folder of YAML is not news.
      if (isDir || accept(shown, detectPath)) notes.push({ path: shown, reason: 'symlink leads out of the scanned folder; not followed' });
      return;
    }
    if (isDir) {
      if (walkFolder) walkFolder(target);
      else notes.push({ path: shown, reason: 'symlink loop or folder already walked; skipped' });
      return;
    }
    if (accept(shown, detectPath)) readOne(shown, target, detectPath, false, false);
  };

  /**
   * The walker. `real` is the folder's resolved path (computed from its parent's for plain folders:
   * only a symlink needs realpath), `rel` its path below the scanned root ('' for the root), `shown`
   * its display prefix. Ignore rules carry the `rel` of the folder holding their `.gitignore`, so an
   * entry's path relative to each is a slice, not a path.relative per entry per level.
   */
  const walk = (dir: string, real: string, rel: string, shown: string, rootName: string, realRoot: string, rules: Array<{ baseRel: string; matcher: Ignore }>) => {
    if (seenDirs.has(real)) {
      notes.push({ path: shown ? shown.slice(0, -1) : '.', reason: 'symlink loop or folder already walked; skipped' });
      return;
    }
    seenDirs.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      notes.push({ path: shown ? shown.slice(0, -1) : '.', reason: `cannot read folder: ${(error as NodeJS.ErrnoException).code}` });
      return;
    }
    let levelRules = rules;
    // Read only when the listing has one: no failed open per folder.
    if (options.gitignore !== false && entries.some((entry) => entry.name === '.gitignore' && entry.isFile())) {
      const read = readRegularFile(join(dir, '.gitignore'), { noFollow: true, maxBytes: 1024 * 1024 });
      if ('text' in read) levelRules = [...rules, { baseRel: rel, matcher: ignore().add(read.text) }];
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (ALWAYS_SKIPPED.has(entry.name)) continue;
      const absolute = join(dir, entry.name);
      const entryRel = rel ? `${rel}/${entry.name}` : entry.name;
      const entryShown = `${shown}${entry.name}`;
      const detectPath = `${rootName}/${entryRel}`;
      if (entry.isSymbolicLink()) {
        const skip = (isDir: boolean) => ignoredByRules(levelRules, entryRel, isDir) || configIgnored(entryShown, isDir);
        followLink(absolute, entryShown, detectPath, realRoot, skip, (target) => walk(absolute, target, entryRel, `${entryShown}/`, rootName, realRoot, levelRules));
        continue;
      }
      const isDir = entry.isDirectory();
      if (ignoredByRules(levelRules, entryRel, isDir) || configIgnored(entryShown, isDir)) continue;
      if (isDir) walk(absolute, `${real}${real.endsWith(sep) ? '' : sep}${entry.name}`, entryRel, `${entryShown}/`, rootName, realRoot, levelRules);
      else if (!accept(entryShown, detectPath)) continue;
      else if (entry.isFile()) readOne(entryShown, absolute, detectPath, false, true);
      else notes.push({ path: entryShown, reason: 'not a regular file (device, FIFO or socket); not read' });
    }
  };

  /** A folder: git's list when it is in a work tree and git answers, else the walker. */
  const scanFolder = (absolute: string, realRoot: string, rootName: string, relBase: string, threaded = false) => {
    const shownBase = prefixOf(absolute);
    const hint = options.nameHint && !options.nameHint.test(shownBase) ? options.nameHint : undefined;
    const wantsThreads = threaded && options.threads !== undefined && !options.readFile;
    const minBytes = options.threads?.minBytes ?? LISTING_BYTES;
    // The reading worker's start (a Node environment) overlaps git's run when the index already says the repository is large.
    const early = wantsThreads && useGit && largeIndex(absolute, minBytes) ? (options.earlyReader?.take() ?? startReader()) : undefined;
    const cache = hint && relBase === '' && absolute === options.listingCache?.root ? options.listingCache : undefined;
    const listed = !useGit ? undefined : cache ? cachedListing(cache, absolute, hint!) : gitListing(absolute, hint, undefined, true, options.gitPrefetch);
    if (!listed) {
      if (early) stopReader(early);
      walk(absolute, relBase === '' ? realRoot : realpathOr(absolute), relBase, shownBase, rootName, realRoot, []);
      return;
    }
    // A listed file read on either thread is finished here, in the listing's order, as the loop below would.
    const finish = (job: ReadJob, outcome: ReadOutcome) => {
      if ('skip' in outcome) return;
      if ('error' in outcome) {
        const failed = readFailed(job.shown, job.detectPath, outcome.error, false, true);
        if (failed === 'symlink') followLink(job.absolute, job.shown, job.detectPath, realRoot, (isDir) => configIgnored(job.shown, isDir), undefined);
        else if (failed === 'folder') scanFolder(job.absolute, realRoot, rootName, job.fullRel);
        return;
      }
      const retained: Retention = outcome.keep ? { keep: true, format: outcome.format } : { keep: false, reason: outcome.reason };
      keep(job.shown, job.detectPath, outcome.keep ? outcome.text : undefined, options.threads!.judge({ path: job.shown, detectPath: job.detectPath }, retained));
    };
    // Nested scans (submodules, a listed file that became a folder) stay on this thread: one pipeline at a time.
    const pipeline: ReadThreads | undefined = wantsThreads && (listed.bytes ?? 0) >= minBytes ? readThreads({ absolute, shownBase, rootName, relBase } satisfies ReadBase, finish, early) : undefined;
    if (early && !pipeline) stopReader(early);
    try {
      scanListed(listed, absolute, realRoot, rootName, relBase, shownBase, pipeline);
      pipeline?.close();
    } catch (error) {
      // A config error met while finishing a file ends the run as it would on one thread: nothing more is finished.
      pipeline?.abandon();
      throw error;
    }
  };

  const scanListed = (listed: Iterable<GitEntry>, absolute: string, realRoot: string, rootName: string, relBase: string, shownBase: string, pipeline: ReadThreads | undefined) => {
    for (const { path: rel, mode } of listed) {
      if (ALWAYS_SKIPPED_SEGMENT.test(rel)) continue;
      const isFolderEntry = mode === '160000' || rel.endsWith('/');
      // A tracked file, the bulk of a listing, goes to the reading threads as its path alone (read-job.ts's readJobOf spells the rest the same way).
      if (pipeline && !isFolderEntry && mode !== undefined && mode !== '120000') {
        if (configIgnore === undefined || !configIgnored(`${shownBase}${rel}`, false)) pipeline.add(rel);
        continue;
      }
      const clean = rel.endsWith('/') ? rel.slice(0, -1) : rel;
      // git run inside a submodule that was never initialised (an empty folder; a clone without
      // --recursive) lists the parent's gitlink for that folder itself, as './': nothing to read
      // there, and scanning it again would never end.
      if (isFolderEntry && (clean === '.' || clean === '')) continue;
      const fullRel = relBase ? `${relBase}/${clean}` : clean;
      const shown = `${shownBase}${clean}`;
      // git's paths are normalised and relative: joined by hand, not through path.join per entry.
      const absoluteEntry = `${absolute}${absolute.endsWith(sep) ? '' : sep}${clean}`;
      const detectPath = `${rootName}/${fullRel}`;
      if (isFolderEntry) {
        // A submodule or a nested repository: scanned on its own (git lists it as one entry).
        pipeline?.flush();
        if (!configIgnored(shown, true)) scanFolder(absoluteEntry, realRoot, rootName, fullRel);
        continue;
      }
      let symlink = mode === '120000';
      if (mode === undefined) {
        // Untracked: git does not say what it is (few such files; each costs one lstat).
        try {
          const stats = lstatSync(absoluteEntry);
          symlink = stats.isSymbolicLink();
          if (stats.isDirectory()) {
            pipeline?.flush();
            if (!configIgnored(shown, true)) scanFolder(absoluteEntry, realRoot, rootName, fullRel);
            continue;
          }
        } catch {
          continue;
        }
      }
      if (symlink) {
        pipeline?.flush();
        followLink(absoluteEntry, shown, detectPath, realRoot, (isDir) => configIgnored(shown, isDir), undefined);
        continue;
      }
      if (pipeline) {
        if (!configIgnored(shown, false)) pipeline.add(clean);
        continue;
      }
      if (configIgnored(shown, false) || !accept(shown, detectPath)) continue;
      const outcome = readOne(shown, absoluteEntry, detectPath, false, true);
      if (outcome === 'symlink') followLink(absoluteEntry, shown, detectPath, realRoot, (isDir) => configIgnored(shown, isDir), undefined);
      else if (outcome === 'folder') scanFolder(absoluteEntry, realRoot, rootName, fullRel);
    }
  };

  for (const given of paths) {
    const absolute = resolve(cwd, given);
    let stats: Stats;
    try {
      stats = lstatSync(absolute);
      if (stats.isSymbolicLink()) stats = statSync(absolute);
    } catch (error) {
      notes.push({ path: given, reason: `does not exist or cannot be read (${(error as NodeJS.ErrnoException).code})` });
      continue;
    }
    if (stats.isDirectory()) {
      let realRoot: string;
      try {
        realRoot = realpathSync.native(absolute);
      } catch (error) {
        notes.push({ path: given, reason: `cannot resolve: ${(error as NodeJS.ErrnoException).code}` });
        continue;
      }
      scanFolder(absolute, realRoot, basename(absolute), '', true);
    } else {
      // A file the user named: read even if its name says nothing (detection then goes by content),
      // with its folders taken from its absolute path.
      readOne(display(absolute), absolute, toPosix(absolute), true, false);
    }
  }
  return { files, notes, dropped };
}

/** The cache's listing when it is still right, else git's, recorded for the next run. */
function cachedListing(cache: ListingCache, dir: string, hint: RegExp): (Iterable<GitEntry> & { bytes?: number }) | undefined {
  const remembered = cache.lookup();
  if (remembered) return remembered.entries;
  const folders = new Set<string>();
  const listed = gitListing(dir, hint, folders);
  return listed && cache.recording(listed, folders);
}

function realpathOr(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return path;
  }
}

function ignoredByRules(rules: Array<{ baseRel: string; matcher: Ignore }>, entryRel: string, isDir: boolean): boolean {
  for (const { baseRel, matcher } of rules) {
    const rel = baseRel === '' ? entryRel : entryRel.slice(baseRel.length + 1);
    if (matcher.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

interface GitEntry {
  path: string;
  /** The index mode ('100644', '120000' symlink, '160000' submodule); undefined for an untracked file. */
  mode?: string;
}

/**
 * The files of `dir` as git sees them: tracked (with their index mode, so symlinks and submodules
 * need no lstat) and untracked but not ignored, paths relative to `dir`. Undefined when `dir` is not
 * in a work tree, git is missing or fails, or lists nothing (a folder the enclosing repository
 * ignores, such as a build output: the walker then reads it as it would outside git).
 *
 * git writes its list to an unlinked temporary file that is read back a chunk at a time, so the
 * listing of a 100,000-file repository is never in memory whole (a pipe would have to be, with a
 * synchronous spawn); where no temporary file can be made, a pipe it is. With `prefetched` (the same
 * request, started early for this folder and waited for), its file is read instead.
 */
export function gitListing(dir: string, hint?: RegExp, folders?: Set<string>, untracked = true, prefetched?: GitPrefetch): (Iterable<GitEntry> & { bytes?: number }) | undefined {
  const early = untracked && prefetched?.dir === dir ? prefetched.take() : undefined;
  if (early !== undefined) {
    try {
      const size = fstatSync(early).size;
      if (size > 0) return Object.assign(gitEntries(fileChunks(early, () => undefined), hint, folders), { bytes: size });
    } catch {
      // Read as an empty listing: the folder is walked.
    }
    closeSync(early);
    return undefined;
  }
  const env = gitListingEnv();
  // Without `untracked`, only the index is read (the listing cache knows the untracked files).
  const args = gitListingArgs(untracked);
  let fd: number | undefined;
  let tmp: string | undefined;
  try {
    tmp = mkdtempSync(join(tmpdir(), 'cors-lint-ls-'));
    fd = openSync(join(tmp, 'list'), 'w+', 0o600);
  } catch {
    fd = undefined;
  }
  const cleanup = () => {
    if (tmp !== undefined) rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  };
  try {
    const result = childProcess().spawnSync('git', args, { cwd: dir, env, stdio: ['ignore', fd ?? 'pipe', 'ignore'], maxBuffer: 1024 * 1024 * 1024, windowsHide: true });
    if (result.error || result.status !== 0) return closeAnd(fd, cleanup);
    if (fd === undefined) return result.stdout && result.stdout.length > 0 ? Object.assign(gitEntries([result.stdout], hint, folders), { bytes: result.stdout.length }) : undefined;
    const size = fstatSync(fd).size;
    if (size === 0) return closeAnd(fd, cleanup);
    // Unlinked now (POSIX): nothing is left behind whatever happens to the iteration.
    if (process.platform !== 'win32') cleanup();
    return Object.assign(gitEntries(fileChunks(fd, cleanup), hint, folders), { bytes: size });
  } catch {
    return closeAnd(fd, cleanup);
  }
}

/** Runs other git commands in `dir` as gitListing runs ls-files (for the listing cache). */
export function gitRunner(dir: string): GitRunner {
  return (args, input, okStatus) => {
    try {
      const result = childProcess().spawnSync('git', ['-c', 'core.fsmonitor=false', ...args], { cwd: dir, env: gitListingEnv(), input, stdio: ['pipe', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024, windowsHide: true });
      return result.error || (result.status !== 0 && result.status !== okStatus) ? undefined : result.stdout;
    } catch {
      return undefined;
    }
  };
}

function closeAnd(fd: number | undefined, cleanup: () => void): undefined {
  if (fd !== undefined) closeSync(fd);
  cleanup();
  return undefined;
}

/** The file behind `fd` from its start, 1 MB at a time; closed (and `cleanup` run) at the end or when the reader stops. */
function* fileChunks(fd: number, cleanup: () => void): Generator<Buffer> {
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  let position = 0;
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, position);
      if (n === 0) return;
      position += n;
      yield buffer.subarray(0, n);
    }
  } finally {
    closeSync(fd);
    cleanup();
  }
}

const STAGED = /^[0-7]{6} [0-9a-f]{40,64} [0-3]$/;
const REGULAR_MODE = '100644';
/**
 * STAGED followed by the record's tab, tested on the whole record: none of its characters is a tab, so
 * it matches exactly when the part before the first tab is STAGED, with no slice of every record made.
 */
const STAGED_RECORD = /^[0-7]{6} [0-9a-f]{40,64} [0-3]\t/;

/**
 * NUL-separated records from chunks of git's output (a record may span two chunks). With a `hint`
 * (DiscoverOptions.nameHint), only the records that match it are parsed, and those that must be
 * looked at whatever their name: a folder (`dir/`, an untracked nested repository), a submodule
 * (mode 160000), and any record with a byte outside ASCII (whose lower case the hint does not judge).
 *
 * `folders` (with a hint only) receives the folder of every record, parsed or not ('' for the
 * top), for the listing cache (listing-cache.ts); UNSAFE_LISTING when a path holds a tab or a
 * line break, which that cache cannot keep.
 */
export function* gitEntries(chunks: Iterable<Buffer>, hint?: RegExp, folders?: Set<string>): Generator<GitEntry> {
  const wanted = hint && new RegExp(`${hint.source}|/\\0|(?:^|\\0)160000 |[\\x80-\\xff]`, 'gi');
  const unmerged = new Set<string>();
  let carry: Buffer | undefined;
  for (const chunk of chunks) {
    let start = 0;
    if (carry) {
      // Only the unfinished record is joined with the start of the next chunk, never whole chunks.
      const first = chunk.indexOf(0);
      if (first === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const record = Buffer.concat([carry, chunk.subarray(0, first)]);
      carry = undefined;
      start = first + 1;
      if (folders) addFolders(record.toString('latin1') + '\0', 0, folders);
      const entry = !wanted || wantedRecord(wanted, record) ? parseRecord(record.toString('utf8'), unmerged) : undefined;
      if (entry) yield entry;
    }
    if (wanted) {
      // One latin1 string per chunk: its indexes are byte offsets, so a match's record is sliced from the chunk as UTF-8.
      const last = chunk.lastIndexOf(0);
      if (last >= start) {
        const text = chunk.toString('latin1', 0, last + 1);
        if (folders) addFolders(text, start, folders);
        wanted.lastIndex = start;
        for (let match = wanted.exec(text); match; match = wanted.exec(text)) {
          const from = Math.max(start, text.lastIndexOf('\0', match[0].startsWith('\0') ? match.index : match.index - 1) + 1);
          const end = text.indexOf('\0', match.index + (match[0].startsWith('\0') ? 1 : 0));
          const entry = parseRecord(chunk.toString('utf8', from, end), unmerged);
          if (entry) yield entry;
          wanted.lastIndex = end + 1;
        }
        start = last + 1;
      }
    } else {
      for (let end = chunk.indexOf(0, start); end !== -1; end = chunk.indexOf(0, start)) {
        const entry = parseRecord(chunk.toString('utf8', start, end), unmerged);
        start = end + 1;
        if (entry) yield entry;
      }
    }
    // The chunk buffer is reused by the reader: keep a copy of the unfinished record.
    if (start < chunk.length) carry = Buffer.from(chunk.subarray(start));
  }
  if (carry && carry.length > 0 && folders) addFolders(`${carry.toString('latin1')}\0`, 0, folders);
  if (carry && carry.length > 0 && (!wanted || wantedRecord(wanted, carry))) {
    const entry = parseRecord(carry.toString('utf8'), unmerged);
    if (entry) yield entry;
  }
}

/** What gitEntries puts in `folders` when a path cannot be kept by the listing cache. */
export const UNSAFE_LISTING = '\0unsafe';

/**
 * The folders of the NUL-ended records of `text` (latin1: one char per byte) from `start`. git
 * lists a folder's files together, so a folder is sliced and added only when it differs from the
 * previous record's.
 */
function addFolders(text: string, start: number, folders: Set<string>): void {
  let previous = '\0';
  let tab = -1;
  if (text.includes('\n') || text.includes('\r')) folders.add(UNSAFE_LISTING);
  for (let end = text.indexOf('\0', start); end !== -1; start = end + 1, end = text.indexOf('\0', start)) {
    if (tab < start) tab = text.indexOf('\t', start);
    let from = start;
    if (tab !== -1 && tab < end) {
      // "<mode> <object> <stage>\t<path>"; a tab anywhere else is in a path.
      if (text.charCodeAt(start + 6) !== 32 || !STAGED.test(text.slice(start, tab))) folders.add(UNSAFE_LISTING);
      from = tab + 1;
      tab = text.indexOf('\t', from);
      if (tab !== -1 && tab < end) folders.add(UNSAFE_LISTING);
    }
    const slash = text.lastIndexOf('/', end - 1);
    // A record ending in `/` (a nested repository) is a folder the cache refuses anyway.
    const length = slash < from ? 0 : slash - from;
    if (length === previous.length && text.startsWith(previous, from)) continue;
    previous = text.slice(from, from + length);
    folders.add(/[\x80-\xff]/.test(previous) ? Buffer.from(previous, 'latin1').toString('utf8') : previous);
  }
}

/** One record (without its NUL) is among those `wanted` finds in a chunk. */
function wantedRecord(wanted: RegExp, record: Buffer): boolean {
  wanted.lastIndex = 0;
  return wanted.test(`${record.toString('latin1')}\0`);
}

function parseRecord(record: string, unmerged: Set<string>): GitEntry | undefined {
  if (!record) return undefined;
  // `--stage` prints tracked entries as "<mode> <object> <stage>\t<path>", untracked ones as the bare path.
  const tab = record.indexOf('\t');
  if (tab > 0 && STAGED_RECORD.test(record)) {
    const path = record.slice(tab + 1);
    // An unmerged file has one entry per stage (1-3).
    if (record[tab - 1] !== '0') {
      if (unmerged.has(path)) return undefined;
      unmerged.add(path);
    }
    // Nearly every record is a plain file's: its mode is the one string, not a slice of each record.
    return { path, mode: record.startsWith(REGULAR_MODE) ? REGULAR_MODE : record.slice(0, 6) };
  }
  return { path: record };
}
