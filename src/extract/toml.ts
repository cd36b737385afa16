import type { Node as YamlNode } from 'yaml';
import type { Loc, SourceFile } from '../model/types.js';
import { loadLibrary } from '../util/load-library.js';
import { lineStartsOf, offsetsToLoc } from './offsets.js';
import { replaceDelimited } from '../util/delimited.js';
import { TEMPLATE_CHAR, WRITTEN_AT, yaml, type ParsedYaml } from './yaml/parse.js';

/** The few node shapes of toml-eslint-parser's AST read here (its own typings pull in eslint's). */
export interface TomlNode {
  type: string;
  range: [number, number];
}
export interface TomlKeyPart extends TomlNode {
  name?: string;
  value?: string;
}
export interface TomlKeyValue extends TomlNode {
  key: { keys: TomlKeyPart[] };
  value: TomlContent;
}
export type TomlContent = TomlNode & { kind?: string; value?: unknown; body?: TomlKeyValue[]; elements?: TomlContent[] };
export interface TomlTable extends TomlNode {
  kind: 'standard' | 'array';
  key: { keys: TomlKeyPart[] };
  resolvedKey: Array<string | number>;
  body: TomlKeyValue[];
}
export interface TomlModule {
  parseTOML(code: string, options?: { tomlVersion?: string }): { body: Array<{ body: Array<TomlKeyValue | TomlTable> }> };
}

let tomlModule: TomlModule | undefined;
/** toml-eslint-parser: a position on every key and value; loaded on the first TOML file of a run. */
export function toml(): TomlModule {
  tomlModule ??= loadLibrary('toml-eslint-parser') as TomlModule;
  return tomlModule;
}

/** Nesting past this is no config: the parser recurses per level. */
export const MAX_TOML_DEPTH = 64;

/**
 * Where `[`/`{` nesting outside strings and comments first passes MAX_TOML_DEPTH, counted in one
 * pass; undefined when it never does.
 */
