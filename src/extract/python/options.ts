import type { SyntaxNode } from '@lezer/common';
import type { ListSetting, Loc, Located, OriginMatcher, Tri } from '../../model/types.js';
import { locOf, textOf, type ParsedPython } from './parse.js';
import { stringItems, type PyValue } from './values.js';

/** Helpers that turn evaluated Python option values into model fields, keeping each value's position. */

export function triOf(value: PyValue): Tri {
  if (value.kind === 'bool') return value.value;
  if (value.kind === 'none') return false;
  if (value.kind === 'number') return value.value !== 0;
  if (value.kind === 'string') return value.value.length > 0;
  return 'unknown';
}

export function locatedTri(parsed: ParsedPython, value: PyValue | undefined): Located<Tri> | undefined {
  return value ? { value: triOf(value), loc: locOf(parsed, value.node) } : undefined;
}

/** A list option: absent → default, contains `*` → wildcard, literal strings → list, anything else → unknown. */
export function listSetting(parsed: ParsedPython, value: PyValue | undefined): ListSetting {
  if (!value || value.kind === 'none') return { kind: 'default' };
  const loc = locOf(parsed, value.node);
  const items = stringItems(value);
  if (!items) return { kind: 'unknown', loc };
  if (items.some((item) => item.value.trim() === '*')) return { kind: 'wildcard', loc };
  return { kind: 'list', items: items.map((item) => item.value), loc };
}

export function maxAgeOf(parsed: ParsedPython, value: PyValue | undefined, takes: { timedelta?: boolean } = {}): Located<number | 'unknown'> | undefined {
  if (!value || value.kind === 'none') return undefined;
  const loc = locOf(parsed, value.node);
  if (value.kind === 'number' && Number.isInteger(value.value)) return { value: value.value, loc };
  // Flask-CORS (and Sanic-CORS) send str(int(td.total_seconds())), Quart-CORS int(td.total_seconds()).
  if (takes.timedelta && value.kind === 'unknown' && value.seconds !== undefined) return { value: Math.trunc(value.seconds), loc };
  if (value.kind === 'string' && /^\d+$/.test(value.value.trim())) return { value: Number(value.value.trim()), loc };
  return { value: 'unknown', loc };
}

export function unknownOrigin(parsed: ParsedPython, value: PyValue, reason?: string): OriginMatcher {
  return { kind: 'unknown', reason: reason ?? (value.kind === 'unknown' ? value.reason : 'computed at run time'), loc: locOf(parsed, value.node) };
}

/** Unknown entries inside an otherwise literal list keep the literal ones checkable. */
export function eachOriginEntry(parsed: ParsedPython, value: PyValue, visit: (entry: PyValue, loc: Loc) => OriginMatcher | undefined): OriginMatcher[] {
  const entries = value.kind === 'list' ? value.items : [value];
  const matchers: OriginMatcher[] = [];
  for (const entry of entries) {
    const matcher = visit(entry, locOf(parsed, entry.node));
    if (matcher) matchers.push(matcher);
  }
  if (value.kind === 'list' && value.incomplete) matchers.push(unknownOrigin(parsed, value, 'the list is extended elsewhere'));
  return matchers;
}

/** True when the value, or an entry of it, is a fallback written for an unset input. */
export function hasFallback(value: PyValue, seen = new Set<PyValue>()): boolean {
  // A value may hold one list many times (`B = [A, A, …]`, shared since evaluation reuses a name's value): each is looked at once.
  if (seen.has(value)) return false;
  seen.add(value);
  if (value.fallback) return true;
  if (value.kind === 'list') return value.items.some((item) => hasFallback(item, seen));
  if (value.kind === 'dict') return [...value.entries.values()].some((entry) => hasFallback(entry.value, seen));
  return false;
}

/**
 * Options other than the origins are not judged from a fallback: a finding there could not say
 * that it only applies when a variable is unset. They stay unknown, as any environment value.
 */
export function strict(value: PyValue | undefined): PyValue | undefined {
  if (!value || !hasFallback(value)) return value;
  return { kind: 'unknown', reason: 'read from the environment', node: value.node };
}

/**
 * A credentials flag whose value is a fallback (a settings class's default, `os.getenv("CORS_CREDENTIALS", "true")`).
 * A fallback `true` is judged only when every origin is `*` or a reflection: then each finding it takes part in is
 * about those origins, whose note (`why`) gains the condition under which the credentials hold, so the
 * message says it applies while the variable is unset. Otherwise it stays unknown, as `strict` leaves it.
 */
export function fallbackCredentials(parsed: ParsedPython, value: PyValue | undefined, origins: OriginMatcher[]): Located<Tri> | undefined {
  if (!value || !hasFallback(value)) return value ? locatedTri(parsed, value) : undefined;
  const tri = triOf(value);
  const why = value.fallback;
  if (tri !== true || !why || origins.length === 0 || !origins.every((matcher) => matcher.kind === 'any' || matcher.kind === 'reflect')) return locatedTri(parsed, strict(value));
  for (let i = 0; i < origins.length; i++) {
    const matcher = origins[i] as Extract<OriginMatcher, { kind: 'any' | 'reflect' }>;
    origins[i] = { ...matcher, why: matcher.why ? `${matcher.why}; credentials: ${why}` : `credentials: ${why}` };
  }
  return locatedTri(parsed, value);
}

/**
 * An origin entry taken from a fallback: `*` is reported with why it applies; another written
 * origin is left to the caller, to be judged as written (undefined), as the JS reader does; a
 * fallback entry that is not a string stays unknown.
 */
export function fallbackOrigin(parsed: ParsedPython, list: PyValue, entry: PyValue, loc: Loc): OriginMatcher | undefined {
  const why = entry.fallback ?? list.fallback;
  if (!why) return undefined;
  if (entry.kind === 'string' && entry.value.trim() === '*') return { kind: 'any', loc, why };
  // An empty fallback (`os.getenv("ORIGINS", "").split(",")`) means no origin at all: nothing to judge.
  if (entry.kind === 'string' && entry.value.trim() !== '') return undefined;
  return { kind: 'unknown', reason: why, loc };
}

/**
 * An f-string origin (`f"https://{DOMAIN}/"`): its text and the literal parts around the
 * replacement fields, which can be judged whatever the fields hold. Undefined for anything else,
 * or when a part holds an escape or a doubled brace we would have to decode.
 */
export function formatTemplate(parsed: ParsedPython, node: SyntaxNode): { text: string; literals: string[] } | undefined {
  if (node.name !== 'FormatString') return undefined;
  const text = textOf(parsed, node);
  const open = /^[rRfF]{1,2}('''|"""|'|")/.exec(text);
  if (!open || !text.endsWith(open[1])) return undefined;
  const start = node.from + open[0].length;
  const end = node.to - open[1].length;
  const literals: string[] = [];
  let at = start;
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name !== 'FormatReplacement') continue;
    literals.push(text.slice(at - node.from, child.from - node.from));
    at = child.to;
  }
  literals.push(text.slice(at - node.from, end - node.from));
  if (literals.some((literal) => /[\\{}]/.test(literal))) return undefined;
  const inner = text.slice(open[0].length, text.length - open[1].length);
  return { text: inner.length > 200 ? `${inner.slice(0, 197)}…` : inner, literals };
}

export function nodeLoc(parsed: ParsedPython, node: SyntaxNode): Loc {
  return locOf(parsed, node);
}
