import { posix } from 'node:path';
import type { CorsPolicy, Loc } from '../model/types.js';

export interface TopologyFiles {
  nginx: Map<string, string>;
  yaml: Map<string, string>;
  /** Every file's text in the run. */
  texts: Map<string, string>;
  /** Reads a file of the repository that is not among the linted ones (package.json, .env), or undefined. */
  read?: (path: string) => string | undefined;
  knownOrigins?: string[];
}
import { composeServices, type ComposeService } from './compose.js';
import { helmValuesPolicies } from './helm.js';
import { imageName, kubernetesFacts } from './kubernetes.js';
import { proxiedLocations, type ProxiedLocation } from './nginx-proxies.js';
import { markShadowedApps } from './shadowed-apps.js';
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
function layerApps(service: Pick<ComposeService, 'buildDir' | 'commandPorts'>, port: number | undefined, prefix: string | undefined, apps: CorsPolicy[], parts: CorsPolicy[], texts: Map<string, string>): CorsPolicy[] {
  const folder = service.buildDir ? `${service.buildDir}/` : '';
  const inside = (policy: CorsPolicy) => policy.source.file.replace(/\\/g, '/').startsWith(folder);
  const found = appsServing(service, port, apps, texts);
  let serving: CorsPolicy[];
  if (found.length > 0) {
    const files = new Set(found.map((policy) => policy.source.file));
    const oneServer = new Set(apps.filter(inside).map((policy) => policy.source.file)).size === 1;
    serving = [...found, ...parts.filter((policy) => inside(policy) && (oneServer || files.has(policy.source.file)))];
  } else {
    serving = apps.some(inside) ? [] : appsServing(service, port, parts, texts);
  }
  return serving.filter((policy) => reaches(prefix, policy));
}

/** Whether requests forwarded under `prefix` can reach the paths a policy covers. */
function reaches(prefix: string | undefined, policy: CorsPolicy): boolean {
  const path = policy.scope.path;
  if (path === undefined && policy.scope.kind === 'app') return true;
  if (prefix === undefined) return false;
  if (prefix === '/') return true;
  if (path === undefined || !path.startsWith('/')) return false;
  // The literal start of a route path or resource pattern (`/api/:id`, `/api/*`, `r"/api/.*"`); a quantifier takes its character back.
  const cut = /[*?+{(\[\\^$|:.]/.exec(path);
  const literal = cut ? path.slice(0, /[*?+{]/.test(cut[0]) ? Math.max(cut.index - 1, 0) : cut.index) : path;
  return literal.startsWith(prefix) || prefix.startsWith(literal);
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
  for (const link of links) {
    const outer = nginxPolicies.find((policy) => sameStart(policy.source.loc, link.proxy.locationLoc));
    if (!outer) continue;
    for (const policy of link.apps) {
      (outer.upstreamLayers ??= []).push({
        policy,
        hidden: link.proxy.hidden,
        via: [
          { what: `proxy_pass ${link.proxy.proxyPass.url}`, loc: link.proxy.proxyPass.loc },
          { what: `Compose service '${link.service.name}' (build)`, loc: link.service.loc },
          { what: `${policy.source.framework} ${policy.scope.label}`, loc: policy.source.loc },
        ],
      });
    }
  }
  linkIngresses(policies, files);
  markShadowedApps(policies, links, nginxPolicies);
  markHttpApiHandlers(policies, files.yaml);
  return links;
}

/**
 * Ingress → Service → workload → image → the folder the image is built from (skaffold, or a
 * Compose service that tags its build) → the app there. The ingress's answer then merges with the
 * app's as ingress-nginx's template does (its CORS headers replace the app's).
 */
function linkIngresses(policies: CorsPolicy[], files: TopologyFiles): void {
  // The ingress's own answer, or (without enable-cors) the nginx its configuration-snippet adds to the location.
  const ingressPolicies = policies.filter((policy) => /\.(ya?ml|tpl)$/i.test(policy.source.file) && (policy.profile.id === 'ingress-nginx' || policy.profile.id === 'nginx'));
  const appPolicies = policies.filter(isAppServer);
  const partPolicies = policies.filter(isAppPart);
  if (ingressPolicies.length === 0 || (appPolicies.length === 0 && partPolicies.length === 0)) return;
  const facts = kubernetesFacts(files.yaml, new Set(ingressPolicies.map((policy) => policy.source.file)));
  if (!facts) return;
  const compose = composeServices(files.yaml);
  for (const route of facts.routes) {
    const outer = ingressPolicies.find((policy) => policy.source.file === route.file && policy.source.loc.line >= route.lines[0] && policy.source.loc.line <= route.lines[1]);
    if (!outer) continue;
    for (const target of facts.resolve(route)) {
      const build = facts.builds.get(target.image) ?? facts.builds.get(imageName(target.image)) ?? composeBuild(compose, target.image);
      if (!build) continue;
      const prefix = /^\/[\w./-]*$/.test(route.path) ? route.path : undefined;
      for (const policy of layerApps({ buildDir: build.dir, commandPorts: [] }, target.containerPort, prefix, appPolicies, partPolicies, files.texts)) {
        if (outer.upstreamLayers?.some((layer) => layer.policy === policy)) continue;
        (outer.upstreamLayers ??= []).push({
          policy,
          hidden: [],
          via: [{ what: `Ingress backend '${route.service}'`, loc: route.loc }, ...target.via, { what: `image built from ${build.dir || '.'}/`, loc: build.loc }, { what: `${policy.source.framework} ${policy.scope.label}`, loc: policy.source.loc }],
        });
      }
    }
  }
}

function composeBuild(services: readonly ComposeService[], image: string): { dir: string; loc: Loc } | undefined {
  const found = services.filter((service) => service.image !== undefined && (service.image === image || imageName(service.image) === imageName(image)));
  return found.length === 1 ? { dir: found[0].buildDir, loc: found[0].loc } : undefined;
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
  for (const proxy of proxies) {
    for (const target of proxy.targets) {
      const service = serviceFor(target.host, proxy.file, services);
      if (!service) continue;
      const apps = layerApps(service, target.port, proxy.upstreamPrefix, appPolicies, partPolicies, files.texts);
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

function sameStart(a: Loc | undefined, b: Loc): boolean {
  return !!a && a.file === b.file && a.line === b.line && a.column === b.column;
}

/**
 * App policies inside the build folder. With one app file there it is the one; with several, only
 * the file whose code (or the service's command) listens on the proxied port.
 */
export function appsServing(service: Pick<ComposeService, 'buildDir' | 'commandPorts'>, port: number | undefined, apps: CorsPolicy[], texts: Map<string, string>): CorsPolicy[] {
  const prefix = service.buildDir ? `${service.buildDir}/` : '';
  const inside = apps.filter((policy) => policy.source.file.replace(/\\/g, '/').startsWith(prefix));
  const byFile = new Map<string, CorsPolicy[]>();
  for (const policy of inside) byFile.set(policy.source.file, [...(byFile.get(policy.source.file) ?? []), policy]);
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
