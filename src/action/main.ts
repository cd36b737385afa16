import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../engine/config.js';
import { ruleIds } from '../engine/lint.js';
import { version } from '../cli/run.js';
import { lintProject } from '../cli/project.js';
import { escapeData, formatGithub } from '../format/github.js';
import { FORMATS, formatDiagnostics, type OutputFormat } from '../format/index.js';
import { DOCS_BASE } from '../format/sarif.js';
import { safeText } from '../format/sanitize.js';
import type { Diagnostic } from '../model/types.js';

/**
 * The GitHub Action's entry point (action.yml runs it with node). Reads the inputs GitHub
 * passes as `INPUT_*`, lints the workspace, and writes what a workflow expects: annotations as
 * workflow commands, a SARIF file for code scanning, a job summary, and step outputs.
 */
export interface ActionIo {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
}

function input(env: ActionIo['env'], name: string, fallback: string): string {
  // GitHub upper-cases the name and keeps hyphens (`INPUT_SARIF-FILE`); composite actions may pass either spelling.
  const value = env[`INPUT_${name.toUpperCase()}`] ?? env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

function isOn(value: string): boolean {
  return /^(on|true|yes|1)$/i.test(value);
}

export function runAction(io: ActionIo): number {
  const env = io.env;
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const paths = input(env, 'paths', '.').split(/[\n,]/).map((path) => path.trim()).filter(Boolean);
  const format = input(env, 'format', 'stylish') as OutputFormat;
  const sarifFile = input(env, 'sarif-file', 'cors-lint.sarif');
  const failOn = input(env, 'fail-on', 'error');
  const annotations = isOn(input(env, 'annotations', 'on'));
  const configPath = input(env, 'config', '');
  if (!FORMATS.includes(format)) return fail(io, `input 'format' must be one of ${FORMATS.join(', ')} (got '${format}')`);
  if (!['error', 'warning', 'never'].includes(failOn)) return fail(io, `input 'fail-on' must be error, warning or never (got '${failOn}')`);

  let diagnostics: Diagnostic[];
  let fileCount: number;
  try {
    const { result, discovery, unmatched } = lintProject({ cwd: workspace, paths, configPath: configPath || undefined });
    // A path that does not exist would otherwise leave a job green that checked nothing.
    if (unmatched.length > 0) return fail(io, `input 'paths': '${unmatched[0]}' does not exist or matches no file cors-lint reads`);
    diagnostics = result.diagnostics;
    fileCount = discovery.files.length + (discovery.dropped ?? 0);
    for (const note of discovery.notes) io.stdout.write(`cors-lint: skipped ${safeText(note.path)}: ${safeText(note.reason)}\n`);
  } catch (error) {
    if (error instanceof ConfigError) return fail(io, error.message);
    throw error;
  }

  if (format !== 'github' || !annotations) io.stdout.write(formatDiagnostics(format, diagnostics, { color: false, version: version() }));
  if (annotations) io.stdout.write(formatGithub(diagnostics));

  const outputs: Record<string, string> = {
    errors: String(diagnostics.filter((d) => d.severity === 'error').length),
    warnings: String(diagnostics.filter((d) => d.severity === 'warning').length),
  };
  if (sarifFile !== 'none') {
    const target = resolve(workspace, sarifFile);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, formatDiagnostics('sarif', diagnostics, { color: false, version: version() }));
    outputs['sarif-file'] = sarifFile;
  }
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, Object.entries(outputs).map(([key, value]) => `${key}=${value}\n`).join(''));
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, jobSummary(diagnostics, fileCount, env));

  const errors = Number(outputs.errors);
  const warnings = Number(outputs.warnings);
  if (failOn === 'error' && errors > 0) return 1;
  if (failOn === 'warning' && errors + warnings > 0) return 1;
  return 0;
}

function fail(io: ActionIo, message: string): number {
  io.stdout.write(`::error title=cors-lint::${escapeData(message)}\n`);
  return 2;
}

/**
 * A scanned string in a Markdown table cell: no control or bidi characters, no `::` (safeText); no
 * HTML, links or emphasis it could smuggle in; no `|` to break out of the cell.
 */
function cell(text: string): string {
  return safeText(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]()!|~]/g, (c) => `\\${c}`);
}

/** Markdown for `$GITHUB_STEP_SUMMARY`: counts per rule, then every finding with a link to its line. */
export function jobSummary(diagnostics: Diagnostic[], fileCount: number, env: ActionIo['env']): string {
  const lines = ['## cors-lint', ''];
  if (diagnostics.length === 0) return [...lines, `No CORS problems found in ${fileCount} file${fileCount === 1 ? '' : 's'}.`, ''].join('\n');
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  lines.push(`**${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}** in ${new Set(diagnostics.map((d) => d.file)).size} of ${fileCount} files.`, '');
  const perRule = new Map<string, number>();
  for (const d of diagnostics) perRule.set(d.ruleId, (perRule.get(d.ruleId) ?? 0) + 1);
  lines.push('| rule | findings |', '| --- | ---: |');
  for (const [ruleId, count] of [...perRule].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) {
    lines.push(`| ${ruleIds.has(ruleId) ? `[\`${ruleId}\`](${DOCS_BASE}${ruleId}.md)` : `\`${ruleId}\``} | ${count} |`);
  }
  const base = env.GITHUB_REPOSITORY && env.GITHUB_SHA ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/blob/${env.GITHUB_SHA}/` : undefined;
  lines.push('', '| | location | rule | message |', '| --- | --- | --- | --- |');
  for (const d of diagnostics) {
    const where = `${d.file}:${d.line}:${d.column}`;
    const location = base ? `[${cell(where)}](${base}${d.file.split('/').map(encodeURIComponent).join('/')}#L${d.line}${d.endLine > d.line ? `-L${d.endLine}` : ''})` : cell(where);
    lines.push(`| ${d.severity === 'error' ? '❌' : d.severity === 'warning' ? '⚠️' : 'ℹ️'} | ${location} | \`${d.ruleId}\` | ${cell(d.message)} |`);
  }
  return `${lines.join('\n')}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = runAction({ env: process.env, stdout: process.stdout });
}
