import type { Format, SourceFile } from '../model/types.js';
import { detectFile, looksBinary, mayContainPolicy, type NameKind } from './detect.js';
import { topologyReadsScript, topologyReadsYaml } from '../topology/inputs.js';

/**
 * Whether a lint run needs a file's text, decided from the file alone so the shell can stream a
 * repository (read → decide → drop) and hold only what matters: memory then follows the CORS files,
 * not the size of the tree. Mirrors the first gate of lint() — a file it drops is one lint() would
 * skip with the same reason (given back as `reason`) — and keeps the texts other files' analysis
 * reads: every nginx file (include targets and globs, server_name facts, proxy_pass links) and
 * platform file (vercel.json, netlify.toml: one per project, rewrites for the topology), the
 * Compose/Kubernetes/skaffold manifests and frontend calls topology reads (topology/inputs.ts), and
 * modules larger than the host's module cap (inputs are read before the host, whatever their size).
 * A dropped JS/TS/Python module that a CORS file imports is read again through the host.
 */
/** A file kept says the format its content was detected as: lint() is handed it and does not detect the file again. */
export type Retention = { keep: true; format: Format } | { keep: false; reason: string };

/** The host reads modules up to this size (cli/project.ts); larger inputs are kept, as lint() would read them. */
export const HOST_MODULE_BYTES = 2 * 1024 * 1024;

/** One verdict object per format, not one per file kept. */
const KEPT = new Map<Format, Retention>();
const kept = (format: Format): Retention => {
  let verdict = KEPT.get(format);
  if (!verdict) KEPT.set(format, (verdict = { keep: true, format }));
  return verdict;
};
const SIEVED = new Set<Format>(['js', 'ts', 'python', 'yaml']);

export function retention(file: Pick<SourceFile, 'path' | 'text' | 'detectPath'>, byName?: NameKind): Retention {
  const kind = detectFile(file, byName);
  if ('skip' in kind) return { keep: false, reason: kind.skip };
  if (looksBinary(file.text)) return kind.format === 'nginx' ? kept(kind.format) : { keep: false, reason: 'binary content' };
  if (mayContainPolicy(kind.format, file.text, file.path)) return kept(kind.format);
  // nginx, and the one-per-project platform files (vercel.json, netlify.toml) whatever they hold:
  // only the formats a repository has thousands of files in are worth sieving.
  if (!SIEVED.has(kind.format)) return kept(kind.format);
  if (kind.format === 'yaml') return topologyReadsYaml(file.path, file.text) ? kept(kind.format) : { keep: false, reason: 'no CORS token' };
  if (file.text.length > HOST_MODULE_BYTES / 4 && Buffer.byteLength(file.text) > HOST_MODULE_BYTES) return kept(kind.format);
  return topologyReadsScript(file.path, file.text) ? kept(kind.format) : { keep: false, reason: 'no CORS token' };
}
