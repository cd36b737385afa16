import { posix } from 'node:path';

/**
 * Other files of the repository that one file's analysis reads: a JS module whose export holds the
 * CORS options, a Python settings module. lint() does no I/O: a module is taken from the lint
 * inputs first (even one the prefilter skipped for having no CORS token), then from the host's
 * `readModule`, which the shells confine to the scanned root. Every read is recorded against the
 * file that asked, so the LSP can re-lint a file when a module it depends on changes.
 */
export interface ModuleHost {
  /** Text of a repository file that is not among the lint inputs, or undefined (missing, unreadable, outside the root). */
  readModule?(path: string): string | undefined;
}

export class ModuleSource {
  /** Files read through the host (not lint inputs): their text, for suppressions and position checks. */
  readonly extraTexts = new Map<string, string>();
  private readonly dependencies = new Map<string, Set<string>>();
  private readonly misses = new Set<string>();
  private readonly peeked = new Map<string, string>();

  constructor(
    private readonly inputs: Map<string, string>,
    private readonly host: ModuleHost = {},
  ) {}

  /** The text of `path` (a normalised path relative to the root), read on behalf of `importer`. */
  read(importer: string, path: string): string | undefined {
    const normalized = normalizeModulePath(path, leadingParents(importer));
    if (normalized === undefined || normalized === importer) return undefined;
    let text = this.inputs.get(normalized) ?? this.extraTexts.get(normalized);
    if (text === undefined && !this.misses.has(normalized)) {
      text = this.peeked.get(normalized) ?? this.host.readModule?.(normalized);
      if (text === undefined) this.misses.add(normalized);
      else this.extraTexts.set(normalized, text);
    }
    // A missing candidate is a dependency too: creating the file changes the result.
    let set = this.dependencies.get(importer);
    if (!set) this.dependencies.set(importer, (set = new Set()));
    if (text !== undefined) set.add(normalized);
    return text;
  }

  /**
   * The text of `path` for a look that is not a read (the second prefilter stage): no dependency is
   * recorded and a host file does not join the run's texts; a later `read` reuses what was fetched.
   */
  peek(path: string, importer: string): string | undefined {
    const normalized = normalizeModulePath(path, leadingParents(importer));
    if (normalized === undefined) return undefined;
    const known = this.inputs.get(normalized) ?? this.extraTexts.get(normalized) ?? this.peeked.get(normalized);
    if (known !== undefined || this.misses.has(normalized)) return known;
    const text = this.host.readModule?.(normalized);
    if (text === undefined) this.misses.add(normalized);
    else this.peeked.set(normalized, text);
    return text;
  }

  /** Every module some file read (the values of the dependency map). */
  readModules(): Set<string> {
    const out = new Set<string>();
    for (const set of this.dependencies.values()) for (const path of set) out.add(path);
    return out;
  }

  /** file -> the modules it read, sorted. */
  dependencyMap(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [file, set] of this.dependencies) if (set.size > 0) out[file] = [...set].sort();
    return out;
  }
}

/**
 * `a/./b/../c.js` -> `a/c.js`; undefined for absolute paths and paths that leave the root. Paths
 * are relative to the working directory, so a folder scanned outside it starts with `../`: a path
 * may climb as many folders as its importer's own path does (`maxParents`), no further.
 */
export function normalizeModulePath(path: string, maxParents = 0): string | undefined {
  const normalized = posix.normalize(path.replace(/\\/g, '/'));
  if (posix.isAbsolute(normalized) || leadingParents(normalized) > maxParents) return undefined;
  return normalized.replace(/^\.\//, '');
}

/** How many `../` a normalised relative path starts with. */
export function leadingParents(path: string): number {
  let count = 0;
  while (path.startsWith('../', count * 3) || path.length === count * 3 + 2 && path.endsWith('..')) count++;
  return count;
}
