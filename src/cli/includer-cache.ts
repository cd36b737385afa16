import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { cacheFileName, readOwnCacheFile, writeCacheFile } from './cache-dir.js';
import { tooRecent } from './listing-cache.js';
import { isFileWith, statPrefix } from './lstat-facts.js';

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
const MAGIC = 'cors-lint-nginx-includers-2';
/**
 * The first number of the facts: read back as itself only where the file was written with the
 * same byte order (a cache folder shared across machines).
 */
const BYTE_ORDER_MARK = 1.2345678901234567;
/** The five facts of a file, in this order, as lstat gives them. */
const FACTS = 5;

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

  /**
   * The includers of each included file, when the search over the listing of `generation` would find the same.
   *
   * The file: the header line, ending in the number of files and padded with spaces to a multiple
   * of 8 bytes; the files' facts as doubles (device, inode, size, modification and change times,
   * after BYTE_ORDER_MARK); then one line per file, its path, in the same order; then the
   * outside reads (`R`) and the answer (`I`), one JSON line each. The facts are compared as the
   * numbers lstat gives, not as text: formatting five numbers per file and comparing the strings
   * was about a quarter of what checking a file cost (callgrind, a one-file run of the bench tree's
   * 2,877 nginx files: about 298 M instructions with text facts, 274 M with these).
   */
  lookup(generation: string, readOutside: (path: string) => OutsideRead): Map<string, string[]> | undefined {
    const data = readOwnCacheFile(this.file);
    if (data === undefined) return undefined;
    const newline = data.indexOf(10);
    if (newline === -1 || (newline + 1) % 8 !== 0) return undefined;
    const head = data.toString('utf8', 0, newline).trimEnd();
    const tab = head.lastIndexOf('\t');
    if (tab === -1 || head.slice(0, tab) !== this.header(generation) || !/^\d+$/.test(head.slice(tab + 1))) return undefined;
    const count = Number(head.slice(tab + 1));
    const factsEnd = newline + 1 + 8 * (1 + FACTS * count);
    if (factsEnd > data.length) return undefined;
    // A Buffer of this size has a memory of its own (not the pool), so the facts are aligned where the header left them.
    const offset = data.byteOffset + newline + 1;
    const facts = offset % 8 === 0 ? new Float64Array(data.buffer, offset, 1 + FACTS * count) : new Float64Array(data.buffer.slice(offset, offset + 8 * (1 + FACTS * count)));
    if (facts[0] !== BYTE_ORDER_MARK) return undefined;
    const lines = data.toString('utf8', factsEnd).split('\n');
    if (lines.length < count + 1 || lines.at(-1) !== '') return undefined;
    const prefix = statPrefix(this.root);
    for (let i = 0, at = 1; i < count; i++, at += FACTS) {
      if (!isFileWith(prefix + lines[i], facts, at)) return undefined;
    }
    const includedBy = new Map<string, string[]>();
    try {
      for (let i = count; i < lines.length - 1; i++) {
        const line = lines[i];
        if (line.startsWith('R\t')) {
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
    const facts = new Float64Array(1 + FACTS * stats.size);
    facts[0] = BYTE_ORDER_MARK;
    let text = '';
    let at = 1;
    for (const [path, stat] of stats) {
      if (tooRecent(stat, this.started)) return;
      facts.set([stat.dev, stat.ino, stat.size, stat.mtimeMs, stat.ctimeMs], at);
      at += FACTS;
      text += `${path}\n`;
    }
    for (const [path, answer] of reads) text += `R\t${JSON.stringify([path, answer ?? null])}\n`;
    for (const [target, includers] of includedBy) text += `I\t${JSON.stringify([target, includers])}\n`;
    const head = Buffer.from(`${this.header(generation)}\t${stats.size}`);
    const padded = Buffer.alloc(Math.ceil((head.length + 1) / 8) * 8, ' ');
    head.copy(padded);
    padded[padded.length - 1] = 10;
    writeCacheFile(this.dir, this.file, Buffer.concat([padded, new Uint8Array(facts.buffer), Buffer.from(text)]), 'nginx-includers-', this.started);
  }
}
