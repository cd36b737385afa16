import { lineStartsOf, offsetsToLoc } from '../extract/offsets.js';
import { isMap, isSeq, parseYamlDocument, valueOf } from '../extract/yaml/parse.js';
import type { CorsPolicy, Loc } from '../model/types.js';

/** A node's string value in a gateway file, undefined when it is not a string. */
export const text = (node: unknown): string | undefined => {
  const value = valueOf(node as Parameters<typeof valueOf>[0]);
  return value.kind === 'string' ? value.value : undefined;
};

/** A sequence's items; none for anything else. */
export const items = (node: unknown): unknown[] => (isSeq(node) ? node.items : []);

/** A declarative gateway file (Kong decK, APISIX standalone) holding extracted cors policies, parsed for its routes. */
export interface GatewayFile {
  file: string;
  root: unknown;
  locOf: (node: unknown) => Loc;
  /** The extracted policies of the file, by the `line:column` of their source. */
  byLoc: Map<string, CorsPolicy>;
}

/**
 * One route of a gateway's own file (APISIX standalone `apisix.yaml`, an Envoy bootstrap) to hosts of
 * the Compose project: the CORS policy that answers on it (`undefined`: none; 'unknown': not decided
 * here), where its requests go and the path they keep.
 */
export interface GatewayRoute {
  file: string;
  plugin: CorsPolicy | undefined | 'unknown';
  targets: Array<{ host: string; port: number | undefined }>;
  /** The path every request through the route starts with at the upstream; undefined when not known. */
  prefix: string | undefined;
  route: { name: string; loc: Loc };
}

/**
 * The files among `policies`' sources whose text has a top-level `key:` and parses without errors into a
 * mapping, in path order. Parsed again here (not kept from extraction): only files with a cors policy get
 * this far, and the linkers need the whole document, not the policies alone.
 */
export function gatewayFiles(yamlFiles: Map<string, string>, policies: CorsPolicy[], key: string): GatewayFile[] {
  const out: GatewayFile[] = [];
  const topLevel = new RegExp(`^${key}:`, 'm');
  for (const file of [...new Set(policies.map((policy) => policy.source.file))].sort()) {
    const source = yamlFiles.get(file);
    if (source === undefined || !topLevel.test(source)) continue;
    const parsed = parseYamlDocument(source, { strict: false, logLevel: 'silent', uniqueKeys: false });
    if (!('doc' in parsed) || parsed.doc.errors.length > 0) continue;
    const root = parsed.doc.contents;
    if (!isMap(root)) continue;
    const lineStarts = lineStartsOf(source);
    const locOf = (node: unknown): Loc => {
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      return range ? offsetsToLoc(file, lineStarts, range[0], range[1]) : offsetsToLoc(file, lineStarts, 0, 0);
    };
    const byLoc = new Map(policies.filter((policy) => policy.source.file === file).map((policy) => [`${policy.source.loc.line}:${policy.source.loc.column}`, policy]));
    out.push({ file, root, locOf, byLoc });
  }
  return out;
}
