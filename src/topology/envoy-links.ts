import { envoyChainAllowsOrigins, envoyCorsChain, envoyCorsFilter } from '../extract/yaml/envoy.js';
import { get, isMap, pairOf, valueOf } from '../extract/yaml/parse.js';
import type { CorsPolicy } from '../model/types.js';
import { gatewayFiles, items, text, type GatewayRoute } from './gateway-files.js';

type Node = unknown;

/** Envoy reads proto field names in snake_case and in lowerCamelCase (proto3 JSON). */
function field(map: Node, snake: string): Node {
  const camel = snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  return (pairOf(map, snake) ?? pairOf(map, camel))?.value;
}

const HOST = /^[A-Za-z0-9_.-]+$/;

/**
 * A cluster's endpoints (`load_assignment.endpoints[].lb_endpoints[].endpoint.address.socket_address`,
 * or v2's `hosts[].socket_address`): undefined when one cannot be read (a pipe, a template, no port),
 * when the cluster uses EDS or another discovery, or when it has none.
 */
function clusterTargets(cluster: Node): Array<{ host: string; port: number | undefined }> | undefined {
  const type = text(field(cluster, 'type'));
  if (type !== undefined && !/^(STATIC|STRICT_DNS|LOGICAL_DNS)$/.test(type)) return undefined;
  if (field(cluster, 'cluster_type') !== undefined || field(cluster, 'eds_cluster_config') !== undefined) return undefined;
  const addresses: Node[] = [];
  const assignment = field(cluster, 'load_assignment');
  for (const locality of items(field(assignment, 'endpoints'))) for (const lb of items(field(locality, 'lb_endpoints'))) addresses.push(field(field(field(lb, 'endpoint'), 'address'), 'socket_address'));
  for (const host of items(field(cluster, 'hosts'))) addresses.push(field(host, 'socket_address'));
  const out: Array<{ host: string; port: number | undefined }> = [];
  for (const address of addresses) {
    const host = text(field(address, 'address'));
    const portValue = valueOf(field(address, 'port_value') as Parameters<typeof valueOf>[0]);
    const port = portValue.kind === 'number' ? portValue.value : portValue.kind === 'string' && /^\d{1,5}$/.test(portValue.value) ? Number(portValue.value) : undefined;
    if (host === undefined || !HOST.test(host) || port === undefined) return undefined;
    out.push({ host: host.toLowerCase(), port });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * The path a route hands the upstream: its `prefix` or `path` match when that is a plain path and the
 * route rewrites nothing; a regex match, a rewrite or a template leaves it unknown.
 */
function routePrefix(route: Node): string | undefined {
  const action = field(route, 'route');
  if (['prefix_rewrite', 'regex_rewrite', 'path_rewrite_policy'].some((key) => field(action, key) !== undefined)) return undefined;
  const match = field(route, 'match');
  const written = text(field(match, 'prefix')) ?? text(field(match, 'path')) ?? text(field(match, 'path_separated_prefix'));
  return written !== undefined && /^\/[\w./-]*$/.test(written) ? written : undefined;
}

/**
 * The routes of Envoy bootstrap files (`static_resources` with listeners and clusters) whose virtual
 * hosts or routes carry the extracted Envoy CORS policies, each with the policy that answers on it:
 * the route's policies merged field by field as Envoy's CORS filter reads them (envoyCorsChain). A
 * route under a policy enabled by a runtime fraction or in shadow mode is not decided here, nor one
 * whose connection manager's filter chain cannot be read in full. Without `envoy.filters.http.cors`
 * in the connection manager's `http_filters` no policy answers.
 */
export function envoyRoutes(yamlFiles: Map<string, string>, envoyPolicies: CorsPolicy[]): GatewayRoute[] {
  const out: GatewayRoute[] = [];
  for (const { file, root, locOf, byLoc } of gatewayFiles(yamlFiles, envoyPolicies, 'static_resources')) {
    const resources = get(root, 'static_resources');
    const clusters = new Map<string, Array<{ host: string; port: number | undefined }> | undefined>();
    for (const cluster of items(field(resources, 'clusters'))) {
      const name = text(get(cluster, 'name'));
      if (name !== undefined) clusters.set(name, clusters.has(name) ? undefined : clusterTargets(cluster));
    }
    /** The CORS policy Envoy's filter puts together for a route (envoyCorsChain), as the extractor built it (keyed by its first policy). */
    const policyOf = (routeConfig: Node, host: Node, route: Node): CorsPolicy | 'unknown' | undefined => {
      const chain = envoyCorsChain(routeConfig, host, route);
      if (chain === 'unknown') return 'unknown';
      if (chain.length === 0 || !envoyChainAllowsOrigins(chain)) return undefined;
      const [{ key, value }] = chain;
      // `filter_enabled` / `shadow_enabled` (read from the most specific policy): a runtime fraction decides whether the policy answers.
      if (field(value, 'filter_enabled') !== undefined || field(value, 'shadow_enabled') !== undefined) return 'unknown';
      return byLoc.get(`${locOf(key).line}:${locOf(key).column}`) ?? 'unknown';
    };
    const managers: Node[] = [];
    for (const listener of items(field(resources, 'listeners'))) {
      for (const chain of items(field(listener, 'filter_chains'))) {
        for (const filter of items(field(chain, 'filters'))) {
          const config = field(filter, 'typed_config') ?? field(filter, 'config');
          if (field(config, 'route_config') !== undefined) managers.push(config);
        }
      }
    }
    for (const manager of managers) {
      const corsFilter = envoyCorsFilter(manager);
      const routeConfig = field(manager, 'route_config');
      for (const host of items(field(routeConfig, 'virtual_hosts'))) {
        const hostName = text(get(host, 'name')) ?? '(unnamed)';
        for (const route of items(field(host, 'routes'))) {
          const action = field(route, 'route');
          if (!isMap(action)) continue;
          const clusterNode = field(action, 'cluster');
          const names = clusterNode !== undefined ? [text(clusterNode)] : items(field(field(action, 'weighted_clusters'), 'clusters')).map((cluster) => text(get(cluster, 'name')));
          if (names.length === 0 || names.some((name) => name === undefined || !clusters.get(name))) continue;
          const targets = names.flatMap((name) => clusters.get(name!)!);
          const plugin = corsFilter === 'absent' ? undefined : corsFilter === 'unknown' ? 'unknown' : policyOf(routeConfig, host, route);
          const match = text(field(field(route, 'match'), 'prefix')) ?? text(field(field(route, 'match'), 'path'));
          out.push({ file, plugin, targets, prefix: routePrefix(route), route: { name: `${hostName} ${match ?? text(get(route, 'name')) ?? ''}`.trim(), loc: locOf(clusterNode ?? field(action, 'weighted_clusters') ?? route) } });
        }
      }
    }
  }
  return out;
}
