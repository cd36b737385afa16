#!/usr/bin/env node
// Everything is imported on demand: `--version` loads one small module, a lint run the linter, and
// only `cors-lint lsp` the language server. No top-level await: the bundle (scripts/bundle.mjs)
// makes this file CommonJS, which Node 20 starts faster than an ES module.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { prefetchGitListing, worthPrefetching } from './git-prefetch.js';
import { coreToSpare, earlyReader, launchReader, type EarlyReader } from './reader-start.js';

const args = process.argv.slice(2);

/** The options of run.ts that take a value as the next argument. */
const VALUED_OPTIONS = new Set(['-f', '--format', '-o', '--output-file', '-c', '--config', '--rule', '--ignore-pattern', '--stdin-filename', '--max-warnings', '--jobs', '--print-config', '--baseline']);


if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  void import('./version.js').then(({ version }) => process.stdout.write(`${version()}\n`));
} else if (args[0] === 'lsp' && !args.slice(1).some((arg) => arg === '--help' || arg === '-h')) {
  void import('../lsp/server.js').then(({ launchServer }) => launchServer());
} else {
  // `cors-lint . | head`: once the reader is gone, the rest of the report has nowhere to go. It is
  // dropped and the run ends with its own exit code, not with an unhandled 'error' event and a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  // A run over one large repository asks git for its files now: git walks the work tree while the program loads.
  // node:child_process is loaded only then, through getBuiltinModule (Node 20.16 on; an import() here
  // would load Node's ESM loader): on an older Node the run asks git itself, as it always did.
  const folder = listedFolder(args);
  const builtin = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule : undefined;
  const gitPrefetch = folder === undefined || !builtin ? undefined : prefetchGitListing(folder, { spawn: builtin('node:child_process').spawn, tmpdir: builtin('node:os').tmpdir });
  // Node's own modules come with V8 code caches made under V8's default flags, and V8 rejects a
  // cache made under other flags: each built-in module loaded after the flag below is compiled from
  // its source (2-3 times the CPU). The output streams (above), git's child_process (a prefetch),
  // node:vm and node:module (the bundle's loader, code-cache.ts) and util.parseArgs (run.ts) are
  // loaded before it.
  if (builtin) {
    builtin('node:vm');
    builtin('node:module');
    void builtin('node:util').parseArgs;
  }
  // The reading worker's module too, for a large repository (startEarlyReader, below).
  const threads = gitPrefetch && builtin ? builtin('node:worker_threads') : undefined;
  // V8 optimizes a function once it has run a little (its interrupt budget), on a background
  // thread whose CPU the run pays too. A lint run is short and mostly cold: the parsers' table
  // loops (Lezer above all) were optimized within the first file and compiled for longer than they
  // then ran. Four times the budget (267 KB of bytecode instead of 66) cut the CPU of a one-file
  // Python run by about a fifth (364 -> 296 ms, 13 runs side by side at load ~10) and of a
  // 20,000-file run by 5-13% (two measurements). Sixteen times (1,056 KB) cut the one-file Python
  // run again, 303 -> 278 ms median CPU (25 runs side by side at load ~11; 64 times: 279 ms of
  // 315 in another 21), with one-file JS, TS, YAML and nginx runs and the 20,000-file run the same
  // within noise (4.25 s / 4.21 s, 4.06 / 4.13). The code is the same, only when it is optimized
  // changes. Set before the program is loaded, so every function starts with it. Only on the V8 it
  // was measured on (Node 20's 11.x): V8 prints an error for a flag it does not know, and another
  // V8 tiers up differently.
  // A run over a folder or a glob keeps four times: its hot code is the walk's per-file loop, run
  // thousands of times, and the later optimization cost a 20,000-file run a fifth of its wall time
  // (synthetic bench tree, runs at real-time priority so that both cores are free, side by side:
  // 2,340 ms at 4x against 2,870 at 16x, median of 5; 2,690 / 3,130 and 2,600 / 3,380 in two
  // runs of 3; 2,480 / 2,620 in a fourth) for about the same CPU: with the lower budget more of
  // the compiling happens on V8's background thread. The real-shaped tree: the same (950 / 950).
  // A folder or a glob also inlines at most 460 bytes of bytecode into each optimized function (920 by
  // default): the run's lint part (about 60% of the synthetic 20,000-file bench tree, ~185 files that
  // configure CORS) is cold code of many shapes that TurboFan compiles once and runs briefly, and a
  // smaller inlining budget makes each compile cheaper. user+sys CPU of the synthetic tree, the same
  // build side by side at load 15-17: median 2,750 -> 2,426 ms (min 2,556 -> 2,219; 8 runs) and
  // 2,833 -> 2,640 (4 runs). The language server measured the same (lsp/server.ts TIER_UP_FLAGS).
  if (process.versions.v8.startsWith('11.')) {
    const filesOnly = namesFilesOnly(args);
    setFlagsFromString(`--interrupt-budget=${filesOnly ? 1081344 : 270336}`);
    if (!filesOnly) setFlagsFromString('--max-inlined-bytecode-size-cumulative=460');
    // A regexp runs first in V8's regexp interpreter and is compiled to machine code when it runs
    // again; V8 also rewrites the interpreter's bytecode (peephole) for speed, work that a run of a
    // few files, where most of its ~150 regexps run once, does not get back. Without it, callgrind
    // (one-file runs of the bench tree, V8's random hash-seed search subtracted, interleaved):
    // nginx 261.2 -> 258.1 M instructions (mean of 7 and 5 runs), JS 247.2 -> 244.2 M (2 each); a
    // 13,700-line nginx file 6.11 -> 6.02 G. The matches are the same; only how fast the
    // interpreter runs one changes.
    if (filesOnly) setFlagsFromString('--no-regexp-peephole-optimization');
  }
  const earlyReader = threads && builtin ? startEarlyReader(threads, builtin('node:os')) : undefined;
  void import('./run.js').then(async ({ runCli }) => {
    process.exitCode = await runCli({ argv: args, cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr, gitPrefetch, earlyReader });
  });
}

