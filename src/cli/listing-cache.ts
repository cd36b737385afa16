import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { cacheFileName, readOwnCacheFile, writeCacheFile } from './cache-dir.js';
import { lstatFacts, statPrefix } from './lstat-facts.js';

/**
 * What `git ls-files -co --exclude-standard` said about a repository's nginx-named files, kept
 * for the includer search of a one-file nginx run (project.ts nginxIncluders) while nothing it
 * depends on has changed. That listing is most of what a pre-commit hook pays on a large
 * repository, and more than half of it is git reading every folder for untracked files.
 *
 * The listing depends on the index (which files are tracked), on the ignore rules, and on which
 * files exist in the folders git reads for untracked ones. It is reused only when all of these
 * stat exactly as they did when it was written (device, inode, size, modification and change
 * times; the change time cannot be set by a user):
 * - the index, HEAD (a config `includeIf "onbranch:"`), .git/info/exclude, every config file git
 *   read (`git config --list --show-origin`) and the default ones it would read if they appeared,
 *   and the global excludes file; a file that did not exist must still not exist;
 * - every .gitignore of the folders below;
 * - every folder git reads for untracked files: each folder holding a listed file and its
 *   ancestors, and each other folder met below them unless git ignores it (an ignored folder's
 *   contents are ignored whatever appears in it). A file created, removed or renamed in a folder
 *   changes the folder's times (git's own untracked cache relies on the same). Other folders are
 *   found without reading every folder: a folder's link count is 2 plus its subfolders where the
 *   file system counts them (ext4, xfs, tmpfs); a folder whose count says more than the listing
 *   shows is read, and when that is too many folders the listing is not kept.
 * - the environment variables that move git's config (HOME, XDG_CONFIG_HOME, GIT_CONFIG*).
 * Whatever the cache says, each file is then read as before (include-facts.ts checks each nginx
 * file's own stat): only which files exist comes from here.
 *
 * Nothing is kept that changed less than RACY_MS before the run (2 s where times are whole
 * seconds): a later change in the same clock tick could leave every stat field as it was. The
 * run's start is taken before git is asked, so a change made while git lists is never kept.
 * Only a repository's own root with a `.git` folder is cached (not linked work trees or
 * submodules), and no listing with a nested repository, a submodule or a path with a tab or a
 * line break. The file lives in the cache folder (cache-dir.ts), one per repository, written whole
 * and renamed; a damaged or foreign file is ignored and replaced.
 */
const MAGIC = 'cors-lint-git-listing-1';
/** Where timestamps have sub-second precision: more than a coarse kernel clock tick. */
const RACY_FINE_MS = 100;
const RACY_COARSE_MS = 2000;
/** Folders read on a miss to find folders the listing does not show (beyond that, nothing is kept). */
const MAX_FOLDER_READS = 64;
/** Skipped by discovery whatever git says: nothing appearing in them is ever looked at. */
const SKIPPED_NAMES = new Set(['.git', 'node_modules', '.hg', '.svn']);

type Lookup = { entries: ListedEntry[] } | undefined;

export interface ListedEntry {
  path: string;
  mode?: string;
}

/** Runs git in the repository (with the location variables removed); stdout, or undefined when it fails. `okStatus` also counts as success. */
export type GitRunner = (args: string[], input?: string, okStatus?: number) => Buffer | undefined;

function factsOf(stats: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'> | undefined): string {
  return stats ? `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}` : 'none';
}

/** Whether a stat is too recent to be trusted later: a change in the same clock tick could leave it as it is (see above). */
export function tooRecent(stats: Stats, started: number): boolean {
  const coarse = stats.mtimeMs % 1000 === 0 || stats.ctimeMs % 1000 === 0;
  return Math.max(stats.mtimeMs, stats.ctimeMs) >= started - (coarse ? RACY_COARSE_MS : RACY_FINE_MS);
}

