import type { Loc } from './types.js';

/** Whether two positions start at the same place (both undefined counts as the same): the identity of a directive or a written value. */
export function sameStart(a: Loc | undefined, b: Loc | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.file === b.file && a.line === b.line && a.column === b.column);
}
