import type { Diagnostic, Format } from '../model/types.js';
import { detectFormat } from './detect.js';
import { lineIndexAt, lineStartsOf, splitLines } from '../extract/offsets.js';

/**
 * `cors-lint-disable-next-line <id>[, <id>] -- reason` and `cors-lint-disable <id>` (whole file),
 * written in a comment of the file's own language (`//` and `/* … *\/` in JS/TS, `#` elsewhere).
 * The same words inside a string literal are data, not a directive (a help text that quotes the
 * syntax must neither silence a finding nor be reported as unused). No id means every rule.
 */
export interface Suppression {
  kind: 'next-line' | 'file';
  ruleIds: string[] | 'all';
  line: number;
  column: number;
  endColumn: number;
  used: Set<string>;
}

/** A comment's text and where it starts (0-based offset into the file). */
interface Comment {
  start: number;
  text: string;
}

const DIRECTIVE = /^(\s*\**\s*)(cors-lint-disable-next-line|cors-lint-disable)(?![\w-])([^\n]*)/;

export function parseSuppressions(text: string, format?: Format): Suppression[] {
  const out: Suppression[] = [];
  if (!text.includes('cors-lint-disable')) return out;
  // The shared line table (CRLF, CR, LF), so suppressions count lines as findings do.
  const lineStarts = lineStartsOf(text);
  for (const comment of commentsOf(text, format)) {
    // A block comment may span lines; each of its lines can carry one directive.
    for (const segment of comment.text.matchAll(/([^\r\n]*)(?:\r\n|\r|\n|$)/g)) {
      const part = segment[1];
      const offset = segment.index;
      const match = DIRECTIVE.exec(part);
      if (match) {
        const rest = match[3].replace(/\*\/.*$/, '').split(' -- ')[0].trim();
        const ids = rest
          .split(/[\s,]+/)
          .map((id) => id.trim())
          .filter(Boolean);
        const start = comment.start + offset + match[1].length;
        const line = lineIndexAt(lineStarts, start);
        const column = start - lineStarts[line] + 1;
        out.push({
          kind: match[2] === 'cors-lint-disable' ? 'file' : 'next-line',
          ruleIds: ids.length > 0 ? ids : 'all',
          line: line + 1,
          column,
          endColumn: column + match[2].length,
          used: new Set(),
        });
      }
    }
  }
  return out;
}


/** The comments of a file (their text after the comment marker), by the comment syntax of its format. */
export function commentsOf(text: string, format: Format | undefined): Comment[] {
  if (format === 'js' || format === 'ts') return jsComments(text);
  if (format === 'python') return hashComments(text, pythonStringEnd);
  if (format === 'nginx' || format === 'yaml' || format === 'toml') return hashComments(text, lineStringEnd, true);
  // `_headers`: `#` starts a comment only at a line's start (a value may hold `#`).
  if (format === 'headers') return hashComments(text.replace(/^([ \t]*[^#\s][^\n]*)$/gm, (line) => ' '.repeat(line.length)), lineStringEnd, true);
  // JSON has no comments (vercel.json): nothing can be suppressed in it.
  if (format === 'json') return [];
  // Unknown format: any of the supported markers, as before.
  return [...jsComments(text), ...hashComments(text, lineStringEnd, true)];
}

/** Keywords after which `/` starts a regular expression rather than a division. */
const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/**
 * A linear scan of JS/TS: strings, template literals (with nested `${}`), regular expression
 * literals and comments. Regex-or-division is decided from the previous significant token, as
 * tokenizers without a parser do; a wrong guess only matters when a directive hides in a regex.
 */
function jsComments(text: string): Comment[] {
  const out: Comment[] = [];
  // Brace depth of each open template `${`, innermost last.
  const templates: number[] = [];
  let braces = 0;
  let previous = ''; // last significant character, or a word
  let i = 0;
  const n = text.length;
  const scanTemplate = () => {
    // From just after a backtick or the `}` that closes `${`: to the closing backtick or the next `${`.
    while (i < n) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        previous = ')';
        return;
      } else if (c === '$' && text[i + 1] === '{') {
        i += 2;
        templates.push(braces);
        braces++;
        previous = '(';
        return;
      } else i++;
    }
  };
  while (i < n) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      out.push({ start: i + 2, text: text.slice(i + 2, stop) });
      i = stop;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? n : end;
      out.push({ start: i + 2, text: text.slice(i + 2, stop) });
      i = end === -1 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'") {
      i++;
      while (i < n && text[i] !== c && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      i++;
      previous = ')';
      continue;
    }
    if (c === '`') {
      i++;
      scanTemplate();
      continue;
    }
    if (c === '/') {
      const regexAllowed = previous === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(previous) || REGEX_AFTER_WORD.has(previous);
      if (regexAllowed) {
        i++;
        let inClass = false;
        while (i < n && text[i] !== '\n') {
          const r = text[i];
          if (r === '\\') i += 2;
          else if (r === '[') inClass = true, i++;
          else if (r === ']') inClass = false, i++;
          else if (r === '/' && !inClass) break;
          else i++;
        }
        i++;
        while (i < n && /[a-z]/i.test(text[i])) i++;
        previous = ')';
        continue;
      }
      previous = '/';
      i++;
      continue;
    }
    if (c === '{') braces++;
    if (c === '}') {
      if (templates.length > 0 && templates[templates.length - 1] === braces - 1) {
        templates.pop();
        braces--;
        i++;
        scanTemplate();
        continue;
      }
      braces--;
    }
    if (/[A-Za-z_$]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(text[j])) j++;
      previous = text.slice(i, j);
      // An identifier or a keyword that ends an expression: `/` after it divides.
      if (!REGEX_AFTER_WORD.has(previous)) previous = ')';
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      while (i < n && /[\w.]/.test(text[i])) i++;
      previous = ')';
      continue;
    }
    if (!/\s/.test(c)) previous = c;
    i++;
  }
  return out;
}

