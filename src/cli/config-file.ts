import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import picomatch from 'picomatch';
import { readRegularFile } from './safe-read.js';
import { jsonErrorOffset } from '../extract/offsets.js';
import { yaml } from '../extract/yaml/parse.js';
import { ConfigError, parseLevel, validateConfig, type Config, type RuleLevel } from '../engine/config.js';

/**
 * Config files, ESLint-style: every folder may hold one (the first of SEARCH_PLACES found there);
 * a file gets the configs of its folder and the folders above it, the nearest one winning, up to
 * one that says `root: true`. `extends` pulls in shared JSON/YAML files that stay inside the
 * repository; `overrides` sets rule levels for the files matching globs relative to the config.
 */
export const SEARCH_PLACES = ['cors-lint.config.json', 'cors-lint.config.yaml', 'cors-lint.config.yml', '.cors-lintrc.json', 'package.json'];

/** One config file, validated, with its `extends` already merged in. */
export interface LoadedConfig {
  path: string;
  dir: string;
  config: Config;
  /** The files this one extends, in order (for --print-config). */
  extended: string[];
}

export interface EffectiveConfig {
  config: Config;
  /** Config files that apply, farthest first. */
  files: string[];
  /** True when some config's `ignores` (relative to that config's folder) leaves this file out. */
  ignored: boolean;
}

export interface ConfigResolverOptions {
  cwd: string;
  /** `--config`: this file alone (and what it extends), no search. */
  explicit?: string;
  ruleIds: Set<string>;
  /** `--rule id:level`, on top of every file's config. */
  rules?: Record<string, string>;
}

const posix = (path: string) => path.split(sep).join('/');

/**
 * A config file is read like any scanned file (safe-read.ts): regular files only, never a FIFO or a
 * device a symlink points at, with a size cap.
 */
function readConfigFile(path: string): string {
  const read = readRegularFile(path, { maxBytes: 1024 * 1024 });
  if ('error' in read) throw Object.assign(new Error(read.error), { code: read.error });
  return read.text;
}

/** JSON.parse's message quotes the text it choked on; say where instead (the file may not be a config at all). */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = jsonErrorOffset(text, (error as Error).message);
    throw new Error(`not valid JSON (at character ${position})`);
  }
}

function parseConfigText(path: string, text: string): unknown {
  const name = basename(path);
  if (name === 'package.json') return (parseJson(text) as Record<string, unknown>)['cors-lint'];
  const ext = extname(name).toLowerCase();
  if (ext === '.json') return parseJson(text);
  if (ext === '.yaml' || ext === '.yml' || ext === '') return parseYaml(text);

  throw new Error('a config file must be JSON or YAML');
}

/** The folder `extends` may not leave: the nearest one above the config holding `.git`, else the lint root (when the config is inside it), else the config's own folder. */
function repositoryRoot(configDir: string, cwd: string): string {
  for (let dir = configDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) break;
  }
  const rel = relative(cwd, configDir);
  return rel.startsWith('..') || isAbsolute(rel) ? configDir : cwd;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

export class ConfigResolver {
  private readonly byDir = new Map<string, LoadedConfig | null>();
  private readonly cliRules: Record<string, RuleLevel> = {};
  private readonly explicit?: LoadedConfig;

  constructor(private readonly options: ConfigResolverOptions) {
    for (const [id, level] of Object.entries(options.rules ?? {})) this.cliRules[id] = parseLevel(level, `--rule ${id}`);
    if (options.explicit) {
      const path = resolve(options.cwd, options.explicit);
      const loaded = this.load(path, true);
      this.explicit = loaded ?? { path, dir: dirname(path), config: validateConfig(undefined, options.ruleIds), extended: [] };
    }
  }

  /** The configs that apply to files in `dir`, farthest first. */
  chain(dir: string): LoadedConfig[] {
    if (this.explicit) return [this.explicit];
    return [...this.chainOf(resolve(this.options.cwd, dir))];
  }

  /** Chains by resolved folder: a folder's chain is its parent's plus its own config, so each folder of a repository is looked at once, not once per folder below it. */
  private readonly chains = new Map<string, readonly LoadedConfig[]>();

  private chainOf(dir: string): readonly LoadedConfig[] {
    let chain = this.chains.get(dir);
    if (chain) return chain;
    const found = this.inDir(dir);
    if (found?.config.root) chain = [found];
    else {
      const parent = dirname(dir);
      const above = parent === dir ? [] : this.chainOf(parent);
      chain = found ? [...above, found] : above;
    }
    this.chains.set(dir, chain);
    return chain;
  }

