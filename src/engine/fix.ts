import { analyzeOrigin } from '../model/origin.js';
import { hostDots } from '../model/regex-analysis.js';
import type { CorsPolicy, Diagnostic, Fix, Loc, OriginMatcher, PatternDialect } from '../model/types.js';
import { detectFormat } from './detect.js';

/**
 * Fixes, ESLint-style: one text edit (UTF-16 offsets into the file's text) per finding, offered
 * only where the result is certain. The CLI (`--fix`, `--fix-dry-run`) and the language server's
 * quick fixes both take them from here. Every fixer reads the exact text under the finding and
 * gives up on anything it does not recognise; `--fix` also lints again and rolls a fix back when
 * its finding stays or another appears.
 */

export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function offsetAt(starts: number[], line: number, column: number): number {
  return (starts[line - 1] ?? 0) + column - 1;
}

/** A rule's Loc-based edit as an offset-based fix. */
export function fixFromLoc(text: string, edit: { loc: Loc; text: string; title?: string }): Fix {
  const starts = lineStarts(text);
  return { range: [offsetAt(starts, edit.loc.line, edit.loc.column), offsetAt(starts, edit.loc.endLine, edit.loc.endColumn)], text: edit.text, ...(edit.title ? { title: edit.title } : {}) };
}

interface FixInput {
  diagnostic: Diagnostic;
  text: string;
  starts: number[];
  /** Offsets of the finding. */
  start: number;
  end: number;
  format: string | undefined;
  policies: CorsPolicy[];
}

function lineOf(input: FixInput, line: number): { start: number; end: number; text: string } {
  const start = input.starts[line - 1];
  const next = input.starts[line];
  let end = next === undefined ? input.text.length : next - 1;
  if (input.text[end - 1] === '\r') end -= 1;
  return { start, end, text: input.text.slice(start, end) };
}

/** The `;` that ends the nginx directive starting at `from` on one line, outside quotes; -1 when there is none. */
function directiveEnd(line: string, from: number): number {
  let quote = '';
  for (let i = from; i < line.length; i++) {
    const char = line[i];
    if (char === '\\') {
      i++;
      continue;
    }
    if (quote) {
      if (char === quote) quote = '';
    } else if (char === '"' || char === "'") quote = char;
    else if (char === ';') return i;
    else if (char === '{' || char === '}' || char === '#') return -1;
  }
  return -1;
}

/** nginx-missing-always: ` always` before the `;` of the `add_header` (in .conf files and in YAML snippets alike). */
function addAlways(input: FixInput): Fix | undefined {
  if (input.diagnostic.line !== input.diagnostic.endLine) return undefined;
  const line = lineOf(input, input.diagnostic.line);
  const column = input.diagnostic.column - 1;
  if (!/^add_header\s/.test(line.text.slice(column))) return undefined;
  const semicolon = directiveEnd(line.text, column);
  if (semicolon === -1) return undefined;
  const args = line.text.slice(column, semicolon).trim().split(/\s+/);
  // add_header name value [always]: exactly three words here, or the value is quoted with spaces (left alone).
  if (args.length !== 3 || args.includes('always')) return undefined;
  const at = line.start + semicolon;
  return { range: [at, at], text: ' always', title: "Add 'always' to this add_header" };
}

