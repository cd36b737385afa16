import type { Node as YamlNode } from 'yaml';
import type { CorsPolicy } from '../../model/types.js';
import { apisixPolicies } from './apisix.js';
import { envoyPolicies } from './envoy.js';
import { kongPolicies } from './kong.js';
import { eachBlockScalar, parseYaml, yaml, type ParsedYaml } from './parse.js';
import { traefikPolicies } from './traefik.js';

/** Deeper than this, a document is data, not a deployment's config. */

/** A gateway's own config file: Envoy's bootstrap or route config, Kong's declarative file, Traefik's dynamic file, APISIX's apisix.yaml. */
const GATEWAY_CONFIG = /\b(static_resources|virtual_hosts|_format_version|http|routes|services|plugins)\s*:/;
const CORS_TEXT = /cors|access-?control/i;

/**
 * Gateway configs kept in YAML block strings: a Kubernetes ConfigMap's `envoy.yaml: |` (the usual way
 * to run Envoy for gRPC-Web), `kong.yml: |` for DB-less Kong, a Traefik dynamic file or APISIX's
 * `apisix.yaml`. The file's text with everything but the block blanked is read as YAML of its own: its
 * indentation is uniform, so it parses as written and every position stays the file's. The Envoy,
 * Kong, Traefik and APISIX readers then read it as they read such a file. A folded block (`>`) is read
 * only when folding changes nothing (no two lines at the block's own indentation in a row); a block
 * with any YAML error is left out, silently, as embedded nginx is.
 */
export function embeddedConfigPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const { isMap } = yaml();
  const out: CorsPolicy[] = [];
  const visit = (node: YamlNode & { value: string; type: string }): void => {
    if (!CORS_TEXT.test(node.value) || !GATEWAY_CONFIG.test(node.value) || !node.range) return;
    const from = parsed.source.indexOf('\n', node.range[0]) + 1;
    const to = node.range[1];
    if (from <= 0 || to <= from) return;
    const body = parsed.source.slice(from, to);
    if (node.type === 'BLOCK_FOLDED' && foldingJoinsLines(body)) return;
    const virtual = parsed.source.slice(0, from).replace(/[^\r\n]/g, ' ') + body + parsed.source.slice(to).replace(/[^\r\n]/g, ' ');
    const inner = parseYaml({ path: parsed.file, text: virtual });
    if (inner.errors.length > 0) return;
    for (const { doc } of inner.documents) {
      const innerRoot = doc.contents as YamlNode | null;
      if (!innerRoot || !isMap(innerRoot)) continue;
      out.push(...envoyPolicies(inner, innerRoot), ...kongPolicies(inner, innerRoot), ...traefikPolicies(inner, innerRoot), ...apisixPolicies(inner, innerRoot));
    }
  };
  eachBlockScalar(root, visit, { folded: true });
  return out;
}

/** True when a folded block has two non-blank lines in a row at its own indentation: folding joins them into one line. */
function foldingJoinsLines(body: string): boolean {
  const lines = body.split(/\r?\n/).filter((line) => line.trim() !== '');
  const indent = (line: string) => line.length - line.trimStart().length;
  const base = Math.min(...lines.map(indent));
  let previousAtBase = false;
  for (const line of body.split(/\r?\n/)) {
    if (line.trim() === '') {
      previousAtBase = false;
      continue;
    }
    const atBase = indent(line) === base;
    if (atBase && previousAtBase) return true;
    previousAtBase = atBase;
  }
  return false;
}
