import type { Tree } from '@lezer/common';
import type { ExternalTokenizer, InputStream, LRParser, Stack } from '@lezer/lr';
import { CHECKED_AT_BUILD, STRINGS_AT_BUILD } from './linear-strings-checked.js';

/**
 * @lezer/python reads the text of a string with an external tokenizer that runs from the current
 * position to the string's closing quote, a backslash, a `{` (f-strings) or the end of the line.
 * Its error recovery tries "inside a string" states at every position of a broken line, so each
 * try re-reads the rest of the line: quadratic in the length of a line with many errors (fuzzer,
 * python seed 6003 #510: 19 KB of unbalanced quotes on one line, 1.5 s CPU; 48 KB, 14 s).
 *
 * The parser here gives the same tokens, hence the same trees, with that scan made linear: the
 * position where a string's text stops is read from a table of "next stop character" per kind of
 * string (built once a parse has scanned more than a few times its length), and the original
 * tokenizer still handles every token that starts at a stop character and every case that does
 * not simply end at the stop (long strings, `{{`, raw backslashes).
 *
 * It relies on lezer internals (the parser's tokenizer list, a tokenizer's `token` function, the
 * Python context's flags): when they are not what it expects, or a self-check over sample strings
 * gives a different tree, the original parser is used as it is (`linearStringsActive()` says which).
 */

/** The Python grammar's context flags (tokens.js in @lezer/python). */
const STRING = 2;
const DOUBLE_QUOTE = 4;
const LONG = 8;
const RAW = 16;
const FORMAT = 32;

const NEWLINE = 10;
const BACKSLASH = 92;
const BRACE_OPEN = 123;

type TokenFunction = (input: InputStream, stack: Stack) => void;

/** The text being parsed, and per kind of string its table of next stop positions (once scans grew long). */
interface Document {
  text: string;
  scanned: Map<number, number>;
  tables: Map<number, Int32Array>;
}

let document: Document | undefined;
let active = false;

/** Runs `parse` with the linear tokenizer reading `text` (the exact string given to the parser). */
export function withDocument<T>(text: string, parse: () => T): T {
  const outer = document;
  document = { text, scanned: new Map(), tables: new Map() };
  try {
    return parse();
  } finally {
    document = outer;
  }
}

/** Whether the linear string tokenizer is in use (false when lezer's internals were not as expected). */
export function linearStringsActive(): boolean {
  return active;
}

function isStop(code: number, quote: number, format: boolean): boolean {
  return code === quote || code === NEWLINE || code === BACKSLASH || (format && code === BRACE_OPEN);
}

/** The first position at or after `from` holding a stop character for this kind of string (the text's length if none). */
function nextStop(doc: Document, from: number, quote: number, format: boolean): number {
  const kind = quote * 2 + (format ? 1 : 0);
  const table = doc.tables.get(kind);
  if (table) return table[from];
  const { text } = doc;
  let at = from;
  while (at < text.length && !isStop(text.charCodeAt(at), quote, format)) at++;
  // Scans of ordinary strings add up to about the text's length; more means recovery is re-reading lines.
  const scanned = (doc.scanned.get(kind) ?? 0) + (at - from);
  doc.scanned.set(kind, scanned);
  if (scanned > 4 * text.length + 1024) {
    const built = new Int32Array(text.length + 1);
    built[text.length] = text.length;
    for (let i = text.length - 1; i >= 0; i--) built[i] = isStop(text.charCodeAt(i), quote, format) ? i : built[i + 1];
    doc.tables.set(kind, built);
  }
  return at;
}

function linearToken(original: TokenFunction, content: number): TokenFunction {
  return (input, stack) => {
    const doc = document;
    const flags = (stack.context as { flags?: unknown } | null)?.flags;
    if (!doc || typeof flags !== 'number' || flags & LONG) return original(input, stack);
    const start = input.pos;
    const quote = flags & DOUBLE_QUOTE ? 34 : 39;
    const format = (flags & FORMAT) !== 0;
    const stop = nextStop(doc, start, quote, format);
    if (stop === start) return original(input, stack);
    const code = stop < doc.text.length ? doc.text.charCodeAt(stop) : -1;
    // Where the original stops reading and accepts the text before the stop as string content.
    const ends = code === -1 || code === quote || code === NEWLINE || (code === BACKSLASH && !(flags & RAW)) || (code === BRACE_OPEN && doc.text.charCodeAt(stop + 1) !== BRACE_OPEN);
    if (!ends) return original(input, stack);
    input.acceptToken(content, stop - start);
  };
}

interface Internals {
  tokenizers?: unknown[];
}

interface TokenizerInternals {
  token?: unknown;
  contextual?: boolean;
  fallback?: boolean;
  extend?: boolean;
}

/**
 * The strings tokenizer and its string-content token, found by watching a parse of `x = 'ab'`: the
 * external tokenizer called inside the string (context flag STRING) at `a` that accepts a token ending before `'`.
 */
