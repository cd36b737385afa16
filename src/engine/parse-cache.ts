/**
 * Parses kept from one lint run to the next, for the language server: while someone types, the
 * same few files are linted again and again with small edits between runs. A parser asks the
 * active cache for its last result for a path (Lezer reparses incrementally from the previous
 * tree; an unchanged module's tree is reused as is) and stores the new one. The CLI lints each
 * file once and never activates a cache, so it keeps no trees alive.
 *
 * Like the time budget, the active cache is module state: lint() is synchronous, and the
 * language server wraps each run in `withParseCache`.
 */
export class ParseCache {
  private readonly entries = new Map<string, Map<string, unknown>>();
  /** Values handed out during the current run (see claim). */
  claimed = new WeakSet<object>();

  /**
   * True the first time `value` is asked for during a run: a mutable result (a Babel tree, which
   * the walk annotates) serves one reader per run; a second reader of the same file parses anew.
   */
  claim(value: object): boolean {
    if (this.claimed.has(value)) return false;
    this.claimed.add(value);
    return true;
  }

  get<T>(kind: string, path: string): T | undefined {
    return this.entries.get(kind)?.get(path) as T | undefined;
  }

  set<T>(kind: string, path: string, value: T): void {
    let byPath = this.entries.get(kind);
    if (!byPath) this.entries.set(kind, (byPath = new Map()));
    byPath.set(path, value);
  }

  /** Drops what is kept for `path` (a document was closed), or everything. */
  forget(path?: string): void {
    if (path === undefined) this.entries.clear();
    else for (const byPath of this.entries.values()) byPath.delete(path);
  }
}

let active: ParseCache | undefined;

/** Runs `work` (a lint run) with `cache` active. */
export function withParseCache<T>(cache: ParseCache | undefined, work: () => T): T {
  const saved = active;
  active = cache;
  if (cache) cache.claimed = new WeakSet();
  try {
    return work();
  } finally {
    active = saved;
  }
}

export function activeParseCache(): ParseCache | undefined {
  return active;
}

/** The one edited span between two texts (common prefix and suffix): what an incremental parser needs. */
export function changedRange(before: string, after: string): { fromA: number; toA: number; fromB: number; toB: number } {
  const max = Math.min(before.length, after.length);
  // Blocks first (a slice comparison is native), then characters: a keystroke in a large file costs little.
  const BLOCK = 512;
  let prefix = 0;
  while (prefix + BLOCK <= max && before.slice(prefix, prefix + BLOCK) === after.slice(prefix, prefix + BLOCK)) prefix += BLOCK;
  while (prefix < max && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix + BLOCK <= max - prefix && before.slice(before.length - suffix - BLOCK, before.length - suffix) === after.slice(after.length - suffix - BLOCK, after.length - suffix)) suffix += BLOCK;
  while (suffix < max - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  return { fromA: prefix, toA: before.length - suffix, fromB: prefix, toB: after.length - suffix };
}