/**
 * A run over a large repository reads its files on two threads (read-threads.ts) unless `--jobs 1`
 * or a busy machine says otherwise (reader-start.ts). Started here, the reading worker's own start
 * (a Node environment and the reading code, 70-130 ms) overlaps the loading of the linter and
 * git's listing instead of following them: started in discovery, it answered its first batch when
 * this thread had read a third of the real-shaped bench tree alone. Real-shaped 12k tree, both
 * threads, real-time priority, side by side: 473 -> 421 ms (15 runs), 422 -> 404 (13 runs).
 * Only from the bundle (CommonJS, read-worker.js next to this file); tsc's ES module output starts
 * the worker in discovery, as before.
 */
function startEarlyReader(threads: typeof import('node:worker_threads'), os: typeof import('node:os')): EarlyReader | undefined {
  if (args.some((arg, i) => arg === '--jobs=1' || (arg === '--jobs' && args[i + 1] === '1'))) return undefined;
  if (typeof __dirname !== 'string' || !coreToSpare(process.env, os)) return undefined;
  const script = resolve(__dirname, 'read-worker.js');
  if (!statSync(script, { throwIfNoEntry: false })?.isFile()) return undefined;
  const reader = launchReader(script, threads);
  return reader && earlyReader(reader);
}

function positionalsOf(args: string[]): string[] {
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (VALUED_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) positionals.push(arg);
  }
  return positionals;
}

/**
 * The one folder a lint run lists (the folder named, or cwd), when its repository is large enough
 * for git to be asked early (git-prefetch.ts); undefined for anything else, where the run asks
 * git itself if it needs to. A guess that turns out wrong (a folder the run does not list through
 * git) costs one git run, never the output: discovery takes the listing only for the folder it
 * lists, made with the same request it would make.
 */
function listedFolder(args: string[]): string | undefined {
  // CORS_LINT_GIT_PREFETCH=0: the run asks git when it lists (the tests and the benchmark compare both).
  if (process.env.CORS_LINT_GIT_PREFETCH === '0') return undefined;
  const notListing = ['--stdin', '--no-ignore', '--changed', '--help', '-h', '--list-rules', '--print-config', '--version', '-v'];
  if (args.some((arg) => notListing.includes(arg) || arg.startsWith('--changed='))) return undefined;
  const positionals = positionalsOf(args);
  if (positionals.length > 1 || positionals[0] === 'explain' || positionals[0] === 'simulate') return undefined;
  const folder = resolve(positionals[0] ?? '.');
  try {
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  return worthPrefetching(folder) ? folder : undefined;
}

/** Whether a lint run is given files only (a pre-commit hook, --changed, --stdin), not a folder or a glob to list. */
function namesFilesOnly(args: string[]): boolean {
  if (args.some((arg) => arg === '--stdin' || arg === '--changed' || arg.startsWith('--changed='))) return true;
  const positionals = positionalsOf(args);
  return (
    positionals.length > 0 &&
    positionals.every((path) => {
      try {
        return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
      } catch {
        return false;
      }
    })
  );
}

export {};
