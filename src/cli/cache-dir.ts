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
