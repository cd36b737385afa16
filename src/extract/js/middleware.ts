import type { CallExpression, Node } from '@babel/types';
import { elysiaCorsProfile, elysiaCorsProgram } from '../../model/frameworks/elysia.js';
import { expressCorsProfile, fastifyCors10Profile, fastifyCorsProfile, honoCorsProfile, kcorsProfile, koa2CorsProfile, koaCors4Profile, koaCorsProfile, nestCorsProfile } from '../../model/profiles.js';
import type { CorsPolicy, FrameworkProfile, HeaderProgram, ListSetting, Loc, OriginMatcher, PredicateCheck, Tri } from '../../model/types.js';
import { nameOf, type ParsedJs } from './extract.js';
import { authGate } from './auth-gate.js';
import { isRequestOrigin } from './hand-set.js';
import { requestInput } from './request-input.js';
import { respond } from '../../model/respond.js';
import { callbackCondition, conditionMatchers, decide, type CallbackStyle, type Cond, type OriginScope } from './origin-tests.js';
import { evaluate, fileOfNode, locOf, returnedExpression, stringList, type Bindings, type JsValue } from './values.js';
import { escapeRegex } from '../../util/regex-escape.js';
import { fileAnswerer, isExpressRouter, newAnswererGroup, scopeOf, type AnswererGroup } from './express-layers.js';

export interface MiddlewareSite {
  framework: 'express-cors' | 'koa-cors' | 'hono-cors' | 'fastify-cors' | 'nestjs' | 'elysia-cors';
  /** koa2-cors, kcors: the Koa option names and origin function, with their own defaults and `*` handling (koa2CorsProfile, kcorsProfile). */
  variant?: 'koa2-cors' | 'kcors';
  /** The package the middleware comes from (`@fastify/cors`, `@koa/cors`), when the file names it: its declared version can change the defaults. */
  packageName?: string;
  /** The `cors(…)` call, or the declaration of an options object nobody in the file consumes. */
  factoryCall: Node;
  options?: Node;
  /** Where defaults are reported when no option is written (e.g. the `cors: true` property). */
  anchor?: Node;
  mount: { kind: 'app' | 'router' | 'route'; label: string; path?: string; method?: string; routeCall?: CallExpression; useCall?: CallExpression };
}

const PROFILES: Record<MiddlewareSite['framework'], FrameworkProfile> = {
  'express-cors': expressCorsProfile,
  nestjs: nestCorsProfile,
  'fastify-cors': fastifyCorsProfile,
  'koa-cors': koaCorsProfile,
  'hono-cors': honoCorsProfile,
  'elysia-cors': elysiaCorsProfile,
};

/** Option names differ between packages; the model does not. */
const OPTION_NAMES: Record<MiddlewareSite['framework'], { methods: string; headers: string; expose: string }> = {
  'express-cors': { methods: 'methods', headers: 'allowedHeaders', expose: 'exposedHeaders' },
  nestjs: { methods: 'methods', headers: 'allowedHeaders', expose: 'exposedHeaders' },
  'fastify-cors': { methods: 'methods', headers: 'allowedHeaders', expose: 'exposedHeaders' },
  'koa-cors': { methods: 'allowMethods', headers: 'allowHeaders', expose: 'exposeHeaders' },
  'hono-cors': { methods: 'allowMethods', headers: 'allowHeaders', expose: 'exposeHeaders' },
  'elysia-cors': { methods: 'methods', headers: 'allowedHeaders', expose: 'exposeHeaders' },
};

export function middlewarePolicy(site: MiddlewareSite, allSites: MiddlewareSite[], parsed: ParsedJs): CorsPolicy[] {
  const file = parsed.file;
  const versioned = versionedProfile(site, parsed);
  const profile = versioned?.profile ?? (site.variant === 'koa2-cors' ? koa2CorsProfile : site.variant === 'kcors' ? kcorsProfile : PROFILES[site.framework]);
  const names = OPTION_NAMES[site.framework];
  const anchorLoc = locOf(site.anchor ?? site.factoryCall, file);
  const written = site.options ? (delegateOptions(site, parsed) ?? evaluate(site.options, parsed.bindings)) : undefined;
  // Options written in another module: that module's own "exported options" policy would repeat these findings.
  if (written && written.node !== site.options) parsed.onConsumed?.(written.node);
  const options = written && delegatedOptions(written, site.framework, parsed);
  const unknownOptions = options !== undefined && options.kind !== 'object';
  const option = (name: string): JsValue | undefined => {
    if (options?.kind !== 'object') return undefined;
    return options.properties.get(name) ?? options.properties.get('*unknown-spread*');
  };

  let origins: OriginMatcher[];
  let originMode: CorsPolicy['originMode'] = 'compare';
  if (unknownOptions) {
    origins = [{ kind: 'unknown', reason: options.kind === 'unknown' ? options.reason : 'options decided at run time', loc: locOf(options.node, file) }];
  } else {
    const origin = option('origin');
    if (origin?.kind === 'boolean' && !origin.value) return [];
    // koa2-cors and kcors without an origin option send the request's own Origin back.
    const why = site.framework === 'elysia-cors' ? { why: "@elysiajs/cors defaults to origin: true and credentials: true" } : versioned?.originWhy ? { why: versioned.originWhy } : {};
    const built = !origin && profile.defaults.origin === 'reflect' ? { matchers: [{ kind: 'reflect', loc: anchorLoc, ...why } as OriginMatcher], mode: 'compare' as const } : originMatchers(origin, site.framework, anchorLoc, parsed);
    origins = built.matchers;
    originMode = built.mode;
  }

  const credentialsValue = unknownOptions ? ({ kind: 'unknown', reason: 'options', node: options.node } as JsValue) : option('credentials');
  // @elysiajs/cors sends Allow-Credentials unless told not to.
  const credentials = credentialsValue ? { value: credentialsTri(credentialsValue, profile), loc: locOf(credentialsValue.node, file) } : profile.defaults.credentials ? { value: true as const, loc: anchorLoc } : undefined;
  const list = (name: string): ListSetting => {
    if (unknownOptions) return { kind: 'unknown', loc: anchorLoc };
    const value = option(name);
    if (!value) return { kind: 'default' };
    // @elysiajs/cors: `true` (its default) sends the requested method or headers back.
    if (site.framework === 'elysia-cors' && value.kind === 'boolean' && value.value) return { kind: 'default' };
    const loc = locOf(value.node, file);
    if (value.kind === 'string' && value.value.trim() === '*') return { kind: 'wildcard', loc };
    const items = stringList(value);
    return items ? { kind: 'list', items, loc } : { kind: 'unknown', loc };
  };
  const maxAgeValue = unknownOptions ? undefined : option('maxAge');
  const maxAge = maxAgeValue
    ? { value: maxAgeValue.kind === 'number' ? maxAgeValue.value : maxAgeValue.kind === 'string' && /^\d+$/.test(maxAgeValue.value) ? Number(maxAgeValue.value) : ('unknown' as const), loc: locOf(maxAgeValue.node, file) }
    : undefined;

  const preflight = preflightHandling(site, allSites, parsed, unknownOptions ? undefined : option);
  const scopePath = site.mount.path ? ` ${site.mount.path}` : '';
  const scope: CorsPolicy['scope'] =
    site.mount.kind === 'route'
      ? { kind: 'route', label: `${site.mount.label}.${site.mount.method!.toLowerCase()}${scopePath}`, path: site.mount.path, methods: [site.mount.method!] }
      : { kind: site.mount.kind, label: `${site.mount.label}${scopePath}`, path: site.mount.path };
  const sourceLoc = locOf(site.anchor ?? site.factoryCall, file);
  const policy: CorsPolicy = {
      id: `${file}#${scope.label}@${sourceLoc.line}:${sourceLoc.column}`,
      source: { file, format: /\.(c|m)?tsx?$/.test(file) ? 'ts' : 'js', framework: profile.id, loc: sourceLoc },
      scope,
      origins,
      originMode,
      credentials,
      allowMethods: list(names.methods),
      allowHeaders: list(names.headers),
      exposeHeaders: list(names.expose),
      maxAge,
      preflight,
      vary: { origin: profile.varyOrigin === 'always' || profile.varyOrigin === 'unless-wildcard' || profile.varyOrigin === 'unless-string' ? true : 'unknown' },
      errorResponses: site.framework === 'koa-cors' ? true : 'unknown',
      emitted: [],
      profile,
      registeredAfter: routesBefore(site, allSites, parsed, credentials?.value === false || credentials === undefined),
  };
  if (versioned?.methodsKnown && policy.allowMethods.kind === 'default' && site.mount.kind === 'app') {
    const served = fastifyServedMethods(site, parsed);
    if (served.length > 0) policy.servedMethods = served;
  } else if (site.framework === 'express-cors' && policy.allowMethods.kind === 'default' && site.mount.kind === 'app' && site.mount.useCall && !site.mount.path) {
    const served = expressServedMethods(site.mount.useCall, parsed);
    if (served.length > 0) policy.servedMethods = served;
  }
  if (site.framework === 'elysia-cors') policy.headerProgram = elysiaCorsProgram(policy);
  const condition = callbackConditions.get(origins);
  if (condition && CALLBACK_REFUSAL_SENDS_NOTHING.has(site.framework)) policy.headerProgram = callbackProgram(policy, condition);
  return [policy];
}