/** missing-vary-origin where the place is certain: next to the statement that sets Allow-Origin by hand. */
function addVary(input: FixInput): Fix | undefined {
  if (input.diagnostic.line !== input.diagnostic.endLine) return undefined;
  const line = lineOf(input, input.diagnostic.line);
  const indent = /^[ \t]*/.exec(line.text)![0];
  const eol = input.text.slice(line.end, line.end + 2).startsWith('\r\n') ? '\r\n' : '\n';
  const after = (newLine: string, title: string): Fix => {
    const at = line.end;
    return { range: [at, at], text: `${eol}${indent}${newLine}`, title };
  };
  if (input.format === 'nginx') {
    // One add_header Access-Control-Allow-Origin on its own line; a Vary next to it lives in the same block.
    const match = /^\s*add_header\s+Access-Control-Allow-Origin\s+\S+(\s+always)?\s*;\s*(#.*)?$/i.exec(line.text);
    if (!match || directiveEnd(line.text, line.text.indexOf('add_header')) === -1) return undefined;
    return after('add_header Vary Origin always;', "Add 'add_header Vary Origin always' after this header");
  }
  if (input.format === 'js' || input.format === 'ts') {
    // Express's res.vary appends to an existing Vary; plain Node responses have no vary(), so the file must use Express.
    if (!/(require\(\s*['"]express['"]\s*\)|from\s+['"]express['"])/.test(input.text)) return undefined;
    const match = /^\s*(res|response)\.(setHeader|header|set)\(\s*(['"])Access-Control-Allow-Origin\3\s*,[^;]*\);\s*$/i.exec(line.text);
    if (!match) return undefined;
    return after(`${match[1]}.vary('Origin');`, `Add ${match[1]}.vary('Origin') after this header`);
  }
  if (input.format === 'python') {
    // Assigning Vary replaces it: only when the file sets no Vary of its own.
    const match = /^\s*([A-Za-z_][\w.]*)\.headers\[\s*(['"])Access-Control-Allow-Origin\2\s*\]\s*=\s*[^\n#]+$/.exec(line.text);
    if (!match || /['"]vary['"]/i.test(input.text)) return undefined;
    return after(`${match[1]}.headers[${match[2]}Vary${match[2]}] = ${match[2]}Origin${match[2]}`, `Set ${match[1]}.headers['Vary'] = 'Origin' after this header`);
  }
  return undefined;
}

/** origin-not-serialized: a written origin whose only problems are a trailing slash or path, upper case or a default port. */
function serializeOrigin(input: FixInput): Fix | undefined {
  const written = input.text.slice(input.start, input.end);
  const match = /^(['"`]?)([A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"`,;]+)\1$/.exec(written);
  if (!match) return undefined;
  const analysis = analyzeOrigin(match[2]);
  const fixable = new Set(['trailing-slash', 'path', 'uppercase', 'default-port']);
  if (!analysis.serialized || analysis.problems.length === 0 || analysis.problems.some((problem) => !fixable.has(problem))) return undefined;
  const start = input.start + match[1].length;
  return { range: [start, start + match[2].length], text: analysis.serialized, title: `Use '${analysis.serialized}'` };
}

const SEARCH_DIALECTS = new Set<PatternDialect>(['js-search', 'pcre-search', 're2-search', 'python-match', 'python-search']);

/** Whether `source` has a `|` outside any group, or undefined when it cannot be read (unbalanced). */
function hasTopLevelAlternation(source: string): boolean | undefined {
  let depth = 0;
  let inClass = false;
  let found = false;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) found = true;
    if (depth < 0) return undefined;
  }
  return depth === 0 && !inClass ? found : undefined;
}

/** The corrected pattern: host dots escaped, and `^…$` added for dialects that search (full-match dialects need none). */
export function fixedPattern(source: string, flags: string, dialect: PatternDialect): string | undefined {
  let out = source;
  for (const dot of [...hostDots(source, flags)].reverse()) out = `${out.slice(0, dot.start)}\\.${out.slice(dot.end)}`;
  if (SEARCH_DIALECTS.has(dialect)) {
    const startAnchored = out.startsWith('^');
    const endAnchored = out.endsWith('$') && !out.endsWith('\\$');
    if (!startAnchored || !endAnchored) {
      const alternation = hasTopLevelAlternation(out);
      if (alternation === undefined) return undefined;
      // Half-anchored alternations (^a|b) are ambiguous about what was meant: leave them to a person.
      if (alternation && (startAnchored || endAnchored)) return undefined;
      out = alternation ? `^(?:${out})$` : `${startAnchored ? '' : '^'}${out}${endAnchored ? '' : '$'}`;
    }
  }
  return out === source ? undefined : out;
}

/** origin-regex-unanchored / origin-regex-unescaped-dot: rewrite the pattern where its text is written verbatim. */
function fixPattern(input: FixInput): Fix | undefined {
  const matchers = input.policies.flatMap((policy) => policy.origins).filter((m): m is Extract<OriginMatcher, { kind: 'pattern' }> => m.kind === 'pattern' && !m.written && m.loc.file === input.diagnostic.file);
  const covering = (m: { loc: Loc }) =>
    (m.loc.line < input.diagnostic.line || (m.loc.line === input.diagnostic.line && m.loc.column <= input.diagnostic.column)) &&
    (m.loc.endLine > input.diagnostic.endLine || (m.loc.endLine === input.diagnostic.endLine && m.loc.endColumn >= input.diagnostic.endColumn));
  const candidates = [...new Map(matchers.filter(covering).map((m) => [`${m.source}\u0000${m.dialect}\u0000${m.flags}`, m])).values()];
  if (candidates.length !== 1) return undefined;
  const matcher = candidates[0];
  const replacement = fixedPattern(matcher.source, matcher.flags, matcher.dialect);
  if (!replacement) return undefined;
  const starts = input.starts;
  const from = offsetAt(starts, matcher.loc.line, matcher.loc.column);
  const written = input.text.slice(from, offsetAt(starts, matcher.loc.endLine, matcher.loc.endColumn));
  // How the pattern is written between its delimiters: verbatim (regex literals, raw strings, nginx,
  // plain and single-quoted YAML) or with backslashes doubled (quoted JS/Python strings, double-quoted YAML).
  const verbatimAfter = (prefix: string): boolean | undefined => {
    const last = prefix.slice(-1);
    if (input.format === 'nginx') return true;
    // TOML likewise: a '…' literal string is verbatim, a "…" basic string escapes backslashes.
    if (input.format === 'yaml' || input.format === 'toml') return last !== '"';
    if (input.format === 'js' || input.format === 'ts') return last === '/' ? true : /['"`]/.test(last) ? false : undefined;
    if (input.format === 'python') return /(^|[^A-Za-z])[rR][bB]?['"]{1,3}$|[bB][rR]['"]{1,3}$/.test(prefix) ? true : /['"]$/.test(prefix) ? false : undefined;
    return undefined;
  };
  const doubled = (value: string) => value.replace(/\\/g, '\\\\');
  for (const verbatim of [true, false]) {
    const encode = verbatim ? (value: string) => value : doubled;
    const needle = encode(matcher.source);
    const at = written.indexOf(needle);
    if (at === -1 || written.indexOf(needle, at + 1) !== -1 || verbatimAfter(written.slice(0, at)) !== verbatim) continue;
    // The new text must not end the string or literal it sits in.
    const closing = written.slice(at + needle.length, at + needle.length + 1);
    if (closing && replacement.includes(closing) && closing !== '/') continue;
    const start = from + at;
    return { range: [start, start + needle.length], text: encode(replacement), title: `Use the pattern '${replacement}'` };
  }
  return undefined;
}

const FIXERS: Record<string, (input: FixInput) => Fix | undefined> = {
  'nginx-missing-always': addAlways,
  'missing-vary-origin': addVary,
  'origin-not-serialized': serializeOrigin,
  'origin-regex-unanchored': fixPattern,
  'origin-regex-unescaped-dot': fixPattern,
};

/** The rules with a fixer here (their meta says `fixable`). */
export const fixableRuleIds = new Set(Object.keys(FIXERS));

export function fixFor(diagnostic: Diagnostic, text: string, policies: CorsPolicy[], starts = lineStarts(text)): Fix | undefined {
  const fixer = FIXERS[diagnostic.ruleId];
  if (!fixer) return undefined;
  const kind = detectFormat(diagnostic.file);
  const format = 'format' in kind ? kind.format : undefined;
  try {
    const start = offsetAt(starts, diagnostic.line, diagnostic.column);
    const end = offsetAt(starts, diagnostic.endLine, diagnostic.endColumn);
    return fixer({ diagnostic, text, starts, start, end, format, policies });
  } catch {
    // A fixer that trips on odd text offers nothing rather than breaking the lint run.
    return undefined;
  }
}

/** Each finding gets its certain fix, if any (a fix the rule reported itself is kept). */
export function attachFixes(diagnostics: Diagnostic[], texts: Map<string, string>, policies: CorsPolicy[]): Diagnostic[] {
  const startsCache = new Map<string, number[]>();
  return diagnostics.map((diagnostic) => {
    if (diagnostic.fix || !FIXERS[diagnostic.ruleId]) return diagnostic;
    const text = texts.get(diagnostic.file);
    if (text === undefined) return diagnostic;
    if (!startsCache.has(diagnostic.file)) startsCache.set(diagnostic.file, lineStarts(text));
    const fix = fixFor(diagnostic, text, policies, startsCache.get(diagnostic.file));
    return fix ? { ...diagnostic, fix } : diagnostic;
  });
}

/** Applies non-overlapping fixes (in order of position; a fix overlapping an earlier one is left out, as ESLint does). */
export function applyFixes(text: string, fixes: Fix[]): { text: string; applied: Fix[]; skipped: Fix[] } {
  const sorted = [...fixes].sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1]);
  const applied: Fix[] = [];
  const skipped: Fix[] = [];
  let out = '';
  let last = 0;
  let previous: Fix | undefined;
  for (const fix of sorted) {
    // The same edit offered by two findings (both regex rules on one pattern) is made once.
    if (previous && previous.range[0] === fix.range[0] && previous.range[1] === fix.range[1] && previous.text === fix.text) {
      applied.push(fix);
      continue;
    }
    if (fix.range[0] < last || (previous && fix.range[0] === last && previous.range[0] === last && fix.range[0] === fix.range[1] && previous.range[0] === previous.range[1])) {
      skipped.push(fix);
      continue;
    }
    out += text.slice(last, fix.range[0]) + fix.text;
    last = fix.range[1];
    applied.push(fix);
    previous = fix;
  }
  return { text: out + text.slice(last), applied, skipped };
}
