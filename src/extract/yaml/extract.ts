import type { Node as YamlNode } from 'yaml';
import type { CorsPolicy, Loc, SourceFile } from '../../model/types.js';
import { apisixPolicies } from './apisix.js';
import { awsPolicies } from './aws.js';
import { envoyPolicies, istioPolicies } from './envoy.js';
import { ingressPolicies } from './ingress.js';
import { kongPolicies } from './kong.js';
import { traefikPolicies } from './traefik.js';
import { get, parseYaml, valueOf } from './parse.js';

export interface YamlExtraction {
  policies: CorsPolicy[];
  errors: Array<{ message: string; loc: Loc }>;
}

/** Each document is recognised by its content (`kind`, known top-level keys), never by file name. */
export function extractYamlPolicies(file: SourceFile): YamlExtraction {
  const parsed = parseYaml(file);
  const out: YamlExtraction = { policies: [], errors: [...parsed.errors] };
  for (const { doc } of parsed.documents) {
    const root = doc.contents as YamlNode | null;
    if (!root) continue;
    const kind = valueOf(get(root, 'kind'));
    if (kind.kind === 'string' && kind.value === 'Ingress') {
      const result = ingressPolicies(parsed, root);
      out.policies.push(...result.policies);
      out.errors.push(...result.errors);
      continue;
    }
    out.policies.push(...traefikPolicies(parsed, root), ...kongPolicies(parsed, root), ...istioPolicies(parsed, root), ...envoyPolicies(parsed, root), ...awsPolicies(parsed, root), ...apisixPolicies(parsed, root));
  }
  return out;
}
