import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

/** Neovim (Debian's package) in headless mode, its built-in LSP client attached to `cors-lint lsp`. */
const available = spawnSync('sh', ['-c', 'command -v nvim'], { stdio: 'ignore' }).status === 0;
if (!available && process.env.CI === 'true') throw new Error('CI=true but Neovim is missing (npm test installs it from Debian)');

describe.skipIf(!available)('Neovim as the LSP client', () => {
  it('receives the diagnostics of an nginx fixture', () => {
    const workspace = mkdtempSync(join(tmpdir(), 'cors-lint-nvim-'));
    writeFileSync(join(workspace, 'api.conf'), 'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true;\n    proxy_pass http://app;\n}\n');
    const run = spawnSync('nvim', ['--headless', '--clean', '-u', join(ROOT, 'test', 'neovim', 'init.lua')], {
      env: { ...process.env, CORS_LINT_BIN: join(ROOT, 'dist', 'src', 'cli', 'bin.js'), WORKSPACE: workspace },
      encoding: 'utf8',
      timeout: 60_000,
    });
    // Neovim's severities: 1 error, 2 warning.
    expect(run.stdout.trim().split('\n'), run.stderr).toEqual(['OK', '2:44 credentials-wildcard-origin 1', '3:5 nginx-missing-always 2']);
  }, 120_000);
});
