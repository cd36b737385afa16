import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { ROOT } from './helpers/fixtures.js';

/**
 * `cors-lint lsp` spoken to over stdio by a JSON-RPC client, as an editor does: initialize, open,
 * edit, save, ask for code actions and hovers, change the config.
 */
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');

interface PublishedDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: number;
  code: string;
  codeDescription?: { href: string };
  source: string;
  message: string;
}

/** Generous limits: the slowest wait (a 5 MB document) needs a few seconds of server CPU. */
const SERVER_CPU_LIMIT_MS = 60_000;
const IDLE_LIMIT_MS = 120_000;
/** Only a true hang reaches this; the limits above end a wait first. */
const TEST_TIMEOUT_MS = 900_000;

/** CPU time (user + system) a process has used, in ms, from /proc (Linux); undefined elsewhere. */
function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name in parentheses: state is field 3, utime 14 and stime 15, in clock ticks (USER_HZ, 100 on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

class Client {
  readonly published = new Map<string, PublishedDiagnostic[][]>();
  readonly messages: Array<{ type: number; message: string }> = [];
  private waiters: Array<() => void> = [];
  constructor(
    readonly connection: MessageConnection,
    readonly child: ChildProcess,
  ) {
    connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: PublishedDiagnostic[] }) => {
      this.published.set(params.uri, [...(this.published.get(params.uri) ?? []), params.diagnostics]);
      for (const wake of this.waiters.splice(0)) wake();
    });
    connection.onNotification('window/showMessage', (params: { type: number; message: string }) => {
      this.messages.push(params);
      for (const wake of this.waiters.splice(0)) wake();
    });
    connection.onRequest('client/registerCapability', () => null);
    connection.listen();
  }

  /**
   * Waits until `predicate` holds (re-checked on every notification). Not a wall-clock deadline, which
   * flakes on a loaded machine: it gives up when the server has spent SERVER_CPU_LIMIT_MS of CPU time
   * without the answer (a hang or a runaway lint), when it exits, or when it has made no progress at all
   * (no CPU time used) for IDLE_LIMIT_MS (a notification that never comes). Where /proc is missing,
   * a generous wall-clock limit stands in.
   */
  async until<T>(predicate: () => T | undefined | false): Promise<T> {
    const startCpu = cpuMsOf(this.child.pid);
    let lastCpu = startCpu;
    let lastProgress = Date.now();
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`the server exited (${this.child.exitCode ?? this.child.signalCode})`);
      const cpu = cpuMsOf(this.child.pid);
      if (cpu !== undefined && startCpu !== undefined) {
        if (cpu - startCpu > SERVER_CPU_LIMIT_MS) throw new Error(`the server used ${Math.round(cpu - startCpu)} ms of CPU without answering`);
        if (cpu !== lastCpu) {
          lastCpu = cpu;
          lastProgress = Date.now();
        }
      }
      if (Date.now() - lastProgress > IDLE_LIMIT_MS) throw new Error('timed out waiting for the server');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  latest(uri: string): PublishedDiagnostic[] | undefined {
    return this.published.get(uri)?.at(-1);
  }

  open(uri: string, languageId: string, text: string, version = 1) {
    void this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version, text } });
  }
}

async function startClient(root: string, debounceMs = 300): Promise<Client> {
  const child = spawn(process.execPath, [BIN, 'lsp', '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const client = new Client(connection, child);
  const result = (await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(root).href,
    workspaceFolders: [{ uri: pathToFileURL(root).href, name: 'ws' }],
    capabilities: { workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } },
    initializationOptions: { debounceMs },
  })) as { capabilities: Record<string, unknown> };
  expect(result.capabilities).toMatchObject({ hoverProvider: true, codeActionProvider: { codeActionKinds: ['quickfix'] } });
  void connection.sendNotification('initialized', {});
  return client;
}

const BAD_NGINX = 'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true;\n    proxy_pass http://app;\n}\n';

