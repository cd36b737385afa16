import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * The whole-run half of the benchmark (issue 14): a full run against the bytes-read floor on the
 * synthetic tree and on a real-shaped one, peak RSS as the repository grows, and cold start per
 * format against `node -e 0`. Every figure is a fresh process, as a user or a hook pays it, and
 * the runs being compared alternate, so load on the machine touches both sides alike.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
const FLOOR = join(ROOT, 'dist', 'scripts', 'bench-floor.js');

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.email=bench@example.com', '-c', 'user.name=bench', '-c', 'init.defaultBranch=main', ...args], { cwd, stdio: 'ignore', maxBuffer: 1024 * 1024 * 1024 });
}

/**
 * Makes `dir` a repository whose files are in the index, as a checkout's are (git ls-files then
 * reads the index, not the disk). The object names are computed but no object is written
 * (--info-only): what `git add` costs beyond that is not what is measured here.
 */
export function gitAddAll(dir: string): void {
  if (!existsSync(join(dir, '.git'))) git(dir, 'init', '-q', '.');
  const untracked = execFileSync('git', ['ls-files', '-z', '--others', '--exclude-standard'], { cwd: dir, maxBuffer: 1024 * 1024 * 1024 });
  execFileSync('git', ['update-index', '-z', '--add', '--info-only', '--stdin'], { cwd: dir, input: untracked, stdio: ['pipe', 'ignore', 'ignore'], maxBuffer: 1024 * 1024 * 1024 });
}

/** Wall time of one fresh process, in ms. */
function timed(args: string[], cwd: string, env?: NodeJS.ProcessEnv): number {
  const start = performance.now();
  spawnSync(process.execPath, args, { cwd, env, stdio: 'ignore', maxBuffer: 1024 * 1024 * 1024 });
  return performance.now() - start;
}

/** Lowest and middle value of a series of runs. */
export interface Spread {
  min: number;
  median: number;
}

const spread = (values: number[]): Spread => ({ min: Math.min(...values), median: median(values) });

/** One side-by-side comparison: the CLI's runs against the floor's, wall time and CPU, each as min and median. */
export interface FloorComparison {
  runs: number;
  wall: { cli: Spread; floor: Spread; ratio: Spread };
  /** user + sys of the process and what it waited for (git, worker threads included); undefined where there is no bash. */
  cpu?: { cli: Spread; floor: Spread; ratio: Spread };
}

/**
 * The CLI on a whole tree against the floor (bench-floor.ts), `runs` repetitions. Every repetition
 * runs both, alternating which goes first (floor, CLI, then CLI, floor), once for wall time and once
 * for CPU time, so a load change on the shared machine touches both sides alike. The ratio is given
 * for the minima (the runs least disturbed by other load) and for the medians: one noisy sample
 * cannot decide it.
 */
export function againstFloor(dir: string, runs: number): FloorComparison {
  const floorArgs = [FLOOR, dir];
  const cliArgs = [BIN, '--format', 'json', '.'];
  const wall = { cli: [] as number[], floor: [] as number[] };
  const cpu = { cli: [] as number[], floor: [] as number[] };
  // One untimed run of each first: the page cache then holds the tree for both.
  timed(floorArgs, dir);
  timed(cliArgs, dir);
  let cpuKnown = true;
  for (let i = 0; i < runs; i++) {
    const order: Array<'floor' | 'cli'> = i % 2 === 0 ? ['floor', 'cli'] : ['cli', 'floor'];
    for (const side of order) wall[side].push(timed(side === 'floor' ? floorArgs : cliArgs, dir));
    for (const side of order) {
      const ms = cpuTimed(side === 'floor' ? floorArgs : cliArgs, dir);
      if (ms === undefined) cpuKnown = false;
      else cpu[side].push(ms);
    }
  }
  const compare = (series: { cli: number[]; floor: number[] }) => {
    const cli = spread(series.cli);
    const floor = spread(series.floor);
    return { cli, floor, ratio: { min: cli.min / floor.min, median: cli.median / floor.median } };
  };
  return { runs, wall: compare(wall), ...(cpuKnown ? { cpu: compare(cpu) } : {}) };
}

