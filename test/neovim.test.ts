import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';

/**
 * Neovim (Debian's package, 0.7) in headless mode runs the README's Neovim snippet exactly as
 * written, then test/neovim/driver.lua opens an nginx file and prints the diagnostics it got. The
 * snippet starts `npx cors-lint lsp`; an `npx` first on PATH runs this checkout's build instead of
 * fetching the package.
 */
const available = spawnSync('sh', ['-c', 'command -v nvim'], { stdio: 'ignore' }).status === 0;
if (!available && process.env.CI === 'true') throw new Error('CI=true but Neovim is missing (npm test installs it from Debian)');

export function readmeNeovimSnippet(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const match = /\nNeovim \([^\n]*\n+```lua\n([\s\S]*?)\n```/.exec(readme);
  if (!match) throw new Error('README.md has no Neovim ```lua snippet');
  return match[1];
}

describe.skipIf(!available)('Neovim as the LSP client', () => {
  it('the README snippet attaches cors-lint and the diagnostics of an nginx file arrive', () => {
    const snippet = readmeNeovimSnippet();
    expect(snippet).not.toContain('vim.fs');
    const workspace = mkdtempSync(join(tmpdir(), 'cors-lint-nvim-'));
    mkdirSync(join(workspace, 'nginx'));
    writeFileSync(join(workspace, 'nginx', 'api.conf'), 'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true;\n    proxy_pass http://app;\n}\n');
    const bin = join(workspace, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'npx'), '#!/bin/sh\n[ "$1" = cors-lint ] || exit 127\nshift\nexec node "$CORS_LINT_BIN" "$@"\n');
    chmodSync(join(bin, 'npx'), 0o755);
    const init = join(workspace, 'init.lua');
    writeFileSync(init, `${snippet}\n${readFileSync(join(ROOT, 'test', 'neovim', 'driver.lua'), 'utf8')}`);
    const run = spawnSync('nvim', ['--headless', '--clean', '-u', init], {
      cwd: workspace,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CORS_LINT_BIN: join(ROOT, 'dist', 'cli', 'bin.js'), WORKSPACE: workspace },
      encoding: 'utf8',
      timeout: 60_000,
    });
    // Neovim's severities: 1 error, 2 warning.
    expect(run.stdout.trim().split('\n'), run.stderr).toEqual(['OK nginx', '2:44 credentials-wildcard-origin 1', '3:5 nginx-missing-always 2']);
  }, 120_000);
});
