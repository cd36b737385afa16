import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Builds dist/ once before any test file runs: the Action, LSP, Neovim and pre-commit tests run
 * the built program the way its users do, and parallel builds would write the same files at once.
 */
export default function setup(): void {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: join(import.meta.dirname, '..'), stdio: 'inherit' });
}