  /** Per folder: its chain, and the effective config when no config in it has ignores or overrides (then every file there shares it). */
  private readonly byFolder = new Map<string, { chain: readonly LoadedConfig[]; shared?: EffectiveConfig }>();

  /** The config for one file (a path relative to cwd, or absolute). Asked for every file a run reads: cached per folder where it can be. */
  forFile(path: string): EffectiveConfig {
    // The folder as written ('a/b' of 'a/b/c.js') finds a shared answer without resolving the path.
    const cut = sep === '/' ? path.lastIndexOf('/') : -2;
    // A walk hands over a folder's files one after the other: the folder of the last shared answer is
    // compared in place, with no slice of the path and no lookup (which hashes the new slice).
    const last = this.lastWritten;
    if (last !== undefined && cut > 0 && cut === last.folder.length && path.startsWith(last.folder)) return last.shared;
    const written = cut > 0 ? path.slice(0, cut) : cut === 0 ? '/' : cut === -1 ? '' : undefined;
    const hit = written === undefined ? undefined : this.sharedByWrittenFolder.get(written);
    if (hit) {
      if (cut > 0) this.lastWritten = { folder: written!, shared: hit };
      return hit;
    }
    const absolute = resolve(this.options.cwd, path);
    const folder = dirname(absolute);
    let cached = this.byFolder.get(folder);
    if (!cached) {
      const chain = this.explicit ? [this.explicit] : this.chainOf(folder);
      // Folders under the same configs share one record (a repository has thousands of folders and few configs).
      const key = chain.map((loaded) => loaded.path).join('\0');
      cached = this.byChain.get(key);
      if (!cached) {
        cached = { chain };
        if (chain.every((loaded) => loaded.config.ignores.length === 0 && (loaded.config.overrides?.length ?? 0) === 0)) cached.shared = this.effective(absolute, chain);
        this.byChain.set(key, cached);
      }
      this.byFolder.set(folder, cached);
    }
    if (cached.shared && written !== undefined) {
      this.sharedByWrittenFolder.set(written, cached.shared);
      if (cut > 0) this.lastWritten = { folder: written, shared: cached.shared };
    }
    return cached.shared ?? this.effective(absolute, cached.chain);
  }

  private readonly sharedByWrittenFolder = new Map<string, EffectiveConfig>();
  /** The last entry of sharedByWrittenFolder forFile found or made for a folder written with a slash (the answers never change). */
  private lastWritten: { folder: string; shared: EffectiveConfig } | undefined;
  private readonly byChain = new Map<string, { chain: readonly LoadedConfig[]; shared?: EffectiveConfig }>();

  private readonly ignoreMatchers = new WeakMap<LoadedConfig, ReturnType<typeof ignore>>();

  /** A config's `ignores`, compiled once (not once per file). */
  private ignoresOf(loaded: LoadedConfig): ReturnType<typeof ignore> {
    let matcher = this.ignoreMatchers.get(loaded);
    if (!matcher) this.ignoreMatchers.set(loaded, (matcher = ignore().add(loaded.config.ignores)));
    return matcher;
  }

  private effective(absolute: string, chain: readonly LoadedConfig[]): EffectiveConfig {
    const config: Config = { rules: {}, ignores: [], knownOrigins: [] };
    let ignored = false;
    for (const loaded of chain) {
      const rel = posix(relative(loaded.dir, absolute));
      const below = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
      Object.assign(config.rules, loaded.config.rules);
      for (const origin of loaded.config.knownOrigins) if (!config.knownOrigins.includes(origin)) config.knownOrigins.push(origin);
      config.ignores.push(...loaded.config.ignores);
      if (below && loaded.config.ignores.length > 0 && this.ignoresOf(loaded).ignores(rel)) ignored = true;
      for (const override of loaded.config.overrides ?? []) {
        const matches = (globs: string[] | undefined) => below && (globs ?? []).some((glob) => picomatch(glob, { dot: true, basename: !glob.includes('/') })(rel));
        if (matches(override.files) && !matches(override.excludedFiles)) Object.assign(config.rules, override.rules);
      }
    }
    Object.assign(config.rules, this.cliRules);
    return { config, files: chain.flatMap((loaded) => [...loaded.extended, loaded.path]), ignored };
  }

