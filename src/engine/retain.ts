import type { Format, SourceFile } from '../model/types.js';
import { detectFile, hasNul, mayContainPolicy, mostlyOddCharacters, type NameKind } from './detect.js';
import { topologyReadsScript, topologyReadsYaml } from '../topology/inputs.js';

/**
 * Whether a lint run needs a file's text, decided from the file alone so the shell can stream a
 * repository (read → decide → drop) and hold only what matters: memory then follows the CORS files,
 * not the size of the tree. Mirrors the first gate of lint() — a file it drops is one lint() would
 * skip, with the same reason (given back as `reason`) but for binary content without a NUL in a
 * file without a CORS token, which is given as "no CORS token" — and keeps the texts other files' analysis
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
  // lint() reports an nginx file's binary content itself (a parse-error): it is kept either way.
  if (kind.format === 'nginx') return kept(kind.format);
  if (hasNul(file.text)) return BINARY;
  const verdict = byContent(kind.format, file);
  // looksBinary's costly half only for the files kept: one without a CORS token is left out
  // either way (its reason, shown by --list-skipped, is then "no CORS token").
  return verdict.keep && mostlyOddCharacters(file.text) ? BINARY : verdict;
}

const BINARY: Retention = { keep: false, reason: 'binary content' };

function byContent(format: Format, file: Pick<SourceFile, 'path' | 'text'>): Retention {
  if (mayContainPolicy(format, file.text, file.path)) return kept(format);
  // The one-per-project platform files (vercel.json, netlify.toml) whatever they hold: only the
  // formats a repository has thousands of files in are worth sieving.
  if (!SIEVED.has(format)) return kept(format);
  if (format === 'yaml') return topologyReadsYaml(file.path, file.text) ? kept(format) : { keep: false, reason: 'no CORS token' };
  if (file.text.length > HOST_MODULE_BYTES / 4 && Buffer.byteLength(file.text) > HOST_MODULE_BYTES) return kept(format);
  return topologyReadsScript(file.path, file.text) ? kept(format) : { keep: false, reason: 'no CORS token' };
}
