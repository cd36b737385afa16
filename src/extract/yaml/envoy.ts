import type { Node as YamlNode } from 'yaml';
import { contourProfile, envoyGatewayProfile, envoyProfile, envoyProgram, istioProfile } from '../../model/frameworks/envoy.js';
import { matcherAccepts } from '../../model/respond.js';
import { handSetHeadersProfile } from '../../model/profiles.js';
import type { CorsPolicy, FrameworkProfile, Loc, OriginMatcher } from '../../model/types.js';
import { routeHeaderPolicy } from '../platform/route-headers.js';
import { asBool, entries, get, isMap, isSeq, nodeLoc, pairOf, stringList, valueOf, type ParsedYaml } from './parse.js';
import { gatewayPolicy, listOption, locatedBool, mappedHeaders, numberOption, originList, shownOrigin } from './policy.js';
import { escapeRegex } from '../../util/regex-escape.js';

/** Envoy accepts proto field names in snake_case and in lowerCamelCase (proto3 JSON). */
function field(map: unknown, snake: string): YamlNode | null | undefined {
  const camel = snake.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
  const pair = pairOf(map, snake) ?? pairOf(map, camel);
  return pair ? (pair.value as YamlNode | null) : undefined;
}

const ORIGIN_FIELDS = ['allow_origin_string_match', 'allow_origin', 'allow_origin_regex'];
const MAX_DEPTH = 64;

/**
 * An origin field as Envoy config writes it: each is a repeated field (`allow_origin_string_match: [{ exact: … }]`,
 * v2's `allow_origin: [ … ]`), or one matcher mapping in place of the list (see stringMatchers). Envoy
 * would also take a lone string as a one-item list, but a `cors` map whose only origin is a string is
 * far more often an application's own setting (`cors: { allowOrigin: "*" }` in a Helm chart's values
 * or a service's config.yaml), so that is not read as Envoy. A value cors-lint cannot read (a template
 * placeholder, an alias) may still be a list.
 */
function originListField(node: YamlNode | null | undefined): boolean {
  if (node === undefined) return false;
  const value = valueOf(node);
  return value.kind !== 'string' && value.kind !== 'number' && value.kind !== 'bool';
}

/**
 * Route and virtual-host `cors` policies and `typed_per_filter_config` entries of
 * `envoy.filters.http.cors`, found wherever they sit in a bootstrap or xDS file. Inside a route
 * configuration (`virtual_hosts`) each route gets the policy Envoy's CORS filter puts together for it
 * (envoyCorsChain); a connection manager whose filter chain has no CORS filter makes every policy of
 * its routes inert, and none is read there.
 */
export function envoyPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const out: CorsPolicy[] = [];
  /** Policy mappings a route configuration's reading has already accounted for. */
  const handled = new Set<unknown>();
  // `vary`: a Vary header a virtual host or route adds with response_headers_to_add, inherited downwards.
  const visit = (node: unknown, label: string, vary: string | undefined, depth: number) => {
    if (depth > MAX_DEPTH) return;
    if (isSeq(node)) {
      for (const item of node.items) visit(item, label, vary, depth + 1);
      return;
    }
    if (!isMap(node)) return;
    const name = valueOf(get(node, 'name'));
    const here = name.kind === 'string' ? name.value : label;
    const varyHere = addedVary(field(node, 'response_headers_to_add')) ?? vary;
    // Without the CORS filter in the connection manager's chain Envoy ignores the cors policies of its routes (cors_filter.cc is what reads them).
    const inert = field(node, 'route_config') !== undefined && envoyCorsFilter(node) === 'absent' ? field(node, 'route_config') : undefined;
    if (isSeq(field(node, 'virtual_hosts'))) out.push(...routeConfigPolicies(parsed, node, here, varyHere, handled));
    for (const { key, keyNode, value } of entries(node)) {
      if (inert !== undefined && value === inert) continue;
      if (handled.has(value)) continue;
      const typed = valueOf(get(value, '@type'));
      const isPerFilter = typed.kind === 'string' && /\.cors\.v3\.CorsPolicy$/.test(typed.value);
      if ((key === 'cors' || isPerFilter) && isMap(value) && ORIGIN_FIELDS.some((f) => originListField(field(value, f)))) {
        if (!switchedOff(value)) out.push(envoyPolicy(parsed, [{ key: keyNode, value }], here, varyHere));
        continue;
      }
      visit(value, here, varyHere, depth + 1);
    }
  };
  visit(root, 'envoy', undefined, 0);
  return out;
}

