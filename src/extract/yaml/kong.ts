import type { Node as YamlNode } from 'yaml';
import { kongProfile, kongProgram } from '../../model/frameworks/kong.js';
import type { CorsPolicy, OriginMatcher } from '../../model/types.js';
import { get, isMap, isSeq, nodeLoc, valueOf, type ParsedYaml } from './parse.js';
import { gatewayPolicy, listEntries, listOption, locatedBool, numberOption } from './policy.js';

/** Keys of the Kong cors plugin's config that other tools' `cors` plugins do not share. */
const KONG_CORS_KEYS = ['origins', 'exposed_headers', 'preflight_continue', 'private_network'];

/** Kong treats an origin with any character outside this set as a regex (handler.lua). */
const LITERAL_ORIGIN = /^[A-Za-z0-9.:/-]+$/;

/**
 * The `cors` plugin in a declarative `kong.yml` (global, per service, per route, per consumer) and
 * in `KongPlugin` / `KongClusterPlugin` resources.
 */
export function kongPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const kind = valueOf(get(root, 'kind'));
  if (kind.kind === 'string' && (kind.value === 'KongPlugin' || kind.value === 'KongClusterPlugin')) {
    const plugin = valueOf(get(root, 'plugin'));
    if (plugin.kind !== 'string' || plugin.value !== 'cors' || locatedBool(parsed, get(root, 'disabled'))?.value === true) return [];
    const name = valueOf(get(root, 'metadata', 'name'));
    return [policyFor(parsed, get(root, 'config'), get(root, 'plugin')!, `${kind.value} ${name.kind === 'string' ? name.value : '(unnamed)'}`)];
  }
  // decK state files carry `_format_version`; partial files and the gateway CLIs built on decK
  // (services with their plugins, no version line) do not, so there the plugin's config must hold
  // one of the cors plugin's own keys.
  const versioned = get(root, '_format_version') !== undefined;
  const out: CorsPolicy[] = [];
  const visitPlugins = (owner: YamlNode | null | undefined, label: string) => {
    const plugins = get(owner, 'plugins');
    if (!isSeq(plugins)) return;
    for (const plugin of plugins.items) {
      const name = valueOf(get(plugin, 'name'));
      const enabled = valueOf(get(plugin, 'enabled'));
      if (name.kind !== 'string' || name.value !== 'cors' || (enabled.kind === 'bool' && !enabled.value)) continue;
      if (!versioned && !KONG_CORS_KEYS.some((key) => get(plugin, 'config', key) !== undefined)) continue;
      out.push(policyFor(parsed, get(plugin, 'config'), get(plugin, 'name')!, label));
    }
  };
  const named = (node: unknown, what: string) => {
    const name = valueOf(get(node, 'name'));
    return `${what} ${name.kind === 'string' ? name.value : '(unnamed)'}`;
  };
  visitPlugins(root, 'global');
  for (const collection of ['services', 'routes', 'consumers']) {
    const items = get(root, collection);
    if (!isSeq(items)) continue;
    for (const item of items.items) {
      const label = named(item, collection.slice(0, -1));
      visitPlugins(item, label);
      const routes = get(item, 'routes');
      if (isSeq(routes)) for (const route of routes.items) visitPlugins(route, `${label} ${named(route, 'route')}`);
    }
  }
  return out;
}

function policyFor(parsed: ParsedYaml, config: YamlNode | null | undefined, nameNode: YamlNode, label: string): CorsPolicy {
  const sourceLoc = nodeLoc(parsed, nameNode);
  const origins: OriginMatcher[] = [];
  const originsNode = get(config, 'origins');
  let fixed = false;
  if (originsNode !== undefined && originsNode !== null) {
    const items = listEntries(originsNode);
    const listId = `${sourceLoc.line}:${sourceLoc.column}`;
    for (const item of items) {
      const loc = nodeLoc(parsed, item.node);
      if ('unknown' in item) origins.push({ kind: 'unknown', reason: item.unknown, loc });
      else if (item.value === '*') origins.push({ kind: 'any', loc });
      else if (LITERAL_ORIGIN.test(item.value)) origins.push({ kind: 'exact', value: item.value, loc, listId, comparedBy: 'normalized-url' });
      else origins.push({ kind: 'pattern', source: kongRegex(item.value), flags: '', dialect: 're2-full', loc });
    }
    fixed = items.length === 1 && origins[0]?.kind === 'exact';
  }
  const preflightContinue = locatedBool(parsed, get(config, 'preflight_continue'));
  return gatewayPolicy(parsed, {
    profile: kongProfile,
    scope: { kind: 'router', label },
    sourceLoc,
    origins: isMap(config) || config === undefined || config === null ? origins : [{ kind: 'unknown', reason: 'config is not a mapping', loc: nodeLoc(parsed, config) }],
    originMode: fixed ? 'fixed' : 'compare',
    credentials: locatedBool(parsed, get(config, 'credentials')),
    allowMethods: listOption(parsed, get(config, 'methods'), false),
    allowHeaders: listOption(parsed, get(config, 'headers'), false),
    exposeHeaders: listOption(parsed, get(config, 'exposed_headers'), false),
    maxAge: numberOption(parsed, get(config, 'max_age')),
    preflight: preflightContinue?.value === true ? { kind: 'passthrough', loc: preflightContinue.loc } : { kind: 'handled', status: 200, loc: sourceLoc },
    vary: true,
    program: (policy) => kongProgram(policy, preflightContinue?.value === true),
  });
}

/** Kong drops a leading `^`, anchors the end, and matches a regex without `:` against the host alone. */
function kongRegex(source: string): string {
  const body = source.replace(/^\^/, '').replace(/\$$/, '');
  return body.includes(':') ? body : `[A-Za-z][A-Za-z0-9+.-]*://(?:${body})(?::\\d+)?`;
}
