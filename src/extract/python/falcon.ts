import type { SyntaxNode } from '@lezer/common';
import { falconProfile, falconProgram, type FalconSettings } from '../../model/frameworks/falcon.js';
import type { CorsPolicy, Loc, OriginMatcher } from '../../model/types.js';
import { eachOriginEntry, fallbackOrigin, strict, unknownOrigin } from './options.js';
import { callArguments, locOf, type ParsedPython } from './parse.js';
import { evaluate, knownSpread, resolveName, stringItems, type ModuleBindings, type PyValue } from './values.js';

const MIDDLEWARE = new Set(['falcon.CORSMiddleware', 'falcon.middleware.CORSMiddleware']);
const APPS = new Set(['falcon.App', 'falcon.app.App', 'falcon.asgi.App', 'falcon.asgi.app.App']);

/**
 * Falcon 3: `falcon.CORSMiddleware(allow_origins=…, allow_credentials=…, expose_headers=…)` handed to
 * an app (in `falcon.App(middleware=…)` or `app.add_middleware(…)`, directly, in a list, or through a
 * name assigned here), and `falcon.App(cors_enable=True)`, which adds one with the defaults (every
 * origin, no credentials). A middleware made anywhere else (Falcon's own `if cors_enable:` wiring, a
 * factory) is not known to answer anything.
 */
export function falconPolicies(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  const policies: CorsPolicy[] = [];
  const handed = middlewareArguments(parsed, calls, bindings);
  for (const call of calls) {
    const callee = resolveName(parsed, call.firstChild, bindings) ?? '';
    const args = MIDDLEWARE.has(callee) || APPS.has(callee) ? knownSpread(parsed, callArguments(parsed, call.getChild('ArgList')), bindings) : undefined;
    if (!args) continue;
    if (MIDDLEWARE.has(callee) && !handedToApp(parsed, call, handed)) continue;
    const anchor = locOf(parsed, call.firstChild!);
    if (APPS.has(callee)) {
      const enable = args.keywords.get('cors_enable');
      const value = enable ? evaluate(parsed, enable.value, bindings) : undefined;
      if (value?.kind !== 'bool' || !value.value || value.fallback) continue;
      const loc = locOf(parsed, enable!.value);
      policies.push(policy(parsed, anchor, [{ kind: 'any', loc, why: 'cors_enable=True allows every origin' }], { credentialOrigins: [], expose: null, originsAt: loc }, undefined));
      continue;
    }
    const keyword = (name: string): PyValue | undefined => {
      const written = args.keywords.get(name);
      if (written) return evaluate(parsed, written.value, bindings);
      return args.spread ? { kind: 'unknown', reason: 'options passed with ** are not visible', node: args.spread } : undefined;
    };
    const originsValue = keyword('allow_origins') ?? (args.positional[0] ? evaluate(parsed, args.positional[0], bindings) : undefined);
    const origins = originMatchers(parsed, originsValue, anchor);
    const credentialsValue = strict(keyword('allow_credentials') ?? (args.positional[2] ? evaluate(parsed, args.positional[2], bindings) : undefined));
    const exposeValue = strict(keyword('expose_headers') ?? (args.positional[1] ? evaluate(parsed, args.positional[1], bindings) : undefined));
    const settings: FalconSettings = {
      credentialOrigins: credentialOrigins(credentialsValue),
      expose: exposeValue === undefined || exposeValue.kind === 'none' ? null : joined(exposeValue),
      originsAt: originsValue ? locOf(parsed, originsValue.node) : anchor,
    };
    const credentials = credentialsValue && credentialsValue.kind !== 'none' ? { value: settings.credentialOrigins === undefined ? ('unknown' as const) : settings.credentialOrigins.length > 0, loc: locOf(parsed, credentialsValue.node) } : undefined;
    policies.push(policy(parsed, anchor, origins, settings, credentials));
  }
  return policies;
}

