import { lstatSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { readRegularFile, type ReadResult } from './safe-read.js';
import { cacheFileName, readOwnCacheFile, writeCacheFile } from './cache-dir.js';

/**
 * What the includer search of a one-file nginx run (project.ts nginxIncluders) remembers between
 * runs: which nginx files of the repository have no `include`. Such a file can include nothing, so
 * its text never matters to the search, only that it is there (its path counts when an include is
 * resolved by glob or by tail). A pre-commit hook pays this search on every commit, and reading
 * the 2,877 nginx files of a 20,000-file repository was most of it; one lstat each is less.
 *
 * An entry holds the file's device, inode, size, modification and change times as lstat gave them
 * when its text was read. A file whose lstat agrees is taken as unchanged; anything else (an edit,
 * a rename over it, chmod, a file that is now a symlink or a folder) is read again. The change
 * time cannot be set by a user, and a file is remembered only when both times are at least
 * RACY_MS older than the run that read it: an edit in the same clock tick as the read, which
 * could leave every stat field as it was, is then impossible (git's index has the same rule).
 *
 * One cache file per repository folder, in the cache folder only (the code cache's, see
 * code-cache.ts), written whole to a temporary file and renamed: concurrent runs each leave a
 * complete file, the last one wins, and a file that does not parse (damaged, another version,
 * another folder whose name hashes the same) is ignored and replaced. A cache folder that cannot
 * be written only costs speed.
 */
const MAGIC = 'cors-lint-nginx-facts-1';
const RACY_MS = 2000;

interface Entry {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export class IncludeFacts {
  private readonly file: string;
  private readonly known = new Map<string, string>();
  private readonly seen = new Map<string, string>();
  private changed = false;
  private readonly started = Date.now();
  /** Every file read through `read`, with the lstat taken before it was read (includer-cache.ts keeps them). */
  readonly statsRead = new Map<string, Stats>();
  /** A file was read without an lstat (outside the folder, or a name the line format cannot hold). */
  unrecorded = false;
  /** `root` and a separator: what starts the paths of its files. */
  private readonly prefix: string;

  /** `root`: the absolute folder searched (one cache per folder); `dir`: the cache folder. */
  constructor(private readonly dir: string, private readonly root: string) {
    this.file = join(dir, cacheFileName('nginx-facts-', root));
    this.prefix = root.endsWith(sep) ? root : `${root}${sep}`;
    // A file another user could write in a shared cache folder would make the search skip reading an includer.
    const text = readOwnCacheFile(this.file)?.toString('utf8');
    if (text === undefined) return;
    const lines = text.split('\n');
    // The folder is written in full on the first line: a name that hashes the same is not ours.
    if (lines[0] !== `${MAGIC}\t${root}` || lines.at(-1) !== '') return;
    for (let i = 1; i < lines.length - 1; i++) {
      const tab = lines[i].indexOf('\t');
      if (tab > 0) this.known.set(lines[i].slice(0, tab), lines[i].slice(tab + 1));
    }
  }

  /**
   * discover()'s reader for the search: a file known to have no `include` comes back as an empty
   * text (the same to the search), any other is read by readRegularFile and remembered when it
   * has none. `absolute` is below `root`; only a file git listed (noFollow) is looked up.
   */
  readonly read = (absolute: string, options: { noFollow: boolean }): ReadResult => {
    const key = options.noFollow && absolute.startsWith(this.prefix) ? absolute.slice(this.prefix.length) : undefined;
    // A name with a tab or a newline would break the line format: read every time.
    if (key === undefined || /[\t\n\r]/.test(key)) {
      this.unrecorded = true;
      return readRegularFile(absolute, options);
    }
    let stats: Stats | undefined;
    try {
      stats = lstatSync(absolute, { throwIfNoEntry: false });
    } catch {
      stats = undefined;
    }
    if (stats?.isFile()) this.statsRead.set(key, stats);
    else this.unrecorded = true;
    const facts = stats?.isFile() ? factsOf(stats) : undefined;
    if (facts !== undefined && this.known.get(key) === facts) {
      this.seen.set(key, facts);
      return { text: '' };
    }
    const read = readRegularFile(absolute, options);
    if (facts !== undefined && 'text' in read && !/\binclude\b/.test(read.text) && Math.max(stats!.mtimeMs, stats!.ctimeMs) < this.started - RACY_MS) {
      this.seen.set(key, facts);
      this.changed = true;
    } else if (this.known.has(key)) {
      this.changed = true;
    }
    return read;
  };

  /** Writes what this search found, when it differs from what was read (files seen by it only: a deleted file is forgotten). */
  save(): void {
    if (!this.changed && this.seen.size === this.known.size) return;
    let text = `${MAGIC}\t${this.root}\n`;
    for (const [key, facts] of this.seen) text += `${key}\t${facts}\n`;
    writeCacheFile(this.dir, this.file, text, 'nginx-facts-', this.started);
  }
}

function factsOf(stats: Entry): string {
  return `${stats.dev}\t${stats.ino}\t${stats.size}\t${stats.mtimeMs}\t${stats.ctimeMs}`;
}
