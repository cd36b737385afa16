import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { BudgetExceeded, budgetClock, checkBudgetNow, withBudget } from '../src/util/budget.js';

/**
 * The per-file CPU budget reads the process's CPU clock (getrusage, slow on a loaded machine) only
 * when it must: once when a budget starts from a stale reading, and before throwing. These count
 * clock reads and compare CPU times, never wall-clock limits.
 */
describe('time budget', () => {
  afterEach(() => vi.restoreAllMocks());

  it('checks within a generous budget do not read the CPU clock', () => {
    const before = budgetClock().reads;
    withBudget(10_000, () => {
      for (let i = 0; i < 100_000; i++) checkBudgetNow();
      // Nested stages right after a reading start from it.
      for (let i = 0; i < 1_000; i++) withBudget(10_000, () => checkBudgetNow());
    });
    // The first budget reads the clock at most once; a nested one only if the reading got 100 ms old.
    expect(budgetClock().reads - before).toBeLessThanOrEqual(3);
  });

  it.runIf(existsSync('/proc/thread-self/schedstat'))('on Linux it reads the thread\'s CPU time, not getrusage', () => {
    const getrusage = vi.spyOn(process, 'cpuUsage');
    withBudget(1, () => undefined);
    expect(budgetClock().source).toBe('thread');
    expect(getrusage).not.toHaveBeenCalled();
  });

  it('a busy stage is stopped, and never before it used its budget of CPU time', () => {
    const budget = 30;
    const cpu = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    };
    const start = cpu();
    let stopped: unknown;
    try {
      withBudget(budget, () => {
        for (;;) checkBudgetNow();
      });
    } catch (error) {
      stopped = error;
    }
    expect(stopped).toBeInstanceOf(BudgetExceeded);
    // The budget may start from a reading up to 1% of it old, so it can end that much early.
    expect(cpu() - start).toBeGreaterThanOrEqual(budget * 0.99);
  });
});
