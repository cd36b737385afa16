import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/**
 * Walks the given paths. Hand-written over node:fs rather than a glob library because every entry
 * that cannot be walked (a symlink loop, an unreadable folder or file) must come back as a note
 * with its path; globbing libraries drop those silently. `.gitignore` files are honoured at every
 * level through the `ignore` package.
 */
export interface DiscoveredFile {
  path: string;
  text?: string;
  error?: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  notes: Array<{ path: string; reason: string }>;
}

const ALWAYS_SKIPPED = new Set(['.git', 'node_modules', '.hg', '.svn']);

/** `gitignore: false` (`--no-ignore`) stops reading `.gitignore` files. */
export function discover(paths: string[], cwd: string, ignores: string[], accept: (path: string) => boolean, options: { gitignore?: boolean } = {}): Discovery {
  const files: DiscoveredFile[] = [];
  const notes: Discovery['notes'] = [];
  const configIgnore = ignore().add(ignores);
  const seenDirs = new Set<string>();
  const toPosix = (path: string) => path.split(sep).join('/');
  const display = (absolute: string) => toPosix(relative(cwd, absolute)) || '.';

  const readOne = (absolute: string, explicit: boolean) => {
    const path = display(absolute);
    if (!explicit && !accept(path)) return;
    try {
      const buffer = readFileSync(absolute);
      files.push({ path, text: buffer.toString('utf8') });
    } catch (error) {
      files.push({ path, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
    }
  };

  const walk = (dir: string, rules: Array<{ base: string; matcher: Ignore }>) => {
    let real: string;
    try {
      real = realpathSync(dir);
    } catch (error) {
      notes.push({ path: display(dir), reason: `cannot resolve: ${(error as NodeJS.ErrnoException).code}` });
      return;
    }
    if (seenDirs.has(real)) {
      notes.push({ path: display(dir), reason: 'symlink loop or folder already walked; skipped' });
      return;
    }
    seenDirs.add(real);
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      notes.push({ path: display(dir), reason: `cannot read folder: ${(error as NodeJS.ErrnoException).code}` });
      return;
    }
    let levelRules = rules;
    try {
      if (options.gitignore !== false) levelRules = [...rules, { base: dir, matcher: ignore().add(readFileSync(join(dir, '.gitignore'), 'utf8')) }];
    } catch {
      // no .gitignore here
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (ALWAYS_SKIPPED.has(entry.name)) continue;
      const absolute = join(dir, entry.name);
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        try {
          isDir = statSync(absolute).isDirectory();
        } catch (error) {
          notes.push({ path: display(absolute), reason: `broken or looping symlink (${(error as NodeJS.ErrnoException).code}); skipped` });
          continue;
        }
      }
      const ignored = levelRules.some(({ base, matcher }) => {
        const rel = toPosix(relative(base, absolute));
        return rel && !rel.startsWith('..') && matcher.ignores(isDir ? `${rel}/` : rel);
      });
      const relToCwd = toPosix(relative(cwd, absolute));
      if (ignored || (relToCwd && !relToCwd.startsWith('..') && configIgnore.ignores(isDir ? `${relToCwd}/` : relToCwd))) continue;
      if (isDir) walk(absolute, levelRules);
      else if (entry.isFile() || entry.isSymbolicLink()) readOne(absolute, false);
    }
  };

  for (const given of paths) {
    const absolute = resolve(cwd, given);
    let stats;
    try {
      stats = lstatSync(absolute);
      if (stats.isSymbolicLink()) stats = statSync(absolute);
    } catch (error) {
      notes.push({ path: given, reason: `does not exist or cannot be read (${(error as NodeJS.ErrnoException).code})` });
      continue;
    }
    if (stats.isDirectory()) walk(absolute, []);
    else readOne(absolute, true);
  }
  return { files, notes };
}