/** A CORS policy mapping as written: its key (`cors`, or the per-filter config's filter name) and its value. */
export interface EnvoyCorsEntry {
  key: YamlNode;
  value: YamlNode;
}

/** `envoy.filters.http.cors` (by name or by its typed_config's `@type`) among an HTTP connection manager's filters. */
function isCorsFilter(filter: unknown): boolean {
  const name = valueOf(get(filter, 'name'));
  const type = valueOf(get(field(filter, 'typed_config'), '@type'));
  return (name.kind === 'string' && (name.value === 'envoy.filters.http.cors' || name.value === 'envoy.cors')) || (type.kind === 'string' && /\.cors\.v3\.Cors$/.test(type.value));
}

/**
 * Whether an HTTP connection manager runs the CORS filter: 'absent' only when its `http_filters` list
 * is read in full (every filter named) and none is the CORS filter. A missing list (a fragment), a
 * filter that cannot be read (a template), or a CORS filter `disabled` by default (a route may enable
 * it) leave it 'unknown'.
 */
export function envoyCorsFilter(manager: unknown): 'present' | 'absent' | 'unknown' {
  const filters = field(manager, 'http_filters');
  if (!isSeq(filters)) return 'unknown';
  let readable = true;
  for (const filter of filters.items) {
    if (isCorsFilter(filter)) return asBool(valueOf(field(filter, 'disabled'))) === false || field(filter, 'disabled') === undefined ? 'present' : 'unknown';
    if (valueOf(get(filter, 'name')).kind !== 'string') readable = false;
  }
  return readable ? 'absent' : 'unknown';
}

/** The CORS policies written in an owner's `typed_per_filter_config` (by the extension's `@type`). */
function perFilterCors(owner: unknown): EnvoyCorsEntry[] {
  const out: EnvoyCorsEntry[] = [];
  for (const { keyNode, value } of entries(field(owner, 'typed_per_filter_config'))) {
    const type = valueOf(get(value, '@type'));
    if (type.kind === 'string' && /\.cors\.v3\.CorsPolicy$/.test(type.value) && isMap(value)) out.push({ key: keyNode, value: value as YamlNode });
  }
  return out;
}

/** An owner's `cors` mapping (a virtual host's, a route action's). */
function corsField(owner: unknown): EnvoyCorsEntry[] {
  const pair = pairOf(owner, 'cors');
  return pair && isMap(pair.value) ? [{ key: pair.key as YamlNode, value: pair.value as YamlNode }] : [];
}

/**
 * The policies Envoy's CORS filter reads for a route, most specific first (`initializeCorsPolicies`
 * in cors_filter.cc): the CORS filter's `typed_per_filter_config` of the route, its virtual host and the
 * route configuration when any of them has one (the route-table `cors` fields are then ignored),
 * else the route action's `cors` and the virtual host's. Each setting is read from the first policy
 * that sets it. 'unknown' when a weighted cluster carries a policy of its own (it depends on the cluster picked).
 */
export function envoyCorsChain(routeConfig: unknown, host: unknown, route: unknown): EnvoyCorsEntry[] | 'unknown' {
  const action = field(route, 'route');
  const weighted = field(field(action, 'weighted_clusters'), 'clusters');
  if (isSeq(weighted) && weighted.items.some((cluster) => perFilterCors(cluster).length > 0)) return 'unknown';
  const perFilter = [...perFilterCors(route), ...perFilterCors(host), ...perFilterCors(routeConfig)];
  if (perFilter.length > 0) return perFilter;
  // A `cors` on the route itself is not a v3 field, but it is where older examples put it.
  return [...corsField(action), ...corsField(route), ...corsField(host)];
}

