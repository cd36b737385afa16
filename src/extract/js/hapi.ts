import type { CallExpression, NewExpression, Node, ObjectProperty } from '@babel/types';
import { HAPI_DEFAULT_EXPOSED, HAPI_DEFAULT_HEADERS, HAPI_DEFAULT_MAX_AGE, hapiProfile, hapiProgram, type HapiSettings } from '../../model/frameworks/hapi.js';
import type { CorsPolicy, ListSetting, Loc, OriginMatcher, Tri } from '../../model/types.js';
import { isRequireOf, type ParsedJs } from './extract.js';
import { evaluate, locOf, propertyKey, type Bindings, type JsValue } from './values.js';

const HAPI_MODULES = ['@hapi/hapi', 'hapi'];
const SPREAD = '*unknown-spread*';

/**
 * hapi's own CORS settings: `routes: { cors }` in the options of a server made here
 * (`Hapi.server({…})`, `new Hapi.Server({…})`, hapi 16's `server.connection({…})` and
 * `connections: { routes }`), and `cors` in a route's `options`/`config` (`{ method, path,
 * options: { cors } }`, wherever the route object is written). A route's settings are applied over
 * the server's `routes.cors`: fields the route leaves out are the server's when this file makes the
 * one server, else unknown. `cors: false` (or no `cors`) sends nothing.
 */
export function hapiPolicies(parsed: ParsedJs): CorsPolicy[] {
  const { bindings } = parsed;
  const servers = serverCorsValues(parsed);
  const policies: CorsPolicy[] = [];
  for (const server of servers) {
    if (!server.cors) continue;
    const policy = hapiPolicy(parsed, server.cors, 'defaults', server.anchor, { kind: 'app', label: 'hapi server' });
    if (policy) policies.push(policy);
  }
  // The base a route's own settings are applied over: the server's `routes.cors` when this file makes the only server.
  const base: Base = servers.length === 1 ? (servers[0].cors ?? 'defaults') : 'unknown';
  for (const property of parsed.corsKeys) {
    const route = routeOf(property, parsed);
    if (!route) continue;
    const policy = hapiPolicy(parsed, evaluate(property.value as Node, bindings), base, property, route);
    if (policy) policies.push(policy);
  }
  return policies;
}

type Base = JsValue | 'defaults' | 'unknown';
type Scope = CorsPolicy['scope'];

/** Whether a module name bound here is hapi's (`const Hapi = require('@hapi/hapi')`, `import * as Hapi`, `import { server }`). */
function hapiImport(name: string, bindings: Bindings, members: string[]): boolean {
  const source = bindings.imports.get(name);
  return source !== undefined && HAPI_MODULES.includes(source.module) && members.includes(source.imported);
}

function isHapiServer(call: CallExpression | NewExpression, bindings: Bindings): boolean {
  const callee = call.callee;
  if (callee.type === 'Identifier') return hapiImport(callee.name, bindings, ['server', 'Server']);
  if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier' || (callee.property.name !== 'server' && callee.property.name !== 'Server')) return false;
  const owner = callee.object;
  return owner.type === 'Identifier' ? hapiImport(owner.name, bindings, ['default', '*']) : isRequireOf(owner, HAPI_MODULES);
}

/** The `routes.cors` value of each server this file makes (undefined when not written), with the node to report defaults at. */
function serverCorsValues(parsed: ParsedJs): Array<{ cors?: JsValue; anchor: Node }> {
  const { bindings } = parsed;
  const importsHapi = [...bindings.imports.values()].some((source) => HAPI_MODULES.includes(source.module));
  if (!importsHapi) return [];
  const out: Array<{ cors?: JsValue; anchor: Node }> = [];
  const routesCors = (options: JsValue | undefined): JsValue | undefined => {
    const routes = options?.kind === 'object' ? (options.properties.get('routes') ?? options.properties.get(SPREAD)) : undefined;
    if (routes && routes.kind !== 'object') return { kind: 'unknown', reason: 'route defaults decided at run time', node: routes.node };
    return routes?.kind === 'object' ? (routes.properties.get('cors') ?? routes.properties.get(SPREAD)) : undefined;
  };
  const constructions = [...parsed.calls, ...parsed.siteCalls.filter((call) => call.type === 'NewExpression')];
  for (const call of constructions) {
    const callee = call.callee;
    const connection = call.type === 'CallExpression' && callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === 'connection';
    if (!connection && !isHapiServer(call, bindings)) continue;
    const options = call.arguments[0] ? evaluate(call.arguments[0] as Node, bindings) : undefined;
    if (connection && options?.kind !== 'object') continue;
    // hapi 16: `new Hapi.Server({ connections: { routes } })` sets the defaults of every connection.
    const connections = options?.kind === 'object' ? options.properties.get('connections') : undefined;
    const cors = routesCors(options) ?? routesCors(connections);
    out.push({ cors, anchor: cors?.node ?? call });
  }
  return out;
}

