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
 * How stale a CPU reading may get, in wall-clock ms. `process.cpuUsage()` is a system call costing
 * about a microsecond, and lint() enters a budget and checks it per file, per rule and per policy: read
 * every time, it was 15-18% of linting a small file. Between readings the CPU used is bounded by the
 * wall time passed (one thread), so adding that keeps the estimate an upper bound that is never more
 * than this far ahead: a budget ends at most a millisecond early, never late.
 */
const RESAMPLE_MS = 1;
let sampledCpu = 0;
let sampledWall = Number.NEGATIVE_INFINITY;

/** Monotonic wall-clock ms. Not `performance.now()`: the global `performance` loads perf_hooks (eight modules) on first use, in every cold start. */
function wallNow(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1000 + nanoseconds / 1e6;
}

/** CPU time used by this process so far, in ms (an upper bound at most RESAMPLE_MS ahead). */
function cpuNow(): number {
  const wall = wallNow();
  const since = wall - sampledWall;
  if (since >= 0 && since < RESAMPLE_MS) return sampledCpu + since;
  const { user, system } = process.cpuUsage();
  sampledCpu = (user + system) / 1000;
  sampledWall = wall;
  return sampledCpu;
}
let budgetMs = 0;
let ticks = 0;

/** Runs `work` with a deadline `ms` from now (nested calls keep the earlier deadline). */
export function withBudget<T>(ms: number, work: () => T): T {
  const savedDeadline = deadline;
  const savedBudget = budgetMs;
  const mine = cpuNow() + ms;
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
  if (deadline !== Number.POSITIVE_INFINITY && cpuNow() > deadline) throw new BudgetExceeded(budgetMs);
}
