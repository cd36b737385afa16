import { rules } from '../../rules/index.js';
import { createJsProject } from '../extract/js/extract.js';
import { ModuleSource, type ModuleHost } from './modules.js';
import { extractNginxPolicies } from '../extract/nginx/extract.js';
import type { YamlExtraction } from '../extract/yaml/extract.js';
import { scannedHosts } from '../extract/yaml/scanned-hosts.js';
import { NginxWorkspace, type NginxWorkspaceHost } from '../extract/nginx/workspace.js';
import { nginxCorsRelevance } from '../extract/nginx/relevance.js';
import { redirectOnlyServerNames } from '../extract/nginx/redirect-servers.js';
import { analyzeOrigin, originHost } from '../model/origin.js';
import type { CorsPolicy, Diagnostic, Format, Loc, SourceFile } from '../model/types.js';
import { emptyConfig, type Config } from './config.js';
import { attachFixes, fixFromLoc } from './fix.js';
import { detectFile, looksBinary, looksGenerated, mayContainPolicy } from './detect.js';
import { FORMAT_SPECS } from './formats.js';
import { holdsPolicyConstruct } from './prefilter.js';
import type { ProjectFacts, Rule, RuleContext } from './rule.js';
import { memoRule, rememberByContent, replayRules, stableProjectFacts, withPolicyMemo } from './policy-memo.js';
import { contentSegment } from './content-key.js';
import { activeParseCache } from './parse-cache.js';
import { applySuppressions } from './suppressions.js';
import { linkClientCalls } from '../topology/client-links.js';
import { linkLayers } from '../topology/link.js';
import { allowOriginMoot } from '../topology/shadowed-apps.js';
import { lineLengthsOf, lineStartsOf, offsetsToLoc, splitLines } from '../extract/offsets.js';
import { append } from '../util/arrays.js';
import { BudgetExceeded, checkBudget, checkBudgetNow } from '../util/budget.js';
import { Boundary, clampLoc, DEFAULT_TIME_BUDGET_MS, insideFile } from './isolate.js';
import { excerpt } from '../util/excerpt.js';

const FORMAT_NAMES: Record<Format, string> = { nginx: 'nginx', js: 'JavaScript', ts: 'TypeScript', python: 'Python', yaml: 'YAML', json: 'JSON', toml: 'TOML', headers: '_headers' };

export interface LintOptions {
  config?: Config;
  /** Lets the nginx extractor read an included file, and the JS/Python extractors a module, that is not among `files` (the core itself does no I/O). */
  host?: NginxWorkspaceHost & ModuleHost;
  /** Files the shell found but could not read: each becomes one `parse-error` at 1:1. */
  readErrors?: Array<{ path: string; message: string }>;
  /** Time budget per file and stage in ms (default 10 s): a file that runs past it is reported as not analysed, never hangs the run. */
  timeBudgetMs?: number;
  /**
   * Files the shell read and left out because this run cannot need their text (engine/retain.ts),
   * with the reason lint() would give: listed among the skipped files in path order, as if given.
   */
  skipped?: SkippedFile[];
  /** Link proxies to the apps behind them and frontend calls to the servers they reach (default true; the benchmark turns it off to measure its cost). */
  topology?: boolean;
  /** Work on a policy remembered by its content (policy-memo.ts; default true): false computes every policy afresh, as a reference for tests. */
  policyMemo?: boolean;
  /** The second prefilter stage (prefilter.ts; default true): false parses every file the first stage passes, as a reference for tests and the benchmark. */
  secondStage?: boolean;
  /**
   * Worker threads for the rules (the shell's pool, cli/pool.ts): called once the candidates are
   * known; returning shards makes this run shard 0 of them. Every shard extracts the same policies
   * (extraction is deterministic and policies cannot cross threads) and runs the rules of its share
   * of the policy files; the results are put back in the single-threaded order.
   */
  parallel?: (work: { candidates: number; bytes: number }) => RuleShards | undefined;
}

/** What the rules produced for one policy file, in the order a single-threaded run produces it. */
export interface FileRuleResults {
  file: string;
  diagnostics: Diagnostic[];
  /** internal-errors and time-budget notes of the rules stage. */
  failures: Diagnostic[];
  skipped: SkippedFile[];
  gaveUp: { failed: boolean; timedOut: boolean };
}

/** Shards other than this thread's (shard 0 of `count`). */
export interface RuleShards {
  count: number;
  /** Waits for the other shards; a file missing from the answer is run here. */
  results(): Map<string, FileRuleResults>;
}