function findStrings(parser: LRParser): { from: ExternalTokenizer; token: TokenFunction; content: number } | undefined {
  const tokenizers = (parser as unknown as Internals).tokenizers;
  if (!Array.isArray(tokenizers)) return undefined;
  // External tokenizers keep their function as an own property (the grammar's token groups have a `token` method).
  const candidates = tokenizers.filter((t): t is ExternalTokenizer & TokenizerInternals => typeof t === 'object' && t !== null && Object.hasOwn(t, 'token') && typeof (t as TokenizerInternals).token === 'function');
  let found: { from: ExternalTokenizer; token: TokenFunction; content: number } | undefined;
  const spies = candidates.map((from) => {
    const token = from.token as TokenFunction;
    const Tokenizer = from.constructor as new (token: TokenFunction, options: object) => ExternalTokenizer;
    const spy = new Tokenizer(
      (input, stack) => {
        const start = input.pos;
        const flags = (stack.context as { flags?: unknown } | null)?.flags;
        const accept = input.acceptToken;
        let accepted: { token: number; end: number } | undefined;
        input.acceptToken = (tokenId: number, endOffset = 0) => {
          accepted = { token: tokenId, end: input.pos + endOffset };
          accept.call(input, tokenId, endOffset);
        };
        try {
          token(input, stack);
        } finally {
          input.acceptToken = accept;
        }
        if (start === 5 && typeof flags === 'number' && flags & STRING && accepted?.end === 7 && !found) found = { from, token, content: accepted.token };
      },
      { contextual: from.contextual, fallback: from.fallback, extend: from.extend },
    );
    return { from, to: spy };
  });
  parser.configure({ tokenizers: spies }).parse("x = 'ab'\n");
  return found;
}

/** Where findStrings finds the strings tokenizer of `parser`: its index in the tokenizer list and the content token (the bundle records it at build time). */
export function stringsTokenizerOf(parser: LRParser): { index: number; content: number } | undefined {
  const strings = findStrings(parser);
  const tokenizers = (parser as unknown as Internals).tokenizers;
  const index = strings && Array.isArray(tokenizers) ? tokenizers.indexOf(strings.from) : -1;
  return strings && index !== -1 ? { index, content: strings.content } : undefined;
}

/** The strings tokenizer at the index recorded at build time (stringsTokenizerOf), when it is still an external tokenizer there. */
function knownStrings(parser: LRParser, known: { index: number; content: number }): { from: ExternalTokenizer; token: TokenFunction; content: number } | undefined {
  const tokenizers = (parser as unknown as Internals).tokenizers;
  const from = Array.isArray(tokenizers) ? (tokenizers[known.index] as (ExternalTokenizer & TokenizerInternals) | undefined) : undefined;
  if (typeof from !== 'object' || from === null || !Object.hasOwn(from, 'token') || typeof from.token !== 'function') return undefined;
  return { from, token: from.token as TokenFunction, content: known.content };
}

/**
 * Strings of every kind, closed and broken, that the linear parser must read exactly as the original. Kept small:
 * lezer's error recovery is slow and this runs once per process (a line of broken strings cost 10-40 ms); the tests
 * compare the two parsers over every fixture and broken variants of each.
 */
const SAMPLES = [
  `a = 'x' "y" f'{a}{{b}}' r'\\' b"\\n" '''l\n'ong'''\n`,
  `CORS_ALLOWED_ORIGINS = ["https://a.example", 'https://b.example', f"https://{host}"]\n`,
  `s = 'unterminated\nt = "also\\\n" + f"{'nested'}" + '''open\n`,
];

/** Every node of a tree with its range: two parses agree when these agree. */
function shape(tree: Tree): string {
  const out: string[] = [];
  tree.iterate({ enter: (node) => void out.push(`${node.name}:${node.from}-${node.to}`) });
  return out.join(' ');
}

/**
 * The parser with the linear strings tokenizer, or the original when lezer's internals are not as
 * expected. `checked`: the samples already gave the same trees with this Lezer (the bundle's
 * build ran the check, linear-strings-checked.ts), so they are not parsed again.
 */
export function linearStrings(parser: LRParser, checked: boolean = CHECKED_AT_BUILD, known: { index: number; content: number } | undefined = STRINGS_AT_BUILD): LRParser {
  try {
    const strings = (checked && known && knownStrings(parser, known)) || findStrings(parser);
    if (!strings) return parser;
    const Tokenizer = strings.from.constructor as new (token: TokenFunction, options: object) => ExternalTokenizer;
    const { contextual, fallback, extend } = strings.from as TokenizerInternals;
    const to = new Tokenizer(linearToken(strings.token, strings.content), { contextual, fallback, extend });
    const configured = parser.configure({ tokenizers: [{ from: strings.from, to }] });
    for (const sample of checked ? [] : SAMPLES) {
      if (withDocument(sample, () => shape(configured.parse(sample))) !== shape(parser.parse(sample))) return parser;
    }
    active = true;
    return configured;
  } catch {
    return parser;
  }
}
