import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { batchOutcome, readBatch, readJobOf, type ReadBase, type ReadBatch, type ReadJob, type ReadOutcome } from './read-job.js';
import { CLAIM_SLOTS, coreToSpare, launchReader, type Reader } from './reader-start.js';

export type { Reader } from './reader-start.js';

/** Monotonic wall-clock ms. Not `performance.now()` from node:perf_hooks: importing it loads eight modules in every run, this file being part of the bundled CLI. */
function nowMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}

// Loaded only for a large run: node:worker_threads and node:os are a cold-start cost a one-file run does not pay.
/** Built-ins on first use; the require itself too (in the bundle, import.meta.url is made only when asked for: scripts/bundle.mjs). */
const load = (id: string): unknown => createRequire(import.meta.url)(id);
const threadsModule = () => load('node:worker_threads') as typeof import('node:worker_threads');

/**
 * A whole-repository run reads its files on two threads: this one and a worker (read-worker.ts),
 * each taking batches of the listing in turn, so the opens, reads and content tests of one thread
 * overlap the other's. The outcomes are finished here strictly in the listing's order (`finish`:
 * the config's verdict, the files, notes and counts), so the run is the same as a single-threaded
 * one. This thread never sits idle while work is left: it gives the worker up to MAX_OUTSTANDING
 * batches and reads the others itself, finishing in between; rather than wait for the worker, it
 * takes back and reads the batches the worker has not started (claims, so each is read once), and
 * one the worker is late with (or never answers) is read here again. A small repository is read on
 * one thread (a worker's start-up costs some 30 ms of CPU); see LISTING_BYTES.
 */
export interface ReadThreads {
  /** A listed path below the base (no trailing slash). */
  add(path: string): void;
  /** Finishes every job added so far (before anything else is added to the run's output). */
  flush(): void;
  /** Flushes and lets the worker go. */
  close(): void;
  /** Lets the worker go without finishing anything more (the run is ending with an error). */
  abandon(): void;
}

/** Batches read by the worker and by this thread since the process started (tests and the bench look). */
export const readThreadCounts = { worker: 0, here: 0 };

/** Below LISTING_BYTES of git's listing (about 2,000 files), reading takes some 100 ms on one thread and the worker's start would eat most of what it saves. */
export { LISTING_BYTES } from './git-prefetch.js';
const BATCH = 128;
/**
 * Batches given to the worker and not yet answered. This thread also finishes every file (the
 * config's verdict, in the listing's order), so the worker should read most batches: with two given
 * at a time and this thread waiting for a late one, the worker read about a third of the
 * real-shaped bench tree's batches (41-48 of 95) and this thread waited for it 45-60 ms. A batch
 * given and not yet started is taken back (claims below) when this thread would otherwise wait, so
 * giving more costs no waiting. More than 8 given did not read faster and held more: 16 given, peak
 * RSS of the real-shaped tree rose from 84-91 MiB at 20,000 files to 92-97 at 120,000; 8 given,
 * 82-86 and 89-90 (main, two given: 82-86 and 88-89).
 */
const MAX_OUTSTANDING = 8;
/** Finishing stops between files to give the worker more when it holds fewer than this. */
const LOW_OUTSTANDING = 4;
/** Batches waiting here, given or read, before finishing must catch up (what is held stays bounded). */
const MAX_QUEUED = 16;
/** Past this many waiting, finishing no longer stops to feed the worker. */
const HARD_QUEUED = 2 * MAX_QUEUED;
/**
 * Claim slots shared with the worker (batch id modulo SLOTS): whichever thread turns a batch's slot
 * from 0 first reads it (1 the worker, 2 this thread), so a batch is read once however late the
 * worker is. Larger than MAX_OUTSTANDING: a slot is reused only long after its batch was answered.
 */
const SLOTS = CLAIM_SLOTS;
const CLAIMED_HERE = 2;

