import { existsSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  DiagnosticSeverity,
  DidChangeWatchedFilesNotification,
  MessageType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type Diagnostic as LspDiagnostic,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ConfigResolver, loadConfig } from '../cli/config-file.js';
import { readModuleInsideRoot, readTextFile } from '../cli/project.js';
import { emptyConfig, type Config } from '../engine/config.js';
import { detectByName, detectFormat } from '../engine/detect.js';
import { FORMAT_LIST, formatOfLanguageId, primaryExtension } from '../engine/formats.js';
import { lint, ruleIds } from '../engine/lint.js';
import { ParseCache, withParseCache } from '../engine/parse-cache.js';
import type { PolicyMemo } from '../engine/policy-memo.js';
import { DEFAULT_TIME_BUDGET_MS } from '../engine/isolate.js';
import { prewarmJsParses } from '../extract/js/extract.js';
import { withBudget } from '../util/budget.js';
import { DOCS_BASE } from '../format/sarif.js';
import { clip } from '../format/sanitize.js';
import type { CorsPolicy, Diagnostic, Format } from '../model/types.js';
import { codeActions } from './fixes.js';
import { describePolicy, policyAt } from './hover.js';
import { WarmUpQueue } from './warm-up.js';

/**
 * `cors-lint lsp`: diagnostics on open, change (debounced) and save, quick fixes, and hover,
 * over stdio. The same `lint()` the CLI runs, one document at a time, with other files (nginx
 * includes) read from open documents first and the disk second. A handler that fails reports
 * the failure and the server goes on.
 */
const CONFIG_FILES = /(^|[\\/])(cors-lint\.config\.(json|ya?ml)|\.cors-lintrc\.json|package\.json)$/;
/** An untitled document has no file name: its language id says what it is (from the format registry). */
const LANGUAGE_EXTENSIONS: Record<string, string> = Object.fromEntries(
  FORMAT_LIST.flatMap((spec) => spec.languageIds.map((id) => [id, id === 'javascriptreact' ? '.jsx' : id === 'typescriptreact' ? '.tsx' : primaryExtension(spec)])),
);
/**
 * The warm-up waits until no document was opened, changed or linted for this long: keystrokes come
 * closer together, so it does not run between two of them.
 */
const WARM_UP_IDLE_MS = 300;

/** The format of a document for the warm-up: by its name, else by the editor's language id. */
function formatFor(path: string, languageId: string): Format | undefined {
  const kind = detectFormat(path);
  return 'format' in kind ? kind.format : formatOfLanguageId(languageId)?.id;
}

const SEVERITY: Record<Diagnostic['severity'], DiagnosticSeverity> = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information };

export interface ServerOptions {
  debounceMs: number;
  /** Lint a built-in sample of each format once at start-up (default true; false measures a cold server). */
  warmUp: boolean;
}

