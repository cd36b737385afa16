import { posix } from 'node:path';
import type { Format } from '../model/types.js';

/**
 * Stage one of the prefilter: what a file *is*, from its path alone. Lockfiles, bundles, minified
 * and vendored code configure nothing (design.md: 98% of parse time on a real tree went to two
 * such files).
 */
const JS_EXTENSIONS: Record<string, Format> = { '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'js', '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'ts' };
const NGINX_DIRS = /(^|\/)(nginx|sites-(available|enabled)|conf\.d|snippets|openresty)(\/|$)/;
const SKIPPED_DIRS = /(^|\/)(node_modules|bower_components|vendor|third_party|\.git|\.yarn|\.pnpm-store|dist|build|coverage|\.next|\.nuxt|out|site-packages|__pycache__|\.venv|venv|\.tox|\.mypy_cache)\//;
const GENERATED_NAMES = /(\.min\.(js|mjs|cjs)|\.bundle\.js|-bundle\.js|\.d\.ts|\.d\.mts|\.d\.cts|\.map|_pb2(_grpc)?\.py|\.pyi)$/;
const LOCKFILES = new Set(['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'npm-shrinkwrap.json', 'bun.lockb']);

export type FileKind = { format: Format } | { skip: string };

export function detectFormat(path: string): FileKind {
  const normalized = path.replace(/\\/g, '/');
  const base = posix.basename(normalized);
  if (LOCKFILES.has(base)) return { skip: 'lockfile' };
  if (SKIPPED_DIRS.test(`/${normalized}`)) return { skip: 'vendored or generated folder' };
  if (GENERATED_NAMES.test(base) || /^yarn-[\d.]+\.c?js$/.test(base)) return { skip: 'generated or bundled file' };
  const ext = posix.extname(base).toLowerCase();
  if (JS_EXTENSIONS[ext]) return { format: JS_EXTENSIONS[ext] };
  if (ext === '.py' || ext === '.pyw') return { format: 'python' };
  // Helm charts keep manifests in .yaml and .tpl files.
  if (ext === '.yaml' || ext === '.yml' || ext === '.tpl') return { format: 'yaml' };
  if (ext === '.conf' || ext === '.nginx' || base === 'nginx.conf' || /\.(conf|nginx)\.(template|tmpl|j2)$/.test(base)) return { format: 'nginx' };
  if (ext === '' && NGINX_DIRS.test(normalized)) return { format: 'nginx' };
  return { skip: 'not a supported file type' };
}

/** Stage two: the tokens that can start a policy in each format. A file without one cannot matter. */
const TOKENS: Record<string, RegExp> = {
  // A `map $http_origin` in a file of its own is an allowlist too.
  nginx: /access-control-|\binclude\b|\$\{?http_origin\b/i,
  js: /\bcors\b|access-control-allow|enableCors/i,
  ts: /\bcors\b|access-control-allow|enableCors/i,
  // CORSMiddleware, CORS(app), @cross_origin, CORS_* settings, corsheaders, hand-set headers.
  python: /cors|cross_origin|access-control-allow/i,
  // ingress-nginx annotations and snippets, Traefik accessControl*, Kong/APISIX/Envoy `cors`, Istio corsPolicy, SAM Cors.
  yaml: /cors|access-?control/i,
};

export function mayContainPolicy(format: Format, text: string): boolean {
  return TOKENS[format]?.test(text) ?? false;
}

/** Minified or bundled code that slipped past the name test: long lines, few of them. */
export function looksGenerated(format: Format, text: string): boolean {
  if (format !== 'js' && format !== 'ts' && format !== 'python') return false;
  if (text.length < 20_000) return false;
  const lines = text.split('\n', 200);
  const longLines = lines.filter((line) => line.length > 1000).length;
  return longLines > 0 && longLines / lines.length > 0.05;
}

export function looksBinary(text: string): boolean {
  const sample = text.slice(0, 8000);
  return sample.includes('\u0000') || (sample.match(/\uFFFD/g)?.length ?? 0) > 8;
}
