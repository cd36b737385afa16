import type { Node as YamlNode } from 'yaml';
import type { CorsPolicy, Format, FrameworkProfile, HeaderProgram, ListSetting, Loc, Located, OriginMatcher, PolicyScope, Tri } from '../../model/types.js';
import type { RouteHeader } from '../platform/route-headers.js';
import { asBool, entries, nodeLoc, rangeLoc, stringList, TEMPLATE_CHAR, valueOf, type ParsedYaml, type YamlValue } from './parse.js';
import { excerpt } from '../../util/excerpt.js';

/** Shared pieces of the gateway extractors: turning YAML values into model fields, positions kept. */

export interface PolicyParts {
  profile: FrameworkProfile;
  scope: PolicyScope;
  sourceLoc: Loc;
  origins: CorsPolicy['origins'];
  credentials?: Located<Tri>;
  allowMethods?: ListSetting;
  allowHeaders?: ListSetting;
  exposeHeaders?: ListSetting;
  maxAge?: Located<number | 'unknown'>;
  preflight: CorsPolicy['preflight'];
  vary: Tri;
  errorResponses?: Tri;
  originMode?: CorsPolicy['originMode'];
  rejected?: CorsPolicy['rejected'];
  program: (policy: CorsPolicy) => HeaderProgram;
}

/** A gateway policy of a YAML document (or of a JSON one, read the same way), or of code that configures a gateway (`format`). */
export function gatewayPolicy(parsed: Pick<ParsedYaml, 'file'> & { format?: Format }, parts: PolicyParts): CorsPolicy {
  const policy: CorsPolicy = {
    id: `${parsed.file}#${parts.scope.label}@${parts.sourceLoc.line}:${parts.sourceLoc.column}`,
    source: { file: parsed.file, format: parsed.format ?? 'yaml', framework: parts.profile.id, loc: parts.sourceLoc },
    scope: parts.scope,
    origins: parts.origins,
    originMode: parts.originMode ?? 'compare',
    credentials: parts.credentials,
    allowMethods: parts.allowMethods ?? { kind: 'default' },
    allowHeaders: parts.allowHeaders ?? { kind: 'default' },
    exposeHeaders: parts.exposeHeaders ?? { kind: 'default' },
    maxAge: parts.maxAge,
    preflight: parts.preflight,
    vary: { origin: parts.vary },
    errorResponses: parts.errorResponses ?? 'unknown',
    emitted: [],
    profile: parts.profile,
    rejected: parts.rejected,
  };
  policy.headerProgram = parts.program(policy);
  return policy;
}

export function locatedBool(parsed: ParsedYaml, node: YamlNode | null | undefined): Located<Tri> | undefined {
  if (node === undefined) return undefined;
  const value = asBool(valueOf(node));
  return value === undefined ? undefined : { value, loc: nodeLoc(parsed, node) };
}

/** A list option written as a YAML list or a comma-separated string. */
export function listOption(parsed: ParsedYaml, node: YamlNode | null | undefined, split = true): ListSetting {
  if (node === undefined || node === null) return { kind: 'default' };
  const value = valueOf(node);
  const loc = nodeLoc(parsed, node);
  const items = stringList(value)?.flatMap((item) => (split ? item.value.split(',') : [item.value]).map((part) => part.trim()).filter(Boolean));
  if (!items) return { kind: 'unknown', loc };
  if (items.includes('*')) return { kind: 'wildcard', loc };
  return { kind: 'list', items, loc };
}

export function numberOption(parsed: ParsedYaml, node: YamlNode | null | undefined): Located<number | 'unknown'> | undefined {
  if (node === undefined || node === null) return undefined;
  const value = valueOf(node);
  const loc = nodeLoc(parsed, node);
  if (value.kind === 'number' && Number.isInteger(value.value)) return { value: value.value, loc };
  if (value.kind === 'string' && /^\s*-?\d+\s*$/.test(value.value)) return { value: Number(value.value), loc };
  return { value: 'unknown', loc };
}

/**
 * Where `part` sits inside a string scalar, so an entry of `"https://a.example.com, https://b.example.com"`
 * gets its own position. Falls back to the whole scalar when the source text does not hold the value verbatim
 * (escapes, folding).
 */
export function partLoc(parsed: ParsedYaml, value: YamlValue, part: string, searchFrom = 0): Loc {
  const node = value.node;
  const range = node && 'range' in node ? node.range : undefined;
  if (!range || value.kind !== 'string') return nodeLoc(parsed, node);
  const valueAt = valueOffset(parsed, node!, range, value.value);
  const partAt = valueAt === -1 ? -1 : value.value.indexOf(part, searchFrom);
  if (valueAt === -1 || partAt === -1 || part === '') return nodeLoc(parsed, node);
  const from = range[0] + valueAt + partAt;
  return rangeLoc(parsed, from, from + part.length);
}

