import { sep } from 'node:path';
import { detectByName } from '../engine/detect.js';
import { retention } from '../engine/retain.js';
import { readRegularFile } from './safe-read.js';
import type { Format } from '../model/types.js';

/**
 * One listed file of a whole-repository run, as a reading thread handles it (discover.ts): the name
 * test (detectByName, the `accept` of a lint run), the read (safe-read's guarantees: no symlink
 * followed, regular files only, size cap, no FIFO wait) and the content test (retention, the pure
 * half of the run's sieve). What is left, the config's verdict and the bookkeeping, is done on the
 * main thread in the listing's order, so a threaded run gives the same files, notes and counts.
 */
export interface ReadJob {
  /** What is opened. */
  absolute: string;
  /** The display path (what detectByName and the sieve judge). */
  shown: string;
  detectPath: string;
  /** The path below the scanned root (for a listed file that turned out to be a folder). */
  fullRel: string;
}

/** Where one listing's files are: with a path git listed below `absolute`, all a ReadJob needs. */
export interface ReadBase {
  absolute: string;
  /** The display prefix of `absolute` ('' or 'a/b/'). */
  shownBase: string;
  rootName: string;
  /** `absolute` below the scanned root ('' for the root). */
  relBase: string;
}

/** The job of `clean` (a listed path, no trailing slash), spelled exactly as discover.ts's own loop spells it. */
export function readJobOf(base: ReadBase, clean: string): ReadJob {
  const fullRel = base.relBase ? `${base.relBase}/${clean}` : clean;
  return { absolute: `${base.absolute}${base.absolute.endsWith(sep) ? '' : sep}${clean}`, shown: `${base.shownBase}${clean}`, detectPath: `${base.rootName}/${fullRel}`, fullRel };
}

export type ReadOutcome =
  /** The name says the run does not read it. */
  | { skip: true }
  | { error: string }
  /** Kept, with the format its content was detected as (lint() does not detect it again). */
  | { text: string; keep: true; format: Format }
  | { keep: false; reason: string };

export function readJob(job: ReadJob): ReadOutcome {
  const kind = detectByName(job.shown, job.detectPath);
  if ('skip' in kind) return { skip: true };
  const read = readRegularFile(job.absolute, { noFollow: true });
  if ('error' in read) return { error: read.error };
  const verdict = retention({ path: job.shown, detectPath: job.detectPath, text: read.text }, kind);
  return verdict.keep ? { text: read.text, keep: true, format: verdict.format } : { keep: false, reason: verdict.reason };
}

/**
 * A batch's outcomes as they wait to be finished and cross between threads: 0 for a file the name
 * test skips, n > 0 for one read and left out for `reasons[n - 1]`, an object for the rest (a kept
 * text, an error). Nearly every file of a repository is one of the first two: a small integer
 * allocates nothing, so what waits on the main thread for its turn is a few bytes per file and not
 * an object and strings each (which, surviving the young-generation collections while they wait,
 * made V8 grow its young generation as the repository grew: +10-20 MB of peak RSS at 120,000 files).
 */
export interface ReadBatch {
  outcomes: Array<number | { text: string; format: Format } | { error: string }>;
  reasons: string[];
}

/** The files of a batch: listed paths, or (as they cross to a worker) joined with NUL, which no path git lists holds. */
export function readBatch(base: ReadBase, paths: string[] | string): ReadBatch {
  const outcomes: ReadBatch['outcomes'] = [];
  const reasons: string[] = [];
  for (const clean of typeof paths === 'string' ? paths.split('\0') : paths) {
    const outcome = readJob(readJobOf(base, clean));
    if ('skip' in outcome) outcomes.push(0);
    else if ('error' in outcome) outcomes.push({ error: outcome.error });
    else if (outcome.keep) outcomes.push({ text: outcome.text, format: outcome.format });
    else {
      let index = reasons.indexOf(outcome.reason);
      if (index === -1) index = reasons.push(outcome.reason) - 1;
      outcomes.push(index + 1);
    }
  }
  return { outcomes, reasons };
}

/** One outcome of a ReadBatch, as readJob gave it. */
export function batchOutcome(batch: ReadBatch, index: number): ReadOutcome {
  const outcome = batch.outcomes[index];
  if (outcome === 0) return { skip: true };
  if (typeof outcome === 'number') return { keep: false, reason: batch.reasons[outcome - 1] };
  return 'text' in outcome ? { text: outcome.text, keep: true, format: outcome.format } : { error: outcome.error };
}
