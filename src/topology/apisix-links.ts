import { entries, get, isMap, isSeq, pairOf, valueOf } from '../extract/yaml/parse.js';
import type { CorsPolicy } from '../model/types.js';
import { gatewayFiles, items, text, type GatewayRoute } from './gateway-files.js';

type Node = unknown;

/** An id is a string or a number in apisix.yaml. */
const id = (node: Node): string | undefined => {
  const value = valueOf(node as Parameters<typeof valueOf>[0]);
  return value.kind === 'string' ? value.value : value.kind === 'number' ? String(value.value) : undefined;
};

/** Plugins that change the path the upstream sees. */
const PATH_PLUGINS = new Set(['proxy-rewrite', 'uri-blocker']);

/**
 * The upstream's nodes: `{ "api:3000": 1 }` or `[{ host: api, port: 3000, weight: 1 }]`. A node
 * without a port gets the scheme's (80, or 443 for `scheme: https`); a node that cannot be read
 * (a template, a service-discovery upstream) makes the whole list undefined.
 */
function upstreamNodes(upstream: Node): Array<{ host: string; port: number | undefined }> | undefined {
  if (!isMap(upstream)) return undefined;
  if (get(upstream, 'service_name') !== undefined || get(upstream, 'discovery_type') !== undefined) return undefined;
  const scheme = text(get(upstream, 'scheme'));
  const fallback = scheme === 'https' || scheme === 'grpcs' ? 443 : 80;
  const nodes = get(upstream, 'nodes');
  const out: Array<{ host: string; port: number | undefined }> = [];
  if (isMap(nodes)) {
    for (const { key } of entries(nodes)) {
      const match = /^([A-Za-z0-9_.-]+)(?::(\d{1,5}))?$/.exec(key.trim());
      if (!match) return undefined;
      out.push({ host: match[1].toLowerCase(), port: match[2] ? Number(match[2]) : fallback });
    }
  } else if (isSeq(nodes)) {
    for (const node of nodes.items) {
      const host = text(get(node, 'host'));
      const portValue = valueOf(get(node, 'port') as Parameters<typeof valueOf>[0]);
      if (host === undefined || !/^[A-Za-z0-9_.-]+$/.test(host)) return undefined;
      const port = portValue.kind === 'number' ? portValue.value : portValue.kind === 'null' ? fallback : undefined;
      if (port === undefined) return undefined;
      out.push({ host: host.toLowerCase(), port });
    }
  } else return undefined;
  return out.length > 0 ? out : undefined;
}

/**
 * What `uri` (or one entry of `uris`) says about the path: `/api/*` → `/api/`, a literal `/api` → itself;
 * several URIs, a parameter (`/api/:id`) or none → not known.
 */
function uriPrefix(route: Node): string | undefined {
  const uri = text(get(route, 'uri')) ?? (items(get(route, 'uris')).length === 1 ? text(items(get(route, 'uris'))[0]) : undefined);
  if (uri === undefined) return undefined;
  const literal = uri.endsWith('*') ? uri.slice(0, -1) : uri;
  return /^\/[\w./-]*$/.test(literal) ? literal : undefined;
}

/**
 * The routes of APISIX standalone files (`routes:` with `upstream`, `upstream_id` or `service_id`)
 * that carry the extracted APISIX cors policies, each with the cors plugin that runs on it: the
 * route's own, else its plugin config's, else its service's (APISIX merges them in that order of
 * precedence). A cors plugin in `global_rules` runs as well: the route is then not decided here.
 */
export function apisixRoutes(yamlFiles: Map<string, string>, apisixPolicies: CorsPolicy[]): GatewayRoute[] {
  const out: GatewayRoute[] = [];
  for (const { file, root, locOf, byLoc } of gatewayFiles(yamlFiles, apisixPolicies, 'routes')) {
    /** The cors entry of an owner's `plugins`: the policy, 'unknown' (present but not extracted, or disabled), or undefined. */
    const corsOf = (owner: Node): CorsPolicy | 'unknown' | undefined => {
      const cors = pairOf(get(owner, 'plugins'), 'cors');
      if (!cors) return undefined;
      const loc = locOf(cors.key);
      return byLoc.get(`${loc.line}:${loc.column}`) ?? 'unknown';
    };
    const globalCors = items(get(root, 'global_rules')).some((rule) => pairOf(get(rule, 'plugins'), 'cors') !== undefined);
    const byId = (collection: string) => new Map(items(get(root, collection)).flatMap((item) => (id(get(item, 'id')) !== undefined ? [[id(get(item, 'id'))!, item] as const] : [])));
    const upstreams = byId('upstreams');
    const services = byId('services');
    const pluginConfigs = byId('plugin_configs');
    const upstreamOf = (owner: Node): Array<{ host: string; port: number | undefined }> | undefined => {
      if (get(owner, 'upstream') !== undefined) return upstreamNodes(get(owner, 'upstream'));
      const ref = id(get(owner, 'upstream_id'));
      return ref !== undefined && upstreams.has(ref) ? upstreamNodes(get(upstreams.get(ref), 'upstream') ?? upstreams.get(ref)) : undefined;
    };
    items(get(root, 'routes')).forEach((route, index) => {
      const serviceRef = id(get(route, 'service_id'));
      const service = serviceRef !== undefined ? services.get(serviceRef) : undefined;
      if (serviceRef !== undefined && !service) return;
      const configRef = id(get(route, 'plugin_config_id'));
      const config = configRef !== undefined ? pluginConfigs.get(configRef) : undefined;
      if (configRef !== undefined && !config) return;
      const targets = upstreamOf(route) ?? (service ? upstreamOf(service) : undefined);
      if (!targets) return;
      const plugin = globalCors ? 'unknown' : (corsOf(route) ?? (config ? corsOf(config) : undefined) ?? (service ? corsOf(service) : undefined));
      const rewrites = [route, config, service].some((owner) => owner !== undefined && entries(get(owner, 'plugins')).some(({ key }) => PATH_PLUGINS.has(key)));
      const name = id(get(route, 'id')) ?? text(get(route, 'name')) ?? text(get(route, 'uri')) ?? String(index);
      out.push({ file, plugin, targets, prefix: rewrites ? undefined : uriPrefix(route), route: { name, loc: locOf(get(route, 'uri') ?? get(route, 'uris') ?? get(route, 'id') ?? route) } });
    });
  }
  return out;
}