/** The scope of a route whose options hold this `cors` property: `{ method, path, options|config: { cors } }`. */
function routeOf(property: ObjectProperty, parsed: ParsedJs): Scope | undefined {
  const options = parsed.parents.get(property);
  const holder = options && parsed.parents.get(options);
  if (holder?.type !== 'ObjectProperty' || holder.computed || holder.value !== options) return undefined;
  const key = propertyKey(holder.key);
  if (key !== 'options' && key !== 'config') return undefined;
  const route = parsed.parents.get(holder);
  if (route?.type !== 'ObjectExpression') return undefined;
  const field = (name: string) => {
    const found = route.properties.find((p) => p.type === 'ObjectProperty' && !p.computed && propertyKey(p.key) === name);
    return found?.type === 'ObjectProperty' ? evaluate(found.value as Node, parsed.bindings) : undefined;
  };
  const path = field('path');
  const method = field('method');
  if (!path || !method) return undefined;
  const methods = method.kind === 'string' ? [method.value.toUpperCase()] : method.kind === 'array' && method.items.every((m) => m.kind === 'string') ? method.items.map((m) => (m as { value: string }).value.toUpperCase()) : undefined;
  const pathText = path.kind === 'string' ? path.value : '(computed path)';
  return { kind: 'route', label: `hapi route ${methods?.join(',') ?? '(computed method)'} ${pathText}`, path: pathText, ...(methods ? { methods } : {}) };
}

/** One field of the settings in effect: the route's, else the base's, else hapi's default. */
type Field = { state: 'written'; value: JsValue } | { state: 'default' } | { state: 'unknown'; node: Node };

function hapiPolicy(parsed: ParsedJs, cors: JsValue, base: Base, anchor: Node, scope: Scope): CorsPolicy | undefined {
  const file = parsed.file;
  if (cors.kind === 'boolean' && !cors.value) return undefined;
  if (cors.kind !== 'object' && cors.kind !== 'boolean' && cors.kind !== 'unknown') return undefined;
  const anchorLoc = locOf(anchor, file);
  const field = (name: string): Field => {
    if (cors.kind === 'unknown') return { state: 'unknown', node: cors.node };
    const own = cors.kind === 'object' ? (cors.properties.get(name) ?? cors.properties.get(SPREAD)) : undefined;
    if (own) return own.kind === 'unknown' ? { state: 'unknown', node: own.node } : { state: 'written', value: own };
    if (base === 'defaults' || (base !== 'unknown' && base.kind === 'boolean')) return { state: 'default' };
    if (base === 'unknown') return { state: 'unknown', node: anchor };
    if (base.kind !== 'object') return { state: 'unknown', node: base.node };
    const inherited = base.properties.get(name) ?? base.properties.get(SPREAD);
    if (!inherited) return { state: 'default' };
    return inherited.kind === 'unknown' ? { state: 'unknown', node: inherited.node } : { state: 'written', value: inherited };
  };
  const rejected: NonNullable<CorsPolicy['rejected']> = [];

  const originField = field('origin');
  let origins: OriginMatcher[];
  let originSetting: HapiSettings['origin'] = 'list';
  if (originField.state === 'default') origins = [{ kind: 'reflect', loc: anchorLoc }];
  else if (originField.state === 'unknown') origins = [{ kind: 'unknown', reason: 'origin decided at run time', loc: locOf(originField.node, file) }];
  else if (originField.value.kind === 'string' && originField.value.value === 'ignore') {
    originSetting = 'ignore';
    origins = [{ kind: 'any', loc: locOf(originField.value.node, file) }];
  } else if (originField.value.kind === 'array') {
    origins = originEntries(originField.value, file, rejected);
  } else origins = [{ kind: 'unknown', reason: 'not a list of origins', loc: locOf(originField.value.node, file) }];

  if (origins.length === 1 && origins[0].kind === 'reflect') originSetting = 'any';

  const credentialsField = field('credentials');
  const credentials: { value: Tri; loc: Loc } | undefined =
    credentialsField.state === 'written'
      ? { value: credentialsField.value.kind === 'boolean' ? credentialsField.value.value : 'unknown', loc: locOf(credentialsField.value.node, file) }
      : credentialsField.state === 'unknown'
        ? { value: 'unknown', loc: locOf(credentialsField.node, file) }
        : undefined;
  if (originSetting === 'ignore' && credentials?.value === true) {
    rejected.push({ loc: credentials.loc, message: "hapi refuses credentials: true with origin 'ignore' (its option schema fails at start-up), so the server does not start" });
  }

  const headers = joinedList(field('headers'), field('additionalHeaders'), HAPI_DEFAULT_HEADERS);
  const exposed = joinedList(field('exposedHeaders'), field('additionalExposedHeaders'), HAPI_DEFAULT_EXPOSED);
  const maxAgeField = field('maxAge');
  const maxAge = maxAgeField.state === 'default' ? HAPI_DEFAULT_MAX_AGE : maxAgeField.state === 'written' && maxAgeField.value.kind === 'number' ? maxAgeField.value.value : undefined;
  const statusField = field('preflightStatusCode');
  const preflightStatus = statusField.state === 'default' ? 200 : statusField.state === 'written' && statusField.value.kind === 'number' ? statusField.value.value : undefined;

  const settings: HapiSettings = { origin: originSetting, headers: headers.items, exposed: exposed.items, maxAge, preflightStatus };
  const listSetting = (list: { items?: string[]; node?: Node }): ListSetting =>
    list.items ? (list.node ? { kind: 'list', items: list.items, loc: locOf(list.node, file) } : { kind: 'default' }) : { kind: 'unknown', loc: list.node ? locOf(list.node, file) : anchorLoc };
  const policy: CorsPolicy = {
    id: `${file}#${scope.label}@${anchorLoc.line}:${anchorLoc.column}`,
    source: { file, format: /\.(c|m)?tsx?$/.test(file) ? 'ts' : 'js', framework: hapiProfile.id, loc: anchorLoc },
    scope,
    origins: rejected.length > 0 ? [{ kind: 'unknown', reason: 'hapi refuses these settings at start-up', loc: anchorLoc }] : origins,
    originMode: 'compare',
    credentials,
    allowMethods: { kind: 'reflect-request' },
    allowHeaders: listSetting(headers),
    exposeHeaders: listSetting(exposed),
    // hapi's own default (86400) is not the author's choice and browsers simply cap it: only a written value is reported.
    maxAge: maxAgeField.state === 'written' ? { value: maxAge ?? 'unknown', loc: locOf(maxAgeField.value.node, file) } : undefined,
    preflight: preflightStatus === undefined ? { kind: 'unknown' } : { kind: 'handled', status: preflightStatus, loc: anchorLoc },
    vary: { origin: originSetting !== 'ignore' },
    errorResponses: true,
    emitted: [],
    profile: hapiProfile,
    ...(rejected.length > 0 ? { rejected } : {}),
  };
  policy.headerProgram = hapiProgram(policy, settings);
  return policy;
}

