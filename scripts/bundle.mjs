// Bundles the CLI into dist/cli/: a run loads a handful of chunks instead of the ~100 modules tsc
// emits, which is most of a cold start (what a pre-commit hook pays on every commit). Dependencies
// stay external and are loaded where the code asks for them (parsers lazily, per format); code
// reached only through `import()` (the run itself, the language server) becomes a chunk of its own.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist', 'cli');
rmSync(outdir, { recursive: true, force: true });
await build({
  // The worker of `--jobs` (src/cli/pool.ts) is a script of its own, next to bin.js.
  entryPoints: { bin: join(root, 'src', 'cli', 'bin.ts'), 'pool-worker': join(root, 'src', 'cli', 'pool-worker.ts') },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  outdir,
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(join(outdir, 'bin.js'), 0o755);