describe('LSP server over stdio', { timeout: TEST_TIMEOUT_MS }, () => {
  let root: string;
  let client: Client;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'cors-lint-lsp-'));
    client = await startClient(root);
  }, TEST_TIMEOUT_MS);
  afterAll(() => {
    client?.connection.dispose();
    client?.child.kill();
  });

  it('publishes diagnostics on open with the rule id as code and a link to its doc', async () => {
    const uri = pathToFileURL(join(root, 'api.conf')).href;
    client.open(uri, 'nginx', BAD_NGINX);
    const diagnostics = await client.until(() => client.latest(uri));
    expect(diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.severity])).toEqual([
      ['credentials-wildcard-origin', 1, 43, 1],
      ['nginx-missing-always', 2, 4, 2],
    ]);
    expect(diagnostics[0].codeDescription?.href).toBe('https://github.com/cors-lint/cors-lint/blob/main/docs/rules/credentials-wildcard-origin.md');
    expect(diagnostics[0].source).toBe('cors-lint');
  });

  it('re-lints after an edit (debounced) and offers the certain quick fixes', async () => {
    const uri = pathToFileURL(join(root, 'edit.conf')).href;
    client.open(uri, 'nginx', 'location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com;\n}\n');
    await client.until(() => client.latest(uri)?.length === 1);
    // Three quick edits in a row: one lint at the end.
    const before = client.published.get(uri)!.length;
    for (const [version, origin] of [[2, 'https://a.example.com/'], [3, 'https://b.example.com/'], [4, 'https://app.example.com/']] as const) {
      void client.connection.sendNotification('textDocument/didChange', {
        textDocument: { uri, version },
        contentChanges: [{ text: `location /api/ {\n    add_header Access-Control-Allow-Origin ${origin};\n}\n` }],
      });
    }
    const diagnostics = await client.until(() => (client.published.get(uri)!.length > before ? client.latest(uri) : undefined));
    expect(client.published.get(uri)!.length).toBe(before + 1);
    expect(diagnostics.map((d) => d.code).sort()).toEqual(['nginx-missing-always', 'origin-not-serialized']);

    const actions = (await client.connection.sendRequest('textDocument/codeAction', {
      textDocument: { uri },
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 80 } },
      context: { diagnostics },
    })) as Array<{ title: string; edit: { changes: Record<string, Array<{ range: PublishedDiagnostic['range']; newText: string }>> } }>;
    const titles = actions.map((a) => a.title);
    expect(titles).toContain("Add 'always' to this add_header");
    expect(titles).toContain("Use 'https://app.example.com'");
    expect(titles).toContain('Suppress origin-not-serialized on this line');
    const always = actions.find((a) => a.title.startsWith("Add 'always'"))!.edit.changes[uri][0];
    expect(always).toEqual({ range: { start: { line: 1, character: 67 }, end: { line: 1, character: 67 } }, newText: ' always' });
    const slash = actions.find((a) => a.title.startsWith('Use '))!.edit.changes[uri][0];
    expect(slash).toEqual({ range: { start: { line: 1, character: 43 }, end: { line: 1, character: 67 } }, newText: 'https://app.example.com' });
  });

  it('reads imported modules from disk and re-lints a file when a module it imports changes', async () => {
    writeFileSync(join(root, 'allowed.js'), "module.exports = { allowed: ['https://shop.example.net'] };\n");
    const server = pathToFileURL(join(root, 'server.js')).href;
    const text = "const { allowed } = require('./allowed');\nmodule.exports = (req, res, next) => {\n  if (allowed.includes(req.headers.origin)) res.setHeader('Access-Control-Allow-Origin', req.headers.origin);\n  next();\n};\n";
    client.open(server, 'javascript', text);
    // The list comes from ./allowed on disk: the echo without Vary: Origin is known.
    const first = await client.until(() => client.latest(server));
    expect(first.map((d) => d.code)).toEqual(['missing-vary-origin']);
    expect(first[0].message).not.toContain('or nothing');
    const module = pathToFileURL(join(root, 'allowed.js')).href;
    client.open(module, 'javascript', "module.exports = { allowed: ['https://shop.example.net'] };\n");
    const before = client.published.get(server)!.length;
    void client.connection.sendNotification('textDocument/didChange', { textDocument: { uri: module, version: 2 }, contentChanges: [{ text: 'module.exports = { allowed: process.env.ALLOWED };\n' }] });
    // The edited (unsaved) module decides now: the list is unknown, so the echo is the Origin or nothing — still without Vary.
    const after = await client.until(() => (client.published.get(server)!.length > before ? client.latest(server) : undefined));
    expect(after.map((d) => d.code)).toEqual(['missing-vary-origin']);
    expect(after[0].message).toContain('or nothing');
  });

  it('adds Vary: Origin as a fix and shows the effective policy on hover', async () => {
    const uri = pathToFileURL(join(root, 'map.conf')).href;
    const text = 'map $http_origin $cors {\n    default "";\n    "https://a.example.com" $http_origin;\n    "https://b.example.com" $http_origin;\n}\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin $cors always;\n        proxy_pass http://app;\n    }\n}\n';
    client.open(uri, 'nginx', text);
    const diagnostics = await client.until(() => client.latest(uri));
    const vary = diagnostics.find((d) => d.code === 'missing-vary-origin')!;
    const actions = (await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: vary.range, context: { diagnostics: [vary] } })) as Array<{ title: string; edit: { changes: Record<string, Array<{ newText: string }>> } }>;
    expect(actions.find((a) => a.title.includes('Vary'))?.edit.changes[uri][0].newText).toBe('\n        add_header Vary Origin always;');
    const hover = (await client.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 7, character: 20 } })) as { contents: { value: string } };
    expect(hover.contents.value).toContain('**CORS policy** — nginx, server (no server_name) location /api/');
    expect(hover.contents.value).toContain('Origins:');
  });

  it('lints Python, TypeScript and YAML documents, and untitled ones by language id', async () => {
    const py = pathToFileURL(join(root, 'app.py')).href;
    client.open(py, 'python', 'from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app, supports_credentials=True)\n');
    expect((await client.until(() => client.latest(py))).map((d) => d.code)).toEqual(['credentials-reflect-any-origin']);
    const yaml = pathToFileURL(join(root, 'kong.yml')).href;
    client.open(yaml, 'yaml', '_format_version: "3.0"\nplugins:\n  - name: cors\n    config:\n      credentials: true\n');
    expect((await client.until(() => client.latest(yaml))).map((d) => d.code)).toEqual(['credentials-reflect-any-origin']);
    const untitled = 'untitled:Untitled-1';
    client.open(untitled, 'typescript', "import cors from 'cors';\napp.use(cors({ origin: true, credentials: true }));\n");
    expect((await client.until(() => client.latest(untitled))).map((d) => d.code)).toEqual(['credentials-reflect-any-origin']);
  });

  it('nested configs apply per document: the nearest config above it wins; its ignores leave it out', async () => {
    mkdirSync(join(root, 'strict', 'legacy'), { recursive: true });
    writeFileSync(join(root, 'strict', 'cors-lint.config.json'), '{ "rules": { "nginx-missing-always": "error" }, "ignores": ["legacy/"] }');
    void client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(join(root, 'strict', 'cors-lint.config.json')).href, type: 1 }] });
    const text = 'location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com;\n}\n';
    const strict = pathToFileURL(join(root, 'strict', 'api.conf')).href;
    client.open(strict, 'nginx', text);
    expect((await client.until(() => client.latest(strict))).map((d) => [d.code, d.severity])).toEqual([['nginx-missing-always', 1]]);
    const legacy = pathToFileURL(join(root, 'strict', 'legacy', 'api.conf')).href;
    client.open(legacy, 'nginx', text);
    expect(await client.until(() => client.latest(legacy))).toEqual([]);
  });

  it('survives bad input: syntax errors, a huge document, an unknown language, a bad config', async () => {
    const broken = pathToFileURL(join(root, 'broken.js')).href;
    client.open(broken, 'javascript', "const cors = require('cors');\napp.use(cors({ origin: 'x' );\n");
    expect((await client.until(() => client.latest(broken))).map((d) => d.code)).toEqual(['parse-error']);
    const huge = pathToFileURL(join(root, 'huge.conf')).href;
    client.open(huge, 'nginx', `${'add_header X-Filler "x";\n'.repeat(200_000)}add_header Access-Control-Allow-Origin $http_origin always;\n`);
    expect((await client.until(() => client.latest(huge))).map((d) => d.code)).toContain('reflect-any-origin');
    const unknown = pathToFileURL(join(root, 'notes.txt')).href;
    client.open(unknown, 'plaintext', 'cors everywhere');
    expect(await client.until(() => client.latest(unknown))).toEqual([]);

    const uri = pathToFileURL(join(root, 'api.conf')).href;
    writeFileSync(join(root, 'cors-lint.config.json'), '{ "rules": { "no-such-rule": "error" } }');
    const first = client.published.get(uri)!.length;
    void client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(join(root, 'cors-lint.config.json')).href, type: 2 }] });
    const message = await client.until(() => client.messages.find((m) => m.message.includes('no-such-rule')));
    expect(message.type).toBe(1);
    await client.until(() => client.published.get(uri)!.length > first);
    // The server is still there and now reads a valid config that turns a rule off.
    writeFileSync(join(root, 'cors-lint.config.json'), '{ "rules": { "nginx-missing-always": "off" } }');
    const before = client.published.get(uri)!.length;
    void client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(join(root, 'cors-lint.config.json')).href, type: 2 }] });
    const relinted = await client.until(() => (client.published.get(uri)!.length > before ? client.latest(uri) : undefined));
    expect(relinted.map((d) => d.code)).toEqual(['credentials-wildcard-origin']);
  });

});