/** Which share of the policy files one shard runs the rules of. */
export interface Shard {
  index: number;
  count: number;
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface LintResult {
  diagnostics: Diagnostic[];
  policies: CorsPolicy[];
  /** Files not analysed, with why (shown with --debug). */
  skipped: SkippedFile[];
  /** file -> the other files its analysis read (imported modules): the LSP re-lints a file when one of them changes. */
  dependencies?: Record<string, string[]>;
}

export const ruleIds = new Set(rules.map((rule) => rule.meta.id));

export function lint(files: SourceFile[], options: LintOptions = {}): LintResult {
  return run(files, options) as LintResult;
}

/** A worker's part of a parallel run: the rule results of the policy files of `shard`. */
export function lintShard(files: SourceFile[], options: LintOptions, shard: Shard): FileRuleResults[] {
  return run(files, { ...options, parallel: undefined }, shard) as FileRuleResults[];
}

function run(files: SourceFile[], options: LintOptions, shard?: Shard): LintResult | FileRuleResults[] {
  return withPolicyMemo(options.policyMemo !== false, () => runWithMemo(files, options, shard));
}

function runWithMemo(files: SourceFile[], options: LintOptions, shard?: Shard): LintResult | FileRuleResults[] {
  const config = options.config ?? emptyConfig;
  const diagnostics: Diagnostic[] = [];
  const skipped: SkippedFile[] = [];
  const policies: CorsPolicy[] = [];
  const texts = new Map<string, string>();
  const nginxFiles = new Map<string, string>();
  const yamlFiles = new Map<string, string>();
  /** Whether each YAML file holds a CORS token (asked once, here: ingressHosts reads the files without one). */
  const yamlTokens = new Map<string, boolean>();
  const candidates: Array<{ file: SourceFile; format: Format }> = [];
  for (const { path, message } of options.readErrors ?? []) diagnostics.push(fileLevel('parse-error', path, message));

  const shellSkipped = [...(options.skipped ?? [])].sort((a, b) => compareStrings(a.path, b.path));
  let nextShellSkipped = 0;
  for (const file of [...files].sort((a, b) => compareStrings(a.path, b.path))) {
    while (nextShellSkipped < shellSkipped.length && compareStrings(shellSkipped[nextShellSkipped].path, file.path) < 0) skipped.push(shellSkipped[nextShellSkipped++]);
    texts.set(file.path, file.text);
    const kind = detectFile(file);
    if ('skip' in kind) {
      skipped.push({ path: file.path, reason: kind.skip });
      continue;
    }
    if (looksBinary(file.text)) {
      if (kind.format === 'nginx') diagnostics.push(fileLevel('parse-error', file.path, 'binary content in an nginx config file; not analysed'));
      else skipped.push({ path: file.path, reason: 'binary content' });
      continue;
    }
    if (kind.format === 'nginx') nginxFiles.set(file.path, file.text);
    const token = mayContainPolicy(kind.format, file.text, file.path);
    if (kind.format === 'yaml') {
      yamlFiles.set(file.path, file.text);
      yamlTokens.set(file.path, token);
    }
    if (!token) {
      skipped.push({ path: file.path, reason: 'no CORS token' });
      continue;
    }
    // nginx and YAML are read at any size (a linear tokenizer; only YAML documents holding a CORS token are parsed).
    const maxBytes = FORMAT_SPECS[kind.format].maxBytes;
    if (maxBytes !== undefined && (file.text.length > maxBytes || looksGenerated(kind.format, file.text))) {
      skipped.push({ path: file.path, reason: file.text.length > maxBytes ? `larger than ${maxBytes / 1024 / 1024} MB (generated code?)` : 'minified or bundled code' });
      continue;
    }
    candidates.push({ file, format: kind.format });
  }
  while (nextShellSkipped < shellSkipped.length) skipped.push(shellSkipped[nextShellSkipped++]);

  const lineLengthCache = new Map<string, number[]>();
  const lineLengths = (file: string) => {
    const text = texts.get(file);
    if (text === undefined) return undefined;
    let lengths = lineLengthCache.get(file);
    if (!lengths) lineLengthCache.set(file, (lengths = lineLengthsOf(text)));
    return lengths;
  };
  const boundary = new Boundary(options.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS, lineLengths);
  const parseError = (error: { message: string; loc: Loc }) => {
    diagnostics.push(at('parse-error', clampLoc(error.loc, lineLengths(error.loc.file)), error.message));
  };

  const nginxCandidates = candidates.filter((c) => c.format === 'nginx').map((c) => c.file.path);
  if (nginxCandidates.length > 0) {
    const workspace = new NginxWorkspace(nginxFiles, options.host, texts);
    // Each file is parsed behind its own boundary first; a file that fails is left out of the rest.
    const parsed = nginxCandidates.filter((path) => boundary.run(path, 'parsing this nginx file', () => workspace.parse(path)) !== undefined);
    const included = new Set<string>();
    const includesOf = new Map<string, Set<string>>();
    for (const path of parsed) {
      const targets = boundary.run(path, 'resolving the includes of this nginx file', () => workspace.includedFiles([path])) ?? new Set<string>();
      includesOf.set(path, targets);
      for (const target of targets) included.add(target);
    }
    for (const path of parsed) {
      if (included.has(path)) continue;
      append(policies, boundary.run(path, 'extracting the CORS policies of this nginx file', () => extractNginxPolicies(path, workspace)) ?? []);
    }
    const relevant = nginxCorsRelevance(parsed, (path) => nginxFiles.get(path) ?? workspace.parsedText(path), (path) => includesOf.get(path) ?? []);
    for (const path of [...new Set([...parsed, ...included])].sort(compareStrings)) {
      const errors = boundary.run(path, 'parsing this nginx file', () => workspace.parse(path))?.errors ?? [];
      // A file read only for its include lines, with no CORS header in it or in the files it includes
      // or that include it (nginx-proxy's nginx.tmpl, a sample with <placeholder> values): its syntax
      // error hides nothing cors-lint judges and is not this tool's to report.
      if (errors.length > 0 && !relevant(path)) {
        skipped.push({ path, reason: `nginx syntax error at line ${errors[0].loc.line} not reported: no CORS header in this file or in the files it includes or that include it` });
        continue;
      }
      for (const error of errors) parseError(error);
    }
    for (const { loc, pattern, reason } of workspace.refusals) skipped.push({ path: `${loc.file}:${loc.line}:${loc.column}`, reason: `include ${JSON.stringify(clip(pattern))} not read: ${reason.replace(/; not (read|followed)$/, '')}` });
  }
  const yamlHosts: YamlExtraction['hosts'] = ingressHosts(yamlFiles, yamlTokens);
  const modules = new ModuleSource(texts, options.host);
  const jsProject = createJsProject(modules);
  const { parsed: toExtract, deferred } = secondStage(candidates, modules, options.secondStage !== false);
  // Started before extraction, so the other shards extract while this one does.
  const remote = options.parallel?.({ candidates: toExtract.length, bytes: toExtract.reduce((sum, { file }) => sum + file.text.length, 0) });
  const extract = ({ file, format }: { file: SourceFile; format: Format }) => {
    const result = boundary.run(file.path, `reading this ${FORMAT_NAMES[format]} file`, () => FORMAT_SPECS[format].extract!(file, { jsProject, modules }));
    if (!result) return;
    if (result.hosts) append(yamlHosts, result.hosts);
    append(policies, result.policies);
    for (const error of result.errors) parseError(error);
  };
  for (const candidate of toExtract) if (candidate.format !== 'nginx') extract(candidate);
  // A deferred file that a linted file imported has been parsed on its behalf: its syntax errors are
  // reported as a linted file's are (it holds no policy of its own, so nothing else comes of this).
  if (deferred.length > 0) {
    const read = modules.readModules();
    for (const candidate of deferred) if (read.has(candidate.file.path)) extract(candidate);
  }
  for (const { file } of deferred) skipped.push({ path: file.path, reason: 'no CORS construct (parsed only if a linted file imports it)' });
  const firstFile = candidates[0]?.file.path;
  if (firstFile !== undefined) append(policies, boundary.run(firstFile, 'collecting CORS options exported by JS modules', () => jsProject.unconsumedOptions()) ?? []);
  // Modules read through the host carry findings too: their text serves suppressions and position checks.
  for (const [path, text] of modules.extraTexts) if (!texts.has(path)) texts.set(path, text);

  const topologyFiles = { nginx: nginxFiles, yaml: yamlFiles, texts, read: readText(options.host), knownOrigins: config.knownOrigins };
  if (options.topology !== false && firstFile !== undefined) {
    boundary.run(firstFile, 'linking proxies, apps and frontend calls across files', () => {
      const proxyLinks = linkLayers(policies, topologyFiles);
      linkClientCalls(policies, topologyFiles, proxyLinks);
    });
  }
  // The language server: the last run's facts object when nothing in them changed (what rules derived from them carries over).
  const project = stableProjectFacts(projectFacts(policies, nginxFiles, config, yamlHosts, boundary));
  const active = rules.filter((rule) => (config.rules[rule.meta.id] ?? rule.meta.severity) !== 'off' && rule.check);
  // The language server: a policy an edit left as it was (content and, moved or not, tokens) replays its rules' findings (content-key.ts).
  if (activeParseCache()) for (const policy of policies) rememberByContent(policy, contentSegment);
  const activeIds = stableIds(active.map((rule) => rule.meta.id));
  // Rules run per file behind the boundary: one file's time budget covers all its policies.
  const policiesByFile = new Map<string, CorsPolicy[]>();
  for (const policy of policies) {
    const list = policiesByFile.get(policy.source.file);
    if (list) list.push(policy);
    else policiesByFile.set(policy.source.file, [policy]);
  }
  const rulesOf = (file: string): FileRuleResults => {
    const marks = [diagnostics.length, boundary.diagnostics.length, boundary.skipped.length] as const;
    boundary.run(file, 'running the rules on this file', () => {
      for (const policy of policiesByFile.get(file)!) {
        checkBudgetNow();
        // A policy where it was in the last run (policy-memo.ts): every rule's findings at once.
        if (replayRules(policy, activeIds, project, (index, finding) => ruleReporter(active[index], policy, lineLengths, diagnostics, texts, boundary)(finding))) continue;
        for (const rule of active) {
          checkBudgetNow();
          // An app whose Allow-Origin a proxy hides on every route, or a Lambda handler behind an HTTP API with CORS: what it sends reaches no browser.
          if (allowOriginMoot(policy, rule.meta.id)) continue;
          runRule(rule, policy, project, lineLengths, diagnostics, texts, boundary);
        }
      }
    });
    return { file, diagnostics: diagnostics.splice(marks[0]), failures: boundary.diagnostics.splice(marks[1]), skipped: boundary.skipped.splice(marks[2]), gaveUp: boundary.gaveUpHow(file) };
  };
  const ruleFiles = [...policiesByFile.keys()];
  const { index, count } = shard ?? { index: 0, count: remote?.count ?? 1 };
  const local = new Map<string, FileRuleResults>();
  ruleFiles.forEach((file, i) => {
    if (i % count === index) local.set(file, rulesOf(file));
  });
  if (shard) return [...local.values()];
  const others = remote?.results() ?? new Map<string, FileRuleResults>();
  for (const file of ruleFiles) {
    const part = local.get(file) ?? others.get(file) ?? rulesOf(file);
    append(diagnostics, part.diagnostics);
    boundary.adopt(part);
  }
  const failuresBefore = boundary.diagnostics.length;
  append(diagnostics, boundary.diagnostics);

  const levelled = diagnostics.flatMap((diagnostic) => {
    const level = config.rules[diagnostic.ruleId];
    if (level === 'off') return [];
    return [level ? { ...diagnostic, severity: level } : diagnostic];
  });
  const byFile = new Map<string, Diagnostic[]>();
  for (const diagnostic of levelled) {
    const list = byFile.get(diagnostic.file);
    if (list) list.push(diagnostic);
    else byFile.set(diagnostic.file, [diagnostic]);
  }
  const final: Diagnostic[] = [];
  for (const [file, list] of byFile) {
    const text = texts.get(file);
    append(final, text === undefined ? list : (boundary.run(file, 'applying suppression comments', () => applySuppressions(list, text, ruleIds, file), undefined, true) ?? list));
  }
  // Files with suppressions but no findings can still hold unused suppressions.
  for (const { file } of candidates) {
    if (!byFile.has(file.path) && file.text.includes('cors-lint-disable')) append(final, boundary.run(file.path, 'applying suppression comments', () => applySuppressions([], file.text, ruleIds, file.path), undefined, true) ?? []);
  }
  // Failures while applying suppressions are reported too; every time-budget stop is a skip note.
  append(final, boundary.diagnostics.slice(failuresBefore));
  append(skipped, boundary.skipped);
  const unusedLevel = config.rules['unused-suppression'];
  return {
    diagnostics: withFixes(sortAndDedupe(final.filter((d) => !(d.ruleId === 'unused-suppression' && unusedLevel === 'off'))), texts, policies),
    policies,
    skipped,
    dependencies: modules.dependencyMap(),
  };
}

/** Fixes are attached after the run; a failure there costs the fixes, never the findings. */
function withFixes(diagnostics: Diagnostic[], texts: Map<string, string>, policies: CorsPolicy[]): Diagnostic[] {
  try {
    return attachFixes(diagnostics, texts, policies);
  } catch {
    return diagnostics;
  }
}

/**
 * The last run's list of active rule ids when it is the same: the memo compares a policy's records
 * with the ids of the run (policy-memo.ts replayRules), once per policy and keystroke in the
 * language server, and the same array is compared at once.
 */
let lastIds: string[] = [];
function stableIds(ids: string[]): string[] {
  if (ids.length !== lastIds.length || ids.some((id, i) => id !== lastIds[i])) lastIds = ids;
  return lastIds;
}

function runRule(rule: Rule, policy: CorsPolicy, project: ProjectFacts, lineLengths: (file: string) => number[] | undefined, out: Diagnostic[], texts: Map<string, string>, boundary: Boundary): void {
  const stage = `running rule ${rule.meta.id}`;
  // Findings of a policy seen before (policy-memo.ts) are replayed through the same report.
  memoRule(policy, rule.meta.id, project, ruleReporter(rule, policy, lineLengths, out, texts, boundary), (watched, recorded) => {
    try {
      rule.check!(policy, { project: watched, report: recorded });
      return true;
    } catch (error) {
      if (error instanceof BudgetExceeded) throw error;
      boundary.fail(policy.source.file, stage, error, policy.source.loc);
      return false;
    }
  });
}

/** What a rule's report does with a finding: checked against its file, made a diagnostic (with its fix). */
function ruleReporter(rule: Rule, policy: CorsPolicy, lineLengths: (file: string) => number[] | undefined, out: Diagnostic[], texts: Map<string, string>, boundary: Boundary): RuleContext['report'] {
  const stage = `running rule ${rule.meta.id}`;
  // A report outside its file is a bug in a rule or extractor: that finding becomes an internal-error, the rest stands.
  const outside = (loc: Loc) => {
    const lines = lineLengths(loc.file);
    if (!lines || insideFile(loc, lines)) return false;
    boundary.report(policy.source.file, stage, `it reported the span ${loc.line}:${loc.column}-${loc.endLine}:${loc.endColumn}, outside ${loc.file === policy.source.file ? 'the file' : 'its file'}`, policy.source.loc);
    return true;
  };
  return ({ message, loc, fix }) => {
    if (outside(loc)) return;
    const diagnostic = at(rule.meta.id, loc, message, rule.meta.severity);
    const text = texts.get(fix?.loc.file ?? '');
    if (fix && fix.loc.file === loc.file && text !== undefined && !outside(fix.loc)) diagnostic.fix = fixFromLoc(text, fix);
    out.push(diagnostic);
  };
}

function projectFacts(policies: CorsPolicy[], nginxFiles: Map<string, string>, config: Config, yamlHosts: YamlExtraction['hosts'], boundary: Boundary): ProjectFacts {
  const servedHosts: ProjectFacts['servedHosts'] = new Map();
  const writtenOrigins: ProjectFacts['writtenOrigins'] = [];
  for (const origin of config.knownOrigins) {
    const host = originHost(origin);
    if (host) servedHosts.set(host, { how: 'listed in knownOrigins' });
  }
  for (const [path, text] of nginxFiles) {
    if (!text.includes('server_name')) continue;
    boundary.run(path, 'reading the server names of this nginx file', () => {
      // One line table per file and names on the directive's own line: linear in the file size.
      const lineStarts = lineStartsOf(text);
      // A server that only redirects (www → apex) serves no page under its names.
      const redirecting = redirectOnlyServerNames(text, path);
      const pattern = /^[ \t]*server_name[ \t]+([^;{}\r\n]{1,4000});/gm;
      for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
        checkBudget();
        const namesStart = match.index + match[0].length - 1 - match[1].length;
        for (const name of match[1].matchAll(/\S+/g)) {
          const host = name[0].replace(/^["']|["']$/g, '').toLowerCase();
          if (!host || host === '_' || host.includes('*') || host.startsWith('~') || host.includes('$') || servedHosts.has(host)) continue;
          const from = namesStart + name.index;
          const loc = offsetsToLoc(path, lineStarts, from, from + name[0].length);
          if (redirecting.has(`${loc.line}:${host}`)) continue;
          servedHosts.set(host, { how: 'nginx server_name', loc });
        }
      }
    });
  }
  for (const { host, how, loc } of yamlHosts) if (!servedHosts.has(host)) servedHosts.set(host, { how, loc });
  // One analysis per distinct origin (a file repeats the same few many times): the host it serves.
  const analyzed = new Map<string, string | undefined>();
  for (const policy of policies) {
    boundary.run(policy.source.file, 'reading the allowed origins of this file', () => {
      for (const matcher of policy.origins) {
        if (matcher.kind !== 'exact') continue;
        writtenOrigins.push({ value: matcher.value, loc: matcher.loc });
        let host = analyzed.get(matcher.value);
        if (host === undefined && !analyzed.has(matcher.value)) {
          const { serialized, problems } = analyzeOrigin(matcher.value);
          analyzed.set(matcher.value, (host = serialized && problems.length === 0 ? originHost(serialized) : undefined));
        }
        if (host && !servedHosts.has(host)) servedHosts.set(host, { how: 'allowed by another policy', loc: matcher.loc });
      }
    }, policy.source.loc);
  }
  return { servedHosts, writtenOrigins };
}

/**
 * Hosts of Ingress (and Contour HTTPProxy) manifests without a CORS token, which the prefilter never parses: a line scan,
 * like nginx's server_name (files with CORS tokens report theirs from the parsed YAML).
 */
function ingressHosts(yamlFiles: Map<string, string>, tokens: Map<string, boolean>): YamlExtraction['hosts'] {
  const out: YamlExtraction['hosts'] = [];
  for (const [path, text] of yamlFiles) {
    if (tokens.get(path)) continue;
    out.push(...scannedHosts(path, text));
  }
  return out;
}

/**
 * Stage two of the prefilter (prefilter.ts): candidates whose text shows no construct an extractor
 * reads are deferred, in their sorted order. Off, every candidate is parsed.
 */
function secondStage<T extends { file: SourceFile; format: Format }>(candidates: T[], modules: ModuleSource, on: boolean): { parsed: T[]; deferred: T[] } {
  if (!on) return { parsed: candidates, deferred: [] };
  const parsed: T[] = [];
  const deferred: T[] = [];
  const peek = (path: string, importer: string) => modules.peek(path, importer);
  for (const candidate of candidates) {
    (holdsPolicyConstruct(candidate.format, candidate.file.path, candidate.file.text, peek) ? parsed : deferred).push(candidate);
  }
  return { parsed, deferred };
}

function at(ruleId: string, loc: Loc, message: string, severity: Diagnostic['severity'] = 'error'): Diagnostic {
  return { ruleId, severity, message, file: loc.file, line: loc.line, column: loc.column, endLine: loc.endLine, endColumn: loc.endColumn };
}

function fileLevel(ruleId: string, file: string, message: string): Diagnostic {
  return { ruleId, severity: 'error', message, file, line: 1, column: 1, endLine: 1, endColumn: 1 };
}

/** The host's reader for callers that only want text (a refused read is simply not there). */
function readText(host: NginxWorkspaceHost | undefined): ((path: string) => string | undefined) | undefined {
  const readFile = host?.readFile?.bind(host);
  if (!readFile) return undefined;
  return (path) => {
    const text = readFile(path);
    return typeof text === 'string' ? text : undefined;
  };
}

/** A scanned value inside a message: at most 200 characters of it. */
function clip(value: string): string {
  return excerpt(value, 200);
}

/** The same rule on the same span of the same file. */
function sameToken(a: Diagnostic, b: Diagnostic): boolean {
  return a.file === b.file && a.ruleId === b.ruleId && a.line === b.line && a.column === b.column && a.endLine === b.endLine && a.endColumn === b.endColumn;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorted by file, line, column, rule id, message; duplicates dropped: one directive seen through several
 * locations gives the same finding, or the same rule on the same token with another first failing request
 * (a map entry that grants the GET in one location and the preflight in another). One is kept, the first.
 */
export function sortAndDedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const sorted = [...diagnostics].sort(
    (a, b) =>
      compareStrings(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compareStrings(a.ruleId, b.ruleId) ||
      a.endLine - b.endLine ||
      a.endColumn - b.endColumn ||
      compareStrings(a.message, b.message),
  );
  return sorted.filter((d, i) => {
    const previous = sorted[i - 1];
    return !previous || !sameToken(previous, d);
  });
}
