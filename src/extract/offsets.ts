import type { Loc } from '../model/types.js';

/**
 * String offsets to 1-based line/column positions: the ONE line table every extractor, the engine's
 * span check and the suppression reader use. Lines break at `\r\n`, `\r` and `\n` — what the
 * Language Server Protocol and editors count — and NOT at U+2028/U+2029 (JavaScript counts those,
 * so Babel's own `loc` lines are never used). Columns are UTF-16 units, as offsets are.
 */
export function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10) starts.push(i + 1);
    else if (code === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** The line break at the end of a line: `\r\n`, `\r`, `\n`, or none (the last line). */
const LINE_BREAK = /\r\n|\r|\n/;

/** The file's lines without their line breaks, split the way `lineStartsOf` counts them. */
export function splitLines(text: string): string[] {
  return text.split(LINE_BREAK);
}

/** Length of every line without its line break (for checking that a span lies inside the file). */
export function lineLengthsOf(text: string, lineStarts: number[] = lineStartsOf(text)): number[] {
  const lengths: number[] = new Array(lineStarts.length);
  for (let line = 0; line < lineStarts.length; line++) {
    let end = line + 1 < lineStarts.length ? lineStarts[line + 1] : text.length;
    if (line + 1 < lineStarts.length) {
      end--;
      if (text.charCodeAt(end) === 10 && text.charCodeAt(end - 1) === 13) end--;
    }
    lengths[line] = end - lineStarts[line];
  }
  return lengths;
}

/** The 0-based index of the line holding `offset` (a binary search over the line starts). */
export function lineIndexAt(lineStarts: number[], offset: number): number {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (lineStarts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  return low;
}

export function positionAt(lineStarts: number[], offset: number): { line: number; column: number } {
  const index = lineIndexAt(lineStarts, offset);
  return { line: index + 1, column: offset - lineStarts[index] + 1 };
}

export function offsetsToLoc(file: string, lineStarts: number[], from: number, to: number): Loc {
  const start = positionAt(lineStarts, from);
  const end = positionAt(lineStarts, to);
  return { file, line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}
