import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../engine/config.js';
import { ruleIds } from '../engine/lint.js';
import { FORMATS, formatDiagnostics, type OutputFormat } from '../format/index.js';
import type { CorsRequest } from '../model/types.js';
import { explainPolicy, policiesForPath, renderExplained, renderSimulated, simulatePolicy } from './explain.js';
import { lintProject } from './project.js';

export interface CliIo {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

const HELP = `Usage: cors-lint [options] [paths...]
       cors-lint explain [--format json] [paths...]
       cors-lint simulate --origin <origin> [--method <m>] [--header <name>]... [--credentials] [--path <p>] [--format json] [paths...]
       cors-lint lsp            language server over stdio

Finds CORS misconfigurations in nginx configs and Express-style JS/TS apps.
Paths default to the current folder; .gitignore is honoured.

Options:
  -f, --format <name>     stylish (default), json, sarif, github
  -c, --config <file>     config file (default: nearest cors-lint.config.json/.yaml or package.json "cors-lint")
      --rule <id:level>   set a rule's level: off, info, warn, error (repeatable)
      --max-warnings <n>  exit 1 when there are more than n warnings
  -q, --quiet             report errors only
      --no-color          plain output (also NO_COLOR=1)
      --debug             list files that were skipped, and why
  -h, --help              show this help
  -v, --version           show the version

Exit status: 0 no error-level findings, 1 error-level findings (or too many warnings),
2 usage, config or internal error.
`;

/** The nearest package.json named cors-lint above this module (works from src/ under the tests and from dist/). */
export function version(): string {
  for (let url = new URL('./', import.meta.url); url.pathname !== '/'; url = new URL('../', url)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'cors-lint') return pkg.version;
    } catch {
      // keep looking upwards
    }
  }
  return '0.0.0';
}

export async function runCli(io: CliIo): Promise<number> {
  try {
    return run(io);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      io.stderr.write(`cors-lint: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`cors-lint: internal error: ${(error as Error).message}\n`);
    if (io.env.CORS_LINT_DEBUG) io.stderr.write(`${(error as Error).stack}\n`);
    return 2;
  }
}

export class UsageError extends Error {}

function run(io: CliIo): number {
  if (io.argv[0] === 'explain' || io.argv[0] === 'simulate') return runExplain(io, io.argv[0], io.argv.slice(1));
  let parsed;
  try {
    parsed = parseArgs({
      args: io.argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        config: { type: 'string', short: 'c' },
        rule: { type: 'string', multiple: true },
        'max-warnings': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        debug: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const format = (values.format ?? 'stylish') as OutputFormat;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got '${values.format}')`);
  const maxWarnings = values['max-warnings'] === undefined ? undefined : Number(values['max-warnings']);
  if (maxWarnings !== undefined && (!Number.isInteger(maxWarnings) || maxWarnings < 0)) throw new UsageError(`--max-warnings must be a whole number (got '${values['max-warnings']}')`);

  const rules: Record<string, string> = {};
  for (const spec of values.rule ?? []) {
    const [id, level] = spec.split(':');
    if (!id || level === undefined) throw new UsageError(`--rule expects id:level, e.g. nginx-missing-always:off (got '${spec}')`);
    if (!ruleIds.has(id)) throw new UsageError(`--rule: unknown rule '${id}'`);
    rules[id] = level;
  }
  const { result, discovery } = lintProject({ cwd: io.cwd, paths: positionals, configPath: values.config, rules });
  const diagnostics = values.quiet ? result.diagnostics.filter((d) => d.severity === 'error') : result.diagnostics;

  if (values.debug) {
    for (const note of [...discovery.notes, ...result.skipped]) io.stderr.write(`cors-lint: skipped ${note.path}: ${note.reason}\n`);
  } else {
    for (const note of discovery.notes) io.stderr.write(`cors-lint: skipped ${note.path}: ${note.reason}\n`);
  }
  const color = format === 'stylish' && !values['no-color'] && !io.env.NO_COLOR && (values.color === true || io.stdout.isTTY === true);
  io.stdout.write(formatDiagnostics(format, diagnostics, { color, version: version() }));

  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  if (errors > 0) return 1;
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    io.stderr.write(`cors-lint: ${warnings} warnings, more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  return 0;
}

/** `explain` lists every policy; `simulate` answers one request against each policy that covers it. */
function runExplain(io: CliIo, command: 'explain' | 'simulate', argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        config: { type: 'string', short: 'c' },
        origin: { type: 'string' },
        method: { type: 'string' },
        header: { type: 'string', multiple: true },
        credentials: { type: 'boolean' },
        path: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const json = values.format === 'json';
  if (values.format !== undefined && !json && values.format !== 'stylish' && values.format !== 'table') throw new UsageError(`${command} --format must be table or json (got '${values.format}')`);
  const { result } = lintProject({ cwd: io.cwd, paths: positionals, configPath: values.config });
  const policies = [...result.policies].sort(
    (a, b) => (a.source.file < b.source.file ? -1 : a.source.file > b.source.file ? 1 : 0) || a.source.loc.line - b.source.loc.line || a.source.loc.column - b.source.loc.column,
  );
  if (command === 'explain') {
    const explained = policies.map(explainPolicy);
    io.stdout.write(json ? `${JSON.stringify(explained, null, 2)}\n` : renderExplained(explained));
    return 0;
  }
  if (!values.origin) throw new UsageError('simulate needs --origin, e.g. --origin https://app.example.com');
  const request: CorsRequest = {
    origin: values.origin,
    method: (values.method ?? 'GET').toUpperCase(),
    headers: values.header?.flatMap((header) => header.split(',')).map((header) => header.trim()).filter(Boolean),
    credentials: values.credentials === true,
    path: values.path,
  };
  const url = `https://your-api${values.path ?? '/'}`;
  const results = policiesForPath(policies, values.path).map((policy) => simulatePolicy(policy, request, url));
  io.stdout.write(json ? `${JSON.stringify(results, null, 2)}\n` : renderSimulated(results, request));
  return results.some((r) => r.allowed === false) ? 1 : 0;
}
