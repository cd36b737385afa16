import type { CallExpression, Identifier, MemberExpression, Node } from '@babel/types';
import type { CorsPolicy, CorsRequest, CorsResponse, ResponseHeader } from '../../model/types.js';
import { answerOf, overLayers } from '../../model/layer-overlay.js';
import type { ParsedJs } from './extract.js';
import type { MiddlewareSite } from './middleware.js';

/**
 * Express runs its handlers in registration order, and the first one that answers ends the
 * request. For CORS that decides who answers a preflight: a global `app.use(cors(a))` answers every
 * OPTIONS itself (so a later `app.options('/{*splat}', cors(b))` never runs), and a route-level
 * `app.put('/cart', cors(a), h)` never sees OPTIONS, which `app.options('*', cors(b))` answers with
 * b's headers. `app.options(path, cors())` answers only OPTIONS: GET /path gets nothing from it.
 * This pass wires each policy's preflight to the handler that really answers it (semantics §1).
 * Hono's cors() does the same (it returns its 204 before `next()`), so its layers are wired too.
 */
const WILDCARD_PATHS = new Set(['*', '/*', '/*splat', '/{*splat}', '{*splat}', '(.*)', '/(.*)', '/:path*', '/{*path}']);

interface Layer {
  site: MiddlewareSite;
  policy: CorsPolicy;
  start: number;
  scope: Node | undefined;
  call: Node;
  /** The layers of one app or router, whatever registered them: `${framework}\0${app}` (Nest's cors is Express cors on its Express app). */
  key: string;
  /** The name of the app or router object it is registered on. */
  app: string;
}

/**
 * Registered in the two branches of one `if` (`if (dev) app.use(cors(a)) else app.use(cors(b))`):
 * only one of them is ever in the stack, so neither answers the other's requests.
 */
function exclusive(a: Node, b: Node, parsed: ParsedJs): boolean {
  const within = (node: Node, outer: Node | null | undefined) => !!outer && (node.start ?? 0) >= (outer.start ?? 0) && (node.end ?? 0) <= (outer.end ?? 0);
  for (let parent = parsed.parents.get(a); parent; parent = parsed.parents.get(parent)) {
    if (parent.type !== 'IfStatement' && parent.type !== 'ConditionalExpression') continue;
    if ((within(a, parent.consequent) && within(b, parent.alternate)) || (within(a, parent.alternate) && within(b, parent.consequent))) return true;
  }
  return false;
}

/**
 * `later` is registered under a condition (`if (prod) app.use(cors(b))`, `flag && app.use(…)`) that `earlier` is not
 * under: on the runs where it does not hold, `earlier` answers alone.
 */
function conditionalApart(later: Node, earlier: Node, parsed: ParsedJs): boolean {
  const within = (node: Node, outer: Node) => (node.start ?? 0) >= (outer.start ?? 0) && (node.end ?? 0) <= (outer.end ?? 0);
  for (let parent = parsed.parents.get(later); parent && !/Function|Program/.test(parent.type); parent = parsed.parents.get(parent)) {
    if ((parent.type === 'IfStatement' || parent.type === 'ConditionalExpression' || parent.type === 'LogicalExpression' || parent.type === 'SwitchCase' || parent.type === 'TryStatement') && !within(earlier, parent)) return true;
  }
  return false;
}

/** The function (or the program) a node is written in. */
export function scopeOf(node: Node, parsed: ParsedJs): Node | undefined {
  for (let parent = parsed.parents.get(node); parent; parent = parsed.parents.get(parent)) if (/Function|Program/.test(parent.type)) return parent;
  return undefined;
}

/** Does an OPTIONS route on `optionsPath` match requests to `path` (undefined: every path)? */
function optionsCovers(optionsPath: string | undefined, path: string | undefined): boolean {
  if (optionsPath === undefined) return false;
  if (WILDCARD_PATHS.has(optionsPath)) return true;
  return path !== undefined && optionsPath === path;
}