/** `1.52x (min) / 1.61x (median) ...` for the bench's output. */
export function describeComparison(comparison: FloorComparison): string {
  const side = (label: string, c: { cli: Spread; floor: Spread; ratio: Spread }) =>
    `${label} ${c.ratio.min.toFixed(2)}x at the minima, ${c.ratio.median.toFixed(2)}x at the medians (CLI ${c.cli.min.toFixed(0)}/${c.cli.median.toFixed(0)} ms, floor ${c.floor.min.toFixed(0)}/${c.floor.median.toFixed(0)} ms, min/median)`;
  return [side('wall', comparison.wall), ...(comparison.cpu ? [side('CPU', comparison.cpu)] : [])].join('; ');
}

/** Peak RSS of one CLI run over `dir`, in MiB (GNU time's %M, else the process's own maxRSS through a preload). */
export function peakRssMiB(dir: string): number {
  const out = join(dir, '..', `rss-${process.pid}.txt`);
  if (existsSync('/usr/bin/time')) {
    spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, process.execPath, BIN, '--format', 'json', '.'], { cwd: dir, stdio: 'ignore' });
    const kib = Number(readFileSync(out, 'utf8').trim().split('\n').at(-1));
    rmSync(out, { force: true });
    return kib / 1024;
  }
  const preload = join(dir, '..', `rss-${process.pid}.cjs`);
  writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));\n`);
  spawnSync(process.execPath, ['--require', preload, BIN, '--format', 'json', '.'], { cwd: dir, stdio: 'ignore' });
  const kib = Number(readFileSync(out, 'utf8'));
  rmSync(out, { force: true });
  rmSync(preload, { force: true });
  return kib / 1024;
}

/**
 * CPU time (user + sys) of one fresh process and the processes it waited for (git), in ms: what a
 * pre-commit hook pays per run, and unlike wall time nearly independent of other load on the
 * machine. Read from bash's `times` (microsecond rusage of its children, bash itself excluded);
 * undefined where there is no bash.
 */
function cpuTimed(args: string[], cwd: string, env?: NodeJS.ProcessEnv): number | undefined {
  const result = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1; times', 'bash', process.execPath, ...args], { cwd, env, encoding: 'utf8' });
  const children = result.stdout?.trim().split('\n').at(-1)?.match(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/);
  if (result.error || !children) return undefined;
  return (Number(children[1]) * 60 + Number(children[2]) + Number(children[3]) * 60 + Number(children[4])) * 1000;
}

/** One row of the cold-start figures: a command's median, and its ratio to `node -e 0` read two ways. */
export interface ColdRow {
  name: string;
  /** Median of the command's runs. */
  ms: number;
  /** Median of the per-pair ratios (each run divided by the `node -e 0` run next to it). */
  ratio: number;
  /** The command's fastest run over the fastest of the `node -e 0` runs paired with it: the runs least disturbed by other load. */
  minRatio: number;
}

/**
 * Cold start of one-file runs and `--version` against `node -e 0`, as a pre-commit hook runs them:
 * from the repository's root, each file named by its path in it. User + sys CPU (wall time where
 * bash is missing).
 *
 * Every timed run of a command is paired with a run of `node -e 0` right next to it (which goes
 * first alternates), and the ratio reported is the median of the `runs` per-pair ratios: the load
 * of the shared machine drifts within seconds, and a base measured once per round (as before)
 * moved every ratio of that round with it (the same build gave python 1.94x and 1.47x in two runs).
 * The ratio of the minima is given beside it. Both sides run with the same environment (the same
 * NODE_EXTRA_CA_CERTS).
 *
 * Before timing, untimed rounds of every command run until one leaves the cache folders as they
 * were (at most five): a run that takes a code path its code cache lacks rewrites the cache at exit
 * (code-cache.ts), and the nginx includer search keeps its answer only once its files are old
 * enough (include-facts.ts), so the first runs after a build or a new tree are not the runs a hook
 * pays every time after; one such run used to land among the timed ones.
 *
 * With `against` (another build's bin.js, e.g. a copy of main's), its runs are interleaved with
 * this build's, each build with a cache folder of its own (two builds sharing node_modules would
 * each remove the other's code cache), so the two are measured side by side at the same load; its
 * rows are named `name (against)`.
 */
export function coldStarts(repo: string, files: Record<string, string>, runs: number, against?: string): { baseMs: number; rows: ColdRow[]; measure: 'cpu' | 'wall'; withoutExtraCaMs?: number; warmRounds: number; settled: boolean } {
  const builds: Array<[string, string]> = against ? [['', BIN], [' (against)', against]] : [['', BIN]];
  const caches = against ? mkdtempSync(join(tmpdir(), 'cors-lint-bench-cache-')) : undefined;
  const env = (index: number): NodeJS.ProcessEnv | undefined => (caches ? { ...process.env, CORS_LINT_CACHE_DIR: join(caches, String(index)) } : undefined);
  // The folders the builds keep their caches in (cache-dir.ts): the warm-up watches them.
  const cacheDirs = caches ? [caches] : [process.env.CORS_LINT_CACHE_DIR || join(ROOT, 'node_modules', '.cache', 'cors-lint')];
  const base: [string, string[], NodeJS.ProcessEnv | undefined] = ['node -e 0', ['-e', '0'], undefined];
  const commands: Array<[string, string[], NodeJS.ProcessEnv | undefined]> = [];
  // NODE_EXTRA_CA_CERTS makes every node process parse that file at start: with Debian's whole
  // bundle, about 400M of the ~500M instructions of `node -e 0` (callgrind), which inflates the
  // base of every ratio below. Measured too, so the ratios can be read without it.
  const extraCa = process.env.NODE_EXTRA_CA_CERTS ? 'node -e 0 (without NODE_EXTRA_CA_CERTS)' : undefined;
  if (extraCa) commands.push([extraCa, ['-e', '0'], Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_EXTRA_CA_CERTS'))]);
  for (const [name, args] of [['--version', ['--version']], ...Object.entries(files).map(([format, file]): [string, string[]] => [format, ['--format', 'json', file]])] as Array<[string, string[]]>) {
    builds.forEach(([suffix, bin], index) => commands.push([`${name}${suffix}`, [bin, ...args], env(index)]));
  }
  const times = new Map<string, number[]>(commands.map(([name]) => [name, []]));
  const ratios = new Map<string, number[]>(commands.map(([name]) => [name, []]));
  const pairedBase = new Map<string, number[]>(commands.map(([name]) => [name, []]));
  const cpu = cpuTimed(['-e', '0'], repo) !== undefined;
  const time = (args: string[], runEnv: NodeJS.ProcessEnv | undefined) => (cpu ? cpuTimed(args, repo, runEnv) ?? Number.NaN : timed(args, repo, runEnv));
  let warmRounds = 0;
  let settled = false;
  try {
    // Untimed rounds until the caches stay as they are: the page cache is warm too.
    for (let before = cacheState(cacheDirs); warmRounds < 5; ) {
      for (const [, args, runEnv] of [base, ...commands]) time(args, runEnv);
      warmRounds++;
      const after = cacheState(cacheDirs);
      if (after === before) {
        settled = true;
        break;
      }
      before = after;
    }
    for (let i = 0; i < runs; i++) {
      for (const [name, args, runEnv] of commands) {
        let own: number;
        let next: number;
        if (i % 2 === 0) {
          next = time(base[1], base[2]);
          own = time(args, runEnv);
        } else {
          own = time(args, runEnv);
          next = time(base[1], base[2]);
        }
        pairedBase.get(name)!.push(next);
        times.get(name)!.push(own);
        ratios.get(name)!.push(own / next);
      }
    }
  } finally {
    if (caches) rmSync(caches, { recursive: true, force: true });
  }
  const baseMs = median([...pairedBase.values()].flat());
  const rows = commands.filter(([name]) => name !== extraCa);
  return {
    baseMs,
    measure: cpu ? 'cpu' : 'wall',
    warmRounds,
    settled,
    rows: rows.map(([name]) => ({ name, ms: median(times.get(name)!), ratio: median(ratios.get(name)!), minRatio: Math.min(...times.get(name)!) / Math.min(...pairedBase.get(name)!) })),
    withoutExtraCaMs: extraCa ? median(times.get(extraCa)!) : undefined,
  };
}

/** The names, sizes and modification times of the files in `dirs`, as one string (a missing folder is empty). */
function cacheState(dirs: string[]): string {
  const entries: string[] = [];
  for (const dir of dirs) {
    const walk = (folder: string) => {
      let names: string[];
      try {
        names = readdirSync(folder);
      } catch {
        return;
      }
      for (const name of names.sort()) {
        const path = join(folder, name);
        const stats = statSync(path, { throwIfNoEntry: false });
        if (stats?.isDirectory()) walk(path);
        else if (stats) entries.push(`${path}\t${stats.size}\t${stats.mtimeMs}`);
      }
    };
    walk(dir);
  }
  return entries.join('\n');
}

/**
 * A repository shaped like real ones (the issue measured prettier, ingress-nginx, a FastAPI
 * template and redash together): packages of deep source folders, a .gitignore in every package
 * and in many folders below, node_modules, build output and caches on disk but ignored, vendored
 * code and fixtures tracked, docs, images and lockfiles, a few nginx and Kubernetes files without
 * CORS, and eight CORS files in all whatever the size. `files` counts the files git lists; file
 * number i always gets the same path and text, so a tree grows by adding files (`from`).
 */
export function realShapedTree(dir: string, files: number, from = 0): void {
  const write = (path: string, text: string | Buffer) => {
    const full = join(dir, path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  };
  if (from === 0) {
    rmSync(dir, { recursive: true, force: true });
    write('.gitignore', 'node_modules/\n*.log\n.env\ncoverage/\n');
    for (const [path, text] of Object.entries(CORS_FILES)) write(path, text);
  }
  const source = (i: number, lines: number) => `import { helper${i % 50} } from '../shared/helpers';\n\nexport function feature${i}(input: string[]): string[] {\n${'  const out = input.filter(Boolean).map((value) => helper(value.trim()));\n'.repeat(lines)}  return out;\n}\n`;
  const python = (i: number) => `from typing import List\n\n\ndef task_${i}(items: List[str]) -> List[str]:\n${'    items = [item.strip() for item in items if item]\n'.repeat(25)}    return items\n`;
  for (let i = Math.max(from, Object.keys(CORS_FILES).length + 1); i < files; i++) {
    // About five listed files per folder, as in the repositories the issue measured.
    const pkg = `packages/p${i % Math.max(10, Math.floor(files / 400))}`;
    const deep = `${pkg}/src/features/f${Math.floor(i / 40) % 9}/components/c${Math.floor(i / 400) % 3}/parts`;
    // Ignored folders with content (node_modules, build output, caches): on disk, never listed.
    if (i % 200 === 0) {
      write(`${pkg}/.gitignore`, 'dist/\n.cache/\n*.tsbuildinfo\n');
      write(`${pkg}/node_modules/dep${i}/index.js`, `module.exports = function dep() { return ${i}; };\n`);
      write(`${pkg}/dist/bundle${i}.js`, `(()=>{${'var a=1;'.repeat(200)}})();\n`);
      write(`${pkg}/.cache/entry${i}.json`, '{"cached":true}\n');
    }
    if (i % 97 === 0) write(`${deep}/.gitignore`, '*.generated.ts\nsnapshots/\n');
    switch (i % 20) {
      case 0:
      case 1:
      case 2:
      case 3:
      case 4:
      case 5:
        write(`${deep}/part${i}.ts`, source(i, 12 + (i % 30)));
        break;
      case 6:
      case 7:
        write(`${deep}/part${i}.tsx`, `export function Part${i}() {\n  return <div className="part${i}">{'text'}</div>;\n}\n${source(i, 8)}`);
        break;
      case 8:
        write(`${pkg}/tests/deep/suite${Math.floor(i / 100) % 5}/case${i}.test.js`, `describe('case ${i}', () => {\n${"  it('works', () => expect(1).toBe(1));\n".repeat(15)}});\n`);
        break;
      case 9:
        write(`services/worker${i % 17}/app/tasks/t${Math.floor(i / 340) % 4}/task${i}.py`, python(i));
        break;
      case 10:
        write(`docs/guide/section${Math.floor(i / 200) % 31}/page${i}.md`, `# Page ${i}\n\n${'Prose about the product, with no configuration in it at all.\n'.repeat(20)}`);
        break;
      case 11:
        write(`${deep}/style${i}.css`, `.part${i} {\n  color: #333;\n  margin: 0 auto;\n}\n`.repeat(6));
        break;
      case 12:
        write(`${pkg}/assets/img/icon${i}.png`, Buffer.alloc(600, i % 251));
        break;
      case 13:
        write(`${pkg}/vendor/lib${Math.floor(i / 400) % 4}/file${i}.js`, `/* vendored */\n${'function v(a){return a&&a.b}\n'.repeat(30)}`);
        break;
      case 14:
        write(`${pkg}/fixtures/data${i}.json`, JSON.stringify({ id: i, rows: Array.from({ length: 20 }, (_, k) => ({ k, v: `value${k}` })) }));
        break;
      case 15:
        write(`${deep}/index${i}.js`, `export * from './part${i - 9}';\n${source(i, 4)}`);
        break;
      case 16:
        write(`${pkg}/locales/l${Math.floor(i / 400) % 3}/messages${i}.yml`, `greeting: Hello ${i}\nfarewell: Bye\n`.repeat(5));
        break;
      case 17:
        // A few nginx and Kubernetes files without CORS (about 1 in 400 files each).
        if (i % 400 === 17) write(`deploy/nginx/conf.d/site${i}.conf`, `server {\n  server_name site${i}.example.com;\n  location / {\n    proxy_pass http://127.0.0.1:8080;\n  }\n}\n`);
        else if (i % 400 === 37) write(`deploy/k8s/app${i}.yaml`, `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app${i}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:${i}\n`);
        else write(`${pkg}/src/shared/util${i}.ts`, source(i, 6));
        break;
      case 18:
        write(`${pkg}/scripts/script${i}.sh`, `#!/bin/sh\nset -e\necho ${i}\n`);
        break;
      default:
        write(`${pkg}/package${i}.json`, JSON.stringify({ name: `p${i}`, version: '1.0.0', scripts: { build: 'tsc' } }));
    }
  }
}

