/**
 * Values already worked out during one outermost evaluation, by the bindings they were read in, the
 * node evaluated and the depth it was reached at (the readers' depth bound makes a value depend on
 * it). A name referred to k times per level (`B = [A, A, …]`, `` `${A}${A}…` `` repeated) then costs
 * once instead of k^levels. The JS and the Python value readers each keep one.
 */
export class EvaluationMemo<Scope extends object, Key, Value> {
  private values: WeakMap<Scope, Map<Key, Map<number, Value>>> | undefined;

  /** Runs `work` as the outermost evaluation, with a fresh memo, unless one is already running. */
  run<T>(work: () => T): T {
    if (this.values) return work();
    this.values = new WeakMap();
    try {
      return work();
    } finally {
      this.values = undefined;
    }
  }

  /** The value of `key` at `depth` in `scope`, computed once per outermost evaluation. */
  value(scope: Scope, key: Key, depth: number, compute: () => Value): Value {
    if (!this.values) return compute();
    let byKey = this.values.get(scope);
    if (!byKey) this.values.set(scope, (byKey = new Map()));
    let byDepth = byKey.get(key);
    if (!byDepth) byKey.set(key, (byDepth = new Map()));
    const known = byDepth.get(depth);
    if (known) return known;
    const value = compute();
    byDepth.set(depth, value);
    return value;
  }
}
