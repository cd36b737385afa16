import type { GitPrefetch } from './git-prefetch.js';
import type { EarlyReader } from './reader-start.js';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import picomatch from 'picomatch';
import { rules as allRules } from '../../rules/index.js';
import { ConfigError, parseLevel } from '../engine/config.js';
import { detectFormat, looksBinary } from '../engine/detect.js';
import { ruleIds } from '../engine/lint.js';
import { FORMATS, formatDiagnostics, type OutputFormat } from '../format/index.js';
import { safeMultiline, safeText } from '../format/sanitize.js';
import type { CorsRequest, Diagnostic, Format } from '../model/types.js';
import { fingerprints, newFindings, parseBaseline, renderBaseline } from './baseline.js';
import { changedFiles, isCommit } from './changed.js';
import { fixAll } from '../engine/fix-loop.js';
import { unifiedDiff } from '../engine/fix-diff.js';
import { ConfigResolver } from './config-file.js';
import { version } from './version.js';
import { noteCodePath } from '../util/load-library.js';
import { cacheDirectory } from './cache-dir.js';
import { allowOriginUnseen } from '../topology/shadowed-apps.js';
import { fileURLToPath } from 'node:url';
import { explainPolicy, explainTopology, policiesForPath, renderExplained, renderSimulated, renderTopology, simulatePolicy } from './explain.js';
import { lintProject, lintWithConfigs, type ProjectResult } from './project.js';
import { encodeText, textEncoding } from './safe-read.js';

export interface CliIo {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  /** Standard input for `--stdin` (process.stdin when absent). */
  readStdin?: () => Promise<string>;
  /** git's listing of the folder named (or cwd), started by bin.ts before the program loaded; used if the run lists that folder. */
  gitPrefetch?: GitPrefetch;
  /** The reading worker of a large run, started by bin.ts before the program loaded; used if the run reads on two threads. */
  earlyReader?: EarlyReader;
}

const INPUTS = `nginx configs; JS/TS apps (Express cors, NestJS, Fastify, Koa, Hono, hapi, Socket.IO, Apollo,
hand-set headers); Python apps (FastAPI/Starlette, Flask-CORS, Sanic-CORS, django-cors-headers, aiohttp-cors,
Falcon, python-socketio, hand-set headers); gateway YAML and JSON (ingress-nginx, Traefik, Kong, Envoy, Istio,
AWS SAM/CloudFormation/OpenAPI, Serverless, APISIX); Traefik dynamic configuration in TOML; AWS CDK (TS, JS, Python); vercel.json,
firebase.json, netlify.toml and _headers`;

const HELP = `Usage: cors-lint [options] [paths or globs...]
       cors-lint explain [options] [paths...]     the CORS policies found, value by value
       cors-lint simulate --origin <origin> ...   what a browser gets for one request
       cors-lint lsp                              language server over stdio
       cors-lint <command> --help

Finds CORS misconfigurations in ${INPUTS}.
Paths default to the current folder; .gitignore is honoured. Quote globs ('src/**/*.ts').

Options:
  -f, --format <name>          stylish (default), json, sarif, github
  -o, --output-file <file>     write the report to this file instead of stdout
  -c, --config <file>          use this config file only (default: the nearest cors-lint.config.json/.yaml,
                               .cors-lintrc.json or package.json "cors-lint" above each file, up to one with root: true)
      --rule <id:level>        set a rule's level: off, info, warn, error (repeatable)
      --ignore-pattern <pat>   leave out files matching this gitignore-style pattern (repeatable)
      --no-ignore              do not honour .gitignore files or config "ignores"
      --no-error-on-unmatched-pattern
                               a path that does not exist or a glob matching no file is a note, not exit 2
      --stdin                  lint standard input ...
      --stdin-filename <path>  ... as the file at this path (picks the format and the config)
      --fix                    apply the fixes that are certain; a fix is kept only when a second lint
                               shows its finding gone and nothing new
      --fix-dry-run            print those fixes as a unified diff; change nothing
      --baseline <file>        report only findings not recorded in this file; writes it when it is missing
      --update-baseline        rewrite the --baseline file with the current findings
      --changed [ref]          lint the files changed since a git ref (default HEAD; uncommitted and untracked
                               files count) and the nginx files that include them; paths narrow the set
      --max-warnings <n>       exit 1 when there are more than n warnings
      --jobs <n>               run the rules of a large run on n threads (0: one per core; default 1,
                               as extra threads did not pay on the machines measured); a repository of
                               thousands of files is read on two threads when there are two cores,
                               except with --jobs 1
  -q, --quiet                  report errors only
      --list-rules             list the rules (id, default level, formats, what each finds)
      --print-config <file>    print the effective config for a file
      --no-color               plain output (also NO_COLOR=1)
      --debug                  list files that were skipped, and why
  -h, --help                   show this help
  -v, --version                show the version

Exit status: 0 no error-level findings, 1 error-level findings (or too many warnings),
2 usage, config or internal error (including a path or glob that matches nothing).
`;