/**
 * A policy whose `filter_enabled` runs the CORS filter for 0% of requests by default (a numerator of 0,
 * or none: proto3's default): Envoy then adds nothing and answers no preflight for the routes it is
 * the most specific policy of (envoyproxy/examples' `/cors/disabled`). A runtime key can still raise
 * it at run time; the default is what a deployment without that runtime setting gets.
 */
function switchedOff(policy: unknown): boolean {
  const enabled = field(policy, 'filter_enabled');
  if (enabled === undefined) return false;
  const fraction = field(enabled, 'default_value');
  if (!isMap(fraction)) return false;
  const numerator = field(fraction, 'numerator');
  if (numerator === undefined) return true;
  const value = valueOf(numerator);
  return value.kind === 'number' ? value.value === 0 : value.kind === 'string' && value.value.trim() === '0';
}

/** Whether any policy of a chain lists origins (without one Envoy allows none, and adds nothing). */
export function envoyChainAllowsOrigins(chain: EnvoyCorsEntry[]): boolean {
  return chain.some((entry) => ORIGIN_FIELDS.some((name) => originListField(field(entry.value, name))));
}

/**
 * The policies of one route configuration (a map with `virtual_hosts`), one per distinct set of
 * policies its routes are answered by. A route that is a redirect or a direct response is not seen by
 * the CORS filter (no route entry). A virtual host whose routes cannot be read is left to the
 * generic reading (each policy on its own).
 */
function routeConfigPolicies(parsed: ParsedYaml, routeConfig: YamlNode, label: string, vary: string | undefined, handled: Set<unknown>): CorsPolicy[] {
  const out: CorsPolicy[] = [];
  const built = new Map<string, CorsPolicy>();
  const configVary = addedVary(field(routeConfig, 'response_headers_to_add')) ?? vary;
  const hosts = field(routeConfig, 'virtual_hosts');
  for (const host of isSeq(hosts) ? hosts.items : []) {
    const routes = field(host, 'routes');
    if (!isMap(host) || !isSeq(routes)) continue;
    const hostName = valueOf(get(host, 'name'));
    const hostLabel = hostName.kind === 'string' ? hostName.value : label;
    const hostVary = addedVary(field(host, 'response_headers_to_add')) ?? configVary;
    const chains: Array<{ chain: EnvoyCorsEntry[]; label: string; vary: string | undefined }> = [];
    let readable = true;
    for (const route of routes.items) {
      if (!isMap(route)) {
        readable = false;
        continue;
      }
      // Redirects and direct responses have no route entry: the CORS filter passes them by.
      if (!isMap(field(route, 'route'))) {
        if (field(route, 'redirect') === undefined && field(route, 'direct_response') === undefined) readable = false;
        continue;
      }
      const chain = envoyCorsChain(routeConfig, host, route);
      if (chain === 'unknown') {
        readable = false;
        continue;
      }
      // Envoy asks the first policy alone whether the filter runs for this route (enabled() in cors_filter.cc).
      if (chain.length === 0 || switchedOff(chain[0].value)) continue;
      const routeName = valueOf(get(route, 'name'));
      const own = [...corsField(field(route, 'route')), ...corsField(route), ...perFilterCors(route)].some((entry) => entry.value === chain[0].value);
      const routeVary = addedVary(field(route, 'response_headers_to_add'));
      chains.push({ chain, label: own && routeName.kind === 'string' ? routeName.value : hostLabel, vary: own ? (routeVary ?? hostVary) : hostVary });
    }
    if (!readable) continue;
    for (const entry of [...corsField(host), ...perFilterCors(host)]) handled.add(entry.value);
    for (const route of routes.items) for (const entry of [...corsField(field(route, 'route')), ...corsField(route), ...perFilterCors(route)]) handled.add(entry.value);
    for (const { chain, label: chainLabel, vary: chainVary } of chains) {
      const id = chain.map((entry) => `${nodeLoc(parsed, entry.key).line}:${nodeLoc(parsed, entry.key).column}`).join(' ') + `\u0000${chainVary ?? ''}`;
      if (built.has(id)) continue;
      // A route whose policies set no origin allows none: Envoy adds nothing and passes its preflights on.
      if (!envoyChainAllowsOrigins(chain)) continue;
      const policy = envoyPolicy(parsed, chain, chainLabel, chainVary);
      built.set(id, policy);
      out.push(policy);
    }
  }
  for (const entry of perFilterCors(routeConfig)) handled.add(entry.value);
  return out;
}

