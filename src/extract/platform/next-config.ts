import type { Node } from '@babel/types';
import { nextHeadersProfile } from '../../model/frameworks/platform.js';
import type { CorsPolicy, Loc } from '../../model/types.js';
import type { ParsedJs } from '../js/extract.js';
import { evaluate, locOf, type JsValue } from '../js/values.js';
import { routeHeaderPolicy, type RouteHeader } from './route-headers.js';
import type { PlatformRewrite } from './vercel.js';

export const NEXT_CONFIG = /(^|\/)next\.config\.(c|m)?[jt]s$/;

/**
 * next.config's `headers()` and `rewrites()`: the function's one returned array (or, for
 * rewrites, `{ beforeFiles, afterFiles, fallback }`) evaluated as written. A header entry with
 * `has`/`missing` conditions applies to some requests only and is left out, as is any list the
 * evaluator cannot read whole.
 */
export function nextConfigHeaderPolicies(parsed: ParsedJs): CorsPolicy[] {
  const policies: CorsPolicy[] = [];
  for (const fn of configFunctions(parsed, 'headers')) {
    const list = returned(fn, parsed);
    if (list?.kind !== 'array') continue;
    for (const entry of list.items) {
      if (entry.kind !== 'object' || entry.properties.has('has') || entry.properties.has('missing') || entry.properties.has('*unknown-spread*')) continue;
      const source = entry.properties.get('source');
      const headerList = entry.properties.get('headers');
      if (headerList?.kind !== 'array') continue;
      const headers: RouteHeader[] = [];
      for (const item of headerList.items) {
        if (item.kind !== 'object') continue;
        const key = item.properties.get('key');
        const value = item.properties.get('value');
        if (key?.kind !== 'string' || !value) continue;
        headers.push({
          name: key.value,
          value: value.kind === 'string' ? value.value : null,
          rawValue: parsed.text.slice(value.node.start!, Math.min(value.node.end!, value.node.start! + 200)),
          loc: locOf(item.node, parsed.file),
          valueLoc: locOf(value.node, parsed.file),
        });
      }
      const sourceLoc: Loc = locOf((source ?? entry).node, parsed.file);
      const policy = routeHeaderPolicy({ file: parsed.file, format: /\.(c|m)?ts$/.test(parsed.file) ? 'ts' : 'js', profile: nextHeadersProfile, path: source?.kind === 'string' ? source.value : undefined, sourceLoc, headers });
      if (policy) policies.push(policy);
    }
  }
  return policies;
}

/** `rewrites()` entries whose source and destination are literal. */
export function nextConfigRewrites(parsed: ParsedJs): PlatformRewrite[] {
  const out: PlatformRewrite[] = [];
  for (const fn of configFunctions(parsed, 'rewrites')) {
    const value = returned(fn, parsed);
    const lists = value?.kind === 'array' ? [value] : value?.kind === 'object' ? ['beforeFiles', 'afterFiles', 'fallback'].map((phase) => value.properties.get(phase)).filter((list): list is JsValue => list?.kind === 'array') : [];
    for (const list of lists) {
      if (list.kind !== 'array') continue;
      for (const entry of list.items) {
        if (entry.kind !== 'object' || entry.properties.has('has') || entry.properties.has('missing')) continue;
        const source = entry.properties.get('source');
        const destination = entry.properties.get('destination');
        if (source?.kind === 'string' && destination?.kind === 'string') out.push({ file: parsed.file, source: source.value, destination: destination.value, loc: locOf(destination.node, parsed.file) });
      }
    }
  }
  return out;
}

/**
 * Functions bound to a `headers` / `rewrites` key of an object (`async headers() {…}`, `headers: async () => […]`),
 * or assigned to one after the object was written (`nextConfig.headers = async () => […]`, often under
 * `if (mode !== "export")`: a static export serves no headers at all, so the server build is the one they describe).
 */
function configFunctions(parsed: ParsedJs, name: string): Node[] {
  const out: Node[] = [];
  for (const node of parsed.parents.keys()) {
    if (node.type === 'ObjectMethod' && !node.computed && keyName(node.key) === name) out.push(node);
    else if (node.type === 'ObjectProperty' && !node.computed && keyName(node.key) === name && isFunction(node.value)) out.push(node.value);
    else if (node.type === 'AssignmentExpression' && node.operator === '=' && node.left.type === 'MemberExpression' && isFunction(node.right)) {
      const property = node.left.property;
      if (node.left.computed ? property.type === 'StringLiteral' && property.value === name : keyName(property) === name) out.push(node.right);
    }
  }
  return out;
}

function isFunction(node: Node): boolean {
  return node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression';
}

function keyName(key: Node): string | undefined {
  return key.type === 'Identifier' ? key.name : key.type === 'StringLiteral' ? key.value : undefined;
}

/** The value of the function's single `return` (or an arrow's expression body). */
function returned(fn: Node, parsed: ParsedJs): JsValue | undefined {
  if (fn.type !== 'ObjectMethod' && fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression') return undefined;
  if (fn.body.type !== 'BlockStatement') return evaluate(fn.body, parsed.bindings);
  const returns = fn.body.body.filter((statement) => statement.type === 'ReturnStatement');
  const last = fn.body.body.at(-1);
  if (returns.length !== 1 || last !== returns[0] || last.type !== 'ReturnStatement' || !last.argument) return undefined;
  return evaluate(last.argument, parsed.bindings);
}