/**
 * The entries of an `origin` list: a lone `'*'` admits every origin and sends it back; an entry with
 * `*` (or `?`) is a wildcard hapi turns into an anchored pattern; anything else is compared as written.
 */
function originEntries(list: Extract<JsValue, { kind: 'array' }>, file: string, rejected: NonNullable<CorsPolicy['rejected']>): OriginMatcher[] {
  const star = list.items.find((item) => item.kind === 'string' && item.value === '*');
  if (star) {
    if (list.items.length > 1) rejected.push({ loc: locOf(star.node, file), message: "hapi refuses '*' together with other origins ('Cannot specify cors.origin * together with other values' at start-up), so the server does not start" });
    return [{ kind: 'reflect', loc: locOf(star.node, file) }];
  }
  const listId = `${list.node.loc?.start.line}:${list.node.loc?.start.column}`;
  return list.items.map((item): OriginMatcher => {
    const loc = locOf(item.node, file);
    if (item.kind !== 'string' || item.why) return { kind: 'unknown', reason: item.kind === 'unknown' ? item.reason : item.kind === 'string' ? item.why! : 'not a string', loc };
    if (/[*?]/.test(item.value)) return { kind: 'pattern', source: wildcardSource(item.value), flags: '', dialect: 'js-search', loc, code: item.value };
    return { kind: 'exact', value: item.value, loc, listId };
  });
}

/** hapi's wildcard origin: escaped, `*` any run of characters, `?` one, anchored at both ends. */
function wildcardSource(origin: string): string {
  const escaped = origin.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  return `^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`;
}

/** `headers` + `additionalHeaders` (or the exposed pair): items when both are known, and the node of a written one. */
function joinedList(main: Field, additional: Field, defaults: string[]): { items?: string[]; node?: Node } {
  const items = (f: Field, fallback: string[]): string[] | undefined => {
    if (f.state === 'default') return fallback;
    if (f.state === 'unknown') return undefined;
    if (f.value.kind !== 'array' || !f.value.items.every((item) => item.kind === 'string' && !item.why)) return undefined;
    return f.value.items.map((item) => (item as { value: string }).value);
  };
  const first = items(main, defaults);
  const second = items(additional, []);
  const node = main.state === 'written' ? main.value.node : additional.state === 'written' ? additional.value.node : main.state === 'unknown' ? main.node : additional.state === 'unknown' ? additional.node : undefined;
  return { items: first && second ? [...first, ...second] : undefined, node };
}
