import { createRequire } from 'node:module';
import type { AST } from '@eslint-community/regexpp';

/**
 * Origin regexes read with a real regex parser (@eslint-community/regexpp), for two questions
 * the model cannot answer by running the regex: is it safe to run (no nested quantifiers that
 * backtrack catastrophically), and where are its unescaped dots. Loaded on first use.
 */
type Regexpp = typeof import('@eslint-community/regexpp');
let regexpp: Regexpp | undefined;

function parser(): Regexpp {
  regexpp ??= createRequire(import.meta.url)('@eslint-community/regexpp') as Regexpp;
  return regexpp;
}

const parsedCache = new Map<string, AST.Pattern | null>();

/** The parsed pattern (JavaScript syntax), or null when it does not parse. */
export function parsePattern(source: string, flags = ''): AST.Pattern | null {
  const key = `${flags}/${source}`;
  if (!parsedCache.has(key)) {
    let pattern: AST.Pattern | null;
    try {
      pattern = new (parser().RegExpParser)().parsePattern(source, 0, source.length, { unicode: flags.includes('u') });
    } catch {
      pattern = null;
    }
    parsedCache.set(key, pattern);
  }
  return parsedCache.get(key) ?? null;
}

/** True when a quantified element contains another quantifier (`(a+)+`, `(.*)*`): such a regex can take exponential time, so it is never run. */
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
    if ('alternatives' in node) for (const alternative of node.alternatives) visit(alternative, insideQuantifier);
    if ('elements' in node) for (const element of node.elements) visit(element, insideQuantifier);
  };
  visit(pattern, false);
  return bad;
}

/**
 * Unescaped `.` that stand between two literal host characters (`example.com`): those were meant
 * as a literal dot. Offsets are into the source text.
 */
export function hostDots(source: string, flags = ''): Array<{ start: number; end: number }> {
  const pattern = parsePattern(source, flags);
  if (!pattern) return [];
  const dots: Array<{ start: number; end: number }> = [];
  const hostChar = (node: AST.Node | undefined) => node?.type === 'Character' && /[a-z0-9-]/i.test(String.fromCodePoint(node.value));
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
