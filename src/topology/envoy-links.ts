import { entries, get, isMap, pairOf, valueOf } from '../extract/yaml/parse.js';
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

/** `envoy.filters.http.cors` (by name or by its typed_config's `@type`) among an HTTP connection manager's filters. */
function hasCorsFilter(manager: Node): boolean {
  return items(field(manager, 'http_filters')).some((filter) => {
    const name = text(get(filter, 'name'));
    const type = text(get(field(filter, 'typed_config'), '@type'));
    return name === 'envoy.filters.http.cors' || name === 'envoy.cors' || (type !== undefined && /\.cors\.v3\.Cors$/.test(type));
  });
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
 * hosts or routes carry the extracted Envoy CORS policies, each with the policy that answers on it.
 * Envoy's CORS filter reads the route's policy before the virtual host's, field by field
 * (cors_filter.cc): a route with both is not decided here, nor one under a policy that is enabled by
 * a runtime fraction or in shadow mode. Without `envoy.filters.http.cors` in the connection
 * manager's `http_filters` no policy answers.
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
    /** The CORS policy an owner (virtual host, route or its action) writes: as `cors`, or as the cors filter's typed_per_filter_config. */
    const policyOf = (owner: Node): CorsPolicy | 'unknown' | undefined => {
      const found: Array<{ key: Node; value: Node }> = [];
      const cors = pairOf(owner, 'cors');
      if (cors && isMap(cors.value)) found.push(cors);
      for (const { keyNode, value } of entries(field(owner, 'typed_per_filter_config'))) {
        const type = text(get(value, '@type'));
        if (type !== undefined && /\.cors\.v3\.CorsPolicy$/.test(type)) found.push({ key: keyNode, value });
      }
      if (found.length === 0) return undefined;
      if (found.length > 1) return 'unknown';
      const [{ key, value }] = found;
      // `filter_enabled` / `shadow_enabled`: a runtime fraction decides whether the policy answers.
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
      const corsFilter = hasCorsFilter(manager);
      for (const host of items(field(field(manager, 'route_config'), 'virtual_hosts'))) {
        const hostPolicy = policyOf(host);
        const hostName = text(get(host, 'name')) ?? '(unnamed)';
        for (const route of items(field(host, 'routes'))) {
          const action = field(route, 'route');
          if (!isMap(action)) continue;
          const clusterNode = field(action, 'cluster');
          const names = clusterNode !== undefined ? [text(clusterNode)] : items(field(field(action, 'weighted_clusters'), 'clusters')).map((cluster) => text(get(cluster, 'name')));
          if (names.length === 0 || names.some((name) => name === undefined || !clusters.get(name))) continue;
          const targets = names.flatMap((name) => clusters.get(name!)!);
          const routePolicy = policyOf(route) ?? policyOf(action);
          const plugin = !corsFilter ? undefined : routePolicy !== undefined && hostPolicy !== undefined ? 'unknown' : (routePolicy ?? hostPolicy);
          const match = text(field(field(route, 'match'), 'prefix')) ?? text(field(field(route, 'match'), 'path'));
          out.push({ file, plugin, targets, prefix: routePrefix(route), route: { name: `${hostName} ${match ?? text(get(route, 'name')) ?? ''}`.trim(), loc: locOf(clusterNode ?? field(action, 'weighted_clusters') ?? route) } });
        }
      }
    }
  }
  return out;
}
