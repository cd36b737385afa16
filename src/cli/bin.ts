#!/usr/bin/env node
import { runCli } from './run.js';

if (process.argv[2] === 'lsp' && !process.argv.slice(3).some((arg) => arg === '--help' || arg === '-h')) {
  // Loaded only for the language server, so a normal run never loads vscode-languageserver.
  const { startServer } = await import('../lsp/server.js');
  startServer();
} else {
  const code = await runCli({ argv: process.argv.slice(2), cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr });
  process.exitCode = code;
}
