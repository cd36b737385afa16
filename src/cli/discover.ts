import { lstatSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isInside, readRegularFile } from './safe-read.js';

/**
 * Walks the given paths. Hand-written over node:fs rather than a glob library because every entry
 * that cannot be walked (a symlink loop, an unreadable folder or file) must come back as a note
 * with its path; globbing libraries drop those silently. `.gitignore` files are honoured at every
 * level through the `ignore` package.
 *
 * Scanned trees are hostile: only regular files are read (never a FIFO, socket or device, which
 * would block or never end), through readRegularFile's size cap; a symlink that leads out of the
 * folder being walked is noted and not followed; symlink loops end in a note.
 */
export interface DiscoveredFile {
  path: string;
  /** Where detection reads folder names from (see SourceFile.detectPath). */
  detectPath?: string;
  text?: string;
  error?: string;
}

export interface Discovery {
  files: DiscoveredFile[];
  notes: Array<{ path: string; reason: string }>;
}

const ALWAYS_SKIPPED = new Set(['.git', 'node_modules', '.hg', '.svn']);

/**
 * `accept(path, folderPath)` says from the name whether a walked file is worth reading; `folderPath`
 * is the path from the walked folder's parent, so the walked folder's own name (`nginx/`) counts
 * and the answer does not depend on the working folder. `gitignore: false` (`--no-ignore`) stops
 * reading `.gitignore` files.
 */
export function discover(paths: string[], cwd: string, ignores: string[], accept: (path: string, folderPath: string) => boolean, options: { gitignore?: boolean } = {}): Discovery {
  const files: DiscoveredFile[] = [];
  const notes: Discovery['notes'] = [];
  const configIgnore = ignore().add(ignores);
  const seenDirs = new Set<string>();
  const toPosix = (path: string) => path.split(sep).join('/');
  const display = (absolute: string) => toPosix(relative(cwd, absolute)) || '.';

  /** `shown` is the path as found (a symlink's own name), `open` what is read (its resolved target). */
  const readOne = (shown: string, open: string, detectPath: string, explicit: boolean) => {
    const path = display(shown);
    if (!explicit && !accept(path, detectPath)) return;
    const read = readRegularFile(open, { noFollow: open === shown && !explicit });
    if ('text' in read) files.push({ path, detectPath, text: read.text });
    else if (/not a regular file|larger than|symlink|a folder/.test(read.error)) notes.push({ path, reason: read.error });
    else files.push({ path, detectPath, error: read.error });
  };

  const walk = (dir: string, root: string, realRoot: string, rules: Array<{ base: string; matcher: Ignore }>) => {
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
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      notes.push({ path: display(dir), reason: `cannot read folder: ${(error as NodeJS.ErrnoException).code}` });
      return;
    }
    let levelRules = rules;
    const gitignore = options.gitignore !== false && entries.find((entry) => entry.name === '.gitignore' && entry.isFile());
    if (gitignore) {
      const read = readRegularFile(join(dir, '.gitignore'), { noFollow: true, maxBytes: 1024 * 1024 });
      if ('text' in read) levelRules = [...rules, { base: dir, matcher: ignore().add(read.text) }];
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (ALWAYS_SKIPPED.has(entry.name)) continue;
      const absolute = join(dir, entry.name);
      let isDir = entry.isDirectory();
      let target: string | undefined;
      if (entry.isSymbolicLink()) {
        try {
          target = realpathSync(absolute);
          isDir = statSync(target).isDirectory();
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
      const detectPath = toPosix(relative(dirname(root), absolute));
      if (target !== undefined && !isInside(realRoot, target)) {
        // Said only for what would have been read: a link to /etc from a folder of YAML is not news.
        if (isDir || accept(display(absolute), detectPath)) notes.push({ path: display(absolute), reason: 'symlink leads out of the scanned folder; not followed' });
        continue;
      }
      if (isDir) walk(absolute, root, realRoot, levelRules);
      else if (entry.isFile() || target !== undefined) readOne(absolute, target ?? absolute, detectPath, false);
      else if (accept(display(absolute), detectPath)) notes.push({ path: display(absolute), reason: 'not a regular file (device, FIFO or socket); not read' });
    }
  };

  for (const given of paths) {
    const absolute = resolve(cwd, given);
    let stats: Stats;
    try {
      stats = lstatSync(absolute);
      if (stats.isSymbolicLink()) stats = statSync(absolute);
    } catch (error) {
      notes.push({ path: given, reason: `does not exist or cannot be read (${(error as NodeJS.ErrnoException).code})` });
      continue;
    }
    if (stats.isDirectory()) {
      let realRoot: string;
      try {
        realRoot = realpathSync(absolute);
      } catch (error) {
        notes.push({ path: given, reason: `cannot resolve: ${(error as NodeJS.ErrnoException).code}` });
        continue;
      }
      walk(absolute, absolute, realRoot, []);
    } else {
      // A file the user named: read even if its name says nothing (detection then goes by content),
      // with its folders taken from its absolute path.
      readOne(absolute, absolute, toPosix(absolute), true);
    }
  }
  return { files, notes };
}
