/**
 * What lezer is given in place of a Python file's text where its grammar is older than the language
 * or stricter than CPython. Every rewrite keeps the length of what it replaces, so every position in
 * lezer's tree is a position in the text as written, from which values are read.
 *
 * One scan yields the file's tokens once (names, numbers, strings, comments, line continuations,
 * line breaks, brackets, other characters; blanks yield none), and each rewrite is a small consumer
 * of those tokens. The scan is written by hand because it must find, on any text, the same tokens
 * the four rewrites were written against (`stringLiteralLast`'s idea of a string, ASCII names) and
 * stay linear; a tokenizer library would need its own recovery rules on broken files.
 */

const NAME = 0;
const NUMBER = 1;
const STRING = 2;
const COMMENT = 3;
/** A backslash that joins its line to the next (`\` then `\n`, `\r\n` or `\r`). */
const CONTINUATION = 4;
const NEWLINE = 5;
const FORM_FEED = 6;
const OPEN = 7;
const CLOSE = 8;
/** Any other single character (punctuation, operators, a lone backslash, non-ASCII). */
const OTHER = 9;
type TokenKind = number;

const TAB = 9;
const LF = 10;
const FF = 12;
const CR = 13;
const SPACE = 32;
const DOUBLE_QUOTE = 34;
const HASH = 35;
const SINGLE_QUOTE = 39;
const PAREN_OPEN = 40;
const PAREN_CLOSE = 41;
const DOT = 46;
const COLON = 58;
const SEMICOLON = 59;
const EQUALS = 61;
const BRACKET_OPEN = 91;
const BACKSLASH = 92;
const BRACKET_CLOSE = 93;
const UNDERSCORE = 95;
const BRACE_OPEN = 123;
const BRACE_CLOSE = 125;
const COMMA = 44;

