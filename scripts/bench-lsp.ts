import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

/**
 * LSP latency: the time from `didChange` to the `publishDiagnostics` for that version, for a
 * 2,000-line document of each format, with the server's debounce set to 0 (an editor adds the
 * debounce, 150 ms by default, on top). The edits are what an editor sends while someone types a
 * new line in the middle of the file: one incremental change per keystroke, the half-typed states
 * (often syntax errors) included. Median and p95 over EDITS keystrokes per format.
 *
 * LSP_BENCH_FORMATS=js,python limits the formats; LSP_BENCH_NODE_ARGS (e.g. `--cpu-prof
 * --cpu-prof-dir=prof`) is passed to the server's node, to profile the server itself;
 * LSP_BENCH_BIN runs another build's bin.js (a before/after comparison in one run);
 * LSP_BENCH_VERBOSE=1 prints each keystroke's times (and the CPU of the server's busiest thread, the one
 * that lints, apart from the others: GC helpers and compilers).
 *
 * On Linux each keystroke's CPU time of the server process (all its threads, GC helpers included)
 * is printed too: wall time on a shared machine grows with the load, CPU time much less, so it is
 * the steadier figure for a before/after comparison.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const LINES = 2000;
const EDITS = 60;

export interface BenchDocument {
  name: string;
  languageId: string;
  text: string;
  /** The new line is typed after the first line at or after the middle of the file that matches this. */
  after: RegExp;
  /** What is typed, one character per edit (repeated on a new line when it runs out). */
  typed: string;
}

export function documents(): Record<string, BenchDocument> {
  const pad = (line: string, count: number) => Array.from({ length: count }, (_, i) => line.replace(/#/g, String(i))).join('\n');
  return {
    nginx: {
      name: 'api.conf',
      languageId: 'nginx',
      text: `server {\n  server_name api.example.com;\n${pad('  location /r#/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n  }', (LINES - 4) / 4)}\n}\n`,
      after: /proxy_pass/,
      typed: '    add_header Access-Control-Max-Age 600 always;',
    },
    js: {
      name: 'server.js',
      languageId: 'javascript',
      text: `const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com'], credentials: true }));\n${pad("app.get('/r#', (req, res) => res.json({ id: # }));", LINES - 6)}\n`,
      after: /^app\.get/,
      typed: "app.post('/items', (req, res) => res.status(201).json(req.body));",
    },
    ts: {
      name: 'server.ts',
      languageId: 'typescript',
      text: `import express from 'express';\nimport cors from 'cors';\nconst app = express();\napp.use(cors({ origin: true, credentials: true }));\n${pad("app.get('/r#', (req: express.Request, res: express.Response) => res.json({ id: # }));", LINES - 6)}\n`,
      after: /^app\.get/,
      typed: "app.post('/items', (req: express.Request, res: express.Response) => res.json(req.body));",
    },
    python: {
      name: 'main.py',
      languageId: 'python',
      text: `from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)\n${pad('@app.get("/r#")\ndef r#():\n    return {"id": #}\n', (LINES - 6) / 4)}\n`,
      after: /^$/,
      typed: 'ITEMS_PER_PAGE = int(settings.get("items_per_page", 50))',
    },
    yaml: {
      name: 'deploy.yaml',
      languageId: 'yaml',
      text: `${pad('apiVersion: v1\nkind: Service\nmetadata:\n  name: s#\nspec:\n  ports:\n    - port: 80\n---', (LINES - 12) / 8)}\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n    accessControlAllowOriginList: ["https://a.example.com", "https://b.example.com"]\n`,
      after: /- port: 80/,
      typed: '    - port: 8443',
    },
  };
}

interface Position {
  line: number;
  character: number;
}
type Change = { range: { start: Position; end: Position }; text: string };

/** The keystrokes: a newline after the anchor line, then the typed text one character at a time. */
export function keystrokes(document: BenchDocument, count: number): Change[] {
  const lines = document.text.split('\n');
  let line = lines.findIndex((text, index) => index >= lines.length / 2 && document.after.test(text));
  if (line < 0) throw new Error(`no anchor line in ${document.name}`);
  const changes: Change[] = [];
  let column = lines[line].length;
  let next = 0;
  for (let i = 0; i < count; i++) {
    if (i === 0 || next === document.typed.length) {
      const at = { line, character: column };
      changes.push({ range: { start: at, end: at }, text: '\n' });
      line += 1;
      column = 0;
      next = 0;
      continue;
    }
    const at = { line, character: column };
    changes.push({ range: { start: at, end: at }, text: document.typed[next++] });
    column += 1;
  }
  return changes;
}

/** CPU time of every thread of a process so far, in ms (Linux's per-thread schedstat, in ns); undefined elsewhere. */
function processCpuMs(pid: number | undefined): number | undefined {
  const threads = threadCpuMs(pid);
  if (!threads) return undefined;
  let ms = 0;
  for (const value of threads.values()) ms += value;
  return ms;
}

/** CPU time of each thread of a process so far, in ms, by thread id (Linux); undefined elsewhere. */
function threadCpuMs(pid: number | undefined): Map<string, number> | undefined {
  if (pid === undefined || process.platform !== 'linux') return undefined;
  const out = new Map<string, number>();
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        out.set(task, Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]) / 1e6);
      } catch {
        // A thread that ended meanwhile.
      }
    }
  } catch {
    return undefined;
  }
  return out;
}

