import type { Node as YamlNode } from 'yaml';
import { apisixProfile, apisixProgram, type ApisixValues } from '../../model/frameworks/apisix.js';
import type { CorsPolicy, OriginMatcher } from '../../model/types.js';
import { get, isMap, isSeq, nodeLoc, pairOf, stringList, valueOf, type ParsedYaml } from './parse.js';
import { gatewayPolicy, listOption, locatedBool, numberOption, partLoc } from './policy.js';

/**
 * The `cors` plugin in APISIX's standalone `apisix.yaml` (routes, services, global rules,
 * plugin configs: `plugins: { cors: {…} }`) and in `ApisixRoute` / `ApisixPluginConfig` resources
 * (`plugins: [{ name: cors, config: {…} }]`).
 */
export function apisixPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const out: CorsPolicy[] = [];
  const apiVersion = valueOf(get(root, 'apiVersion'));
  if (apiVersion.kind === 'string' && apiVersion.value.startsWith('apisix.apache.org/')) {
    const name = valueOf(get(root, 'metadata', 'name'));
    const lists = [get(root, 'spec', 'plugins'), ...(isSeq(get(root, 'spec', 'http')) ? (get(root, 'spec', 'http') as { items: unknown[] }).items.map((route) => get(route, 'plugins')) : [])];
    for (const plugins of lists) {
      if (!isSeq(plugins)) continue;
      for (const plugin of plugins.items) {
        const pluginName = valueOf(get(plugin, 'name'));
        const enable = locatedBool(parsed, get(plugin, 'enable'));
        if (pluginName.kind === 'string' && pluginName.value === 'cors' && enable?.value !== false) {
          out.push(policyFor(parsed, get(plugin, 'config'), get(plugin, 'name')!, `apisix ${name.kind === 'string' ? name.value : '(unnamed)'}`));
        }
      }
    }
    return out;
  }
  const readOne = (item: unknown, index: number, collection: string) => {
    // ADC (the APISIX declarative CLI) nests a service's routes under it: `services: [{ routes: [...] }]`.
    if (collection === 'services') read(get(item as YamlNode, 'routes'), 'routes');
    const cors = pairOf(get(item, 'plugins'), 'cors');
    if (!cors || !isMap(cors.value)) return;
    const id = valueOf(get(item, 'id'));
    const uri = valueOf(get(item, 'uri'));
    const name = valueOf(get(item, 'name'));
    const label = `${collection.replace(/s$/, '')} ${id.kind === 'string' || id.kind === 'number' ? id.value : uri.kind === 'string' ? uri.value : name.kind === 'string' ? name.value : index}`;
    out.push(policyFor(parsed, cors.value as YamlNode, cors.key as YamlNode, label));
  };
  const read = (items: YamlNode | null | undefined, collection: string) => {
    if (!isSeq(items)) return;
    items.items.forEach((item, index) => readOne(item, index, collection));
  };
  for (const collection of ['routes', 'services', 'global_rules', 'plugin_configs']) read(get(root, collection), collection);
  // One Admin API body (`PUT /apisix/admin/routes/1 -d @route.json`): a route or service object on its own, known by
  // the keys only those have next to its plugins.
  if (out.length === 0 && isMap(get(root, 'plugins')) && ['uri', 'uris', 'upstream', 'upstream_id', 'service_id'].some((key) => get(root, key) !== undefined)) {
    readOne(root, 0, get(root, 'uri') !== undefined || get(root, 'uris') !== undefined ? 'routes' : 'services');
  }
  return out;
}

