import type { Loc } from '../model/types.js';

/**
 * String offsets to 1-based line/column positions, for extractors whose parsers report offsets
 * (lezer for Python, yaml for YAML). Columns are UTF-16 units, as offsets are.
 */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function position(lineStarts: number[], offset: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - lineStarts[low] + 1 };
}

export function offsetsToLoc(file: string, lineStarts: number[], from: number, to: number): Loc {
  const start = position(lineStarts, from);
  const end = position(lineStarts, to);
  return { file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}
