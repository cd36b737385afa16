import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { MessagePort } from 'node:worker_threads';
import type { FileRuleResults, LintOptions, RuleShards } from '../engine/lint.js';
import type { SourceFile } from '../model/types.js';

// Loaded when a run asks for threads: node:worker_threads and node:os are a cold-start cost every run paid.
/** Built-ins on first use; the require itself too (in the bundle, import.meta.url is made only when asked for: scripts/bundle.mjs). */
const load = (id: string): unknown => createRequire(import.meta.url)(id);
const threadsModule = () => load('node:worker_threads') as typeof import('node:worker_threads');
const availableParallelism = () => (load('node:os') as typeof import('node:os')).availableParallelism();

/**
 * `--jobs N`: the rules of a large run on N threads (this one and N-1 workers). Policies hold
 * syntax trees and functions and cannot cross threads (receiving a Babel tree costs more than
 * parsing the file), so every worker extracts the same policies this thread does, and then runs
 * the rules of its share of the policy files; diagnostics come back and are put in the
 * single-threaded order, so the output is byte-identical. That pays only where the rules are most
 * of the work and there are cores to spare; measured on a 2-core machine it did not (see the
 * README's --jobs), so the default is one thread.
 */

/** Below these a worker's start-up (loading the linter, copying the inputs) outweighs its share; see scripts/bench-pool.ts. */
export const POOL_MIN_CANDIDATES = 400;
export const POOL_MIN_BYTES = 400 * 1024;
/** Each worker replays the whole extraction: more shards than this many candidates each only add copies of it. */
export const POOL_CANDIDATES_PER_SHARD = 200;

/** How many worker threads a run starts: 0 keeps it single-threaded. `jobs` 0 means one per core. */
export function poolWorkers(work: { candidates: number; bytes: number }, jobs: number, cores = availableParallelism()): number {
  const threads = Math.min(jobs === 0 ? cores : jobs, cores);
  if (threads <= 1 || work.candidates < POOL_MIN_CANDIDATES || work.bytes < POOL_MIN_BYTES) return 0;
  return Math.max(0, Math.min(threads, Math.floor(work.candidates / POOL_CANDIDATES_PER_SHARD)) - 1);
}

/** Where a worker rebuilds the run's host: the scanned roots reads are confined to. */
export interface HostSpec {
  roots: string[];
  cwd: string;
}

/** What a worker receives: the run's inputs and the options that decide its policies (all plain data). */
export interface WorkerInput {
  files: SourceFile[];
  options: Pick<LintOptions, 'config' | 'timeBudgetMs' | 'topology' | 'secondStage'>;
  host?: HostSpec;
  shard: { index: number; count: number };
  port: MessagePort;
  done: Int32Array;
}

export type WorkerAnswer = { results: FileRuleResults[] } | { error: string };

/**
 * The worker script next to this module (tsc's dist/src/cli/) or, in the bundle, next to the
 * chunk folder this code is bundled into (dist/cli/ from dist/cli/chunks/). Undefined when running
 * from the TypeScript sources: the run stays single-threaded.
 */
function workerScript(): URL | undefined {
  for (const relative of ['./pool-worker.js', '../pool-worker.js']) {
    const url = new URL(relative, import.meta.url);
    if (url.protocol === 'file:' && existsSync(url)) return url;
  }
  return undefined;
}

/** The `parallel` option of lint() for `jobs` threads. */
export function workerPool(files: SourceFile[], options: WorkerInput['options'], host: HostSpec | undefined, jobs: number): LintOptions['parallel'] {
  if (jobs === 1) return undefined;
  return (work) => {
    const workers = poolWorkers(work, jobs);
    return workers > 0 ? workerShards(files, options, host, workers + 1) : undefined;
  };
}

/** Starts `count - 1` workers for a run of `files` (no threshold: tests and the benchmark call this directly). */
export function workerShards(files: SourceFile[], options: WorkerInput['options'], host: HostSpec | undefined, count: number): RuleShards | undefined {
  const script = workerScript();
  if (!script) return undefined;
  const { MessageChannel, Worker } = threadsModule();
  const started = performance.now();
  const shards = Array.from({ length: count - 1 }, (_, i) => {
    const { port1, port2 } = new MessageChannel();
    const done = new Int32Array(new SharedArrayBuffer(4));
    const input: WorkerInput = { files, options, host, shard: { index: i + 1, count }, port: port2, done };
    const worker = new Worker(script, { workerData: input, transferList: [port2] });
    // The process never waits for a worker: this thread collects the answers synchronously.
    worker.unref();
    return { worker, port: port1, done };
  });
  return {
    count,
    results() {
      const out = new Map<string, FileRuleResults>();
      // A worker that does not answer within a generous multiple of this thread's own time is
      // given up on: its files are run here (the results are the same, only later).
      const deadline = performance.now() + Math.max(30_000, 4 * (performance.now() - started));
      for (const { worker, port, done } of shards) {
        let answer: WorkerAnswer | undefined;
        while (!answer && performance.now() < deadline) {
          Atomics.wait(done, 0, 0, 100);
          answer = threadsModule().receiveMessageOnPort(port)?.message as WorkerAnswer | undefined;
        }
        port.close();
        void worker.terminate();
        if (answer && 'results' in answer) for (const part of answer.results) out.set(part.file, part);
      }
      return out;
    },
  };
}
