import { closeSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The folder cors-lint keeps its caches in (V8's compiled code, code-cache.ts; the nginx includer
 * search's facts, include-facts.ts): CORS_LINT_CACHE_DIR, else the package's own
 * node_modules/.cache/cors-lint (never packed by npm, cleared with the install); none with
 * CORS_LINT_NO_CODE_CACHE=1.
 */
export function cacheDirectory(packageRoot: string, env: Record<string, string | undefined>): string | undefined {
  if (env.CORS_LINT_NO_CODE_CACHE === '1') return undefined;
  return env.CORS_LINT_CACHE_DIR || join(packageRoot, 'node_modules', '.cache', 'cors-lint');
}

/**
 * A cache file's bytes when this user (or root) owns it, else undefined (also when it cannot be
 * read): a file another user could write in a shared CORS_LINT_CACHE_DIR must not steer a run.
 */
export function readOwnCacheFile(path: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const owner = fstatSync(fd).uid;
    if (process.getuid && owner !== process.getuid() && owner !== 0) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const STALE_CACHE_MS = 30 * 24 * 3600 * 1000;

/** `prefix` and a hash of the folder a cache file is about (one file per repository folder). */
export function cacheFileName(prefix: string, root: string): string {
  return `${prefix}${hashName(root)}.txt`;
}

/**
 * Writes a cache file whole or not at all: into a temporary file of this process, renamed over
 * `file` (readers never see half a file, concurrent runs the last complete one), then removes the
 * stale caches named `prefix`…. A read-only or missing folder costs only the cache. True when
 * `file` now holds `text`.
 */
export function writeCacheFile(dir: string, file: string, text: string | Uint8Array, prefix: string, now: number): boolean {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, file);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // nothing was written
    }
    return false;
  }
  try {
    removeStaleCaches(dir, prefix, file, now);
  } catch {
    // another run removed them first, or the folder is not ours to clean
  }
  return true;
}

/**
 * Removes the cache files named `prefix`… that no run has written for a month (temporary folders,
 * deleted checkouts) and temporary files a killed run left, except `keep` (the one just written).
 */
export function removeStaleCaches(dir: string, prefix: string, keep: string, now: number): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || join(dir, name) === keep) continue;
    const stats = lstatSync(join(dir, name), { throwIfNoEntry: false });
    if (stats?.isFile() && stats.mtimeMs < now - STALE_CACHE_MS) unlinkSync(join(dir, name));
  }
}

/** FNV-1a over the folder's UTF-16 code units, two lanes: a file name, not a secret (node:crypto costs a cold start 6-15 ms). */
function hashName(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    a = Math.imul(a ^ text.charCodeAt(i), 0x01000193) >>> 0;
    b = Math.imul(b ^ text.charCodeAt(text.length - 1 - i), 0x01000193) >>> 0;
  }
  return `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}
