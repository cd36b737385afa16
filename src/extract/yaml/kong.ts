import type { Node as YamlNode } from 'yaml';
import { kongProfile, kongProgram } from '../../model/frameworks/kong.js';
import type { CorsPolicy, Loc, OriginMatcher } from '../../model/types.js';
import { get, isMap, isSeq, nodeLoc, pairOf, rangeLoc, valueOf, type ParsedYaml } from './parse.js';
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
    const namespace = valueOf(get(root, 'metadata', 'namespace'));
    const bound = kind.value === 'KongPlugin' && name.kind === 'string' ? consumerBinding(parsed, name.value, namespace.kind === 'string' ? namespace.value : undefined) : undefined;
    return [policyFor(parsed, get(root, 'config'), get(root, 'plugin')!, `${kind.value} ${name.kind === 'string' ? name.value : '(unnamed)'}`, bound)];
  }
  // decK state files carry `_format_version`; partial files and the gateway CLIs built on decK
  // (services with their plugins, no version line) do not, so there the plugin's config must hold
  // one of the cors plugin's own keys.
  const versioned = get(root, '_format_version') !== undefined;
  const out: CorsPolicy[] = [];
  const visitPlugins = (owner: YamlNode | null | undefined, label: string, keep?: (plugin: unknown) => boolean, consumer?: boolean) => {
    const plugins = get(owner, 'plugins');
    if (!isSeq(plugins)) return;
    for (const plugin of plugins.items) {
      if (keep && !keep(plugin)) continue;
      const name = valueOf(get(plugin, 'name'));
      const enabled = valueOf(get(plugin, 'enabled'));
      if (name.kind !== 'string' || name.value !== 'cors' || (enabled.kind === 'bool' && !enabled.value)) continue;
      if (!versioned && !KONG_CORS_KEYS.some((key) => get(plugin, 'config', key) !== undefined)) continue;
      // The cors plugin's schema holds `consumer = typedefs.no_consumer` (since 2015): Kong refuses one bound to a consumer.
      const boundKey = consumer ? undefined : pairOf(plugin as YamlNode, 'consumer');
      const bound = consumer || (boundKey !== undefined && boundKey.value !== null && valueOf(boundKey.value as YamlNode).kind !== 'null');
      out.push(policyFor(parsed, get(plugin, 'config'), get(plugin, 'name')!, label, bound ? nodeLoc(parsed, (boundKey?.key as YamlNode | undefined) ?? get(plugin, 'name')!) : undefined));
    }
  };
  const named = (node: unknown, what: string) => {
    const name = valueOf(get(node, 'name'));
    return `${what} ${name.kind === 'string' ? name.value : '(unnamed)'}`;
  };
  // A plugin configured on a service or route replaces the global one of the same name there
  // (Kong's plugin precedence): when every service and route of the file has its own cors
  // plugin, the global one answers no proxied request. Root entries bound to a service, route
  // or consumer (decK's `service:` key) are not global and stay.
  const shadowed = globalCorsShadowed(root);
  visitPlugins(root, 'global', shadowed ? (plugin) => BINDING_KEYS.some((key) => get(plugin, key) !== undefined) : undefined);
  for (const collection of ['services', 'routes', 'consumers']) {
    const items = get(root, collection);
    if (!isSeq(items)) continue;
    for (const item of items.items) {
      const label = named(item, collection.slice(0, -1));
      visitPlugins(item, label, undefined, collection === 'consumers');
      const routes = get(item, 'routes');
      if (isSeq(routes)) for (const route of routes.items) visitPlugins(route, `${label} ${named(route, 'route')}`);
    }
  }
  return out;
}

const BINDING_KEYS = ['service', 'route', 'consumer'];

