import type { AST } from '@eslint-community/regexpp';
import { translateRegexSyntax } from './python-regex.js';
import type { OriginMatcher, PatternDialect } from './types.js';
import { loadLibrary } from '../util/load-library.js';

/**
 * The one place where a regex taken from a scanned file is run. Scanned input is hostile: a
 * pattern such as `^(a|a)*$` takes exponential time on V8's backtracking RegExp, so scanned
 * patterns are never given to `RegExp`. Each one is read in its own dialect, parsed by regexpp
 * (the tree the explorer and the rules also read), written back out in RE2 syntax from that tree,
 * and run on re2js, a pure-JavaScript port of RE2 whose automaton runs in time linear in the input.
 *
 * Why re2js rather than a Pike VM of our own over the regexpp tree (both were measured on Node 20
 * here): re2js tests an origin in ~5 µs once warm (V8: ~2 µs), compiles a 450-character
 * allowlist regex in a few ms warm and a 15 KB one in ~230 ms, and a 10,000-character adversarial
 * subject for `(x+x+)+y` in 0.02 ms; it is the RE2 engine itself, so Traefik's, Envoy's, Istio's
 * and Kong's (Go/C++ RE2) patterns run with their own semantics; and it leaves no regex engine for
 * this project to get right. A hand-written VM would have matched its speed but made case
 * folding, classes and repetition limits ours to maintain. What RE2 cannot do (lookaround,
 * backreferences, Unicode property classes) makes the answer 'unknown', and the rules that answer
 * could change stay silent.
 */

type Regexpp = typeof import('@eslint-community/regexpp');
type Re2Module = typeof import('re2js');
let regexpp: Regexpp | undefined;
let re2: Re2Module | undefined;

/** Longer patterns are not run (a 60 KB alternation would take seconds to compile): the matcher is unknown. */
export const MAX_PATTERN_LENGTH = 8192;
/** Group nesting deeper than this is not parsed (the parsers recurse). */
const MAX_NESTING = 100;

export type Anchoring = 'search' | 'start' | 'full';

/** A scanned pattern read in its own dialect: JavaScript syntax (what regexpp reads), flags, and how the implementation applies it. */
export interface PreparedPattern {
  source: string;
  flags: string;
  anchoring: Anchoring;
  ast: AST.Pattern;
}

export interface LinearRegex {
  /** True when the pattern accepts `input` (a search, or anchored as the dialect anchors it); linear time. */
  test(input: string): boolean;
  /** The first match with its captures (numbered and named as in the pattern), as `RegExp.exec` gives them; linear time. */
  exec(input: string): RegExpExecArray | null;
}

const ANCHORING: Record<PatternDialect, Anchoring> = {
  'js-search': 'search',
  'pcre-search': 'search',
  're2-search': 'search',
  'python-match': 'start',
  'python-search': 'search',
  'python-fullmatch': 'full',
  're2-full': 'full',
};

function nestingDepth(source: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (char === '(') max = Math.max(max, ++depth);
    else if (char === ')') depth--;
  }
  return max;
}

const astCache = new Map<string, AST.Pattern | null>();

/** The regexpp tree of a JavaScript-syntax pattern, or null when it does not parse or is too large to handle safely. */
export function parseJsPattern(source: string, flags = ''): AST.Pattern | null {
  if (source.length > MAX_PATTERN_LENGTH || nestingDepth(source) > MAX_NESTING) return null;
  const key = `${flags}/${source}`;
  let pattern = astCache.get(key);
  if (pattern === undefined) {
    try {
      regexpp ??= loadLibrary('@eslint-community/regexpp');
      pattern = new regexpp.RegExpParser({ ecmaVersion: 2025 }).parsePattern(source, 0, source.length, { unicode: flags.includes('u') || flags.includes('v') });
    } catch {
      pattern = null;
    }
    astCache.set(key, pattern);
  }
  return pattern;
}

const preparedCache = new Map<string, PreparedPattern | null>();

/** The matcher read in its dialect, or null when it cannot be (unknown syntax, too large). */
export function preparePattern(matcher: Extract<OriginMatcher, { kind: 'pattern' }>): PreparedPattern | null {
  return prepare(matcher.source, matcher.flags, matcher.dialect);
}