/** Does middleware mounted at `mountPath` run for requests to `path` (undefined: every path)? */
function useCovers(mountPath: string | undefined, path: string | undefined): boolean {
  if (mountPath === undefined || mountPath === '/' || WILDCARD_PATHS.has(mountPath)) return true;
  // Hono mounts a subtree as `/api/*` (which also matches `/api`); Express as `/api`.
  const base = mountPath.endsWith('/*') ? mountPath.slice(0, -2) : mountPath;
  return path !== undefined && (path === base || path.startsWith(base.endsWith('/') ? base : `${base}/`));
}

/**
 * Frameworks whose cors() layers run in registration order and whose middleware answers OPTIONS
 * itself (Express cors with its default preflightContinue, Hono's cors, which returns its 204 before
 * `next()`): the first layer that covers a path answers every preflight to it.
 */
const ORDERED_LAYERS = new Set<MiddlewareSite['framework']>(['express-cors', 'hono-cors', 'nestjs']);

/** NestJS (Express adapter) registers `cors(options)` on its Express app: its layers are that app's Express layers. */
function layerKey(framework: MiddlewareSite['framework'], app: string): string {
  return `${framework === 'nestjs' ? 'express-cors' : framework}\0${app}`;
}

function isMethodCall(node: Node | null | undefined, method: string): node is CallExpression & { callee: MemberExpression & { property: Identifier } } {
  return node?.type === 'CallExpression' && node.callee.type === 'MemberExpression' && node.callee.property.type === 'Identifier' && node.callee.property.name === method;
}

/**
 * Where a Nest app's cors middleware joins its Express app, and under which name: `app.enableCors()` where it
 * is called; NestFactory.create()'s `cors` option in `app.init()` (which `app.listen()` runs), behind every
 * `app.use()` before that (NestApplication.init → applyOptions; checked with @nestjs/core 12.5). Undefined when
 * the app's name or its start is not in the same function.
 */
function nestRegistration(site: MiddlewareSite, parsed: ParsedJs): { call: Node; app: string; start?: number } | undefined {
  const call = site.factoryCall;
  if (isMethodCall(call, 'enableCors')) return { call, app: site.mount.label };
  if (!isMethodCall(call, 'create') || typeof call.start !== 'number') return undefined;
  let holder = parsed.parents.get(call);
  while (holder && (holder.type === 'AwaitExpression' || holder.type === 'TSAsExpression' || holder.type === 'ParenthesizedExpression')) holder = parsed.parents.get(holder);
  if (holder?.type !== 'VariableDeclarator' || holder.id.type !== 'Identifier') return undefined;
  const app = holder.id.name;
  const scope = scopeOf(call, parsed);
  const started = parsed.calls.find(
    (other) =>
      typeof other.start === 'number' &&
      other.start > call.start! &&
      (isMethodCall(other, 'listen') || isMethodCall(other, 'init')) &&
      other.callee.type === 'MemberExpression' &&
      other.callee.object.type === 'Identifier' &&
      other.callee.object.name === app &&
      scopeOf(other, parsed) === scope,
  );
  if (started) return { call: started, app };
  // No listen()/init() here (a `createApp()` helper returns the app, its caller listens): init() runs after this
  // function has returned, so after every use() it makes. Unless the app is handed to another function here,
  // which may start it.
  if (!scope || scope.type === 'Program' || typeof scope.end !== 'number') return undefined;
  const handedOver = parsed.calls.some((other) => scopeOf(other, parsed) === scope && other.arguments.some((argument) => argument.type === 'Identifier' && argument.name === app));
  return handedOver ? undefined : { call, app, start: scope.end };
}

const VARY = 'vary';

/**
 * What an actual (non-preflight) request gets from cors layers run one after the other on one response:
 * each sets its headers with `res.setHeader` (replacing a header of that name an earlier one set) and adds
 * to Vary (cors 2.8 `vary()`); checked with Express 5.3 + cors 2.8.6: `cors({origin: a, credentials: true})`
 * then `cors({origin: '*'})` sends `*`, Allow-Credentials: true and `Vary: Origin`. A header an earlier
 * layer may send unknowingly stays unknown unless a later one sets it.
 */