/** The only CORS configuration in the real-shaped tree: one file per framework family. */
const CORS_FILES: Record<string, string> = {
  'services/api/server.js': "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com', 'https://example.com/'], credentials: true }));\napp.listen(3000);\n",
  'services/nest/src/main.ts': "import { NestFactory } from '@nestjs/core';\nimport { AppModule } from './app.module';\nasync function bootstrap() {\n  const app = await NestFactory.create(AppModule);\n  app.enableCors({ origin: true, credentials: true });\n  await app.listen(3000);\n}\nbootstrap();\n",
  'services/fastapi/app/main.py': 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)\n',
  'services/flask/app.py': 'from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app, supports_credentials=True)\n',
  'services/django/settings.py': 'MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOWED_ORIGINS = ["https://app.example.com/"]\n',
  'deploy/nginx/conf.d/api.conf': 'server {\n  server_name api.example.com;\n  location /api/ {\n    add_header Access-Control-Allow-Origin $http_origin;\n    add_header Access-Control-Allow-Credentials true;\n    proxy_pass http://127.0.0.1:8080;\n  }\n}\n',
  'deploy/k8s/ingress.yaml': 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-origin: "*"\n    nginx.ingress.kubernetes.io/cors-allow-credentials: "true"\nspec:\n  rules:\n    - host: api.example.com\n',
  'deploy/traefik/middleware.yaml': 'apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n    accessControlAllowOriginList: ["*"]\n    accessControlAllowCredentials: true\n',
};

/** Command-line flags of `npm run bench -- --flag=value`. */
export function flag(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}
