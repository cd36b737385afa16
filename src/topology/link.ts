import { posix } from 'node:path';
import type { CorsPolicy, Loc, UpstreamLayer } from '../model/types.js';

export interface TopologyFiles {
  nginx: Map<string, string>;
  yaml: Map<string, string>;
  /** Every file's text in the run. */
  texts: Map<string, string>;
  /** Reads a file of the repository that is not among the linted ones (package.json, .env), or undefined. */
  read?: (path: string) => string | undefined;
  knownOrigins?: string[];
}
import { commandModules, composeServices, dockerfileCommand, type ComposeService } from './compose.js';
import { helmValuesPolicies } from './helm.js';
import { imageName, kubernetesFacts, nearest, type IngressRoute, type TraefikMiddlewareDoc } from './kubernetes.js';
import { proxiedLocations, type ProxiedLocation } from './nginx-proxies.js';
import { markShadowedApps, type FrontRoute } from './shadowed-apps.js';
import { kongRoutes } from './kong-links.js';
import { apisixRoutes } from './apisix-links.js';
import { envoyRoutes } from './envoy-links.js';
import { rulePrefix as traefikRulePrefix, traefikRoutes, PATH_MIDDLEWARES as TRAEFIK_PATH_MIDDLEWARES } from './traefik-links.js';
import { markHttpApiHandlers } from './aws-functions.js';

/** API Gateway's own CORS, written in code (AWS CDK, serverless.ts) as in YAML: a gateway in front, never the app behind a proxy. */
const GATEWAY_PROFILES = new Set(['aws-sam-rest', 'serverless-http', 'aws-http-api', 'aws-cdk-rest']);

/** A policy of an application's own code, which a proxy or an ingress can forward to. */
function isAppServer(policy: CorsPolicy): boolean {
  return isAppCode(policy) && policy.scope.kind === 'app';
}

/** A router- or route-level policy of an application's own code (Flask-CORS `resources`, `app.get('/x', cors(), …)`). */
function isAppPart(policy: CorsPolicy): boolean {
  return isAppCode(policy) && (policy.scope.kind === 'router' || policy.scope.kind === 'route');
}

function isAppCode(policy: CorsPolicy): boolean {
  return policy.source.format !== 'nginx' && policy.source.format !== 'yaml' && !GATEWAY_PROFILES.has(policy.profile.id);
}

/**
 * The app policies behind a proxy target: the app-level ones `appsServing` finds, with the
 * router- and route-level policies of the same server (its files, or the whole build folder when
 * one file there holds app-level CORS), or the router/route-level ones alone when the folder has no
 * app-level policy. Each only when the paths the proxy forwards can reach it (`prefix`: the path
 * every forwarded request starts with; undefined when not known, which reaches only app-wide policies).
 */
function layerApps(given: Pick<ComposeService, 'buildDir' | 'commandPorts' | 'commandModules' | 'dockerfile'>, port: number | undefined, prefix: string | undefined, apps: CorsPolicy[], parts: CorsPolicy[], texts: Map<string, string>, memo?: Map<string, ReachIndex>, read?: (path: string) => string | undefined): CorsPolicy[] {
  // Without a Compose command, the build folder's Dockerfile CMD/ENTRYPOINT names the file the container runs.
  const service = (given.commandModules ?? []).length === 0 && given.dockerfile !== undefined ? { ...given, commandModules: dockerfileModules(given.dockerfile, texts, read) } : given;
  // The policies serving a target depend on the service and the port only: asked once per target, not once per location
  // (each ask walks every app policy, so many locations in front of many routes cost their product).
  const key = `${service.buildDir}\0${service.commandPorts.join(',')}\0${(service.commandModules ?? []).join(',')}\0${port ?? ''}`;
  let index = memo?.get(key);
  if (!index) {
    index = reachIndex(servingApps(service, port, apps, parts, texts), (policy) => mountedPath(policy, texts));
    memo?.set(key, index);
  }
  return reached(index, prefix);
}