/** Python strings: prefixes, single and triple quotes, backslash escapes. Returns the offset after the string. */
function pythonStringEnd(text: string, i: number): number {
  const quote = text[i];
  const triple = text.startsWith(quote.repeat(3), i);
  const close = triple ? quote.repeat(3) : quote;
  let j = i + close.length;
  while (j < text.length) {
    if (text[j] === '\\') j += 2;
    else if (text.startsWith(close, j)) return j + close.length;
    else if (!triple && text[j] === '\n') return j;
    else j++;
  }
  return j;
}

/** nginx and YAML quotes end on the same line for our purposes (a directive never sits inside a multi-line quoted value). */
function lineStringEnd(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  while (j < text.length && text[j] !== '\n') {
    if (quote === '"' && text[j] === '\\') j += 2;
    else if (text[j] === quote) return j + 1;
    else j++;
  }
  return j;
}

/**
 * `#` comments outside quoted strings. In YAML and nginx a `#` starts a comment only at the start
 * of a token (`a#b` is one value), so `needsSpace` asks for whitespace or a line start before it.
 */
function hashComments(text: string, stringEnd: (text: string, i: number) => number, needsSpace = false): Comment[] {
  const out: Comment[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '#' && (!needsSpace || i === 0 || /[\s;{}]/.test(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? n : end;
      out.push({ start: i + 1, text: text.slice(i + 1, stop) });
      i = stop;
      continue;
    }
    // A quote inside a bare word (`don't`) does not open a string in nginx or YAML.
    if ((c === '"' || c === "'") && (!needsSpace || i === 0 || /[\s:,[{(=]/.test(text[i - 1]))) {
      i = stringEnd(text, i);
      continue;
    }
    i++;
  }
  return out;
}

/** The line a next-line suppression covers: the next one that is not itself a comment-only suppression or expectation. */
function coveredLine(suppression: Suppression, lines: string[]): number {
  let line = suppression.line + 1;
  while (line <= lines.length && /^\s*(#|\/\/)\s*cors-lint-(disable|expect)/.test(lines[line - 1] ?? '')) line++;
  return line;
}

export function applySuppressions(diagnostics: Diagnostic[], text: string, knownRuleIds: Set<string>, file: string): Diagnostic[] {
  const kind = detectFormat(file);
  const suppressions = parseSuppressions(text, 'format' in kind ? kind.format : undefined);
  if (suppressions.length === 0) return diagnostics;
  const lines = splitLines(text);
  const kept = diagnostics.filter((diagnostic) => {
    for (const suppression of suppressions) {
      const ruleMatches = suppression.ruleIds === 'all' || suppression.ruleIds.includes(diagnostic.ruleId);
      if (!ruleMatches) continue;
      if (suppression.kind === 'file' || coveredLine(suppression, lines) === diagnostic.line) {
        suppression.used.add(diagnostic.ruleId);
        return false;
      }
    }
    return true;
  });
  for (const suppression of suppressions) {
    const ids = suppression.ruleIds === 'all' ? ['all'] : suppression.ruleIds;
    for (const id of ids) {
      const unknown = id !== 'all' && !knownRuleIds.has(id);
      if (!unknown && (id === 'all' ? suppression.used.size > 0 : suppression.used.has(id))) continue;
      kept.push({
        ruleId: 'unused-suppression',
        severity: 'warning',
        message: unknown ? `suppression names unknown rule '${id}'` : `suppression of ${id === 'all' ? 'all rules' : `'${id}'`} is unused: nothing was reported ${suppression.kind === 'file' ? 'in this file' : 'on the next line'}`,
        file,
        line: suppression.line,
        column: suppression.column,
        endLine: suppression.line,
        endColumn: suppression.endColumn,
      });
    }
  }
  return kept;
}