/** The argument lists that give an app its middleware, and the names used in them. */
function middlewareArguments(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): { ranges: Array<[number, number]>; names: Set<string> } {
  const ranges: Array<[number, number]> = [];
  const names = new Set<string>();
  for (const call of calls) {
    const args = call.getChild('ArgList');
    if (!args) continue;
    const callee = call.firstChild;
    const addMiddleware = callee?.name === 'MemberExpression' && /\.add_middleware$/.test(parsed.text.slice(callee.from, callee.to));
    if (!addMiddleware && !APPS.has(resolveName(parsed, callee, bindings) ?? '')) continue;
    ranges.push([args.from, args.to]);
    const cursor = args.cursor();
    do if (cursor.name === 'VariableName') names.add(parsed.text.slice(cursor.from, cursor.to));
    while (cursor.next() && cursor.from < args.to);
  }
  return { ranges, names };
}

/** The middleware call sits in such an argument list, or in the value assigned to a name used there. */
function handedToApp(parsed: ParsedPython, call: SyntaxNode, handed: { ranges: Array<[number, number]>; names: Set<string> }): boolean {
  if (handed.ranges.some(([from, to]) => call.from >= from && call.to <= to)) return true;
  for (let node = call.parent; node; node = node.parent) {
    if (node.name !== 'AssignStatement') continue;
    const target = node.firstChild;
    return target?.name === 'VariableName' && target.to <= call.from && handed.names.has(parsed.text.slice(target.from, target.to));
  }
  return false;
}

/** `'*'` (the default) admits every origin; any other string is one origin; an iterable lists them, compared as written. */
function originMatchers(parsed: ParsedPython, value: PyValue | undefined, anchor: Loc): OriginMatcher[] {
  if (!value) return [{ kind: 'any', loc: anchor, why: "allow_origins defaults to '*'" }];
  if (value.kind === 'string') {
    const loc = locOf(parsed, value.node);
    return [fallbackOrigin(parsed, value, value, loc) ?? (value.value === '*' ? { kind: 'any', loc } : { kind: 'exact', value: value.value, loc })];
  }
  if (value.kind !== 'list') return [unknownOrigin(parsed, value)];
  const listId = `${value.node.from}`;
  return eachOriginEntry(parsed, value, (entry, loc) => fallbackOrigin(parsed, value, entry, loc) ?? (entry.kind === 'string' ? { kind: 'exact', value: entry.value, loc, listId } : unknownOrigin(parsed, entry)));
}

function credentialOrigins(value: PyValue | undefined): FalconSettings['credentialOrigins'] {
  if (!value || value.kind === 'none') return [];
  if (value.kind === 'string') return value.value === '*' ? '*' : [value.value];
  if (value.kind === 'list' && !value.incomplete) return stringItems(value)?.map((item) => item.value);
  return undefined;
}

function joined(value: PyValue): string | undefined {
  if (value.kind === 'string') return value.value;
  if (value.kind !== 'list' || value.incomplete) return undefined;
  return stringItems(value)?.map((item) => item.value).join(', ');
}

function policy(parsed: ParsedPython, anchor: Loc, origins: OriginMatcher[], settings: FalconSettings, credentials: CorsPolicy['credentials']): CorsPolicy {
  const result: CorsPolicy = {
    id: `${parsed.file}#falcon@${anchor.line}:${anchor.column}`,
    source: { file: parsed.file, format: 'python', framework: falconProfile.id, loc: anchor },
    scope: { kind: 'app', label: 'Falcon app' },
    origins,
    originMode: 'compare',
    credentials,
    allowMethods: { kind: 'unknown', loc: anchor },
    allowHeaders: { kind: 'reflect-request' },
    exposeHeaders: settings.expose === undefined ? { kind: 'unknown', loc: anchor } : { kind: 'default' },
    maxAge: undefined,
    // Falcon's router answers OPTIONS on every route itself (its default responder) unless a resource has its own on_options.
    preflight: { kind: 'handled', status: 200, loc: anchor },
    vary: { origin: false },
    errorResponses: true,
    emitted: [],
    profile: falconProfile,
  };
  result.headerProgram = falconProgram(result, settings);
  return result;
}