const EXPLAIN_HELP = `Usage: cors-lint explain [--topology] [--format table|json] [-c <config>] [paths...]

Lists every CORS policy cors-lint found (per file, scope and layer): the allowed origins, credentials,
methods, headers, max-age, preflight handling and Vary, each value with the line it comes from.
--topology prints the proxy → app chains instead: nginx proxy_pass → Compose service → the app built
from that folder, each step with its line.
Paths default to the current folder.
`;

const SIMULATE_HELP = `Usage: cors-lint simulate --origin <origin> [--method <m>] [--header <name>]... [--credentials]
                         [--path <p>] [--format table|json] [-c <config>] [paths...]

Answers one browser request against each policy that covers --path: the preflight (when the request
needs one), the response headers, and whether the browser lets the page read the response, with the
console message a browser prints when it does not. A proxy linked to the app behind it (see explain
--topology) is answered through the chain, as the browser receives both layers' headers.
Exit 1 when some policy blocks the request.
`;

const LSP_HELP = `Usage: cors-lint lsp [--stdio]

A language server over stdio: diagnostics as you type and on save, quick fixes where the fix is
certain (the same fixes as --fix), a suppression comment for any rule, and hover on CORS settings.
It reads the workspace's cors-lint config and reloads it when it changes.
`;

export { version } from './version.js';

export async function runCli(io: CliIo): Promise<number> {
  try {
    return await run(io);
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

const SUBCOMMAND_HELP: Record<string, string> = { explain: EXPLAIN_HELP, simulate: SIMULATE_HELP, lsp: LSP_HELP };

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `--changed` takes an optional ref: `--changed=REF`, or `--changed REF` when REF names a commit and
 * is not a path (so `--changed src/` still lints the changed files under src/... as paths).
 */
function splitChanged(argv: string[], cwd: string): { argv: string[]; changed?: string } {
  const out: string[] = [];
  let changed: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('--changed=')) {
      changed = arg.slice('--changed='.length);
      if (!changed) throw new UsageError('--changed= needs a git ref');
    } else if (arg === '--changed') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-') && !existsSync(resolve(cwd, next)) && isCommit(cwd, next)) {
        changed = next;
        i++;
      } else changed = 'HEAD';
    } else out.push(arg);
  }
  return { argv: out, changed };
}

