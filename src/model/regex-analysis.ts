import type { AST } from '@eslint-community/regexpp';
import { matchOrigin, parseJsPattern, preparePattern, type PreparedPattern } from './pattern-match.js';
import type { OriginMatcher } from './types.js';

/**
 * Origin regexes read through their syntax tree (@eslint-community/regexpp, via pattern-match.ts
 * which reads each dialect): the origins a pattern is meant to allow, generated from the tree, and
 * the facts the pattern rules classify a bypass by (anchors, unescaped dots, substring tests).
 * Nothing here runs a scanned regex except through the linear-time matcher.
 */
type PatternMatcher = Extract<OriginMatcher, { kind: 'pattern' }>;

/** The parsed pattern (JavaScript syntax), or null when it does not parse or is too large. */
export function parsePattern(source: string, flags = ''): AST.Pattern | null {
  return parseJsPattern(source, flags);
}

/**
 * True when a quantified element contains another quantifier (`(a+)+`, `(.*)*`) or an
 * alternation under a quantifier (`(a|a)*`): such a regex could take exponential time on a
 * backtracking engine. Scanned patterns never run on one (pattern-match.ts); this is kept for
 * messages and for callers that want to warn about a server-side ReDoS.
 */
export function mayBacktrackBadly(source: string, flags = ''): boolean {
  const pattern = parsePattern(source, flags);
  if (!pattern) return false;
  let bad = false;
  const visit = (node: AST.Node, insideQuantifier: boolean) => {
    if (bad) return;
    if (node.type === 'Quantifier') {
      if (insideQuantifier && node.max > 1) {
        bad = true;
        return;
      }
      visit(node.element, insideQuantifier || node.max > 1);
      return;
    }
    if ('alternatives' in node) {
      if (insideQuantifier && node.alternatives.length > 1) bad = true;
      for (const alternative of node.alternatives) visit(alternative, insideQuantifier);
    }
    if ('elements' in node) for (const element of node.elements) visit(element as AST.Node, insideQuantifier);
  };
  visit(pattern, false);
  return bad;
}

const hostChar = (node: AST.Node | undefined) => node?.type === 'Character' && /[a-z0-9-]/i.test(String.fromCodePoint(node.value));

/**
 * Unescaped `.` that stand between two literal host characters (`example.com`): those were meant
 * as a literal dot. Offsets are into the source text.
 */
export function hostDots(source: string, flags = ''): Array<{ start: number; end: number }> {
  const pattern = parsePattern(source, flags);
  if (!pattern) return [];
  const dots: Array<{ start: number; end: number }> = [];
  const visit = (node: AST.Node) => {
    if ('alternatives' in node) for (const alternative of node.alternatives) visit(alternative);
    if (node.type === 'Alternative') {
      node.elements.forEach((element, index) => {
        if (element.type === 'CharacterSet' && element.kind === 'any' && hostChar(node.elements[index - 1]) && hostChar(node.elements[index + 1])) dots.push({ start: element.start, end: element.end });
        else visit(element);
      });
    }
    if (node.type === 'Quantifier') visit(node.element);
  };
  visit(pattern);
  return dots;
}

/** Does the tree contain an anchor (`^`, `$`) anywhere? A `^` inside a class (`[^/]`) is not one. */
function hasAnyAnchor(node: AST.Node): boolean {
  if (node.type === 'Assertion' && (node.kind === 'start' || node.kind === 'end')) return true;
  if ('alternatives' in node) return node.alternatives.some(hasAnyAnchor);
  if (node.type === 'Alternative') return node.elements.some(hasAnyAnchor);
  if (node.type === 'Quantifier') return hasAnyAnchor(node.element);
  return false;
}

/** Does every way through `alternatives` begin (or end) with `^` (`$`)? */
function allAnchored(alternatives: AST.Alternative[], side: 'start' | 'end'): boolean {
  return alternatives.every((alternative) => {
    const elements = side === 'start' ? alternative.elements : [...alternative.elements].reverse();
    for (const element of elements) {
      if (element.type === 'Assertion' && element.kind === side) return true;
      // A zero-width `\b` or lookaround before the anchor does not move it.
      if (element.type === 'Assertion' && (element.kind === 'word' || element.kind === 'lookahead' || element.kind === 'lookbehind')) continue;
      if (element.type === 'Group' || element.type === 'CapturingGroup') return allAnchored(element.alternatives, side);
      return false;
    }
    return false;
  });
}

