import { createRequire } from 'node:module';
import type { Alias, Document, Node as YamlNode, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Loc, SourceFile } from '../../model/types.js';
import { lineStartsOf, offsetsToLoc } from '../offsets.js';

/**
 * YAML reading for the gateway extractors, with `yaml` (eemeli) 2: a range on every node,
 * comments kept (suppressions), errors collected instead of thrown, and aliases never expanded
 * (an alias is an unknown value), so an alias bomb costs nothing.
 *
 * Two things happen before parsing, both keeping every offset: Helm/Go template actions
 * (`{{ … }}`) are replaced by `§` characters (a whole-line action by spaces), so a templated value
 * is a plain string we can recognise as unknown; and a multi-document file is split at its `---`
 * markers, and only documents with a CORS token are parsed at all (a 50 MB manifest bundle with one
 * Ingress costs one small parse).
 */
type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

function yaml(): YamlModule {
  yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
  return yamlModule;
}

/** Marks a character that came from a template action. */
export const TEMPLATE_CHAR = '§';

export interface YamlDocument {
  doc: Document.Parsed;
  /** Offset of this document's text in the file. */
  offset: number;
}

export interface ParsedYaml {
  file: string;
  /** The file text with template actions neutralised (same length as the original). */
  text: string;
  /** The file text as written. */
  source: string;
  documents: YamlDocument[];
  lineStarts: number[];
  errors: Array<{ message: string; loc: Loc }>;
}

const CORS_TOKEN = /cors|access-?control/i;
const TEMPLATE_ACTION = /\{\{-?[\s\S]*?-?\}\}/g;

export function neutralizeTemplates(text: string): string {
  if (!text.includes('{{')) return text;
  return text.replace(TEMPLATE_ACTION, (action, offset: number) => {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    const lineEnd = text.indexOf('\n', offset + action.length);
    const before = text.slice(lineStart, offset);
    const after = text.slice(offset + action.length, lineEnd === -1 ? text.length : lineEnd);
    // A control line (`{{- if .Values.cors }}`, `{{ toYaml . | nindent 4 }}`) disappears; an inline action becomes an opaque value.
    const alone = before.trim() === '' && after.trim() === '';
    return action.replace(/[^\n]/g, alone ? ' ' : TEMPLATE_CHAR);
  });
}

/** Document chunks: `---` and `...` at the start of a line end a document, even inside block scalars. */
function splitDocuments(text: string): Array<{ start: number; end: number }> {
  const chunks: Array<{ start: number; end: number }> = [];
  const marker = /^(---|\.\.\.)(?=[ \t\r\n]|$)/gm;
  let start = 0;
  for (let match = marker.exec(text); match; match = marker.exec(text)) {
    if (match.index > start || chunks.length === 0) chunks.push({ start, end: match.index });
    start = match.index;
    // Keep `---` with the document it opens (it may carry content: `--- !tag` or `--- {a: 1}`).
    if (match[1] === '...') start = match.index + 3;
  }
  chunks.push({ start, end: text.length });
  return chunks.filter((chunk) => chunk.end > chunk.start);
}

export function parseYaml(file: SourceFile): ParsedYaml {
  // A byte-order mark stays in place: the YAML reader skips it and every offset stays true.
  const source = file.text;
  const text = neutralizeTemplates(source);
  const lineStarts = lineStartsOf(text);
  const parsed: ParsedYaml = { file: file.path, text, source, documents: [], lineStarts, errors: [] };
  const { parseDocument, visit } = yaml();
  for (const chunk of splitDocuments(text)) {
    const source = text.slice(chunk.start, chunk.end);
    if (!CORS_TOKEN.test(source)) continue;
    const options = { prettyErrors: false, uniqueKeys: true, strict: false, logLevel: 'silent' } as const;
    let doc = parseDocument(source, options);
    // PyYAML (the SAM translator, Ansible) and go-yaml accept a flow collection whose lines are not
    // indented past its key; the yaml library does not. Read it as they do, positions kept.
    if (doc.errors.some((error) => error.code === 'BAD_INDENT' && /^Flow (map|sequence)/.test(error.message))) {
      const relaxed = relaxFlowIndentation(source);
      const again = relaxed && parseDocument(relaxed.text, options);
      if (relaxed && again && again.errors.length < doc.errors.length) {
        visit(again, (_key, node) => {
          const ranged = node as { range?: [number, number, number] } | null;
          if (ranged?.range) ranged.range = ranged.range.map(relaxed.original) as [number, number, number];
        });
        for (const error of again.errors) error.pos = error.pos.map(relaxed.original) as [number, number];
        doc = again;
      }
    }
    // Ranges become file offsets.
    if (chunk.start > 0) {
      visit(doc, (_key, node) => {
        const ranged = node as { range?: [number, number, number] } | null;
        // A key or value left empty (`? key`, a half-written line) is null.
        if (ranged?.range) ranged.range = [ranged.range[0] + chunk.start, ranged.range[1] + chunk.start, ranged.range[2] + chunk.start];
      });
    }
    for (const error of doc.errors.slice(0, 1)) {
      const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : '';
      const [from, to] = [error.pos[0] + chunk.start, error.pos[1] + chunk.start];
      parsed.errors.push({ message: `YAML: ${firstLine(error.message)}${more}; the rest of the document is still read`, loc: rangeLoc(parsed, from, Math.max(to, from + 1)) });
    }
    parsed.documents.push({ doc, offset: chunk.start });
  }
  return parsed;
}

