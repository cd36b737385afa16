import type { SyntaxNode } from '@lezer/common';
import { aiohttpCorsProfile, aiohttpCorsProgram } from '../../model/frameworks/aiohttp-cors.js';
import type { CorsPolicy, OriginMatcher } from '../../model/types.js';
import { listSetting, locatedTri, maxAgeOf, strict, unknownOrigin } from './options.js';
import { callArguments, locOf, textOf, type ParsedPython } from './parse.js';
import { evaluate, resolveName, type ModuleBindings, type PyValue } from './values.js';

const SETUP = new Set(['aiohttp_cors.setup', 'aiohttp_cors.CorsConfig']);
const RESOURCE_OPTIONS = 'aiohttp_cors.ResourceOptions';

interface Entry {
  origin: string | undefined;
  key: SyntaxNode;
  /** The options' own values by keyword, or undefined when they cannot be read. */
  options: Map<string, PyValue> | undefined;
  /** Entries with the same options text share one policy. */
  signature: string;
}

/**
 * `aiohttp_cors.setup(app, defaults={"*": ResourceOptions(allow_credentials=True, ...)})`: the
 * `defaults` mapping is the policy of every route added with `cors.add(route)`. Entries with the
 * same options make one policy; an entry's options given as a call or mapping we cannot read keep
 * its origin unknown.
 */
export function aiohttpCorsPolicies(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  const policies: CorsPolicy[] = [];
  for (const call of calls) {
    if (!SETUP.has(resolveName(parsed, call.firstChild, bindings) ?? '')) continue;
    const args = callArguments(parsed, call.getChild('ArgList'));
    const defaults = args.keywords.get('defaults');
    if (!defaults) continue;
    policies.push(...policiesFrom(parsed, call.firstChild!, defaults.name, evaluate(parsed, defaults.value, bindings), bindings));
  }
  return policies;
}

function policiesFrom(parsed: ParsedPython, callee: SyntaxNode, keyword: SyntaxNode, mapping: PyValue, bindings: ModuleBindings): CorsPolicy[] {
  const sourceLoc = locOf(parsed, callee);
  const writtenAt = locOf(parsed, keyword);
  const entries: Entry[] = [];
  const unknown: OriginMatcher[] = [];
  if (mapping.kind !== 'dict') unknown.push(unknownOrigin(parsed, mapping));
  else {
    for (const [origin, { key, value }] of mapping.entries) {
      const options = optionsOf(parsed, value, bindings);
      entries.push({ origin, key, options, signature: options ? textOf(parsed, value.node).replace(/\s+/g, '') : `unknown@${key.from}` });
    }
    for (const { key } of mapping.computed ?? []) unknown.push({ kind: 'unknown', reason: 'an origin computed at run time', loc: locOf(parsed, key) });
    if (mapping.spread) unknown.push(unknownOrigin(parsed, mapping, 'entries added with ** are not visible'));
  }
  // An origin named by its own entry is answered with that entry's options, whatever "*" says.
  const exact = entries.filter((entry) => entry.origin !== '*').map((entry) => entry.origin!);
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) groups.set(entry.signature, [...(groups.get(entry.signature) ?? []), entry]);
  const policies: CorsPolicy[] = [];
  const listId = `${sourceLoc.line}:${sourceLoc.column}`;
  for (const group of groups.values()) {
    const options = group[0].options;
    const origins: OriginMatcher[] = group.map((entry): OriginMatcher => {
      const loc = locOf(parsed, entry.key);
      if (!entry.options) return { kind: 'unknown', reason: 'its options cannot be read', loc };
      return entry.origin === '*' ? { kind: 'any', loc } : { kind: 'exact', value: entry.origin!, loc, listId };
    });
    const option = (name: string) => {
      const value = options?.get(name);
      return value ? strict(value) : undefined;
    };
    const taken = group.some((entry) => entry.origin === '*') ? exact.filter((origin) => !group.some((entry) => entry.origin === origin)) : [];
    policies.push(policy(parsed, sourceLoc, writtenAt, `${group[0].key.from}`, [...origins, ...unknown], option, options === undefined, taken));
  }
  if (entries.length === 0 && unknown.length > 0) policies.push(policy(parsed, sourceLoc, writtenAt, 'unknown', unknown, () => undefined, true, []));
  return policies;
}

function policy(
  parsed: ParsedPython,
  sourceLoc: CorsPolicy['source']['loc'],
  writtenAt: CorsPolicy['source']['loc'],
  key: string,
  origins: OriginMatcher[],
  option: (name: string) => PyValue | undefined,
  hidden: boolean,
  taken: string[],
): CorsPolicy {
  const credentialsValue = option('allow_credentials');
  const maxAgeValue = option('max_age');
  const list = (name: string) => (hidden ? { kind: 'unknown' as const, loc: sourceLoc } : listSetting(parsed, option(name)));
  const result: CorsPolicy = {
    id: `${parsed.file}#aiohttp-cors@${sourceLoc.line}:${sourceLoc.column}:${key}`,
    source: { file: parsed.file, format: 'python', framework: aiohttpCorsProfile.id, loc: sourceLoc },
    scope: { kind: 'app', label: 'cors.add() routes' },
    origins,
    originMode: 'compare',
    credentials: credentialsValue ? locatedTri(parsed, credentialsValue) : hidden ? { value: 'unknown', loc: sourceLoc } : undefined,
    allowMethods: { kind: 'default' },
    allowHeaders: list('allow_headers'),
    exposeHeaders: list('expose_headers'),
    maxAge: maxAgeValue ? maxAgeOf(parsed, maxAgeValue) : hidden ? { value: 'unknown', loc: sourceLoc } : undefined,
    preflight: { kind: 'handled', status: 200, loc: sourceLoc },
    vary: { origin: false },
    errorResponses: 'unknown',
    emitted: [],
    profile: aiohttpCorsProfile,
  };
  result.headerProgram = aiohttpCorsProgram(result, taken, writtenAt);
  return result;
}

/** `ResourceOptions(allow_credentials=True, …)` or a mapping of the same keywords; undefined when neither can be read. */
function optionsOf(parsed: ParsedPython, value: PyValue, bindings: ModuleBindings): Map<string, PyValue> | undefined {
  if (value.kind === 'dict') {
    if (value.incomplete) return undefined;
    return new Map([...value.entries].map(([name, entry]) => [name, entry.value]));
  }
  const node = value.node;
  if (node?.name !== 'CallExpression' || resolveName(parsed, node.firstChild, bindings) !== RESOURCE_OPTIONS) return undefined;
  const args = callArguments(parsed, node.getChild('ArgList'));
  if (args.spread || args.positional.length > 0) return undefined;
  return new Map([...args.keywords].map(([name, { value: written }]) => [name, evaluate(parsed, written, bindings)]));
}