export interface PatternAnchors {
  /** Nothing can come before the match: a `^` on every branch, or the implementation anchors the start (`re.match`, full-match dialects). */
  start: boolean;
  end: boolean;
  /** The anchoring comes from the implementation (a full-match dialect), not from the author. */
  implicitEnd: boolean;
}

export function patternAnchors(prepared: PreparedPattern): PatternAnchors {
  return {
    start: prepared.anchoring !== 'search' || allAnchored(prepared.ast.alternatives, 'start'),
    end: prepared.anchoring === 'full' || allAnchored(prepared.ast.alternatives, 'end'),
    implicitEnd: prepared.anchoring === 'full',
  };
}

/**
 * Every branch opens, at its anchored start, with an unbounded wildcard (`^.*\.example\.com$`,
 * Envoy's and Istio's full-match `.*\.example\.com`): that wildcard spells the scheme too, `http://`
 * as well as `https://`. A search's branch without `^` opens with one too, the search's own
 * (`\.example\.com$` and `.*\.example\.com$` match what `^.*\.example\.com$` matches).
 */
export function opensWithWildcard(prepared: PreparedPattern): boolean {
  return prepared.ast.alternatives.every((alternative) => {
    let index = 0;
    const first = alternative.elements[0];
    if (first?.type === 'Assertion' && first.kind === 'start') index = 1;
    else if (prepared.anchoring === 'search') return true;
    const element = alternative.elements[index];
    return element?.type === 'Quantifier' && element.max === Infinity && element.element.type === 'CharacterSet' && element.element.kind === 'any';
  });
}

/**
 * A repeated wildcard right before a host literal (`^https://.*example\.net$`): the host is not
 * anchored at a label boundary, so `attackerexample.net` matches. A lone `.` in between
 * (`.*.example`) is an unescaped dot instead, origin-regex-unescaped-dot's finding.
 */
export function wildcardBeforeHost(prepared: PreparedPattern): boolean {
  return wildcardBesideHost(prepared, 1, /[a-z0-9]/i);
}

/**
 * A repeated wildcard right after a host literal (`^https://example\..*$`, `^http://localhost.*$`):
 * anchored at the end, yet the host's end is open, so `example.attacker.invalid` matches. A
 * wildcard after `:` (a port) or `/` is not one: browsers send only digits there, or no host part.
 */
export function wildcardAfterHost(prepared: PreparedPattern): boolean {
  return wildcardBesideHost(prepared, -1, /[a-z0-9.-]/i);
}

/** An unbounded class that takes letters and dots, with a host character (`host`) on the given side (1: after it, -1: before it). */
function wildcardBesideHost(prepared: PreparedPattern, side: 1 | -1, host: RegExp): boolean {
  const ignoreCase = prepared.flags.includes('i');
  let found = false;
  const visit = (node: AST.Node) => {
    if (found) return;
    if (node.type === 'Alternative') {
      node.elements.forEach((element, index) => {
        const neighbour = node.elements[index + side];
        if (
          element.type === 'Quantifier' &&
          element.max === Infinity &&
          (element.element.type === 'CharacterSet' || element.element.type === 'CharacterClass') &&
          classHas(element.element, 'a', ignoreCase) &&
          classHas(element.element, '.', ignoreCase) &&
          neighbour?.type === 'Character' &&
          host.test(String.fromCodePoint(neighbour.value))
        )
          found = true;
        visit(element);
      });
    }
    if ('alternatives' in node) for (const alternative of node.alternatives) visit(alternative);
    if (node.type === 'Quantifier') visit(node.element);
  };
  visit(prepared.ast);
  return found;
}

/**
 * A pattern that stands for a plain string test: an Envoy/Istio prefix/suffix/contains, or an
 * nginx (PCRE) `~` with no anchor at all, read from the tree.
 */
export function isSubstringPattern(matcher: PatternMatcher): boolean {
  if (matcher.written) return true;
  if (matcher.dialect !== 'pcre-search') return false;
  const prepared = preparePattern(matcher);
  return prepared !== null && !hasAnyAnchor(prepared.ast);
}

// ---------------------------------------------------------------------------------------------
// The explorer: example strings generated from the tree.

/** A string the pattern accepts, and where in it the pattern has a lone unescaped `.` (meant as a literal dot). */
export interface PatternExample {
  origin: string;
  /** Offsets into `origin` of characters produced by a lone unescaped `.`. */
  dots: number[];
  /** Offsets into the pattern source of those dots, in the same order. */
  dotSources: Array<{ start: number; end: number }>;
}

interface Piece {
  text: string;
  dots: Array<{ at: number; source: { start: number; end: number } }>;
}

