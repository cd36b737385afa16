import type { Severity } from '../model/types.js';

export type RuleLevel = 'off' | Severity;

export interface Config {
  rules: Record<string, RuleLevel>;
  ignores: string[];
  knownOrigins: string[];
  /** Config files only: stop looking for configs in the folders above this one. */
  root?: boolean;
  /** Config files only: shared config files (relative paths to JSON/YAML) applied first, in order. */
  extends?: string[];
  /** Config files only: rule levels for the files matching `files` (globs relative to the config's folder). */
  overrides?: ConfigOverride[];
}

export interface ConfigOverride {
  files: string[];
  excludedFiles?: string[];
  rules: Record<string, RuleLevel>;
}

export const emptyConfig: Config = { rules: {}, ignores: [], knownOrigins: [] };

export class ConfigError extends Error {
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
  }
}

const LEVEL_ALIASES: Record<string, RuleLevel> = { off: 'off', info: 'info', warn: 'warning', warning: 'warning', error: 'error', '0': 'off', '1': 'warning', '2': 'error' };

export function parseLevel(raw: unknown, key: string): RuleLevel {
  const level = LEVEL_ALIASES[String(raw)];
  if (!level) throw new ConfigError(`${key}: level must be one of off, info, warn, error (got ${JSON.stringify(raw)})`, key);
  return level;
}

/** Check a config object read from a file; every error names the offending key. */
export function validateConfig(raw: unknown, knownRuleIds: Set<string>, source = 'config'): Config {
  if (raw === null || raw === undefined) return emptyConfig;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`${source}: must be an object`, '');
  const allowed = new Set(['rules', 'ignores', 'knownOrigins', 'root', 'extends', 'overrides', '$schema']);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) throw new ConfigError(`${source}: unknown key '${key}' (expected rules, ignores, knownOrigins, root, extends, overrides)`, key);
  }
  const object = raw as Record<string, unknown>;
  const ruleLevels = (value: unknown, key: string): Record<string, RuleLevel> => {
    const rules: Record<string, RuleLevel> = {};
    if (value === undefined) return rules;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${source}: '${key}' must be an object of rule id to level`, key);
    for (const [id, level] of Object.entries(value)) {
      if (!knownRuleIds.has(id)) throw new ConfigError(`${source}: ${key}.${id}: unknown rule '${id}'`, `${key}.${id}`);
      rules[id] = parseLevel(level, `${source}: ${key}.${id}`);
    }
    return rules;
  };
  const stringList = (value: unknown, key: string): string[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new ConfigError(`${source}: '${key}' must be a list of strings`, key);
    return value as string[];
  };
  const knownOrigins = stringList(object.knownOrigins, 'knownOrigins');
  for (const [index, origin] of knownOrigins.entries()) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError(`${source}: knownOrigins[${index}]: '${origin}' is not an origin like https://app.example.com`, `knownOrigins[${index}]`);
  }
  const config: Config = { rules: ruleLevels(object.rules, 'rules'), ignores: stringList(object.ignores, 'ignores'), knownOrigins };
  if (object.root !== undefined) {
    if (typeof object.root !== 'boolean') throw new ConfigError(`${source}: 'root' must be true or false`, 'root');
    config.root = object.root;
  }
  if (object.extends !== undefined) {
    config.extends = typeof object.extends === 'string' ? [object.extends] : stringList(object.extends, 'extends');
    for (const target of config.extends) {
      // Only files: loading a package would run or read code from outside the repository.
      if (!/^\.\.?\/.*\.(json|ya?ml)$/i.test(target)) throw new ConfigError(`${source}: extends '${target}': give a relative path to a .json or .yaml file (./shared/cors-lint.json); packages are not loaded`, 'extends');
    }
  }
  if (object.overrides !== undefined) {
    if (!Array.isArray(object.overrides)) throw new ConfigError(`${source}: 'overrides' must be a list of { files, rules }`, 'overrides');
    config.overrides = object.overrides.map((entry: unknown, index) => {
      const key = `overrides[${index}]`;
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(`${source}: ${key} must be an object with 'files' and 'rules'`, key);
      const item = entry as Record<string, unknown>;
      for (const name of Object.keys(item)) if (!['files', 'excludedFiles', 'rules'].includes(name)) throw new ConfigError(`${source}: ${key}: unknown key '${name}' (expected files, excludedFiles, rules)`, `${key}.${name}`);
      const files = typeof item.files === 'string' ? [item.files] : stringList(item.files, `${key}.files`);
      if (files.length === 0) throw new ConfigError(`${source}: ${key}.files must name at least one glob`, `${key}.files`);
      const excludedFiles = typeof item.excludedFiles === 'string' ? [item.excludedFiles] : stringList(item.excludedFiles, `${key}.excludedFiles`);
      return { files, ...(excludedFiles.length ? { excludedFiles } : {}), rules: ruleLevels(item.rules, `${key}.rules`) };
    });
  }
  return config;
}
