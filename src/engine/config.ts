import type { Severity } from '../model/types.js';

export type RuleLevel = 'off' | Severity;

export interface Config {
  rules: Record<string, RuleLevel>;
  ignores: string[];
  knownOrigins: string[];
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
  const allowed = new Set(['rules', 'ignores', 'knownOrigins', '$schema']);
  for (const key of Object.keys(raw)) {
    if (!allowed.has(key)) throw new ConfigError(`${source}: unknown key '${key}' (expected rules, ignores, knownOrigins)`, key);
  }
  const object = raw as Record<string, unknown>;
  const rules: Record<string, RuleLevel> = {};
  if (object.rules !== undefined) {
    if (typeof object.rules !== 'object' || object.rules === null || Array.isArray(object.rules)) throw new ConfigError(`${source}: 'rules' must be an object of rule id to level`, 'rules');
    for (const [id, level] of Object.entries(object.rules)) {
      if (!knownRuleIds.has(id)) throw new ConfigError(`${source}: rules.${id}: unknown rule '${id}'`, `rules.${id}`);
      rules[id] = parseLevel(level, `${source}: rules.${id}`);
    }
  }
  const stringList = (key: 'ignores' | 'knownOrigins'): string[] => {
    const value = object[key];
    if (value === undefined) return [];
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new ConfigError(`${source}: '${key}' must be a list of strings`, key);
    return value as string[];
  };
  const knownOrigins = stringList('knownOrigins');
  for (const [index, origin] of knownOrigins.entries()) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError(`${source}: knownOrigins[${index}]: '${origin}' is not an origin like https://app.example.com`, `knownOrigins[${index}]`);
  }
  return { rules, ignores: stringList('ignores'), knownOrigins };
}
