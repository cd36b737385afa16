/**
 * `target.push(...items)` passes every item as a call argument and throws "Maximum call stack size
 * exceeded" past ~100k items (a 130,000-directive nginx block did): append with a loop instead.
 */
export function append<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** `Math.max(...values)` without the argument-count limit; `fallback` for an empty list. */
export function maxOf(values: Iterable<number>, fallback = 0): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const value of values) if (value > max) max = value;
  return max === Number.NEGATIVE_INFINITY ? fallback : max;
}