/**
 * `allow_origin_string_match` entries. Envoy reads its YAML as proto3 JSON, and protobuf's JSON parser
 * takes a single value in place of a repeated field's list (the legacy converter never checked; the
 * rewritten parser keeps it under `allow_legacy_syntax`, which `JsonStringToMessage` always sets), so
 * one mapping there is a one-matcher list.
 */
function stringMatchers(parsed: ParsedYaml, list: YamlNode | null | undefined, listId: string): OriginMatcher[] {
  const items = isSeq(list) ? list.items : isMap(list) ? [list] : undefined;
  if (!items) return list ? [{ kind: 'unknown', reason: 'not a list', loc: nodeLoc(parsed, list) }] : [];
  const out: OriginMatcher[] = [];
  for (const item of items) {
    const ignoreCase = locatedBool(parsed, field(item, 'ignore_case'))?.value === true;
    const flags = ignoreCase ? 'i' : '';
    const one = (key: string) => field(item, key);
    const exact = valueOf(one('exact'));
    const prefix = valueOf(one('prefix'));
    const suffix = valueOf(one('suffix'));
    const contains = valueOf(one('contains'));
    const regex = valueOf(field(one('safe_regex'), 'regex') ?? one('regex'));
    const loc = nodeLoc(parsed, item as YamlNode);
    if (exact.kind === 'string') out.push({ kind: 'exact', value: exact.value, loc: nodeLoc(parsed, exact.node), caseInsensitive: ignoreCase, listId });
    else if (prefix.kind === 'string') out.push({ kind: 'pattern', source: `^${escapeRegex(prefix.value)}`, flags, dialect: 'js-search', loc: nodeLoc(parsed, prefix.node), written: 'prefix' });
    else if (suffix.kind === 'string') out.push({ kind: 'pattern', source: `${escapeRegex(suffix.value)}$`, flags, dialect: 'js-search', loc: nodeLoc(parsed, suffix.node), written: 'suffix' });
    else if (contains.kind === 'string') out.push({ kind: 'pattern', source: escapeRegex(contains.value), flags, dialect: 'js-search', loc: nodeLoc(parsed, contains.node), written: 'contains' });
    else if (regex.kind === 'string') out.push({ kind: 'pattern', source: regex.value, flags: '', dialect: 're2-full', loc: nodeLoc(parsed, regex.node) });
    else out.push({ kind: 'unknown', reason: 'unreadable string matcher', loc });
  }
  return out;
}

/** Envoy allows everything when any matcher accepts the literal string `*` (`isOriginAllowed`). */
export function collapseAllowAll(origins: OriginMatcher[], product: string, why = `this matcher also matches the string '*', which ${product} treats as allowing every origin`): OriginMatcher[] {
  const all = origins.find((matcher) => matcher.kind !== 'any' && matcherAccepts(matcher, '*') === true);
  if (!all) return origins;
  return [{ kind: 'any', loc: all.loc, why }];
}

/** `response_headers_to_add: [{ header: { key: Vary, value: Origin } }]`. */
function addedVary(list: unknown): string | undefined {
  if (!isSeq(list)) return undefined;
  for (const item of list.items) {
    const key = valueOf(get(item, 'header', 'key'));
    const value = valueOf(get(item, 'header', 'value'));
    if (key.kind === 'string' && key.value.toLowerCase() === 'vary' && value.kind === 'string') return value.value;
  }
  return undefined;
}

/** Whether a policy sets a scalar setting (Envoy reads an empty string as unset). */
function setsValue(node: YamlNode | null | undefined): boolean {
  if (node === undefined || node === null) return false;
  const value = valueOf(node);
  return !(value.kind === 'string' && value.value === '') && value.kind !== 'null';
}

/**
 * The policy Envoy applies from `chain` (most specific first; one entry for a policy on its own): each
 * setting from the first policy that sets it, origins from the first with a non-empty origin list
 * (cors_filter.cc `allowOrigins`, `allowMethods`, … `allowCredentials`). It is reported at the first
 * policy's key.
 */