/** Choices per tree node; the first is the default. */
const MAX_CHOICES = 12;
/** Examples per pattern. */
export const MAX_EXAMPLES_PER_PATTERN = 24;
/** A finite `{m,n}` bound larger than this is not spelled out (the lower bound and one more are). */
const MAX_SPELLED_REPEAT = 8;

const ORIGIN_CHAR_PREFERENCE = ['a', 'x', '1', '0', '-', '.', 'A', '_', ':', '/'];

function classHas(node: AST.CharacterClass | AST.CharacterSet, char: string, ignoreCase: boolean): boolean {
  const chars = ignoreCase ? [char, char.toLowerCase(), char.toUpperCase()] : [char];
  const setHas = (set: AST.CharacterSet): boolean => {
    let has: boolean;
    switch (set.kind) {
      case 'any':
        return char !== '\n' && char !== '\r';
      case 'digit':
        has = /[0-9]/.test(char);
        break;
      case 'word':
        has = /\w/.test(char);
        break;
      case 'space':
        has = /\s/.test(char);
        break;
      default:
        return false;
    }
    return set.negate ? !has : has;
  };
  if (node.type === 'CharacterSet') return setHas(node);
  const inside = node.elements.some((element) => {
    if (element.type === 'Character') return chars.some((c) => c.codePointAt(0) === element.value);
    if (element.type === 'CharacterClassRange') return chars.some((c) => c.codePointAt(0)! >= element.min.value && c.codePointAt(0)! <= element.max.value);
    if (element.type === 'CharacterSet') return setHas(element);
    return false;
  });
  return node.negate ? !inside : inside;
}

/** Members of a class an origin could contain, best first: a letter, a digit, `-`, `.`. */
function classMembers(node: AST.CharacterClass | AST.CharacterSet, ignoreCase: boolean): string[] {
  const found = ORIGIN_CHAR_PREFERENCE.filter((char) => classHas(node, char, ignoreCase));
  if (found.length > 0) return found.slice(0, 2);
  if (node.type === 'CharacterClass') {
    const first = node.elements[0];
    if (first?.type === 'Character') return [String.fromCodePoint(first.value)];
    if (first?.type === 'CharacterClassRange') return [String.fromCodePoint(first.min.value)];
  }
  return [];
}

function concat(parts: Piece[]): Piece {
  let text = '';
  const dots: Piece['dots'] = [];
  for (const part of parts) {
    for (const dot of part.dots) dots.push({ at: text.length + dot.at, source: dot.source });
    text += part.text;
  }
  return { text, dots };
}

function repeat(piece: Piece, count: number): Piece {
  return concat(Array.from({ length: count }, () => piece));
}

function dedupe(pieces: Piece[]): Piece[] {
  const seen = new Set<string>();
  const out: Piece[] = [];
  for (const piece of pieces) {
    if (seen.has(piece.text)) continue;
    seen.add(piece.text);
    out.push(piece);
    if (out.length >= MAX_CHOICES) break;
  }
  return out;
}

/**
 * The strings a node can produce, first the default. An alternation gives one per branch; a
 * sequence gives its default and, for each element, the sequence with only that element changed
 * (so the count stays linear in the size of the pattern); a quantifier gives its lower bound,
 * one more, and its upper bound when small; a class gives a member an origin could contain.
 */
