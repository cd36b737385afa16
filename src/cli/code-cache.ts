import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cachedDataVersionTag } from 'node:v8';
import { Script } from 'node:vm';
import { cacheDirectory, readOwnCacheFile } from './cache-dir.js';

/**
 * Loads the bundled CLI's CommonJS files (scripts/bundle.mjs) through V8's code cache: the first
 * run compiles a file and, at exit, stores what V8 compiled (the top level and every function the
 * run called); later runs hand that back to V8 and skip parsing and compiling. Node 20 has no
 * compile cache of its own (`module.enableCompileCache()` arrived in 22.1), and what a one-file
 * run (a pre-commit hook) spends above `node -e 0` is mostly compiling the program and its parsers.
 *
 * V8 checks a cache against its own version and flags and the source's length, not its content,
 * so the cache file's name carries the content hash computed when the file was built, and its size
 * and modification time (a file edited in place is compiled afresh), and V8's tag for its version
 * and flags: a lint run sets a flag the language server does not (src/cli/bin.ts), and each keeps
 * a cache the other would reject. A cache that is missing, rejected or unreadable costs one normal
 * compile; writing one is atomic (rename) and every failure is ignored: a read-only install runs
 * uncached.
 *
 * A cache holds what the run that wrote it compiled, and run.cjs holds every format's extractor: a
 * cache written by a JS run left a Python run compiling its extractor, values and rules lazily on
 * every run. So a cache file starts with the code paths it covers (the formats linted, noted by
 * coverCodePath), and a run that took one it lacks writes it again at exit: V8's data then holds
 * the functions the cache gave this run and those it compiled, so it grows to what the runs on this
 * machine use (a new path costs one rewrite, never a cycle).
 */

export interface CacheTarget {
  /** Where cache files go; undefined: no cache. */
  dir: string | undefined;
  /** The content hash of `file` recorded when it was built. */
  hash: string;
}

interface Loaded {
  script: Script;
  path: string;
  prefix: string;
  /** V8's version, flags tag and the architecture, as they end the cache file's name. */
  v8: string;
  /** The code paths the cache read covered; undefined when there was none, or V8 rejected it. */
  covered: Set<string> | undefined;
}

const loadedScripts: Loaded[] = [];
let exitHook = false;
/** What this run's code did (coverCodePath). */
const coverage = new Set<string>();

/**
 * The first line of a cache file: this magic, the code paths it covers (comma-separated), spaces
 * to a multiple of 8 bytes and a newline; V8's data follows, aligned as V8 wants it (it copies
 * data that is not).
 */
const MAGIC = 'cors-lint-code-cache-1 ';

/**
 * Names a code path this run took (the formats it linted): a cache that does not cover it is
 * written again at exit, with the functions this run compiled added. Tags are short words.
 */
export function coverCodePath(tag: string): void {
  if (/^[\w-]{1,40}$/.test(tag)) coverage.add(tag);
}