function isLetter(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === UNDERSCORE;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isWordChar(code: number): boolean {
  return isLetter(code) || isDigit(code);
}

/** The text handed to lezer, changed in place one character at a time (a copy only once something changes). */
class Rewritten {
  private chars: string[] | undefined;
  constructor(readonly input: string) {}
  set(at: number, char: string): void {
    (this.chars ??= this.input.split(''))[at] = char;
  }
  /** Whether the token [start, end) reads `word` now (after the rewrites made so far). */
  reads(start: number, end: number, word: string): boolean {
    if (end - start !== word.length) return false;
    const source = this.chars ?? this.input;
    for (let k = 0; k < word.length; k++) if (source[start + k] !== word[k]) return false;
    return true;
  }
  text(): string {
    return this.chars ? this.chars.join('') : this.input;
  }
}

interface Consumer {
  token(kind: TokenKind, start: number, end: number): void;
}

/** Whether a name or number at `start` begins there as a word: not after a dot (`x.as` is a member). */
function startsWord(input: string, start: number): boolean {
  return start === 0 || input.charCodeAt(start - 1) !== DOT;
}

/**
 * Parenthesized context managers (`with (open(a) as f, open(b) as g):`, Python 3.10, and the usual
 * way to write a long `with` in tests) are Python, but lezer reads the parentheses as an expression
 * and stops at the first `as`: a false syntax error, and the rest of the statement misread. Each
 * `as` directly inside such parentheses is handed to lezer as `or`, which reads as one expression per
 * item; `as` is a keyword, so outside strings and comments it is only ever this `as`.
 */
function parenthesizedWithItems(out: Rewritten): Consumer {
  const { input } = out;
  let depth = 0;
  /** Bracket depth just inside an open `with (`; -1 when none is open. */
  let withDepth = -1;
  let afterWith = false;
  /** A comment's line break does not end `with` before its `(` (as this rewrite has always read it). */
  let afterComment = false;
  return {
    token(kind, start, end) {
      if (afterComment) {
        afterComment = false;
        if (kind === NEWLINE) return;
      }
      if (kind === COMMENT) {
        afterComment = true;
      } else if (kind === NAME) {
        const wordStart = startsWord(input, start);
        if (wordStart && depth === withDepth && out.reads(start, end, 'as')) {
          out.set(start, 'o');
          out.set(start + 1, 'r');
        }
        afterWith = wordStart && withDepth === -1 && out.reads(start, end, 'with');
      } else if (kind === OPEN) {
        depth++;
        if (afterWith && input.charCodeAt(start) === PAREN_OPEN) withDepth = depth;
        afterWith = false;
      } else if (kind === CLOSE) {
        if (depth === withDepth) withDepth = -1;
        if (depth > 0) depth--;
        afterWith = false;
      } else afterWith = false;
    },
  };
}

/**
 * A number written with a trailing dot (`300.`, `10.,`, `1.e-3`, `2.j`) is a float in Python, but lezer's
 * Number token wants a digit after the dot, so it reads `300` then a member access with no name: a false
 * syntax error. The parser is given the digits shifted one place right behind a `0` (`0300`, `01e-3`,
 * `02j`): a Number of the same length. A fraction (`.5`), a plain integer, `0x…`, `1e5` and names
 * (`x1.` is a member access) are left to lezer.
 */
function trailingDotNumbers(out: Rewritten): Consumer {
  const { input } = out;
  return {
    token(kind, start, end) {
      if (kind !== NUMBER || input.charCodeAt(end) !== DOT || !startsWord(input, start)) return;
      for (let k = start + 1; k < end; k++) {
        const code = input.charCodeAt(k);
        if (!isDigit(code) && code !== UNDERSCORE) return;
      }
      if (!floatTail(input, end + 1)) return;
      for (let k = end; k > start; k--) out.set(k, input[k - 1]);
      out.set(start, '0');
    },
  };
}

/** Whether what follows a number's dot ends a float there: no digit, and no name except an exponent (`e5`, `E-3`) or `j`. */
function floatTail(input: string, at: number): boolean {
  if (at >= input.length) return true;
  const code = input.charCodeAt(at);
  if (isDigit(code) || code === UNDERSCORE) return false;
  if (code === 106 || code === 74) return !isWordChar(input.charCodeAt(at + 1));
  if (code === 101 || code === 69) {
    let k = at + 1;
    const sign = input.charCodeAt(k);
    if (sign === 43 || sign === 45) k++;
    return isDigit(input.charCodeAt(k));
  }
  return !isWordChar(code) && code !== DOT;
}

/** Blanks and backslash-newlines only: what may stand between an except clause's last comma and its colon for the comma to be a trailing one. */
const ONLY_BLANKS = /^[ \t]*(?:\\\r?\n[ \t]*)*$/;

/**
 * Python 3.14 (PEP 758) lets `except` and `except*` name several exception types without parentheses
 * when there is no `as` (`except KeyError, ValueError:`, the grammar's `'except' expressions ':'`);
 * lezer's grammar takes one expression there and reports a syntax error at the comma. Each comma at
 * the clause's own bracket depth is handed to lezer as `|` (a trailing one as a space): one expression
 * of the same length. A clause with `as` (still an error in CPython), or one that ends before its
 * colon, is left alone; `except` is a keyword, so outside strings and comments it only ever starts a clause.
 */
function unparenthesizedExceptTypes(out: Rewritten): Consumer {
  const { input } = out;
  let depth = 0;
  /** Bracket depth of an open except clause's header; -1 when none is open. */
  let clauseDepth = -1;
  let commas: number[] = [];
  let withAs = false;
  return {
    token(kind, start, end) {
      if (kind === NAME) {
        if (!startsWord(input, start)) return;
        if (out.reads(start, end, 'except')) {
          clauseDepth = depth;
          commas = [];
          withAs = false;
        } else if (depth !== clauseDepth) return;
        // Read after the rewrites before it: an `as` handed to lezer as `or` is no `as` here.
        else if (out.reads(start, end, 'as')) withAs = true;
        // A lambda's colon is not the clause's.
        else if (out.reads(start, end, 'lambda')) clauseDepth = -1;
      } else if (kind === OPEN) {
        depth++;
      } else if (kind === CLOSE) {
        if (depth > 0) depth--;
        if (depth < clauseDepth) clauseDepth = -1;
      } else if ((kind === OTHER || kind === NEWLINE) && clauseDepth !== -1 && depth === clauseDepth) {
        const code = input.charCodeAt(start);
        if (code === COMMA) {
          commas.push(start);
        } else if (code === COLON && input.charCodeAt(start + 1) !== EQUALS) {
          if (commas.length > 0 && !withAs) {
            const last = commas[commas.length - 1];
            for (const comma of commas) out.set(comma, comma === last && ONLY_BLANKS.test(input.slice(last + 1, start)) ? ' ' : '|');
          }
          clauseDepth = -1;
        } else if (kind === NEWLINE || code === SEMICOLON) {
          clauseDepth = -1;
        }
      }
    },
  };
}

/**
 * Empty brackets in a `match` statement's pattern (`case Point():`, an isinstance test; `case []:`, `case ():`,
 * `case {}:`) are Python 3.10, but lezer's pattern grammar wants something between them and reports a syntax
 * error. Each empty pair is handed to lezer as `_` and blanks (`case Point_ :`, `case _ :`): a pattern of the
 * same length (no CORS value is read from a pattern). Only a clause that starts its line with `case` and
 * reaches its `:` at bracket depth 0 is touched, so a call `case()` is left alone.
 */
function emptyMatchPatterns(out: Rewritten): Consumer {
  const { input } = out;
  let depth = 0;
  let lineStart = true;
  let inClause = false;
  /** Open brackets of the clause: offset and whether only blanks followed so far. */
  const open: Array<{ at: number; empty: boolean }> = [];
  let pairs: number[] = [];
  return {
    token(kind, start, end) {
      if (kind === NEWLINE) {
        if (depth === 0) {
          inClause = false;
          lineStart = true;
        }
        return;
      }
      if (kind === FORM_FEED || kind === COMMENT || kind === CONTINUATION) return;
      if (open.length > 0 && kind !== CLOSE) open[open.length - 1].empty = false;
      const first = lineStart;
      lineStart = false;
      if (kind === NAME) {
        if (first && depth === 0 && out.reads(start, end, 'case')) {
          inClause = true;
          pairs = [];
          open.length = 0;
        }
      } else if (kind === OPEN) {
        depth++;
        if (inClause) open.push({ at: start, empty: true });
      } else if (kind === CLOSE) {
        if (depth > 0) depth--;
        const opened = inClause ? open.pop() : undefined;
        if (opened?.empty) pairs.push(opened.at, start);
      } else if (kind === OTHER) {
        const code = input.charCodeAt(start);
        if (code === SEMICOLON) {
          if (depth === 0) inClause = false;
        } else if (code === COLON && inClause && depth === 0 && input.charCodeAt(start + 1) !== EQUALS) {
          for (let k = 0; k < pairs.length; k += 2) {
            out.set(pairs[k], '_');
            out.set(pairs[k + 1], ' ');
          }
          inClause = false;
        }
      }
    },
  };
}

/** CPython's tokenizer limit (MAXLEVEL): a bracket opened deeper than this is a syntax error. */
export const MAX_BRACKET_DEPTH = 200;

/** Finds the first bracket opened deeper than MAX_BRACKET_DEPTH (an f-string's braces count as its text, which can only under-count). */
function bracketNesting(): Consumer & { tooDeep: number | undefined } {
  let depth = 0;
  return {
    tooDeep: undefined,
    token(kind, start) {
      if (kind === OPEN) {
        if (++depth > MAX_BRACKET_DEPTH) this.tooDeep ??= start;
      } else if (kind === CLOSE && depth > 0) depth--;
    },
  };
}

/**
 * Whether the line a continuation at `from` (just past its line break) joins is blank or a comment
 * only: CPython ends the logical line at the continuation then, but lezer skips the blank line as
 * well and runs the statement into the next one.
 */
function joinsBlankLine(input: string, from: number): boolean {
  let at = from;
  while (at < input.length) {
    const code = input.charCodeAt(at);
    if (code !== SPACE && code !== TAB && code !== FF) break;
    at++;
  }
  if (input.charCodeAt(at) === HASH) {
    while (at < input.length) {
      const code = input.charCodeAt(at);
      if (code === LF || code === CR) break;
      at++;
    }
  }
  if (at >= input.length) return true;
  return input.charCodeAt(at) === LF || (input.charCodeAt(at) === CR && input.charCodeAt(at + 1) === LF);
}

/**
 * The text lezer is given for `input` (a Python file's text, same length), and the offset of the
 * first bracket nested deeper than CPython allows. Rewrites made:
 * - a line continuation before a blank or comment-only line (`config.add_route(…)\` then an empty
 *   line, left over from a deleted call chain) is handed to lezer as a space (see joinsBlankLine);
 * - parenthesized `with` items, unparenthesized `except` types, empty `case` patterns and numbers with
 *   a trailing dot, each where the consumer above says.
 * Each rewrite runs only on a file that has its construct (a cheap test first).
 */
export function preParse(input: string): { input: string; tooDeep: number | undefined } {
  const out = new Rewritten(input);
  const consumers: Consumer[] = [];
  // The order is that in which the rewrites were once made one after the other: a consumer reads the text as the ones before it left it.
  // Each test is the one its rewrite always had, behind a plain substring search that is faster to fail.
  if (input.includes('with') && /\bwith[ \t]*\(/.test(input)) consumers.push(parenthesizedWithItems(out));
  if (input.includes('.') && /\d\.(?![\d_])/.test(input)) consumers.push(trailingDotNumbers(out));
  if (input.includes('except')) consumers.push(unparenthesizedExceptTypes(out));
  if (input.includes('case') && /^[ \t]*case\b/m.test(input)) consumers.push(emptyMatchPatterns(out));
  const nesting = bracketNesting();
  consumers.push(nesting);
  const length = input.length;
  let i = 0;
  while (i < length) {
    const code = input.charCodeAt(i);
    if (code === SPACE || code === TAB) {
      i++;
      continue;
    }
    let kind: TokenKind;
    let end = i + 1;
    if (isLetter(code) || isDigit(code)) {
      kind = isDigit(code) ? NUMBER : NAME;
      while (end < length && isWordChar(input.charCodeAt(end))) end++;
    } else if (code === DOUBLE_QUOTE || code === SINGLE_QUOTE) {
      kind = STRING;
      end = Math.min(length, stringLiteralLast(input, i) + 1);
    } else if (code === HASH) {
      kind = COMMENT;
      end = input.indexOf('\n', i);
      if (end === -1) end = length;
    } else if (code === BACKSLASH && (input.charCodeAt(i + 1) === LF || input.charCodeAt(i + 1) === CR)) {
      const crlf = input.charCodeAt(i + 1) === CR && input.charCodeAt(i + 2) === LF;
      if ((input.charCodeAt(i + 1) === LF || crlf) && joinsBlankLine(input, i + (crlf ? 3 : 2))) {
        // Handed to lezer as a blank; the line break after it is read as the line's end.
        out.set(i, ' ');
        i++;
        continue;
      }
      kind = CONTINUATION;
      end = i + (crlf ? 3 : 2);
    } else if (code === LF || code === CR) {
      kind = NEWLINE;
    } else if (code === FF) {
      kind = FORM_FEED;
    } else if (code === PAREN_OPEN || code === BRACKET_OPEN || code === BRACE_OPEN) {
      kind = OPEN;
    } else if (code === PAREN_CLOSE || code === BRACKET_CLOSE || code === BRACE_CLOSE) {
      kind = CLOSE;
    } else kind = OTHER;
    for (let k = 0; k < consumers.length; k++) consumers[k].token(kind, i, end);
    i = end;
  }
  return { input: out.text(), tooDeep: nesting.tooDeep };
}

/**
 * The index of the last character of the string literal whose quote is at `start` (its closing
 * quote; for an unclosed one-line string the line break that ends it, or past the text's end).
 * String prefixes (`r`, `b`, `f`, `t`…) are read as names before it, which they are to every rewrite.
 * A backslash escapes the character after it, a line break too (raw strings as well: `r"\"` is open).
 */
function stringLiteralLast(text: string, start: number): number {
  const quote = text.charCodeAt(start);
  const length = text.length;
  const triple = text.charCodeAt(start + 1) === quote && text.charCodeAt(start + 2) === quote;
  let j = start + (triple ? 3 : 1);
  while (j < length) {
    const code = text.charCodeAt(j);
    if (code === quote) {
      if (!triple) return j;
      if (text.charCodeAt(j + 1) === quote && text.charCodeAt(j + 2) === quote) return j + 2;
    } else if (code === BACKSLASH) j++;
    else if (code === LF && !triple) return j;
    j++;
  }
  return j;
}