function overlay(responses: CorsResponse[]): CorsResponse {
  const own = responses[responses.length - 1];
  if (own.uncertain && !own.unknownHeaders) return own;
  const headers: ResponseHeader[] = [];
  const unknown = new Set<string>();
  for (const response of responses) {
    const names = new Set(response.headers.map((header) => header.name.toLowerCase()));
    for (const name of names) if (name !== VARY) unknown.delete(name);
    for (let i = headers.length - 1; i >= 0; i--) {
      const name = headers[i].name.toLowerCase();
      if (name !== VARY && names.has(name)) headers.splice(i, 1);
    }
    headers.push(...response.headers);
    if (response.uncertain) for (const name of response.unknownHeaders ?? CORS_RESPONSE_HEADERS) unknown.add(name);
  }
  return { ...own, headers, uncertain: unknown.size > 0, ...(unknown.size > 0 ? { unknownHeaders: [...unknown] } : { unknownHeaders: undefined }) };
}

/**
 * More app-level cors layers than this on one response is not an app anyone reviews by hand: its
 * actual answers are a bounded unknown (each request would run every earlier layer, so n layers
 * cost n² per request shape; fuzzer, js seed 9002 #3190: 2,000 of them).
 */
const MAX_OVERLAID = 8;

/** The app-level layers registered before `layer` that also run on its responses, in registration order (at most MAX_OVERLAID). */
function earlierUses(uses: readonly Layer[], layer: Layer, runsToo: (other: Layer) => boolean): { layers: Layer[]; tooMany: boolean } {
  const layers: Layer[] = [];
  for (let i = uses.length - 1; i >= 0; i--) {
    const other = uses[i];
    if (other === layer || other.start >= layer.start || !runsToo(other)) continue;
    if (layers.length === MAX_OVERLAID) return { layers: [], tooMany: true };
    layers.push(other);
  }
  return { layers: layers.reverse(), tooMany: false };
}

/**
 * The app-level layers registered after `layer` that run on every actual request it passes on (cors() calls
 * `next()` for every request but OPTIONS), in registration order: their headers go on top of its own. Nothing
 * on the same app between them may answer first, or some paths would see `layer` alone: a route
 * (`app.get('/x', h)`) or a mounted value that is not a call (a router, an auth middleware). Empty when more
 * than MAX_OVERLAID layers would run.
 */
function laterUses(uses: readonly Layer[], layer: Layer, runsToo: (other: Layer) => boolean, answersBetween: (from: number, to: number) => boolean): Layer[] {
  const layers: Layer[] = [];
  let from = layer.start;
  for (const other of uses) {
    if (other === layer || other.start <= layer.start || !runsToo(other)) continue;
    if (answersBetween(from, other.start)) break;
    if (layers.length === MAX_OVERLAID) return [];
    layers.push(other);
    from = other.start;
  }
  return layers;
}

const ROUTE_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'options', 'head', 'route']);

/**
 * Whether a call on the app object `app` (in `scope`) that starts between `from` and `to` may answer a request
 * itself: a route (two arguments or more, or `app.route(path)`), or a `use` of something other than a call
 * (`app.use(express.json())` passes requests on; `app.use(apiRouter)` or `app.use(requireAuth)` may not).
 */
function answersBetween(parsed: ParsedJs, app: string, scope: Node | undefined, from: number, to: number): boolean {
  for (const call of parsed.calls) {
    const start = call.start ?? -1;
    if (start <= from || start >= to) continue;
    const callee = call.callee;
    if (callee.type !== 'MemberExpression' || callee.object.type !== 'Identifier' || callee.object.name !== app || callee.property.type !== 'Identifier') continue;
    const verb = callee.property.name;
    if (scopeOf(call, parsed) !== scope) continue;
    if (ROUTE_VERBS.has(verb) && (verb === 'route' || call.arguments.length >= 2)) return true;
    if (verb === 'use' && call.arguments.some((arg, i) => !(i === 0 && arg.type === 'StringLiteral') && arg.type !== 'CallExpression')) return true;
  }
  return false;
}

/** The headers a cors layer may write on an actual response (what an earlier layer that is wholly unknown may have left). */
const CORS_RESPONSE_HEADERS = ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers', VARY];