/** Over stdio (`--stdio` is accepted and implied). */
export function startServer(connection: Connection = createConnection(ProposedFeatures.all, process.stdin, process.stdout)): void {
  const documents = new TextDocuments(TextDocument);
  let root = process.cwd();
  let config: Config = emptyConfig;
  let debounceMs = 150;
  let warmUpEnabled = true;
  const timers = new Map<string, NodeJS.Timeout>();
  const policiesByUri = new Map<string, CorsPolicy[]>();
  /** The findings (with their fixes) of the last lint of each document, and the version they belong to. */
  const findingsByUri = new Map<string, { version: number; diagnostics: Diagnostic[] }>();
  /** uri -> the repository files its last lint read (imported modules). */
  const dependenciesByUri = new Map<string, string[]>();
  /** Last parses of the files linted (documents and the modules they read): each edit reparses incrementally where the parser can. */
  const parseCache = new ParseCache();
  /** What is left of the warm-up (warm-up.ts): run a lint at a time while no document is being edited. */
  let warmUpQueue: WarmUpQueue | undefined;
  /** When a document was last opened, changed or linted (performance.now()). */
  let lastEdit = -Infinity;
  const warmUpWhenIdle = () => {
    if (!warmUpQueue || warmUpQueue.done) return;
    const wait = lastEdit + WARM_UP_IDLE_MS - performance.now();
    if (wait > 0) {
      setTimeout(warmUpWhenIdle, wait);
      return;
    }
    warmUpQueue.step();
    setImmediate(warmUpWhenIdle);
  };

  const reportFailure = (what: string, error: unknown) => {
    const message = `cors-lint: ${what}: ${(error as Error).message}`;
    connection.console.error(`${message}\n${(error as Error).stack ?? ''}`);
    void connection.sendNotification('window/showMessage', { type: MessageType.Error, message });
  };

  // Nested configs as in the CLI: each document gets the configs above it (see ConfigResolver).
  let resolver = new ConfigResolver({ cwd: root, ruleIds });
  const configErrorsShown = new Set<string>();
  const showConfigError = (error: unknown) => {
    const message = `cors-lint: ${(error as Error).message}; using the default rules until it is fixed`;
    if (configErrorsShown.has(message)) return;
    configErrorsShown.add(message);
    void connection.sendNotification('window/showMessage', { type: MessageType.Error, message });
  };
  const reloadConfig = () => {
    resolver = new ConfigResolver({ cwd: root, ruleIds });
    configErrorsShown.clear();
    try {
      config = loadConfig(root, undefined, ruleIds).config;
    } catch (error) {
      config = emptyConfig;
      showConfigError(error);
    }
  };
  /** The config of one document, or undefined when a config leaves it out (`ignores`). */
  const configFor = (path: string): Config | undefined => {
    try {
      const effective = resolver.forFile(path);
      return effective.ignored ? undefined : effective.config;
    } catch (error) {
      showConfigError(error);
      return config;
    }
  };

  /** The path lint() sees: relative to the workspace for files, a made-up name for untitled documents. */
  const pathOf = (document: TextDocument): string => {
    if (document.uri.startsWith('file:')) {
      const absolute = fileURLToPath(document.uri);
      const rel = relative(root, absolute);
      const path = rel.startsWith('..') ? absolute : rel;
      if ('format' in detectFormat(path.split(sep).join('/'))) return path.split(sep).join('/');
      const extension = LANGUAGE_EXTENSIONS[document.languageId];
      return extension ? `${path.split(sep).join('/')}${extension}` : path.split(sep).join('/');
    }
    return `untitled${LANGUAGE_EXTENSIONS[document.languageId] ?? ''}`;
  };

  /**
   * `opening`: the lint of a document just opened. Its diagnostics go out before the warm-up runs
   * on: what is left of it waits for idle turns (this document's format after the others' small
   * samples, WarmUpQueue.prefer) or the next edit. Running it before the open's lint, or right
   * after sendDiagnostics (synchronously or in the next turn), held the diagnostics back all the
   * same: the connection writes a message's header and then, once the main thread has taken it
   * (a worker's stdout answers each write after a round trip), its body, so the body waited for the
   * warm-up. An edit's lint runs what is left of the warm-up first (finish).
   */
  const validate = (document: TextDocument, opening = false) => {
    try {
      const path = pathOf(document);
      lastEdit = performance.now();
      const ownFormat = formatFor(path, document.languageId);
      if (opening) warmUpQueue?.prefer(ownFormat);
      else warmUpQueue?.finish(ownFormat);
      // nginx includes and imported JS/Python modules: an open document's text first, the disk second.
      const openText = (file: string) => documents.all().find((candidate) => pathOf(candidate) === file)?.getText();
      const host = {
        readFile: (file: string) => openText(file) ?? readTextFile([root], root, file),
        readModule: (file: string) => openText(file) ?? readModuleInsideRoot([root], root, file),
      };
      // A name that needs its content to be sure (`.conf`, a file in sites-enabled/) is settled by the
      // editor's language id when the editor knows it.
      const byLanguage = formatOfLanguageId(document.languageId)?.id;
      const byName = detectByName(path);
      const format = byLanguage && 'maybe' in byName && byName.maybe === byLanguage ? byLanguage : undefined;
      const detectPath = document.uri.startsWith('file:') ? fileURLToPath(document.uri).split(sep).join('/') : undefined;
      // Open files that import this one are linted with it: their findings on this file's lines show here.
      const importers = documents.all().filter((other) => other.uri !== document.uri && dependenciesByUri.get(other.uri)?.includes(path));
      const fileConfig = configFor(path);
      if (!fileConfig) {
        void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics: [] });
        return;
      }
      const inputs = [{ path, text: document.getText(), format, detectPath }, ...importers.map((other) => ({ path: pathOf(other), text: other.getText() }))];
      const result = withParseCache(parseCache, () => lint(inputs, { config: fileConfig, host }));
      dependenciesByUri.set(document.uri, result.dependencies?.[path] ?? []);
      policiesByUri.set(document.uri, result.policies.filter((policy) => policy.source.file === path));
      findingsByUri.set(document.uri, { version: document.version, diagnostics: result.diagnostics.filter((d) => d.file === path) });
      const diagnostics: LspDiagnostic[] = result.diagnostics
        .filter((d) => d.file === path)
        .map((d) => ({
          range: { start: { line: d.line - 1, character: d.column - 1 }, end: { line: d.endLine - 1, character: d.endColumn - 1 } },
          severity: SEVERITY[d.severity],
          code: d.ruleId,
          codeDescription: ruleIds.has(d.ruleId) ? { href: `${DOCS_BASE}${d.ruleId}.md` } : undefined,
          source: 'cors-lint',
          message: clip(d.message),
        }));
      void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
      lastEdit = performance.now();
    } catch (error) {
      reportFailure(`could not lint ${document.uri}`, error);
    }
  };

  /**
   * Once an opened document's diagnostics are out, the parses its first syntax error would need
   * (JavaScript/TypeScript: extract/js/extract.ts prewarmJsParses), unless it changed meanwhile.
   */
  const prewarm = (uri: string, version: number) => {
    setImmediate(() => {
      const document = documents.get(uri);
      if (!document || document.version !== version) return;
      try {
        withParseCache(parseCache, () => withBudget(DEFAULT_TIME_BUDGET_MS, () => prewarmJsParses({ path: pathOf(document), text: document.getText() })));
      } catch {
        // Out of budget or a parser failure: the edit that needs these parses makes them (and reports what fails).
      }
      // Work on the document like a lint: the idle warm-up waits from here, not from the open. An edit
      // that arrived meanwhile is handled first, not after a warm-up step whose turn came while this ran.
      lastEdit = performance.now();
    });
  };

  const schedule = (document: TextDocument, delay: number, opening = false) => {
    clearTimeout(timers.get(document.uri));
    if (delay <= 0) {
      validate(document, opening);
      return;
    }
    timers.set(
      document.uri,
      setTimeout(() => {
        timers.delete(document.uri);
        const current = documents.get(document.uri);
        if (current) validate(current);
      }, delay),
    );
  };

  connection.onInitialize((params) => {
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    if (folder?.startsWith('file:')) root = fileURLToPath(folder);
    else if (params.rootPath) root = params.rootPath;
    const options = params.initializationOptions as Partial<ServerOptions> | undefined;
    if (typeof options?.debounceMs === 'number' && options.debounceMs >= 0) debounceMs = options.debounceMs;
    if (options?.warmUp === false) warmUpEnabled = false;
    reloadConfig();
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        hoverProvider: true,
      },
      serverInfo: { name: 'cors-lint' },
    };
  });

  connection.onInitialized(() => {
    // Parsers loaded and code compiled before the first edit, between messages (see warm-up.ts).
    if (warmUpEnabled) {
      warmUpQueue = new WarmUpQueue();
      setImmediate(warmUpWhenIdle);
    }
    // Reload the config when it changes on disk, where the client can watch files.
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/{cors-lint.config.json,cors-lint.config.yaml,cors-lint.config.yml,.cors-lintrc.json,package.json}' }, { globPattern: '**/*.{js,jsx,mjs,cjs,ts,tsx,mts,cts,py}' }] }).catch(() => undefined);
  });

  const configChanged = () => {
    reloadConfig();
    for (const document of documents.all()) schedule(document, 0);
  };
  /** A module changed (edited in the editor or on disk): the open files whose analysis read it are linted again. */
  const relintImporters = (changedPath: string, changedUri?: string) => {
    for (const document of documents.all()) {
      if (document.uri !== changedUri && dependenciesByUri.get(document.uri)?.includes(changedPath)) schedule(document, debounceMs);
    }
  };
  connection.onDidChangeWatchedFiles((params) => {
    if (params.changes.some((change) => CONFIG_FILES.test(change.uri))) configChanged();
    for (const change of params.changes) {
      if (!change.uri.startsWith('file:') || CONFIG_FILES.test(change.uri)) continue;
      relintImporters(relative(root, fileURLToPath(change.uri)).split(sep).join('/'));
    }
  });

  // TextDocuments reports an open as a content change too: lint once, right away.
  const justOpened = new Set<string>();
  documents.onDidOpen((event) => {
    justOpened.add(event.document.uri);
    schedule(event.document, 0, true);
    prewarm(event.document.uri, event.document.version);
  });
  documents.onDidChangeContent((event) => {
    lastEdit = performance.now();
    if (justOpened.delete(event.document.uri)) return;
    schedule(event.document, debounceMs);
    relintImporters(pathOf(event.document), event.document.uri);
  });
  documents.onDidSave((event) => {
    if (CONFIG_FILES.test(event.document.uri)) configChanged();
    else schedule(event.document, 0);
  });
  documents.onDidClose((event) => {
    clearTimeout(timers.get(event.document.uri));
    parseCache.forget(pathOf(event.document));
    parseCache.get<PolicyMemo>('policy-memo', '')?.forgetFile(pathOf(event.document));
    dependenciesByUri.delete(event.document.uri);
    policiesByUri.delete(event.document.uri);
    findingsByUri.delete(event.document.uri);
    void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  });

  connection.onCodeAction((params) => {
    try {
      const document = documents.get(params.textDocument.uri);
      if (!document) return [];
      const findings = findingsByUri.get(document.uri);
      return codeActions(document, pathOf(document), params.context.diagnostics, findings?.version === document.version ? findings.diagnostics : undefined, configFor(pathOf(document)) ?? config);
    } catch (error) {
      reportFailure('code actions failed', error);
      return [];
    }
  });

  connection.onHover((params) => {
    try {
      const document = documents.get(params.textDocument.uri);
      if (!document) return null;
      const policy = policyAt(policiesByUri.get(document.uri) ?? [], pathOf(document), params.position.line + 1, params.position.character + 1);
      return policy ? { contents: { kind: 'markdown', value: describePolicy(policy) } } : null;
    } catch (error) {
      reportFailure('hover failed', error);
      return null;
    }
  });

  documents.listen(connection);
  connection.listen();
}

/**
 * Young-generation size of the thread that runs the server, in MB (V8's default on 64-bit is 16 MB
 * per semi-space). A keystroke in a 2,000-line JS file makes Babel allocate tens of MB of
 * short-lived nodes; with the default most were promoted and collected by full GCs, a third of an
 * edit. V8 reads the size only when a heap is created, so the server runs on a worker thread made
 * with it (the alternative is a second process).
 */
const YOUNG_GENERATION_MB = 96;

/**
 * When V8 optimizes a function (TurboFan, on a background thread): later than by default, and with
 * less inlined into each. An edit runs a wide spread of lukewarm code (the nginx memo's shift and
 * replay paths, extraction, topology, rules), and by default V8 kept compiling it for the whole of
 * the LSP bench's 60 nginx keystrokes: V8's other threads used about twice the server thread's CPU,
 * nearly all of it compiling (with `--no-concurrent-recompilation` it moved onto the server thread),
 * and on a busy machine that CPU is the keystrokes' wall time. Optimizing after 8 ticks plus one per
 * 50 bytes of bytecode (3 and 150 by default) and inlining up to 460 bytes of bytecode per function
 * (920) leaves that code to the baseline compiler for longer; tight loops (Babel's, Lezer's) still
 * tier up during the warm-up and the open. CPU of all the server's threads over the 60 keystrokes of
 * each bench document (/tmp harness, server started as in production, 5 interleaved pairs at load
 * 12-15): nginx 1,127 / 1,063 / 1,722 / 1,263 / 1,405 ms -> 816 / 720 / 859 / 790 / 972, its 90th
 * percentile keystroke 31-44 -> 20-25 ms; JS 286-412 -> 257-379, TS 202-308 -> 199-221, Python
 * 449-563 -> 428-522, YAML 126-275 -> 167-204. Only on the V8 it was measured on (Node 20's 11.x),
 * as in bin.ts. The code is the same; only when it is optimized changes. Set before the server's
 * thread starts (the flags are the process's; its main thread only relays stdin).
 */
const TIER_UP_FLAGS = ['--ticks-before-optimization=8', '--bytecode-size-allowance-per-tick=50', '--max-inlined-bytecode-size-cumulative=460'];

/** The worker script next to this module: tsc's dist/src/lsp/, or dist/cli/ next to the bundle. */
function workerScript(): URL | undefined {
  const url = new URL('./lsp-worker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(url) ? url : undefined;
}

/**
 * `cors-lint lsp`: the server on a worker thread whose stdin and stdout are the process's; the
 * process ends when the server does. Without a worker script (run from the TypeScript sources), in
 * this thread.
 */
export function launchServer(): void {
  const script = workerScript();
  if (!script) {
    startServer();
    return;
  }
  if (process.versions.v8.startsWith('11.')) for (const flag of TIER_UP_FLAGS) setFlagsFromString(flag);
  const worker = new Worker(script, { stdin: true, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
  process.stdin.pipe(worker.stdin!);
  worker.on('error', (error) => {
    process.stderr.write(`cors-lint lsp: ${error.stack ?? error.message}\n`);
    process.exit(1);
  });
  // The server's process.exit() (the `exit` notification) ends only its thread; the process follows once the output is written.
  worker.on('exit', (code) => {
    process.stdout.write('', () => process.exit(code));
  });
}