/**
 * Defaults that changed between majors, for the version the repository's package.json declares
 * (package-versions.ts); undefined when it names none, and the profile of the newest major stands,
 * with nothing that depends on the changed default reported (methodsKnown, originWhy).
 * - @fastify/cors 11.0.0 narrowed the default methods to `GET,HEAD,POST` (10.1.0 sent
 *   `GET,HEAD,PUT,PATCH,POST,DELETE`; both run with Fastify 5 on loopback). The unscoped `fastify-cors`
 *   name ended at 6.x, before the change.
 * - @koa/cors 5.0.0 made `*` the default origin; 3.x and 4.x send the request's Origin back (read in
 *   3.4.3 and 4.0.0 index.js: `options.origin || requestOrigin`), and 2.x is kcors (kcorsProfile).
 */
function versionedProfile(site: MiddlewareSite, parsed: ParsedJs): { profile: FrameworkProfile; methodsKnown?: boolean; originWhy?: string } | undefined {
  if (site.framework === 'fastify-cors' && site.packageName === 'fastify-cors') return { profile: fastifyCors10Profile, methodsKnown: true };
  if (site.framework === 'fastify-cors' && site.packageName === '@fastify/cors') {
    const major = parsed.packageMajor?.('@fastify/cors');
    if (major === undefined) return undefined;
    return { profile: major >= 11 ? fastifyCorsProfile : fastifyCors10Profile, methodsKnown: true };
  }
  if (site.framework === 'koa-cors' && !site.variant && site.packageName === '@koa/cors') {
    const major = parsed.packageMajor?.('@koa/cors');
    if (major === undefined || major >= 5) return undefined;
    const why = `@koa/cors ${major}, the major package.json declares, sends the request's Origin back when no origin is given`;
    return { profile: major <= 2 ? kcorsProfile : koaCors4Profile, originWhy: why };
  }
  return undefined;
}

const FASTIFY_PREFLIGHTED: Record<string, string> = { put: 'PUT', patch: 'PATCH', delete: 'DELETE' };

/**
 * The PUT, PATCH and DELETE routes a Fastify instance with @fastify/cors registers in the same function
 * (`fastify.delete('/items/:id', …)`, `fastify.route({ method: 'DELETE', … })`), and in a plugin function
 * it registers there (`fastify.register(async (api) => { api.put(…) })`: @fastify/cors applies to the
 * plugins registered after it). A page calls them with a preflight.
 */
const EXPRESS_PREFLIGHTED: Record<string, string> = { put: 'PUT', patch: 'PATCH', delete: 'DELETE' };

/**
 * The PUT, PATCH and DELETE routes (`app.put('/items/:id', …)`) registered on the app an `app.use(cors())`
 * with the default methods is mounted on, in the same function: the methods a page sends it (a proxy in
 * front that answers preflights itself is judged on these, not on every method the default allows).
 */
function expressServedMethods(use: CallExpression, parsed: ParsedJs): string[] {
  if (use.callee.type !== 'MemberExpression' || use.callee.object.type !== 'Identifier') return [];
  const served = expressRoutesOf(parsed).get(use.callee.object.name)?.get(scopeOf(use, parsed));
  return served ? [...served].sort() : [];
}

/**
 * The PUT/PATCH/DELETE routes of a file, by the app's name and the function they are registered in:
 * read in one pass over the file's calls, the first time an `app.use(cors())` asks. Looking through
 * every call for each cors() site was quadratic (robustness test: 2,000 sites among 40,000 calls).
 */
const expressRoutes = new WeakMap<ParsedJs, Map<string, Map<Node | undefined, Set<string>>>>();

function expressRoutesOf(parsed: ParsedJs): Map<string, Map<Node | undefined, Set<string>>> {
  let routes = expressRoutes.get(parsed);
  if (routes) return routes;
  routes = new Map();
  for (const call of parsed.calls) {
    const callee = call.callee;
    if (callee.type !== 'MemberExpression' || callee.object.type !== 'Identifier' || callee.property.type !== 'Identifier') continue;
    const method = Object.hasOwn(EXPRESS_PREFLIGHTED, callee.property.name) ? EXPRESS_PREFLIGHTED[callee.property.name] : undefined;
    const path = call.arguments[0];
    if (!method || call.arguments.length < 2 || (path?.type !== 'StringLiteral' && path?.type !== 'TemplateLiteral')) continue;
    let byScope = routes.get(callee.object.name);
    if (!byScope) routes.set(callee.object.name, (byScope = new Map()));
    const scope = scopeOf(call, parsed);
    let methods = byScope.get(scope);
    if (!methods) byScope.set(scope, (methods = new Set()));
    methods.add(method);
  }
  expressRoutes.set(parsed, routes);
  return routes;
}

function fastifyServedMethods(site: MiddlewareSite, parsed: ParsedJs): string[] {
  const call = site.factoryCall;
  if (call.type !== 'CallExpression' || call.callee.type !== 'MemberExpression' || call.callee.object.type !== 'Identifier') return [];
  const app = call.callee.object.name;
  const scope = scopeOf(call, parsed);
  const served = new Set<string>();
  // The instance names routes are registered on, by the function they are written in.
  const instances = new Map<Node | undefined, string>([[scope, app]]);
  for (const other of parsed.calls) {
    const callee = other.callee;
    if (callee.type !== 'MemberExpression' || callee.object.type !== 'Identifier' || callee.property.type !== 'Identifier') continue;
    if (callee.property.name !== 'register' || callee.object.name !== app || scopeOf(other, parsed) !== scope || (other.start ?? 0) < (call.start ?? 0)) continue;
    const plugin = other.arguments[0];
    if ((plugin?.type === 'ArrowFunctionExpression' || plugin?.type === 'FunctionExpression') && plugin.params[0]?.type === 'Identifier') instances.set(plugin, plugin.params[0].name);
  }
  for (const route of parsed.calls) {
    const callee = route.callee;
    if (callee.type !== 'MemberExpression' || callee.object.type !== 'Identifier' || callee.property.type !== 'Identifier') continue;
    const owner = instances.get(scopeOf(route, parsed));
    if (owner === undefined || callee.object.name !== owner) continue;
    const verb = FASTIFY_PREFLIGHTED[callee.property.name];
    const path = route.arguments[0];
    if (verb && route.arguments.length >= 2 && (path?.type === 'StringLiteral' || path?.type === 'TemplateLiteral')) served.add(verb);
    if (callee.property.name === 'route' && route.arguments[0]?.type === 'ObjectExpression') {
      for (const property of route.arguments[0].properties) {
        if (property.type !== 'ObjectProperty' || property.computed || property.key.type !== 'Identifier' || property.key.name !== 'method') continue;
        const values = property.value.type === 'ArrayExpression' ? property.value.elements : [property.value];
        for (const value of values) if (value?.type === 'StringLiteral' && FASTIFY_PREFLIGHTED[value.value.toLowerCase()]) served.add(value.value.toUpperCase());
      }
    }
  }
  return [...served].sort();
}

const ROUTE_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'head']);
/** `express.json()`, `bodyParser.urlencoded()`, `json()` from body-parser: they reject malformed bodies with 400 themselves. */
const BODY_PARSER = /^(express|bodyParser|bodyparser)\.(json|urlencoded|text|raw)$|^(json|urlencoded)$/;

/**
 * Body parsers mounted with `x.use(…)` and routes (`x.get('/path', handler)` …) of one object in one function,
 * in source order.
 */
interface MemberCalls {
  parsers: Array<{ start: number; label: string; loc: Loc }>;
  /** `router`: the name of an Express router mounted with `use`. */
  routes: Array<{ start: number; label: string; path: string; loc: Loc; router?: string }>;
  /** Middleware that answers a request without credentials (a preflight) itself: see auth-gate.ts. */
  gates: Array<{ start: number; label: string; path: string; loc: Loc; status: number }>;
  /** Middleware mounted with `use` on every path whose function sets Access-Control-Allow-Origin (res.header/set/setHeader). */
  allowOriginLayers: number[];
}