/** The thread that used the most CPU between two readings, and what all the others used (GC helpers, compilers). */
function busiestThread(before: Map<string, number> | undefined, after: Map<string, number> | undefined): string {
  if (!before || !after) return '';
  let top = 0;
  let rest = 0;
  for (const [task, ms] of after) {
    const used = ms - (before.get(task) ?? 0);
    if (used > top) {
      rest += top;
      top = used;
    } else rest += used;
  }
  return ` (busiest thread ${top.toFixed(1)}, others ${rest.toFixed(1)})`;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];
}

export async function lspLatency(): Promise<void> {
  const nodeArgs = (process.env.LSP_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const only = process.env.LSP_BENCH_FORMATS?.split(',');
  const verbose = process.env.LSP_BENCH_VERBOSE === '1';
  const bin = process.env.LSP_BENCH_BIN ?? join(ROOT, 'dist', 'cli', 'bin.js');
  const child = spawn(process.execPath, [...nodeArgs, bin, 'lsp'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map<string, { version: number; resolve: () => void }>();
  connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; version?: number }) => {
    const waiter = waiting.get(params.uri);
    if (waiter && params.version === waiter.version) waiter.resolve();
  });
  connection.onRequest('client/registerCapability', () => null);
  connection.listen();
  const root = join(ROOT, '.bench');
  await connection.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(root).href, capabilities: {}, initializationOptions: { debounceMs: 0 } });
  await connection.sendNotification('initialized', {});
  const published = (uri: string, version: number) => new Promise<void>((resolve) => waiting.set(uri, { version, resolve }));
  for (const [format, document] of Object.entries(documents())) {
    if (only && !only.includes(format)) continue;
    const uri = pathToFileURL(join(root, document.name)).href;
    const opened = published(uri, 1);
    const openStart = performance.now();
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: document.languageId, version: 1, text: document.text } });
    await opened;
    const openTime = performance.now() - openStart;
    const times: number[] = [];
    const cpu: number[] = [];
    /** Per server thread: CPU used during the keystrokes (verbose). */
    const perThread = new Map<string, number>();
    let version = 1;
    for (const change of keystrokes(document, EDITS)) {
      version += 1;
      const done = published(uri, version);
      const threadsStart = verbose ? threadCpuMs(child.pid) : undefined;
      const cpuStart = processCpuMs(child.pid);
      const start = performance.now();
      await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
      await done;
      times.push(performance.now() - start);
      const cpuEnd = processCpuMs(child.pid);
      if (cpuStart !== undefined && cpuEnd !== undefined) cpu.push(cpuEnd - cpuStart);
      if (verbose) {
        const threadsEnd = threadCpuMs(child.pid);
        for (const [task, ms] of threadsEnd ?? []) perThread.set(task, (perThread.get(task) ?? 0) + ms - (threadsStart?.get(task) ?? ms));
        console.log(`  ${format} #${version - 1} ${JSON.stringify(change.text)}: ${times[times.length - 1].toFixed(1)} ms wall, ${cpuStart !== undefined && cpuEnd !== undefined ? (cpuEnd - cpuStart).toFixed(1) : '?'} ms CPU${busiestThread(threadsStart, threadsEnd)}`);
      }
    }
    if (verbose) console.log(`  ${format} CPU per server thread over the keystrokes (ms, by thread id: the first is the process's main thread): ${[...perThread].map(([task, ms]) => `${task}: ${ms.toFixed(0)}`).join(', ')}`);
    await connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const lines = document.text.split('\n').length;
    const cpuText = cpu.length === times.length ? `; server CPU p50 ${percentile(cpu, 0.5).toFixed(1)} ms, p95 ${percentile(cpu, 0.95).toFixed(1)} ms` : '';
    console.log(`LSP didChange→diagnostics, ${format.padEnd(6)} ${document.name.padEnd(11)} (${lines} lines, ${EDITS} keystrokes): p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms, max ${times[times.length - 1].toFixed(1)} ms; open ${openTime.toFixed(1)} ms${cpuText}`);
  }
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  connection.dispose();
  // The server exits on `exit` (which writes a CPU profile when asked); kill it only if it does not.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill();
      resolve();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

if (process.argv[1] && import.meta.filename === process.argv[1]) await lspLatency();
