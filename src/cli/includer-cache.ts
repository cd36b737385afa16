import { lstatSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { cacheFileName, readOwnCacheFile, writeCacheFile } from './cache-dir.js';
import { factsOfStats, tooRecent } from './listing-cache.js';

/**
 * The answer of the includer search of a one-file nginx run (project.ts nginxIncluders): which
 * nginx file includes which, over the whole repository. When git's listing is the one the listing
 * cache holds (listing-cache.ts: same generation, itself checked against the index, ignore rules
 * and folders) and every nginx file the search read still has the lstat it had then (device,
 * inode, size, modification and change times), the files are the same and so is the answer: the
 * search then costs one lstat per nginx file and nothing else (no listing walked, no file judged
 * by its name, read or parsed). An include of a file outside the listing (read from disk by the
 * nginx workspace) is read again and must give the same answer.
 *
 * Kept only when the search read every file through include-facts.ts (so each has its lstat) and
 * none of those changed less than a clock tick before the run (tooRecent); a symlink, a missing
 * or unreadable file, or a file read another way means nothing is kept. Written whole and
 * renamed, one file per repository folder; a damaged or foreign file is ignored and replaced.
 */
const MAGIC = 'cors-lint-nginx-includers-1';

export type OutsideRead = string | undefined | { refused: string };

export class IncluderCache {
  private readonly file: string;
  private readonly started = Date.now();

  /** `ignores`: the patterns that left files out of the search (part of what it answered). */
  constructor(private readonly dir: string, private readonly root: string, private readonly ignores: string[]) {
    this.file = join(dir, cacheFileName('nginx-includers-', root));
  }

  private header(generation: string): string {
    return `${MAGIC}\t${this.root}\t${generation}\t${JSON.stringify(this.ignores)}`;
  }

  /** The includers of each included file, when the search over the listing of `generation` would find the same. */
  lookup(generation: string, readOutside: (path: string) => OutsideRead): Map<string, string[]> | undefined {
    const text = readOwnCacheFile(this.file)?.toString('utf8');
    if (text === undefined) return undefined;
    const lines = text.split('\n');
    if (lines[0] !== this.header(generation) || lines.at(-1) !== '') return undefined;
    const prefix = this.root.endsWith(sep) ? this.root : `${this.root}${sep}`;
    const includedBy = new Map<string, string[]>();
    try {
      for (let i = 1; i < lines.length - 1; i++) {
        const line = lines[i];
        if (line.startsWith('F\t')) {
          const tab = line.indexOf('\t', 2);
          if (tab === -1) return undefined;
          let stats: Stats | undefined;
          try {
            stats = lstatSync(prefix + line.slice(tab + 1), { throwIfNoEntry: false });
          } catch {
            return undefined;
          }
          if (!stats?.isFile() || factsOfStats(stats) !== line.slice(2, tab)) return undefined;
        } else if (line.startsWith('R\t')) {
          const [path, answer] = JSON.parse(line.slice(2)) as [string, OutsideRead | null];
          if (JSON.stringify(readOutside(path) ?? null) !== JSON.stringify(answer)) return undefined;
        } else if (line.startsWith('I\t')) {
          const [target, includers] = JSON.parse(line.slice(2)) as [string, string[]];
          includedBy.set(target, includers);
        } else return undefined;
      }
    } catch {
      return undefined;
    }
    return includedBy;
  }

  /**
   * Keeps a search's answer: `stats`, every nginx file it read with the lstat taken before the
   * read; `reads`, what the workspace read outside the listing.
   */
  save(generation: string, stats: Map<string, Stats>, reads: Map<string, OutsideRead>, includedBy: Map<string, string[]>): void {
    let text = `${this.header(generation)}\n`;
    for (const [path, stat] of stats) {
      if (tooRecent(stat, this.started)) return;
      text += `F\t${factsOfStats(stat)}\t${path}\n`;
    }
    for (const [path, answer] of reads) text += `R\t${JSON.stringify([path, answer ?? null])}\n`;
    for (const [target, includers] of includedBy) text += `I\t${JSON.stringify([target, includers])}\n`;
    writeCacheFile(this.dir, this.file, text, 'nginx-includers-', this.started);
  }
}
