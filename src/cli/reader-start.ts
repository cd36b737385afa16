import type { MessagePort } from 'node:worker_threads';

/**
 * Starting the reading worker of a whole-repository run (read-threads.ts, read-worker.ts). Kept
 * small and free of imports that load anything: bin.ts bundles it, and starts the worker before
 * the program is loaded when it asks git for a large repository's files (git-prefetch.ts), so the
 * worker's own start (a Node environment, the reading code) overlaps the loading of the linter
 * instead of following it. node:worker_threads and node:os are handed in.
 */

/** Claim slots shared with the worker (see read-threads.ts). */
export const CLAIM_SLOTS = 64;

/** A started reading worker, not yet given work. */
export interface Reader {
  port: MessagePort;
  signal: Int32Array;
  /** CLAIM_SLOTS claim slots: whichever thread turns a batch's slot from 0 first reads it. */
  claims: Int32Array;
}

/**
 * A worker pays only when it gets a core of its own: its start (a Node environment, the reading
 * code) costs about 100 ms of CPU on a loaded machine. Measured on 2 cores (real-shaped bench
 * tree, 12,000 files, side by side with one thread): 950 -> 710 ms at a load of 1.9, 820 -> 680
 * at 2.6, 800-880 -> 630-710 with both cores free (real-time priority, three runs); but 1,760 -> 1,910 at 6 and
 * slower still at 11, with 20-30% more CPU. So the worker is started while the last minute's
 * load stays below the cores plus one. CORS_LINT_READ_THREADS=1 or 0 decides instead (the tests
 * and the benchmark compare both).
 */
export function coreToSpare(env: Record<string, string | undefined>, os: Pick<typeof import('node:os'), 'availableParallelism' | 'loadavg'>): boolean {
  const forced = env.CORS_LINT_READ_THREADS;
  if (forced === '0' || forced === '1') return forced === '1';
  const cores = os.availableParallelism();
  return cores >= 2 && os.loadavg()[0] < cores + 1;
}

/** Starts the worker of `script`; undefined when it cannot be started. */
export function launchReader(script: URL | string, threads: Pick<typeof import('node:worker_threads'), 'MessageChannel' | 'Worker'>): Reader | undefined {
  const { port1, port2 } = new threads.MessageChannel();
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const claims = new Int32Array(new SharedArrayBuffer(4 * CLAIM_SLOTS));
  try {
    // The process never waits for the worker: everything it is asked is collected synchronously.
    // A small young generation: the worker's garbage (each file's text) dies young, and its heap
    // then stays the same size however many files it reads (peak RSS flat as the repository grows).
    new threads.Worker(script, { workerData: { port: port2, signal, claims }, transferList: [port2], resourceLimits: { maxYoungGenerationSizeMb: 4 } }).unref();
  } catch {
    return undefined;
  }
  return { port: port1, signal, claims };
}

/** A worker started before the program loaded (bin.ts): the first discovery that reads on two threads takes it. */
export interface EarlyReader {
  /** The worker, once; undefined after that. */
  take(): Reader | undefined;
  /** Lets the worker go unless it was taken (the run did not read on two threads). */
  release(): void;
}

export function earlyReader(reader: Reader): EarlyReader {
  let held: Reader | undefined = reader;
  return {
    take() {
      const taken = held;
      held = undefined;
      return taken;
    },
    release() {
      held?.port.postMessage(null);
      held = undefined;
    },
  };
}