export function tooDeepAt(text: string): number | undefined {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote || c === '\n') quote = '';
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if (c === '[' || c === '{') {
      if (++depth > MAX_TOML_DEPTH) return i;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

/** What a reader says of a TOML file nested past the bound (valid TOML, but no configuration nests so deep), like YAML's bound. */
export function tooDeepMessage(): string {
  return `TOML nested deeper than ${MAX_TOML_DEPTH} levels; this file is not analysed`;
}

/**
 * A TOML document as the nodes a YAML file parses into, each positioned at the TOML it came from
 * (as js/serverless-config.ts does for a `serverless.ts` object), so a gateway reader written for
 * YAML (Traefik's file provider reads both) reads TOML as it is. Tables, dotted keys, inline
 * tables and arrays of tables nest as TOML defines; a date or time is an unknown (tagged) scalar, and
 * a Go template action inside a string is template text, as the YAML reader marks it.
 */
export function parseTomlAsYaml(file: SourceFile, format: ParsedYaml['format']): { parsed: ParsedYaml; root: YamlNode } | { error: { message: string; loc: Loc }; tooDeep?: true } {
  const text = file.text;
  const lineStarts = lineStartsOf(text);
  const deep = tooDeepAt(text);
  if (deep !== undefined) return { error: { message: tooDeepMessage(), loc: offsetsToLoc(file.path, lineStarts, deep, deep + 1) }, tooDeep: true };
  let program: ReturnType<TomlModule['parseTOML']>;
  try {
    program = toml().parseTOML(text.replace(/^\uFEFF/, ' '));
  } catch (error) {
    const at = typeof (error as { index?: unknown }).index === 'number' ? Math.min((error as { index: number }).index, text.length) : 0;
    return { error: { message: String((error as Error).message).slice(0, 120), loc: offsetsToLoc(file.path, lineStarts, at, Math.min(at + 1, text.length)) } };
  }
  const { Pair, Scalar, YAMLMap, YAMLSeq, isMap, isSeq } = yaml();
  const loc = (node: { range: [number, number] }): Loc => offsetsToLoc(file.path, lineStarts, node.range[0], node.range[1]);
  const at = <T extends YamlNode>(node: T, where: Loc): T => Object.assign(node, { [WRITTEN_AT]: where });
  type Container = InstanceType<typeof YAMLMap<YamlNode, YamlNode | null>>;
  const root: Container = at(new YAMLMap<YamlNode, YamlNode | null>(), offsetsToLoc(file.path, lineStarts, 0, 0));
  const child = (map: Container, part: TomlKeyPart): Container | undefined => {
    const name = part.name ?? part.value ?? '';
    const existing = map.items.find((pair) => (pair.key as { value?: unknown }).value === name);
    if (existing) {
      const value = existing.value;
      if (isMap(value)) return value as Container;
      // An array of tables: dotted keys and sub-tables go into its last table.
      if (isSeq(value) && isMap(value.items[value.items.length - 1])) return value.items[value.items.length - 1] as Container;
      return undefined;
    }
    const created = at(new YAMLMap<YamlNode, YamlNode | null>(), loc(part));
    map.items.push(new Pair(at(new Scalar(name), loc(part)), created));
    return created;
  };
  const content = (node: TomlContent, depth: number): YamlNode => {
    if (depth > MAX_TOML_DEPTH) return unknownScalar(node);
    if (node.type === 'TOMLArray') {
      const seq = at(new YAMLSeq<YamlNode>(), loc(node));
      for (const element of node.elements ?? []) seq.items.push(content(element, depth + 1));
      return seq;
    }
    if (node.type === 'TOMLInlineTable') {
      const map: Container = at(new YAMLMap<YamlNode, YamlNode | null>(), loc(node));
      for (const pair of node.body ?? []) assign(map, pair, depth + 1);
      return map;
    }
    if (node.type === 'TOMLValue' && (node.kind === 'string' || node.kind === 'boolean' || node.kind === 'integer' || node.kind === 'float')) {
      // Traefik renders its dynamic configuration files as Go templates first (`{{ env "ORIGIN" }}`): such text is unknown, as in YAML.
      const value = typeof node.value === 'string' && node.value.includes('{{') ? replaceDelimited(node.value, '{{', '}}', (match) => TEMPLATE_CHAR.repeat(match.length)) : node.value;
      const scalar = at(new Scalar(typeof value === 'bigint' ? Number(value) : value), loc(node));
      // The string's place in the TOML text, so an entry of a comma-separated string gets its own position (partLoc).
      if (typeof value === 'string') scalar.range = [node.range[0], node.range[1], node.range[1]];
      return scalar;
    }
    return unknownScalar(node);
  };
  const unknownScalar = (node: TomlContent): YamlNode => {
    const scalar = new Scalar(null);
    // valueOf reads a local tag as a value known only at deploy time.
    scalar.tag = '!toml-value';
    return at(scalar, loc(node));
  };
  const assign = (map: Container, pair: TomlKeyValue, depth: number) => {
    const keys = pair.key.keys;
    let target: Container | undefined = map;
    for (const part of keys.slice(0, -1)) target = target && child(target, part);
    const last = keys[keys.length - 1];
    if (!target || !last) return;
    target.items.push(new Pair(at(new Scalar(last.name ?? last.value ?? ''), loc(last)), content(pair.value, depth)));
  };
  for (const top of program.body) {
    for (const node of top.body) {
      if (node.type !== 'TOMLTable') {
        assign(root, node as TomlKeyValue, 0);
        continue;
      }
      const table = node as TomlTable;
      let target: Container | undefined = root;
      const parts = table.key.keys;
      for (const [index, part] of parts.entries()) {
        if (!target) break;
        if (table.kind === 'array' && index === parts.length - 1) {
          const name = part.name ?? part.value ?? '';
          let seq = target.items.find((pair) => (pair.key as { value?: unknown }).value === name)?.value;
          if (!isSeq(seq)) {
            seq = at(new YAMLSeq<YamlNode>(), loc(part));
            target.items.push(new Pair(at(new Scalar(name), loc(part)), seq));
          }
          const entry: Container = at(new YAMLMap<YamlNode, YamlNode | null>(), loc(table));
          (seq as InstanceType<typeof YAMLSeq<YamlNode>>).items.push(entry);
          target = entry;
        } else target = child(target, part);
      }
      if (target) for (const pair of table.body) assign(target, pair, 0);
    }
  }
  const parsed: ParsedYaml = { file: file.path, format, text, source: text, documents: [], lineStarts, errors: [] };
  return { parsed, root };
}
