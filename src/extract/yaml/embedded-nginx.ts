import type { Node as YamlNode } from 'yaml';
import type { CorsPolicy, Loc } from '../../model/types.js';
import { looksLikeNginx } from '../../engine/formats.js';
import { extractNginxPolicies } from '../nginx/extract.js';
import { NginxWorkspace } from '../nginx/workspace.js';
import { eachBlockScalar, yaml, type ParsedYaml } from './parse.js';

/**
 * nginx written inside a YAML string: the YAML file's text with everything but the string blanked
 * is handed to the nginx extractor, so its findings land at their place in the YAML file (an
 * ingress `configuration-snippet`, a ConfigMap's `nginx.conf`). Undefined for a string that is not
 * a block or quoted scalar.
 */
export function nginxInScalar(parsed: ParsedYaml, node: YamlNode): { policies: CorsPolicy[]; errors: Array<{ message: string; loc: Loc }>; from: number; to: number } | undefined {
  const range = node.range;
  if (!range || typeof (node as { value?: unknown }).value !== 'string') return undefined;
  const type = (node as { type?: string }).type;
  let from = range[0];
  let to = range[1];
  // The header's line end as written (neutralizing may have moved template blanks onto the header line).
  if (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED') from = lineBreakAt(parsed.source, from) + 1;
  else if (type === 'QUOTE_DOUBLE' || type === 'QUOTE_SINGLE') {
    from += 1;
    to -= 1;
  }
  if (from <= 0 || to <= from) return undefined;
  // From the text as written: the nginx reader turns `{{ … }}` into unknown variables itself.
  const virtual = parsed.source.slice(0, from).replace(/[^\r\n]/g, ' ') + parsed.source.slice(from, to) + parsed.source.slice(to).replace(/[^\r\n]/g, ' ');
  const workspace = new NginxWorkspace(new Map([[parsed.file, virtual]]));
  const policies = extractNginxPolicies(parsed.file, workspace);
  return { policies, errors: workspace.parse(parsed.file)?.errors ?? [], from, to };
}

/**
 * nginx configs kept in YAML block strings — a Kubernetes ConfigMap's `default.conf: |`, a Helm
 * chart's `serverBlock: |`, Ansible `content: |`, a Compose `configs` entry: every literal block
 * whose text writes a CORS header and reads as nginx (looksLikeNginx), parsed without a single
 * nginx syntax error (a shell script with a heredoc, or prose with an example, is not a config
 * nginx would load: it stays out, silently). ingress-nginx annotations are read by ingress.ts instead,
 * and a part switched off with `enabled: false` is skipped.
 */
export function embeddedNginxPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const { isScalar } = yaml();
  const out: CorsPolicy[] = [];
  eachBlockScalar(
    root,
    (node) => {
      if (!/access-control-/i.test(node.value) || !looksLikeNginx(node.value).yes) return;
      const read = nginxInScalar(parsed, node);
      if (read && read.errors.length === 0) out.push(...read.policies);
    },
    {
      // A part switched off (`enabled: false`, as Helm values write it) is never rendered.
      skipMap: (map) => map.items.some((pair) => isScalar(pair.key) && pair.key.value === 'enabled' && isScalar(pair.value) && pair.value.value === false),
      // ingress-nginx annotations are read with the rest of their Ingress (ingress.ts, topology/helm.ts).
      skipPair: (key) => isScalar(key) && typeof key.value === 'string' && key.value.startsWith('nginx.ingress.kubernetes.io/'),
    },
  );
  return out;
}

/** The first line break at or after `from` as YAML reads them (LF, or a CR not followed by LF), or -1. */
function lineBreakAt(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10 || (code === 13 && text.charCodeAt(i + 1) !== 10)) return i;
  }
  return -1;
}