const NO_ANSWER = (request: CorsRequest): CorsResponse => ({ status: request.appStatus ?? 200, headers: [], uncertain: false, shortCircuit: false });

/** How many "does this handler answer that layer's OPTIONS" tests ran (a regression test bounds it: once per pair of layers made 3,200 routes take seconds). */
export const layerCoverChecks = { count: 0 };

/** The handlers of one app or router that may answer OPTIONS: its app-level uses, its OPTIONS routes on every path, and its OPTIONS routes by path, each in the order filed. */
export interface AnswererGroup<T> {
  uses: T[];
  wildcardOptions: T[];
  optionsByPath: Map<string | undefined, T[]>;
}

/**
 * Files a handler under its group when it may answer OPTIONS (an app-level use or an OPTIONS route; a
 * route of another method never does). `group` is asked only then, so a group exists only for answerers.
 */
export function fileAnswerer<T>(group: () => AnswererGroup<T>, item: T, mount: MiddlewareSite['mount'], wildcardPaths: ReadonlySet<string>): void {
  if (mount.kind === 'route' && mount.method !== 'OPTIONS') return;
  const into = group();
  if (mount.kind !== 'route') into.uses.push(item);
  else if (mount.path !== undefined && wildcardPaths.has(mount.path)) into.wildcardOptions.push(item);
  else {
    const list = into.optionsByPath.get(mount.path);
    if (list) list.push(item);
    else into.optionsByPath.set(mount.path, [item]);
  }
}

export function newAnswererGroup<T>(): AnswererGroup<T> {
  return { uses: [], wildcardOptions: [], optionsByPath: new Map() };
}

/** The layers that may answer OPTIONS (app-level uses, OPTIONS routes), by scope, framework and app label, each list in registration order. */
function answererIndex(layers: Layer[]): Map<Node | undefined, Map<string, AnswererGroup<Layer>>> {
  const index = new Map<Node | undefined, Map<string, AnswererGroup<Layer>>>();
  for (const layer of layers) {
    const group = () => {
      let byLabel = index.get(layer.scope);
      if (!byLabel) index.set(layer.scope, (byLabel = new Map()));
      let found = byLabel.get(layer.key);
      if (!found) byLabel.set(layer.key, (found = newAnswererGroup()));
      return found;
    };
    fileAnswerer(group, layer, layer.site.mount, WILDCARD_PATHS);
  }
  return index;
}

/** Whether `name` is bound in this file to `express.Router()` / `Router()`: an Express router. */
export function isExpressRouter(name: string, parsed: ParsedJs): boolean {
  const bound = parsed.bindings.values.get(name);
  if (bound?.type !== 'CallExpression') return false;
  const callee = bound.callee;
  if (callee.type === 'Identifier') return callee.name === 'Router';
  return callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === 'Router' && callee.object.type === 'Identifier' && callee.object.name === 'express';
}

interface RouterMount {
  app: string;
  path: string;
  call: Node;
}

/** Each router's mounts with a literal path (`app.use('/api', api)`), read once from the file's calls. */
function routerMounts(parsed: ParsedJs): Map<string, RouterMount[]> {
  const mounts = new Map<string, RouterMount[]>();
  for (const call of parsed.calls) {
    const callee = call.callee;
    if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier' || callee.property.name !== 'use' || callee.object.type !== 'Identifier') continue;
    const [path, router] = call.arguments;
    if (call.arguments.length !== 2 || path?.type !== 'StringLiteral' || router?.type !== 'Identifier') continue;
    const list = mounts.get(router.name) ?? [];
    list.push({ app: callee.object.name, path: path.value, call });
    mounts.set(router.name, list);
  }
  return mounts;
}

