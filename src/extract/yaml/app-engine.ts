import type { Node as YamlNode } from 'yaml';
import { appEngineHeadersProfile } from '../../model/frameworks/platform.js';
import type { CorsPolicy } from '../../model/types.js';
import { routeHeaderPolicy, type RouteHeader } from '../platform/route-headers.js';
import { entries, get, isMap, isSeq, nodeLoc, valueOf, type ParsedYaml } from './parse.js';

/**
 * Google App Engine's `app.yaml`: a static handler's `http_headers` (`{ url, static_dir | static_files,
 * http_headers: { Access-Control-Allow-Origin: … } }`) go on every response App Engine serves from it.
 * Script handlers take no `http_headers` (the app answers); the document is known by `runtime` and `handlers`.
 */
export function appEnginePolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const handlers = get(root, 'handlers');
  if (!isSeq(handlers) || get(root, 'runtime') === undefined) return [];
  const out: CorsPolicy[] = [];
  for (const handler of handlers.items) {
    const headersNode = get(handler, 'http_headers');
    if (!isMap(headersNode)) continue;
    const headers: RouteHeader[] = entries(headersNode).map(({ key, keyNode, value }) => {
      const scalar = valueOf(value);
      const written = scalar.kind === 'string' ? scalar.value : scalar.kind === 'number' || scalar.kind === 'bool' ? String(scalar.value) : null;
      const valueLoc = nodeLoc(parsed, value ?? keyNode);
      return { name: key, value: written, rawValue: (written ?? '').slice(0, 200), loc: { ...nodeLoc(parsed, keyNode), endLine: valueLoc.endLine, endColumn: valueLoc.endColumn }, valueLoc };
    });
    const url = valueOf(get(handler, 'url'));
    const policy = routeHeaderPolicy({ file: parsed.file, format: 'yaml', profile: appEngineHeadersProfile, path: url.kind === 'string' ? url.value : undefined, sourceLoc: nodeLoc(parsed, url.kind === 'string' ? url.node : (handler as YamlNode)), headers });
    if (policy) out.push(policy);
  }
  return out;
}
