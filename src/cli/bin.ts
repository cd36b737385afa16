#!/usr/bin/env node
// Everything is imported on demand: `--version` loads one small module, a lint run the linter, and
// only `cors-lint lsp` the language server.
const args = process.argv.slice(2);

if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  const { version } = await import('./version.js');
  process.stdout.write(`${version()}\n`);
} else if (args[0] === 'lsp' && !args.slice(1).some((arg) => arg === '--help' || arg === '-h')) {
  const { startServer } = await import('../lsp/server.js');
  startServer();
} else {
  const { runCli } = await import('./run.js');
  process.exitCode = await runCli({ argv: args, cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
}

export {};