function envoyPolicy(parsed: ParsedYaml, chain: EnvoyCorsEntry[], label: string, vary: string | undefined): CorsPolicy {
  const sourceLoc = nodeLoc(parsed, chain[0].key);
  const listId = `${sourceLoc.line}:${sourceLoc.column}`;
  const first = (name: string, sets: (node: YamlNode | null | undefined) => boolean = setsValue) => chain.map((entry) => field(entry.value, name)).find(sets);
  const originsFrom = chain.find((entry) => ORIGIN_FIELDS.some((name) => originListField(field(entry.value, name))))?.value;
  const origins: OriginMatcher[] = originsFrom ? [...stringMatchers(parsed, field(originsFrom, 'allow_origin_string_match'), listId)] : [];
  const legacy = originsFrom ? field(originsFrom, 'allow_origin') : undefined;
  for (const item of stringList(valueOf(legacy)) ?? []) {
    const loc = nodeLoc(parsed, item.node);
    origins.push(item.value === '*' ? { kind: 'any', loc } : { kind: 'exact', value: item.value, loc, listId });
  }
  for (const item of stringList(valueOf(originsFrom ? field(originsFrom, 'allow_origin_regex') : undefined)) ?? []) {
    origins.push({ kind: 'pattern', source: item.value, flags: '', dialect: 're2-full', loc: nodeLoc(parsed, item.node) });
  }
  const present = (node: YamlNode | null | undefined) => node !== undefined && node !== null;
  const forward = locatedBool(parsed, first('forward_not_matching_preflights', present));
  return gatewayPolicy(parsed, {
    profile: envoyProfile,
    scope: { kind: 'route', label: `envoy ${label}` },
    sourceLoc,
    origins: collapseAllowAll(origins, 'Envoy'),
    credentials: locatedBool(parsed, first('allow_credentials', present)),
    allowMethods: listOption(parsed, first('allow_methods')),
    allowHeaders: listOption(parsed, first('allow_headers')),
    exposeHeaders: listOption(parsed, first('expose_headers')),
    maxAge: numberOption(parsed, first('max_age')),
    preflight: { kind: 'handled', status: 200, loc: sourceLoc },
    vary: false,
    program: (policy) => envoyProgram(policy, { forwardRefusedPreflights: forward?.value !== false, separator: ',', vary, writtenAt: sourceLoc }),
  });
}