/** The Python files a service's Dockerfile runs (`CMD ["gunicorn", "api.wsgi:app"]`); none when it is not in the repository. */
function dockerfileModules(path: string, texts: Map<string, string>, read: ((path: string) => string | undefined) | undefined): string[] {
  // Read once per run and path, not once per proxy location.
  let seen = dockerfilesRead.get(texts);
  if (!seen) dockerfilesRead.set(texts, (seen = new Map()));
  let modules = seen.get(path);
  if (!modules) {
    const text = texts.get(path) ?? read?.(path);
    modules = text === undefined ? [] : commandModules(dockerfileCommand(text));
    seen.set(path, modules);
  }
  return modules;
}
const dockerfilesRead = new WeakMap<Map<string, string>, Map<string, string[]>>();

/** Policies by the literal start of their path, in a trie: a prefix finds the ones it reaches without asking each. */
interface ReachNode {
  here: number[];
  next: Map<string, ReachNode>;
}
export interface ReachIndex {
  all: CorsPolicy[];
  /** App-wide policies (every path): reached from any prefix. */
  wide: number[];
  root: ReachNode;
}

export function reachIndex(all: CorsPolicy[], pathOf: (policy: CorsPolicy) => string | undefined = (policy) => policy.scope.path): ReachIndex {
  const index: ReachIndex = { all, wide: [], root: { here: [], next: new Map() } };
  all.forEach((policy, i) => {
    const path = pathOf(policy);
    if (path === undefined && policy.scope.kind === 'app') index.wide.push(i);
    else if (path !== undefined && path.startsWith('/')) {
      let node = index.root;
      for (const c of literalStart(path)) {
        let child = node.next.get(c);
        if (!child) node.next.set(c, (child = { here: [], next: new Map() }));
        node = child;
      }
      node.here.push(i);
    }
  });
  return index;
}

/** What `reaches` keeps of the indexed policies, in their order. */
export function reached(index: ReachIndex, prefix: string | undefined): CorsPolicy[] {
  if (prefix === undefined) return index.wide.map((i) => index.all[i]);
  if (prefix === '/') return [...index.all];
  const hits = [...index.wide];
  // A literal the prefix starts with: on the way down. A literal starting with the prefix: under where the way ends.
  let node: ReachNode | undefined = index.root;
  for (const c of prefix) {
    for (const i of node.here) hits.push(i);
    node = node.next.get(c);
    if (!node) break;
  }
  const stack = node ? [node] : [];
  while (stack.length > 0) {
    const below = stack.pop()!;
    for (const i of below.here) hits.push(i);
    for (const child of below.next.values()) stack.push(child);
  }
  return [...new Set(hits)].sort((a, b) => a - b).map((i) => index.all[i]);
}

function servingApps(service: Pick<ComposeService, 'buildDir' | 'commandPorts' | 'commandModules'>, port: number | undefined, apps: CorsPolicy[], parts: CorsPolicy[], texts: Map<string, string>): CorsPolicy[] {
  const folder = service.buildDir ? `${service.buildDir}/` : '';
  const inside = (policy: CorsPolicy) => policy.source.file.replace(/\\/g, '/').startsWith(folder);
  const found = appsServing(service, port, apps, texts);
  if (found.length > 0) {
    const files = new Set(found.map((policy) => policy.source.file));
    const oneServer = new Set(apps.filter(inside).map((policy) => policy.source.file)).size === 1;
    return [...found, ...parts.filter((policy) => inside(policy) && (oneServer || files.has(policy.source.file)))];
  }
  return apps.some(inside) ? [] : appsServing(service, port, parts, texts);
}

/**
 * The path a router-level policy covers on the server: its router's one mount in the same file with
 * a literal path (`app.use('/public', publicRouter)`) joined with the router's own `use` path. A
 * router mounted elsewhere, twice, or under a computed path keeps the path the extractor gave it.
 */