function statOf(path: string, follow: boolean): Stats | undefined {
  try {
    return (follow ? statSync : lstatSync)(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

export class ListingCache {
  private readonly file: string;
  /** Taken before git lists: anything changed after it is too recent to keep. */
  private readonly started = Date.now();

  /** `root`: the repository's top folder (absolute); `dir`: the cache folder; `hint`: the name hint the listing was filtered with. */
  /** `listIndex`: git's listing of the index alone (`ls-files --cached`, filtered by the same hint), for when only the index changed. */
  constructor(private readonly dir: string, readonly root: string, private readonly hint: RegExp, private readonly env: Record<string, string | undefined>, private readonly git: GitRunner, private readonly listIndex: () => Iterable<ListedEntry> | undefined) {
    this.file = join(dir, cacheFileName('git-listing-', root));
  }

  private header(): string {
    const moved = Object.keys(this.env)
      .filter((name) => name === 'HOME' || name === 'XDG_CONFIG_HOME' || name.startsWith('GIT_CONFIG'))
      .sort()
      .map((name) => `${name}=${this.env[name]}`);
    return `${MAGIC}\t${this.root}\t${this.hint.source}\t${JSON.stringify(moved)}`;
  }

  /**
   * The listed entries remembered, when nothing they depend on has changed. When only the index
   * has (a commit, a `git add`), git lists the index alone and the untracked files are the
   * cache's; undefined when git must list it all.
   */
  lookup(): Lookup {
    if (this.looked === undefined) this.looked = { answer: this.check() };
    return this.looked.answer;
  }

  private looked: { answer: Lookup } | undefined;
  /**
   * The generation of the cache file whose listing this run used (a random name on its second
   * line, new with each write), when the listing came from it or was written to it: what the
   * includer search's own cache (includer-cache.ts) was computed from.
   */
  generation: string | undefined;

  private check(): Lookup {
    const text = readOwnCacheFile(this.file)?.toString('utf8');
    if (text === undefined || !text.endsWith('\n')) return undefined;
    // The lines are read one at a time up to the entries, which are most of the file and are split
    // only when asked for: splitting the whole file (3,600 lines in the bench tree, 2,877 of them
    // entries) and the garbage collections its strings caused were most of this check's 24 M
    // instructions in a one-file nginx run (callgrind), more than the 708 folder lstats.
    let at = 0;
    const nextLine = (): string | undefined => {
      const end = text.indexOf('\n', at);
      if (end === -1) return undefined;
      const line = text.slice(at, end);
      at = end + 1;
      return line;
    };
    if (nextLine() !== this.header()) return undefined;
    const generationLine = nextLine();
    if (!generationLine?.startsWith('G\t')) return undefined;
    const generation = generationLine.slice(2);
    const index = join(this.root, '.git', 'index');
    // The folders are git's paths (no `.` or `..`), joined by hand: path.join normalizes each, on every run.
    const folderPrefix = statPrefix(this.root);
    let indexChanged = false;
    const head: string[] = [];
    // The entries come last; they are parsed only when asked for (the includer search's answer may be all a run needs).
    while (at < text.length && !text.startsWith('E\t', at)) {
      const line = nextLine()!;
      const tab = line.indexOf('\t', 2);
      if (line[1] !== '\t' || tab === -1) return undefined;
      head.push(line);
      const value = line.slice(2, tab);
      const path = line.slice(tab + 1);
      if (line[0] === 'K') {
        if (factsOf(statOf(path, true)) === value) continue;
        if (path !== index) return undefined;
        indexChanged = true;
      } else if (line[0] === 'D') {
        if (factsOf(lstatFacts(path === '' ? (folderPrefix === '' ? '.' : this.root) : folderPrefix + path)) !== value) return undefined;
      } else return undefined;
    }
    // Every line after the first entry is an entry (a line of another kind there: a damaged file).
    const entriesAt = at;
    const otherLine = /\n(?!E\t)./gs;
    otherLine.lastIndex = entriesAt - 1;
    if (otherLine.test(text)) return undefined;
    let parsed: ListedEntry[] | undefined;
    const list = (): ListedEntry[] => {
      if (parsed) return parsed;
      parsed = [];
      for (const line of text.slice(entriesAt, -1).split('\n')) {
        if (line === '') continue;
        const tab = line.indexOf('\t', 2);
        const value = line.slice(2, tab);
        const path = line.slice(tab + 1);
        parsed.push(value === '-' ? { path } : { path, mode: value });
      }
      return parsed;
    };
    if (!indexChanged) {
      this.generation = generation;
      return {
        get entries() {
          return list();
        },
      };
    }
    const tracked = this.listIndex();
    if (!tracked) return undefined;
    const now = [...tracked];
    const paths = new Set(now.map((entry) => entry.path));
    const entries = list();
    // The same files are in the same folders under the same rules: what is untracked now is what was, less what was added.
    // A file taken out of the index could now be untracked or ignored: git must say.
    if (entries.some((entry) => entry.mode !== undefined && !paths.has(entry.path))) return undefined;
    if (now.some((entry) => entry.mode === undefined || entry.path.endsWith('/') || entry.mode === '160000' || /[\t\n\r]/.test(entry.path))) return undefined;
    // git lists untracked files first, then the index.
    const listing = [...entries.filter((entry) => entry.mode === undefined && !paths.has(entry.path)), ...now];
    // The same listing keeps its generation (and the includer search's answer for it), however often the index is written.
    const same = listing.length === entries.length && listing.every((entry, i) => entry.path === entries[i].path && entry.mode === entries[i].mode);
    if (same) this.generation = generation;
    try {
      this.rewrite(head, index, listing, same ? generation : undefined);
    } catch {
      // A cache that cannot be written only costs speed.
    }
    return { entries: listing };
  }

  /** The cache as read (`head`: its K and D lines), with the index's new stat and `listing`: kept only when the index is not too recent. */
  private rewrite(head: string[], index: string, listing: ListedEntry[], generation: string | undefined): void {
    const stats = statOf(index, true);
    if (!stats || this.recent(stats)) return;
    let text = `${this.header()}\n`;
    for (const line of head) {
      text += line.startsWith('K\t') && line.endsWith(`\t${index}`) ? `K\t${factsOf(stats)}\t${index}\n` : `${line}\n`;
    }
    this.write(text, listing, generation);
  }

  /**
   * git's listing, passed through unchanged; once it has been read to its end, it is kept when
   * that is safe. `folders`: what gitEntries collected from the same listing.
   */
  *recording(listed: Iterable<ListedEntry>, folders: Set<string>): Generator<ListedEntry> {
    const entries: ListedEntry[] = [];
    for (const entry of listed) {
      entries.push(entry);
      yield entry;
    }
    try {
      this.save(entries, folders);
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }

  private save(entries: ListedEntry[], folders: Set<string>): void {
    if (folders.has('\0unsafe') || !statOf(join(this.root, '.git'), false)?.isDirectory()) return;
    for (const { path, mode } of entries) if (/[\t\n\r]/.test(path) || path.endsWith('/') || mode === '160000') return;
    // Folders first: one changed just now (the usual reason for a miss) ends this before git is asked for its config.
    const watched = this.folders(folders);
    if (!watched) return;
    const keys = this.keyFiles();
    if (!keys) return;
    let text = `${this.header()}\n`;
    for (const path of [...watched.gitignores, ...keys]) {
      const stats = statOf(path, true);
      if (stats && this.recent(stats)) return;
      text += `K\t${factsOf(stats)}\t${path}\n`;
    }
    for (const [rel, stats] of watched.stats) text += `D\t${factsOf(stats)}\t${rel}\n`;
    this.write(text, entries);
  }

  private write(text: string, entries: ListedEntry[], same?: string): void {
    const newline = text.indexOf('\n') + 1;
    const generation = same ?? `${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}`;
    text = `${text.slice(0, newline)}G\t${generation}\n${text.slice(newline)}`;
    for (const { path, mode } of entries) text += `E\t${mode ?? '-'}\t${path}\n`;
    if (writeCacheFile(this.dir, this.file, text, 'git-listing-', this.started)) this.generation = generation;
  }

  private recent(stats: Stats): boolean {
    return tooRecent(stats, this.started);
  }

  /** The files outside the work tree whose stats decide the listing (absolute paths), or undefined when they cannot be known. */
  private keyFiles(): string[] | undefined {
    const home = this.env.HOME;
    const xdg = this.env.XDG_CONFIG_HOME || (home ? join(home, '.config') : undefined);
    const gitDir = join(this.root, '.git');
    const keys = new Set([join(gitDir, 'index'), join(gitDir, 'HEAD'), join(gitDir, 'info', 'exclude'), join(gitDir, 'config'), join(gitDir, 'config.worktree'), '/etc/gitconfig']);
    if (home) keys.add(join(home, '.gitconfig'));
    if (xdg) keys.add(join(xdg, 'git', 'config'));
    const config = this.git(['config', '--list', '--show-origin', '-z']);
    if (!config) return undefined;
    let excludes: string | undefined = xdg ? join(xdg, 'git', 'ignore') : undefined;
    const fields = config.toString('utf8').split('\0');
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const [origin, entry] = [fields[i], fields[i + 1]];
      // `command line:` (GIT_CONFIG_PARAMETERS) is in the header; a blob or stdin origin is not a file to watch.
      if (origin.startsWith('file:')) keys.add(resolve(this.root, origin.slice(5)));
      else if (!origin.startsWith('command line:')) return undefined;
      const newline = entry.indexOf('\n');
      if (newline !== -1 && entry.slice(0, newline) === 'core.excludesfile') {
        const value = entry.slice(newline + 1);
        if (value.startsWith('~/') && home) excludes = join(home, value.slice(2));
        else if (isAbsolute(value)) excludes = value;
        else return undefined;
      }
    }
    if (excludes) keys.add(excludes);
    return [...keys];
  }

  /**
   * Every folder git reads for untracked files, with its lstat, and the .gitignore files in them;
   * undefined when one is too recent, or finding them would read too many folders.
   */
  private folders(listed: Set<string>): { stats: Map<string, Stats>; gitignores: string[] } | undefined {
    const all = new Set<string>(['']);
    for (const folder of listed) {
      for (let rel = folder; rel !== '' && !all.has(rel); rel = rel.slice(0, Math.max(0, rel.lastIndexOf('/')))) all.add(rel);
    }
    const children = new Map<string, number>();
    for (const rel of all) {
      if (rel === '') continue;
      const parent = rel.slice(0, Math.max(0, rel.lastIndexOf('/')));
      children.set(parent, (children.get(parent) ?? 0) + 1);
    }
    const stats = new Map<string, Stats>();
    const gitignores: string[] = [];
    const unlisted: string[] = [];
    let reads = 0;
    const watch = (rel: string, known: Set<string> | undefined): boolean => {
      const absolute = rel === '' ? this.root : join(this.root, rel);
      const folder = statOf(absolute, false);
      if (!folder?.isDirectory() || this.recent(folder)) return false;
      stats.set(rel, folder);
      const gitignore = join(absolute, '.gitignore');
      if (statOf(gitignore, false)) gitignores.push(gitignore);
      const expected = 2 + (known ? (children.get(rel) ?? 0) + (rel === '' ? 1 : 0) : 0);
      if (folder.nlink === expected) return true;
      if (++reads > MAX_FOLDER_READS) return false;
      for (const entry of readdirSync(absolute, { withFileTypes: true })) {
        if (!entry.isDirectory() || SKIPPED_NAMES.has(entry.name)) continue;
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (!known?.has(child)) unlisted.push(child);
      }
      return true;
    };
    for (const rel of all) {
      if (rel.split('/').some((name) => SKIPPED_NAMES.has(name))) continue;
      if (!watch(rel, all)) return undefined;
    }
    // Folders without a listed file: git ignores them (nothing in them is ever listed), or reads them and found nothing.
    while (unlisted.length > 0) {
      const batch = unlisted.splice(0);
      const ignored = this.git(['check-ignore', '-z', '--stdin'], batch.map((rel) => `${rel}\0`).join(''), 1);
      if (!ignored) return undefined;
      const skip = new Set(ignored.toString('utf8').split('\0'));
      for (const rel of batch) if (!skip.has(rel) && !watch(rel, undefined)) return undefined;
    }
    return { stats, gitignores };
  }
}