export function prepare(source: string, flags: string, dialect: PatternDialect): PreparedPattern | null {
  const key = `${dialect}\0${flags}\0${source}`;
  let prepared = preparedCache.get(key);
  if (prepared === undefined) {
    prepared = null;
    if (source.length <= MAX_PATTERN_LENGTH) {
      const syntax = dialect === 'js-search' ? undefined : dialect.startsWith('python') ? 'python' : dialect === 'pcre-search' ? 'pcre' : 're2';
      const translated = syntax ? translateRegexSyntax(source, syntax) : { source, flags: '' };
      if (translated) {
        const allFlags = [...new Set((flags + translated.flags).replace(/[^imsuv]/g, ''))].join('');
        const ast = parseJsPattern(translated.source, allFlags);
        if (ast) prepared = { source: translated.source, flags: allFlags, anchoring: ANCHORING[dialect], ast };
      }
    }
    preparedCache.set(key, prepared);
  }
  return prepared;
}

class Unsupported extends Error {}

function hex(code: number): string {
  // RE2 works on code points: a lone surrogate (an astral character split by a non-unicode pattern) has no meaning there.
  if (code >= 0xd800 && code <= 0xdfff) throw new Unsupported('surrogate');
  return `\\x{${code.toString(16)}}`;
}

function literal(code: number): string {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) ? String.fromCharCode(code) : hex(code);
}

/** JavaScript's `\s` (WhiteSpace and LineTerminator), which is wider than RE2's. */
const JS_SPACE = '\\t\\n\\x{b}\\f\\r\\x{20}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}';

function setInClass(node: AST.CharacterSet): string {
  switch (node.kind) {
    case 'digit':
      return node.negate ? '\\D' : '0-9';
    case 'word':
      return node.negate ? '\\W' : '0-9A-Za-z_';
    case 'space':
      // RE2 has no way to write JavaScript's `\S` inside a class; its own is narrower by a few Unicode spaces, never in an origin.
      return node.negate ? '\\S' : JS_SPACE;
    default:
      throw new Unsupported(node.kind);
  }
}

/** The regexpp tree written in RE2 syntax; throws Unsupported for what RE2 cannot do. */
function toRe2(node: AST.Node, dotAll: boolean): string {
  switch (node.type) {
    case 'Pattern':
      return node.alternatives.map((alternative) => toRe2(alternative, dotAll)).join('|');
    case 'Alternative':
      return node.elements.map((element) => toRe2(element, dotAll)).join('');
    case 'Group': {
      let prefix = '(?:';
      let inner = dotAll;
      if (node.modifiers) {
        const letters = (flags: AST.ModifierFlags | null) => (flags ? `${flags.ignoreCase ? 'i' : ''}${flags.multiline ? 'm' : ''}` : '');
        const add = letters(node.modifiers.add);
        const remove = letters(node.modifiers.remove);
        if (node.modifiers.add.dotAll) inner = true;
        if (node.modifiers.remove?.dotAll) inner = false;
        if (add || remove) prefix = `(?${add}${remove ? `-${remove}` : ''}:`;
      }
      return `${prefix}${node.alternatives.map((alternative) => toRe2(alternative, inner)).join('|')})`;
    }
    case 'CapturingGroup':
      // Kept capturing, with its name, so that `exec` numbers captures as the pattern does (nginx's $1…$9).
      return `(${node.name ? `?P<${node.name}>` : ''}${node.alternatives.map((alternative) => toRe2(alternative, dotAll)).join('|')})`;
    case 'Quantifier': {
      if (node.min > 1000 || (node.max !== Infinity && node.max > 1000)) throw new Unsupported('repeat');
      const element = `(?:${toRe2(node.element, dotAll)})`;
      if (node.max === Infinity) return node.min === 0 ? `${element}*` : node.min === 1 ? `${element}+` : `${element}{${node.min},}`;
      return node.min === node.max ? `${element}{${node.min}}` : `${element}{${node.min},${node.max}}`;
    }
    case 'Assertion':
      switch (node.kind) {
        case 'start':
          return '^';
        case 'end':
          return '$';
        case 'word':
          return node.negate ? '\\B' : '\\b';
        default:
          throw new Unsupported('lookaround');
      }
    case 'Character':
      return literal(node.value);
    case 'CharacterSet':
      if (node.kind === 'any') return dotAll ? '[\\x{0}-\\x{10ffff}]' : '[^\\n\\r\\x{2028}\\x{2029}]';
      if (node.kind === 'property') throw new Unsupported('property');
      return node.negate ? `[^${setInClass({ ...node, negate: false } as AST.CharacterSet)}]` : `[${setInClass(node)}]`;
    case 'CharacterClass': {
      if (node.elements.length === 0) return node.negate ? '[\\x{0}-\\x{10ffff}]' : '[^\\x{0}-\\x{10ffff}]';
      const parts = node.elements.map((element) => {
        if (element.type === 'Character') return literal(element.value);
        if (element.type === 'CharacterClassRange') return `${literal(element.min.value)}-${literal(element.max.value)}`;
        if (element.type === 'CharacterSet') return setInClass(element);
        throw new Unsupported(element.type);
      });
      return `[${node.negate ? '^' : ''}${parts.join('')}]`;
    }
    default:
      throw new Unsupported(node.type);
  }
}

