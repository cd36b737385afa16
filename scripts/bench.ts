import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../src/cli/run.js';

/**
 * `npm run bench`: a synthetic repository of 20,000 files (about 1% CORS-relevant, mixed formats,
 * the rest ordinary source, docs and configs), linted in-process the way the CLI does; prints
 * files/s, MB/s, peak RSS and the cold-start time of linting one file. Numbers, not assertions.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const REPO = join(ROOT, '.bench', 'repo');
const FILES = Number(process.env.BENCH_FILES ?? 20_000);

function generate(): number {
  rmSync(REPO, { recursive: true, force: true });
  let bytes = 0;
  const write = (path: string, text: string) => {
    mkdirSync(join(REPO, path, '..'), { recursive: true });
    writeFileSync(join(REPO, path), text);
    bytes += Buffer.byteLength(text);
  };
  const filler = (i: number) => `export function handler${i}(input) {\n${'  const value = input.map((x) => x * 2).filter(Boolean);\n'.repeat(40)}  return value;\n}\n`;
  for (let i = 0; i < FILES; i++) {
    const dir = `pkg${i % 200}/src`;
    const relevant = i % 100 === 0;
    switch (i % 5) {
      case 0:
        write(`${dir}/server${i}.js`, relevant ? `const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com', 'https://example.com/'], credentials: true }));\n${filler(i)}` : filler(i));
        break;
      case 1:
        write(`${dir}/module${i}.ts`, relevant ? `import cors from 'cors';\nexport const corsMiddleware = cors({ origin: true, credentials: true });\n${filler(i)}` : filler(i));
        break;
      case 2:
        write(`nginx/conf.d/site${i}.conf`, relevant ? `server {\n  server_name example${i}.com;\n  location /api/ {\n    add_header Access-Control-Allow-Origin $http_origin;\n    add_header Access-Control-Allow-Credentials true;\n    proxy_pass http://127.0.0.1:8080;\n  }\n}\n` : `server {\n  server_name static${i}.example.com;\n  location / {\n    root /srv/www;\n    try_files $uri $uri/ =404;\n  }\n}\n`);
        break;
      case 3:
        write(`docs/page${i}.md`, `# Page ${i}\n\n${'Some documentation text that mentions nothing relevant.\n'.repeat(30)}`);
        break;
      default:
        write(`${dir}/data${i}.json`, JSON.stringify({ id: i, values: Array.from({ length: 50 }, (_, k) => k) }));
    }
  }
  return bytes;
}

async function main() {
  const bytes = generate();
  const start = performance.now();
  let output = '';
  const code = await runCli({ argv: ['--format', 'json'], cwd: REPO, env: {}, stdout: { write: (t: string) => (output += t) }, stderr: { write: () => true } });
  const seconds = (performance.now() - start) / 1000;
  const findings = (JSON.parse(output) as Array<{ messages: unknown[] }>).reduce((n, f) => n + f.messages.length, 0);
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  const bin = join(ROOT, 'dist', 'src', 'cli', 'bin.js');
  const one = join(REPO, 'pkg0', 'src', 'server0.js');
  const nginxOne = join(REPO, 'nginx', 'conf.d', 'site2.conf');
  const cold = (file: string) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      try {
        execFileSync(process.execPath, [bin, '--format', 'json', file], { stdio: 'ignore' });
      } catch {
        // exit 1: the file has findings
      }
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[2];
  };
  console.log(`files:              ${FILES} (${(bytes / 1024 / 1024).toFixed(1)} MB), exit ${code}, ${findings} findings`);
  console.log(`full run:           ${seconds.toFixed(2)} s  ${(FILES / seconds).toFixed(0)} files/s  ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s`);
  console.log(`peak RSS:           ${rssMiB.toFixed(0)} MiB`);
  console.log(`cold start, 1 JS file:    ${cold(one).toFixed(0)} ms (median of 5)`);
  console.log(`cold start, 1 nginx file: ${cold(nginxOne).toFixed(0)} ms (median of 5)`);
}

await main();
