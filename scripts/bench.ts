import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../src/cli/run.js';
import { lspLatency } from './bench-lsp.js';
import { againstFloor, coldStarts, describeComparison, flag, gitAddAll, peakRssMiB, realShapedTree } from './bench-discovery.js';
import { nginxBench } from './bench-nginx.js';

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
  // Valid code, as a real repository's is: a redeclared name is a syntax error, which would send every
  // file through Babel's error recovery and the Flow retry.
  const filler = (i: number) => `export function handler${i}(input) {\n${Array.from({ length: 40 }, (_, k) => `  const value${k} = input.map((x) => x * 2).filter(Boolean);\n`).join('')}  return value39;\n}\n`;
  for (let i = 0; i < FILES; i++) {
    const dir = `pkg${i % 200}/src`;
    // One file in a hundred of each kind configures CORS.
    const relevant = Math.floor(i / 7) % 100 === 0;
    switch (i % 7) {
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
        write(`app${i % 200}/service${i}.py`, relevant ? pythonPolicy(i) + pythonFiller(i) : pythonFiller(i));
        break;
      case 5:
        write(`deploy/k8s/app${i}.yaml`, relevant ? gatewayYaml(i) : kubernetesManifests(i));
        break;
      case 4:
        write(`docs/page${i}.md`, `# Page ${i}\n\n${'Some documentation text that mentions nothing relevant.\n'.repeat(30)}`);
        break;
      default:
        write(`${dir}/data${i}.json`, JSON.stringify({ id: i, values: Array.from({ length: 50 }, (_, k) => k) }));
    }
  }
  for (const [path, text] of monorepoFiles()) write(path, text);
  return bytes;
}

const MONOREPOS = 20;

/** Monorepos with a frontend: Compose + nginx in front of an Express API, and a Vite SPA calling it (one call blocked in each). */
function monorepoFiles(): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (let k = 0; k < MONOREPOS; k++) {
    const base = `apps/mono${k}`;
    files.push([`${base}/docker-compose.yml`, 'services:\n  api:\n    build: ./api\n    ports:\n      - "8080:3000"\n  proxy:\n    image: nginx:1.27\n']);
    files.push([`${base}/nginx/default.conf`, `server {\n  listen 443 ssl;\n  server_name api${k}.example.com;\n  location /api/ {\n    proxy_pass http://api:3000;\n  }\n}\n`]);
    files.push([`${base}/api/server.js`, "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'http://localhost:5173', methods: ['GET', 'POST'], credentials: true }));\napp.listen(3000);\n"]);
    files.push([`${base}/web/package.json`, '{ "scripts": { "dev": "vite" }, "dependencies": { "react": "^19.0.0", "axios": "^1.7.0" }, "devDependencies": { "vite": "^7.0.0" } }\n']);
    files.push([`${base}/web/.env.development`, 'VITE_API_URL=http://localhost:8080\n']);
    files.push([`${base}/web/src/api.ts`, "import axios from 'axios';\nexport const api = axios.create({ baseURL: import.meta.env.VITE_API_URL, withCredentials: true });\nexport const load = () => api.get('/api/items');\nexport const save = (item: { id: string }) => api.put(`/api/items/${item.id}`, item);\n"]);
    for (let n = 0; n < 12; n++) files.push([`${base}/web/src/view${n}.tsx`, `export function View${n}() {\n  return fetch('/api/views/${n}').then((r) => r.json());\n}\n${'// rendering code\n'.repeat(30)}`]);
  }
  return files;
}

/**
 * origin-typo over one allowlist of 4,000 distinct domains with 40 planted typos: linear lookups, not
 * every pair. The rule's own cost is the whole lint with only this rule on, minus the same lint with
 * every rule off (parsing 4,000 lines and extracting the allowlist), median of 5 pairs.
 */
