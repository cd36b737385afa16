import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { ROOT } from './helpers/fixtures.js';

/**
 * The published command is the esbuild bundle (dist/cli/bin.js, built by `npm run build`); the
 * tests exercise the sources. The two must not drift: same JSON on every fixture, same version,
 * same exit code.
 */
const BUNDLE = join(ROOT, 'dist', 'cli', 'bin.js');

describe('the bundled CLI', () => {
  it('is what package.json publishes as the cors-lint command', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(join(ROOT, pkg.bin['cors-lint'])).toBe(BUNDLE);
  });

  it('prints byte-identical JSON to the unbundled CLI on every fixture, with the same exit code', async () => {
    const bundled = spawnSync(process.execPath, [BUNDLE, '--format', 'json', 'fixtures'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const source = await cli(['--format', 'json', 'fixtures'], ROOT);
    expect(bundled.stderr).toBe(source.stderr);
    expect(bundled.status).toBe(source.code);
    expect(JSON.parse(bundled.stdout).length).toBeGreaterThan(100);
    expect(bundled.stdout).toBe(source.stdout);
  }, 120_000);

  it('answers --version without loading the linter', () => {
    const run = spawnSync(process.execPath, [BUNDLE, '--version'], { encoding: 'utf8' });
    expect(run.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    // The linter's own chunk is loaded by import(): with it unreadable, --version still answers.
    const bin = readFileSync(BUNDLE, 'utf8');
    expect(bin).toMatch(/import\(["']\.\/chunks\/run-[\w]+\.js["']\)/);
    expect(bin).not.toMatch(/^import .*chunks\/run-/m);
  });
});
