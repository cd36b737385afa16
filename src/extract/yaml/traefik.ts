import type { Node as YamlNode } from 'yaml';
import { traefikProfile, traefikProgram } from '../../model/frameworks/traefik.js';
import type { CorsPolicy, OriginMatcher } from '../../model/types.js';
import { entries, get, nodeLoc, pairOf, stringList, valueOf, type ParsedYaml } from './parse.js';
import { gatewayPolicy, listEntries, listOption, locatedBool, numberOption } from './policy.js';

const CRD_GROUPS = /^traefik\.(io|containo\.us)\//;
const CORS_KEYS = ['accessControlAllowOriginList', 'accessControlAllowOriginListRegex', 'accessControlAllowOrigin', 'accessControlAllowCredentials', 'accessControlAllowMethods', 'accessControlAllowHeaders', 'accessControlExposeHeaders', 'accessControlMaxAge'];

/** `Middleware` CRDs (`traefik.io/v1alpha1`, `traefik.containo.us/v1alpha1`) and the file provider's `http.middlewares.<name>.headers`. */
export function traefikPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const apiVersion = valueOf(get(root, 'apiVersion'));
  const kind = valueOf(get(root, 'kind'));
  if (apiVersion.kind === 'string' && CRD_GROUPS.test(apiVersion.value) && kind.kind === 'string' && kind.value === 'Middleware') {
    const name = valueOf(get(root, 'metadata', 'name'));
    const headers = get(root, 'spec', 'headers');
    return headers ? policyFor(parsed, headers, `middleware ${name.kind === 'string' ? name.value : '(unnamed)'}`) : [];
  }
  const middlewares = get(root, 'http', 'middlewares');
  return entries(middlewares).flatMap(({ key, value }) => {
    const headers = get(value, 'headers');
    return headers ? policyFor(parsed, headers, `middleware ${key}`) : [];
  });
}

function policyFor(parsed: ParsedYaml, headers: YamlNode, label: string): CorsPolicy[] {
  const present = CORS_KEYS.filter((key) => pairOf(headers, key));
  if (present.length === 0) return [];
  const sourceLoc = nodeLoc(parsed, pairOf(headers, present[0])!.key as YamlNode);
  const origins: OriginMatcher[] = [];
  const listId = `${sourceLoc.line}:${sourceLoc.column}`;
  for (const key of ['accessControlAllowOriginList', 'accessControlAllowOrigin']) {
    for (const item of listEntries(get(headers, key))) {
      const loc = nodeLoc(parsed, item.node);
      if ('unknown' in item) origins.push({ kind: 'unknown', reason: item.unknown, loc });
      else origins.push(item.value === '*' ? { kind: 'any', loc } : { kind: 'exact', value: item.value, loc, listId });
    }
  }
  const regexes = get(headers, 'accessControlAllowOriginListRegex');
  if (regexes !== undefined && regexes !== null) {
    const items = stringList(valueOf(regexes));
    if (!items) origins.push({ kind: 'unknown', reason: 'computed value', loc: nodeLoc(parsed, regexes) });
    // Go's MatchString searches: the regex matches anywhere in the Origin unless anchored.
    for (const item of items ?? []) origins.push({ kind: 'pattern', source: item.value, flags: '', dialect: 're2-search', loc: nodeLoc(parsed, item.node) });
  }
  const addVary = locatedBool(parsed, get(headers, 'addVaryHeader'));
  return [
    gatewayPolicy(parsed, {
      profile: traefikProfile,
      scope: { kind: 'router', label },
      sourceLoc,
      origins,
      credentials: locatedBool(parsed, get(headers, 'accessControlAllowCredentials')),
      allowMethods: listOption(parsed, get(headers, 'accessControlAllowMethods'), false),
      allowHeaders: listOption(parsed, get(headers, 'accessControlAllowHeaders'), false),
      exposeHeaders: listOption(parsed, get(headers, 'accessControlExposeHeaders'), false),
      maxAge: numberOption(parsed, get(headers, 'accessControlMaxAge')),
      preflight: { kind: 'handled', status: 200, loc: sourceLoc },
      vary: addVary?.value ?? false,
      errorResponses: true,
      program: (policy) => {
        const program = traefikProgram(policy, addVary?.value === true, sourceLoc);
        return addVary?.value === 'unknown' ? { run: (request) => ({ ...program.run(request), uncertain: true }) } : program;
      },
    }),
  ];
}
