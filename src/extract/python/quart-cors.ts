import type { SyntaxNode } from '@lezer/common';
import { quartCorsProfile, quartCorsProgram } from '../../model/frameworks/quart-cors.js';
import type { CorsPolicy, Loc, OriginMatcher } from '../../model/types.js';
import { listSetting, locatedTri, maxAgeOf, strict, unknownOrigin } from './options.js';
import { callArguments, childrenOf, locOf, rangeLoc, textOf, type ParsedPython } from './parse.js';
import { evaluate, knownSpread, resolveName, type ModuleBindings, type PyValue } from './values.js';

const APP_WIDE = 'quart_cors.cors';
const ROUTE = 'quart_cors.route_cors';

/** `cors(app_or_blueprint, …)` and `@route_cors(…)` of Quart-CORS, with the options written in the call. */
export function quartCorsPolicies(parsed: ParsedPython, calls: SyntaxNode[], decorators: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  const policies: CorsPolicy[] = [];
  for (const call of calls) {
    const callee = resolveName(parsed, call.firstChild, bindings);
    if (callee !== APP_WIDE && callee !== ROUTE) continue;
    const args = knownSpread(parsed, callArguments(parsed, call.getChild('ArgList')), bindings);
    if (callee === APP_WIDE && !args.positional[0] && !args.keywords.get('app_or_blueprint')) continue;
    policies.push(policyFrom(parsed, locOf(parsed, call.firstChild!), args, bindings, callee === ROUTE));
  }
  // `@route_cors(…)` on a view: lezer writes a decorator's call as the name's parts and an ArgList, not a CallExpression.
  for (const decorator of decorators) {
    const parts = childrenOf(decorator).filter((node) => node.name === 'VariableName' || node.name === '.');
    const argList = decorator.getChild('ArgList');
    if (parts.length === 0 || !argList) continue;
    const [head, ...rest] = parts.map((node) => textOf(parsed, node)).join('').split('.');
    if ([bindings.imports.get(head) ?? head, ...rest].join('.') !== ROUTE) continue;
    const args = knownSpread(parsed, callArguments(parsed, argList), bindings);
    policies.push(policyFrom(parsed, rangeLoc(parsed, parts[0].from, parts[parts.length - 1].to), args, bindings, true));
  }
  return policies;
}

function policyFrom(parsed: ParsedPython, anchor: Loc, args: ReturnType<typeof callArguments>, bindings: ModuleBindings, route: boolean): CorsPolicy {
  const hidden = args.spread ? locOf(parsed, args.spread) : undefined;
  const option = (name: string): PyValue | undefined => {
    const written = args.keywords.get(name)?.value;
    const value = written ? evaluate(parsed, written, bindings) : undefined;
    return name === 'allow_origin' ? value : strict(value);
  };
  const origins = originMatchers(parsed, option('allow_origin'), anchor, hidden);
  const credentialsValue = option('allow_credentials');
  const credentials = credentialsValue ? locatedTri(parsed, credentialsValue) : hidden ? { value: 'unknown' as const, loc: hidden } : undefined;
  const wildcardValue = option('send_origin_wildcard');
  const sendWildcard = !wildcardValue || wildcardValue.kind === 'none' ? (hidden ? 'unknown' : true) : wildcardValue.kind === 'bool' ? wildcardValue.value : 'unknown';
  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  if (credentials?.value === true && origins.some((matcher) => matcher.kind === 'any')) {
    rejected.push({ loc: credentials.loc, message: "Quart-CORS raises ValueError ('Cannot allow credentials with wildcard allowed origins') for allow_credentials with a '*' origin (its default): every request answers 500" });
  }
  const list = (name: string): CorsPolicy['allowMethods'] => {
    const value = option(name);
    if (!value && hidden) return { kind: 'unknown', loc: hidden };
    if (value?.kind === 'string') return value.value.trim() === '*' ? { kind: 'wildcard', loc: locOf(parsed, value.node) } : { kind: 'list', items: [value.value], loc: locOf(parsed, value.node) };
    return listSetting(parsed, value);
  };
  const maxAgeValue = option('max_age');
  const policy: CorsPolicy = {
    id: `${parsed.file}#quart-cors@${anchor.line}:${anchor.column}`,
    source: { file: parsed.file, format: 'python', framework: quartCorsProfile.id, loc: anchor },
    scope: route ? { kind: 'route', label: 'route_cors' } : { kind: 'app', label: 'Quart app' },
    origins: rejected.length > 0 ? [] : origins,
    originMode: 'compare',
    credentials,
    allowMethods: list('allow_methods'),
    allowHeaders: list('allow_headers'),
    exposeHeaders: list('expose_headers'),
    maxAge: maxAgeValue ? maxAgeOf(parsed, maxAgeValue, { timedelta: true }) : hidden ? { value: 'unknown', loc: hidden } : undefined,
    preflight: { kind: 'handled', status: 200, loc: anchor },
    vary: { origin: true },
    errorResponses: true,
    emitted: [],
    profile: quartCorsProfile,
    ...(rejected.length > 0 ? { rejected } : {}),
  };
  policy.headerProgram = quartCorsProgram(policy, sendWildcard);
  return policy;
}

/** A string or `re.compile(…)`, or a list of them; `'*'` is every origin; left out, the QUART_CORS_ALLOW_ORIGIN config (`['*']` unless set). */
function originMatchers(parsed: ParsedPython, value: PyValue | undefined, anchor: Loc, hidden: Loc | undefined): OriginMatcher[] {
  if (!value || value.kind === 'none') {
    if (hidden) return [{ kind: 'unknown', reason: 'options passed with ** are not visible', loc: hidden }];
    // The app's QUART_CORS_ALLOW_ORIGIN config would replace the default; a file that sets it is not read here.
    if (/QUART_CORS_ALLOW_ORIGIN/.test(parsed.text)) return [{ kind: 'unknown', reason: 'QUART_CORS_ALLOW_ORIGIN is configured', loc: anchor }];
    return [{ kind: 'any', loc: anchor, why: "Quart-CORS allows every origin when allow_origin is not given" }];
  }
  const items = value.kind === 'list' ? value.items : [value];
  const listId = `${anchor.line}:${anchor.column}`;
  const out = items.map((item): OriginMatcher => {
    const loc = locOf(parsed, item.node);
    if (item.fallback || value.fallback) return item.kind === 'string' && item.value === '*' ? { kind: 'any', loc, why: item.fallback ?? value.fallback } : { kind: 'unknown', reason: (item.fallback ?? value.fallback)!, loc };
    if (item.kind === 'string') return item.value === '*' ? { kind: 'any', loc } : { kind: 'exact', value: item.value, loc, listId };
    if (item.kind === 'regex') return { kind: 'pattern', source: item.pattern, flags: item.ignoreCase ? 'i' : '', dialect: 'python-match', loc };
    return unknownOrigin(parsed, item);
  });
  if (value.kind === 'list' && value.incomplete) out.push(unknownOrigin(parsed, value, 'the list is extended elsewhere'));
  return out;
}