function policyFor(parsed: ParsedYaml, config: YamlNode | null | undefined, nameNode: YamlNode, label: string): CorsPolicy {
  const sourceLoc = nodeLoc(parsed, nameNode);
  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  const origins: OriginMatcher[] = [];
  const listId = `${sourceLoc.line}:${sourceLoc.column}`;
  const originsNode = get(config, 'allow_origins');
  const originsValue = valueOf(originsNode);
  if (originsNode === undefined || originsValue.kind === 'null') origins.push({ kind: 'any', loc: sourceLoc, why: "allow_origins is not set, and APISIX defaults it to '*'" });
  else if (originsValue.kind === 'list' || originsValue.kind === 'map' || originsValue.kind === 'bool' || originsValue.kind === 'number') {
    rejected.push({ loc: nodeLoc(parsed, originsNode), message: `APISIX's schema wants allow_origins as one string of comma-separated origins, not a ${originsValue.kind === 'list' ? 'list' : originsValue.kind === 'map' ? 'mapping' : originsValue.kind === 'bool' ? 'boolean' : 'number'}: the plugin configuration is rejected` });
  } else if (originsValue.kind !== 'string') origins.push({ kind: 'unknown', reason: 'not a literal string', loc: nodeLoc(parsed, originsNode) });
  else {
    // cors.lua splits on commas and does not trim: "a, b" leaves " b", which never matches. Only the
    // whole value is compared with '*' and '**' (process_with_allow_origins, check_schema): in
    // "https://a.example.com,*" the '*' is one more entry, equal to no browser's Origin.
    let cursor = 0;
    const whole = originsValue.value;
    for (const entry of whole === '*' || whole === '**' ? [whole] : whole.split(',')) {
      const loc = partLoc(parsed, originsValue, entry, cursor);
      cursor += entry.length + 1;
      if (entry === whole && entry === '*') origins.push({ kind: 'any', loc });
      else if (entry === whole && entry === '**') origins.push({ kind: 'reflect', loc });
      else if (entry) origins.push({ kind: 'exact', value: entry, loc, listId });
    }
  }
  const regexNode = get(config, 'allow_origins_by_regex');
  const regexValue = valueOf(regexNode);
  // The schema wants an array of regexes: one string (`allow_origins_by_regex: ^https://…$`) fails validation.
  if (regexValue.kind === 'string' || regexValue.kind === 'map' || regexValue.kind === 'bool' || regexValue.kind === 'number') {
    rejected.push({ loc: nodeLoc(parsed, regexNode!), message: `APISIX's schema wants allow_origins_by_regex as a list of regular expressions, not one ${regexValue.kind === 'string' ? 'string' : regexValue.kind === 'map' ? 'mapping' : regexValue.kind === 'bool' ? 'boolean' : 'number'}: the plugin configuration is rejected; write it as a YAML list (- '^https://…$')` });
  }
  const regexes = regexValue.kind === 'list' ? stringList(regexValue) : undefined;
  for (const item of regexes ?? []) origins.push({ kind: 'pattern', source: item.value, flags: '', dialect: 'pcre-search', loc: nodeLoc(parsed, item.node) });

  const text = (key: string, fallback: string | undefined) => {
    const value = valueOf(get(config, key));
    return value.kind === 'string' ? value.value : fallback;
  };
  const credentials = locatedBool(parsed, get(config, 'allow_credential'));
  const values: ApisixValues = {
    methods: text('allow_methods', '*')!,
    headers: text('allow_headers', '*')!,
    expose: text('expose_headers', undefined),
    maxAge: (() => {
      const maxAge = numberOption(parsed, get(config, 'max_age'));
      return typeof maxAge?.value === 'number' ? maxAge.value : 5;
    })(),
  };
  if (credentials?.value === true) {
    const starred = [
      ['allow_origins', origins.some((matcher) => matcher.kind === 'any')],
      ['allow_methods', values.methods === '*'],
      ['allow_headers', values.headers === '*'],
      ['expose_headers', values.expose === '*'],
    ].filter(([, star]) => star).map(([key]) => key);
    if (starred.length > 0) {
      rejected.push({ loc: credentials.loc, message: `APISIX's schema refuses allow_credential: true while ${starred.join(', ')} ${starred.length > 1 ? 'are' : 'is'} '*' (the default for unset ones): the plugin configuration is rejected. Use explicit values (or '**', which echoes the request)` });
    }
  }
  return gatewayPolicy(parsed, {
    profile: apisixProfile,
    scope: { kind: 'route', label },
    sourceLoc,
    origins: rejected.length > 0 ? [] : origins,
    credentials,
    allowMethods: listOption(parsed, get(config, 'allow_methods')),
    allowHeaders: listOption(parsed, get(config, 'allow_headers')),
    exposeHeaders: listOption(parsed, get(config, 'expose_headers')),
    maxAge: numberOption(parsed, get(config, 'max_age')),
    preflight: { kind: 'handled', status: 200, loc: sourceLoc },
    vary: true,
    rejected,
    program: (policy) => apisixProgram(policy, values),
  });
}