/**
 * The file's parsers and routes grouped by object name and enclosing function, worked out once per file: each
 * `app.use(cors())` looked at every call of the file and walked up from each to its function, quadratic in a
 * file of thousands of them (fuzzer, js seed 9002 #3190: 58 KB, 7.9 s CPU). Calls are grouped in source
 * order only as far as a `use` asks (the routes registered before it): `app.use(cors())` near the top of a
 * 2,000-route file reads a few calls, not all of them, on every keystroke in the language server.
 */
interface MemberCallIndex {
  calls: CallExpression[];
  /** The calls before this index are in `groups`. */
  next: number;
  groups: Map<string, Map<Node | undefined, MemberCalls>>;
}
const memberCallIndexes = new WeakMap<ParsedJs, MemberCallIndex>();

/** The parsers and routes of `label` in `scope` among the calls that start before `before` (and maybe some after it). */
function memberCalls(parsed: ParsedJs, label: string, scope: Node | undefined, before: number): MemberCalls {
  let index = memberCallIndexes.get(parsed);
  if (!index) {
    index = { calls: parsed.calls.filter((call) => typeof call.start === 'number').sort((a, b) => a.start! - b.start!), next: 0, groups: new Map() };
    memberCallIndexes.set(parsed, index);
  }
  const { calls, groups } = index;
  for (; index.next < calls.length && calls[index.next].start! < before; index.next++) {
    const call = calls[index.next];
    if (call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier') continue;
    const verb = call.callee.property.name;
    const start = call.start!;
    let parser: MemberCalls['parsers'][number] | undefined;
    let route: MemberCalls['routes'][number] | undefined;
    let gate: MemberCalls['gates'][number] | undefined;
    let allowOriginLayer = false;
    if (verb === 'use') {
      const mounted = call.arguments.find((arg) => arg?.type === 'CallExpression' && BODY_PARSER.test(nameOf(arg.callee)));
      if (mounted?.type === 'CallExpression') parser = { start, label: `${nameOf(mounted.callee)}()`, loc: locOf(mounted, parsed.file) };
      else route = mountedRouter(call, parsed);
      if (!parser && !route) {
        const path = call.arguments[0]?.type === 'StringLiteral' ? call.arguments[0].value : '';
        const found = authGate(call.arguments[call.arguments.length - 1], parsed);
        if (found) gate = { start, path, ...found };
        else if (call.arguments.length === 1) allowOriginLayer = setsAllowOrigin(call.arguments[0], parsed);
      }
    } else if (ROUTE_VERBS.has(verb) && call.arguments.length >= 2 && call.arguments[0]?.type === 'StringLiteral') {
      // `app.get('env')`, `app.get('trust proxy')`: with one argument `get` reads a setting; a route has a handler too.
      route = { start, label: `${verb.toUpperCase()} ${call.arguments[0].value}`, path: call.arguments[0].value, loc: locOf(call.callee, parsed.file) };
    }
    if (!parser && !route && !gate && !allowOriginLayer) continue;
    const name = nameOf(call.callee.object);
    const byScope = groups.get(name) ?? new Map<Node | undefined, MemberCalls>();
    groups.set(name, byScope);
    const at = scopeOf(call, parsed);
    const group = byScope.get(at) ?? { parsers: [], routes: [], gates: [], allowOriginLayers: [] };
    byScope.set(at, group);
    if (parser) group.parsers.push(parser);
    if (route) group.routes.push(route);
    if (gate) group.gates.push(gate);
    if (allowOriginLayer) group.allowOriginLayers.push(start);
  }
  return groups.get(label)?.get(scope) ?? { parsers: [], routes: [], gates: [], allowOriginLayers: [] };
}

const ALLOW_ORIGIN_SETTERS = new Set(['header', 'set', 'setHeader']);

/** A middleware function of this file (inline, or a function bound to the name) that sets Access-Control-Allow-Origin itself. */
function setsAllowOrigin(mounted: Node | undefined | null, parsed: ParsedJs): boolean {
  if (!mounted) return false;
  const fn = mounted.type === 'Identifier' && !parsed.bindings.imports.has(mounted.name) ? parsed.bindings.values.get(mounted.name) : mounted;
  if (!fn || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression' && fn.type !== 'FunctionDeclaration') || fn.params.length < 3) return false;
  const [from, to] = [fn.start ?? -1, fn.end ?? -1];
  return parsed.headerCalls.some((call) => {
    const callee = call.callee;
    if (call.start === null || call.start === undefined || call.start < from || call.start >= to) return false;
    if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier' || !ALLOW_ORIGIN_SETTERS.has(callee.property.name)) return false;
    const name = call.arguments[0];
    return name?.type === 'StringLiteral' && /^access-control-allow-origin$/i.test(name.value);
  });
}

/** The start of the latest layer of the same app, before `before`, that puts Allow-Origin on every response passing it: another global cors(), or a middleware setting it by hand. */
function earlierAllowOriginLayer(site: MiddlewareSite, allSites: MiddlewareSite[], group: MemberCalls, before: number, parsed: ParsedJs): number | undefined {
  const starts = group.allowOriginLayers.filter((start) => start < before);
  const scope = scopeOf(site.mount.useCall!, parsed);
  for (const other of allSites) {
    const use = other.mount.useCall;
    if (other === site || other.framework !== site.framework || !use || other.mount.path || other.mount.label !== site.mount.label || typeof use.start !== 'number' || use.start >= before) continue;
    if (scopeOf(use, parsed) === scope) starts.push(use.start);
  }
  return starts.length > 0 ? Math.max(...starts) : undefined;
}

/**
 * A router mounted with `use` (its routes answer there): Koa's `app.use(router.routes())` (koa-router's
 * older `router.middleware()`), and Express's `app.use('/api', api)` where `api` is bound in this file
 * to `express.Router()` / `Router()`. Other mounted functions are middleware that may pass the request on.
 */
function mountedRouter(call: CallExpression, parsed: ParsedJs): MemberCalls['routes'][number] | undefined {
  const args = call.arguments;
  const path = args[0]?.type === 'StringLiteral' ? args[0].value : '';
  const mounted = args[args.length - 1];
  if (mounted?.type === 'CallExpression' && mounted.arguments.length === 0 && mounted.callee.type === 'MemberExpression' && mounted.callee.property.type === 'Identifier' && /^(routes|middleware)$/.test(mounted.callee.property.name)) {
    return { start: call.start!, label: `${nameOf(mounted.callee)}()`, path, loc: locOf(mounted, parsed.file) };
  }
  if (mounted?.type !== 'Identifier') return undefined;
  if (!isExpressRouter(mounted.name, parsed)) return undefined;
  return { start: call.start!, label: path ? `router ${mounted.name} at '${path}'` : `router ${mounted.name}`, path, loc: locOf(mounted, parsed.file), router: mounted.name };
}

/** Express-style routes (and mounted routers) on the same app or router, in the same function, registered before `app.use(cors())`: they answer first, without CORS headers. */
function routesBefore(site: MiddlewareSite, allSites: MiddlewareSite[], parsed: ParsedJs, credentialsOff = false): CorsPolicy['registeredAfter'] {
  if (site.framework === 'nestjs' && !site.mount.useCall) return enabledAfterStart(site, parsed) ?? nestAuthBefore(site, parsed);
  if (site.framework === 'fastify-cors') return fastifyAuthHookBefore(site, parsed);
  const use = site.mount.useCall;
  if (!use || (site.framework !== 'express-cors' && site.framework !== 'nestjs' && site.framework !== 'koa-cors' && site.framework !== 'hono-cors') || use.start === null || use.start === undefined) return undefined;
  // Hono runs the handlers matching a request in registration order too, and a route handler that returns
  // ends it (hono 4.13, checked: GET answered without CORS headers); it mounts a subtree as `/api/*`.
  const hono = site.framework === 'hono-cors';
  const honoBase = hono && site.mount.path ? site.mount.path.replace(/\/?\*$/, '') : undefined;
  const covers = (path: string) => !site.mount.path || (honoBase !== undefined ? honoBase === '' || path === honoBase || path.startsWith(`${honoBase}/`) : path.startsWith(site.mount.path));
  const group = memberCalls(parsed, site.mount.label, scopeOf(use, parsed), use.start);
  const items: Array<{ label: string; loc: Loc }> = [];
  for (const route of group.routes) {
    if (route.start >= use.start) break;
    // A router with a cors() of its own (`api.use(cors(…))`) answers with that one's headers, not without any.
    if (route.router !== undefined && allSites.some((other) => other.framework === site.framework && other.mount.useCall !== undefined && other.mount.label === route.router)) continue;
    if (covers(route.path)) items.push({ label: route.label, loc: route.loc });
  }
  const parsers: Array<{ label: string; loc: Loc }> = [];
  // Express keeps the headers a middleware set before next() on the 400 a later body parser answers
  // (finalhandler adds to them; express 5 + body-parser, checked): an Allow-Origin set by an earlier
  // layer of the same app is on that 400, and a page whose requests carry no credentials reads it.
  const coveredFrom = site.framework === 'express-cors' && credentialsOff ? earlierAllowOriginLayer(site, allSites, group, use.start, parsed) : undefined;
  if (!site.mount.path && !hono) {
    for (const parser of group.parsers) {
      if (parser.start >= use.start) break;
      if (coveredFrom !== undefined && parser.start > coveredFrom) continue;
      parsers.push({ label: parser.label, loc: parser.loc });
    }
  }
  if (items.length > 0) return { what: 'routes', items, at: locOf(use, parsed.file) };
  // An auth check above cors() answers every preflight (it carries no credentials) with its own 4xx.
  const gates = group.gates.filter((gate) => gate.start < use.start! && (!gate.path || gate.path === '/' || (site.mount.path ?? '').startsWith(gate.path)));
  if (gates.length > 0) return { what: 'auth', items: gates.map((gate) => ({ label: gate.label, loc: gate.loc, status: gate.status })), at: locOf(use, parsed.file) };
  // A body parser above cors() answers a malformed body with its own 400, before cors() adds anything.
  return parsers.length > 0 ? { what: 'middleware', items: parsers, at: locOf(use, parsed.file) } : undefined;
}

/**
 * NestJS registers every controller route on the HTTP adapter in `app.init()` (which `app.listen()`
 * runs): `app.enableCors()` after either one adds the cors middleware behind the routes (and behind
 * Nest's 404 handler), so no response carries its headers.
 */
function enabledAfterStart(site: MiddlewareSite, parsed: ParsedJs): CorsPolicy['registeredAfter'] {
  const call = site.factoryCall;
  if (call.type !== 'CallExpression' || call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier' || call.callee.property.name !== 'enableCors' || typeof call.start !== 'number') return undefined;
  const scope = scopeOf(call, parsed);
  const label = site.mount.label;
  const started = parsed.calls.find(
    (other) =>
      typeof other.start === 'number' &&
      other.start < call.start! &&
      other.callee.type === 'MemberExpression' &&
      other.callee.property.type === 'Identifier' &&
      (other.callee.property.name === 'listen' || other.callee.property.name === 'init') &&
      nameOf(other.callee.object) === label &&
      scopeOf(other, parsed) === scope,
  );
  if (!started || started.callee.type !== 'MemberExpression' || started.callee.property.type !== 'Identifier') return undefined;
  return { what: 'started', items: [{ label: `${label}.${started.callee.property.name}()`, loc: locOf(started, parsed.file) }], at: locOf(call, parsed.file) };
}

/**
 * An auth check the Nest app runs before its cors middleware (Express adapter): `app.use(check)` before
 * `app.enableCors()` (both register on the Express app when called), or anywhere before `app.listen()` /
 * `app.init()` with NestFactory.create()'s `cors` option, which Nest applies only in init() (NestApplication.init
 * → applyOptions, since Nest 6; nestjs/nest packages/core/nest-application.ts). The check answers every
 * preflight (it carries no credentials) with its own 4xx.
 */
function nestAuthBefore(site: MiddlewareSite, parsed: ParsedJs): CorsPolicy['registeredAfter'] {
  const call = site.factoryCall;
  if (call.type !== 'CallExpression' || call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier' || typeof call.start !== 'number') return undefined;
  const scope = scopeOf(call, parsed);
  let label: string;
  let before: number;
  let deferredTo: string | undefined;
  if (call.callee.property.name === 'enableCors') {
    label = site.mount.label;
    before = call.start;
  } else {
    // `const app = await NestFactory.create(AppModule, { cors })`: the app's name, and where init() runs.
    let holder = parsed.parents.get(call);
    while (holder && (holder.type === 'AwaitExpression' || holder.type === 'TSAsExpression' || holder.type === 'ParenthesizedExpression')) holder = parsed.parents.get(holder);
    if (holder?.type !== 'VariableDeclarator' || holder.id.type !== 'Identifier') return undefined;
    const app = holder.id.name;
    label = app;
    const started = parsed.calls.find(
      (other) =>
        typeof other.start === 'number' &&
        other.start > call.start! &&
        other.callee.type === 'MemberExpression' &&
        other.callee.property.type === 'Identifier' &&
        (other.callee.property.name === 'listen' || other.callee.property.name === 'init') &&
        nameOf(other.callee.object) === app &&
        scopeOf(other, parsed) === scope,
    );
    if (!started?.start) return undefined;
    before = started.start;
    deferredTo = `${app}.${(started.callee as { property: { name: string } }).property.name}()`;
  }
  const group = memberCalls(parsed, label, scope, before);
  // With create(), only what is registered on the app it returns (after the call) and before init().
  const after = deferredTo ? call.start : -1;
  const gates = group.gates.filter((gate) => gate.start < before && gate.start > after && (!gate.path || gate.path === '/'));
  if (gates.length === 0) return undefined;
  const at = site.anchor ? locOf(site.anchor, parsed.file) : locOf(call, parsed.file);
  return { what: 'auth', items: gates.map((gate) => ({ label: gate.label, loc: gate.loc, status: gate.status })), at, ...(deferredTo ? { deferredTo } : {}) };
}

/**
 * Fastify runs onRequest hooks in the order they were added, and @fastify/cors answers preflights in its own
 * onRequest hook (its default `hook`): an auth hook added before `register(cors)` on the same instance runs
 * first and answers every preflight (no credentials) with its own 4xx and no CORS headers. Checked with
 * Fastify 5.12.8 + @fastify/cors 11.4.3 (inject): OPTIONS 401, awaited or not; the same hook added after
 * register, or as a preHandler, lets cors answer 204.
 */
function fastifyAuthHookBefore(site: MiddlewareSite, parsed: ParsedJs): CorsPolicy['registeredAfter'] {
  const register = site.factoryCall;
  if (register.type !== 'CallExpression' || typeof register.start !== 'number' || register.callee.type !== 'MemberExpression') return undefined;
  // `hook: 'preHandler'` (or any other) moves cors later; only the default is read.
  const options = site.options ? evaluate(site.options, parsed.bindings) : undefined;
  if (options && (options.kind !== 'object' || options.properties.has('hook'))) return undefined;
  const label = site.mount.label;
  const scope = scopeOf(register, parsed);
  const gates: Array<{ label: string; loc: Loc; status: number }> = [];
  for (const call of parsed.calls) {
    if (typeof call.start !== 'number' || call.start >= register.start) continue;
    if (call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier' || call.callee.property.name !== 'addHook' || nameOf(call.callee.object) !== label) continue;
    const [hook, handler] = call.arguments;
    if (hook?.type !== 'StringLiteral' || hook.value !== 'onRequest' || call.arguments.length !== 2 || scopeOf(call, parsed) !== scope) continue;
    const gate = authGate(handler as Node, parsed, 'fastify-hook');
    if (gate) gates.push(gate.label === 'the middleware' ? { ...gate, label: 'the onRequest hook' } : gate);
  }
  return gates.length > 0 ? { what: 'auth', items: gates, at: locOf(register, parsed.file) } : undefined;
}

/** The condition an origin callback's matchers came from (to decide requests the matchers alone cannot: no Origin). */
const callbackConditions = new WeakMap<OriginMatcher[], Cond>();

/**
 * cors and @koa/cors: when the origin callback refuses, the middleware adds no header at all (not
 * even Vary or Allow-Credentials) and leaves OPTIONS to the next handler; when it admits, the
 * request is answered as for that origin. Hono adds its other headers either way (the model's default).
 */
const CALLBACK_REFUSAL_SENDS_NOTHING = new Set<MiddlewareSite['framework']>(['express-cors', 'nestjs', 'koa-cors']);

function callbackProgram(policy: CorsPolicy, condition: Cond): HeaderProgram {
  const plain = { ...policy, headerProgram: undefined };
  return {
    run(request) {
      const admitted = decide(condition, request.origin);
      if (admitted === true) return respond(plain, request);
      if (admitted === false) return { status: request.preflight ? undefined : (request.appStatus ?? 200), headers: [], uncertain: false, shortCircuit: false };
      // The callback's decision is unknown: the whole answer is.
      return { ...respond(plain, request), uncertain: true, unknownHeaders: undefined };
    },
  };
}

function triOf(value: JsValue): Tri {
  return value.kind === 'boolean' ? value.value : 'unknown';
}

/**
 * The credentials option as the package reads it. A string (`'true'`, `'false'`, an environment variable's
 * `|| 'false'` fallback) is never `=== true` in Express cors, but is truthy in @koa/cors, @fastify/cors and Hono
 * unless empty; an environment variable alone is a string or undefined, never `true`.
 */
function credentialsTri(value: JsValue, profile: FrameworkProfile): Tri {
  if (value.kind === 'boolean') return value.value;
  if (profile.credentialsOption === 'strict' && (value.kind === 'string' || (value.kind === 'unknown' && value.reason === 'environment variable'))) return false;
  if (profile.credentialsOption === 'truthy' && value.kind === 'string') return value.value !== '';
  return 'unknown';
}

function originMatchers(value: JsValue | undefined, framework: MiddlewareSite['framework'], anchorLoc: Loc, parsed: ParsedJs): { matchers: OriginMatcher[]; mode: CorsPolicy['originMode'] } {
  const file = parsed.file;
  if (!value) return { matchers: [{ kind: 'any', loc: anchorLoc }], mode: 'compare' };
  const loc = locOf(value.node, file);
  const fixedString = framework !== 'hono-cors';
  if (framework === 'elysia-cors') return { matchers: elysiaOrigins(value, file), mode: 'compare' };
  switch (value.kind) {
    case 'string':
      if (value.value === '*') return { matchers: [{ kind: 'any', loc, ...(value.why ? { why: value.why } : {}) }], mode: 'compare' };
      return { matchers: [{ kind: 'exact', value: value.value, loc }], mode: fixedString ? 'fixed' : 'compare' };
    case 'boolean':
      return { matchers: [{ kind: 'reflect', loc, ...(value.why ? { why: value.why } : {}) }], mode: 'compare' };
    case 'regex':
      if (framework === 'koa-cors' || framework === 'hono-cors') return { matchers: [{ kind: 'unknown', reason: 'unsupported origin type', loc }], mode: 'compare' };
      return { matchers: [{ kind: 'pattern', source: value.pattern, flags: value.flags, dialect: 'js-search', loc }], mode: 'compare' };
    case 'array': {
      if (framework === 'koa-cors') return { matchers: [{ kind: 'unknown', reason: '@koa/cors takes no array', loc }], mode: 'compare' };
      const matchers: OriginMatcher[] = [];
      const listId = `${file}:${value.node.start}`;
      for (const item of value.items) {
        const itemLoc = locOf(item.node, file);
        const why = item.kind === 'string' && item.why ? { why: item.why } : {};
        if (item.kind === 'string') matchers.push(item.value === '*' && framework === 'fastify-cors' ? { kind: 'any', loc: itemLoc, ...why } : { kind: 'exact', value: item.value, loc: itemLoc, listId, ...why });
        else if (item.kind === 'regex' && framework !== 'hono-cors') matchers.push({ kind: 'pattern', source: item.pattern, flags: item.flags, dialect: 'js-search', loc: itemLoc });
        else matchers.push({ kind: 'unknown', reason: item.kind === 'unknown' ? item.reason : 'unsupported entry', loc: itemLoc, ...(item.kind === 'unknown' && item.template ? { template: item.template } : {}) });
      }
      if (framework === 'fastify-cors' && matchers.some((m) => m.kind === 'any')) return { matchers: matchers.filter((m) => m.kind === 'any').slice(0, 1), mode: 'compare' };
      return { matchers, mode: 'compare' };
    }
    case 'function':
      return { matchers: callbackMatchers(value.node, framework, loc, parsed), mode: 'compare' };
    default:
      return { matchers: [{ kind: 'unknown', reason: value.kind === 'unknown' ? value.reason : 'unsupported origin value', loc, ...(value.kind === 'unknown' && value.template ? { template: value.template } : {}) }], mode: 'compare' };
  }
}

/** @elysiajs/cors origins: `true` reflects, `'*'` allows all, a full origin is compared, a bare host matches it under any scheme, a RegExp is tested against the Origin. */
function elysiaOrigins(value: JsValue, file: string): OriginMatcher[] {
  const items = value.kind === 'array' ? value.items : [value];
  const listId = `${file}:${value.node.start}`;
  if (items.some((item) => item.kind === 'string' && item.value === '*')) {
    const star = items.find((item) => item.kind === 'string' && item.value === '*')!;
    return [{ kind: 'any', loc: locOf(star.node, file) }];
  }
  return items.map((item): OriginMatcher => {
    const loc = locOf(item.node, file);
    if (item.kind === 'boolean' && item.value && value.kind !== 'array') return { kind: 'reflect', loc };
    if (item.kind === 'regex') return { kind: 'pattern', source: item.pattern, flags: item.flags, dialect: 'js-search', loc };
    if (item.kind !== 'string') return { kind: 'unknown', reason: item.kind === 'unknown' ? item.reason : 'decided at run time', loc };
    if (item.value.includes('://')) return { kind: 'exact', value: item.value, loc, listId };
    // Compared with the request's Origin after its '://': any scheme gets in.
    return { kind: 'pattern', source: `^[a-z][a-z0-9+.-]*://${escapeRegex(item.value)}$`, flags: '', dialect: 'js-search', loc, code: `'${item.value.slice(0, 80)}'`, samples: [`https://${item.value}`] };
  });
}

/**
 * What an origin callback checks. Only two shapes are turned into a decision: one that always
 * allows (reflect), and `list.includes(origin)` against a list written in this file (an exact
 * allowlist). Everything else is a predicate the rules do not judge.
 */
function callbackMatchers(fn: Node, framework: MiddlewareSite['framework'], loc: Loc, parsed: ParsedJs): OriginMatcher[] {
  if (fn.type !== 'FunctionExpression' && fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionDeclaration' && fn.type !== 'ObjectMethod') {
    return [{ kind: 'unknown', reason: 'callback', loc }];
  }
  const param = fn.params[0]?.type === 'Identifier' ? fn.params[0].name : undefined;
  const callbackName = fn.params[1]?.type === 'Identifier' ? fn.params[1].name : undefined;
  const body = fn.body;
  // A callback written in an options module the app imports reads that module's names (its own allowlist), not the app's.
  const home = fileOfNode(fn);
  const homeBindings = home && home !== parsed.file ? parsed.bindings.bindingsOf?.(home) : undefined;
  const homeText = home && homeBindings ? parsed.bindings.textOf?.(home) : undefined;
  const own = homeBindings && homeText !== undefined ? { bindings: homeBindings, file: home!, text: homeText } : { bindings: parsed.bindings, file: parsed.file, text: parsed.text };
  if (framework === 'koa-cors' && param) {
    const routed = routeChosenOrigins(body, param, parsed);
    if (routed) return routed;
  }
  // The whole callback read as a condition on the origin: decided per origin, and as matchers when it is an OR of tests.
  const style: CallbackStyle | undefined =
    framework === 'express-cors' || framework === 'nestjs' || (framework === 'fastify-cors' && callbackName)
      ? callbackName
        ? { kind: 'node-callback', callback: callbackName }
        : undefined
      : framework === 'fastify-cors'
        ? { kind: 'return-boolean' }
        : { kind: 'return-origin', firstParamIsOrigin: framework !== 'koa-cors' };
  if (style) {
    // Hono hands the context second: a test on `c.req.path` is one the requester answers by the URL it asks for.
    const context = framework === 'hono-cors' && fn.params[1]?.type === 'Identifier' ? fn.params[1].name : undefined;
    const scope: OriginScope = {
      isOrigin: (node) => isRequestOrigin(node, new Set()),
      bindings: own.bindings,
      file: own.file,
      text: own.text,
      ...(context ? { requestChosen: (node: Node) => routeOnlyTest(node, (part) => isHonoRoutePart(part, context)) } : {}),
    };
    const condition = callbackCondition(fn, style, scope);
    const matchers = condition ? conditionMatchers(condition, loc) : undefined;
    if (matchers) {
      callbackConditions.set(matchers, condition!);
      return matchers;
    }
  }
  const checks: PredicateCheck[] = [];
  const allowlists: OriginMatcher[] = [];
  let understood = true;
  const visit = (node: Node) => {
    if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && node.callee.property.type === 'Identifier') {
      const method = node.callee.property.name;
      const arg = node.arguments[0];
      const argIsOrigin = arg?.type === 'Identifier' && arg.name === param;
      const objectIsOrigin = node.callee.object.type === 'Identifier' && node.callee.object.name === param;
      if ((method === 'includes' || method === 'indexOf') && argIsOrigin) {
        checks.push({ method, loc: locOf(node, parsed.file) });
        const list = evaluate(node.callee.object as Node, own.bindings);
        if (list.kind === 'array' && list.items.every((item) => item.kind === 'string')) {
          for (const item of list.items) allowlists.push({ kind: 'exact', value: (item as { value: string }).value, loc: locOf(item.node, parsed.file), listId: `${parsed.file}:${list.node.start}` });
        } else understood = false;
      } else if (objectIsOrigin && ['endsWith', 'startsWith', 'includes', 'match', 'indexOf'].includes(method)) {
        const argument = arg?.type === 'StringLiteral' ? arg.value : undefined;
        checks.push({ method, argument, loc: locOf(node, parsed.file) });
        understood = false;
      } else if (method === 'test' && argIsOrigin) {
        checks.push({ method: 'regex-test', loc: locOf(node, parsed.file) });
        understood = false;
      }
    }
    // `list.indexOf(origin) !== 1`: a position other than -1 (absent) or 0 is no membership test.
    if (node.type === 'BinaryExpression' && node.left.type === 'CallExpression' && node.left.callee.type === 'MemberExpression' && node.left.callee.property.type === 'Identifier' && node.left.callee.property.name === 'indexOf') {
      const right = node.right;
      const number = right.type === 'NumericLiteral' ? right.value : right.type === 'UnaryExpression' && right.operator === '-' && right.argument.type === 'NumericLiteral' ? -right.argument.value : undefined;
      if (number !== -1 && number !== 0) understood = false;
    }
    if (node.type === 'BinaryExpression' && (node.operator === '===' || node.operator === '==')) {
      if ((node.left.type === 'Identifier' && node.left.name === param) || (node.right.type === 'Identifier' && node.right.name === param)) {
        checks.push({ method: 'equals', loc: locOf(node, parsed.file) });
        understood = false;
      }
    }
  };
  walkShallow(body, visit);
  const alwaysAllows = allowsUnconditionally(body, param, callbackName, framework);
  if (alwaysAllows) return [{ kind: 'reflect', loc }];
  if (understood && allowlists.length > 0 && checks.every((check) => check.method === 'includes' || check.method === 'indexOf')) return allowlists;
  return [{ kind: 'predicate', checks, loc }];
}

/** `ctx.url`, `ctx.path`, `ctx.originalUrl`, `ctx.request.url`, `ctx.request.path`: where the request goes, not who sends it. */
function isRoutePart(node: Node, ctx: string): boolean {
  if (node.type !== 'MemberExpression' || node.computed || node.property.type !== 'Identifier' || !['url', 'path', 'originalUrl'].includes(node.property.name)) return false;
  const owner = node.object;
  if (owner.type === 'Identifier') return owner.name === ctx;
  return owner.type === 'MemberExpression' && !owner.computed && owner.object.type === 'Identifier' && owner.object.name === ctx && owner.property.type === 'Identifier' && owner.property.name === 'request';
}

/** Hono's `c.req.path`, `c.req.url`, `c.req.routePath`: where the request goes, not who sends it. */
function isHonoRoutePart(node: Node, c: string): boolean {
  if (node.type !== 'MemberExpression' || node.computed || node.property.type !== 'Identifier' || !['path', 'url', 'routePath'].includes(node.property.name)) return false;
  const req = node.object;
  return req.type === 'MemberExpression' && !req.computed && req.object.type === 'Identifier' && req.object.name === c && req.property.type === 'Identifier' && req.property.name === 'req';
}

/**
 * A test on the request's path only: `ctx.url === '/test'`, `ctx.path.startsWith('/app/')`, `/^\/api/.test(ctx.path)`,
 * and `!`, `&&`, `||` of them. `ctx` names Koa's context, or `isPart` says what a path is.
 */
function routeOnlyTest(test: Node, ctx: string | ((node: Node) => boolean)): boolean {
  const isPart = typeof ctx === 'string' ? (node: Node) => isRoutePart(node, ctx) : ctx;
  if (test.type === 'UnaryExpression' && test.operator === '!') return routeOnlyTest(test.argument, isPart);
  if (test.type === 'LogicalExpression') return routeOnlyTest(test.left, isPart) && routeOnlyTest(test.right, isPart);
  const constant = (node: Node) => node.type === 'StringLiteral' || node.type === 'RegExpLiteral';
  if (test.type === 'BinaryExpression' && ['===', '==', '!==', '!='].includes(test.operator)) {
    return (isPart(test.left as Node) && constant(test.right)) || (isPart(test.right) && constant(test.left as Node));
  }
  if (test.type === 'CallExpression' && test.callee.type === 'MemberExpression' && test.callee.property.type === 'Identifier') {
    const args = test.arguments as Node[];
    if (['startsWith', 'endsWith', 'includes', 'match'].includes(test.callee.property.name)) return isPart(test.callee.object) && args.length === 1 && constant(args[0]);
    if (test.callee.property.name === 'test') return test.callee.object.type === 'RegExpLiteral' && args.length === 1 && isPart(args[0]);
  }
  return false;
}

/**
 * A Koa origin function that picks its answer by route only, as koa2-cors's README shows
 * (`if (ctx.url === '/test') return false; return '*';`): every string it returns is the
 * Allow-Origin of some route, whoever asks. When one of them is `*`, the routes that get it are
 * judged (any origin, and what the profile makes of `*` with credentials). Undefined when the
 * function reads anything else (the Origin, configuration, a call), returns anything but a
 * literal, or never returns `*`.
 */
function routeChosenOrigins(body: Node, ctx: string, parsed: ParsedJs): OriginMatcher[] | undefined {
  const answers: OriginMatcher[] = [];
  const statement = (node: Node): boolean => {
    if (node.type === 'BlockStatement') return node.body.every((child) => statement(child));
    if (node.type === 'IfStatement') return routeOnlyTest(node.test, ctx) && statement(node.consequent) && (!node.alternate || statement(node.alternate));
    if (node.type === 'ExpressionStatement') {
      // Logging only (`console.info(ctx.url)`).
      const call = node.expression;
      return call.type === 'CallExpression' && call.callee.type === 'MemberExpression' && call.callee.object.type === 'Identifier' && call.callee.object.name === 'console';
    }
    if (node.type !== 'ReturnStatement') return false;
    const value = node.argument;
    if (!value || value.type === 'NullLiteral' || (value.type === 'BooleanLiteral' && !value.value) || (value.type === 'Identifier' && value.name === 'undefined')) return true;
    if (value.type !== 'StringLiteral') return false;
    if (value.value === '') return true;
    const loc = locOf(value, parsed.file);
    answers.push(value.value === '*' ? { kind: 'any', loc } : { kind: 'exact', value: value.value, loc });
    return true;
  };
  const complete = body.type === 'BlockStatement' ? statement(body) : statement({ type: 'ReturnStatement', argument: body } as Node);
  // The routes answered `*` are the question (an entry list would read `*` as one more allowed origin).
  const wildcard = answers.find((answer) => answer.kind === 'any');
  return complete && wildcard ? [wildcard] : undefined;
}

/** `(origin, cb) => cb(null, true)`, `(o, cb) => cb(null, o)`, `(origin) => origin` (Hono), `ctx => ctx.get('Origin')` (Koa). */
function allowsUnconditionally(body: Node, param: string | undefined, callbackName: string | undefined, framework: MiddlewareSite['framework']): boolean {
  let expression: Node | undefined;
  if (body.type === 'BlockStatement') {
    if (body.body.length !== 1) return false;
    const only = body.body[0];
    if (only.type === 'ExpressionStatement') expression = only.expression;
    else if (only.type === 'ReturnStatement' && only.argument) expression = only.argument;
  } else {
    expression = body;
  }
  if (!expression) return false;
  if (expression.type === 'CallExpression' && expression.callee.type === 'Identifier' && expression.callee.name === callbackName) {
    const granted = expression.arguments[1];
    return (granted?.type === 'BooleanLiteral' && granted.value) || (granted?.type === 'Identifier' && granted.name === param);
  }
  if (framework === 'hono-cors' && expression.type === 'Identifier' && expression.name === param) return true;
  if (framework === 'koa-cors' && expression.type === 'CallExpression' && expression.callee.type === 'MemberExpression') {
    const arg = expression.arguments[0];
    return expression.callee.property.type === 'Identifier' && expression.callee.property.name === 'get' && arg?.type === 'StringLiteral' && arg.value.toLowerCase() === 'origin';
  }
  return false;
}

/**
 * The cors package's per-request form, `cors((req, callback) => callback(null, options))`: the options the one
 * callback call hands over, when that call is a plain statement of the delegate's body (no branch decides it)
 * and its object is written there (inline, or a `const` of the body). An origin taken from the request is
 * the request's own value: `origin: req.header('Origin')` sends the Origin back as `origin: true` does, and
 * `origin: req.query.origin` sends whatever the caller names. Undefined for any other shape.
 */
function delegateOptions(site: MiddlewareSite, parsed: ParsedJs): JsValue | undefined {
  if (site.framework !== 'express-cors' || !site.options) return undefined;
  let fn: Node | undefined = site.options;
  // A delegate written in another module of the repository reads that module's names (its own allowlist).
  let home = parsed.bindings;
  if (fn.type === 'Identifier') {
    const bound = parsed.bindings.values.get(fn.name);
    const imported = bound ? undefined : parsed.bindings.imports.has(fn.name) ? evaluate(fn, parsed.bindings) : undefined;
    const file = imported?.kind === 'function' ? fileOfNode(imported.node) : undefined;
    const bindings = file && file !== parsed.file ? parsed.bindings.bindingsOf?.(file) : undefined;
    if (imported?.kind === 'function' && bindings) home = bindings;
    fn = bound ?? (imported?.kind === 'function' && bindings ? imported.node : undefined);
  }
  if (!fn || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression' && fn.type !== 'FunctionDeclaration')) return undefined;
  const [req, callback] = fn.params;
  if (req?.type !== 'Identifier' || callback?.type !== 'Identifier') return undefined;
  const branching = branchingDelegateOptions(fn.body, req.name, callback.name, home);
  if (branching) return branching;
  const call = soleCallbackCall(fn.body, callback.name);
  const statements = fn.body.type === 'BlockStatement' ? fn.body.body : [];
  const given = call?.arguments[1];
  if (!given || given.type === 'SpreadElement' || given.type === 'ArgumentPlaceholder') return undefined;
  let literal: Node | undefined = given.type === 'ObjectExpression' ? given : undefined;
  if (given.type === 'Identifier') {
    const declarations = statements.flatMap((statement) => (statement.type === 'VariableDeclaration' && statement.kind === 'const' ? statement.declarations : [])).filter((d) => d.id.type === 'Identifier' && d.id.name === given.name);
    if (declarations.length === 1 && declarations[0].init?.type === 'ObjectExpression') literal = declarations[0].init;
  }
  if (!literal) return undefined;
  const value = evaluate(literal, home);
  if (value.kind !== 'object') return undefined;
  const origin = value.properties.get('origin');
  const originNode = origin && origin.kind === 'unknown' ? origin.node : undefined;
  if (originNode) {
    const input = requestInput(originNode, new Map(), new Set([req.name]));
    if (input || isRequestOrigin(originNode, new Set())) {
      value.properties.set('origin', { kind: 'boolean', value: true, node: originNode, ...(input ? { why: `the value is copied from ${input}, which the caller chooses` } : {}) });
    }
  }
  return value;
}

/**
 * The cors README's branching delegate: `if (list.indexOf(req.header('Origin')) !== -1) opts = { origin: true, … }
 * else opts = { origin: false }; callback(null, opts)` (or `includes`, or a callback call in each branch). The cors
 * package sends no CORS header when the options say `origin: false`, and echoes the Origin for `origin: true`, so
 * the policy is the listed branch's options with the list as the origin allowlist. An unlisted Origin must get
 * `origin: false` (an else branch, or the variable's initial value): a missing else with no initial value hands
 * cors undefined options, whose default is `*` for everyone else, and stays unknown. Undefined for any other shape.
 */
function branchingDelegateOptions(body: Node, req: string, callback: string, bindings: Bindings): JsValue | undefined {
  if (body.type !== 'BlockStatement') return undefined;
  const statements = body.body;
  const ifs = statements.filter((statement) => statement.type === 'IfStatement');
  if (ifs.length !== 1 || ifs[0].type !== 'IfStatement') return undefined;
  const branch = ifs[0];
  const listNode = listedOriginTest(branch.test, req);
  if (!listNode) return undefined;
  const list = evaluate(listNode, bindings);
  if (list.kind !== 'array' || list.items.length === 0 || !list.items.every((item) => item.kind === 'string')) return undefined;
  // Each branch is one statement: `name = {…}` or `callback(null, {…})`.
  type Handed = { name: string; value: Node } | { call: Node };
  const handed = (statement: Node | null | undefined): Handed | undefined => {
    if (!statement) return undefined;
    if (statement.type === 'BlockStatement') return statement.body.length === 1 ? handed(statement.body[0]) : undefined;
    if (statement.type === 'ReturnStatement') return statement.argument ? handed({ type: 'ExpressionStatement', expression: statement.argument } as Node) : undefined;
    if (statement.type !== 'ExpressionStatement') return undefined;
    const expression = statement.expression;
    if (expression.type === 'AssignmentExpression' && expression.operator === '=' && expression.left.type === 'Identifier') return { name: expression.left.name, value: expression.right };
    if (expression.type === 'CallExpression' && expression.callee.type === 'Identifier' && expression.callee.name === callback && expression.arguments.length === 2 && expression.arguments[0].type === 'NullLiteral') return { call: expression.arguments[1] };
    return undefined;
  };
  const listed = handed(branch.consequent);
  if (!listed) return undefined;
  const others = branch.alternate ? handed(branch.alternate) : undefined;
  if (branch.alternate && !others) return undefined;
  let listedNode: Node;
  let othersNode: Node | undefined;
  const rest = statements.filter((statement) => statement !== branch);
  if ('call' in listed) {
    // A callback call in each branch, and nothing else in the body.
    if (!others || !('call' in others) || rest.length !== 0) return undefined;
    listedNode = listed.call;
    othersNode = others.call;
  } else {
    // `var opts [= {…}]; if (…) opts = {…} [else opts = {…}]; callback(null, opts)`, nothing else.
    const name = listed.name;
    if (others && ('call' in others || others.name !== name)) return undefined;
    if (rest.length !== 2) return undefined;
    const [declaration, last] = rest;
    if (declaration.type !== 'VariableDeclaration' || declaration.declarations.length !== 1 || statements.indexOf(declaration) > statements.indexOf(branch)) return undefined;
    const declarator = declaration.declarations[0];
    if (declarator.id.type !== 'Identifier' || declarator.id.name !== name) return undefined;
    const finalCall = last.type === 'ExpressionStatement' ? last.expression : last.type === 'ReturnStatement' ? last.argument : undefined;
    if (!finalCall || statements.indexOf(last) < statements.indexOf(branch) || finalCall.type !== 'CallExpression' || finalCall.callee.type !== 'Identifier' || finalCall.callee.name !== callback || finalCall.arguments.length !== 2 || finalCall.arguments[0].type !== 'NullLiteral') return undefined;
    const passed = finalCall.arguments[1];
    if (passed.type !== 'Identifier' || passed.name !== name) return undefined;
    listedNode = listed.value;
    othersNode = others ? others.value : (declarator.init ?? undefined);
  }
  // Everyone else gets no CORS header: options whose origin is false.
  if (!othersNode || othersNode.type !== 'ObjectExpression') return undefined;
  const otherValue = evaluate(othersNode, bindings);
  const otherOrigin = otherValue.kind === 'object' ? otherValue.properties.get('origin') : undefined;
  if (otherOrigin?.kind !== 'boolean' || otherOrigin.value !== false) return undefined;
  if (listedNode.type !== 'ObjectExpression') return undefined;
  const value = evaluate(listedNode, bindings);
  if (value.kind !== 'object') return undefined;
  const origin = value.properties.get('origin');
  const echoes = origin?.kind === 'boolean' ? origin.value : origin?.kind === 'unknown' && isRequestOrigin(origin.node, new Set());
  if (!echoes) return undefined;
  value.properties.set('origin', list);
  return value;
}

/** The list node of `list.indexOf(<request Origin>) !== -1` (also `!= -1`, `> -1`, `>= 0`) or `list.includes(<request Origin>)`. */
function listedOriginTest(test: Node, req: string): Node | undefined {
  const isOrigin = (node: Node | undefined): boolean => node !== undefined && node.type !== 'LogicalExpression' && isRequestOrigin(node, new Set()) && mentionsName(node, req);
  const member = (node: Node, method: string): Node | undefined => {
    if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.computed || node.callee.property.type !== 'Identifier' || node.callee.property.name !== method) return undefined;
    if (node.arguments.length !== 1 || !isOrigin(node.arguments[0] as Node)) return undefined;
    return node.callee.object;
  };
  if (test.type === 'CallExpression') return member(test, 'includes');
  if (test.type !== 'BinaryExpression' || test.left.type === 'PrivateName') return undefined;
  const number = (node: Node): number | undefined => node.type === 'NumericLiteral' ? node.value : node.type === 'UnaryExpression' && node.operator === '-' && node.argument.type === 'NumericLiteral' ? -node.argument.value : undefined;
  const bound = number(test.right);
  const ok = (['!==', '!='].includes(test.operator) && bound === -1) || (test.operator === '>' && bound === -1) || (test.operator === '>=' && bound === 0);
  return ok ? member(test.left, 'indexOf') : undefined;
}

function mentionsName(root: Node, name: string): boolean {
  let found = false;
  walkShallow(root, (node) => {
    if (node.type === 'Identifier' && node.name === name) found = true;
  });
  return found;
}

/**
 * The one call of `callback` in a delegate's body when it is a statement of that body (the expression body, an
 * expression statement, or a `return` of it: no branch decides it) and the body names `callback` nowhere else
 * (handed on or stored, who calls it is not this body's to say); undefined otherwise.
 */
function soleCallbackCall(body: Node, callback: string): CallExpression | undefined {
  const calls: CallExpression[] = [];
  let mentions = 0;
  walkShallow(body, (node) => {
    if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === callback) calls.push(node);
    if (node.type === 'Identifier' && node.name === callback) mentions++;
  });
  if (calls.length !== 1 || mentions !== 1) return undefined;
  const [call] = calls;
  const statements = body.type === 'BlockStatement' ? body.body : [];
  const direct = body === call || statements.some((statement) => (statement.type === 'ExpressionStatement' && statement.expression === call) || (statement.type === 'ReturnStatement' && statement.argument === call));
  return direct ? call : undefined;
}

function walkShallow(root: Node, visit: (node: Node) => void): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    for (const [key, value] of Object.entries(node)) {
      if (key === 'loc' || key.endsWith('Comments')) continue;
      if (Array.isArray(value)) for (const child of value) child && typeof child.type === 'string' && stack.push(child);
      else if (value && typeof (value as Node).type === 'string') stack.push(value as Node);
    }
  }
}

function preflightHandling(site: MiddlewareSite, allSites: MiddlewareSite[], parsed: ParsedJs, option: ((name: string) => JsValue | undefined) | undefined): CorsPolicy['preflight'] {
  if (!option) return { kind: 'unknown' };
  const profile = PROFILES[site.framework];
  const continueValue = option('preflightContinue');
  if (continueValue && continueValue.kind !== 'boolean') return { kind: 'unknown' };
  if (continueValue?.kind === 'boolean' && continueValue.value) return { kind: 'passthrough', loc: locOf(continueValue.node, parsed.file) };
  const preflightOption = option('preflight');
  if (preflightOption?.kind === 'boolean' && !preflightOption.value) return { kind: 'unhandled', status: 404, loc: locOf(preflightOption.node, parsed.file) };
  const statusValue = option('optionsSuccessStatus');
  const status = statusValue?.kind === 'number' ? statusValue.value : statusValue ? undefined : profile.preflight.status;
  if (status === undefined) return { kind: 'unknown' };
  if (site.mount.kind !== 'route' || profile.routeLevelHandlesOptions || site.mount.method === 'OPTIONS') return { kind: 'handled', status };
  // Express: a route-level cors() never sees OPTIONS; something else must answer it (semantics §1).
  const path = site.mount.path;
  const index = optionsAnswerers(allSites, parsed);
  const group = index.groups.get(groupKey(site));
  const covered =
    !!group &&
    (group.uses.some((other) => {
      layerCoverChecks.count++;
      return other !== site && (!other.mount.path || (path !== undefined && path.startsWith(other.mount.path)));
    }) ||
      group.wildcardOptions.some((other) => other !== site) ||
      (group.optionsByPath.get(path) ?? []).some((other) => other !== site));
  if (covered) return { kind: 'handled', status };
  const otherOptionsHandler = index.otherOptionsHandler;
  if (otherOptionsHandler || path === undefined || path === '(computed path)') return { kind: 'unknown' };
  // Express's router answers OPTIONS itself with 200 and an Allow header, without CORS headers.
  return { kind: 'unhandled', status: 200 };
}

/** How many "does this handler answer that route's OPTIONS" tests ran (a regression test bounds it: once per pair of sites made 3,200 routes take seconds). */
export const layerCoverChecks = { count: 0 };

const WILDCARD_OPTIONS_PATHS = new Set(['*', '/*', '/*splat', '/{*splat}', '(.*)', '/(.*)']);

interface OptionsAnswerers {
  /** By framework and app/router label: the app-level uses, OPTIONS routes on every path, and OPTIONS routes by path, in source order. */
  groups: Map<string, AnswererGroup<MiddlewareSite>>;
  /** An `x.options(…)` call that is no CORS site of this file (a hand-written OPTIONS handler may answer). */
  otherOptionsHandler: boolean;
}

const answerersOf = new WeakMap<MiddlewareSite[], OptionsAnswerers>();

function groupKey(site: MiddlewareSite): string {
  return `${site.framework}\0${site.mount.label}`;
}

/**
 * The options a per-request options function hands over when it always hands the same ones (the cors package's own
 * form is delegateOptions'): Nest's enableCors((req, callback) => callback(null, { … })), which it hands to the cors
 * package; @fastify/cors's `{ delegator: (req, cb) => … }`
 * or options function, which Fastify first calls with the instance (`register(cors, () => (req, cb) => cb(null, { … }))`),
 * its delegator taking a callback, or one request argument and resolving a promise (an async function). Only when
 * the delegator's body calls its callback once, as a statement of its own body (not under a test), or returns one
 * object: a choice per request stays unknown, as before. Any other value is returned unchanged; an options object with
 * a `delegator` @fastify/cors does not read (the delegator unread) is unknown, not the defaults.
 */
function delegatedOptions(options: JsValue, framework: MiddlewareSite['framework'], parsed: ParsedJs): JsValue {
  const unknown: JsValue = { kind: 'unknown', reason: 'options chosen per request', node: options.node };
  let delegator: Node | undefined;
  if (framework === 'fastify-cors' && options.kind === 'object' && options.properties.has('delegator')) {
    const value = options.properties.get('delegator')!;
    delegator = value.kind === 'function' ? value.node : undefined;
  } else if (framework === 'fastify-cors' && options.kind === 'function') {
    const returned = returnedExpression(options.node);
    const inner = returned ? evaluate(returned, parsed.bindings) : undefined;
    delegator = inner?.kind === 'function' ? inner.node : undefined;
  } else if (framework === 'nestjs' && options.kind === 'function') delegator = options.node;
  else return options;
  if (!delegator || !('params' in delegator) || !('body' in delegator)) return unknown;
  const params = delegator.params;
  const body = delegator.body as Node;
  let handed: Node | undefined;
  if (params.length === 2 && params[1].type === 'Identifier') {
    // `(req, cb) => cb(null, { … })` or a body with one statement-level `cb(null, { … })` and no other use of cb.
    const call = soleCallbackCall(body, params[1].name);
    if (call?.arguments.length === 2 && call.arguments[0].type === 'NullLiteral') handed = call.arguments[1] as Node;
  } else if (params.length <= 1 && framework === 'fastify-cors' && 'async' in delegator && delegator.async) handed = returnedExpression(delegator);
  const value = handed ? evaluate(handed, parsed.bindings) : undefined;
  return value?.kind === 'object' ? value : unknown;
}

/** Built once per list of sites, so each route-level site looks up its answerers instead of testing every other site. */
function optionsAnswerers(allSites: MiddlewareSite[], parsed: ParsedJs): OptionsAnswerers {
  const known = answerersOf.get(allSites);
  if (known) return known;
  const groups: OptionsAnswerers['groups'] = new Map();
  for (const site of allSites) {
    const group = () => {
      let found = groups.get(groupKey(site));
      if (!found) groups.set(groupKey(site), (found = newAnswererGroup()));
      return found;
    };
    fileAnswerer(group, site, site.mount, WILDCARD_OPTIONS_PATHS);
  }
  const routeCalls = new Set(allSites.map((site) => site.mount.routeCall).filter((call) => call !== undefined));
  const otherOptionsHandler = parsed.calls.some(
    (call) => call.callee.type === 'MemberExpression' && call.callee.property.type === 'Identifier' && call.callee.property.name === 'options' && !routeCalls.has(call),
  );
  const built = { groups, otherOptionsHandler };
  answerersOf.set(allSites, built);
  return built;
}

export type { Bindings };
