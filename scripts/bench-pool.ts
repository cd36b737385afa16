import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { lint } from '../src/engine/lint.js';
import { workerShards } from '../src/cli/pool.js';
import type { SourceFile } from '../src/model/types.js';

/**
 * `node dist/scripts/bench-pool.js [sizes...]`: the second prefilter stage and the `--jobs` pool,
 * measured side by side in one run on generated repositories of CORS-relevant files (Express,
 * FastAPI and nginx apps, plus frontend files that only say `mode: 'cors'`, which stage one passes
 * and stage two defers). Prints files parsed with and without stage two and the time of each, then
 * the bundled CLI's wall time with --jobs 1 and --jobs 2 (0 = one per core) and whether the JSON
 * is byte-identical. Numbers, not assertions; the load average is printed because agents share
 * the machine.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);

export function relevantTree(n: number): SourceFile[] {
  const files: SourceFile[] = [];
  for (let i = 0; i < n; i++) {
    const filler = `function helper${i}(x) {\n${'  x = x.map((v) => v * 2).filter(Boolean);\n'.repeat(30)}  return x;\n}\n`;
    switch (i % 4) {
      case 0:
        files.push({ path: `svc${i}/server.js`, text: `const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app${i}.example.com', 'https://example.com/'], credentials: true, methods: ['GET', 'PUT'] }));\napp.get('/x', (req, res) => res.json({}));\napp.listen(${3000 + (i % 1000)});\n${filler}` });
        break;
      case 1:
        files.push({ path: `py${i}/main.py`, text: `from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=["https://app${i}.example.com", "http://localhost:3000"], allow_credentials=True, allow_methods=["*"], allow_headers=["*"])\n${`def handler_${i}(x):\n    return [v * 2 for v in x if v]\n\n`.repeat(30)}` });
        break;
      case 2:
        files.push({ path: `nginx/conf.d/site${i}.conf`, text: `server {\n  listen 80;\n  server_name api${i}.example.com;\n  location /api/ {\n    if ($request_method = OPTIONS) {\n      add_header Access-Control-Allow-Origin $http_origin;\n      add_header Access-Control-Allow-Methods "GET, POST, PUT";\n      return 204;\n    }\n    add_header Access-Control-Allow-Origin $http_origin;\n    add_header Access-Control-Allow-Credentials true;\n    proxy_pass http://127.0.0.1:8080;\n  }\n}\n` });
        break;
      default:
        files.push({ path: `web${i}/src/api.ts`, text: `// talks to the API with CORS\nexport async function load${i}(url: string) {\n  const r = await fetch(url, { mode: 'cors', credentials: 'include' });\n  return r.json();\n}\n${filler}` });
    }
  }
  return files;
}

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = work();
  return { value, ms: performance.now() - started };
}

function main(): void {
  const load = () => loadavg()[0].toFixed(1);
  console.log(`cores: ${availableParallelism()}, load average at start: ${load()}`);
  lint(relevantTree(40));
  for (const size of sizes.length > 0 ? sizes : [200, 1000, 2000]) {
    const files = relevantTree(size);
    // Stage two, in-process: one run each (kept under two minutes on a shared machine; repeat for noise).
    const runs: Record<'on' | 'off', number[]> = { on: [], off: [] };
    let parsed = { on: 0, off: 0 };
    let identical = true;
    let reference: string | undefined;
    for (const secondStage of [false, true]) {
      const { value, ms } = timed(() => lint(files, { secondStage }));
      runs[secondStage ? 'on' : 'off'].push(ms);
      const candidates = files.length - value.skipped.length;
      parsed = { ...parsed, [secondStage ? 'on' : 'off']: candidates };
      const json = JSON.stringify(value.diagnostics);
      reference ??= json;
      identical &&= json === reference;
    }
    const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)].toFixed(0);
    console.log(`${size} files: parsed ${parsed.off} without stage two, ${parsed.on} with; ${median(runs.off)} ms vs ${median(runs.on)} ms; findings identical: ${identical} (load ${load()})`);

    // The pool in-process with two shards whatever the size (no threshold), against one thread.
    const pooled: Record<'one' | 'two', number[]> = { one: [], two: [] };
    const pooledOut = new Set<string>();
    for (const two of [true, false]) {
      const { value, ms } = timed(() => lint(files, { parallel: two ? () => workerShards(files, {}, undefined, 2) : undefined }));
      pooled[two ? 'two' : 'one'].push(ms);
      pooledOut.add(JSON.stringify(value.diagnostics));
    }
    console.log(`${size} files, in-process: 1 thread ${median(pooled.one)} ms, 2 shards ${median(pooled.two)} ms; identical: ${pooledOut.size === 1} (load ${load()})`);

    // The pool, through the bundled CLI on the tree written to disk (the threshold applies).
    const dir = join(ROOT, '.bench', `pool-${size}`);
    rmSync(dir, { recursive: true, force: true });
    for (const file of files) {
      mkdirSync(join(dir, file.path, '..'), { recursive: true });
      writeFileSync(join(dir, file.path), file.text);
    }
    const cli = (jobs: string) => timed(() => spawnSync(process.execPath, [BIN, '--format', 'json', '--jobs', jobs, '.'], { cwd: dir, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 }));
    const times: Record<string, number[]> = { '1': [], '2': [] };
    const outputs = new Set<string>();
    for (const jobs of ['1', '2']) {
      const { value, ms } = cli(jobs);
      times[jobs].push(ms);
      outputs.add(value.stdout);
    }
    const best = (list: number[]) => Math.min(...list).toFixed(0);
    console.log(`${size} files, CLI: --jobs 1 ${best(times['1'])} ms, --jobs 2 ${best(times['2'])} ms (one run each); JSON byte-identical: ${outputs.size === 1} (load ${load()})`);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) main();