async function originTypoCost(): Promise<{ ms: number; lintMs: number; found: number }> {
  const { lint } = await import('../src/engine/lint.js');
  // Labels spread over the alphabet, as real domains are (a multiplicative hash of the index).
  const label = (i: number) => `${((i * 2654435761) % 2 ** 32).toString(36)}corp`;
  const origins = Array.from({ length: 4000 }, (_, i) => `https://${label(i)}.com`);
  for (let i = 0; i < 40; i++) origins.push(`https://${label(i * 97).replace('corp', 'copr')}.com`);
  // One origin per line, as people write long allowlists (a single long line would be taken for minified code).
  const text = `const cors = require('cors');\napp.use(cors({\n  origin: [\n${origins.map((origin) => `    '${origin}',`).join('\n')}\n  ],\n}));\n`;
  const ruleIds = (await import('../rules/index.js')).rules.map((rule) => rule.meta.id);
  const configWith = (on: boolean) => ({ rules: Object.fromEntries(ruleIds.map((id) => [id, on && id === 'origin-typo' ? 'warn' : 'off'])), ignores: [], knownOrigins: [] }) as unknown as import('../src/engine/config.js').Config;
  const timed = (on: boolean) => {
    const t = performance.now();
    const found = lint([{ path: 'allow.js', text }], { config: configWith(on) }).diagnostics.filter((d) => d.ruleId === 'origin-typo').length;
    return { ms: performance.now() - t, found };
  };
  timed(true);
  timed(false);
  const withRule: number[] = [];
  const without: number[] = [];
  let found = 0;
  for (let run = 0; run < 5; run++) {
    const on = timed(true);
    found = on.found;
    withRule.push(on.ms);
    without.push(timed(false).ms);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { ms: Math.max(0, median(withRule.map((ms, i) => ms - without[i]))), lintMs: median(withRule), found };
}

/**
 * What resolving options across modules costs: 200 apps whose cors() options are required from a
 * sibling module (with 40 filler modules each app also imports), against the same apps with the
 * options written inline. Median of 5.
 */
async function crossModuleCost(): Promise<{ importedMs: number; inlineMs: number; files: number }> {
  const { lint } = await import('../src/engine/lint.js');
  const options = "{ origin: ['https://app.example.com', 'https://admin.example.com'], credentials: true, maxAge: 600 }";
  const imported: Array<{ path: string; text: string }> = [];
  const inline: Array<{ path: string; text: string }> = [];
  const filler = `export function helper(n) { return n * 2; }\n${Array.from({ length: 39 }, (_, k) => `export function helper${k}(n) { return n * 2; }\n`).join('')}`;
  for (let i = 0; i < 200; i++) {
    const head = "const express = require('express');\nconst cors = require('cors');\nconst { helper } = require('./util');\nconst app = express();\n";
    imported.push({ path: `app${i}/server.js`, text: `${head}const { corsOptions } = require('./config/cors');\napp.use(cors(corsOptions));\n` });
    imported.push({ path: `app${i}/config/cors.js`, text: `module.exports = { corsOptions: ${options} };\n` });
    imported.push({ path: `app${i}/util.js`, text: filler });
    inline.push({ path: `app${i}/server.js`, text: `${head}app.use(cors(${options}));\n` });
    inline.push({ path: `app${i}/config/cors.js`, text: `module.exports = { corsOptions: ${options} };\n` });
    inline.push({ path: `app${i}/util.js`, text: filler });
  }
  const median = (files: Array<{ path: string; text: string }>) => {
    const times: number[] = [];
    for (let run = 0; run < 5; run++) {
      const t = performance.now();
      lint(files);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[2];
  };
  return { importedMs: median(imported), inlineMs: median(inline), files: imported.length };
}

/** What topology (layer links and frontend calls) adds to linting the monorepos: with and without it, median of 5. */
async function topologyCost(): Promise<{ withMs: number; withoutMs: number; files: number; blocked: number }> {
  const { lint } = await import('../src/engine/lint.js');
  const { readFileSync } = await import('node:fs');
  const files = monorepoFiles().map(([path]) => ({ path, text: readFileSync(join(REPO, path), 'utf8') }));
  const median = (topology: boolean) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      lint(files, { topology });
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[2];
  };
  median(true);
  const blocked = lint(files).diagnostics.filter((d) => d.ruleId === 'client-request-blocked').length;
  return { withMs: median(true), withoutMs: median(false), files: files.length, blocked };
}

/** An ordinary deployment: Deployment, Service and ConfigMap, no CORS anywhere. */
function kubernetesManifests(i: number): string {
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${i}\n  labels:\n    app: app${i}\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: app${i}\n  template:\n    metadata:\n      labels:\n        app: app${i}\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:${i}\n          ports:\n            - containerPort: 8080\n          env:\n${'            - name: SETTING\n              value: "x"\n'.repeat(20)}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: app${i}\nspec:\n  selector:\n    app: app${i}\n  ports:\n    - port: 80\n      targetPort: 8080\n`;
}

/** A manifest bundle with one CORS-carrying document among ordinary ones. */
function gatewayYaml(i: number): string {
  const cors =
    Math.floor(i / 700) % 2 === 0
      ? `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api${i}\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-origin: "https://app.example.com, https://admin.example.com"\nspec:\n  rules:\n    - host: api${i}.example.com\n`
      : `apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors${i}\nspec:\n  headers:\n    accessControlAllowOriginList: ["*"]\n    accessControlAllowCredentials: true\n`;
  return `${kubernetesManifests(i)}---\n${cors}`;
}

/** Files that pass the prefilter, linted in-process after a warm-up: an extractor's own throughput. */
async function throughput(files: Array<{ path: string; text: string }>): Promise<{ mbPerSecond: number; files: number; mb: number }> {
  const { lint } = await import('../src/engine/lint.js');
  const bytes = files.reduce((n, f) => n + f.text.length, 0);
  lint(files.slice(0, 5));
  const start = performance.now();
  lint(files);
  const seconds = (performance.now() - start) / 1000;
  return { mbPerSecond: bytes / 1024 / 1024 / seconds, files: files.length, mb: bytes / 1024 / 1024 };
}

/** Gateway manifest bundles, each with one CORS document. */
function yamlThroughput() {
  return throughput(Array.from({ length: 300 }, (_, i) => ({ path: `deploy/k8s/app${i}.yaml`, text: gatewayYaml(i * 700) })));
}

function pythonFiller(i: number): string {
  return `import json\n\n\nclass Service${i}:\n    def __init__(self, store):\n        self.store = store\n\n${'    def handle(self, request):\n        items = [item for item in self.store.all() if item.visible]\n        return json.dumps({"items": [i.to_dict() for i in items]})\n\n'.repeat(20)}`;
}

/** The three Python frameworks in turn, each with something to report. */
function pythonPolicy(i: number): string {
  switch (Math.floor(i / 600) % 3) {
    case 0:
      return 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)\n\n';
    case 1:
      return 'from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app, supports_credentials=True)\n\n';
    default:
      return 'MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOWED_ORIGINS = ["https://app.example.com/", "https://admin.example.com"]\n\n';
  }
}

/** Python services, each with a CORS configuration. */
function pythonThroughput() {
  return throughput(Array.from({ length: 300 }, (_, i) => ({ path: `svc${i}/main.py`, text: pythonPolicy(i * 600) + pythonFiller(i).repeat(3) })));
}

/** Time to load the Python parser in a fresh process (what the first Python file costs). */
function parserLoadMs(): number {
  const script = "const { performance } = require('node:perf_hooks'); const t = performance.now(); require('@lezer/python'); console.log(performance.now() - t);";
  const times = Array.from({ length: 5 }, () => Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })));
  return times.sort((a, b) => a - b)[2];
}

async function main() {
  const bytes = generate();
  // A repository, as the trees people lint are: discovery lists it with git ls-files.
  gitAddAll(REPO);
  const start = performance.now();
  let output = '';
  const code = await runCli({ argv: ['--format', 'json'], cwd: REPO, env: {}, stdout: { write: (t: string) => (output += t) }, stderr: { write: () => true } });
  const seconds = (performance.now() - start) / 1000;
  const findings = (JSON.parse(output) as Array<{ messages: unknown[] }>).reduce((n, f) => n + f.messages.length, 0);
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  console.log(`files:              ${FILES} (${(bytes / 1024 / 1024).toFixed(1)} MB), exit ${code}, ${findings} findings`);
  console.log(`full run:           ${seconds.toFixed(2)} s  ${(FILES / seconds).toFixed(0)} files/s  ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s`);
  console.log(`peak RSS:           ${rssMiB.toFixed(0)} MiB`);
  await wholeRunFigures();
  const python = await pythonThroughput();
  console.log(`Python extraction:  ${python.mbPerSecond.toFixed(1)} MB/s over ${python.files} files that pass the prefilter (${python.mb.toFixed(1)} MB)`);
  console.log(`Python parser load: ${parserLoadMs().toFixed(1)} ms (@lezer/python, median of 5 fresh processes)`);
  const yaml = await yamlThroughput();
  console.log(`YAML extraction:    ${yaml.mbPerSecond.toFixed(1)} MB/s over ${yaml.files} manifest bundles that pass the prefilter (${yaml.mb.toFixed(1)} MB; only their CORS documents are parsed)`);
  const { lint } = await import('../src/engine/lint.js');
  const { readdirSync, readFileSync } = await import('node:fs');
  const yamlDir = join(REPO, 'deploy', 'k8s');
  const yamlFiles = readdirSync(yamlDir).map((name) => ({ path: `deploy/k8s/${name}`, text: readFileSync(join(yamlDir, name), 'utf8') }));
  const skipped = lint(yamlFiles).skipped.filter((s) => s.reason === 'no CORS token').length;
  const yamlBytes = yamlFiles.reduce((n, f) => n + f.text.length, 0);
  const typo = await originTypoCost();
  console.log(`origin-typo:        ${typo.ms.toFixed(0)} ms for one allowlist of 4,040 origins (4,000 distinct domains), ${typo.found} typos found (the rule's own cost; the whole lint with only this rule on: ${typo.lintMs.toFixed(0)} ms)`);
  const crossModule = await crossModuleCost();
  console.log(`cross-module:       ${(crossModule.importedMs - crossModule.inlineMs).toFixed(1)} ms of ${crossModule.importedMs.toFixed(1)} ms linting ${crossModule.files} files whose options are required from a sibling module, against the same options inline: ${(((crossModule.importedMs - crossModule.inlineMs) / crossModule.importedMs) * 100).toFixed(1)}% (median of 5)`);
  const topology = await topologyCost();
  const topologyMs = topology.withMs - topology.withoutMs;
  console.log(`topology:           ${topologyMs.toFixed(1)} ms for ${MONOREPOS} monorepos (${topology.files} files, ${topology.blocked} blocked calls found; lint with it ${topology.withMs.toFixed(1)} ms, without ${topology.withoutMs.toFixed(1)} ms, median of 5): ${((topologyMs / 1000 / seconds) * 100).toFixed(1)}% of the full run`);
  console.log(`YAML prefilter:     ${skipped} of ${yamlFiles.length} YAML files (${(yamlBytes / 1024 / 1024).toFixed(1)} MB) skipped without parsing (${((skipped / yamlFiles.length) * 100).toFixed(1)}%)`);
}

/**
 * Issue 14's whole-run figures, each from fresh processes: the CLI against the bytes-read floor
 * (git ls-files + one read per file + one prefilter regex) on the synthetic tree and on a
 * real-shaped one; peak RSS as a real-shaped tree grows (same CORS files, more of everything else);
 * cold start per format and for --version against `node -e 0`. Flags: --tree-only (write the synthetic tree and stop), --floor-only (the two comparisons with the floor alone), --cold-only (cold start alone, on that tree), --against=<another build's dist/cli/bin.js> (its cold starts interleaved with these), --runs=5 (interleaved floor/CLI repetitions on the synthetic tree, each timed for wall and for CPU; min and median reported),
 * --real-runs=11 (the same on the real-shaped tree, whose runs are short enough for more), --cold-runs=21, --real-files=12000, --rss-sizes=20000,60000,120000 (empty: skip).
 */
async function wholeRunFigures(): Promise<void> {
  floorFigures();
  const sizes = flag('rss-sizes', '20000,60000,120000').split(',').filter(Boolean).map(Number);
  const rss: string[] = [];
  const grown = join(ROOT, '.bench', 'rss');
  let previous = 0;
  for (const size of sizes) {
    realShapedTree(grown, size, previous);
    gitAddAll(grown);
    previous = size;
    rss.push(`${size}: ${peakRssMiB(grown).toFixed(0)} MiB`);
  }
  if (rss.length > 0) console.log(`peak RSS by size:   ${rss.join(', ')} (one CLI process per size, real-shaped tree, same 8 CORS files)`);
  coldStartFigures();
}

/** The CLI against the bytes-read floor on the synthetic tree (written already) and on the real-shaped one (also alone: --floor-only). */
function floorFigures(): void {
  const runs = Number(flag('runs', '5'));
  const load = () => loadavg().map((n) => n.toFixed(1)).join(' ');
  const synthetic = againstFloor(REPO, runs);
  console.log(`vs floor, synthetic: ${describeComparison(synthetic)}; ${FILES} files, ${runs} interleaved runs each, load ${load()}`);
  const realFiles = Number(flag('real-files', '12000'));
  const real = join(ROOT, '.bench', 'real');
  realShapedTree(real, realFiles);
  gitAddAll(real);
  // Its runs take a few hundred ms, so the floor's own noise (tens of ms between runs) moved the
  // ratio by 0.2 from one bench to the next with 5 runs: more of them, for a steadier minimum and median.
  const realRuns = Number(flag('real-runs', '11'));
  const shaped = againstFloor(real, realRuns);
  console.log(`vs floor, real-shaped: ${describeComparison(shaped)}; ${realFiles} listed files, 8 with CORS, ${realRuns} interleaved runs each, load ${load()}`);
}

/** One-file cold start per format and `--version` against `node -e 0` (also alone: --cold-only, on the tree --tree-only writes). */
function coldStartFigures(): void {
  const load = () => loadavg().map((n) => n.toFixed(1)).join(' ');
  // 21 pairs: with 11 the median ratio moved by 0.1-0.2 between benches on this machine.
  const coldRuns = flag('cold-runs', '21');
  const cold = coldStarts(
    REPO,
    {
      'js': 'pkg0/src/server0.js',
      'ts': 'pkg1/src/module1.ts',
      'nginx': 'nginx/conf.d/site2.conf',
      'python': 'app3/service3.py',
      'yaml': 'deploy/k8s/app5.yaml',
    },
    Number(coldRuns),
    flag('against', '') || undefined,
  );
  console.log(`cold start:         node -e 0 ${cold.baseMs.toFixed(0)} ms; ${cold.rows.map((row) => `${row.name} ${row.ms.toFixed(0)} ms (${row.ratio.toFixed(2)}x; ${row.minRatio.toFixed(2)}x at the minima)`).join(', ')} (one file each, named from the synthetic repository's root as a pre-commit hook does, ${cold.measure === 'cpu' ? 'user+sys CPU' : 'wall time'}; each run paired with a node -e 0 run next to it, median of ${coldRuns} per-pair ratios; after ${cold.warmRounds} untimed rounds${cold.settled ? ', the last of which changed no cache' : ' (the caches still changed)'}; load ${load()})`);
  if (cold.withoutExtraCaMs !== undefined) console.log(`                    NODE_EXTRA_CA_CERTS is set: node -e 0 spends ${(cold.baseMs - cold.withoutExtraCaMs).toFixed(0)} of its ${cold.baseMs.toFixed(0)} ms loading it (${cold.withoutExtraCaMs.toFixed(0)} ms without), and every run above pays the same; without it the ratios are about (ms - ${(cold.baseMs - cold.withoutExtraCaMs).toFixed(0)}) / ${cold.withoutExtraCaMs.toFixed(0)}: ${cold.rows.map((row) => `${row.name} ${((row.ms - (cold.baseMs - cold.withoutExtraCaMs!)) / cold.withoutExtraCaMs!).toFixed(2)}x`).join(', ')}`);
}

/**
 * What the request matrix costs per policy: every cell of a fresh matrix (all origins × all
 * requests) for each policy of the bench repository's CORS files, median and worst.
 */
async function matrixCost(): Promise<{ median: number; worst: number; policies: number; cells: number }> {
  const { lint } = await import('../src/engine/lint.js');
  const { computeRequestMatrix } = await import('../src/model/matrix.js');
  const { readFileSync } = await import('node:fs');
  const paths: string[] = [];
  for (let i = 0; i < FILES; i++) {
    if (Math.floor(i / 7) % 100 !== 0) continue;
    const path = [`pkg${i % 200}/src/server${i}.js`, `pkg${i % 200}/src/module${i}.ts`, `nginx/conf.d/site${i}.conf`, `app${i % 200}/service${i}.py`, undefined, `deploy/k8s/app${i}.yaml`][i % 7];
    if (path) paths.push(path);
  }
  const { policies } = lint(paths.map((path) => ({ path, text: readFileSync(join(REPO, path), 'utf8') })));
  const times: number[] = [];
  let cells = 0;
  for (const policy of policies) {
    const start = performance.now();
    cells += computeRequestMatrix(policy).certain().length;
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)] ?? 0, worst: times.at(-1) ?? 0, policies: policies.length, cells };
}

if (process.argv.includes('--tree-only')) {
  // Just the synthetic repository, for profiling a CLI run over it by hand.
  generate();
  gitAddAll(REPO);
  console.log(`synthetic tree: ${REPO}`);
  process.exit(0);
}
if (process.argv.includes('--floor-only')) {
  // The two whole-run comparisons alone (the synthetic tree is written when missing).
  if (!existsSync(join(REPO, '.git'))) {
    generate();
    gitAddAll(REPO);
  }
  floorFigures();
  process.exit(0);
}
if (process.argv.includes('--cold-only')) {
  if (!existsSync(join(REPO, '.git'))) {
    generate();
    gitAddAll(REPO);
  }
  coldStartFigures();
  process.exit(0);
}
await main();
const matrix = await matrixCost();
console.log(`request matrix:     ${matrix.median.toFixed(2)} ms median, ${matrix.worst.toFixed(2)} ms worst per policy (${matrix.policies} policies, ${(matrix.cells / Math.max(1, matrix.policies)).toFixed(0)} certain cells each on average; every cell of a fresh matrix)`);
await nginxBench();
await lspLatency();