function choices(node: AST.Node, ignoreCase: boolean, repeated: boolean): Piece[] {
  switch (node.type) {
    case 'Pattern':
    case 'Group':
    case 'CapturingGroup': {
      const perBranch = node.alternatives.map((alternative) => choices(alternative, ignoreCase, repeated));
      // Every branch's default first, then the other variants of each.
      return dedupe([...perBranch.map((list) => list[0]).filter(Boolean), ...perBranch.flatMap((list) => list.slice(1))]);
    }
    case 'Alternative': {
      const perElement = node.elements.map((element) => choices(element, ignoreCase, repeated));
      if (perElement.some((list) => list.length === 0)) return [];
      const base = perElement.map((list) => list[0]);
      const out = [concat(base)];
      perElement.forEach((list, index) => {
        for (const variant of list.slice(1)) out.push(concat(base.map((piece, i) => (i === index ? variant : piece))));
      });
      return dedupe(out);
    }
    case 'Quantifier': {
      const element = choices(node.element, ignoreCase, repeated || node.max > 1 || node.max === Infinity);
      if (element.length === 0) return node.min === 0 ? [{ text: '', dots: [] }] : [];
      const counts = [node.min];
      if (node.max > node.min) counts.push(node.min + 1);
      if (node.max !== Infinity && node.max > node.min + 1 && node.max <= MAX_SPELLED_REPEAT) counts.push(node.max);
      // An unbounded repeat of nothing-by-default (`.*`, `(.+\.)*`) is present by default: the author wrote it to match something.
      if (node.min === 0 && node.max === Infinity) counts.reverse();
      const out = counts.map((count) => repeat(element[0], Math.min(count, MAX_SPELLED_REPEAT)));
      for (const variant of element.slice(1)) out.push(repeat(variant, Math.max(1, node.min)));
      return dedupe(out);
    }
    case 'Assertion':
      // Zero-width; lookarounds make the pattern unknown to the matcher anyway, and every example is checked by it.
      return [{ text: '', dots: [] }];
    case 'Backreference':
      return [{ text: '', dots: [] }];
    case 'Character':
      return [{ text: String.fromCodePoint(node.value), dots: [] }];
    case 'CharacterSet':
      if (node.kind === 'any') {
        // A lone `.` was meant as a literal dot (`app.example\.com`); a repeated one as "anything" (`.*`).
        return repeated ? [{ text: 'a', dots: [] }, { text: '.', dots: [] }] : [{ text: '.', dots: [{ at: 0, source: { start: node.start, end: node.end } }] }];
      }
      return classMembers(node, ignoreCase).map((text) => ({ text, dots: [] }));
    case 'CharacterClass':
      return classMembers(node, ignoreCase).map((text) => ({ text, dots: [] }));
    default:
      return [];
  }
}

// '_' is in: the URL parser keeps it in a host (https://a_b.example), and install-time placeholders
// (YOUR_DOMAIN) are written with it.
const SERIALIZED_ORIGIN = /^(https?):\/\/([a-z0-9_-]+(?:\.[a-z0-9_-]+)*)(?::(\d{1,5}))?$/;

/**
 * Origins of app shells whose web views send their own scheme (Electron standard schemes such as
 * Obsidian's app://obsidian.md, Capacitor's capacitor://localhost, Ionic's ionic://localhost,
 * Tauri's tauri://localhost, browser extensions). The URL parser gives them an opaque origin, yet
 * these engines send `scheme://host` as the Origin header, and allowlists name them.
 */
const APP_SHELL_ORIGIN = /^(app|capacitor|ionic|tauri|chrome-extension|moz-extension|safari-web-extension):\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)*$/;

/** True for a string a browser could send as its Origin header (lower case, no default port, no path). */
export function isBrowserOrigin(origin: string): boolean {
  if (origin === 'null') return true;
  if (APP_SHELL_ORIGIN.test(origin)) return true;
  const match = SERIALIZED_ORIGIN.exec(origin);
  if (!match) return false;
  try {
    return new URL(origin).origin === origin;
  } catch {
    return false;
  }
}

/**
 * A generated string as the Origin a browser would send, when it can be one. A searched pattern
 * matches inside the Origin, so a host-only string (`webshop\.example$`, `\.shop\.example\.net`)
 * is tried inside `https://…`.
 */
function asOrigins(text: string, searched: boolean): Array<{ origin: string; shift: number }> {
  const out: Array<{ origin: string; shift: number }> = [{ origin: text, shift: 0 }];
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    // A search may stop mid-host (`^https?://(192\.168\.|10\.)` with no `$`): the Origin goes on after it.
    const host = /^[a-z][a-z0-9+.-]*:\/\/([^/:]*)$/i.exec(text)?.[1];
    if (searched && host !== undefined && host.endsWith('.')) {
      const parts = host.split('.').length - 1;
      out.push({ origin: `${text}${/^[\d.]+$/.test(host) && parts < 4 ? `${'0.'.repeat(3 - parts)}1` : 'x'}`, shift: 0 });
    }
    return out;
  }
  if (searched) {
    if (text.startsWith('.')) out.push({ origin: `https://x${text}`, shift: 9 });
    else if (text.startsWith('//')) out.push({ origin: `https:${text}`, shift: 6 });
    else if (text.startsWith('://')) out.push({ origin: `https${text}`, shift: 5 });
    else out.push({ origin: `https://${text}`, shift: 8 });
  } else if (!text.startsWith('/') && !text.startsWith(':')) {
    // A pattern that opens with a wildcard (`.*\.example\.com`, Envoy's and Istio's full-match regexes)
    // produced the host alone: the wildcard also spells the scheme. The matcher keeps only what it accepts.
    out.push({ origin: `https://${text}`, shift: 8 });
  }
  return out;
}

