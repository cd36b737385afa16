import type { Scalar } from 'yaml';
import { azureStaticWebAppsHeadersProfile } from '../../model/frameworks/platform.js';
import type { Loc, SourceFile } from '../../model/types.js';
import { isMap, isScalar, pairOf } from '../yaml/parse.js';
import { routeHeaderPolicy, type RouteHeader } from './route-headers.js';
import { items, openPlatformJson, routeHeader, type PlatformJson, type PlatformPolicies } from './vercel.js';

/**
 * `staticwebapp.config.json` (Azure Static Web Apps): `globalHeaders` go on every response, and a
 * route's `headers` on the responses of its `route`, over the global ones of the same name (Azure
 * merges the two, the route's value winning). Read like vercel.json: `JSON.parse` first (the
 * platform refuses anything else), then the YAML reader for a position on every value.
 */
export function readStaticWebAppsConfig(file: SourceFile): PlatformPolicies {
  const opened = openPlatformJson(file, 'Azure Static Web Apps refuses to deploy it');
  if ('done' in opened) return opened.done;
  const out: PlatformPolicies = { policies: [], errors: [] };
  const { json } = opened;
  const { root, loc, str } = json;
  const globalPair = pairOf(root, 'globalHeaders');
  const global = headerMap(globalPair?.value, json);
  const policyOf = (path: string, sourceLoc: Loc, headers: RouteHeader[]) =>
    routeHeaderPolicy({ file: file.path, format: 'json', profile: azureStaticWebAppsHeadersProfile, path, sourceLoc, headers });
  if (global.length > 0) {
    const policy = policyOf('/*', loc(globalPair!.key), global);
    if (policy) out.policies.push(policy);
  }
  for (const route of items(pairOf(root, 'routes')?.value)) {
    if (!isMap(route)) continue;
    const own = headerMap(pairOf(route, 'headers')?.value, json);
    if (own.length === 0) continue;
    const names = new Set(own.map((header) => header.name.toLowerCase()));
    const routeNode = pairOf(route, 'route')?.value;
    const policy = policyOf(str(routeNode) ?? '/*', loc(routeNode ?? route), [...global.filter((header) => !names.has(header.name.toLowerCase())), ...own]);
    if (policy) out.policies.push(policy);
  }
  return out;
}

/** `{ "Header-Name": "value" }`, as globalHeaders and a route's headers write it. */
function headerMap(node: unknown, json: Extract<PlatformJson, { root: unknown }>): RouteHeader[] {
  if (!isMap(node)) return [];
  const headers: RouteHeader[] = [];
  for (const pair of node.items) {
    const name = json.str(pair.key);
    if (name === undefined || !isScalar(pair.value)) continue;
    headers.push(routeHeader(name, pair.value, json.loc({ range: [(pair.key as Scalar).range![0], (pair.value as Scalar).range![1], 0] }), json.loc(pair.value), json.text));
  }
  return headers;
}
