import { get, valueOf } from '../extract/yaml/parse.js';
import type { CorsPolicy, Loc } from '../model/types.js';
import { gatewayFiles, items, text } from './gateway-files.js';

/** One Kong route to a Compose service: the cors plugin that answers on it (undefined: none, or not known), and where its requests go. */
export interface KongRoute {
  file: string;
  /** The cors plugin in effect on the route, found among the extracted policies by its `name:` position. */
  plugin: CorsPolicy | undefined;
  /** `host:port` pairs Kong sends the route's requests to (the service's, or its upstream's targets). */
  targets: Array<{ host: string; port: number | undefined }>;
  /** The path every request through the route starts with at the upstream; undefined when not known. */
  prefix: string | undefined;
  service: { name: string; loc: Loc };
  route: { name: string; loc: Loc };
}

type Node = unknown;

const number = (node: Node): number | undefined => {
  const value = valueOf(node as Parameters<typeof valueOf>[0]);
  return value.kind === 'number' ? value.value : value.kind === 'string' && /^\d{1,5}$/.test(value.value) ? Number(value.value) : undefined;
};
const isCors = (plugin: Node) => text(get(plugin, 'name')) === 'cors';
const enabled = (plugin: Node) => {
  const value = valueOf(get(plugin, 'enabled'));
  return !(value.kind === 'bool' && !value.value);
};
/** `service: api` or `service: { name: api }` (decK's references). */
const reference = (node: Node): string | undefined => text(node) ?? text(get(node, 'name'));

/**
 * The routes of Kong declarative files (decK / DB-less `kong.yml`) that carry the extracted Kong
 * cors policies, each with the plugin Kong runs on it: the route's own, else its service's, else the
 * global one (Kong's precedence; the cors plugin cannot be bound to a consumer). A route whose
 * nearest cors entry is disabled has no plugin here: not known.
 */
export function kongRoutes(yamlFiles: Map<string, string>, kongPolicies: CorsPolicy[]): KongRoute[] {
  const out: KongRoute[] = [];
  for (const { file, root, locOf, byLoc } of gatewayFiles(yamlFiles, kongPolicies, 'services')) {
    /** The cors entry of a plugin list: the policy, 'disabled' (Kong runs none here, and what it falls back to is not read), or undefined. */
    const corsOf = (plugins: Node[]): CorsPolicy | 'unknown' | undefined => {
      const cors = plugins.filter(isCors);
      if (cors.length === 0) return undefined;
      if (cors.length > 1 || !enabled(cors[0])) return 'unknown';
      return byLoc.get(`${locOf(get(cors[0], 'name')).line}:${locOf(get(cors[0], 'name')).column}`) ?? 'unknown';
    };
    // A cors plugin bound to a consumer (a root entry with `consumer:`, or under `consumers:`) is refused by Kong's schema
    // (`no_consumer`; the extractor reports it): it never answers, so routes are decided without it.
    const rootPlugins = items(get(root, 'plugins')).filter((plugin) => isCors(plugin) && valueOf(get(plugin, 'consumer')).kind === 'null');
    const global = corsOf(rootPlugins.filter((plugin) => get(plugin, 'service') === undefined && get(plugin, 'route') === undefined));
    const boundTo = (key: 'service' | 'route', name: string | undefined) => (name === undefined ? [] : rootPlugins.filter((plugin) => reference(get(plugin, key)) === name && get(plugin, key === 'service' ? 'route' : 'service') === undefined));
    const upstreams = new Map<string, Array<{ host: string; port: number | undefined }>>();
    for (const upstream of items(get(root, 'upstreams'))) {
      const name = text(get(upstream, 'name'));
      if (name === undefined) continue;
      // A target without a port is Kong's default 8000.
      const targets = items(get(upstream, 'targets')).map((target) => hostPort(text(get(target, 'target')) ?? '', 8000));
      if (targets.every((target) => target !== undefined)) upstreams.set(name.toLowerCase(), targets as Array<{ host: string; port: number | undefined }>);
    }
    const services = items(get(root, 'services'));
    const rootRoutes = items(get(root, 'routes'));
    for (const service of services) {
      const name = text(get(service, 'name'));
      const target = serviceTarget(service);
      if (!target) continue;
      const targets = upstreams.get(target.host) ?? [{ host: target.host, port: target.port }];
      const own = corsOf([...items(get(service, 'plugins')), ...boundTo('service', name)]);
      const routes = [...items(get(service, 'routes')), ...(name === undefined ? [] : rootRoutes.filter((route) => reference(get(route, 'service')) === name))];
      for (const route of routes) {
        const routeName = text(get(route, 'name'));
        const nearest = corsOf([...items(get(route, 'plugins')), ...boundTo('route', routeName)]) ?? own ?? global;
        const paths = items(get(route, 'paths'));
        const strip = valueOf(get(route, 'strip_path'));
        const prefixes = paths.length === 0 || !(strip.kind === 'bool' && !strip.value) ? [target.path ?? '/'] : paths.map((path) => joined(target.path, text(path)));
        for (const prefix of new Set(prefixes)) {
          out.push({
            file,
            plugin: nearest === 'unknown' ? undefined : nearest,
            targets,
            prefix,
            service: { name: name ?? '(unnamed)', loc: locOf(get(service, 'url') ?? get(service, 'host') ?? get(service, 'name')) },
            route: { name: routeName ?? '(unnamed)', loc: locOf(get(route, 'name') ?? route) },
          });
        }
      }
    }
  }
  return out;
}

/** Where a Kong service sends requests: `url`, or `host` with `port` (default 80) and `path`. */
function serviceTarget(service: Node): { host: string; port: number | undefined; path: string | undefined } | undefined {
  const url = text(get(service, 'url'));
  if (url !== undefined) {
    const match = /^(https?):\/\/([A-Za-z0-9_.-]+)(?::(\d{1,5}))?(\/[^?#]*)?$/i.exec(url.trim());
    if (!match) return undefined;
    return { host: match[2].toLowerCase(), port: match[3] ? Number(match[3]) : match[1].toLowerCase() === 'https' ? 443 : 80, path: match[4] };
  }
  const host = text(get(service, 'host'));
  if (host === undefined || !/^[A-Za-z0-9_.-]+$/.test(host)) return undefined;
  const portNode = get(service, 'port');
  const port = portNode === undefined ? 80 : number(portNode);
  if (port === undefined) return undefined;
  const path = get(service, 'path') === undefined ? undefined : text(get(service, 'path'));
  if (get(service, 'path') !== undefined && path === undefined) return undefined;
  return { host: host.toLowerCase(), port, path };
}

/** `strip_path: false`: the route's path follows the service's; a regex route path (`~…`) or a service path of its own is not joined here. */
function joined(servicePath: string | undefined, routePath: string | undefined): string | undefined {
  if (routePath === undefined || !/^\/[\w./-]*$/.test(routePath)) return undefined;
  return servicePath === undefined || servicePath === '/' ? routePath : undefined;
}

function hostPort(value: string, defaultPort: number): { host: string; port: number } | undefined {
  const match = /^([A-Za-z0-9_.-]+)(?::(\d{1,5}))?$/.exec(value.trim());
  return match ? { host: match[1].toLowerCase(), port: match[2] ? Number(match[2]) : defaultPort } : undefined;
}