const compiledCache = new Map<string, LinearRegex | null>();

/**
 * The text of a pattern that is one ASCII literal, and where it must match: `^(https://a\.example)$`,
 * the way ingress-nginx writes each allowed origin, and most allowlist entries. Groups are allowed
 * (they only capture), `^` and `$` only at the ends and only without the `m` flag (where they are
 * the ends of the input, in RE2 as in the translation); undefined for anything else.
 */
function asciiLiteral(prepared: PreparedPattern): { text: string; start: boolean; end: boolean } | undefined {
  if (prepared.flags.includes('m') || prepared.ast.alternatives.length !== 1) return undefined;
  const elements = [...prepared.ast.alternatives[0].elements];
  const start = elements[0]?.type === 'Assertion' && elements[0].kind === 'start';
  if (start) elements.shift();
  const end = elements.at(-1)?.type === 'Assertion' && (elements.at(-1) as AST.Assertion).kind === 'end';
  if (end) elements.pop();
  let text = '';
  const add = (element: AST.Element): boolean => {
    if (element.type === 'Character') {
      if (element.value >= 0x80) return false;
      text += String.fromCharCode(element.value);
      return true;
    }
    if ((element.type === 'CapturingGroup' || (element.type === 'Group' && !element.modifiers)) && element.alternatives.length === 1) return element.alternatives[0].elements.every(add);
    return false;
  };
  if (!elements.every(add)) return undefined;
  return { text, start: start || prepared.anchoring !== 'search', end: end || prepared.anchoring === 'full' };
}

/**
 * An ASCII literal tested on an ASCII input without the regex engine: a one-file run whose
 * patterns are all literals (an Ingress's allowed origins) then never loads re2js (300 KB, run
 * cold). The answer is the engine's: RE2 compares ASCII letters case-insensitively under `i`;
 * an input with another character (RE2 folds the Kelvin sign to `k`) and every `exec` go to the engine.
 */
function literalRegex(literal: { text: string; start: boolean; end: boolean }, ignoreCase: boolean, engine: () => LinearRegex | null): LinearRegex {
  const text = ignoreCase ? literal.text.toLowerCase() : literal.text;
  /** The answer for an ASCII input, undefined for another. */
  const matches = (input: string): boolean | undefined => {
    if (!/^[\0-\x7f]*$/.test(input)) return undefined;
    const subject = ignoreCase ? input.toLowerCase() : input;
    if (literal.start && literal.end) return subject === text;
    if (literal.start) return subject.startsWith(text);
    if (literal.end) return subject.endsWith(text);
    return subject.includes(text);
  };
  return {
    test: (input) => matches(input) ?? engine()?.test(input) ?? false,
    // No match has no captures: only a match goes to the engine (a chain of origin `if`s tests each origin against every literal).
    exec: (input) => (matches(input) === false ? null : (engine()?.exec(input) ?? null)),
  };
}

/**
 * The runs of ASCII characters every match of the pattern holds, each one after another: the
 * top-level characters of a pattern of one alternative, read through groups that only group (no
 * quantifier, one alternative), broken by anything else (a class, a quantifier, an assertion).
 * `^https?://([a-z0-9-]+\.)*app\.example\.com(:\d+)?$` must hold `http`, `://` and `app.example.com`,
 * `a17.example.com` (dots unescaped) `a17`, `example` and `com`. Runs of one character are left out.
 */
function requiredLiterals(prepared: PreparedPattern): string[] {
  if (prepared.ast.alternatives.length !== 1) return [];
  const runs: string[] = [];
  let run = '';
  const end = () => {
    if (run.length >= 2) runs.push(run);
    run = '';
  };
  const visit = (element: AST.Element): void => {
    if (element.type === 'Character' && element.value < 0x80) run += String.fromCharCode(element.value);
    else if ((element.type === 'CapturingGroup' || (element.type === 'Group' && !element.modifiers)) && element.alternatives.length === 1) element.alternatives[0].elements.forEach(visit);
    else end();
  };
  prepared.ast.alternatives[0].elements.forEach(visit);
  end();
  // The longest first: the one most likely to be missing.
  return runs.sort((a, b) => b.length - a.length);
}