async function run(io: CliIo): Promise<number> {
  const command = io.argv[0];
  if (command && SUBCOMMAND_HELP[command] && io.argv.slice(1).some((arg) => arg === '--help' || arg === '-h')) {
    io.stdout.write(SUBCOMMAND_HELP[command]);
    return 0;
  }
  if (command === 'explain' || command === 'simulate') {
    noteCodePath(command);
    return runExplain(io, command, io.argv.slice(1));
  }
  if (command === 'lsp') throw new UsageError('the language server runs from the cors-lint binary: cors-lint lsp');
  const { argv, changed } = splitChanged(io.argv, io.cwd);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        baseline: { type: 'string' },
        'update-baseline': { type: 'boolean' },
        'output-file': { type: 'string', short: 'o' },
        config: { type: 'string', short: 'c' },
        rule: { type: 'string', multiple: true },
        'ignore-pattern': { type: 'string', multiple: true },
        'no-ignore': { type: 'boolean' },
        'no-error-on-unmatched-pattern': { type: 'boolean' },
        stdin: { type: 'boolean' },
        'stdin-filename': { type: 'string' },
        'max-warnings': { type: 'string' },
        jobs: { type: 'string' },
        fix: { type: 'boolean' },
        'fix-dry-run': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        'list-rules': { type: 'boolean' },
        'print-config': { type: 'string' },
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
  if (maxWarnings !== undefined && (!/^\d+$/.test(values['max-warnings']!) || !Number.isInteger(maxWarnings) || maxWarnings < 0)) throw new UsageError(`--max-warnings must be a whole number (got '${values['max-warnings']}')`);
  if (values.jobs !== undefined && !/^\d{1,3}$/.test(values.jobs)) throw new UsageError(`--jobs must be a whole number, 0 for one thread per core (got '${values.jobs}')`);
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);

  const rules: Record<string, string> = {};
  for (const spec of values.rule ?? []) {
    const [id, level, extra] = spec.split(':');
    if (!id || level === undefined || extra !== undefined) throw new UsageError(`--rule expects id:level, e.g. nginx-missing-always:off (got '${spec}')`);
    if (!ruleIds.has(id)) throw new UsageError(`--rule: unknown rule '${id}' (cors-lint --list-rules lists them)`);
    parseLevel(level, `--rule ${id}`);
    rules[id] = level;
  }
  for (const pattern of values['ignore-pattern'] ?? []) if (!pattern.trim()) throw new UsageError('--ignore-pattern needs a pattern (got an empty one)');

  if (values['list-rules']) {
    io.stdout.write(format === 'json' ? `${JSON.stringify(listRules(), null, 2)}\n` : renderRuleList());
    return 0;
  }
  if (values['print-config'] !== undefined) {
    if (!values['print-config']) throw new UsageError('--print-config needs a file path');
    const resolver = new ConfigResolver({ cwd: io.cwd, explicit: values.config, ruleIds, rules });
    io.stdout.write(`${JSON.stringify(printableConfig(resolver, values['print-config']), null, 2)}\n`);
    return 0;
  }

  if (values.fix && values['fix-dry-run']) throw new UsageError('--fix and --fix-dry-run go separately: --fix-dry-run shows what --fix would change');
  if (values.fix && values.stdin) throw new UsageError('--fix writes files; with --stdin use --fix-dry-run to get the changes as a diff');
  let stdin: { path: string; text: string } | undefined;
  if (values['stdin-filename'] !== undefined && !values.stdin) throw new UsageError('--stdin-filename goes with --stdin');
  if (values.stdin) {
    if (positionals.length > 0) throw new UsageError(`--stdin lints standard input; do not give paths as well (got ${positionals.join(' ')})`);
    const name = values['stdin-filename'];
    if (!name) throw new UsageError('--stdin needs --stdin-filename <path>: the name picks the format (nginx, JS/TS, Python, YAML) and the config');
    const kind = detectFormat(name.split('\\').join('/'));
    if ('skip' in kind) throw new UsageError(`--stdin-filename ${name}: cors-lint does not read this kind of file (${kind.skip})`);
    const text = await (io.readStdin ?? (() => readAll(process.stdin)))();
    if (looksBinary(text)) throw new UsageError(`standard input is binary data, not a ${name} text file`);
    stdin = { path: toPosix(isAbsolute(name) ? relative(io.cwd, name) : name), text };
  }


  if (values['update-baseline'] && values.baseline === undefined) throw new UsageError('--update-baseline goes with --baseline <file>');
  if (values.baseline !== undefined && !values.baseline) throw new UsageError('--baseline needs a file path');
  let paths = positionals;
  if (changed !== undefined) {
    if (stdin) throw new UsageError('--changed and --stdin go separately');
    let files: string[];
    try {
      files = changedFiles(io.cwd, changed);
    } catch (error) {
      throw new UsageError(`--changed ${changed}: ${(error as Error).message}`);
    }
    // Positionals narrow the changed files to those under them.
    const under = positionals.map((path) => toPosix(relative(io.cwd, resolve(io.cwd, path))));
    paths = files.filter((file) => 'format' in detectFormat(file) && (under.length === 0 || under.some((base) => base === '' || file === base || file.startsWith(`${base}/`))));
    if (values.debug) io.stderr.write(`cors-lint: --changed ${changed}: ${paths.length} file(s): ${paths.join(' ')}\n`);
    if (paths.length === 0) {
      writeReport(io, values['output-file'], formatDiagnostics(format, [], { color: false, version: version() }));
      return 0;
    }
  }

  // git has listed the folder meanwhile (or is about to): discovery reads its list instead of asking again.
  const gitPrefetch = io.gitPrefetch && !stdin && (await io.gitPrefetch.wait()) ? io.gitPrefetch : undefined;
  let project: ProjectResult;
  try {
    project = lintProject({ cwd: io.cwd, paths, configPath: values.config, rules, ignorePatterns: values['ignore-pattern'], noIgnore: values['no-ignore'], stdin, withIncluders: true, listSkipped: values.debug === true, jobs, cacheDir: cacheDirectory(packageRoot(), io.env), gitPrefetch, earlyReader: stdin ? undefined : io.earlyReader });
  } finally {
    io.gitPrefetch?.release();
    io.earlyReader?.release();
  }
  const { result, discovery } = project;
  for (const path of project.unmatched) {
    const what = picomatch.scan(path).isGlob ? `no files matching the pattern '${path}' were found` : `'${path}' does not exist`;
    if (!values['no-error-on-unmatched-pattern']) throw new UsageError(`${what} (--no-error-on-unmatched-pattern to go on)`);
    io.stderr.write(`cors-lint: ${what}\n`);
  }
  let found = result.diagnostics;
  let fixedTexts = new Map(project.files.map((file) => [file.path, file.text]));
  if (values.fix || values['fix-dry-run']) {
    const outcome = runFixes(io, project, values['fix-dry-run'] === true, stdin !== undefined);
    if (values['fix-dry-run']) {
      const diff = outcome.changed.map((file) => unifiedDiff(file, project.files.find((f) => f.path === file)!.text, outcome.texts.get(file)!)).join('');
      writeReport(io, values['output-file'], diff);
      return outcome.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
    }
    found = outcome.diagnostics;
    fixedTexts = outcome.texts;
  }
  if (values.baseline) found = applyBaseline(io, values.baseline, values['update-baseline'] === true, found, (file) => fixedTexts.get(file) ?? textOnly(project.host.readFile?.(file)));
  const diagnostics = values.quiet ? found.filter((d) => d.severity === 'error') : found;

  if (values.debug) {
    for (const note of [...discovery.notes, ...result.skipped]) io.stderr.write(`cors-lint: skipped ${safeText(note.path)}: ${safeText(note.reason)}\n`);
  } else {
    for (const note of discovery.notes) io.stderr.write(`cors-lint: skipped ${safeText(note.path)}: ${safeText(note.reason)}\n`);
  }
  const outputFile = values['output-file'];
  const color = format === 'stylish' && !outputFile && !values['no-color'] && !io.env.NO_COLOR && (values.color === true || io.stdout.isTTY === true);
  writeReport(io, outputFile, formatDiagnostics(format, diagnostics, { color, version: version() }));

  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  if (errors > 0) return 1;
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    io.stderr.write(`cors-lint: ${warnings} warnings, more than --max-warnings ${maxWarnings}\n`);
    return 1;
  }
  return 0;
}

