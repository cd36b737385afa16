import { openSync, readSync } from 'node:fs';

/**
 * A cooperative time budget for one file's work. `lint()` is synchronous and single-threaded, so
 * the current deadline is module state: the engine sets it around each file's extraction and rule
 * runs, and the long loops (tokenizers, tree walks, the rule loop) call `checkBudget()`. When the
 * budget runs out, `BudgetExceeded` unwinds to the engine, which reports the file as not analysed
 * instead of hanging (a hostile or huge input must never stall the CLI, the LSP or the Action).
 *
 * The budget counts CPU time, not wall time: on a loaded CI runner a legitimate large file must not
 * be dropped silently because other jobs took the cores. On Linux it is the CPU time of the thread
 * doing the work (the language server lints on a worker thread; V8's helper threads are not the
 * file's work), elsewhere that of the process.
 */
export class BudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`time budget of ${budgetMs} ms exceeded`);
    this.name = 'BudgetExceeded';
  }
}

let deadline = Number.POSITIVE_INFINITY;

/**
 * Reading the CPU clock is a system call that a loaded machine makes slow (see cpuNow). Measured on
 * the bench's 20k-file tree at load 5: p50 14 us but p99 5 ms per getrusage, 230-730 ms for ~680
 * calls when it was read at most once per wall-clock ms. So the clock is read rarely, and never to
 * decide alone:
 * - between readings the thread uses at most the wall time passed, so `sampledCpu + wallSince` is an
 *   estimate that can only be high (with the process clock, V8's helper threads can make a stop late
 *   by their share, which is bounded). A check that finds
 *   the estimate within the deadline is right without reading the clock; one that finds it past reads
 *   the clock before throwing, so a stale reading never ends a budget early;
 * - a new deadline starts from the last reading when it is at most 1% of the budget old (in wall
 *   time), else from a fresh one: it starts at most 1% of the budget early, never late.
 */
const STALE_FRACTION = 0.01;
let sampledCpu = 0;
let sampledWall = Number.NEGATIVE_INFINITY;

/** Monotonic wall-clock ms. Not `performance.now()`: the global `performance` loads perf_hooks (eight modules) on first use, in every cold start. */
function wallNow(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}

/**
 * The clock. getrusage (`process.cpuUsage()`) sums every thread of the process and waits on the
 * other CPUs' locks: on the bench's synthetic tree at load 10 it took p50 5.7 ms, p90 29 ms per call.
 * Linux keeps each thread's CPU time in nanoseconds in /proc/thread-self/schedstat (its first
 * field): one pread of an open file, p50 0.06 ms at the same load. The file is opened by the thread
 * that reads it (module state is per thread), and the clock is chosen once per thread, so readings
 * of one thread are always comparable.
 */
let schedstat: number | null | undefined;
const schedstatBuffer = Buffer.alloc(64);
let reads = 0;

/** CPU time of this thread (Linux) or process so far, in ms. */
function cpuNow(): number {
  reads++;
  if (schedstat === undefined) {
    try {
      schedstat = openSync('/proc/thread-self/schedstat', 'r');
      if (readSchedstat(schedstat) === undefined) schedstat = null;
    } catch {
      schedstat = null;
    }
  }
  if (schedstat !== null) {
    const ms = readSchedstat(schedstat);
    // The file was readable when chosen; should a read fail, the process clock only runs ahead of
    // the thread's (it adds the other threads), so a budget could end early, never late.
    if (ms !== undefined) return ms;
    schedstat = null;
  }
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function readSchedstat(fd: number): number | undefined {
  try {
    const length = readSync(fd, schedstatBuffer, 0, schedstatBuffer.length, 0);
    let ns = 0;
    let i = 0;
    for (; i < length; i++) {
      const code = schedstatBuffer[i];
      if (code < 48 || code > 57) break;
      ns = ns * 10 + (code - 48);
    }
    return i > 0 && schedstatBuffer[i] === 32 ? ns / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

/** How this thread's budget clock reads (for tests): which clock, and how many readings so far. */
export function budgetClock(): { source: 'thread' | 'process'; reads: number } {
  return { source: typeof schedstat === 'number' ? 'thread' : 'process', reads };
}

/** Takes a reading of the CPU clock. */
function sample(wall: number): void {
  sampledCpu = cpuNow();
  sampledWall = wall;
}

let budgetMs = 0;
let ticks = 0;

/** Runs `work` with a deadline `ms` from now (nested calls keep the earlier deadline). */
export function withBudget<T>(ms: number, work: () => T): T {
  const savedDeadline = deadline;
  const savedBudget = budgetMs;
  const wall = wallNow();
  if (!(wall - sampledWall <= ms * STALE_FRACTION)) sample(wall);
  const mine = sampledCpu + ms;
  if (mine < deadline) {
    deadline = mine;
    budgetMs = ms;
  }
  try {
    return work();
  } finally {
    deadline = savedDeadline;
    budgetMs = savedBudget;
  }
}

/** Cheap enough for a tokenizer's inner loop: reads the clock once every 1024 calls. */
export function checkBudget(): void {
  if ((++ticks & 1023) === 0) checkBudgetNow();
}

/** For loops whose single step can be expensive (one rule run, one policy). */
export function checkBudgetNow(): void {
  if (deadline === Number.POSITIVE_INFINITY) return;
  const wall = wallNow();
  // An upper bound of the CPU used so far (see above): within the deadline, no need to read the clock.
  if (sampledCpu + (wall - sampledWall) <= deadline) return;
  sample(wall);
  if (sampledCpu > deadline) throw new BudgetExceeded(budgetMs);
}
