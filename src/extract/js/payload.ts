import type { Node, ObjectExpression } from '@babel/types';
import { PAYLOAD_DEFAULT_HEADERS, payloadProfile, payloadProgram, type PayloadSettings } from '../../model/frameworks/payload.js';
import type { CorsPolicy, ListSetting, OriginMatcher } from '../../model/types.js';
import type { ParsedJs } from './extract.js';
import { evaluate, locOf, propertyKey, type JsValue } from './values.js';

/** Where `buildConfig` comes from: `payload` (3.x) and `payload/config` (1.x, 2.x). */
const PAYLOAD_MODULES = ['payload', 'payload/config'];

/**
 * Payload CMS's `cors` setting: the config object passed to `buildConfig` imported from Payload,
 * written in the call or named by a `const` of this file. `'*'`, a list of origins, or (3.x)
 * `{ origins, headers }`; anything else sends no Allow-Origin (model/frameworks/payload.ts).
 */
export function payloadPolicies(parsed: ParsedJs): CorsPolicy[] {
  const { bindings } = parsed;
  const policies: CorsPolicy[] = [];
  for (const call of parsed.calls) {
    const callee = call.callee;
    if (callee.type !== 'Identifier') continue;
    const source = bindings.imports.get(callee.name);
    if (!source || source.imported !== 'buildConfig' || !PAYLOAD_MODULES.includes(source.module)) continue;
    const config = configObject(call.arguments[0] as Node | undefined, parsed);
    if (!config) continue;
    const cors = corsValue(config, parsed);
    if (!cors) continue;
    const policy = payloadPolicy(parsed, cors.value, cors.anchor);
    if (policy) policies.push(policy);
  }
  return policies;
}

/** The config object literal: written in the call, or a `const` of this file (`export default buildConfig(config)`). */
function configObject(node: Node | undefined, parsed: ParsedJs): ObjectExpression | undefined {
  let current = node;
  for (let hops = 0; current && hops < 4; hops++) {
    if (current.type === 'ObjectExpression') return current;
    if (current.type === 'TSAsExpression' || current.type === 'TSSatisfiesExpression' || current.type === 'ParenthesizedExpression') current = current.expression;
    else if (current.type === 'Identifier' && !parsed.bindings.imports.has(current.name)) current = parsed.bindings.values.get(current.name);
    else return undefined;
  }
  return undefined;
}

/**
 * The `cors` value in effect: the last `cors` property, unless a spread of something unknown comes
 * after it (it may replace it). Undefined when no `cors` is written (Payload's default `[]` sends no
 * Allow-Origin) or only a spread might hold one.
 */
function corsValue(config: ObjectExpression, parsed: ParsedJs): { value: JsValue; anchor: Node } | undefined {
  let found: { value: JsValue; anchor: Node } | undefined;
  for (const property of config.properties) {
    if (property.type === 'SpreadElement') {
      if (!found) continue;
      const spread = evaluate(property.argument, parsed.bindings);
      if (spread.kind === 'object' && !spread.properties.has('*unknown-spread*')) {
        const replaced = spread.properties.get('cors');
        if (replaced) found = { value: replaced, anchor: replaced.node };
      } else found = { value: { kind: 'unknown', reason: 'may be replaced by a spread of an unknown object', node: property }, anchor: property };
      continue;
    }
    if (property.computed || propertyKey(property.key) !== 'cors') continue;
    if (property.type === 'ObjectMethod') found = { value: { kind: 'function', node: property }, anchor: property };
    else found = { value: evaluate(property.value as Node, parsed.bindings), anchor: property.value as Node };
  }
  return found;
}

function payloadPolicy(parsed: ParsedJs, cors: JsValue, anchor: Node): CorsPolicy | undefined {
  const file = parsed.file;
  const anchorLoc = locOf(anchor, file);
  let originsValue: JsValue | undefined = cors;
  let headersValue: JsValue | undefined;
  if (cors.kind === 'object') {
    originsValue = cors.properties.get('origins') ?? cors.properties.get('*unknown-spread*');
    headersValue = cors.properties.get('headers') ?? cors.properties.get('*unknown-spread*');
    // `{ headers }` without origins: `cors.origins.indexOf` throws on every request with an Origin.
    if (!originsValue) return undefined;
  }
  let origins: OriginMatcher[];
  let mode: PayloadSettings['origins'] = 'list';
  if (originsValue.kind === 'string' && originsValue.value === '*') {
    mode = '*';
    origins = [{ kind: 'any', loc: locOf(originsValue.node, file), ...(originsValue.why ? { why: originsValue.why } : {}) }];
  } else if (originsValue.kind === 'array') {
    const listId = `${file}:${originsValue.node.start}`;
    origins = originsValue.items.map((item): OriginMatcher => {
      const loc = locOf(item.node, file);
      if (item.kind === 'string') return { kind: 'exact', value: item.value, loc, listId, ...(item.why ? { why: item.why } : {}) };
      return { kind: 'unknown', reason: item.kind === 'unknown' ? item.reason : 'not a string', loc };
    });
    if (origins.length === 0) return undefined;
  } else if (originsValue.kind === 'unknown' || originsValue.kind === 'function') {
    origins = [{ kind: 'unknown', reason: originsValue.kind === 'unknown' ? originsValue.reason : 'origins decided at run time', loc: locOf(originsValue.node, file) }];
  } else {
    // Another string, a boolean, a number: Payload sends no Allow-Origin for it.
    return undefined;
  }
  const headerItems = headersValue === undefined ? [] : headersValue.kind === 'array' && headersValue.items.every((item) => item.kind === 'string') ? headersValue.items.map((item) => (item as { value: string }).value).filter(Boolean) : undefined;
  const allowHeaders: ListSetting =
    headersValue === undefined ? { kind: 'default' } : headerItems ? { kind: 'list', items: [...PAYLOAD_DEFAULT_HEADERS, ...headerItems], loc: locOf(headersValue.node, file) } : { kind: 'unknown', loc: locOf(headersValue.node, file) };
  const settings: PayloadSettings = { origins: mode, headers: headerItems ? [...PAYLOAD_DEFAULT_HEADERS, ...headerItems] : undefined, writtenAt: locOf(originsValue.node, file) };
  const scope: CorsPolicy['scope'] = { kind: 'app', label: 'Payload config' };
  const policy: CorsPolicy = {
    id: `${file}#${scope.label}@${anchorLoc.line}:${anchorLoc.column}`,
    source: { file, format: /\.(c|m)?tsx?$/.test(file) ? 'ts' : 'js', framework: payloadProfile.id, loc: anchorLoc },
    scope,
    origins,
    originMode: 'compare',
    // A listed origin always gets Allow-Credentials: true; `*` never does.
    credentials: mode === 'list' ? { value: true, loc: anchorLoc } : undefined,
    allowMethods: { kind: 'default' },
    allowHeaders,
    exposeHeaders: { kind: 'default' },
    maxAge: undefined,
    preflight: { kind: 'handled', status: 200, loc: anchorLoc },
    vary: { origin: false },
    errorResponses: true,
    emitted: [],
    profile: payloadProfile,
  };
  policy.headerProgram = payloadProgram(policy, settings);
  return policy;
}
