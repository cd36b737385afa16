import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { readJob, type ReadJob } from './read-job.js';

// A reading thread of a whole-repository run (discover.ts): batches of listed files in, their
// outcomes out, until the main thread sends null. `signal` counts the answers posted, so the main
// thread can sleep on it (Atomics.wait) instead of spinning while it waits for one.
const { port, signal } = workerData as { port: MessagePort; signal: Int32Array };
port.on('message', (message: { id: number; jobs: ReadJob[] } | null) => {
  if (message === null) {
    port.close();
    return;
  }
  let outcomes;
  try {
    outcomes = message.jobs.map(readJob);
  } catch (error) {
    outcomes = { error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage({ id: message.id, outcomes });
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
