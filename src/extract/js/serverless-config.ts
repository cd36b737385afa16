import type { Node } from '@babel/types';
import type { Node as YamlNode } from 'yaml';
import type { CorsPolicy, Loc } from '../../model/types.js';
import { lineStartsOf } from '../offsets.js';
import { awsPolicies } from '../yaml/aws.js';
import { WRITTEN_AT, yaml, type ParsedYaml } from '../yaml/parse.js';
import type { ParsedJs } from './extract.js';
import { moduleExports } from './modules.js';
import { evaluate, locOf, propertyKey, type JsValue } from './values.js';

/**
 * The Serverless Framework also reads its service from `serverless.ts` / `serverless.js` (the
 * aws-nodejs-typescript template: `const serverlessConfiguration: AWS = { service, provider,
 * functions }` exported by `module.exports`). The exported object — with functions imported from
 * other modules of the repository, as the template writes them — is turned into the same nodes a
 * `serverless.yml` parses into, so the YAML reader's model of `http` / `httpApi` CORS applies as it
 * is; each node carries the position of the code it came from. What the code computes stays unknown.
 */
export const SERVERLESS_CONFIG = /(^|[\\/])serverless\.(ts|js|cjs|mjs)$/;

export function serverlessConfigPolicies(parsed: ParsedJs): CorsPolicy[] {
  if (!SERVERLESS_CONFIG.test(parsed.file)) return [];
  const exported = moduleExports(parsed).default;
  if (!exported) return [];
  const config = evaluate(exported, parsed.bindings);
  if (config.kind !== 'object') return [];
  const source: ParsedYaml = {
    file: parsed.file,
    format: /\.ts$/.test(parsed.file) ? 'ts' : 'js',
    text: parsed.text,
    source: parsed.text,
    documents: [],
    lineStarts: lineStartsOf(parsed.text),
    errors: [],
  };
  const root = toNode(config, parsed.file, 0);
  return root ? awsPolicies(source, root) : [];
}

const MAX_DEPTH = 24;

/** A YAML node for a JS value, positioned at the code it came from; anything not plain data is an unknown (tagged) scalar. */
function toNode(value: JsValue, file: string, depth: number): YamlNode {
  const { Pair, Scalar, YAMLMap, YAMLSeq } = yaml();
  const at = (node: YamlNode, loc: Loc): YamlNode => Object.assign(node, { [WRITTEN_AT]: loc });
  const loc = locOf(value.node, file);
  if (value.kind === 'string' || value.kind === 'number' || value.kind === 'boolean') return at(new Scalar(value.value), loc);
  const unknown = () => {
    const scalar = new Scalar(null);
    // valueOf reads a local tag as a value known only at deploy time.
    scalar.tag = '!computed';
    return at(scalar, loc);
  };
  if (depth > MAX_DEPTH) return unknown();
  if (value.kind === 'array') {
    const seq = new YAMLSeq<YamlNode>();
    for (const item of value.items) seq.items.push(toNode(item, file, depth + 1));
    return at(seq, loc);
  }
  // An object spread from something unknown may set any key: the object as a whole is unknown.
  if (value.kind === 'object' && !value.properties.has('*unknown-spread*')) {
    const map = new YAMLMap<YamlNode, YamlNode>();
    const keys = keyNodes(value.node);
    for (const [key, item] of value.properties) map.items.push(new Pair(at(new Scalar(key), keys.get(key) ? locOf(keys.get(key)!, file) : locOf(item.node, file)), toNode(item, file, depth + 1)));
    return at(map, loc);
  }
  return unknown();
}

/** The key nodes of an object literal, by name (the position of `cors:`, which the readers report on). */
function keyNodes(node: Node): Map<string, Node> {
  const keys = new Map<string, Node>();
  if (node.type !== 'ObjectExpression') return keys;
  for (const property of node.properties) {
    if (property.type === 'SpreadElement' || property.computed) continue;
    const key = propertyKey(property.key);
    if (key !== undefined) keys.set(key, property.key);
  }
  return keys;
}