/**
 * The text with the continuation lines of each multi-line flow collection (`Cors: {` … `}`)
 * indented past the line that opens it, and a map from offsets in that text back to the original.
 * Undefined when nothing needed moving.
 */
export function relaxFlowIndentation(text: string): { text: string; original: (offset: number) => number } | undefined {
  const inserts: Array<{ at: number; count: number }> = [];
  let depth = 0;
  let openerIndent = 0;
  let quote: string | undefined;
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '\n') {
      lineStart = i + 1;
      if (depth > 0) {
        const indent = /^[ ]*/.exec(text.slice(lineStart, lineStart + 200))![0].length;
        if (indent <= openerIndent && lineStart + indent < text.length && text[lineStart + indent] !== '\n') inserts.push({ at: lineStart, count: openerIndent + 1 - indent });
      }
      continue;
    }
    if (quote) {
      if (char === quote && !(quote === '"' && text[i - 1] === '\\')) quote = undefined;
      continue;
    }
    if (char === '#' && (i === lineStart || /\s/.test(text[i - 1]))) {
      const end = text.indexOf('\n', i);
      i = (end === -1 ? text.length : end) - 1;
      continue;
    }
    if ((char === '"' || char === "'") && depth > 0) quote = char;
    else if (char === '{' || char === '[') {
      // Only a collection opened after `key:` or `- ` starts flow context here (not `{{` templates, which are neutralised).
      if (depth === 0) {
        if (!/(:|^\s*-)\s*$/.test(text.slice(lineStart, i))) continue;
        openerIndent = /^[ ]*/.exec(text.slice(lineStart, i))![0].length;
      }
      depth++;
    } else if ((char === '}' || char === ']') && depth > 0) depth--;
  }
  if (inserts.length === 0) return undefined;
  let out = '';
  let from = 0;
  for (const insert of inserts) {
    out += text.slice(from, insert.at) + ' '.repeat(insert.count);
    from = insert.at;
  }
  out += text.slice(from);
  // Where each run of added spaces starts in the new text, and how much was added up to its end.
  const added: Array<{ from: number; count: number; total: number }> = [];
  let total = 0;
  for (const insert of inserts) {
    added.push({ from: insert.at + total, count: insert.count, total: total + insert.count });
    total += insert.count;
  }
  const original = (offset: number): number => {
    let before = 0;
    for (const run of added) {
      if (run.from > offset) break;
      // Inside the added spaces: the line start they were put at.
      if (offset < run.from + run.count) return run.from - (run.total - run.count);
      before = run.total;
    }
    return offset - before;
  };
  return { text: out, original };
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

export function rangeLoc(parsed: ParsedYaml, from: number, to: number): Loc {
  const clampedTo = Math.min(Math.max(to, from), parsed.text.length);
  return offsetsToLoc(parsed.file, parsed.lineStarts, Math.min(from, parsed.text.length), clampedTo);
}

/** The node's own text span (a scalar without its trailing newline, a key, a collection). */
export function nodeLoc(parsed: ParsedYaml, node: YamlNode | Pair | null | undefined, fallback?: Loc): Loc {
  const range = node && 'range' in node ? node.range : undefined;
  if (!range) return fallback ?? rangeLoc(parsed, 0, 0);
  return rangeLoc(parsed, range[0], range[1]);
}

// Narrow readers over yaml nodes. Aliases and tagged values (`!Ref`, `!Sub`) are never followed.