export function orderExpressLayers(sites: MiddlewareSite[], policies: Map<MiddlewareSite, CorsPolicy>, parsed: ParsedJs): CorsPolicy[] {
  const layers: Layer[] = [];
  for (const site of sites) {
    const policy = policies.get(site);
    if (!policy || !ORDERED_LAYERS.has(site.framework)) continue;
    const nest = site.framework === 'nestjs' && !site.mount.useCall ? nestRegistration(site, parsed) : undefined;
    const call = nest?.call ?? site.mount.useCall ?? site.mount.routeCall;
    if (!call || call.start === null || call.start === undefined) continue;
    layers.push({ site, policy, start: nest?.start ?? call.start, scope: scopeOf(call, parsed), call, key: layerKey(site.framework, nest?.app ?? site.mount.label), app: nest?.app ?? site.mount.label });
  }
  layers.sort((a, b) => a.start - b.start);
  const candidates = answererIndex(layers);
  // Each layer's answer on its own, before this pass wires one to another.
  const original = new Map(layers.map((layer) => [layer, answerOf(layer.policy)] as const));
  const dead = new Set<CorsPolicy>();
  let mounts: Map<string, RouterMount[]> | undefined;
  const answererBeforeMount = (layer: Layer, path: string | undefined): Layer | undefined => {
    const router = layer.site.mount.label;
    if (!isExpressRouter(router, parsed)) return undefined;
    mounts ??= routerMounts(parsed);
    const found = mounts.get(router);
    if (found?.length !== 1) return undefined;
    const mount = found[0];
    const mountStart = mount.call.start ?? 0;
    const base = mount.path.replace(/\/+$/, '');
    const full = path === undefined || path === '/' ? base || '/' : `${base}${path.startsWith('/') ? '' : '/'}${path}`;
    const group = candidates.get(scopeOf(mount.call, parsed))?.get(layerKey(layer.site.framework, mount.app));
    return group?.uses.find((other) => {
      layerCoverChecks.count++;
      return other.start < mountStart && other.policy.preflight.kind === 'handled' && !exclusive(other.call, mount.call, parsed) && useCovers(other.site.mount.path, full);
    });
  };
  for (const layer of layers) {
    const { site } = layer;
    const path = site.mount.path;
    const isOptionsRoute = site.mount.kind === 'route' && site.mount.method === 'OPTIONS';
    // Who answers OPTIONS for this layer's paths: the first handler in registration order that covers them
    // (this layer itself when it is app-level middleware or an OPTIONS route; a route-level cors() never sees OPTIONS).
    const answers = (other: Layer): boolean => {
      layerCoverChecks.count++;
      if (other.policy.preflight.kind !== 'handled') return false;
      if (other !== layer && exclusive(other.call, layer.call, parsed)) return false;
      if (other.site.mount.kind !== 'route') return useCovers(other.site.mount.path, path);
      return other === layer || optionsCovers(other.site.mount.path, optionsPath);
    };
    const optionsPath = site.mount.kind === 'route' && !WILDCARD_PATHS.has(path ?? '') ? path : undefined;
    const group = candidates.get(layer.scope)?.get(layer.key);
    // Only app-level uses and OPTIONS routes ever answer; each list is in registration order, so the first answerer is the earliest of their firsts.
    const firsts = group ? [group.uses.find(answers), group.wildcardOptions.find(answers), optionsPath !== undefined ? group.optionsByPath.get(optionsPath)?.find(answers) : undefined] : [];
    if (isOptionsRoute && !firsts.includes(layer) && answers(layer)) firsts.push(layer);
    let answerer = firsts.reduce<Layer | undefined>((first, other) => (other && (!first || other.start < first.start) ? other : first), undefined);
    // A router mounted once (`app.use('/api', api)`) after the app's own cors(): that cors answers every OPTIONS
    // under the mount before the router runs, so the router's cors() never sees a preflight (semantics §1).
    const mountAnswerer = site.framework === 'express-cors' ? answererBeforeMount(layer, path) : undefined;
    if (mountAnswerer) answerer = mountAnswerer;
    if (isOptionsRoute) {
      // Answered earlier by another handler: nothing this route's cors() sends ever reaches a browser.
      if (answerer && answerer !== layer) {
        dead.add(layer.policy);
        continue;
      }
      const policy = layer.policy;
      const self = answerOf(policy);
      policy.headerProgram = { run: (request) => (request.preflight ? self(request) : NO_ANSWER(request)) };
      continue;
    }
    // App-level cors layers registered earlier run first on every actual request too: this layer's headers go on top of theirs.
    const earlier = site.framework === 'hono-cors' ? { layers: [], tooMany: false } : earlierUses(group?.uses ?? [], layer, (other) => !exclusive(other.call, layer.call, parsed) && useCovers(other.site.mount.path, path));
    // App-level cors layers registered later run after it on every actual request it passes on: theirs go on top (Nest's
    // `NestFactory.create(…, { cors })` joins at listen(), after an `app.use(cors(…))` written below it).
    const later =
      site.framework === 'hono-cors' || site.mount.kind === 'route' || earlier.tooMany
        ? []
        : laterUses(group?.uses ?? [], layer, (other) => !exclusive(other.call, layer.call, parsed) && !conditionalApart(other.call, layer.call, parsed) && useCovers(other.site.mount.path, path), (from, to) => answersBetween(parsed, layer.app, layer.scope, from, to));
    const own = answerOf(layer.policy);
    const actual = earlier.tooMany
      ? (request: CorsRequest): CorsResponse => ({ ...own(request), uncertain: true, unknownHeaders: undefined })
      : earlier.layers.length > 0 || later.length > 0
        ? (request: CorsRequest) => overlay([...earlier.layers.map((other) => original.get(other)!(request)), own(request), ...later.map((other) => original.get(other)!(request))])
        : own;
    if (answerer && answerer !== layer) {
      const other = answerOf(answerer.policy);
      layer.policy.preflight = answerer.policy.preflight;
      layer.policy.headerProgram = { run: (request) => (request.preflight ? other(request) : actual(request)) };
    } else if (earlier.layers.length > 0 || earlier.tooMany || later.length > 0) {
      layer.policy.headerProgram = { run: (request) => (request.preflight ? own(request) : actual(request)) };
    }
  }
  return [...policies.values()].filter((policy) => !dead.has(policy));
}

