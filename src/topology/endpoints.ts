import type { CorsPolicy, UpstreamLayer } from '../model/types.js';
import type { ComposeService } from './compose.js';
import { appsServing, composeProjectHolds, listenPorts, type ProxyLink } from './link.js';
import type { NginxLocation } from './nginx-proxies.js';

/** The policy that answers a URL, and the proxy layer behind it when there is one. */
export interface Endpoint {
  policy: CorsPolicy;
  layer?: UpstreamLayer;
  via: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Which policy answers a URL, from what the repository states: an app listening on the port of a
 * `localhost` URL (or a Compose service publishing it), or the nginx `server_name` + `location`
 * for a host name. Anything ambiguous or unstated resolves to nothing.
 */
export function endpointFor(url: string, index: EndpointIndex, fromFile: string): Endpoint | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  const host = parsed.hostname.toLowerCase();
  if (LOOPBACK.has(host)) {
    const found: Endpoint[] = [];
    const files = [...index.apps.keys()].filter((file) => portsOf(index, file).includes(port));
    for (const file of files) found.push(...appEndpoints(index.apps.get(file)!, `an app listening on ${port} (${file})`));
    // Only the Compose project the frontend belongs to publishes ports on its developer's machine.
    for (const service of index.services.filter((candidate) => composeProjectHolds(candidate.composeFile, fromFile))) {
      const mapping = service.published.find((entry) => entry.host === port);
      if (!mapping) continue;
      const apps = appsServing(service, mapping.container, [...index.apps.values()].flat(), index.texts);
      found.push(...appEndpoints(apps, `Compose service '${service.name}' publishing ${port} (${service.composeFile}:${service.loc.line})`));
    }
    return unique(found);
  }
  const path = parsed.pathname;
  const candidates = index.locationsFor(host).filter((location) => location.serverNames.includes(host) && (location.listenPorts.length === 0 || location.listenPorts.includes(port) || location.listenPorts.includes(parsed.protocol === 'https:' ? 443 : 80)));
  if (candidates.length === 0) return undefined;
  // A regex location could take the request instead of the longest prefix: not decided here.
  if (candidates.some((location) => location.regex)) return undefined;
  const exact = candidates.find((location) => location.exact && location.path === path);
  const prefix = candidates.filter((location) => !location.exact && path.startsWith(location.path)).sort((a, b) => b.path.length - a.path.length)[0];
  const location = exact ?? prefix;
  if (!location) return undefined;
  const via = `nginx server_name ${host} location ${location.path} (${location.file}:${location.locationLoc.line})`;
  const policy = index.nginxPolicies.find((candidate) => candidate.source.loc.file === location.file && candidate.source.loc.line === location.locationLoc.line && candidate.source.loc.column === location.locationLoc.column);
  if (!policy) {
    // A location that adds no CORS header and proxies to one app: the app's own headers reach the browser.
    const links = index.proxyLinks.filter((link) => link.proxy.file === location.file && link.proxy.locationLoc.line === location.locationLoc.line && link.proxy.locationLoc.column === location.locationLoc.column);
    const apps = links.length === 1 ? links[0].apps.filter((app) => app.scope.kind === 'app' && app.scope.path === undefined) : [];
    if (links.length !== 1 || apps.length !== 1 || links[0].apps.length !== 1 || links[0].proxy.hidden.some((name) => name.startsWith('access-control-'))) return undefined;
    const [link] = links;
    return { policy: link.apps[0], via: `${via} → proxy_pass ${link.proxy.proxyPass.url} → Compose service '${link.service.name}' (${link.service.composeFile}:${link.service.loc.line}) → ${link.apps[0].source.file}` };
  }
  // One app behind the location; its router- and route-level policies (also linked, for the proxy's own rules) need the call's route.
  const layers = policy.upstreamLayers ?? [];
  const apps = layers.filter((layer) => layer.policy.scope.kind === 'app');
  if (layers.length > 1 && !(apps.length === 1 && apps[0].policy.scope.path === undefined)) return undefined;
  return { policy, layer: layers.length > 1 ? apps[0] : layers[0], via };
}

/** The literal ports an app file listens on, read once per run (every localhost call asked each app's text again). */
function portsOf(index: EndpointIndex, file: string): number[] {
  const known = index.listening.get(file);
  if (known) return known;
  const ports = listenPorts(index.texts.get(file) ?? '');
  index.listening.set(file, ports);
  return ports;
}

export interface EndpointIndex {
  /** Every policy of each JS/TS/Python file. */
  apps: Map<string, CorsPolicy[]>;
  texts: Map<string, string>;
  services: readonly ComposeService[];
  /** The nginx locations of the files that may name `host` (nginx-proxies.ts `nginxLocations`), a superset of those that do. */
  locationsFor(host: string): NginxLocation[];
  nginxPolicies: CorsPolicy[];
  /** listenPorts of app files, filled as calls ask (see portsOf). */
  listening: Map<string, number[]>;
  proxyLinks: ProxyLink[];
}

function appEndpoints(policies: CorsPolicy[], via: string): Endpoint[] {
  // Only an app whose whole CORS behaviour is one app-level policy: route-level policies would need the route.
  return policies.length === 1 && policies[0].scope.kind === 'app' ? [{ policy: policies[0], via }] : [];
}

function unique(found: Endpoint[]): Endpoint | undefined {
  const policies = new Set(found.map((endpoint) => endpoint.policy));
  return policies.size === 1 ? found[0] : undefined;
}
