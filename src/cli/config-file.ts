import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { lilconfigSync, type LoaderSync } from 'lilconfig';
import { parse as parseYaml } from 'yaml';
import { ConfigError, validateConfig, type Config } from '../engine/config.js';

const yamlLoader: LoaderSync = (_filepath, content) => parseYaml(content);
const jsonLoader: LoaderSync = (_filepath, content) => JSON.parse(content);
const SEARCH_PLACES = ['cors-lint.config.json', 'cors-lint.config.yaml', 'cors-lint.config.yml', '.cors-lintrc.json', 'package.json'];

/** Finds and validates the config: `--config`, else the nearest cors-lint.config.* or package.json "cors-lint" above cwd. */
export function loadConfig(cwd: string, explicit: string | undefined, ruleIds: Set<string>): { config: Config; path?: string } {
  const explorer = lilconfigSync('cors-lint', {
    searchPlaces: SEARCH_PLACES,
    // JSON is parsed from the file each time (lilconfig's default goes through require's cache), and nothing is
    // cached between calls: the language server reloads the config when it changes.
    loaders: { '.json': jsonLoader, '.yaml': yamlLoader, '.yml': yamlLoader, noExt: yamlLoader },
    cache: false,
    stopDir: dirname(resolve('/')),
  });
  let result;
  try {
    if (explicit) {
      const path = resolve(cwd, explicit);
      readFileSync(path);
      result = explorer.load(path);
    } else {
      result = explorer.search(cwd);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const what = code === 'ENOENT' ? 'not found' : (error as Error).message.split('\n')[0];
    throw new ConfigError(`cannot read config ${explicit ?? ''}: ${what}`.replace('  ', ' '), '');
  }
  if (!result || result.isEmpty) return { config: validateConfig(undefined, ruleIds) };
  return { config: validateConfig(result.config, ruleIds, result.filepath), path: result.filepath };
}
