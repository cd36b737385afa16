import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { sourceFilesUnder } from './helpers/fixtures.js';
import { POOL_CANDIDATES_PER_SHARD, POOL_MIN_BYTES, POOL_MIN_CANDIDATES, poolWorkers, workerPool } from '../src/cli/pool.js';
import type { LintOptions, LintResult } from '../src/engine/lint.js';
import type { SourceFile } from '../src/model/types.js';
import { cli } from './helpers/cli.js';
import { ROOT } from './helpers/fixtures.js';

const big = { candidates: 10_000, bytes: 100 * 1024 * 1024 };

describe('--jobs: when a run uses worker threads', () => {
  it('never for one job, a small run or one core; never more threads than cores or than the candidates fill', () => {
    expect(poolWorkers(big, 1, 8)).toBe(0);
    expect(poolWorkers(big, 4, 1)).toBe(0);
    expect(poolWorkers({ candidates: POOL_MIN_CANDIDATES - 1, bytes: big.bytes }, 4, 8)).toBe(0);
    expect(poolWorkers({ candidates: big.candidates, bytes: POOL_MIN_BYTES - 1 }, 4, 8)).toBe(0);
    expect(poolWorkers({ candidates: POOL_MIN_CANDIDATES, bytes: POOL_MIN_BYTES }, 2, 8)).toBe(1);
    // this thread is one of the jobs
    expect(poolWorkers(big, 4, 8)).toBe(3);
    expect(poolWorkers(big, 16, 8)).toBe(7);
    // 0: one per core
    expect(poolWorkers(big, 0, 6)).toBe(5);
    // every shard replays the extraction: no more shards than the candidates fill
    expect(poolWorkers({ candidates: 3 * POOL_CANDIDATES_PER_SHARD, bytes: big.bytes }, 0, 64)).toBe(2);
  });

  it('the shell asks for workers only with --jobs other than 1, and starts none for a small run', () => {
    const files = [{ path: 'a.js', text: "require('cors');" }];
    expect(workerPool(files, {}, undefined, 1)).toBeUndefined();
    const parallel = workerPool(files, {}, undefined, 2);
    expect(parallel).toBeTypeOf('function');
    expect(parallel!({ candidates: 1, bytes: 20 })).toBeUndefined();
  });

  it('--jobs takes a whole number', async () => {
    const run = await cli(['--jobs', 'many', 'fixtures'], ROOT);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--jobs must be a whole number');
  });
});

/**
 * The worker script only exists as JavaScript, so these run the built program (dist/, built by the
 * global setup): lint() with the shards started directly (no size threshold), and the bundle's own
 * worker script.
 */
describe('--jobs: the output does not depend on the threads', { retry: 2 }, () => {
  const shared = [join(ROOT, '..', 'shared'), join(ROOT, '..', '..', 'shared')].find((dir) => existsSync(join(dir, 'cases')));

  // Retried: the request matrix stops at a wall-clock budget (model/matrix.ts), which a heavily
  // loaded machine can exhaust for one expensive nginx policy in one run and not in the other.
  it('every fixture (and the case pack, where present) in one run: the same JSON and the same skip notes in the same order with 2 shards', async () => {
    const { lint } = (await import(join(ROOT, 'dist', 'src', 'engine', 'lint.js'))) as { lint: (files: SourceFile[], options?: LintOptions) => LintResult };
    const { workerShards } = (await import(join(ROOT, 'dist', 'src', 'cli', 'pool.js'))) as typeof import('../src/cli/pool.js');
    const files = [...sourceFilesUnder(join(ROOT, 'fixtures')).map((f) => ({ ...f, path: `fixtures/${f.path}` })), ...(shared ? sourceFilesUnder(join(shared, 'cases')).map((f) => ({ ...f, path: `cases/${f.path}` })) : [])];
    const single = lint(files);
    let started = 0;
    for (const count of [2]) {
      const pooled = lint(files, {
        parallel: () => {
          const shards = workerShards(files, {}, undefined, count);
          if (shards) started++;
          return shards;
        },
      });
      expect(JSON.stringify(pooled.diagnostics)).toBe(JSON.stringify(single.diagnostics));
      expect(pooled.skipped).toEqual(single.skipped);
      expect(pooled.policies.length).toBe(single.policies.length);
    }
    // The workers really ran (a missing worker script would silently leave the run single-threaded).
    expect(started).toBe(1);
    expect(single.diagnostics.length).toBeGreaterThan(100);
  }, 600_000);

  it('the bundle ships the worker next to bin.js, and it answers for its shard', () => {
    const script = join(ROOT, 'dist', 'cli', 'pool-worker.js');
    expect(existsSync(script)).toBe(true);
    const { port1, port2 } = new MessageChannel();
    const done = new Int32Array(new SharedArrayBuffer(4));
    const files = [
      { path: 'a/server.js', text: "const cors = require('cors');\nrequire('express')().use(cors({ origin: '*', credentials: true }));\n" },
      { path: 'b/server.js', text: "const cors = require('cors');\nrequire('express')().use(cors({ origin: 'https://app.example.com/' }));\n" },
    ];
    const worker = new Worker(script, { workerData: { files, options: {}, shard: { index: 1, count: 2 }, port: port2, done }, transferList: [port2] });
    try {
      expect(Atomics.wait(done, 0, 0, 120_000)).not.toBe('timed-out');
      const answer = receiveMessageOnPort(port1)?.message as { results: Array<{ file: string; diagnostics: Array<{ ruleId: string }> }> };
      // Shard 1 of 2 runs the rules of the second policy file only.
      expect(answer.results.map((part) => part.file)).toEqual(['b/server.js']);
      expect(answer.results[0].diagnostics.map((d) => d.ruleId)).toEqual(['origin-not-serialized']);
    } finally {
      port1.close();
      void worker.terminate();
    }
  }, 180_000);
});
