import { posix } from 'node:path';
import type { Format, SourceFile } from '../model/types.js';
import { FORMAT_LIST, FORMAT_SPECS, type FormatSpec } from './formats.js';
import { SERVERLESS_CONFIG } from '../extract/js/serverless-config.js';
import { goActionEnd } from '../util/delimited.js';

/**
 * What a file *is*: from its name where the name is unambiguous, from its content where it is not
 * (`.conf` is nginx, HOCON, redis or Apache alike), all from the format registry (formats.ts).
 * Lockfiles, bundles, minified and vendored code configure nothing (design.md: 98% of parse time
 * on a real tree went to two such files).
 */
// cdk.out, .aws-sam and .serverless hold templates the CDK, `sam build` and `serverless package` generate from the sources read here.
const SKIPPED_DIRS = /(^|\/)(node_modules|bower_components|vendor|third_party|\.git|\.yarn|\.pnpm-store|dist|build|coverage|\.next|\.nuxt|out|cdk\.out|\.aws-sam|\.serverless|site-packages|__pycache__|\.venv|venv|\.tox|\.mypy_cache)\//;
const GENERATED_NAMES = /(\.min\.(js|mjs|cjs)|\.bundle\.js|-bundle\.js|\.d\.ts|\.d\.mts|\.d\.cts|\.map|_pb2(_grpc)?\.py|\.pyi)$/;
const LOCKFILES = new Set(['package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'npm-shrinkwrap.json', 'bun.lockb']);

/** `example.com`, `api.example.com`, `default.vhost`: how site files are named in nginx folders. */
const SITE_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$|\.(vhost|site|inc|locations?|snippet)$/;
/**
 * Extensions that are never an nginx site file, even in an nginx folder (READMEs with nginx examples,
 * backups, keys; the patches and C sources an nginx build folder carries, its systemd units).
 */
const NOT_CONFIG = /^\.(md|markdown|txt|rst|adoc|html?|json|toml|ini|sh|bash|ps1|bat|bak|orig|rej|swp|old|disabled|dpkg-old|dpkg-dist|rpmsave|rpmnew|log|pem|crt|key|csr|der|p12|png|jpe?g|gif|svg|ico|gz|tgz|zip|xz|lua|js|ts|py|rb|go|pl|php|sql|csv|xml|patch|diff|c|h|cc|cpp|hpp|rs|java|mk|cmake|service|socket|timer)$/;

const PYTHON_TEMPLATE = /\.py\.(?:j2|jinja2?|tmpl|template)$/;

/**
 * Names that are never a server config, though they are named without an extension (or with one an
 * nginx file may have) and sit in nginx folders: a folder's README, LICENSE or Makefile, and Dockerfiles
 * of any suffix (`Dockerfile.nginx`, `Dockerfile.j2`). A README's indented example (`add_header … *;`)
 * read as nginx gave findings on prose; a `Dockerfile.nginx` that echoes a CORS header into the image gave a parse-error.
 */
const NEVER_CONFIG_STEM = /^(?:readme|licen[cs]e|copying|authors|contributors|changelog|codeowners|makefile|gnumakefile|jenkinsfile|vagrantfile|procfile|gemfile|rakefile|brewfile|pipfile|caddyfile|justfile|tiltfile|dockerfile|containerfile)$/;
const DOCKERFILE = /^(?:docker|container)file(?:\.|$)/;
const NOT_A_CONFIG: NameKind = Object.freeze({ skip: 'a README, LICENSE, Makefile or Dockerfile, not a server config' });

export type FileKind = { format: Format; why?: string } | { skip: string };

/**
 * The name a template renders to (`site.conf.j2` -> `site.conf`, `default.conf.template.j2` ->
 * `default.conf`), or undefined when the name ends in no template suffix. At most two suffixes come off.
 */
function renderedName(lower: string): string | undefined {
  let name = lower;
  for (let round = 0; round < 2; round++) {
    const suffix = FORMAT_SPECS.nginx.templateSuffixes!.find((candidate) => name.endsWith(candidate) && name.length > candidate.length);
    if (suffix === undefined) break;
    name = name.slice(0, -suffix.length);
  }
  return name === lower ? undefined : name;
}

/**
 * The template suffixes as a set, when each is one extension (`.j2`, no other dot): a name then ends
 * in one exactly when its extension (from its last dot, past the first character) is in the set, so
 * detectByName asks renderedName only for those names. Undefined (renderedName asked for every
 * name) if a suffix of two parts is ever registered.
 */
const TEMPLATE_EXTENSIONS = FORMAT_SPECS.nginx.templateSuffixes!.every((suffix) => /^\.[^.]+$/.test(suffix)) ? new Set(FORMAT_SPECS.nginx.templateSuffixes!) : undefined;

/** nginx's file names and the same followed by a dot (`nginx.conf.default`), made once. */
const NGINX_FILE_NAMES = FORMAT_SPECS.nginx.fileNames!.map((name) => [name, `${name}.`] as const);

/** What the name alone says: a format, a format to confirm from the content, or a skip. */
export type NameKind = { format: Format } | { maybe: Format } | { skip: string };

/**
 * The answers detectByName gives most, made once: it is asked for every file of a walk, and its
 * callers only read what it returns (frozen, so none can change one for all).
 */
const LOCKFILE: NameKind = Object.freeze({ skip: 'lockfile' });
const VENDORED: NameKind = Object.freeze({ skip: 'vendored or generated folder' });
const GENERATED: NameKind = Object.freeze({ skip: 'generated or bundled file' });
const UNSUPPORTED: NameKind = Object.freeze({ skip: 'not a supported file type' });
const NAMED = Object.fromEntries(FORMAT_LIST.map((spec) => [spec.id, Object.freeze({ format: spec.id })])) as Record<Format, NameKind>;
const MAYBE = Object.fromEntries(FORMAT_LIST.map((spec) => [spec.id, Object.freeze({ maybe: spec.id })])) as Record<Format, NameKind>;

/** A folder of `path` (a segment before its last) is one of `spec.folders` (names without a slash). */
function inFolderOf(spec: FormatSpec, path: string): boolean {
  const folders = spec.folders;
  if (!folders) return false;
  const cut = path.lastIndexOf('/');
  if (cut === -1) return false;
  for (const folder of folders) {
    // As a whole segment: at the start or after a slash, and followed by a slash (the last one at `cut` at the latest).
    for (let at = path.indexOf(folder); at !== -1 && at + folder.length <= cut; at = path.indexOf(folder, at + 1)) {
      if ((at === 0 || path.charCodeAt(at - 1) === 47) && path.charCodeAt(at + folder.length) === 47) return true;
    }
  }
  return false;
}

/**
 * From the name: `path` is what the file is shown as; `folderPath` (default `path`) is where its
 * folders are read from — the shell passes the path below the scanned root's parent, so the answer
 * does not depend on the working directory.
 */
export function detectByName(path: string, folderPath: string = path): NameKind {
  // Called for every file of a walk (20,000 in a large repository, before a one-file run's includer
  // search too), mostly in a cold process: each step avoids allocating where the answer is plain.
  const normalized = path.includes('\\') ? path.replace(/\\/g, '/') : path;
  const base = normalized.slice(normalized.lastIndexOf('/') + 1);
  if (LOCKFILES.has(base)) return LOCKFILE;
  if (SKIPPED_DIRS.test(normalized)) return VENDORED;
  if (GENERATED_NAMES.test(base) || /^yarn-[\d.]+\.c?js$/.test(base)) return GENERATED;
  const lower = base.toLowerCase();
  const dot = lower.lastIndexOf('.');
  const ext = dot <= 0 ? '' : lower.slice(dot);
  const nginx = FORMAT_SPECS.nginx;
  // nginx.conf, and nginx.conf.default / nginx.conf.j2 / nginx.conf.erb: the name says it.
  // Not a backup or a switched-off copy (`nginx.conf.bak`, `.orig`, `.disabled`, `.dpkg-old`), nor notes about it (`nginx.conf.md`).
  for (const [name, dotted] of NGINX_FILE_NAMES) if (lower === name || (lower.startsWith(dotted) && !NOT_CONFIG.test(ext))) return NAMED.nginx;
  if (DOCKERFILE.test(lower)) return NOT_A_CONFIG;
  // site.conf.j2, api.conf.template, cors.nginx.tpl, default.conf.template.j2, ingress.yaml.j2: templates, detected as the file they render to.
  const rendered = dot > 0 && (TEMPLATE_EXTENSIONS === undefined || TEMPLATE_EXTENSIONS.has(ext)) ? renderedName(lower) : undefined;
  if (rendered !== undefined) {
    const renderedExt = posix.extname(rendered);
    if (nginx.extensions.includes(renderedExt)) return { format: 'nginx' };
    if (renderedExt !== '' && nginx.ambiguousExtensions?.includes(renderedExt)) return { maybe: 'nginx' };
    if (FORMAT_SPECS.yaml.extensions.includes(renderedExt) && renderedExt !== '.tpl') return { format: 'yaml' };
    // settings.py.j2 (Ansible, Salt), config.py.jinja (copier): Python rendered from a template, read as Python
    // with its template lines blanked (python/parse.ts). Not `.example` / `.sample` copies, which nothing runs as they are.
    if (renderedExt === '.py' && PYTHON_TEMPLATE.test(lower)) return { format: 'python' };
  }
  // vercel.json, netlify.toml: a platform's config file, by its exact name (the platform reads no other).
  const byFileName = FILE_NAME_FORMATS.get(base);
  if (byFileName) return NAMED[byFileName];
  // Helm renders no template whose name starts with "_": those files hold named templates (`define`) only.
  if (base.startsWith('_') && (ext === '.tpl' || (FORMAT_SPECS.yaml.extensions.includes(ext) && /(^|\/)templates\//.test(normalized)))) {
    return { skip: 'Helm partial (Helm renders no template whose name starts with "_")' };
  }
  // Elastic Beanstalk reads every `.config` file of `.ebextensions/` as YAML (JSON is YAML too): its `files:`
  // entries write nginx configs (`/etc/nginx/conf.d/cors.conf: { content: | … }`).
  if (ext === '.config' && /(^|\/)\.ebextensions\/[^/]+$/.test(normalized)) return { format: 'yaml' };
  const byExtension = EXTENSION_FORMATS.get(ext);
  // `README.nginx`: notes about nginx, not its config (a `.py` or `.yaml` of such a name is still read).
  if (byExtension === 'nginx' && NEVER_CONFIG_STEM.test(lower.slice(0, dot))) return NOT_A_CONFIG;
  if (byExtension) return NAMED[byExtension];
  if (ext !== '') {
    const ambiguous = AMBIGUOUS_EXTENSION_FORMATS.get(ext);
    if (ambiguous) return MAYBE[ambiguous];
  }
  // An Ansible or Chef template of a file named without an extension or for its host (`templates/vhost.j2`,
  // `nginx-site.erb`, `example.com.j2`): nginx only if the content says so.
  if (rendered !== undefined && !rendered.startsWith('.')) {
    const renderedExt = posix.extname(rendered);
    if (renderedExt === '' && NEVER_CONFIG_STEM.test(rendered)) return NOT_A_CONFIG;
    if (renderedExt === '' || (SITE_NAME.test(rendered) && !EXTENSION_FORMATS.has(renderedExt) && !NOT_CONFIG.test(renderedExt))) return { maybe: 'nginx' };
  }
  // Extensionless files and site files named for their host (`api.example.com`) in sites-available/,
  // conf.d/ ...: nginx only by folder and content.
  if (!base.startsWith('.') && (ext === '' || SITE_NAME.test(lower)) && !NOT_CONFIG.test(ext) && !(ext === '' && NEVER_CONFIG_STEM.test(lower))) {
    const folders = folderPath.includes('\\') ? folderPath.replace(/\\/g, '/') : folderPath;
    for (const spec of FORMAT_LIST) {
      if (spec.ambiguousExtensions?.includes('') && (inFolderOf(spec, folders) || inFolderOf(spec, normalized))) return { maybe: spec.id };
    }
  }
  return UNSUPPORTED;
}

/**
 * A pattern that every path detectByName (or detectFormat) can call nginx matches, built from the
 * same registry entries: its file names and extensions (a template's name holds the extension of
 * what it renders to) and `folder/` for the files judged by their folder. A superset, ASCII and
 * case-insensitive: it lets a walk skip the other names of a large repository without judging
 * each (DiscoverOptions.nameHint); test/detect.test.ts checks it against detectByName.
 */
export function nginxNameHint(): RegExp {
  const nginx = FORMAT_SPECS.nginx;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  const names = [...nginx.fileNames!, ...nginx.extensions, ...(nginx.ambiguousExtensions ?? []).filter((ext) => ext !== '')].map(escape);
  // A template of a file named without an extension or for its host (`vhost.j2`) is nginx by content.
  // The name's end: the end of the path, or of its record in git's NUL-separated listing (gitEntries matches it there).
  const templates = (nginx.templateSuffixes ?? []).map((suffix) => `${escape(suffix)}(?=$|\\0)`);
  // detectByName reads folders after turning `\` into `/`.
  const folders = (nginx.folders ?? []).map((folder) => `${escape(folder)}[/\\\\]`);
  return new RegExp(`(?:${[...names, ...folders, ...templates].join('|')})`, 'i');
}

/** The registry's name tables as maps, first format wins (the order of FORMAT_LIST, as the loops they replace). */
function firstByKey(keysOf: (spec: FormatSpec) => readonly string[] | undefined): Map<string, Format> {
  const map = new Map<string, Format>();
  for (const spec of FORMAT_LIST) for (const key of keysOf(spec) ?? []) if (!map.has(key)) map.set(key, spec.id);
  return map;
}
const FILE_NAME_FORMATS = firstByKey((spec) => (spec.id === 'nginx' ? [] : spec.fileNames));
const EXTENSION_FORMATS = firstByKey((spec) => spec.extensions);
const AMBIGUOUS_EXTENSION_FORMATS = firstByKey((spec) => spec.ambiguousExtensions?.filter((ext) => ext !== ''));

/** Whether a file found while walking is worth reading (the content settles the `maybe`s). */
export function mayBeSupported(path: string, folderPath?: string): boolean {
  return !('skip' in detectByName(path, folderPath));
}

/** The whole answer, from name and content; `file.format` (an editor's language id) overrides both. */
export function detectFile(file: Pick<SourceFile, 'path' | 'text' | 'detectPath' | 'format'>, byName?: NameKind): FileKind {
  if (file.format) return { format: file.format };
  // `byName`: detectByName's answer for this file when the caller already has it (the shell asked it to decide what to read).
  const kind = byName ?? detectByName(file.path, file.detectPath);
  if ('skip' in kind) return kind;
  if ('maybe' in kind) {
    const spec = FORMAT_SPECS[kind.maybe];
    // CloudFormation takes a template in JSON or YAML under any name, and AWS's own samples name both `.template`.
    if (kind.maybe === 'json' && /\.template$/i.test(file.path) && CLOUDFORMATION_YAML.test(file.text.slice(0, SNIFF_TEMPLATE)) && !/^\uFEFF?\s*\{/.test(file.text)) {
      return { format: 'yaml', why: 'a CloudFormation template written in YAML' };
    }
    const verdict = spec.looksLike?.(file.text) ?? { yes: true, why: '' };
    return verdict.yes ? { format: kind.maybe, why: verdict.why } : { skip: `not ${spec.displayName} by its content: ${verdict.why}` };
  }
  if (kind.format === 'yaml' && isTemplateLibrary(file.text)) return { skip: 'Helm named-template library ({{ define }} blocks only)' };
  // `server.app.tpl`, `site.tpl`: a template of an nginx file whose name keeps no `.conf` (a `.conf.tpl` is
  // nginx by name). Helm's .tpl manifests always have a key at the start of a line; an nginx file never does.
  if (kind.format === 'yaml' && /\.tpl$/i.test(file.path)) {
    if (!YAML_KEY_LINE.test(file.text)) {
      const nginx = FORMAT_SPECS.nginx.looksLike!(file.text);
      if (nginx.yes) return { format: 'nginx', why: `a .tpl with ${nginx.why} and no YAML key` };
    }
    // NodeBB, Smarty, PHP and Go web apps keep their HTML views in .tpl files, and Go tools their Markdown
    // ones (a CHANGELOG.tpl opening with `<!-- -->`): markup, never a manifest, even with a `Note:` line further down.
    if (startsWithMarkup(file.text)) return { skip: 'an HTML template (.tpl starting with a tag), not YAML' };
    if (startsWithIniSection(file.text)) return { skip: 'an INI template (.tpl opening with a [section] and key = value lines), not YAML' };
  }
  return kind;
}

/**
 * The first line holding more than template actions and comments opens a tag (`<div>`, `<!-- -->`,
 * `<!DOCTYPE>`). A YAML document cannot usefully start so; only the first 64 lines are looked at.
 */
function startsWithMarkup(text: string): boolean {
  let start = 0;
  for (let n = 0; n < 64 && start < text.length; n++) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end).trim();
    start = end === -1 ? text.length : end + 1;
    const action = line.startsWith('{{') && line.endsWith('}}') && line.indexOf('{{', 2) === -1;
    if (line === '' || line.startsWith('#') || action) continue;
    return /^<[A-Za-z!/]/.test(line);
  }
  return false;
}

/**
 * The first line that is not blank or a comment is an INI section header (`[app:main]`) and the next one a
 * `key = value` assignment: a PasteDeploy or tox-style INI template (Kinto's kinto/config/kinto.tpl).
 * YAML would read the header as a flow sequence and refuse the assignment after it, so such a file is
 * never a manifest. Only the first 64 lines are looked at.
 */
function startsWithIniSection(text: string): boolean {
  let start = 0;
  let section = false;
  for (let n = 0; n < 64 && start < text.length; n++) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end === -1 ? text.length : end).trim();
    start = end === -1 ? text.length : end + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (!section) {
      if (!/^\[[\w.:-]+(?: [\w.:-]+)*\]$/.test(line)) return false;
      section = true;
      continue;
    }
    return /^[A-Za-z_][\w.:-]*[ \t]*=/.test(line);
  }
  return false;
}

/** A CloudFormation template's top-level keys in YAML: its version line, or a `Resources:` section (looked for in the first 64 KB). */
const CLOUDFORMATION_YAML = /^(?:AWSTemplateFormatVersion|Resources|Transform)[ \t]*:/m;
const SNIFF_TEMPLATE = 64 * 1024;

/** `key:` at the start of a line (Helm templates start their lines with `{{`, `-`, spaces or keys). */
const YAML_KEY_LINE = /^[A-Za-z_][\w.-]*:(?:[ \t]|$)/m;

/** Back-compatible name-only answer (no content). */
export function detectFormat(path: string, text?: string): FileKind {
  if (text !== undefined) return detectFile({ path, text });
  const kind = detectByName(path);
  return 'maybe' in kind ? { format: kind.maybe } : kind;
}

/**
 * A file made of `{{ define "name" }} … {{ end }}` blocks (and template comments) renders nothing
 * by itself: Helm includes the blocks where other templates call them. It is not a YAML document.
 */
export function isTemplateLibrary(text: string): boolean {
  if (!/\{\{-?\s*define\b/.test(text)) return false;
  // Remove each define … end block, tracking nested control blocks (if/range/with/block) by a
  // counter. indexOf scanning keeps this linear on hostile input (an unclosed `{{` ends the scan).
  let depth = 0;
  let outside = '';
  let last = 0;
  const scan = { close: -1, commentEnd: -1 };
  for (let open = text.indexOf('{{'); open !== -1; open = text.indexOf('{{', last)) {
    const end = goActionEnd(text, open, scan);
    if (end === -1) return false;
    const close = end - 2;
    if (depth === 0) outside += text.slice(last, open);
    last = end;
    const action = text.slice(open + 2, Math.min(close, open + 64)).replace(/^-?\s*/, '');
    if (action.startsWith('/*')) continue;
    const word = /^\w+/.exec(action)?.[0];
    if (word === 'define' || (depth > 0 && (word === 'if' || word === 'range' || word === 'with' || word === 'block'))) depth++;
    else if (word === 'end' && depth > 0) depth--;
    else if (depth === 0) return false;
  }
  if (depth === 0) outside += text.slice(last);
  return outside.trim() === '';
}

/** Stage two: the tokens that can start a policy in each format. A file without one cannot matter. */
export function mayContainPolicy(format: Format, text: string, path?: string): boolean {
  // A Serverless Framework service written in code may hold no CORS word itself: its functions, with their
  // `cors`, are often imported from other modules.
  if (path !== undefined && (format === 'js' || format === 'ts') && SERVERLESS_CONFIG.test(path)) return true;
  return FORMAT_SPECS[format]?.prefilter.test(text) ?? false;
}

/** A line longer than this is not one a person wrote as code (looksGenerated). */
const LONG_LINE = 1000;

/**
 * Minified or bundled code that slipped past the name test: long lines, few of them. Not when a
 * token that can start a policy sits on an ordinary line: a hand-written module with one long line
 * of data (an inline image or certificate, a JSON blob, an HTML template) and its CORS setup on
 * lines of its own was skipped whole as "minified" (a 20 KB server file with a 1 KB data line in
 * its first 20 lines), while in minified code the tokens are on the long lines themselves.
 */
export function looksGenerated(format: Format, text: string): boolean {
  if (format !== 'js' && format !== 'ts' && format !== 'python') return false;
  if (text.length < 20_000) return false;
  const lines = text.split('\n', 200);
  const longLines = lines.filter((line) => line.length > LONG_LINE).length;
  return longLines > 0 && longLines / lines.length > 0.05 && !tokenOnOrdinaryLine(FORMAT_SPECS[format].prefilter, text);
}

/** Whether `prefilter` matches on a line of at most LONG_LINE characters; each line is looked at once (the rest of a long line is skipped). */
function tokenOnOrdinaryLine(prefilter: RegExp, text: string): boolean {
  const search = new RegExp(prefilter.source, prefilter.flags.replace(/[gy]/g, '') + 'g');
  for (let match = search.exec(text); match !== null; match = search.exec(text)) {
    const start = text.lastIndexOf('\n', match.index) + 1;
    const newline = text.indexOf('\n', match.index);
    const end = newline === -1 ? text.length : newline;
    if (end - start <= LONG_LINE) return true;
    search.lastIndex = end;
  }
  return false;
}

/** How much of a file the binary test looks at. */
const BINARY_SAMPLE = 8000;
/** C0 controls other than tab, line feed, vertical tab, form feed, carriage return and escape; DEL; U+FFFD. */
const ODD_CHARACTER = /[\u0001-\u0008\u000e-\u001a\u001c-\u001f\u007f\ufffd]/;

/**
 * Binary data, not text: a NUL in the first 8,000 characters, or replacement and control
 * characters making up more than 40% of them (random bytes without a NUL, decoded as UTF-8, give about 55%). A text
 * file in a legacy 8-bit encoding is text: nginx reads bytes, Node decodes a script's invalid UTF-8
 * as U+FFFD, Python reads it under a PEP 263 coding line. Such a file (comments in Latin-1 or
 * Windows-1252: "sécurité", "Größe") was taken for binary from its ninth accented letter: an nginx
 * config got a parse-error and no finding, a JS, Python or YAML file was skipped unread.
 */
export function looksBinary(text: string): boolean {
  return hasNul(text) || mostlyOddCharacters(text);
}

/** The first half of looksBinary, and the cheap one (a byte search): what a whole-repository run asks of every file it reads (engine/retain.ts). */
export function hasNul(text: string): boolean {
  return (text.length > BINARY_SAMPLE ? text.slice(0, BINARY_SAMPLE) : text).includes('\u0000');
}

/**
 * The second half of looksBinary: it scans the sample character by character, which cost a
 * whole-repository run more than its prefilter did (12,000 files: 46 ms against 23), so a run asks
 * it only of the files it keeps. Counted without building a list of matches (a binary file has
 * thousands), and stopped as soon as the answer is known.
 */
export function mostlyOddCharacters(text: string): boolean {
  const length = Math.min(text.length, BINARY_SAMPLE);
  const first = (text.length > BINARY_SAMPLE ? text.slice(0, BINARY_SAMPLE) : text).search(ODD_CHARACTER);
  if (first === -1) return false;
  const needed = Math.max(9, Math.floor(length * 0.4) + 1);
  let odd = 0;
  for (let i = first; i < length; i++) {
    if (isOdd(text.charCodeAt(i)) && ++odd >= needed) return true;
    if (odd + (length - i - 1) < needed) return false;
  }
  return false;
}

function isOdd(code: number): boolean {
  if (code < 0x20) return code !== 0 && (code < 0x09 || (code > 0x0d && code !== 0x1b));
  return code === 0x7f || code === 0xfffd;
}