/** Lines of a manifest read for a KongConsumer binding (each line once, each pattern linear). */
const KIND_LINE = /^kind:[ \t]*["']?([A-Za-z]+)["']?[ \t]*(?:#.*)?$/;
const NAMESPACE_LINE = /^[ \t]+namespace:[ \t]*["']?([a-z0-9.-]+)["']?[ \t]*(?:#.*)?$/;
const PLUGINS_LINE = /^([ \t]+["']?konghq\.com\/plugins["']?:[ \t]*)(["']?)([^"'#\r\n]*)\2[ \t]*(?:#.*)?$/;

/**
 * Where a `KongConsumer` of the same file (and namespace) names this `KongPlugin` in its `konghq.com/plugins`
 * annotation: the controller binds the plugin to that consumer, and Kong's cors schema refuses a consumer
 * (`consumer = typedefs.no_consumer`, kong/plugins/cors/schema.lua), so the configuration is not loaded.
 * Read line by line from the file's text, so that a consumer document with no CORS token (kept unparsed) is seen too.
 */
function consumerBinding(parsed: ParsedYaml, name: string, namespace: string | undefined): Loc | undefined {
  const text = parsed.text;
  let kind: string | undefined;
  let docNamespace: string | undefined;
  let candidate: { from: number; to: number } | undefined;
  const settle = (): Loc | undefined => {
    if (kind === 'KongConsumer' && candidate && (docNamespace ?? 'default') === (namespace ?? 'default')) return rangeLoc(parsed, candidate.from, candidate.to);
    return undefined;
  };
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).replace(/\r$/, '');
    if (/^---(?:[ \t]|$)/.test(line)) {
      const found = settle();
      if (found) return found;
      kind = docNamespace = candidate = undefined;
    } else {
      const kindMatch = KIND_LINE.exec(line);
      if (kindMatch) kind = kindMatch[1];
      const namespaceMatch = NAMESPACE_LINE.exec(line);
      if (namespaceMatch) docNamespace = namespaceMatch[1];
      const plugins = PLUGINS_LINE.exec(line);
      if (plugins) {
        let at = plugins[1].length + plugins[2].length;
        for (const part of plugins[3].split(',')) {
          const lead = part.length - part.trimStart().length;
          if (part.trim() === name) {
            candidate = { from: start + at + lead, to: start + at + lead + name.length };
            break;
          }
          at += part.length + 1;
        }
      }
    }
    start = end + 1;
  }
  return settle();
}

function isCorsPlugin(plugin: unknown): boolean {
  const name = valueOf(get(plugin, 'name'));
  const enabled = valueOf(get(plugin, 'enabled'));
  return name.kind === 'string' && name.value === 'cors' && !(enabled.kind === 'bool' && !enabled.value);
}

function hasOwnCors(owner: unknown): boolean {
  const plugins = get(owner, 'plugins');
  return isSeq(plugins) && plugins.items.some(isCorsPlugin);
}

/** The name a decK reference (`service: api` or `service: { name: api }`) gives. */
function referenced(node: unknown): string | undefined {
  const direct = valueOf(node as YamlNode | null | undefined);
  if (direct.kind === 'string') return direct.value;
  const name = valueOf(get(node, 'name'));
  return name.kind === 'string' ? name.value : undefined;
}

/**
 * True when the file's services and routes all carry a cors plugin of their own (on the service,
 * on each of its routes, or bound to them from the root `plugins:` list), so that a global cors
 * plugin is overridden everywhere the file routes requests to.
 */
function globalCorsShadowed(root: YamlNode): boolean {
  const plugins = get(root, 'plugins');
  const rootCors = isSeq(plugins) ? plugins.items.filter(isCorsPlugin) : [];
  if (!rootCors.some((plugin) => !BINDING_KEYS.some((key) => get(plugin, key) !== undefined))) return false;
  const boundServices = new Set(rootCors.map((plugin) => referenced(get(plugin, 'service'))).filter((name): name is string => name !== undefined));
  const boundRoutes = new Set(rootCors.map((plugin) => referenced(get(plugin, 'route'))).filter((name): name is string => name !== undefined));
  const nameOf = (node: unknown) => referenced(get(node, 'name'));
  const coveredServices = new Set<string>();
  let targets = 0;
  const services = get(root, 'services');
  if (isSeq(services)) {
    for (const service of services.items) {
      targets++;
      const routes = get(service, 'routes');
      const name = nameOf(service);
      const covered = hasOwnCors(service) || (name !== undefined && boundServices.has(name)) || (isSeq(routes) && routes.items.length > 0 && routes.items.every((route) => hasOwnCors(route) || boundRoutes.has(nameOf(route) ?? '')));
      if (!covered) return false;
      if (name !== undefined) coveredServices.add(name);
    }
  }
  const routes = get(root, 'routes');
  if (isSeq(routes)) {
    for (const route of routes.items) {
      targets++;
      const service = referenced(get(route, 'service'));
      if (!(hasOwnCors(route) || boundRoutes.has(nameOf(route) ?? '') || (service !== undefined && (coveredServices.has(service) || boundServices.has(service))))) return false;
    }
  }
  return targets > 0;
}

/**
 * `consumerBound`: where the plugin is bound to a consumer. Kong refuses that ("consumer: value must
 * be null"): the declarative configuration does not load, so the plugin answers nothing.
 */
function policyFor(parsed: ParsedYaml, config: YamlNode | null | undefined, nameNode: YamlNode, label: string, consumerBound?: Loc): CorsPolicy {
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
      else if (LITERAL_ORIGIN.test(item.value)) origins.push({ kind: 'exact', value: item.value, loc, listId, comparedBy: 'kong-url' });
      else {
        const byHost = !item.value.includes(':');
        origins.push({ kind: 'pattern', source: kongRegex(item.value), flags: '', dialect: 're2-full', loc, ...(byHost ? { hostOnly: item.value } : {}) });
      }
    }
    fixed = items.length === 1 && origins[0]?.kind === 'exact';
    // A single literal origin is sent as Allow-Origin as written, never normalised or compared
    // (handler.lua configure_origin): a trailing slash or a default port in it reaches the browser.
    if (fixed && origins[0].kind === 'exact') origins[0] = { kind: 'exact', value: origins[0].value, loc: origins[0].loc, listId: origins[0].listId, sent: true };
  }
  const preflightContinue = locatedBool(parsed, get(config, 'preflight_continue'));
  const refused = consumerBound ? [] : stringForArray(parsed, config);
  const unloaded = consumerBound ?? refused[0]?.loc;
  return gatewayPolicy(parsed, {
    profile: kongProfile,
    scope: { kind: 'router', label },
    sourceLoc,
    origins: unloaded
      ? [{ kind: 'unknown', reason: consumerBound ? 'a cors plugin bound to a consumer, which Kong refuses' : 'a cors plugin whose configuration Kong refuses', loc: unloaded }]
      : isMap(config) || config === undefined || config === null
        ? origins
        : [{ kind: 'unknown', reason: 'config is not a mapping', loc: nodeLoc(parsed, config) }],
    ...(consumerBound
      ? { rejected: [{ loc: consumerBound, message: "Kong's cors plugin cannot be bound to a consumer (its schema requires 'consumer' to be null): Kong refuses the configuration with \"consumer: value must be null\". CORS runs before authentication identifies a consumer; bind the plugin to the service or route instead" }] }
      : refused.length > 0
        ? { rejected: refused }
        : {}),
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

/** The cors plugin's settings its schema types as arrays (kong/plugins/cors/schema.lua). */
const KONG_ARRAY_KEYS = ['origins', 'methods', 'headers', 'exposed_headers'];

/**
 * Array settings written as one string (`origins: "https://app.example.com"`). Kong's schema checks an
 * array with is_sequence and fails with "expected an array"; neither the declarative loader nor decK
 * (go-kong passes a set non-map value through as written) nor the Admin API's JSON body turns a string
 * into a list (only form-encoded arguments are inferred), so the configuration does not load.
 */
function stringForArray(parsed: ParsedYaml, config: YamlNode | null | undefined): NonNullable<CorsPolicy['rejected']> {
  if (!isMap(config)) return [];
  const out: NonNullable<CorsPolicy['rejected']> = [];
  for (const key of KONG_ARRAY_KEYS) {
    const value = valueOf(get(config, key));
    if (value.kind !== 'string') continue;
    const shown = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
    const entries = value.value.split(',').map((entry) => entry.trim()).filter(Boolean);
    const list = entries.length > 0 && entries.length <= 4 ? `: ${key}: [${entries.map((entry) => JSON.stringify(shown(entry))).join(', ')}]` : '';
    out.push({
      loc: nodeLoc(parsed, value.node),
      message: `Kong's cors '${key}' is an array, and a single string ('${shown(value.value)}') is refused with "${key}: expected an array": Kong does not load this configuration; write it as a list${list}`,
    });
  }
  return out;
}

/**
 * Kong drops a leading `^`, anchors the end, and matches a regex without `:` against the host alone
 * (handler.lua `by_host`), so any scheme and port pass. The scheme is spelled `https` or any other,
 * the same language, so that the origins generated from the pattern start with `https://`.
 */
function kongRegex(source: string): string {
  const body = source.replace(/^\^/, '').replace(/\$$/, '');
  return body.includes(':') ? body : `(?:https|[A-Za-z][A-Za-z0-9+.-]*)://(?:${body})(?::\\d+)?`;
}
