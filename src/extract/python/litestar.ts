import type { SyntaxNode } from '@lezer/common';
import { litestarProfile, litestarProgram } from '../../model/frameworks/litestar.js';
import type { CorsPolicy, Loc, OriginMatcher } from '../../model/types.js';
import { eachOriginEntry, fallbackCredentials, fallbackOrigin, formatTemplate, listSetting, locatedTri, maxAgeOf, strict, unknownOrigin } from './options.js';
import { callArguments, inModule, locOf, textOf, type ParsedPython } from './parse.js';
import { evaluate, knownSpread, resolveName, type ModuleBindings, type PyValue } from './values.js';

const CONFIG_CLASSES = new Set([
  'litestar.config.cors.CORSConfig',
  'litestar.CORSConfig',
  'starlite.CORSConfig',
  'starlite.config.CORSConfig',
  'starlite.config.cors.CORSConfig',
]);
/** CORSConfig's fields in order (a dataclass: positional arguments fill them so). */
const FIELDS = ['allow_origins', 'allow_methods', 'allow_headers', 'allow_credentials', 'allow_origin_regex', 'expose_headers', 'max_age'];

/**
 * Litestar's (and Starlite's) `CORSConfig(…)` when it reaches an app: written in a `cors_config=`
 * argument (`Litestar(…)`, `AppConfig(…)`), assigned to a name handed there or to an attribute
 * `….cors_config` (an `on_app_init` hook), or assigned at module level in a module that hands
 * nothing itself (a settings module the app imports it from). One made inside a function and never
 * handed over answers nothing.
 */
export function litestarPolicies(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  const handed = handedConfigs(parsed, calls);
  const policies: CorsPolicy[] = [];
  for (const call of calls) {
    if (!CONFIG_CLASSES.has(resolveName(parsed, call.firstChild, bindings) ?? '')) continue;
    if (!reachesApp(parsed, call, handed)) continue;
    policies.push(policyFrom(parsed, call, bindings));
  }
  return policies;
}

interface Handed {
  ranges: Array<[number, number]>;
  names: Set<string>;
}

function handedConfigs(parsed: ParsedPython, calls: SyntaxNode[]): Handed {
  const ranges: Array<[number, number]> = [];
  const names = new Set<string>();
  for (const call of calls) {
    const args = callArguments(parsed, call.getChild('ArgList'));
    const value = args.keywords.get('cors_config')?.value;
    if (!value) continue;
    ranges.push([value.from, value.to]);
    if (value.name === 'VariableName') names.add(textOf(parsed, value));
  }
  return { ranges, names };
}

function reachesApp(parsed: ParsedPython, call: SyntaxNode, handed: Handed): boolean {
  if (handed.ranges.some(([from, to]) => call.from >= from && call.to <= to)) return true;
  for (let node = call.parent; node; node = node.parent) {
    if (node.name !== 'AssignStatement') continue;
    const target = node.firstChild;
    if (!target || target.to > call.from) return false;
    if (target.name === 'MemberExpression') return /\.cors_config$/.test(textOf(parsed, target));
    if (target.name !== 'VariableName') return false;
    if (handed.names.has(textOf(parsed, target))) return true;
    return handed.ranges.length === 0 && inModule(parsed, node);
  }
  return false;
}

/** Python's `re.escape` (3.7+, which leaves `/` alone) for the characters an origin can hold. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}

function originEntry(parsed: ParsedPython, list: PyValue, entry: PyValue, loc: Loc, listId: string): OriginMatcher {
  const fallback = fallbackOrigin(parsed, list, entry, loc);
  if (fallback) return fallback;
  if (entry.kind !== 'string') return { ...unknownOrigin(parsed, entry), template: formatTemplate(parsed, entry.node) } as OriginMatcher;
  if (entry.value === '*') return { kind: 'any', loc };
  if (!entry.value.includes('*')) return { kind: 'exact', value: entry.value, loc, listId };
  // Each '*' stands for any run of characters; the rest is escaped and the whole entry must match.
  const source = entry.value.split('*').map(escapeRegex).join('.*');
  return { kind: 'pattern', source, flags: '', dialect: 'python-fullmatch', loc, samples: [entry.value.replace(/\*/g, 'app')] };
}