const examplesCache = new WeakMap<PatternMatcher, PatternExample[]>();

/**
 * Origins the pattern accepts, generated from its syntax tree: one per alternative branch,
 * optional parts present and absent, quantifiers at their bounds, classes by a member. Only
 * strings a browser could send and that the pattern really accepts (checked on the linear
 * matcher, in the pattern's dialect) are kept. Deterministic; at most MAX_EXAMPLES_PER_PATTERN.
 */
export function patternExamples(matcher: PatternMatcher): PatternExample[] {
  const cached = examplesCache.get(matcher);
  if (cached) return cached;
  const out: PatternExample[] = [];
  const prepared = preparePattern(matcher);
  if (prepared) {
    const ignoreCase = prepared.flags.includes('i');
    const seen = new Set<string>();
    // Origins the extractor saw the check is meant for (the literal of `origin.endsWith('…')`) come first.
    for (const sample of matcher.samples ?? []) {
      const origin = sample.toLowerCase();
      if (seen.has(origin) || !isBrowserOrigin(origin) || matchOrigin(matcher, origin) !== true) continue;
      seen.add(origin);
      out.push({ origin, dots: [], dotSources: [] });
    }
    for (const piece of choices(prepared.ast, ignoreCase, false)) {
      const text = ignoreCase ? piece.text.toLowerCase() : piece.text;
      for (const { origin, shift } of asOrigins(text, prepared.anchoring === 'search')) {
        if (seen.has(origin) || !isBrowserOrigin(origin) || matchOrigin(matcher, origin) !== true) continue;
        seen.add(origin);
        out.push({ origin, dots: piece.dots.map((dot) => dot.at + shift), dotSources: piece.dots.map((dot) => dot.source) });
        break;
      }
      if (out.length >= MAX_EXAMPLES_PER_PATTERN) break;
    }
  }
  examplesCache.set(matcher, out);
  return out;
}

/**
 * True when no Origin a browser sends can match: every branch is anchored at the start and
 * requires a `/`, `?` or `#` after `scheme://host` (a path), which serialized origins never have,
 * or is anchored at the end right after a required `/` (`https://app.example.com/` matched in full,
 * `…\.com/$`): an origin never ends with one.
 */
export function neverMatchesOrigin(matcher: PatternMatcher): boolean {
  const prepared = preparePattern(matcher);
  if (!prepared) return false;
  const ignoreCase = prepared.flags.includes('i');
  return prepared.ast.alternatives.every((alternative) => {
    if (endsWithSlash(alternative.elements, prepared.anchoring === 'full')) return true;
    let text = '';
    let index = 0;
    // A search needs `^` to tie the text to the origin's start; a prefix or full match is tied already, and may still spell `^`.
    const first = alternative.elements[0];
    if (first?.type === 'Assertion' && first.kind === 'start') index = 1;
    else if (prepared.anchoring === 'search') return false;
    for (; index < alternative.elements.length; index++) {
      const element = alternative.elements[index];
      if (element.type === 'Character') text += String.fromCodePoint(element.value);
      else if (element.type === 'CharacterClass' || element.type === 'CharacterSet') {
        // A class that cannot hold an origin's delimiters stands for one host character.
        if (['/', '?', '#', ':'].some((char) => classHas(element, char, ignoreCase))) break;
        text += 'a';
      } else if (element.type === 'Quantifier' && element.element.type === 'Character') {
        const char = String.fromCodePoint(element.element.value);
        if ('/?#:'.includes(char)) break;
        text += element.min > 0 ? char : '';
      } else if (element.type === 'Quantifier' && (element.element.type === 'CharacterClass' || element.element.type === 'CharacterSet')) {
        if (['/', '?', '#', ':'].some((char) => classHas(element.element as AST.CharacterClass | AST.CharacterSet, char, ignoreCase))) break;
        text += element.min > 0 ? 'a' : '';
      } else break;
      if (/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*[/?#]/i.test(text)) return true;
    }
    return false;
  });
}

/** The branch ends (at `$`, or at the end of a full match) with a `/` it requires. */
function endsWithSlash(elements: AST.Alternative['elements'], fullMatch: boolean): boolean {
  let last = elements.length - 1;
  const end = elements[last];
  if (end?.type === 'Assertion' && end.kind === 'end') last--;
  else if (!fullMatch) return false;
  const element = elements[last];
  if (element?.type === 'Character') return element.value === 0x2f;
  return element?.type === 'Quantifier' && element.min >= 1 && element.element.type === 'Character' && element.element.value === 0x2f;
}
