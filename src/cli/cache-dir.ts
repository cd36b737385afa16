import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
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
