import type { GitPrefetch } from './git-prefetch.js';
import type { EarlyReader } from './reader-start.js';
import { lstatSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { Config, RuleLevel } from '../engine/config.js';
import { detectByName, detectFormat, mayBeSupported, nginxNameHint, type NameKind } from '../engine/detect.js';
import { lint as lintFiles, ruleIds, type LintOptions, type LintResult, type SkippedFile } from '../engine/lint.js';
import { NginxWorkspace, type NginxWorkspaceHost } from '../extract/nginx/workspace.js';
import type { ModuleHost } from '../engine/modules.js';
import type { Diagnostic, Format, SourceFile } from '../model/types.js';
import { ConfigResolver } from './config-file.js';
import { discover, gitListing, gitRunner, type DiscoveredFile, type DiscoverOptions, type Discovery, type Sieve, type SieveVerdict } from './discover.js';
import { IncludeFacts } from './include-facts.js';
import { ListingCache } from './listing-cache.js';
import { IncluderCache } from './includer-cache.js';
import { retention, type Retention } from '../engine/retain.js';
import { workerPool, type HostSpec } from './pool.js';
import { readConfined, scanRoots } from './safe-read.js';
import { noteCodePath } from '../util/load-library.js';

export interface ProjectOptions {
  cwd: string;
  /** Files, folders or globs; the current folder when empty. */
  paths: string[];
  configPath?: string;
  /** Rule levels that override the config file (`--rule id:level`). */
  rules?: Record<string, string>;
  /** `--ignore-pattern`: gitignore-style patterns relative to cwd (applied even with `--no-ignore`). */
  ignorePatterns?: string[];
  /** `--no-ignore`: neither .gitignore files nor config `ignores` leave anything out. */
  noIgnore?: boolean;
  /** `--stdin`: lint this text as the file at `path` (format and config from that name) instead of walking `paths`. */
  stdin?: { path: string; text: string };
  /**
   * Also lint the nginx files under cwd that include a given nginx file (directly or through others),
   * so that a snippet is judged inside its includers as a whole-tree run judges it (pre-commit, --changed).
   */
  withIncluders?: boolean;
  /** List every file read and left out, with why (`--debug`); otherwise they are only counted. */
  listSkipped?: boolean;
  /** false: keep every text read, as before streaming (tests and the bench compare the two). */
  stream?: boolean;
  /** `--jobs`: threads for the rules of a large run (pool.ts); 1 (the default) keeps one, 0 means one per core. Given as 1, a large repository is also read on one thread (read-threads.ts). */
  jobs?: number;
  /** git's listing of the folder to lint, asked for before the program loaded (bin.ts, git-prefetch.ts) and waited for. */
  gitPrefetch?: GitPrefetch;
  /** The reading worker, started before the program loaded (bin.ts, reader-start.ts). */
  earlyReader?: EarlyReader;
  /** The cache folder (cache-dir.ts): the includer search keeps there which nginx files have no `include` (include-facts.ts). */
  cacheDir?: string;
}

export interface ProjectResult {
  result: LintResult;
  discovery: Discovery;
  /** The config of the first folder walked (the Action and explain read `knownOrigins` etc. from it). */
  config: Config;
  /** Paths that do not exist and globs that matched no file cors-lint reads. */
  unmatched: string[];
  /** Every file linted, with its text (for --fix and --baseline): those the run needs (engine/retain.ts). */
  files: Array<{ path: string; text: string }>;
  /** Configs of the files read and left out: they count for knownOrigins and rule levels as before (lintWithConfigs). */
  extraConfigs: Config[];
  resolver: ConfigResolver;
  /** Reads include targets and other files the core asks for, confined to what was scanned. */
  host: NginxWorkspaceHost & ModuleHost;
}

/**
 * A file the nginx extractor asks for (an `include` target): its text, undefined when it is
 * missing, or why it is refused. Confined to the scanned roots (safe-read.ts): never an absolute
 * path, never `../` or a symlink out of them, only regular files, with a size cap.
 */
export function readTextFile(roots: readonly string[], cwd: string, path: string): string | undefined | { refused: string } {
  const read = readConfined(roots, cwd, path);
  if ('text' in read) return read.text;
  return read.error === 'ENOENT' || read.error === 'ENOTDIR' ? undefined : { refused: read.error };
}

/** Larger modules are bundles or generated code, never where CORS options are written. */
const MAX_MODULE_BYTES = 2 * 1024 * 1024;

/**
 * A repository module the JS or Python extractor asks for (an import of a linted file), confined
 * like includes (safe-read.ts): inside the scanned roots, directly and through symlinks, regular
 * files only, and only files cors-lint reads.
 */
export function readModuleInsideRoot(roots: readonly string[], cwd: string, path: string): string | undefined {
  // `../` is not refused here: a folder scanned outside the working directory starts with it, and readConfined keeps every read inside the roots.
  if (isAbsolute(path) || !mayBeSupported(path)) return undefined;
  const read = readConfined(roots, cwd, path, MAX_MODULE_BYTES);
  return 'text' in read ? read.text : undefined;
}

const toPosix = (path: string) => path.split(sep).join('/');

function isNginxPath(path: string): boolean {
  const kind = detectFormat(path);
  return 'format' in kind && kind.format === 'nginx';
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Walks plain paths and globs. A glob is walked from its static base (so .gitignore, symlink-loop
 * and unreadable-folder handling are discover's) and its files are kept when they match; a path
 * that exists is never read as a glob, so `app[1].conf` still names one file.
 */
function walkAll(options: ProjectOptions, ignores: string[], sieve?: Sieve, reads: (path: string, folderPath: string) => boolean = mayBeSupported, threads?: DiscoverOptions['threads']): { discovery: Discovery; unmatched: string[] } {
  const { cwd } = options;
  const walkOptions = { gitignore: !options.noIgnore, sieve };
  const files = new Map<string, DiscoveredFile>();
  const notes: Discovery['notes'] = [];
  const unmatched: string[] = [];
  let dropped = 0;
  const take = (discovery: Discovery) => {
    for (const file of discovery.files) if (!files.has(file.path)) files.set(file.path, file);
    notes.push(...discovery.notes);
    dropped += discovery.dropped ?? 0;
    return discovery.files.length + (discovery.dropped ?? 0);
  };
  const plain: string[] = [];
  for (const given of options.paths.length > 0 ? options.paths : ['.']) {
    if (exists(resolve(cwd, given))) {
      plain.push(given);
      continue;
    }
    const scan = picomatch.scan(toPosix(given));
    if (!scan.isGlob) {
      unmatched.push(given);
      continue;
    }
    const base = resolve(cwd, scan.base || '.');
    const relBase = toPosix(relative(cwd, base));
    const pattern = relBase ? `${relBase}/${scan.glob}` : scan.glob;
    const matches = picomatch(pattern, { dot: true });
    const found = exists(base) ? take(discover([base], cwd, ignores, (path, folderPath) => reads(path, folderPath) && matches(path), walkOptions)) : 0;
    if (found === 0) unmatched.push(given);
  }
  // Plain paths only: a glob's `accept` is more than the name test a reading thread makes.
  if (plain.length > 0) take(discover(plain, cwd, ignores, reads, { ...walkOptions, threads, gitPrefetch: options.gitPrefetch, earlyReader: options.earlyReader }));
  return { discovery: { files: [...files.values()], notes, dropped }, unmatched };
}

/** nginx files under cwd that include one of `targets` (paths relative to cwd), directly or through other files. */
export function nginxIncluders(options: ProjectOptions, ignores: string[], targets: string[]): string[] {
  // git's list is searched for nginx names natively: the repository's other files are never parsed or judged.
  // A file remembered without `include` is not read: its text (empty here) never matters to the search.
  // git's listing of the nginx names is remembered too, while the index, ignore rules and folders stay as they were,
  // and so is the answer, while every nginx file keeps its lstat (includer-cache.ts).
  const root = resolve(options.cwd);
  const hint = nginxNameHint();
  const readOutside = (path: string) => readTextFile([options.cwd], options.cwd, path);
  const caches =
    options.cacheDir === undefined
      ? undefined
      : { listing: new ListingCache(options.cacheDir, root, hint, process.env, gitRunner(root), () => gitListing(root, hint, undefined, false)), answers: new IncluderCache(options.cacheDir, root, ignores) };
  if (caches && !options.noIgnore) {
    const listed = caches.listing.lookup();
    const known = listed && caches.listing.generation !== undefined ? caches.answers.lookup(caches.listing.generation, readOutside) : undefined;
    if (known) {
      // A code path of its own for the bundle's code cache (code-cache.ts): the run that wrote the
      // cache searched (its first), and without this tag the lookup's functions were compiled
      // afresh on every later run (24 functions, V8's --log-function-events).
      noteCodePath('nginx-includers-known');
      return includersOf(known, options.cwd, targets);
    }
  }
  // Read only when the answer is not known: its file is as large as the listing's.
  const facts = options.cacheDir === undefined ? undefined : new IncludeFacts(options.cacheDir, root);
  const walked = discover(['.'], options.cwd, ignores, isNginxPath, { gitignore: !options.noIgnore, nameHint: hint, readFile: facts?.read, listingCache: caches?.listing });
  facts?.save();
  const texts = new Map(walked.files.filter((file) => file.text !== undefined).map((file) => [file.path, file.text!]));
  const reads = new Map<string, ReturnType<typeof readOutside>>();
  const workspace = new NginxWorkspace(texts, {
    readFile: (path) => {
      const read = readOutside(path);
      reads.set(path, read);
      return read;
    },
  });
  const includedBy = new Map<string, string[]>();
  // Only a file with an `include` can be an includer: the others are never parsed here (lint() parses what it needs once).
  for (const [path, text] of texts) {
    if (!/\binclude\b/.test(text)) continue;
    for (const target of workspace.includedFiles([path])) includedBy.set(target, [...(includedBy.get(target) ?? []), path]);
  }
  if (caches && facts && !options.noIgnore && !facts.unrecorded && caches.listing.generation !== undefined) {
    caches.answers.save(caches.listing.generation, facts.statsRead, reads, includedBy);
  }
  return includersOf(includedBy, options.cwd, targets);
}

/** The files that include one of `targets`, directly or through others, sorted. */
function includersOf(includedBy: Map<string, string[]>, cwd: string, targets: string[]): string[] {
  const out = new Set<string>();
  const queue = targets.map((target) => toPosix(relative(cwd, resolve(cwd, target))));
  while (queue.length > 0) {
    for (const includer of includedBy.get(queue.pop()!) ?? []) {
      if (out.has(includer)) continue;
      out.add(includer);
      queue.push(includer);
    }
  }
  return [...out].sort();
}

/** The sieve's verdicts that say no more than their kind, made once: discover.ts only reads them, and a run judges every file it reads. */
const COUNTED: SieveVerdict = Object.freeze({ count: true as const });
const IGNORED: SieveVerdict = Object.freeze({ ignored: true as const });
const KEPT_AS = new Map<Format, SieveVerdict>();
function keptAs(format: Format): SieveVerdict {
  let verdict = KEPT_AS.get(format);
  if (!verdict) KEPT_AS.set(format, (verdict = Object.freeze({ keep: format })));
  return verdict;
}

/** The shell around `lint()` shared by the CLI, the GitHub Action and the pre-commit hook: config, discovery, reading files. */
export function lintProject(options: ProjectOptions): ProjectResult {
  const resolver = new ConfigResolver({ cwd: options.cwd, explicit: options.configPath, ruleIds, rules: options.rules });
  const first = resolver.forFile(resolve(options.cwd, options.paths[0] && !options.stdin ? options.paths[0] : '.', '__cors-lint__'));
  let discovery: Discovery;
  let unmatched: string[] = [];
  // Streaming: each file read is kept only when the run needs its text (engine/retain.ts); a file
  // left out still counts with its config (knownOrigins, rule levels), as it did when every text was kept.
  const extraConfigs = new Map<string, Config>();
  const keyed = new WeakSet<Config>();
  // The name is judged once per file: what `reads` found is handed to the sieve, which is called
  // right after for the same file.
  // Three variables, not an object per file: a whole-repository run names tens of thousands.
  let namedPath: string | undefined;
  let namedFolderPath: string | undefined;
  let namedKind: NameKind | undefined;
  const reads = (path: string, folderPath: string) => {
    const kind = detectByName(path, folderPath);
    namedPath = path;
    namedFolderPath = folderPath;
    namedKind = kind;
    return !('skip' in kind);
  };
  // The sieve is retention()'s verdict (pure: a reading thread can make it, discover.ts) and then the config's say.
  const judge = (file: { path: string }, verdict: Retention): SieveVerdict => {
    const effective = resolver.forFile(file.path);
    if (!options.noIgnore && effective.ignored) return IGNORED;
    // The format detection found goes with the text: lint() does not detect the file again (looksLikeNginx on every .conf).
    if (verdict.keep) return keptAs(verdict.format);
    // A folder's files share one config object: its key is made once, not once per file left out.
    if (!keyed.has(effective.config)) {
      keyed.add(effective.config);
      const key = configKey(effective.config);
      if (!extraConfigs.has(key)) extraConfigs.set(key, effective.config);
    }
    return options.listSkipped ? { skipped: verdict.reason } : COUNTED;
  };
  const sieve: Sieve = (file) => judge(file, retention(file, namedPath === file.path && namedFolderPath === file.detectPath ? namedKind : undefined));
  if (options.stdin) {
    discovery = { files: [{ path: toPosix(options.stdin.path), text: options.stdin.text }], notes: [] };
  } else {
    // Ignores of a config in cwd itself also prune the walk (the same paths, relative to the same folder).
    const cwd = resolve(options.cwd);
    const pruned = options.noIgnore ? [] : resolver.chain(cwd).filter((loaded) => loaded.dir === cwd).flatMap((loaded) => loaded.config.ignores);
    const ignores = [...(options.ignorePatterns ?? []), ...pruned];
    if (options.withIncluders) {
      const files = options.paths.filter((path) => {
        try {
          return statSync(resolve(options.cwd, path)).isFile() && isNginxPath(toPosix(path));
        } catch {
          return false;
        }
      });
      if (files.length > 0) {
        const known = new Set(options.paths.map((path) => toPosix(relative(options.cwd, resolve(options.cwd, path)))));
        const extra = nginxIncluders(options, ignores, files).filter((path) => !known.has(path));
        options = { ...options, paths: [...options.paths, ...extra] };
      }
    }
    // `--jobs 1` keeps the whole run on one thread; otherwise a large repository is read on two (discover.ts).
    const threads = options.stream === false || options.jobs === 1 ? undefined : { judge };
    const walked = walkAll(options, ignores, options.stream === false ? undefined : sieve, reads, threads);
    discovery = walked.discovery;
    unmatched = walked.unmatched;
    if (!options.noIgnore) {
      // Files read were judged by the sieve; files that could not be read are filtered here.
      const sieved = options.stream !== false;
      discovery = { ...discovery, files: discovery.files.filter((file) => (sieved && file.error === undefined) || !resolver.forFile(file.path).ignored) };
    }
  }
  const readable = discovery.files.flatMap((file) => (file.text === undefined ? [] : [{ path: file.path, text: file.text, detectPath: file.detectPath }]));
  // What lint() is handed also says the format the sieve detected (not what the run returns: a fix changes texts, and the next round detects them afresh).
  const linted = discovery.files.flatMap((file) => (file.text === undefined ? [] : [file.format ? { path: file.path, text: file.text, detectPath: file.detectPath, format: file.format } : { path: file.path, text: file.text, detectPath: file.detectPath }]));
  const readErrors = discovery.files.filter((file) => file.error !== undefined).map((file) => ({ path: file.path, message: `cannot read file (${file.error})` }));
  // Includes and imported modules are read only inside what was scanned: each folder named (a glob's
  // static base), or the repository of a file named on its own.
  const scanned = options.stdin ? ['.'] : (options.paths.length > 0 ? options.paths : ['.']).map((given) => (exists(resolve(options.cwd, given)) ? given : picomatch.scan(toPosix(given)).base || '.'));
  const roots = scanRoots(options.cwd, scanned);
  const host = { readFile: (path: string) => readTextFile(roots, options.cwd, path), readModule: (path: string) => readModuleInsideRoot(roots, options.cwd, path) };
  const skipped = discovery.files.flatMap((file) => (file.skipped === undefined ? [] : [{ path: file.path, reason: file.skipped }]));
  const pool = options.jobs !== undefined && options.jobs !== 1 ? { jobs: options.jobs, host: { roots, cwd: options.cwd } } : undefined;
  const result = lintWithConfigs(linted, resolver, { host, readErrors, skipped, extraConfigs: [...extraConfigs.values()], pool });
  // The bundled CLI's code cache is written again for a format its runs had not compiled (code-cache.ts).
  const formats = new Set(result.policies.map((policy) => policy.source.format));
  for (const file of readable) {
    const kind = detectFormat(file.path);
    if ('format' in kind) formats.add(kind.format);
  }
  for (const format of formats) noteCodePath(format);
  return { result, discovery, config: first.config, unmatched, files: readable, extraConfigs: [...extraConfigs.values()], resolver, host };
}

/**
 * One lint run over files whose configs may differ (nested configs, overrides). When every file has
 * the same rule levels the run is exactly `lint()` with that config; otherwise rules run unless they
 * are off everywhere, and each finding takes the level of its own file's config.
 */
export function lintWithConfigs(
  files: Array<{ path: string; text: string }>,
  resolver: ConfigResolver,
  extra: { host: NginxWorkspaceHost & ModuleHost; readErrors: Array<{ path: string; message: string }>; skipped?: SkippedFile[]; extraConfigs?: Config[]; pool?: { jobs: number; host: HostSpec } },
): LintResult {
  const { extraConfigs = [], pool, ...lintExtra } = extra;
  const lint = (files: SourceFile[], options: LintOptions & { config: Config }) => lintFiles(files, { ...options, parallel: pool && workerPool(files, { config: options.config }, pool.host, pool.jobs) });
  const configs = new Map<string, Config>();
  const configOf = (path: string) => {
    if (!configs.has(path)) configs.set(path, resolver.forFile(path).config);
    return configs.get(path)!;
  };
  // Files of one folder share one config object: each distinct config is looked at once, in the order of first use.
  const all = [...new Set([...[...files.map((file) => file.path), ...extra.readErrors.map((file) => file.path)].map(configOf), ...extraConfigs])];
  const knownOrigins = [...new Set(all.flatMap((config) => config.knownOrigins))];
  const levels = all.map((config) => JSON.stringify(Object.entries(config.rules).sort()));
  if (all.length === 0 || levels.every((level) => level === levels[0])) {
    const config = { ...(all[0] ?? { rules: {}, ignores: [] }), knownOrigins };
    return lint(files, { config, ...lintExtra });
  }
  const offEverywhere: Record<string, RuleLevel> = {};
  for (const id of ruleIds) if (all.every((config) => config.rules[id] === 'off')) offEverywhere[id] = 'off';
  const result = lint(files, { config: { rules: offEverywhere, ignores: [], knownOrigins }, ...lintExtra });
  const diagnostics = result.diagnostics.flatMap((diagnostic): Diagnostic[] => {
    const level = configOf(diagnostic.file).rules[diagnostic.ruleId];
    if (level === 'off') return [];
    return [level ? { ...diagnostic, severity: level } : diagnostic];
  });
  return { ...result, diagnostics };
}

/** Two configs that agree on these give the same run (lintWithConfigs reads nothing else). */
function configKey(config: Config): string {
  return JSON.stringify([Object.entries(config.rules).sort(), config.knownOrigins]);
}
