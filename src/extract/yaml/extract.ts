import type { Node as YamlNode } from 'yaml';
import type { CorsPolicy, Loc, SourceFile } from '../../model/types.js';
import { apisixPolicies } from './apisix.js';
import { awsPolicies } from './aws.js';
import { apiGatewayMappingPolicies } from './aws-mappings.js';
import { contourPolicies, envoyGatewayPolicies, envoyPolicies, istioPolicies } from './envoy.js';
import { appEnginePolicies } from './app-engine.js';
import { embeddedConfigPolicies } from './embedded-config.js';
import { emissaryPolicies } from './emissary.js';
import { embeddedNginxPolicies } from './embedded-nginx.js';
import { gatewayApiPolicies } from './gateway-api.js';
import { ingressPolicies, valuesIngressPolicies } from './ingress.js';
import { kongPolicies } from './kong.js';
import { traefikLabelPolicies, traefikPolicies } from './traefik.js';
import { scannedHosts } from './scanned-hosts.js';
import { lineIndexAt } from '../offsets.js';
import { get, isSeq, nodeLoc, parseYaml, RELEVANCE_CHECK_FROM, stringList, valueOf, type ParsedYaml } from './parse.js';

export interface YamlExtraction {
  policies: CorsPolicy[];
  errors: Array<{ message: string; loc: Loc }>;
  /** Hosts this file says are served (Ingress rules and TLS hosts, VirtualService hosts), for origin-www-mismatch. */
  hosts: Array<{ host: string; how: string; loc: Loc }>;
}

/** Each document is recognised by its content (`kind`, known top-level keys), never by file name. */
export function extractYamlPolicies(file: SourceFile): YamlExtraction {
  return yamlPoliciesOf(file, RELEVANCE_CHECK_FROM);
}

/** The policies of a YAML file, documents of `relevanceFrom` characters or more parsed only when a CORS token in them can matter (see parseYaml). */
export function yamlPoliciesOf(file: SourceFile, relevanceFrom: number): YamlExtraction {
  const parsed = parseYaml(file, { relevanceFrom });
  return policiesOfDocuments(parsed, parsed.errors);
}

/** The policies of every parsed document; `errors` are the reading's own (a JSON file passes the JSON parser's). */
export function policiesOfDocuments(parsed: ParsedYaml, errors: YamlExtraction['errors']): YamlExtraction {
  const out: YamlExtraction = { policies: [], errors: [...errors], hosts: [] };
  for (const { doc } of parsed.documents) {
    const root = doc.contents as YamlNode | null;
    if (!root) continue;
    const kind = valueOf(get(root, 'kind'));
    if (kind.kind === 'string') out.hosts.push(...servedHosts(parsed, root, kind.value));
    if (kind.kind === 'string' && kind.value === 'Ingress') {
      const result = ingressPolicies(parsed, root);
      out.policies.push(...result.policies);
      out.errors.push(...result.errors);
      continue;
    }
    // A Flux HelmRelease holds a values file of its own (`spec.values`), read like one kept beside its chart's
    // deployment; values merged in from ConfigMaps or Secrets (`valuesFrom`) win over it and are not visible here.
    if (kind.kind === 'string' && kind.value === 'HelmRelease' && get(root, 'spec', 'valuesFrom') === undefined) {
      const values = get(root, 'spec', 'values');
      if (values) {
        const result = valuesIngressPolicies(parsed, values as YamlNode);
        out.policies.push(...result.policies);
        out.errors.push(...result.errors);
      }
      continue;
    }
    out.policies.push(...traefikPolicies(parsed, root), ...traefikLabelPolicies(parsed, root), ...kongPolicies(parsed, root), ...istioPolicies(parsed, root), ...envoyPolicies(parsed, root), ...envoyGatewayPolicies(parsed, root), ...contourPolicies(parsed, root), ...emissaryPolicies(parsed, root), ...awsPolicies(parsed, root), ...apiGatewayMappingPolicies(parsed, root), ...apisixPolicies(parsed, root), ...appEnginePolicies(parsed, root), ...gatewayApiPolicies(parsed, root), ...embeddedNginxPolicies(parsed, root), ...embeddedConfigPolicies(parsed, root));
  }
  // An Ingress (or HTTPProxy) in a document of its own with no CORS token, beside the CORS document: its hosts are served too.
  if (parsed.documents.length > 0) {
    for (const chunk of parsed.unparsed ?? []) out.hosts.push(...scannedHosts(parsed.file, parsed.text.slice(chunk.start, chunk.end), lineIndexAt(parsed.lineStarts, chunk.start) + 1));
  }
  return out;
}

/** Hosts a Kubernetes Ingress, Istio VirtualService, Flagger Canary, Gateway API HTTPRoute or Contour HTTPProxy serves. */
function servedHosts(parsed: ParsedYaml, root: YamlNode, kind: string): YamlExtraction['hosts'] {
  const nodes: Array<YamlNode | null> = [];
  if (kind === 'Ingress') {
    const rules = get(root, 'spec', 'rules');
    if (isSeq(rules)) for (const rule of rules.items) nodes.push(get(rule, 'host') ?? null);
    const tls = get(root, 'spec', 'tls');
    if (isSeq(tls)) for (const entry of tls.items) for (const host of stringList(valueOf(get(entry, 'hosts'))) ?? []) nodes.push(host.node);
  } else if (kind === 'VirtualService') {
    for (const host of stringList(valueOf(get(root, 'spec', 'hosts'))) ?? []) nodes.push(host.node);
  } else if (kind === 'Canary') {
    // Flagger's VirtualService for the canary serves spec.service.hosts.
    for (const host of stringList(valueOf(get(root, 'spec', 'service', 'hosts'))) ?? []) nodes.push(host.node);
  } else if (kind === 'HTTPRoute') {
    // Gateway API: the hostnames the route matches (a `*.` wildcard is not one host, and is skipped below).
    for (const host of stringList(valueOf(get(root, 'spec', 'hostnames'))) ?? []) nodes.push(host.node);
  } else if (kind === 'HTTPProxy') {
    // Contour: the root proxy's virtual host (a wildcard fqdn `*.example.com` is not one host, and is skipped below).
    nodes.push(get(root, 'spec', 'virtualhost', 'fqdn') ?? null);
  } else return [];
  const how = kind === 'Ingress' ? 'Ingress host' : kind === 'Canary' ? 'Flagger Canary host' : kind === 'HTTPRoute' ? 'HTTPRoute hostname' : kind === 'HTTPProxy' ? 'HTTPProxy fqdn' : 'VirtualService host';
  return nodes.flatMap((node) => {
    const value = valueOf(node);
    return value.kind === 'string' && /^[a-z0-9.-]+$/i.test(value.value) ? [{ host: value.value.toLowerCase(), how, loc: nodeLoc(parsed, node) }] : [];
  });
}
