/**
 * The Python pre-parse rewrites as they were before pre-parse.ts (main at e93b489): four scans,
 * each skipping strings and comments its own way, one after the other, and a regex for line
 * continuations. Kept only as the oracle of test/python-pre-parse.test.ts; not used by the tool.
 */
/* eslint-disable */
export function bareYieldsAsValues(input: string): string {
  if (!input.includes('yield')) return input;
  return input.replace(/(^|[^\w.])yield(?=[ \t]*(?:#|;|\)|\r|\n|$))/g, (_, before: string) => `${before}None `);
}

export function continuationsBeforeBlankLines(input: string): string {
  if (!input.includes('\\\n') && !input.includes('\\\r')) return input;
  return input.replace(/\\(?=\r?\n[ \t\f]*(?:#[^\r\n]*)?(?:\r?\n|$))/g, ' ');
}

export function parenthesizedWithItems(input: string): string {
  if (!/\bwith[ \t]*\(/.test(input)) return input;
  let chars: string[] | undefined;
  let depth = 0;
  /** Bracket depth just inside an open `with (`; -1 when none is open. */
  let withDepth = -1;
  let afterWith = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '#') {
      const end = input.indexOf('\n', i);
      if (end === -1) break;
      i = end;
    } else if (c === '"' || c === "'") {
      i = stringLiteralLast(input, i);
      afterWith = false;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < input.length && /\w/.test(input[j])) j++;
      const word = input.slice(i, j);
      const wordStart = i === 0 || !/[\w.]/.test(input[i - 1]);
      if (word === 'as' && wordStart && depth === withDepth) {
        chars ??= input.split('');
        chars[i] = 'o';
        chars[i + 1] = 'r';
      }
      afterWith = word === 'with' && wordStart && withDepth === -1;
      i = j - 1;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
      if (afterWith && c === '(') withDepth = depth;
      afterWith = false;
    } else if (c === ')' || c === ']' || c === '}') {
      if (depth === withDepth) withDepth = -1;
      if (depth > 0) depth--;
      afterWith = false;
    } else if (c !== ' ' && c !== '\t') afterWith = false;
  }
  return chars ? chars.join('') : input;
}

/**
 * Python 3.14 (PEP 758) lets `except` and `except*` name several exception types without parentheses
 * when there is no `as` (`except KeyError, ValueError:`, the grammar's `'except' expressions ':'`);
 * lezer's grammar takes one expression there and reports a syntax error at the comma. Each comma at
 * the clause's own bracket depth is handed to lezer as `|` (a trailing one as a space): one expression
 * of the same length, so positions stay exact; the text stays as written. A clause with `as` (still an
 * error in CPython), or one that ends before its colon, is left alone. One linear pass that skips
 * strings and comments; `except` is a keyword, so outside them it only ever starts a clause.
 */
export function unparenthesizedExceptTypes(input: string): string {
  if (!input.includes('except')) return input;
  let chars: string[] | undefined;
  let depth = 0;
  /** Bracket depth of an open except clause's header; -1 when none is open. */
  let clauseDepth = -1;
  let commas: number[] = [];
  let withAs = false;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '#') {
      const end = input.indexOf('\n', i);
      if (end === -1) break;
      // The line break is read next: it ends an open header.
      i = end - 1;
    } else if (c === '"' || c === "'") {
      i = stringLiteralLast(input, i);
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < input.length && /\w/.test(input[j])) j++;
      const word = input.slice(i, j);
      const wordStart = i === 0 || !/[\w.]/.test(input[i - 1]);
      if (wordStart && word === 'except') {
        clauseDepth = depth;
        commas = [];
        withAs = false;
      } else if (wordStart && depth === clauseDepth && word === 'as') withAs = true;
      // A lambda's colon is not the clause's.
      else if (wordStart && depth === clauseDepth && word === 'lambda') clauseDepth = -1;
      i = j - 1;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      if (depth > 0) depth--;
      if (depth < clauseDepth) clauseDepth = -1;
    } else if (c === '\\' && (input[i + 1] === '\n' || input[i + 1] === '\r')) {
      // A line continuation: the header goes on.
      i += input[i + 1] === '\r' && input[i + 2] === '\n' ? 2 : 1;
    } else if (clauseDepth === -1 || depth !== clauseDepth) {
      continue;
    } else if (c === ',') {
      commas.push(i);
    } else if (c === ':' && input[i + 1] !== '=') {
      if (commas.length > 0 && !withAs) {
        chars ??= input.split('');
        const last = commas[commas.length - 1];
        for (const comma of commas) chars[comma] = comma === last && /^[ \t]*(?:\\\r?\n[ \t]*)*$/.test(input.slice(last + 1, i)) ? ' ' : '|';
      }
      clauseDepth = -1;
    } else if (c === '\n' || c === '\r' || c === ';') {
      clauseDepth = -1;
    }
  }
  return chars ? chars.join('') : input;
}

/**
 * Python 3.14 template strings (PEP 750: `t"…"`, `T'…'`, raw `rt"…"`/`tR'…'`) have the syntax of f-strings,
 * but lezer knows only the f prefix and reads a name followed by a string: a false syntax error. The
 * parser is given `f` for the `t` (same length, positions exact); values are read from the text as
 * written, where a t prefix is no string the extractors decode (a Template is not a str). A `t` right
 * before a quote inside a string or comment is harmless to change: it stays text of the same kind.
 */
export function templateStringPrefixes(input: string): string {
  if (!/[tT][rR]?['"]/.test(input)) return input;
  return input.replace(/(?<!\w)(?:[rR][tT]|[tT][rR]?)(?=['"])/g, (prefix) => prefix.replace('t', 'f').replace('T', 'F'));
}

/**
 * Empty brackets in a `match` statement's pattern (`case Point():`, an isinstance test; `case []:`, `case ():`,
 * `case {}:`) are Python 3.10, but lezer's pattern grammar wants something between them and reports a syntax
 * error. Each empty pair is handed to lezer as `_` and blanks (`case Point_ :`, `case _ :`): a pattern of the
 * same length, so positions stay exact; the text stays as written (no CORS value is read from a pattern).
 * Only a clause that starts its line with `case` and reaches its `:` at bracket depth 0 is touched, so a
 * call `case()` is left alone. One linear pass that skips strings and comments.
 */
export function emptyMatchPatterns(input: string): string {
  if (!/^[ \t]*case\b/m.test(input)) return input;
  let chars: string[] | undefined;
  let depth = 0;
  let lineStart = true;
  let inClause = false;
  /** Open brackets of the clause: offset and whether only blanks followed so far. */
  const open: Array<{ at: number; empty: boolean }> = [];
  let pairs: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '\n' || c === '\r') {
      if (depth === 0) {
        inClause = false;
        lineStart = true;
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\f') continue;
    if (c === '#') {
      const end = input.indexOf('\n', i);
      if (end === -1) break;
      i = end - 1;
      continue;
    }
    if (c === '\\' && (input[i + 1] === '\n' || input[i + 1] === '\r')) {
      // A line continuation: the clause goes on.
      i += input[i + 1] === '\r' && input[i + 2] === '\n' ? 2 : 1;
      continue;
    }
    if (open.length > 0 && c !== ')' && c !== ']' && c !== '}') open[open.length - 1].empty = false;
    const first = lineStart;
    lineStart = false;
    if (c === '"' || c === "'") {
      i = stringLiteralLast(input, i);
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < input.length && /\w/.test(input[j])) j++;
      if (first && depth === 0 && input.slice(i, j) === 'case') {
        inClause = true;
        pairs = [];
        open.length = 0;
      }
      i = j - 1;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
      if (inClause) open.push({ at: i, empty: true });
    } else if (c === ')' || c === ']' || c === '}') {
      if (depth > 0) depth--;
      const opened = inClause ? open.pop() : undefined;
      if (opened?.empty) pairs.push(opened.at, i);
    } else if (c === ';') {
      if (depth === 0) inClause = false;
    } else if (c === ':' && inClause && depth === 0 && input[i + 1] !== '=') {
      if (pairs.length > 0) {
        chars ??= input.split('');
        for (let k = 0; k < pairs.length; k += 2) {
          chars[pairs[k]] = '_';
          chars[pairs[k + 1]] = ' ';
        }
      }
      inClause = false;
    }
  }
  return chars ? chars.join('') : input;
}

/**
 * A number written with a trailing dot (`300.`, `10.,`, `1.e-3`, `2.j`) is a float in Python, but lezer's
 * Number token wants a digit after the dot, so it reads `300` then a member access with no name: a false
 * syntax error. The parser is given the digits shifted one place right behind a `0` (`0300`, `01e-3`,
 * `02j`): a Number of the same length, so positions stay exact; values are read from the text as
 * written. One linear pass that skips strings, comments and names (`x1.` is a member access).
 */
export function trailingDotNumbers(input: string): string {
  if (!/\d\.(?![\d_])/.test(input)) return input;
  let chars: string[] | undefined;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '#') {
      const end = input.indexOf('\n', i);
      if (end === -1) break;
      i = end;
    } else if (c === '"' || c === "'") {
      i = stringLiteralLast(input, i);
    } else if (/[A-Za-z_]/.test(c)) {
      while (i + 1 < input.length && /\w/.test(input[i + 1])) i++;
    } else if (c >= '0' && c <= '9') {
      let j = i;
      while (j + 1 < input.length && /[\d_]/.test(input[j + 1])) j++;
      // A fraction (`.5`) or a plain integer is lezer's own; `0x…`, `1e5` and the like are skipped as a name-like run.
      const dot = j + 1;
      const startsNumber = i === 0 || !/[\w.]/.test(input[i - 1]);
      if (startsNumber && input[dot] === '.' && input[i] !== '_' && floatTail(input, dot + 1)) {
        chars ??= input.split('');
        for (let k = dot; k > i; k--) chars[k] = input[k - 1];
        chars[i] = '0';
      }
      i = dot;
      while (i < input.length && /\w/.test(input[i])) i++;
      i--;
    }
  }
  return chars ? chars.join('') : input;
}

/** Whether what follows a number's dot ends a float there: no digit, and no name except an exponent (`e5`, `E-3`) or `j`. */
export function floatTail(input: string, at: number): boolean {
  const c = input[at];
  if (c === undefined) return true;
  if (/[\d_]/.test(c)) return false;
  if (c === 'j' || c === 'J') return !/\w/.test(input[at + 1] ?? '');
  if (c === 'e' || c === 'E') {
    let k = at + 1;
    if (input[k] === '+' || input[k] === '-') k++;
    return /\d/.test(input[k] ?? '');
  }
  return !/\w/.test(c) && c !== '.';
}

export function oldNestingBeyondLimit(text: string): number | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '#') {
      const end = text.indexOf('\n', i);
      if (end === -1) return undefined;
      i = end;
    } else if (c === '"' || c === "'") {
      i = stringLiteralLast(text, i);
    } else if (c === '(' || c === '[' || c === '{') {
      if (++depth > 200) return i;
    } else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

export function stringLiteralLast(text: string, start: number): number {
  const c = text[start];
  const triple = text.startsWith(c.repeat(3), start);
  const quote = triple ? c.repeat(3) : c;
  let j = start + quote.length;
  while (j < text.length && !text.startsWith(quote, j)) {
    if (text[j] === '\\') j++;
    else if (!triple && text[j] === '\n') break;
    j++;
  }
  return j + (text.startsWith(quote, j) ? quote.length - 1 : 0);
}

/** The old chain of rewrites, in parsePython's order, with `continuations` for the line-continuation step. */
export function oldLezerInput(text: string, continuations: (input: string) => string = continuationsBeforeBlankLines): { input: string; tooDeep: number | undefined } {
  const start = bareYieldsAsValues(/(^|[\r\n])[ \t\f]+$/.test(text.slice(-200)) ? `${text}\n` : text);
  const input = emptyMatchPatterns(templateStringPrefixes(unparenthesizedExceptTypes(trailingDotNumbers(parenthesizedWithItems(continuations(start))))));
  return { input, tooDeep: oldNestingBeyondLimit(text) };
}

/** The regex of continuationsBeforeBlankLines, tried at one offset. */
function continuationBeforeBlankLineAt(input: string, at: number): boolean {
  const pattern = /\\(?=\r?\n[ \t\f]*(?:#[^\r\n]*)?(?:\r?\n|$))/y;
  pattern.lastIndex = at;
  return pattern.test(input);
}

/**
 * The continuation step written the way the four scans skip strings and comments (stringLiteralLast,
 * a comment to its `\n`): a backslash is handed over as a space only outside them. The regex above
 * also changed backslashes inside strings, where they escape the line break instead.
 */
export function continuationsOutsideStrings(input: string): string {
  let chars: string[] | undefined;
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '#') {
      const end = input.indexOf('\n', i);
      if (end === -1) break;
      i = end;
    } else if (c === '"' || c === "'") i = stringLiteralLast(input, i);
    else if (c === '\\' && continuationBeforeBlankLineAt(input, i)) {
      chars ??= input.split('');
      chars[i] = ' ';
    } else if (c === '\\' && (input[i + 1] === '\n' || input[i + 1] === '\r')) i += input[i + 1] === '\r' && input[i + 2] === '\n' ? 2 : 1;
  }
  return chars ? chars.join('') : input;
}
