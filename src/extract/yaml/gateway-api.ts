import type { Node as YamlNode } from 'yaml';
import { gatewayApiProfile, gatewayApiProgram } from '../../model/frameworks/gateway-api.js';
import type { CorsPolicy, Loc, OriginMatcher } from '../../model/types.js';
import { get, isMap, isSeq, nodeLoc, pairOf, valueOf, type ParsedYaml } from './parse.js';
import { gatewayPolicy, listOption, locatedBool, numberOption, originList, shownOrigin } from './policy.js';
import { escapeRegex } from '../../util/regex-escape.js';

/** What the HTTPRoute CRD accepts as a CORSOrigin: `*`, or `http(s)://` a host (a leading `*.` label, or `*` alone) and a port. */
function validOrigin(value: string): boolean {
  if (value === '*') return true;
  const match = /^https?:\/\/([^/:?#]*)(?::(\d{1,5}))?$/.exec(value);
  if (!match) return false;
  const host = match[1];
  if (host === '*') return true;
  const labels = (host.startsWith('*.') ? host.slice(2) : host).split('.');
  return labels.every((label) => /^[a-zA-Z0-9-]+$/.test(label));
}

/** A `*` in the host stands for any number of labels to its left (`https://*.example.com`), or any host alone (`https://*`). */
function originMatcher(value: string, loc: Loc, listId: string): OriginMatcher {
  if (value === '*') return { kind: 'any', loc };
  if (!value.includes('*')) return { kind: 'exact', value, loc, listId, comparedBy: 'normalized-url' };
  const source = value.split('*').map(escapeRegex).join('.+');
  return { kind: 'pattern', source, flags: 'i', dialect: 're2-full', loc, samples: [value.replace('*', 'app')] };
}

/**
 * `kind: HTTPRoute` of the Gateway API: each `CORS` filter of a rule (`rules[].filters[]`, or a
 * backend's `rules[].backendRefs[].filters[]`) is one route policy.
 */
export function gatewayApiPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const kind = valueOf(get(root, 'kind'));
  const apiVersion = valueOf(get(root, 'apiVersion'));
  if (kind.kind !== 'string' || kind.value !== 'HTTPRoute' || apiVersion.kind !== 'string' || !apiVersion.value.startsWith('gateway.networking.k8s.io/')) return [];
  const name = valueOf(get(root, 'metadata', 'name'));
  const routeName = name.kind === 'string' ? name.value : '(unnamed)';
  const rules = get(root, 'spec', 'rules');
  if (!isSeq(rules)) return [];
  const out: CorsPolicy[] = [];
  rules.items.forEach((rule, index) => {
    const filterLists = [get(rule, 'filters')];
    const backends = get(rule, 'backendRefs');
    if (isSeq(backends)) for (const backend of backends.items) filterLists.push(get(backend, 'filters'));
    for (const filters of filterLists) {
      if (!isSeq(filters)) continue;
      for (const filter of filters.items) {
        const type = valueOf(get(filter, 'type'));
        const pair = pairOf(filter, 'cors');
        if (type.kind !== 'string' || type.value !== 'CORS' || !pair || !isMap(pair.value)) continue;
        out.push(corsFilterPolicy(parsed, pair.key as YamlNode, pair.value, `httproute ${routeName} rules[${index}]`));
      }
    }
  });
  return out;
}

function corsFilterPolicy(parsed: ParsedYaml, keyNode: YamlNode, cors: YamlNode, label: string): CorsPolicy {
  const sourceLoc = nodeLoc(parsed, keyNode);
  const listId = `${sourceLoc.line}:${sourceLoc.column}`;
  const { origins, rejected } = originList(parsed, get(cors, 'allowOrigins'), (value, loc) =>
    validOrigin(value) ? originMatcher(value, loc, listId) : { refused: `'${shownOrigin(value)}' is not a CORSOrigin the HTTPRoute CRD accepts (http or https, a host whose only wildcard is a leading '*.' label, an optional port, and nothing after it): the API server refuses the whole HTTPRoute, so none of its rules are served` },
  );
  return gatewayPolicy(parsed, {
    profile: gatewayApiProfile,
    scope: { kind: 'route', label },
    sourceLoc,
    origins: rejected.length > 0 ? [] : origins,
    rejected: rejected.length > 0 ? rejected : undefined,
    credentials: locatedBool(parsed, get(cors, 'allowCredentials')),
    allowMethods: listOption(parsed, get(cors, 'allowMethods'), false),
    allowHeaders: listOption(parsed, get(cors, 'allowHeaders'), false),
    exposeHeaders: listOption(parsed, get(cors, 'exposeHeaders'), false),
    maxAge: numberOption(parsed, get(cors, 'maxAge')),
    preflight: { kind: 'handled', status: 200, loc: sourceLoc },
    vary: 'unknown',
    program: (policy) => gatewayApiProgram(policy, sourceLoc),
  });
}