/** What the SecurityPolicy CRD accepts as an Origin (its kubebuilder pattern, checked label by label): `*`, or http(s):// a host (`*`, or an optional leading `*.` label) and an optional port or `:*`. */
function envoyGatewayOriginValid(value: string): boolean {
  if (value === '*') return true;
  const match = /^https?:\/\/([^/:?#]*)(?::(\*|\d{1,5}))?$/.exec(value);
  if (!match) return false;
  const host = match[1];
  if (host === '*') return true;
  const labels = (host.startsWith('*.') ? host.slice(2) : host).split('.');
  return labels.every((label) => /^[\w-]+$/.test(label));
}

/**
 * Envoy Gateway's `SecurityPolicy` (gateway.envoyproxy.io) `spec.cors`, attached to a Gateway,
 * HTTPRoute or GRPCRoute. The gateway programs it into Envoy's CORS filter on each route it
 * covers: an origin holding `*` becomes a safe_regex with its dots escaped and each `*` as `.*`
 * (so `*` alone is `.*`, which Envoy reads as allowing every origin), any other an exact matcher
 * (internal/gatewayapi/securitypolicy.go buildCORS).
 */
export function envoyGatewayPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const kind = valueOf(get(root, 'kind'));
  const apiVersion = valueOf(get(root, 'apiVersion'));
  if (kind.kind !== 'string' || kind.value !== 'SecurityPolicy' || apiVersion.kind !== 'string' || !apiVersion.value.startsWith('gateway.envoyproxy.io/')) return [];
  const pair = pairOf(get(root, 'spec'), 'cors');
  if (!pair || !isMap(pair.value)) return [];
  const cors = pair.value as YamlNode;
  const name = valueOf(get(root, 'metadata', 'name'));
  const sourceLoc = nodeLoc(parsed, pair.key as YamlNode);
  const listId = `${sourceLoc.line}:${sourceLoc.column}`;
  const { origins, rejected } = originList(parsed, get(cors, 'allowOrigins'), (value, loc) => {
    if (!envoyGatewayOriginValid(value)) return { refused: `'${shownOrigin(value)}' is not an Origin the SecurityPolicy CRD accepts (http or https, a host whose only wildcard is a leading '*.' label, an optional port, and nothing after it): the API server refuses the whole SecurityPolicy, so none of its settings apply` };
    if (!value.includes('*')) return { kind: 'exact', value, loc, listId };
    const source = value.split('*').map(escapeRegex).join('.*');
    const sample = value.replace(/:\/\/\*/, '://app').replace('*.', 'app.').replace(/:\*$/, ':8443');
    return { kind: 'pattern', source, flags: '', dialect: 're2-full', loc, samples: sample.includes('*') ? undefined : [sample] };
  });
  return [
    gatewayPolicy(parsed, {
      profile: envoyGatewayProfile,
      scope: { kind: 'route', label: `securitypolicy ${name.kind === 'string' ? name.value : '(unnamed)'}` },
      sourceLoc,
      origins: rejected.length > 0 ? [] : collapseAllowAll(origins, 'Envoy'),
      rejected: rejected.length > 0 ? rejected : undefined,
      ...camelCaseCorsSettings(parsed, cors, sourceLoc, ', '),
    }),
  ];
}

/**
 * The settings Envoy Gateway's SecurityPolicy and Contour's HTTPProxy write alike (camelCase lists,
 * a duration for maxAge), which each programs into Envoy's CORS filter; `separator` joins list
 * headers as that gateway writes them.
 */
function camelCaseCorsSettings(parsed: ParsedYaml, cors: YamlNode, sourceLoc: Loc, separator: string, vary?: string) {
  return {
    credentials: locatedBool(parsed, get(cors, 'allowCredentials')),
    allowMethods: listOption(parsed, get(cors, 'allowMethods'), false),
    allowHeaders: listOption(parsed, get(cors, 'allowHeaders'), false),
    exposeHeaders: listOption(parsed, get(cors, 'exposeHeaders'), false),
    maxAge: durationSeconds(parsed, get(cors, 'maxAge')),
    preflight: { kind: 'handled' as const, status: 200, loc: sourceLoc },
    vary: false as const,
    program: (policy: CorsPolicy) => envoyProgram(policy, { forwardRefusedPreflights: true, separator, vary, writtenAt: sourceLoc }),
  };
}

/**
 * The Vary header every route of a Contour HTTPProxy sets with `responseHeadersPolicy.set` (Contour
 * programs it as the route's response_headers_to_add), or undefined when a route sets none, they
 * differ, or routes come from an included proxy this file does not show.
 */
function contourRoutesVary(root: YamlNode): string | undefined {
  const routes = get(root, 'spec', 'routes');
  if (!isSeq(routes) || routes.items.length === 0 || get(root, 'spec', 'includes') !== undefined) return undefined;
  let found: string | undefined;
  for (const route of routes.items) {
    const set = get(route, 'responseHeadersPolicy', 'set');
    const named = (item: unknown) => {
      const name = valueOf(get(item, 'name'));
      return name.kind === 'string' && name.value.toLowerCase() === 'vary';
    };
    const entry = isSeq(set) ? set.items.find(named) : undefined;
    const value = valueOf(get(entry, 'value'));
    if (value.kind !== 'string' || (found !== undefined && found !== value.value)) return undefined;
    found = value.value;
  }
  return found;
}

/**
 * Contour's `HTTPProxy` (projectcontour.io) `spec.virtualhost.corsPolicy`, for every route of the
 * virtual host. Contour makes `*`, and an origin that url.Parse gives back as exactly
 * `scheme://host[:port]`, a case-insensitive exact matcher (`*` is Envoy's allow-all, echoing every
 * origin); anything else (a path, a trailing slash, a pattern) a safe_regex, which Envoy matches in full.
 */
export function contourPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const kind = valueOf(get(root, 'kind'));
  const apiVersion = valueOf(get(root, 'apiVersion'));
  if (kind.kind !== 'string' || kind.value !== 'HTTPProxy' || apiVersion.kind !== 'string' || !apiVersion.value.startsWith('projectcontour.io/')) return [];
  const pair = pairOf(get(root, 'spec', 'virtualhost'), 'corsPolicy');
  if (!pair || !isMap(pair.value)) return [];
  const cors = pair.value as YamlNode;
  const name = valueOf(get(root, 'metadata', 'name'));
  const fqdn = valueOf(get(root, 'spec', 'virtualhost', 'fqdn'));
  const sourceLoc = nodeLoc(parsed, pair.key as YamlNode);
  const listId = `${sourceLoc.line}:${sourceLoc.column}`;
  const { origins } = originList(parsed, get(cors, 'allowOrigin'), (value, loc) =>
    value === '*' || /^[a-z][a-z0-9+.-]*:\/\/[^/?#@\\%\s]+$/.test(value) ? { kind: 'exact', value, loc, caseInsensitive: true, listId } : { kind: 'pattern', source: value, flags: '', dialect: 're2-full', loc },
  );
  const label = `httpproxy ${name.kind === 'string' ? name.value : '(unnamed)'}${fqdn.kind === 'string' ? ` (${fqdn.value})` : ''}`;
  return [
    gatewayPolicy(parsed, {
      profile: contourProfile,
      scope: { kind: 'route', label },
      sourceLoc,
      origins: collapseAllowAll(origins, 'Contour'),
      ...camelCaseCorsSettings(parsed, cors, sourceLoc, ',', contourRoutesVary(root)),
    }),
  ];
}

/**
 * Istio `VirtualService` `spec.http[].corsPolicy`, which Istio programs into Envoy's CORS filter,
 * and Flagger's `Canary` `spec.service.corsPolicy`, which Flagger copies into the VirtualService it
 * generates for the canary (with `spec.service.headers` as the route's headers).
 */
export function istioPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const kind = valueOf(get(root, 'kind'));
  if (kind.kind !== 'string') return [];
  const name = valueOf(get(root, 'metadata', 'name'));
  if (kind.value === 'Canary') {
    const service = get(root, 'spec', 'service');
    const pair = pairOf(service, 'corsPolicy');
    if (!pair || !isMap(pair.value)) return [];
    return [istioCorsPolicy(parsed, service, pair, `canary ${name.kind === 'string' ? name.value : '(unnamed)'} service`)];
  }
  if (kind.value !== 'VirtualService') return [];
  const routes = get(root, 'spec', 'http');
  if (!isSeq(routes)) return [];
  const out: CorsPolicy[] = [];
  routes.items.forEach((route, index) => {
    const pair = pairOf(route, 'corsPolicy');
    const routeName = valueOf(get(route, 'name'));
    const label = `virtualservice ${name.kind === 'string' ? name.value : '(unnamed)'} http[${routeName.kind === 'string' ? routeName.value : index}]`;
    if (!pair) {
      out.push(...istioHeaderPolicy(parsed, route, label));
      return;
    }
    if (!isMap(pair.value)) return;
    out.push(istioCorsPolicy(parsed, route, pair, label));
  });
  return out;
}

