import type { Node as YamlNode } from 'yaml';
import { emissaryProfile, envoyProgram } from '../../model/frameworks/envoy.js';
import { collapseAllowAll } from './envoy.js';
import type { CorsPolicy, OriginMatcher } from '../../model/types.js';
import { get, isMap, nodeLoc, pairOf, stringList, valueOf, type ParsedYaml } from './parse.js';
import { gatewayPolicy, listOption, locatedBool, numberOption, partLoc } from './policy.js';

const API_VERSION = /^(x\.)?getambassador\.io\/|^ambassador\//;

/**
 * Emissary-ingress (formerly Ambassador) `Mapping` `cors` (a route) and the `ambassador` `Module`'s
 * `config.cors` (every route): as CRDs (`spec.cors`, `spec.config.cors`) and in the older
 * annotation form, whose fields sit at the document's top level (`apiVersion: ambassador/v1`).
 * Emissary hands each origin to Envoy's CORS filter as an exact matcher, so `*` is Envoy's
 * allow-all: every origin is echoed back, with credentials when they are on.
 */
export function emissaryPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const apiVersion = valueOf(get(root, 'apiVersion'));
  const kind = valueOf(get(root, 'kind'));
  if (apiVersion.kind !== 'string' || !API_VERSION.test(apiVersion.value) || kind.kind !== 'string') return [];
  const spec = isMap(get(root, 'spec')) ? get(root, 'spec')! : root;
  const name = valueOf(get(root, 'metadata', 'name') ?? get(root, 'name'));
  const named = name.kind === 'string' ? name.value : '(unnamed)';
  let pair: ReturnType<typeof pairOf>;
  if (kind.value === 'Mapping') pair = pairOf(spec, 'cors');
  else if (kind.value === 'Module') pair = pairOf(get(spec, 'config'), 'cors');
  if (!pair || !isMap(pair.value)) return [];
  const cors = pair.value as YamlNode;
  const sourceLoc = nodeLoc(parsed, pair.key as YamlNode);
  const listId = `${sourceLoc.line}:${sourceLoc.column}`;
  const origins: OriginMatcher[] = [];
  const originsNode = get(cors, 'origins');
  const value = valueOf(originsNode);
  // A comma list is split on ',' and nothing is trimmed (v2's OriginList in Go, `origins.split(',')` in
  // 1.x's Python), so a blank after a comma stays in the exact matcher Envoy compares with the Origin.
  const add = (text: string, loc: OriginMatcher['loc']) => origins.push({ kind: 'exact', value: text, loc, listId });
  if (value.kind === 'string') {
    let from = 0;
    for (const part of value.value.split(',')) {
      if (part.trim() !== '') add(part, partLoc(parsed, value, part.trim(), from));
      from += part.length + 1;
    }
  } else if (value.kind === 'list') {
    for (const item of stringList(value) ?? []) add(item.value, nodeLoc(parsed, item.node));
    if (!stringList(value)) origins.push({ kind: 'unknown', reason: 'not a list of strings', loc: nodeLoc(parsed, originsNode!) });
  } else if (originsNode !== undefined && value.kind !== 'null') origins.push({ kind: 'unknown', reason: value.kind === 'unknown' ? value.reason : 'not a string or list', loc: nodeLoc(parsed, originsNode) });
  return [
    gatewayPolicy(parsed, {
      profile: emissaryProfile,
      scope: { kind: 'route', label: `${kind.value.toLowerCase()} ${named}` },
      sourceLoc,
      origins: collapseAllowAll(origins, 'Envoy', "Emissary passes '*' to Envoy as an exact matcher, which Envoy treats as allowing every origin"),
      credentials: locatedBool(parsed, get(cors, 'credentials')),
      allowMethods: listOption(parsed, get(cors, 'methods')),
      allowHeaders: listOption(parsed, get(cors, 'headers')),
      exposeHeaders: listOption(parsed, get(cors, 'exposed_headers')),
      maxAge: numberOption(parsed, get(cors, 'max_age')),
      preflight: { kind: 'handled', status: 200, loc: sourceLoc },
      vary: false,
      program: (policy) => envoyProgram(policy, { forwardRefusedPreflights: true, separator: ', ', writtenAt: sourceLoc }),
    }),
  ];
}