export function mountedPath(policy: CorsPolicy, texts: Map<string, string>): string | undefined {
  const path = policy.scope.path;
  if (policy.scope.kind !== 'router' || (path !== undefined && !path.startsWith('/'))) return path;
  const router = /^[A-Za-z_$][\w$]*$/.exec(policy.scope.label.split(' ')[0])?.[0];
  const text = router ? texts.get(policy.source.file) : undefined;
  if (!router || !text || !text.includes(router)) return path;
  const mounts: string[] = [];
  // One `.use(` at a time, each looked at in a bounded window: linear in the file.
  for (let at = text.indexOf('.use('); at !== -1 && mounts.length < 2; at = text.indexOf('.use(', at + 5)) {
    const call = /^\.use\(\s*(['"`])(\/[\w./-]*)\1\s*,\s*([A-Za-z_$][\w$]*)\s*\)/.exec(text.slice(at, at + 300));
    if (call && call[3] === router) mounts.push(call[2]);
  }
  if (mounts.length !== 1) return path;
  const mount = mounts[0].replace(/\/+$/, '');
  return `${mount}${path ?? ''}` || '/';
}

/**
 * Whether requests forwarded under `prefix` can reach the paths a policy covers (as `reached` finds
 * them through its index; kept as the plain statement of the rule).
 */
export function reaches(prefix: string | undefined, policy: CorsPolicy): boolean {
  const path = policy.scope.path;
  if (path === undefined && policy.scope.kind === 'app') return true;
  if (prefix === undefined) return false;
  if (prefix === '/') return true;
  if (path === undefined || !path.startsWith('/')) return false;
  const literal = literalStart(path);
  return literal.startsWith(prefix) || prefix.startsWith(literal);
}

/** The literal start of a route path or resource pattern (`/api/:id`, `/api/*`, `r"/api/.*"`); a quantifier takes its character back. */
function literalStart(path: string): string {
  const cut = /[*?+{(\[\\^$|:.]/.exec(path);
  return cut ? path.slice(0, /[*?+{]/.test(cut[0]) ? Math.max(cut.index - 1, 0) : cut.index) : path;
}
/**
 * Links each proxying layer to the application layers behind it, from what the repository states:
 * nginx `proxy_pass http://api:8080` → the Compose service `api` → its build folder → the app
 * policy in that folder (listening on 8080 when the code says which port). A link that cannot be
 * established from the files is left out: no guessing, so no finding can come from a wrong link.
 */
export function linkLayers(policies: CorsPolicy[], files: TopologyFiles): ProxyLink[] {
  // Helm charts: the ingress-nginx policy a chart's values feed into its Ingress template (a source of its own, read across files).
  policies.push(...helmValuesPolicies(files));
  const links = proxyLinks(policies, files);
  const nginxPolicies = policies.filter((policy) => policy.source.format === 'nginx' && policy.scope.kind === 'location');
  const outerAt = new Map<string, CorsPolicy>();
  for (const policy of nginxPolicies) {
    const loc = policy.source.loc;
    if (loc && !outerAt.has(`${loc.file}\0${loc.line}\0${loc.column}`)) outerAt.set(`${loc.file}\0${loc.line}\0${loc.column}`, policy);
  }
  const routes: FrontRoute[] = [];
  for (const link of links) {
    const at = link.proxy.locationLoc;
    const outer = outerAt.get(`${at.file}\0${at.line}\0${at.column}`);
    for (const policy of link.apps) {
      if (!outer) {
        routes.push({ outer: undefined, app: policy, open: link.service.publishesPorts });
        continue;
      }
      const layer: UpstreamLayer = {
        policy,
        hidden: link.proxy.hidden,
        via: [
          { what: `proxy_pass ${link.proxy.proxyPass.url}`, loc: link.proxy.proxyPass.loc },
          { what: `Compose service '${link.service.name}' (build)`, loc: link.service.loc },
          { what: `${policy.source.framework} ${policy.scope.label}`, loc: policy.source.loc },
        ],
        ...(link.proxy.conditional ? { onlyThrough: link.proxy.proxyPass.loc } : {}),
      };
      (outer.upstreamLayers ??= []).push(layer);
      routes.push({ outer, layer, app: policy, open: link.service.publishesPorts });
    }
  }
  const ingress = linkIngresses(policies, files);
  const kong = linkKong(policies, files);
  const traefik = linkTraefik(policies, files);
  const apisix = linkApisix(policies, files);
  const envoy = linkEnvoy(policies, files);
  markShadowedApps(
    policies,
    [...routes, ...ingress.routes, ...kong.routes, ...traefik.routes, ...apisix.routes, ...envoy.routes],
    [...nginxPolicies, ...ingress.fronts, ...kong.fronts, ...traefik.fronts, ...apisix.fronts, ...envoy.fronts],
  );
  markHttpApiHandlers(policies, files.yaml);
  return links;
}

/**
 * Ingress → Service → workload → image → the folder the image is built from (skaffold, or a
 * Compose service that tags its build) → the app there. The ingress's answer then merges with the
 * app's as ingress-nginx's template does (its CORS headers replace the app's). An Ingress of class
 * `kong` runs the `KongPlugin` cors named by its `konghq.com/plugins` annotation (else its
 * Service's): Kong sets or clears Allow-Origin on every answer, as in front of a Compose app.
 * Every Ingress of the run to the app is a way in: one without a CORS policy, a Service of type
 * NodePort or LoadBalancer, or a Compose build that publishes a port leaves the app live.
 */
function linkIngresses(policies: CorsPolicy[], files: TopologyFiles): { routes: FrontRoute[]; fronts: CorsPolicy[] } {
  // The ingress's own answer, or (without enable-cors) the nginx its configuration-snippet adds to the location.
  const ingressPolicies = policies.filter((policy) => /\.(ya?ml|tpl)$/i.test(policy.source.file) && (policy.profile.id === 'ingress-nginx' || policy.profile.id === 'nginx'));
  const kongPlugins = policies.filter((policy) => policy.profile.id === 'kong' && /^KongPlugin \S+$/.test(policy.scope.label));
  // Traefik's Middleware CRDs, for IngressRoutes.
  const traefikMiddlewares = policies.filter((policy) => (policy.profile.id === 'traefik' || policy.profile.id === 'traefik-custom-headers') && /^middleware \S+$/.test(policy.scope.label) && /\.ya?ml$/i.test(policy.source.file));
  const fronts = [...ingressPolicies, ...kongPlugins, ...traefikMiddlewares];
  const appPolicies = policies.filter(isAppServer);
  const partPolicies = policies.filter(isAppPart);
  if (fronts.length === 0 || (appPolicies.length === 0 && partPolicies.length === 0)) return { routes: [], fronts };
  // Every Ingress document of the run: one without CORS to the same app is another way in.
  const ingressFiles = new Set([...ingressPolicies.map((policy) => policy.source.file), ...[...files.yaml].filter(([, text]) => /^kind:\s*["']?Ingress(Route)?\b/m.test(text)).map(([file]) => file)]);
  const facts = kubernetesFacts(files.yaml, ingressFiles);
  if (!facts) return { routes: [], fronts };
  const kong = kongPluginsByName(kongPlugins, files.yaml);
  const compose = composeServices(files.yaml);
  const memo = new Map<string, ReachIndex>();
  const linked = new Map<CorsPolicy, Map<CorsPolicy, UpstreamLayer>>();
  const routes: FrontRoute[] = [];
  for (const route of facts.routes) {
    const isKong = route.className === 'kong';
    const traefik = route.traefik ? ingressRouteMiddleware(route, facts.middlewares, traefikMiddlewares) : undefined;
    const nginxOuter = isKong || traefik ? undefined : ingressPolicies.find((policy) => policy.source.file === route.file && policy.source.loc.line >= route.lines[0] && policy.source.loc.line <= route.lines[1]);
    for (const target of facts.resolve(route)) {
      const build = facts.buildOf(target.image, target.file) ?? composeBuild(compose, target.image);
      if (!build) continue;
      // Kong: the route's plugin, else the Service's (KongPlugin precedence); 'unknown' when a consumer or cluster-wide plugin may answer instead.
      const outer = traefik ? traefik.middleware : isKong ? (kong.unknown ? 'unknown' : (kong.named(route.annotations['konghq.com/plugins']) ?? kong.named(target.service.annotations['konghq.com/plugins']))) : nginxOuter;
      const open = composeBuild(compose, target.image)?.publishesPorts === true || target.service.type === 'NodePort' || target.service.type === 'LoadBalancer';
      // Kong's strip-path hands the app every path below the Ingress's.
      const stripped = isKong && route.annotations['konghq.com/strip-path'] === 'true';
      const prefix = traefik ? traefik.prefix : stripped ? '/' : /^\/[\w./-]*$/.test(route.path) ? route.path : undefined;
      for (const policy of layerApps({ buildDir: build.dir, commandPorts: [] }, target.containerPort, prefix, appPolicies, partPolicies, files.texts, memo, files.read)) {
        if (outer === undefined || outer === 'unknown') {
          routes.push({ outer: undefined, app: policy, open });
          continue;
        }
        const layer = layerFor(linked, outer, policy, () => [
          { what: route.traefik ? `IngressRoute service '${route.service}'` : `Ingress backend '${route.service}'`, loc: route.loc },
          ...target.via,
          { what: `image built from ${build.dir || '.'}/`, loc: build.loc },
          { what: `${policy.source.framework} ${policy.scope.label}`, loc: policy.source.loc },
        ]);
        routes.push({ outer, layer, app: policy, open });
      }
    }
  }
  return { routes, fronts };
}

/**
 * The CORS headers middleware a Traefik IngressRoute route runs, as the kubernetescrd provider
 * resolves its `middlewares` (the route's namespace unless one is given): the one Middleware CRD of
 * that name and namespace with a CORS policy. A reference to another provider (`name@provider`), a
 * name defined nowhere in the run (or twice, equally near), a chain, or two CORS middlewares leave
 * it 'unknown'; a stripPrefix, replacePath or addPrefix leaves the path unknown.
 */
function ingressRouteMiddleware(route: IngressRoute, docs: TraefikMiddlewareDoc[], policies: CorsPolicy[]): { middleware: CorsPolicy | undefined | 'unknown'; prefix: string | undefined } {
  let found: CorsPolicy | undefined;
  let rewritesPath = false;
  for (const ref of route.traefik?.middlewares ?? []) {
    if (ref.name.includes('@')) return { middleware: 'unknown', prefix: undefined };
    const defined = nearest(docs.filter((doc) => doc.name === ref.name && doc.namespace === ref.namespace), route.file);
    if (defined.length !== 1) return { middleware: 'unknown', prefix: undefined };
    const [doc] = defined;
    if (doc.kinds.includes('chain')) return { middleware: 'unknown', prefix: undefined };
    if (doc.kinds.some((kind) => TRAEFIK_PATH_MIDDLEWARES.test(kind))) rewritesPath = true;
    const own = policies.filter((policy) => policy.source.file === doc.file && policy.source.loc.line >= doc.lines[0] && policy.source.loc.line <= doc.lines[1]);
    if (own.length > 1 || (own.length === 1 && found && found !== own[0])) return { middleware: 'unknown', prefix: undefined };
    if (own.length === 1) found = own[0];
  }
  return { middleware: found, prefix: rewritesPath ? undefined : traefikRulePrefix(route.traefik?.match) };
}

/**
 * The `KongPlugin` cors policies by name, for `konghq.com/plugins` annotations (a comma-separated
 * list). A name held by two KongPlugins, or a KongClusterPlugin cors (global or bound elsewhere),
 * leaves which plugin answers open: `unknown`. A KongConsumer's plugins never do: Kong's cors schema
 * refuses a consumer (`consumer = typedefs.no_consumer`, kong/plugins/cors/schema.lua, since 2015),
 * so a cors plugin bound to a consumer never answers, and other plugins do not set CORS headers.
 */
function kongPluginsByName(plugins: CorsPolicy[], yamlFiles: Map<string, string>): { unknown: boolean; named: (annotation: string | undefined) => CorsPolicy | 'unknown' | undefined } {
  const byName = new Map<string, CorsPolicy | 'unknown'>();
  for (const plugin of plugins) {
    const name = plugin.scope.label.slice('KongPlugin '.length);
    byName.set(name, byName.has(name) ? 'unknown' : plugin);
  }
  let unknown = false;
  for (const text of yamlFiles.values()) if (/^kind:\s*["']?KongClusterPlugin\b/m.test(text) && /\bcors\b|konghq\.com\/plugins/.test(text)) unknown = true;
  return {
    unknown,
    named(annotation) {
      if (annotation === undefined) return undefined;
      const found = [...new Set(annotation.split(',').map((name) => byName.get(name.trim())).filter((policy) => policy !== undefined))];
      return found.length === 0 ? undefined : found.length === 1 ? found[0] : 'unknown';
    },
  };
}

/**
 * Kong (declarative `kong.yml`) → its service's `url`/`host` → the Compose service of that name →
 * the app built from its folder. The cors plugin in effect on each route is linked to the apps the
 * route reaches; Kong sets or clears Allow-Origin on every answer to a request with an Origin and
 * answers preflights itself unless `preflight_continue` is set (handler.lua, semantics §9).
 */
function linkKong(policies: CorsPolicy[], files: TopologyFiles): { routes: FrontRoute[]; fronts: CorsPolicy[] } {
  const fronts = policies.filter((policy) => policy.profile.id === 'kong' && policy.source.format === 'yaml');
  return linkGatewayRoutes(policies, files, fronts, () => kongRoutes(files.yaml, fronts), (route) => ({ what: `Kong service '${route.service.name}' route '${route.route.name}'`, loc: route.service.loc }));
}

/**
 * APISIX standalone (`apisix.yaml`) → a route's upstream nodes (`"api:3000": 1`) → the Compose
 * service of that name → the app built from its folder. The cors plugin answers every OPTIONS
 * itself (rewrite phase, status 200) and `set_header`s its headers on the answers to an origin it
 * allows; for another origin the app's headers pass unchanged (apisix/plugins/cors.lua).
 */
function linkApisix(policies: CorsPolicy[], files: TopologyFiles): { routes: FrontRoute[]; fronts: CorsPolicy[] } {
  const fronts = policies.filter((policy) => policy.profile.id === 'apisix' && policy.source.format === 'yaml' && !/^apisix /.test(policy.scope.label));
  return linkGatewayRoutes(policies, files, fronts, () => apisixRoutes(files.yaml, fronts), (route) => ({ what: `APISIX route '${route.route.name}'`, loc: route.route.loc }));
}

/**
 * Envoy (a bootstrap's `static_resources`) → a route's cluster → its endpoints' `socket_address`
 * (`api:3000`) → the Compose service of that name → the app built from its folder. For an origin it
 * allows, Envoy's CORS filter answers the preflight itself (200) and sets Allow-Origin, Allow-Credentials
 * (when configured) and Expose-Headers on the upstream's answer, replacing the app's; for another
 * origin the preflight goes on to the app (unless `forward_not_matching_preflights: false`) and the
 * app's headers pass unchanged (cors_filter.cc).
 */
function linkEnvoy(policies: CorsPolicy[], files: TopologyFiles): { routes: FrontRoute[]; fronts: CorsPolicy[] } {
  const fronts = policies.filter((policy) => policy.profile.id === 'envoy' && policy.source.format === 'yaml' && /^envoy /.test(policy.scope.label));
  return linkGatewayRoutes(policies, files, fronts, () => envoyRoutes(files.yaml, fronts), (route) => ({ what: `Envoy route '${route.route.name}'`, loc: route.route.loc }));
}

/** A declarative gateway's routes (Kong, APISIX, Envoy), each to the Compose services its targets name and the apps they run. */
function linkGatewayRoutes<Route extends { file: string; plugin: CorsPolicy | 'unknown' | undefined; targets: Array<{ host: string; port: number | undefined }>; prefix: string | undefined }>(
  policies: CorsPolicy[],
  files: TopologyFiles,
  fronts: CorsPolicy[],
  gatewayRoutes: () => Route[],
  front: (route: Route) => { what: string; loc: Loc },
): { routes: FrontRoute[]; fronts: CorsPolicy[] } {
  const appPolicies = policies.filter(isAppServer);
  const partPolicies = policies.filter(isAppPart);
  if (fronts.length === 0 || (appPolicies.length === 0 && partPolicies.length === 0)) return { routes: [], fronts };
  const services = composeServices(files.yaml);
  if (services.length === 0) return { routes: [], fronts };
  const memo = new Map<string, ReachIndex>();
  const routes: FrontRoute[] = [];
  const linked = new Map<CorsPolicy, Map<CorsPolicy, UpstreamLayer>>();
  // Read only once an app and a Compose service are there to link to.
  for (const route of gatewayRoutes()) {
    for (const target of route.targets) {
      const service = serviceFor(target.host, route.file, services);
      if (!service) continue;
      for (const app of layerApps(service, target.port, route.prefix, appPolicies, partPolicies, files.texts, memo, files.read)) routeThrough(routes, linked, route.plugin, app, service, front(route));
    }
  }
  return { routes, fronts };
}

/**
 * Traefik → the app: a router on a Compose service's own labels reaches that service's container;
 * a file provider router reaches the Compose service its `loadBalancer` URL names. The CORS headers
 * middleware the router runs answers preflights itself and replaces the Access-Control-* headers it
 * sends (header.go: `Header.Set`), so the app's pass only where Traefik sends none (an origin it
 * does not allow). A router without a CORS middleware, or with middlewares not read, leaves the app live.
 */
function linkTraefik(policies: CorsPolicy[], files: TopologyFiles): { routes: FrontRoute[]; fronts: CorsPolicy[] } {
  const fronts = policies.filter((policy) => policy.profile.id === 'traefik' || policy.profile.id === 'traefik-custom-headers');
  const appPolicies = policies.filter(isAppServer);
  const partPolicies = policies.filter(isAppPart);
  if (fronts.length === 0 || (appPolicies.length === 0 && partPolicies.length === 0)) return { routes: [], fronts };
  const services = composeServices(files.yaml);
  if (services.length === 0) return { routes: [], fronts };
  const memo = new Map<string, ReachIndex>();
  const routes: FrontRoute[] = [];
  const linked = new Map<CorsPolicy, Map<CorsPolicy, UpstreamLayer>>();
  for (const route of traefikRoutes(files.texts, services, fronts)) {
    const service = 'service' in route.target ? route.target.service : serviceFor(route.target.host, route.file, services);
    if (!service) continue;
    for (const app of layerApps(service, route.target.port, route.prefix, appPolicies, partPolicies, files.texts, memo, files.read)) {
      routeThrough(routes, linked, route.middleware, app, service, { what: `Traefik router '${route.router.name}'`, loc: route.router.loc });
    }
  }
  return { routes, fronts };
}

/**
 * One route through a front to an app of a Compose service: through the front's cors layer when it is
 * known (the layer the pair keeps, via the front's route, the service and the app), else straight to
 * the app, which then stays judged alone.
 */
function routeThrough(routes: FrontRoute[], linked: Map<CorsPolicy, Map<CorsPolicy, UpstreamLayer>>, outer: CorsPolicy | 'unknown' | undefined, app: CorsPolicy, service: ComposeService, front: { what: string; loc: Loc }): void {
  if (outer === undefined || outer === 'unknown') {
    routes.push({ outer: undefined, app, open: service.publishesPorts });
    return;
  }
  const layer = layerFor(linked, outer, app, () => [front, { what: `Compose service '${service.name}' (build)`, loc: service.loc }, { what: `${app.source.framework} ${app.scope.label}`, loc: app.source.loc }]);
  routes.push({ outer, layer, app, open: service.publishesPorts });
}

/**
 * The one layer a front keeps for an app, made (with the path `via` names) the first time a route
 * leads there: several routes through one front to one app are one layer, and a layer another
 * linker already made for the pair is reused.
 */
function layerFor(linked: Map<CorsPolicy, Map<CorsPolicy, UpstreamLayer>>, outer: CorsPolicy, app: CorsPolicy, via: () => UpstreamLayer['via']): UpstreamLayer {
  let layers = linked.get(outer);
  if (!layers) linked.set(outer, (layers = new Map((outer.upstreamLayers ?? []).map((layer) => [layer.policy, layer]))));
  let layer = layers.get(app);
  if (!layer) {
    layer = { policy: app, hidden: [], via: via() };
    layers.set(app, layer);
    (outer.upstreamLayers ??= []).push(layer);
  }
  return layer;
}

function composeBuild(services: readonly ComposeService[], image: string): { dir: string; loc: Loc; publishesPorts: boolean } | undefined {
  const found = services.filter((service) => service.image !== undefined && (service.image === image || imageName(service.image) === imageName(image)));
  return found.length === 1 ? { dir: found[0].buildDir, loc: found[0].loc, publishesPorts: found[0].publishesPorts } : undefined;
}

/** One nginx location proxying to the app policies built from a Compose service's folder. */
export interface ProxyLink {
  proxy: ProxiedLocation;
  service: ComposeService;
  apps: CorsPolicy[];
}

function proxyLinks(policies: CorsPolicy[], files: TopologyFiles): ProxyLink[] {
  const appPolicies = policies.filter(isAppServer);
  const partPolicies = policies.filter(isAppPart);
  if ((appPolicies.length === 0 && partPolicies.length === 0) || files.nginx.size === 0) return [];
  const proxies = proxiedLocations(files.nginx);
  if (proxies.length === 0) return [];
  const services = composeServices(files.yaml);
  if (services.length === 0) return [];
  const links: ProxyLink[] = [];
  const memo = new Map<string, ReachIndex>();
  for (const proxy of proxies) {
    for (const target of proxy.targets) {
      const service = serviceFor(target.host, proxy.file, services);
      if (!service) continue;
      const apps = layerApps(service, target.port, proxy.upstreamPrefix, appPolicies, partPolicies, files.texts, memo, files.read);
      if (apps.length > 0) links.push({ proxy, service, apps });
    }
  }
  return links;
}

/**
 * The service of that name in the nearest Compose file whose folder holds the nginx config (the
 * project it belongs to); a Compose file elsewhere in the tree describes another project.
 */
function serviceFor(host: string, nginxFile: string, services: readonly ComposeService[]): ComposeService | undefined {
  const candidates = services
    .filter((service) => service.name === host && composeProjectHolds(service.composeFile, nginxFile))
    .map((service) => ({ service, dir: posix.dirname(service.composeFile.replace(/\\/g, '/')) }))
    .sort((a, b) => b.dir.length - a.dir.length || (a.service.composeFile < b.service.composeFile ? -1 : 1));
  if (candidates.length === 0) return undefined;
  const nearest = candidates.filter(({ dir }) => dir === candidates[0].dir);
  // Two Compose files of one project (docker-compose.yml and an override) must agree on the build folder.
  return nearest.every(({ service }) => service.buildDir === nearest[0].service.buildDir) ? nearest[0].service : undefined;
}

/** Whether `file` lies in the folder of `composeFile` (the Compose project it belongs to). */
export function composeProjectHolds(composeFile: string, file: string): boolean {
  const dir = posix.dirname(composeFile.replace(/\\/g, '/'));
  return dir === '.' || file.replace(/\\/g, '/').startsWith(`${dir}/`);
}

/**
 * App policies inside the build folder. With one app file there it is the one; with several, only
 * the file whose code (or the service's command) listens on the proxied port.
 */
export function appsServing(service: Pick<ComposeService, 'buildDir' | 'commandPorts' | 'commandModules'>, port: number | undefined, apps: CorsPolicy[], texts: Map<string, string>): CorsPolicy[] {
  const prefix = service.buildDir ? `${service.buildDir}/` : '';
  const inside = apps.filter((policy) => policy.source.file.replace(/\\/g, '/').startsWith(prefix));
  const byFile = new Map<string, CorsPolicy[]>();
  for (const policy of inside) {
    const list = byFile.get(policy.source.file);
    if (list) list.push(policy);
    else byFile.set(policy.source.file, [policy]);
  }
  const listening = (file: string) => listenPorts(texts.get(file) ?? '');
  const portFits = (file: string) => {
    if (port === undefined) return true;
    const stated = [...listening(file), ...service.commandPorts];
    return stated.length === 0 || stated.includes(port);
  };
  if (byFile.size === 1) {
    const [[file, list]] = [...byFile];
    return portFits(file) ? list : [];
  }
  // The file the service's command runs (`gunicorn wsgi:app`), when exactly one app file is it.
  const modules = service.commandModules ?? [];
  const run = [...byFile].filter(([file]) => {
    const relative = file.replace(/\\/g, '/').slice(prefix.length);
    return modules.some((module) => relative === module || relative.endsWith(`/${module}`));
  });
  if (run.length === 1) return portFits(run[0][0]) ? run[0][1] : [];
  if (port === undefined) return [];
  const matching = [...byFile].filter(([file]) => listening(file).includes(port));
  return matching.length === 1 ? matching[0][1] : [];
}

/** Literal ports an app listens on: `app.listen(8080)`, `listen(8080, …)`, `uvicorn.run(app, port=8000)`, `PORT || 8080`. */
export function listenPorts(text: string): number[] {
  const ports = new Set<number>();
  for (const match of text.matchAll(/\.listen\(\s*(\d{2,5})\b|\bport\s*[=:]\s*(\d{2,5})\b|\bPORT\s*(?:\|\||\?\?|or)\s*['"]?(\d{2,5})\b/g)) {
    ports.add(Number(match[1] ?? match[2] ?? match[3]));
  }
  return [...ports];
}