/** One Istio `corsPolicy` (`pair`) of a route (`route` holds its `headers`). */
function istioCorsPolicy(parsed: ParsedYaml, route: YamlNode | null | undefined, pair: NonNullable<ReturnType<typeof pairOf>>, label: string): CorsPolicy {
    const cors = pair.value as YamlNode;
    const sourceLoc = nodeLoc(parsed, pair.key as YamlNode);
    const listId = `${sourceLoc.line}:${sourceLoc.column}`;
    const origins: OriginMatcher[] = [];
    const allowOrigins = get(cors, 'allowOrigins');
    if (isSeq(allowOrigins)) {
      for (const item of allowOrigins.items) {
        const exact = valueOf(get(item, 'exact'));
        const prefix = valueOf(get(item, 'prefix'));
        const regex = valueOf(get(item, 'regex'));
        if (exact.kind === 'string') origins.push({ kind: 'exact', value: exact.value, loc: nodeLoc(parsed, exact.node), listId });
        else if (prefix.kind === 'string') origins.push({ kind: 'pattern', source: `^${escapeRegex(prefix.value)}`, flags: '', dialect: 'js-search', loc: nodeLoc(parsed, prefix.node), written: 'prefix' });
        else if (regex.kind === 'string') origins.push({ kind: 'pattern', source: regex.value, flags: '', dialect: 're2-full', loc: nodeLoc(parsed, regex.node) });
        else origins.push({ kind: 'unknown', reason: 'unreadable string match', loc: nodeLoc(parsed, item as YamlNode) });
      }
    }
    for (const item of stringList(valueOf(get(cors, 'allowOrigin'))) ?? []) {
      const loc = nodeLoc(parsed, item.node);
      origins.push(item.value === '*' ? { kind: 'any', loc } : { kind: 'exact', value: item.value, loc, listId });
    }
    const unmatched = valueOf(get(cors, 'unmatchedPreflights'));
    const responseHeaders = [get(route, 'headers', 'response', 'set'), get(route, 'headers', 'response', 'add')];
    const vary = responseHeaders.flatMap((map) => entries(map)).find((entry) => entry.key.toLowerCase() === 'vary');
    const varyValue = valueOf(vary?.value);
    return (
      gatewayPolicy(parsed, {
        profile: istioProfile,
        scope: { kind: 'route', label },
        sourceLoc,
        origins: collapseAllowAll(origins, 'Istio'),
        credentials: locatedBool(parsed, get(cors, 'allowCredentials')),
        allowMethods: listOption(parsed, get(cors, 'allowMethods')),
        allowHeaders: listOption(parsed, get(cors, 'allowHeaders')),
        exposeHeaders: listOption(parsed, get(cors, 'exposeHeaders')),
        maxAge: durationSeconds(parsed, get(cors, 'maxAge')),
        preflight: { kind: 'handled', status: 200, loc: sourceLoc },
        vary: false,
        program: (policy) =>
          envoyProgram(policy, {
            forwardRefusedPreflights: !(unmatched.kind === 'string' && unmatched.value === 'IGNORE'),
            separator: ',',
            vary: varyValue.kind === 'string' ? varyValue.value : undefined,
            writtenAt: sourceLoc,
          }),
      })
    );
}