const toPosix = (path: string) => path.split(sep).join('/');

/** Writes the baseline when it is missing (or with --update-baseline) and reports nothing already in it. */
function applyBaseline(io: CliIo, file: string, update: boolean, found: Diagnostic[], textOf: (file: string) => string | undefined): Diagnostic[] {
  const target = resolve(io.cwd, file);
  const prints = fingerprints(found, textOf);
  if (update || !existsSync(target)) {
    try {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, renderBaseline(found, prints));
    } catch (error) {
      throw new UsageError(`cannot write --baseline ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    io.stderr.write(`cors-lint: wrote ${file} with ${found.length} finding${found.length === 1 ? '' : 's'}; later runs report only new ones\n`);
    return [];
  }
  let text: string;
  try {
    text = readFileSync(target, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --baseline ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return newFindings(found, prints, parseBaseline(text));
  } catch (error) {
    throw new UsageError(`--baseline ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}

function writeReport(io: CliIo, outputFile: string | undefined, report: string): void {
  if (outputFile === undefined) {
    io.stdout.write(report);
    return;
  }
  if (!outputFile) throw new UsageError('--output-file needs a path');
  const target = resolve(io.cwd, outputFile);
  try {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, report);
  } catch (error) {
    throw new UsageError(`cannot write --output-file ${outputFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * --fix / --fix-dry-run: the certain fixes, kept only when a second lint shows their finding gone
 * and nothing new. Files to change must all be writable before any is written.
 */
function runFixes(io: CliIo, project: ProjectResult, dryRun: boolean, fromStdin: boolean) {
  const texts = new Map(project.files.map((file) => [file.path, file.text]));
  const host = { readFile: (path: string) => texts.get(path) ?? project.host.readFile?.(path), readModule: (path: string) => texts.get(path) ?? project.host.readModule?.(path) };
  const readErrors = project.discovery.files.filter((file) => file.error !== undefined).map((file) => ({ path: file.path, message: `cannot read file (${file.error})` }));
  const relint = (current: Map<string, string>) => {
    const files = [...current].map(([path, text]) => ({ path, text }));
    return lintWithConfigs(files, project.resolver, { host: { readFile: (path) => current.get(path) ?? host.readFile(path), readModule: (path) => current.get(path) ?? host.readModule(path) }, readErrors, extraConfigs: project.extraConfigs }).diagnostics;
  };
  const outcome = fixAll(texts, project.result.diagnostics, relint);
  for (const { diagnostic, reason } of outcome.rolledBack) {
    io.stderr.write(`cors-lint: fix for ${diagnostic.ruleId} at ${diagnostic.file}:${diagnostic.line}:${diagnostic.column} not applied: ${reason}\n`);
  }
  if (dryRun || fromStdin) return outcome;
  const readOnly = outcome.changed.filter((file) => {
    const path = resolve(io.cwd, file);
    try {
      accessSync(path, constants.W_OK);
      return (statSync(path).mode & 0o222) === 0;
    } catch {
      return true;
    }
  });
  if (readOnly.length > 0) throw new UsageError(`--fix cannot write ${readOnly.join(', ')} (read-only); no file was changed`);
  // A file is written back in the encoding it was read in (a UTF-16 one stays UTF-16).
  for (const file of outcome.changed) {
    const path = resolve(io.cwd, file);
    writeFileSync(path, encodeText(outcome.texts.get(file)!, textEncoding(readHead(path))));
  }
  if (outcome.fixed.length > 0) io.stderr.write(`cors-lint: fixed ${outcome.fixed.length} finding${outcome.fixed.length === 1 ? '' : 's'} in ${outcome.changed.length} file${outcome.changed.length === 1 ? '' : 's'}\n`);
  return outcome;
}

const FORMAT_NAMES: Record<Format, string> = { nginx: 'nginx', js: 'js', ts: 'ts', python: 'python', yaml: 'yaml', json: 'json', toml: 'toml', headers: '_headers' };

function listRules(): Array<{ id: string; severity: string; formats: string[]; fixable: boolean; description: string }> {
  return [...allRules]
    .sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1))
    .map(({ meta }) => ({ id: meta.id, severity: meta.severity, formats: meta.formats.map((f) => FORMAT_NAMES[f]), fixable: meta.fixable === true, description: meta.description }));
}

function renderRuleList(): string {
  const list = listRules();
  const width = Math.max(...list.map((rule) => rule.id.length));
  const level = { error: 'error', warning: 'warn', info: 'info' } as Record<string, string>;
  return `${list.map((rule) => `${rule.id.padEnd(width)}  ${level[rule.severity].padEnd(5)}  ${rule.formats.join(',').padEnd(24)}  ${rule.fixable ? 'fix ' : '    '} ${rule.description}`).join('\n')}\n`;
}

/** `--print-config FILE`: every rule's level for that file, with the config files it comes from. */
function printableConfig(resolver: ConfigResolver, file: string) {
  const { config, files, ignored } = resolver.forFile(file);
  const rules: Record<string, string> = {};
  for (const { meta } of [...allRules].sort((a, b) => (a.meta.id < b.meta.id ? -1 : 1))) rules[meta.id] = config.rules[meta.id] ?? meta.severity;
  const kind = detectFormat(toPosix(file));
  return { file: toPosix(file), format: 'format' in kind ? kind.format : null, configFiles: files, ignored, rules, ignores: config.ignores, knownOrigins: config.knownOrigins };
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
        topology: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const json = values.format === 'json';
  if (values.format !== undefined && !json && values.format !== 'stylish' && values.format !== 'table') throw new UsageError(`${command} --format must be table or json (got '${values.format}')`);
  const { result, unmatched } = lintProject({ cwd: io.cwd, paths: positionals, configPath: values.config });
  if (unmatched.length > 0) throw new UsageError(`'${unmatched[0]}' does not exist or matches no file cors-lint reads`);
  const policies = [...result.policies].sort(
    (a, b) => (a.source.file < b.source.file ? -1 : a.source.file > b.source.file ? 1 : 0) || a.source.loc.line - b.source.loc.line || a.source.loc.column - b.source.loc.column,
  );
  if (command === 'explain' && values.topology) {
    const chains = explainTopology(policies);
    io.stdout.write(json ? `${JSON.stringify(chains, null, 2)}\n` : safeMultiline(renderTopology(chains)));
    return 0;
  }
  if (command === 'explain') {
    const explained = policies.map(explainPolicy);
    io.stdout.write(json ? `${JSON.stringify(explained, null, 2)}\n` : safeMultiline(renderExplained(explained)));
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
  // A proxy with a linked app answers through the chain: the browser sees the two layers' headers together.
  // An app whose Allow-Origin never reaches a browser is seen only through that chain (the rules judge it so too).
  const results = policiesForPath(policies, values.path, request).filter((policy) => !allowOriginUnseen(policy)).flatMap((policy) =>
    policy.upstreamLayers?.length ? policy.upstreamLayers.map((layer) => simulatePolicy(policy, request, url, layer)) : [simulatePolicy(policy, request, url)],
  );
  io.stdout.write(json ? `${JSON.stringify(results, null, 2)}\n` : safeMultiline(renderSimulated(results, request)));
  return results.some((r) => r.allowed === false) ? 1 : 0;
}

/** A host read as plain text (a refused or missing file has none). */
function textOnly(read: string | undefined | { refused: string }): string | undefined {
  return typeof read === 'string' ? read : undefined;
}

/** The package's folder seen from this module: dist/cli (the bundle), dist/src/cli (tsc) or src/cli (tests). */
function packageRoot(): string {
  // import.meta.dirname: __dirname in the bundle (scripts/bundle.mjs), and Node 20.11 on for tsc's output.
  const here = import.meta.dirname ?? dirname(fileURLToPath(import.meta.url));
  return existsSync(join(here, '..', '..', 'package.json')) ? join(here, '..', '..') : join(here, '..', '..', '..');
}

/** A file's first four bytes (for its encoding). */
function readHead(path: string): Uint8Array {
  try {
    return readFileSync(path).subarray(0, 4);
  } catch {
    return new Uint8Array();
  }
}
