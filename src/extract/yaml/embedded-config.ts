import type { Node as YamlNode } from 'yaml';
import type { CorsPolicy } from '../../model/types.js';
import { apisixPolicies } from './apisix.js';
import { emissaryPolicies } from './emissary.js';
import { envoyPolicies } from './envoy.js';
import { kongPolicies } from './kong.js';
import { eachBlockScalar, parseYaml, yaml, type ParsedYaml } from './parse.js';
import { traefikPolicies } from './traefik.js';

/** Deeper than this, a document is data, not a deployment's config. */

/** A gateway's own config file: Envoy's bootstrap or route config, Kong's declarative file, Traefik's dynamic file, APISIX's apisix.yaml, Ambassador's `getambassador.io/config` annotation. */
const GATEWAY_CONFIG = /\b(static_resources|virtual_hosts|_format_version|http|routes|services|plugins)\s*:|apiVersion\s*:\s*['"]?ambassador\//;
const CORS_TEXT = /cors|access-?control/i;
/** Text parsed for the documents of the file's block strings (an annotation holds a few Mappings in a small file). */
const MAX_PARSED_BYTES = 1024 * 1024;

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
  // Each part is parsed at the whole file's length: the bound is on all blocks together, or a file of n
  // annotation blocks costs n times its length (fuzz3, yaml seed 83502 #317: 113 KB past the 5 s budget).
  let parsedBytes = 0;
  const visit = (node: YamlNode & { value: string; type: string }): void => {
    if (!CORS_TEXT.test(node.value) || !GATEWAY_CONFIG.test(node.value) || !node.range) return;
    const from = parsed.source.indexOf('\n', node.range[0]) + 1;
    const to = node.range[1];
    if (from <= 0 || to <= from) return;
    const body = parsed.source.slice(from, to);
    if (node.type === 'BLOCK_FOLDED' && foldingJoinsLines(body)) return;
    // An indented `---` is no document marker to YAML, yet Ambassador's annotation splits its
    // documents there: each part between such lines is read on its own.
    // Each part is parsed with the whole file's text around it blanked: a bounded amount of text in all.
    const parts = documentParts(body);
    for (const [start, end] of parts) {
      if (parsedBytes > 0 && parsedBytes + parsed.source.length > MAX_PARSED_BYTES) return;
      parsedBytes += parsed.source.length;
      const virtual = parsed.source.slice(0, from + start).replace(/[^\r\n]/g, ' ') + body.slice(start, end) + parsed.source.slice(from + end).replace(/[^\r\n]/g, ' ');
      const inner = parseYaml({ path: parsed.file, text: virtual });
      if (inner.errors.length > 0) continue;
      for (const { doc } of inner.documents) {
        const innerRoot = doc.contents as YamlNode | null;
        if (!innerRoot || !isMap(innerRoot)) continue;
        out.push(...envoyPolicies(inner, innerRoot), ...kongPolicies(inner, innerRoot), ...traefikPolicies(inner, innerRoot), ...apisixPolicies(inner, innerRoot), ...emissaryPolicies(inner, innerRoot));
      }
    }
  };
  eachBlockScalar(root, visit, { folded: true });
  return out;
}

/** The spans of `body` between lines holding only `---` (the whole body when it has none). */
function documentParts(body: string): Array<[number, number]> {
  const parts: Array<[number, number]> = [];
  let start = 0;
  let lineStart = 0;
  while (lineStart <= body.length) {
    const newline = body.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? body.length : newline;
    if (body.slice(lineStart, lineEnd).trim() === '---') {
      if (lineStart > start) parts.push([start, lineStart]);
      start = lineEnd;
    }
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  if (body.length > start) parts.push([start, body.length]);
  return parts;
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