/**
 * The engine behind a test for the pattern's required literals: an ASCII input missing one of them
 * cannot match, and is answered without running the automaton. A chain of origin `if`s or a `map`
 * of n regexes asks each of n origins about up to n patterns, nearly all of which fail; a substring
 * test costs a fraction of a re2js run. The answer is the engine's: on an ASCII input only ASCII
 * characters can match the literals', and under `i` RE2 folds ASCII letters as toLowerCase does
 * (non-ASCII inputs go to the engine).
 */
function prefiltered(engine: LinearRegex, literals: string[], ignoreCase: boolean): LinearRegex {
  const needles = ignoreCase ? literals.map((literal) => literal.toLowerCase()) : literals;
  const absent = (input: string): boolean => {
    if (!/^[\0-\x7f]*$/.test(input)) return false;
    const subject = ignoreCase ? input.toLowerCase() : input;
    return needles.some((needle) => !subject.includes(needle));
  };
  return {
    test: (input) => !absent(input) && engine.test(input),
    exec: (input) => (absent(input) ? null : engine.exec(input)),
  };
}

/** The prepared pattern compiled for the linear-time engine, or null when RE2 cannot express it. */
export function compilePrepared(prepared: PreparedPattern): LinearRegex | null {
  const key = `${prepared.anchoring}\0${prepared.flags}\0${prepared.source}`;
  let compiled = compiledCache.get(key);
  if (compiled === undefined) {
    const literal = asciiLiteral(prepared);
    if (literal) {
      let engine: LinearRegex | null | undefined;
      compiled = literalRegex(literal, prepared.flags.includes('i'), () => (engine === undefined ? (engine = compileEngine(prepared)) : engine));
    } else {
      compiled = compileEngine(prepared);
      const required = compiled ? requiredLiterals(prepared) : [];
      if (compiled && required.length > 0) compiled = prefiltered(compiled, required, prepared.flags.includes('i'));
    }
    compiledCache.set(key, compiled);
  }
  return compiled;
}

/** The prepared pattern compiled by re2js, or null when RE2 cannot express it (tests compare the literal shortcut with it). */
export function compileEngine(prepared: PreparedPattern): LinearRegex | null {
  try {
    const body = toRe2(prepared.ast, prepared.flags.includes('s'));
    const anchored = prepared.anchoring === 'full' ? `\\A(?:${body})\\z` : prepared.anchoring === 'start' ? `\\A(?:${body})` : body;
    re2 ??= loadLibrary('re2js');
    const { RE2JS } = re2;
    const bits = (prepared.flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (prepared.flags.includes('m') ? RE2JS.MULTILINE : 0);
    const engine = RE2JS.compile(anchored, bits);
    return { test: (input: string) => engine.test(input), exec: (input: string) => engine.exec(input) as RegExpExecArray | null };
  } catch {
    return null;
  }
}

/** A pattern in the given dialect compiled for the linear-time engine (a search unless the dialect anchors it), or null. */
export function compileLinear(source: string, flags: string, dialect: PatternDialect = 'pcre-search'): LinearRegex | null {
  const prepared = prepare(source, flags, dialect);
  return prepared ? compilePrepared(prepared) : null;
}

/** Does the origin pattern accept `origin`, the way its implementation applies it? 'unknown' when it cannot be run safely. */
/**
 * Each matcher's compiled pattern, by the matcher itself (its source, flags and dialect never
 * change). A policy's matchers are asked again and again (each request of the matrix, each rule): the
 * two keys prepare() and compilePrepared() build and hash on every call, from the whole pattern text,
 * were the largest self time of a whole run over the synthetic bench tree (--cpu-prof, ingress
 * allowlists asked through respondIngress).
 */
const compiledByMatcher = new WeakMap<object, LinearRegex | null>();

export function matchOrigin(matcher: Extract<OriginMatcher, { kind: 'pattern' }>, origin: string): boolean | 'unknown' {
  let compiled = compiledByMatcher.get(matcher);
  if (compiled === undefined) {
    const prepared = preparePattern(matcher);
    compiled = prepared && compilePrepared(prepared);
    compiledByMatcher.set(matcher, compiled);
  }
  return compiled ? compiled.test(origin) : 'unknown';
}
