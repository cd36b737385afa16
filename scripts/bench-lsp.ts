import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';

/**
 * LSP latency: the time from `didChange` to the `publishDiagnostics` for that version, for a
 * 2,000-line document of each format, with the server's debounce set to 0 (an editor adds the
 * debounce, 150 ms by default, on top). Median and p95 over 40 edits each.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const LINES = 2000;

function documents(): Record<string, { languageId: string; text: (edit: number) => string }> {
  const pad = (line: string, count: number) => Array.from({ length: count }, (_, i) => line.replace(/#/g, String(i))).join('\n');
  return {
    'api.conf': { languageId: 'nginx', text: (edit) => `server {\n  server_name api.example.com;\n${pad('  location /r#/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n  }', (LINES - 4) / 4)}\n  # edit ${edit}\n}\n` },
    'server.js': { languageId: 'javascript', text: (edit) => `const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com'], credentials: true }));\n${pad("app.get('/r#', (req, res) => res.json({ id: # }));", LINES - 6)}\n// edit ${edit}\n` },
    'server.ts': { languageId: 'typescript', text: (edit) => `import express from 'express';\nimport cors from 'cors';\nconst app = express();\napp.use(cors({ origin: true, credentials: true }));\n${pad("app.get('/r#', (req: express.Request, res: express.Response) => res.json({ id: # }));", LINES - 6)}\n// edit ${edit}\n` },
    'main.py': { languageId: 'python', text: (edit) => `from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)\n${pad('@app.get("/r#")\ndef r#():\n    return {"id": #}\n', (LINES - 6) / 4)}\n# edit ${edit}\n` },
    'deploy.yaml': { languageId: 'yaml', text: (edit) => `${pad('apiVersion: v1\nkind: Service\nmetadata:\n  name: s#\nspec:\n  ports:\n    - port: 80\n---', (LINES - 12) / 8)}\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n    accessControlAllowOriginList: ["https://a.example.com", "https://b.example.com"]\n# edit ${edit}\n` },
  };
}

export async function lspLatency(): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'bin.js'), 'lsp'], { stdio: ['pipe', 'pipe', 'ignore'] });
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
  for (const [name, { languageId, text }] of Object.entries(documents())) {
    const uri = pathToFileURL(join(root, name)).href;
    const opened = published(uri, 1);
    await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text: text(0) } });
    await opened;
    const times: number[] = [];
    for (let version = 2; version < 42; version++) {
      const done = published(uri, version);
      const start = performance.now();
      await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text: text(version) }] });
      await done;
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    const lines = text(0).split('\n').length;
    console.log(`LSP didChange→diagnostics, ${name.padEnd(11)} (${lines} lines): median ${times[Math.floor(times.length / 2)].toFixed(1)} ms, p95 ${times[Math.floor(times.length * 0.95)].toFixed(1)} ms`);
  }
  connection.dispose();
  child.kill();
}