/**
 * Where a string scalar's value starts in its source text (-1 when the text does not hold it
 * verbatim), found once per node: partLoc is asked once per entry of a comma-separated list, and
 * searching the whole scalar each time made an annotation of n origins quadratic (16,000 origins:
 * 4.4 s of a 12 s run).
 */
const valueOffsets = new WeakMap<object, { value: string; at: number }>();

function valueOffset(parsed: ParsedYaml, node: object, range: [number, number, ...number[]], value: string): number {
  const known = valueOffsets.get(node);
  if (known && known.value === value) return known.at;
  const at = parsed.text.slice(range[0], range[1]).indexOf(value);
  valueOffsets.set(node, { value, at });
  return at;
}

/** Each item of a list (or a lone scalar): strings with their node, anything else (a template, an alias) as unknown. */
export function listEntries(node: YamlNode | null | undefined): Array<{ value: string; node: YamlNode } | { unknown: string; node: YamlNode }> {
  if (node === undefined || node === null) return [];
  const value = valueOf(node);
  const items = value.kind === 'list' ? value.items : [value];
  return items.map((item) =>
    item.kind === 'string' ? { value: item.value, node: item.node } : item.kind === 'number' ? { value: String(item.value), node: item.node } : { unknown: item.kind === 'unknown' ? item.reason : 'not a string', node: (item.node ?? node) as YamlNode },
  );
}

/**
 * A string scalar that is unknown only because of placeholders inside it (`${VAR}`, a Helm action):
 * the text as written and the literal parts around the placeholders.
 */
export function placeholderTemplate(node: YamlNode): { text: string; literals: string[] } | undefined {
  const value = (node as { value?: unknown }).value;
  if (typeof value !== 'string' || !(value.includes(TEMPLATE_CHAR) || /\$\{[^}]*\}/.test(value))) return undefined;
  const literals = value.split(/\$\{[^}]*\}|§+/);
  const text = value.replace(/§+/g, '{{…}}');
  return { text, literals };
}

/** Entries of a comma-separated string with their positions (`"a, b"` → `a` and `b`). */
export function commaEntries(parsed: ParsedYaml, value: YamlValue): Array<{ value: string; loc: Loc }> {
  if (value.kind !== 'string') return [];
  const out: Array<{ value: string; loc: Loc }> = [];
  let cursor = 0;
  for (const piece of value.value.split(',')) {
    const trimmed = piece.trim();
    const at = value.value.indexOf(piece, cursor) + (piece.length - piece.trimStart().length);
    cursor += piece.length + 1;
    if (trimmed) out.push({ value: trimmed, loc: partLoc(parsed, value, trimmed, at) });
  }
  return out;
}

/**
 * Response headers written as a mapping of name to value (Traefik `customResponseHeaders`, Istio
 * `headers.response.set`): each scalar's text, or null where it is no scalar or `computed` says the
 * gateway fills it in per request (a placeholder, a command operator).
 */
export function mappedHeaders(parsed: ParsedYaml, map: YamlNode | null | undefined, computed: RegExp): RouteHeader[] {
  return entries(map).map(({ key, keyNode, value }) => {
    const scalar = valueOf(value);
    const text = scalar.kind === 'string' ? scalar.value : scalar.kind === 'bool' || scalar.kind === 'number' ? String(scalar.value) : null;
    return { name: key, value: text !== null && computed.test(text) ? null : text, rawValue: text ?? '', loc: nodeLoc(parsed, keyNode), valueLoc: nodeLoc(parsed, value ?? keyNode) };
  });
}

/**
 * A CRD's list of origins (Gateway API's and Envoy Gateway's `allowOrigins`, Contour's
 * `allowOrigin`): each string item as `read` makes it a matcher, or a reason the API server
 * refuses the resource; an item or a list that is no string (a template, a map) is unknown where it stands.
 */
export function originList(parsed: ParsedYaml, node: YamlNode | null | undefined, read: (value: string, loc: Loc) => OriginMatcher | { refused: string }): { origins: OriginMatcher[]; rejected: NonNullable<CorsPolicy['rejected']> } {
  const origins: OriginMatcher[] = [];
  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  const list = valueOf(node);
  if (list.kind === 'list') {
    for (const item of list.items) {
      const loc = nodeLoc(parsed, item.node);
      if (item.kind !== 'string') {
        origins.push({ kind: 'unknown', reason: item.kind === 'unknown' ? item.reason : 'not a string', loc });
        continue;
      }
      const read_ = read(item.value, loc);
      if ('refused' in read_) rejected.push({ loc, message: read_.refused });
      else origins.push(read_);
    }
  } else if (node !== undefined && list.kind !== 'null') origins.push({ kind: 'unknown', reason: list.kind === 'unknown' ? list.reason : 'not a list', loc: nodeLoc(parsed, node) });
  return { origins, rejected };
}

/** An origin as messages quote it: the first 80 characters. */
export function shownOrigin(value: string): string {
  return excerpt(value, 80);
}