export function isMap(node: unknown): node is YAMLMap<YamlNode, YamlNode | null> {
  return yaml().isMap(node);
}

export function isSeq(node: unknown): node is YAMLSeq<YamlNode | null> {
  return yaml().isSeq(node);
}

export function isScalar(node: unknown): node is Scalar {
  return yaml().isScalar(node);
}

export function isAlias(node: unknown): node is Alias {
  return yaml().isAlias(node);
}

/** A pair of a mapping by key (string keys only); with a duplicate key (reported as a parse error), the last one, as lenient loaders keep. */
export function pairOf(map: unknown, key: string): Pair<YamlNode, YamlNode | null> | undefined {
  if (!isMap(map)) return undefined;
  const matches = map.items.filter((pair) => isScalar(pair.key) && String(pair.key.value) === key);
  return matches[matches.length - 1] as Pair<YamlNode, YamlNode | null> | undefined;
}

export function get(map: unknown, ...path: string[]): YamlNode | null | undefined {
  let node: unknown = map;
  for (const key of path) {
    const pair = pairOf(node, key);
    if (!pair) return undefined;
    node = pair.value;
  }
  return node as YamlNode | null | undefined;
}

/** Entries of a mapping with string keys. */
export function entries(map: unknown): Array<{ key: string; keyNode: YamlNode; value: YamlNode | null }> {
  if (!isMap(map)) return [];
  return map.items.filter((pair) => isScalar(pair.key)).map((pair) => ({ key: String((pair.key as Scalar).value), keyNode: pair.key as YamlNode, value: pair.value as YamlNode | null }));
}

export type YamlValue =
  | { kind: 'string'; value: string; node: YamlNode }
  | { kind: 'number'; value: number; node: YamlNode }
  | { kind: 'bool'; value: boolean; node: YamlNode }
  | { kind: 'null'; node: YamlNode | null }
  | { kind: 'list'; items: YamlValue[]; node: YamlNode }
  | { kind: 'map'; node: YamlNode }
  | { kind: 'unknown'; reason: string; node: YamlNode };

/** What a value is, as far as the file shows: templated text, `${…}` variables, tags and aliases are unknown. */
export function valueOf(node: YamlNode | null | undefined): YamlValue {
  if (node === null || node === undefined) return { kind: 'null', node: node ?? null };
  if (isAlias(node)) return { kind: 'unknown', reason: 'an alias', node };
  const tag = (node as { tag?: string }).tag;
  if (tag && tag.startsWith('!') && !tag.startsWith('!!')) return { kind: 'unknown', reason: `a ${tag} value, resolved at deploy time`, node };
  if (isScalar(node)) {
    const value = node.value;
    if (typeof value === 'string') {
      if (value.includes(TEMPLATE_CHAR)) return { kind: 'unknown', reason: 'a template expression', node };
      if (/\$\{[^}]*\}/.test(value)) return { kind: 'unknown', reason: 'a variable resolved at deploy time', node };
      return { kind: 'string', value, node };
    }
    if (typeof value === 'number') return { kind: 'number', value, node };
    if (typeof value === 'boolean') return { kind: 'bool', value, node };
    if (value === null) return { kind: 'null', node };
    return { kind: 'unknown', reason: 'an unusual scalar', node };
  }
  if (isSeq(node)) return { kind: 'list', items: node.items.map((item) => valueOf(item as YamlNode | null)), node };
  if (isMap(node)) return { kind: 'map', node };
  return { kind: 'unknown', reason: 'unreadable', node };
}

/** Strings of a list (or a single string); undefined when any item is not a known string. */
export function stringList(value: YamlValue): Array<{ value: string; node: YamlNode }> | undefined {
  if (value.kind === 'string') return [{ value: value.value, node: value.node }];
  if (value.kind !== 'list') return undefined;
  const out: Array<{ value: string; node: YamlNode }> = [];
  for (const item of value.items) {
    if (item.kind === 'string') out.push({ value: item.value, node: item.node });
    else if (item.kind === 'number') out.push({ value: String(item.value), node: item.node });
    else return undefined;
  }
  return out;
}

export function asBool(value: YamlValue): boolean | 'unknown' | undefined {
  if (value.kind === 'null') return undefined;
  if (value.kind === 'bool') return value.value;
  if (value.kind === 'string' && /^(true|false)$/i.test(value.value.trim())) return value.value.trim().toLowerCase() === 'true';
  return 'unknown';
}
