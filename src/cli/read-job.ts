import { detectByName } from '../engine/detect.js';
import { retention } from '../engine/retain.js';
import { readRegularFile } from './safe-read.js';

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

export type ReadOutcome =
  /** The name says the run does not read it. */
  | { skip: true }
  | { error: string }
  | { text: string; keep: true }
  | { keep: false; reason: string };

export function readJob(job: ReadJob): ReadOutcome {
  const kind = detectByName(job.shown, job.detectPath);
  if ('skip' in kind) return { skip: true };
  const read = readRegularFile(job.absolute, { noFollow: true });
  if ('error' in read) return { error: read.error };
  const verdict = retention({ path: job.shown, detectPath: job.detectPath, text: read.text }, kind);
  return verdict.keep ? { text: read.text, keep: true } : { keep: false, reason: verdict.reason };
}
