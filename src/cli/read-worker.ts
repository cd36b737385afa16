import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { readBatch, type ReadBase } from './read-job.js';

// A reading thread of a whole-repository run (discover.ts): batches of listed files in (their paths
// joined with NUL, and where they are), their outcomes out (read-job.ts's ReadBatch), until the main
// thread sends null. `signal` counts the answers posted, so the main thread can sleep on it
// (Atomics.wait) instead of spinning while it waits for one. A batch is read only if its claim slot
// is still 0 (read-threads.ts): the main thread may have taken it back to read it itself, and then
// it is answered as taken.
const { port, signal, claims } = workerData as { port: MessagePort; signal: Int32Array; claims?: Int32Array };
port.on('message', (message: { id: number; base: ReadBase; paths: string; slot?: number } | null) => {
  if (message === null) {
    port.close();
    return;
  }
  let batch;
  if (claims && message.slot !== undefined && Atomics.compareExchange(claims, message.slot, 0, 1) !== 0) batch = { taken: true };
  else {
    try {
      batch = readBatch(message.base, message.paths);
    } catch (error) {
      batch = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  port.postMessage({ id: message.id, batch });
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
});