/**
 * A middleware of its own that writes CORS headers (`app.use((req, res, next) => { res.header(…); next(); })`)
 * registered after `app.use(cors(…))` on the same app runs after it on every request the cors layer passes on:
 * headers it does not write stay as cors() set them: the `Vary: Origin` cors() added, and its
 * `Access-Control-Allow-Credentials: true` next to a middleware's `*` (checked with Express 5 and cors 2.8.6).
 * Koa's `@koa/cors` does the same: it sets its headers with `ctx.set` and then awaits `next()` on every
 * request but OPTIONS, so a later `ctx.set` replaces them one by one.
 * Its preflights stay judged as before.
 */
export function followCorsLayers(handSet: Array<{ policy: CorsPolicy; owner: Node }>, sites: MiddlewareSite[], policies: Map<MiddlewareSite, CorsPolicy>, parsed: ParsedJs): void {
  for (const { policy, owner } of handSet) {
    const call = parsed.parents.get(owner);
    if (call?.type !== 'CallExpression' || call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier') continue;
    const args = call.arguments as Node[];
    if (call.start === null || call.start === undefined) continue;
    const label = call.callee.object.type === 'Identifier' ? call.callee.object.name : undefined;
    const scope = scopeOf(call, parsed);
    let earlier: CorsPolicy[];
    if (call.callee.property.name === 'addHook') {
      // Fastify: `fastify.addHook('onRequest' | 'preHandler' | 'onSend', fn)` after `fastify.register(cors, …)` runs after
      // @fastify/cors's own onRequest hook (Fastify 5.12 + @fastify/cors 11.4: in source order), so its writes replace
      // and the Vary: Origin cors added stays.
      const hook = args[0];
      if (args[1] !== owner || hook?.type !== 'StringLiteral' || !['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization', 'onSend'].includes(hook.value)) continue;
      earlier = sites
        .filter((site) => site.framework === 'fastify-cors' && site.mount.label === label && (site.factoryCall.start ?? Infinity) < call.start! && scopeOf(site.factoryCall, parsed) === scope && !exclusive(site.factoryCall, call, parsed))
        .map((site) => policies.get(site))
        .filter((layer): layer is CorsPolicy => layer !== undefined);
    } else {
      if (call.callee.property.name !== 'use' || args[args.length - 1] !== owner || args.length > 2) continue;
      const path = args.length === 2 ? (args[0].type === 'StringLiteral' ? args[0].value : undefined) : '/';
      if (path === undefined) continue;
      earlier = sites
        .filter((site) => (site.framework === 'express-cors' || site.framework === 'koa-cors') && site.mount.kind !== 'route' && site.mount.label === label && site.mount.useCall && (site.mount.useCall.start ?? Infinity) < call.start!)
        .filter((site) => scopeOf(site.mount.useCall!, parsed) === scope && !exclusive(site.mount.useCall!, call, parsed) && useCovers(site.mount.path, path === '/' ? undefined : path))
        .map((site) => policies.get(site))
        .filter((layer): layer is CorsPolicy => layer !== undefined);
    }
    if (earlier.length === 0) continue;
    const self = answerOf(policy);
    const before = earlier.map(answerOf);
    const appends = call.callee.property.name === 'use' && appendsAllowOrigin(owner);
    policy.headerProgram = {
      run: (request) => {
        const written = self(request);
        // `res.append('Access-Control-Allow-Origin', v)` keeps the one cors() set: Express sends both (checked with Express 5.3 + cors 2.8.6).
        const own = appends && !request.preflight ? withEarlierAllowOrigin(written, before.map((answer) => answer(request))) : written;
        return request.preflight ? own : overLayers(own, before.map((answer) => answer(request)));
      },
    };
  }
}

const ALLOW_ORIGIN_NAME = 'access-control-allow-origin';

/**
 * The middleware writes Allow-Origin only with `res.append(…)` / `res.appendHeader(…)`, which add to the
 * header already there (`res.header`, `res.set`, `res.setHeader` and `writeHead` replace it).
 */
function appendsAllowOrigin(owner: Node): boolean {
  let appended = false;
  const stack: Node[] = [owner];
  for (let seen = 0; stack.length > 0 && seen < 20_000; seen++) {
    const node = stack.pop()!;
    if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && node.callee.property.type === 'Identifier') {
      const name = node.arguments[0];
      const method = node.callee.property.name;
      if (name?.type === 'StringLiteral' && name.value.toLowerCase() === ALLOW_ORIGIN_NAME) {
        if (method !== 'append' && method !== 'appendHeader') return false;
        appended = true;
      } else if (method === 'writeHead' || method === 'set' || method === 'header' || method === 'setHeader') {
        // An object of headers or a computed name may replace it too.
        if (name && name.type !== 'StringLiteral') return false;
      }
    }
    for (const key of Object.keys(node) as Array<keyof Node>) {
      if (key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments' || key === 'loc') continue;
      const value = node[key] as unknown;
      if (Array.isArray(value)) for (const item of value) if (item && typeof item === 'object' && typeof (item as Node).type === 'string') stack.push(item as Node);
      if (value && typeof value === 'object' && typeof (value as Node).type === 'string') stack.push(value as Node);
    }
  }
  return appended && stack.length === 0;
}

/** The earlier layers' Allow-Origin in front of the one this middleware appended (open when an earlier one is). */
function withEarlierAllowOrigin(own: CorsResponse, earlier: CorsResponse[]): CorsResponse {
  if (!own.headers.some((header) => header.name.toLowerCase() === ALLOW_ORIGIN_NAME)) return own;
  const open = earlier.some((response) => response.uncertain && (!response.unknownHeaders || response.unknownHeaders.includes(ALLOW_ORIGIN_NAME)));
  if (open) return { ...own, uncertain: true, unknownHeaders: own.uncertain && !own.unknownHeaders ? undefined : [...(own.unknownHeaders ?? []), ALLOW_ORIGIN_NAME] };
  const first = earlier.flatMap((response) => response.headers.filter((header) => header.name.toLowerCase() === ALLOW_ORIGIN_NAME));
  return first.length > 0 ? { ...own, headers: [...first, ...own.headers] } : own;
}