function policyFrom(parsed: ParsedPython, call: SyntaxNode, bindings: ModuleBindings): CorsPolicy {
  const args = knownSpread(parsed, callArguments(parsed, call.getChild('ArgList')), bindings);
  const anchor = locOf(parsed, call.firstChild!);
  const hidden = args.spread ? locOf(parsed, args.spread) : undefined;
  const option = (name: string): PyValue | undefined => {
    const written = args.keywords.get(name)?.value ?? args.positional[FIELDS.indexOf(name)];
    const value = written ? evaluate(parsed, written, bindings) : undefined;
    return name === 'allow_origins' ? value : strict(value);
  };
  const list = (name: string): CorsPolicy['allowMethods'] => {
    const value = option(name);
    if (!value && hidden) return { kind: 'unknown', loc: hidden };
    return listSetting(parsed, value);
  };

  const origins: OriginMatcher[] = [];
  const allowOrigins = option('allow_origins');
  if (!allowOrigins && !hidden) origins.push({ kind: 'any', loc: anchor, why: "CORSConfig's allow_origins defaults to ['*']" });
  else if (allowOrigins?.kind === 'list') {
    const listId = `${anchor.line}:${anchor.column}`;
    origins.push(...eachOriginEntry(parsed, allowOrigins, (entry, loc) => originEntry(parsed, allowOrigins, entry, loc, listId)));
  } else if (allowOrigins?.kind === 'string') {
    // A bare string is iterated character by character: '*' among them allows every origin.
    origins.push(unknownOrigin(parsed, allowOrigins, 'allow_origins is a string, so Litestar reads its characters as entries'));
  } else if (allowOrigins && allowOrigins.kind !== 'none') origins.push(unknownOrigin(parsed, allowOrigins));
  const regex = option('allow_origin_regex');
  if (regex?.kind === 'string') origins.push({ kind: 'pattern', source: regex.value, flags: '', dialect: 'python-fullmatch', loc: locOf(parsed, regex.node) });
  else if (regex && regex.kind !== 'none') origins.push(unknownOrigin(parsed, regex));
  if (hidden && (!allowOrigins || !regex)) origins.push({ kind: 'unknown', reason: 'options passed with ** are not visible', loc: hidden });

  const credentialsWritten = args.keywords.get('allow_credentials')?.value ?? args.positional[FIELDS.indexOf('allow_credentials')];
  const credentialsValue = credentialsWritten ? evaluate(parsed, credentialsWritten, bindings) : undefined;
  const maxAgeValue = option('max_age');
  const policy: CorsPolicy = {
    id: `${parsed.file}#litestar@${anchor.line}:${anchor.column}`,
    source: { file: parsed.file, format: 'python', framework: litestarProfile.id, loc: anchor },
    scope: { kind: 'app', label: 'Litestar app' },
    origins,
    originMode: 'compare',
    credentials: credentialsValue ? fallbackCredentials(parsed, credentialsValue, origins) : hidden ? { value: 'unknown', loc: hidden } : undefined,
    allowMethods: list('allow_methods'),
    allowHeaders: list('allow_headers'),
    exposeHeaders: list('expose_headers'),
    maxAge: maxAgeValue ? maxAgeOf(parsed, maxAgeValue) : hidden ? { value: 'unknown', loc: hidden } : undefined,
    preflight: { kind: 'handled', status: 204, loc: anchor },
    vary: { origin: true },
    // The middleware wraps the whole app, its exception handlers included.
    errorResponses: true,
    emitted: [],
    profile: litestarProfile,
  };
  policy.headerProgram = litestarProgram(policy);
  return policy;
}
