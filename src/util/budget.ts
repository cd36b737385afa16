/**
 * A cooperative time budget for one file's work. `lint()` is synchronous and single-threaded, so
 * the current deadline is module state: the engine sets it around each file's extraction and rule
 * runs, and the long loops (tokenizers, tree walks, the rule loop) call `checkBudget()`. When the
 * budget runs out, `BudgetExceeded` unwinds to the engine, which reports the file as not analysed
 * instead of hanging (a hostile or huge input must never stall the CLI, the LSP or the Action).
 *
 * The budget counts CPU time of this process, not wall time: on a loaded CI runner a legitimate
 * large file must not be dropped silently because other jobs took the cores.
 */
export class BudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(`time budget of ${budgetMs} ms exceeded`);
    this.name = 'BudgetExceeded';
  }
}

let deadline = Number.POSITIVE_INFINITY;

/**
 * `process.cpuUsage()` is getrusage(RUSAGE_SELF): it sums every thread of the process and, on a loaded
 * machine, waits for the locks of the CPUs those threads (V8's GC helpers) run on. Measured on the
 * bench's 20k-file tree at load 5: p50 14 us but p99 5 ms per call, 230-730 ms for ~680 calls when
 * it was read at most once per wall-clock ms. So the clock is read rarely, and never to decide alone:
 * - between readings the JS thread uses at most the wall time passed, so `sampledCpu + wallSince`
 *   is an estimate that is high for the work the budget stops (V8's GC helper threads, which the
 *   reading also counts, can make a stop late by their share, which is bounded). A check that finds
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

/** Reads the CPU time used by this process so far, in ms. */
function sample(wall: number): void {
  const { user, system } = process.cpuUsage();
  sampledCpu = (user + system) / 1000;
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
