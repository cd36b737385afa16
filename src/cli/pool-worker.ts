import { workerData } from 'node:worker_threads';
import { lintShard } from '../engine/lint.js';
import type { WorkerAnswer, WorkerInput } from './pool.js';
import { readModuleInsideRoot, readTextFile } from './project.js';

// One shard of a parallel run (pool.ts): the same inputs and options as the main thread, the same
// confined reads, and the rule results of this shard's policy files sent back.
const { files, options, host, shard, port, done } = workerData as WorkerInput;
let answer: WorkerAnswer;
try {
  const reads = host && { readFile: (path: string) => readTextFile(host.roots, host.cwd, path), readModule: (path: string) => readModuleInsideRoot(host.roots, host.cwd, path) };
  answer = { results: lintShard(files, { ...options, host: reads }, shard) };
} catch (error) {
  answer = { error: error instanceof Error ? error.message : String(error) };
}
port.postMessage(answer);
Atomics.store(done, 0, 1);
Atomics.notify(done, 0);
port.close();