/** V8's data and the code paths of a cache file; undefined when the header is not ours (a damaged file). */
function parseCacheFile(data: Buffer): { cachedData: Buffer; covered: Set<string> } | undefined {
  const end = data.indexOf(10, 0);
  if (end === -1 || end > 4096 || data.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
  const tags = data.toString('latin1', MAGIC.length, end).trimEnd();
  if (!/^[\w,-]*$/.test(tags)) return undefined;
  return { cachedData: data.subarray(end + 1), covered: new Set(tags.split(',').filter(Boolean)) };
}

/** What a CommonJS file is compiled inside: the function Node's own loader wraps a module in. */
export const WRAPPER_START = '(function (exports, require, module, __filename, __dirname) {';
export const WRAPPER_END = '\n})';

/** Runs a CommonJS file the way Node's loader does (its own `require`, `module`, `__filename`), compiled with the cache when there is one. */
export function loadCached(file: string, target: CacheTarget): unknown {
  // latin1: the build leaves every bundle file ASCII (scripts/bundle.mjs), so this is the same text,
  // copied as one-byte characters instead of decoded as UTF-8.
  const source = readFileSync(file, 'latin1');
  let cache: { path: string; prefix: string; v8: string } | undefined;
  let cachedData: Buffer | undefined;
  let covered: Set<string> | undefined;
  if (target.dir !== undefined) {
    try {
      const stat = statSync(file);
      const prefix = `${safeName(file)}-`;
      const v8 = `${process.versions.v8}-${cachedDataVersionTag()}-${process.arch}`;
      cache = { prefix, v8, path: join(target.dir, `${prefix}${target.hash}-${stat.size}-${Math.trunc(stat.mtimeMs)}-${v8}.bin`) };
      const data = readOwnCacheFile(cache.path);
      const parsed = data && parseCacheFile(data);
      cachedData = parsed?.cachedData;
      covered = parsed?.covered;
    } catch {
      // no cache yet (or no stat): compile normally
    }
  }
  // The bundle's files come wrapped already (scripts/bundle.mjs): a wrapper added here made a
  // second string of the whole file, which V8 then copied flat before compiling (run.cjs: 1.5 MB,
  // about 390 of a one-file nginx run's 5,700 page faults).
  const wrapped = source.startsWith(WRAPPER_START) ? source : `${WRAPPER_START}${source}${WRAPPER_END}`;
  const script = new Script(wrapped, { filename: file, cachedData });
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (exports: unknown, require: NodeRequire, module: { exports: unknown }, filename: string, dirname: string) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  if (cache && target.dir !== undefined) {
    loadedScripts.push({ script, ...cache, covered: cachedData === undefined || script.cachedDataRejected === true ? undefined : covered });
    if (!exitHook) {
      exitHook = true;
      // At exit the cache also holds the functions this run compiled lazily, not only the top level.
      process.once('exit', writePending);
    }
  }
  return module.exports;
}

/**
 * V8 runs what a cache holds, so only a file this user (or root) wrote is read: a cache folder
 * others can write to (CORS_LINT_CACHE_DIR in a shared place) cannot hand this process code.
 */
function safeName(file: string): string {
  // No '-' in it: the cache files of one bundled file are the names that start with it and a '-'.
  return (file.split(/[\\/]/).pop() ?? 'file').replace(/\.c?js$/, '').replace(/[^\w.]/g, '_');
}

function writePending(): void {
  for (const { script, path, prefix, v8, covered } of loadedScripts.splice(0)) {
    // A cache V8 accepted is written again only for a code path it lacks.
    if (covered !== undefined && [...coverage].every((tag) => covered.has(tag))) continue;
    try {
      const dir = dirname(path);
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const temporary = `${path}.${process.pid}.tmp`;
      const tags = [...new Set([...(covered ?? []), ...coverage])].sort().join(',');
      const header = `${MAGIC}${tags}`;
      writeFileSync(temporary, Buffer.concat([Buffer.from(`${header.padEnd(Math.ceil((header.length + 1) / 8) * 8 - 1)}\n`, 'latin1'), script.createCachedData()]));
      renameSync(temporary, path);
      // Caches of older builds of the same file with the same flags, of another V8 or named before
      // the flags tag, are never read again (nor are temporary files a killed run left); one with
      // other flags is the other mode's.
      const ours = new RegExp(`-${process.versions.v8.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+-${process.arch}\\.bin$`);
      for (const name of readdirSync(dir)) {
        if (name.startsWith(prefix) && join(dir, name) !== path && (name.endsWith(`-${v8}.bin`) || !ours.test(name))) unlinkSync(join(dir, name));
      }
    } catch {
      // a cache is an optimisation: a full disk or a read-only folder only costs speed
    }
  }
}

/**
 * The bundled CLI's loader (dist/cli/loader.cjs): `load('run')` runs dist/cli/run.cjs once per
 * process. The cache lives in the package's node_modules/.cache (never packed by npm, cleared with
 * the install); CORS_LINT_CACHE_DIR moves it (a read-only install), CORS_LINT_NO_CODE_CACHE=1 turns it off.
 */
export function bundleLoader(bundleDir: string, hashes: Readonly<Record<string, string>>, env: Record<string, string | undefined> = process.env): (name: string) => unknown {
  const dir = cacheDirectory(join(bundleDir, '..', '..'), env);
  const loaded = new Map<string, unknown>();
  return (name) => {
    if (!loaded.has(name)) loaded.set(name, loadCached(join(bundleDir, `${name}.cjs`), { dir: hashes[name] === undefined ? undefined : dir, hash: hashes[name] ?? '' }));
    return loaded.get(name);
  };
}