const istioHeadersProfile: FrameworkProfile = {
  ...handSetHeadersProfile,
  id: 'istio-response-headers',
  name: 'Istio headers.response',
  docs: 'https://istio.io/latest/docs/reference/config/networking/virtual-service/#Headers',
};

/**
 * A route without corsPolicy that writes CORS headers itself (`headers.response.set` / `add`):
 * fixed values on every answer of the route, whatever the Origin; OPTIONS goes to the backend.
 */
function istioHeaderPolicy(parsed: ParsedYaml, route: YamlNode | null, label: string): CorsPolicy[] {
  // Envoy expands %REQ(…)% and other command operators in header values: those are known only per request.
  const computed = /%[A-Z_]+(\(|%)|\$\{|§/;
  const headers = [get(route, 'headers', 'response', 'set'), get(route, 'headers', 'response', 'add')].flatMap((map) => mappedHeaders(parsed, map, computed));
  if (headers.length === 0) return [];
  const policy = routeHeaderPolicy({ file: parsed.file, format: 'yaml', profile: istioHeadersProfile, path: undefined, sourceLoc: headers[0].loc, headers, scope: { kind: 'route', label: `${label} headers.response` } });
  return policy ? [policy] : [];
}

/** Istio writes max age as a protobuf Duration (`24h`, `3600s`, `1.5h`). */
function durationSeconds(parsed: ParsedYaml, node: YamlNode | null | undefined): { value: number | 'unknown'; loc: Loc } | undefined {
  if (node === undefined || node === null) return undefined;
  const value = valueOf(node);
  const loc = nodeLoc(parsed, node);
  if (value.kind !== 'string') return numberOption(parsed, node);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let rest = value.value.trim();
  while (rest) {
    const match = /^(\d+(?:\.\d+)?)(ms|h|m|s)/.exec(rest);
    if (!match) return { value: 'unknown', loc };
    total += Number(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  return { value: Math.floor(total), loc };
}
