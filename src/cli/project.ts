import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseLevel, type Config } from '../engine/config.js';
import { detectFormat } from '../engine/detect.js';
import { lint, ruleIds, type LintResult } from '../engine/lint.js';
import { loadConfig } from './config-file.js';
import { discover, type Discovery } from './discover.js';

export interface ProjectOptions {
  cwd: string;
  /** Files or folders; the current folder when empty. */
  paths: string[];
  configPath?: string;
  /** Rule levels that override the config file (`--rule id:level`). */
  rules?: Record<string, string>;
}

/** A file the nginx extractor asks for (an `include` target), or undefined when it is missing or unreadable. */
export function readTextFile(root: string, path: string): string | undefined {
  const absolute = resolve(root, path);
  if (!existsSync(absolute)) return undefined;
  try {
    return readFileSync(absolute, 'utf8');
  } catch {
    return undefined;
  }
}

/** The shell around `lint()` shared by the CLI, the GitHub Action and the pre-commit hook: config, discovery, reading files. */
export function lintProject(options: ProjectOptions): { result: LintResult; discovery: Discovery; config: Config } {
  const { config: fileConfig } = loadConfig(options.cwd, options.configPath, ruleIds);
  const config: Config = { ...fileConfig, rules: { ...fileConfig.rules } };
  for (const [id, level] of Object.entries(options.rules ?? {})) config.rules[id] = parseLevel(level, `--rule ${id}`);
  const paths = options.paths.length > 0 ? options.paths : ['.'];
  const discovery = discover(paths, options.cwd, config.ignores, (path) => 'format' in detectFormat(path));
  const readable = discovery.files.filter((file) => file.text !== undefined) as Array<{ path: string; text: string }>;
  const readErrors = discovery.files.filter((file) => file.error !== undefined).map((file) => ({ path: file.path, message: `cannot read file (${file.error})` }));
  const host = { readFile: (path: string) => readTextFile(options.cwd, path) };
  return { result: lint(readable, { config, host, readErrors }), discovery, config };
}
