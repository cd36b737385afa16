import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

/** node:child_process (with net, dgram and streams behind it) is loaded only by `--changed`, not by every run. */
const childProcess = () => createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');

/**
 * `--changed [REF]`: the files that differ from a git ref (default HEAD) in the working tree or
 * the index, plus untracked files that are not ignored, as paths relative to cwd. Deleted files
 * are left out; files outside cwd too.
 */
export class GitError extends Error {}

function git(cwd: string, args: string[]): string {
  try {
    return childProcess().execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim().split('\n')[0];
    throw new GitError(stderr || (error as Error).message);
  }
}

/** True when `ref` names a commit in the repository around cwd. */
export function isCommit(cwd: string, ref: string): boolean {
  try {
    git(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

export function changedFiles(cwd: string, ref: string): string[] {
  const top = git(cwd, ['rev-parse', '--show-toplevel']).trim();
  if (!isCommit(cwd, ref)) throw new GitError(`'${ref}' is not a commit in this repository`);
  const listed = [
    ...git(cwd, ['diff', '--name-only', '-z', '--no-renames', ref, '--']).split('\0'),
    ...git(cwd, ['ls-files', '--others', '--exclude-standard', '-z', '--full-name']).split('\0'),
  ].filter(Boolean);
  const out = new Set<string>();
  for (const path of listed) {
    const absolute = join(top, path);
    const rel = relative(cwd, absolute);
    if (!rel || rel.startsWith('..') || isAbsolute(rel) || !existsSync(absolute)) continue;
    out.add(rel.split(sep).join('/'));
  }
  return [...out].sort();
}