/** The worker script next to this module (tsc's dist/src/cli/, or the bundle's dist/cli/); undefined from the TypeScript sources. */
function workerScript(): URL | undefined {
  const url = new URL('./read-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(url) ? url : undefined;
}

/**
 * Starts the worker, when it may pay (a core to spare, reader-start.ts; the worker script
 * present): discover.ts starts it before asking git for the listing when the repository's index
 * is large, so the worker's start overlaps git's run (unless bin.ts started it earlier still);
 * `stopReader` lets it go when the listing turns out small.
 */
export function startReader(): Reader | undefined {
  const script = workerScript();
  if (!script || !coreToSpare(process.env, load('node:os') as typeof import('node:os'))) return undefined;
  return launchReader(script, threadsModule());
}

export function stopReader(reader: Reader): void {
  reader.port.postMessage(null);
}

/**
 * Two reading threads, or undefined (one core, no worker script, a worker that cannot start): then
 * the caller reads on its own. A batch waits for its turn as its listed paths and its outcomes as
 * read-job.ts's ReadBatch (a small integer for nearly every file): the jobs are spelled out only
 * when finished, and only for the files the name test does not skip.
 */
export function readThreads(base: ReadBase, finish: (job: ReadJob, outcome: ReadOutcome) => void, started?: Reader): ReadThreads | undefined {
  const reader = started ?? startReader();
  if (!reader) return undefined;
  const { receiveMessageOnPort } = threadsModule();
  const { port: port1, signal, claims } = reader;

  interface Batch {
    id: number;
    /**
     * The listed paths, NUL-separated UTF-8, outside the JS heap: what waits here survives the
     * young-generation collections, and V8 grows its young generation (+8 MB of RSS) once enough
     * has survived, which the paths of every batch in flight, as strings, made happen at some
     * 60,000 files. A path is made a string again only when its file is finished, and then as a
     * string of its own: a slice of one joined string, kept by the run (a config cache's folder key,
     * a kept file's path), would keep the whole batch's string alive (1.5 MB at 60,000 files).
     */
    paths: Buffer;
    outcomes?: ReadBatch;
    /** Finishing resumes here (an index into the batch, and its byte offset in `paths`). */
    next: number;
    offset: number;
  }
  const queue: Batch[] = [];
  const answers = new Map<number, ReadBatch | undefined>();
  const given = new Set<number>();
  let current: string[] = [];
  let nextId = 0;
  let outstanding = 0;
  let localMs = 0;
  let localBatches = 0;
  /** False while flushing: finishing then never stops to feed the worker. */
  let feeding = true;

  const readHere = (paths: string[] | string) => {
    const start = nowMs();
    const outcomes = readBatch(base, paths);
    localMs += nowMs() - start;
    localBatches++;
    readThreadCounts.here++;
    return outcomes;
  };
  const receive = () => {
    for (let message = receiveMessageOnPort(port1); message; message = receiveMessageOnPort(port1)) {
      const { id, batch } = message.message as { id: number; batch: ReadBatch | { error: string } | { taken: true } };
      outstanding--;
      // An answer to a batch read here meanwhile is dropped; a worker's error is read here.
      if (given.delete(id)) answers.set(id, 'outcomes' in batch ? batch : undefined);
    }
  };
  /**
   * Takes back the latest batch given to the worker that it has not started (its claim slot still
   * 0) and reads it here; false when there is none (the worker holds every batch it was given).
   * The latest first: the worker takes its batches in order, so the one it reaches last.
   */
  const takeBack = (): boolean => {
    for (let i = queue.length - 1; i >= 0; i--) {
      const batch = queue[i];
      if (batch.outcomes || !given.has(batch.id)) continue;
      if (Atomics.compareExchange(claims, batch.id % SLOTS, 0, CLAIMED_HERE) !== 0) return false;
      // The worker answers it as taken back (outstanding is counted down then); that answer is dropped.
      given.delete(batch.id);
      batch.outcomes = readHere(batch.paths.toString('utf8'));
      return true;
    }
    return false;
  };
  /**
   * Finishes the batches at the head of the queue whose outcomes are in, and more (reading here
   * what the worker has not started, or waiting for it) until at most `keep` batches wait.
   * Finishing (a file's verdict, a candidate's parse) stops between files when the worker runs short
   * of batches, so that the listing goes on feeding it (up to HARD_QUEUED waiting); it resumes there.
   * The last drain (`keep` 0, the listing done) finishes everything.
   */
  const drain = (keep: number) => {
    receive();
    while (queue.length > 0) {
      const wait = queue.length > keep;
      const head = queue[0];
      if (!head.outcomes && answers.has(head.id)) {
        const answer = answers.get(head.id);
        if (answer) readThreadCounts.worker++;
        head.outcomes = answer ?? readHere(head.paths.toString('utf8'));
        answers.delete(head.id);
      }
      if (!head.outcomes) {
        if (!wait) return;
        // Rather than wait, this thread reads the batches the worker has not started, the head's included.
        if (takeBack()) continue;
        // The worker is reading the head. About twice what a batch takes here: a worker that is later
        // than that (loaded machine, a worker gone) is not waited for, its batch is read here instead.
        const until = nowMs() + Math.max(25, (2 * localMs) / Math.max(1, localBatches));
        while (!answers.has(head.id) && nowMs() < until) {
          const seen = Atomics.load(signal, 0);
          receive();
          if (!answers.has(head.id)) Atomics.wait(signal, 0, seen, Math.max(1, until - nowMs()));
          receive();
        }
        if (answers.has(head.id)) continue;
        given.delete(head.id);
        head.outcomes = readHere(head.paths.toString('utf8'));
      }
      const { paths, outcomes } = head;
      while (head.offset < paths.length) {
        if (feeding && outstanding < LOW_OUTSTANDING && queue.length < HARD_QUEUED) {
          receive();
          if (outstanding < LOW_OUTSTANDING) return;
        }
        const start = head.offset;
        const nul = paths.indexOf(0, start);
        const end = nul === -1 ? paths.length : nul;
        const outcome = batchOutcome(outcomes, head.next);
        head.next++;
        head.offset = end + 1;
        // A file the name test skips has nothing to finish: its job is not even spelled out.
        if (!('skip' in outcome)) finish(readJobOf(base, paths.toString('utf8', start, end)), outcome);
      }
      queue.shift();
    }
  };
  const dispatch = () => {
    if (current.length === 0) return;
    const list = current;
    current = [];
    const joined = list.join('\0');
    const batch: Batch = { id: nextId++, paths: Buffer.from(joined, 'utf8'), next: 0, offset: 0 };
    // The worker's answers since the last look: what it holds now.
    receive();
    if (outstanding < MAX_OUTSTANDING) {
      Atomics.store(claims, batch.id % SLOTS, 0);
      // One string crosses (one copy, not 128), split again in the worker.
      port1.postMessage({ id: batch.id, base, paths: joined, slot: batch.id % SLOTS });
      outstanding++;
      given.add(batch.id);
    } else batch.outcomes = readHere(list);
    queue.push(batch);
    // Batches read here wait behind the worker's in the queue: past MAX_QUEUED, finishing catches up
    // to half of that (reading here what the worker has not started, or waiting for it), so what is
    // held does not grow with the repository when the worker is slow, nor does the worker go unfed long.
    drain(queue.length > MAX_QUEUED ? MAX_QUEUED / 2 : MAX_QUEUED);
  };
  return {
    add(path) {
      current.push(path);
      if (current.length >= BATCH) dispatch();
    },
    flush() {
      // The last jobs are read here: the worker's answer would come after this thread could have read them.
      if (current.length > 0) {
        queue.push({ id: nextId++, paths: Buffer.from(current.join('\0'), 'utf8'), outcomes: readHere(current), next: 0, offset: 0 });
        current = [];
      }
      // Everything is finished now, the worker fed or not (what comes next may depend on it).
      feeding = false;
      try {
        drain(0);
      } finally {
        feeding = true;
      }
    },
    close() {
      this.flush();
      port1.postMessage(null);
    },
    abandon() {
      queue.length = 0;
      current = [];
      port1.postMessage(null);
    },
  };
}
