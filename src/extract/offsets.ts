import { activeParseCache, changedRange } from '../engine/parse-cache.js';
import type { Loc } from '../model/types.js';

/**
 * String offsets to 1-based line/column positions: the ONE line table every extractor, the engine's
 * span check and the suppression reader use. Lines break at `\r\n`, `\r` and `\n` — what the
 * Language Server Protocol and editors count — and NOT at U+2028/U+2029 (JavaScript counts those,
 * so Babel's own `loc` lines are never used). Columns are UTF-16 units, as offsets are.
 */
export function lineStartsOf(text: string): number[] {
  const known = recent.find((entry) => entry.text === text);
  if (known) {
    // Most recent first: the language server asks for one document's table several times per edit.
    if (recent[0] !== known) {
      recent.splice(recent.indexOf(known), 1);
      recent.unshift(known);
    }
    return known.starts;
  }
  const previous = recent[0];
  const starts = previous && text.length >= INCREMENTAL_LINES_MIN && activeParseCache() ? startsAfterEdit(previous, text) : scanAll(text);
  recent.unshift({ text, starts });
  if (recent.length > RECENT) recent.pop();
  return starts;
}

/**
 * The last few texts' line tables (callers never change one): one document's table is asked for by
 * its parser, the span checks and the suppression reader in the same run. In the language server
 * (a parse cache is active) the next keystroke's table is made from the last one: the lines before
 * and after the edited span are the same, those after it moved (a 2,000-line file: 2-3 ms of each
 * keystroke went into scanning the whole text for line breaks, three times).
 */
const recent: Array<{ text: string; starts: number[]; lengths?: number[] }> = [];
const RECENT = 4;
const INCREMENTAL_LINES_MIN = 8192;

function scanAll(text: string): number[] {
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

/**
 * Appends to `starts` the line starts s with from <= s <= to (s >= 1): a line starts after a `\n`,
 * and after a `\r` not followed by a `\n`. Each start depends only on the two characters around it.
 */
function scanStarts(text: string, from: number, to: number, starts: number[]): number[] {
  for (let s = Math.max(from, 1); s <= to; s++) {
    const before = text.charCodeAt(s - 1);
    if (before === 10 || (before === 13 && text.charCodeAt(s) !== 10)) starts.push(s);
  }
  return starts;
}

/** `text`'s line starts from those of `previous.text`: kept before the edited span, scanned inside it, moved after it. */
function startsAfterEdit(previous: { text: string; starts: number[] }, text: string): number[] {
  const { fromA, toA, toB } = changedRange(previous.text, text);
  const old = previous.starts;
  const delta = text.length - previous.text.length;
  // Starts s < fromA read two unchanged characters; starts s >= toA + 1 read two characters of the unchanged end.
  let keep = 0;
  while (keep < old.length && old[keep] < fromA) keep++;
  const starts = old.slice(0, Math.max(keep, 1));
  scanStarts(text, Math.max(fromA, 1), toB, starts);
  let after = keep;
  while (after < old.length && old[after] < toA + 1) after++;
  for (let i = after; i < old.length; i++) starts.push(old[i] + delta);
  return starts;
}

/** The line break at the end of a line: `\r\n`, `\r`, `\n`, or none (the last line). */
const LINE_BREAK = /\r\n|\r|\n/;

/** The file's lines without their line breaks, split the way `lineStartsOf` counts them. */
export function splitLines(text: string): string[] {
  return text.split(LINE_BREAK);
}

/** Length of every line without its line break (for checking that a span lies inside the file). */
export function lineLengthsOf(text: string, lineStarts?: number[]): number[] {
  if (lineStarts) return lengthsOf(text, lineStarts);
  const starts = lineStartsOf(text);
  const entry = recent.find((candidate) => candidate.starts === starts);
  if (!entry) return lengthsOf(text, starts);
  return (entry.lengths ??= lengthsOf(text, starts));
}

function lengthsOf(text: string, lineStarts: number[]): number[] {
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

/**
 * Where JSON.parse stopped in `text`: the position its message names. V8 leaves it out of some
 * messages ("Unexpected token ']', …" for a trailing comma, "Unexpected end of JSON input"): then the
 * first comma before a closing bracket, or the end of the text, and the start when nothing fits.
 */
export function jsonErrorOffset(text: string, message: string): number {
  const named = /position (\d+)/.exec(message)?.[1];
  if (named !== undefined) return Math.min(Number(named), text.length);
  if (/end of JSON input/i.test(message)) return Math.max(0, text.length - 1);
  if (/Unexpected token/.test(message)) {
    const comma = /,\s*[\]}]/.exec(text);
    if (comma) return comma.index;
  }
  return 0;
}