  private inDir(dir: string): LoadedConfig | null {
    if (!this.byDir.has(dir)) {
      let found: LoadedConfig | null = null;
      // `dir` is resolved: the names are appended, not joined (path.join normalises, per name per folder).
      const prefix = dir.endsWith(sep) ? dir : `${dir}${sep}`;
      for (const place of SEARCH_PLACES) {
        const path = `${prefix}${place}`;
        // Asked once per folder of the repository for each name: a missing file (nearly all of them)
        // costs one access() call, no exception and no Stats object.
        if (!existsSync(path)) continue;
        let stats;
        try {
          stats = statSync(path, { throwIfNoEntry: false });
        } catch {
          continue;
        }
        if (!stats?.isFile()) continue;
        const loaded = this.load(path, false);
        if (loaded) {
          found = loaded;
          break;
        }
      }
      this.byDir.set(dir, found);
    }
    return this.byDir.get(dir)!;
  }

  /** Reads, validates and merges the `extends` of one config file; undefined for a package.json without "cors-lint". */
  private load(path: string, explicit: boolean, seen: string[] = []): LoadedConfig | undefined {
    const shown = posix(relative(this.options.cwd, path)) || path;
    let raw: unknown;
    let text: string | undefined;
    try {
      text = readConfigFile(path);
      raw = parseConfigText(path, text);
    } catch (error) {
      // A package.json is read for its "cors-lint" key only. One that is not JSON (a comment line in an
      // example, a template with {{ }} or <% %>) and never names that key holds no config: it is not one
      // of ours, and one such file must not stop the run. Named with --config, or naming the key, it is.
      if (!explicit && text !== undefined && basename(path) === 'package.json' && !text.includes('"cors-lint"')) return undefined;
      const code = (error as NodeJS.ErrnoException).code;
      const what = code === 'ENOENT' ? 'not found' : (error as Error).message.split('\n')[0];
      throw new ConfigError(`cannot read config ${shown}: ${what}`, '');
    }
    if (raw === undefined && basename(path) === 'package.json' && !explicit) return undefined;
    const own = validateConfig(raw, this.options.ruleIds, shown);
    const dir = dirname(path);
    const merged: Config = { rules: {}, ignores: [], knownOrigins: [] };
    const extended: string[] = [];
    for (const target of own.extends ?? []) {
      const absolute = resolve(dir, target);
      const root = repositoryRoot(dir, this.options.cwd);
      const outside = () => new ConfigError(`${shown}: extends '${target}' is outside the repository (${posix(root)})`, 'extends');
      if (!inside(root, absolute)) throw outside();
      let real: string;
      try {
        real = realpathSync(absolute);
      } catch {
        throw new ConfigError(`${shown}: extends '${target}': not found`, 'extends');
      }
      if (!inside(realpathSync(root), real)) throw outside();
      if (seen.includes(real) || real === realpathSync(path)) throw new ConfigError(`${shown}: extends '${target}' makes a cycle`, 'extends');
      const base = this.load(real, true, [...seen, realpathSync(path)])!;
      Object.assign(merged.rules, base.config.rules);
      merged.ignores.push(...base.config.ignores);
      merged.knownOrigins.push(...base.config.knownOrigins);
      merged.overrides = [...(merged.overrides ?? []), ...(base.config.overrides ?? [])];
      extended.push(...base.extended, base.path);
    }
    Object.assign(merged.rules, own.rules);
    merged.ignores.push(...own.ignores);
    merged.knownOrigins.push(...own.knownOrigins.filter((origin) => !merged.knownOrigins.includes(origin)));
    if (own.overrides || merged.overrides) merged.overrides = [...(merged.overrides ?? []), ...(own.overrides ?? [])];
    if (own.root) merged.root = true;
    return { path, dir, config: merged, extended };
  }
}

/** The config for files in `cwd` (the language server's view): `--config`, else the configs found from cwd upwards. */
export function loadConfig(cwd: string, explicit: string | undefined, ruleIds: Set<string>): { config: Config; path?: string } {
  const resolver = new ConfigResolver({ cwd, explicit, ruleIds });
  const { config, files } = resolver.forFile(join(cwd, '__cors-lint__'));
  return { config, path: files.at(-1) };
}

/** `yaml` is loaded only when a YAML config exists: a run with a JSON config (or none) never pays for it. */
function parseYaml(text: string): unknown {
  return yaml().parse(text);
}

