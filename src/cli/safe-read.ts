import { closeSync, constants, existsSync, lstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fstatKindAndSize } from './lstat-facts.js';

/**
 * The one way the shells (CLI, LSP, Action) read a scanned file. Scanned trees are hostile: an
 * `include` or a symlink can point at /proc/self/environ, /dev/zero, a FIFO or a terminal. So a
 * file is opened without blocking (O_NONBLOCK: opening a FIFO with no writer would wait forever),
 * checked with fstat on the open descriptor (no race between check and read), read only when it is
 * a regular file, and never past a size cap.
 */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export type ReadResult = { text: string } | { error: string };

const SCRATCH_BYTES = 1024 * 1024;
let scratch: Buffer | undefined;

/** O_NOFOLLOW: a symlink swapped in after the walk looked at the entry is refused instead of followed. */
export function readRegularFile(absolute: string, options: { maxBytes?: number; noFollow?: boolean } = {}): ReadResult {
  const maxBytes = options.maxBytes ?? MAX_FILE_BYTES;
  const flags = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (options.noFollow ? (constants.O_NOFOLLOW ?? 0) : 0);
  let fd: number;
  try {
    fd = openSync(absolute, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { error: code === 'ELOOP' ? 'symlink (not followed)' : (code ?? 'cannot open') };
  }
  try {
    const stats = fstatKindAndSize(fd);
    if (stats.kind !== 'file') return { error: stats.kind === 'directory' ? 'a folder' : 'not a regular file (device, FIFO or socket); not read' };
    if (stats.size > maxBytes) return { error: `larger than ${Math.round(maxBytes / 1024 / 1024)} MB; not read` };
    // The size can grow between fstat and read (a log being written): never read past the cap.
    // Files up to 1 MB are read into one reused buffer (the text is copied out by toString): a run
    // reads tens of thousands of files, and a fresh buffer each would pile up outside the heap until
    // the next GC.
    const want = Math.min(stats.size, maxBytes) + 1;
    // The first `want` bytes of the buffer are used, by offsets: no view of it is made per file.
    const buffer = want <= SCRATCH_BYTES ? (scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES)) : Buffer.allocUnsafe(want);
    let length = 0;
    // Done once the size fstat gave is read: asking again for the byte past it cost every file a
    // second read() that only says end of file (2,877 of them in a one-file nginx run's includer
    // search). A file that reports no size (procfs and the like) is still read until read() ends.
    while (length < want && (length === 0 || length !== stats.size)) {
      const n = readSync(fd, buffer, length, want - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) return { error: `larger than ${Math.round(maxBytes / 1024 / 1024)} MB; not read` };
    return { text: decodeText(buffer, length) };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'cannot read' };
  } finally {
    closeSync(fd);
  }
}

/** A lone surrogate (a UTF-16 file cut or broken mid-pair). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * The text of a file's first `length` bytes: UTF-8, or UTF-16 when it opens with a UTF-16
 * byte-order mark (FF FE little-endian, FE FF big-endian; FF FE 00 00 is UTF-32's and stays
 * binary). Windows PowerShell 5's `>` and `Out-File` write UTF-16LE with a mark; editors open such a
 * file as text, and the language server lints what they send, so the CLI reads the same text: the
 * mark stays as U+FEFF at the start, as in a UTF-8 file with one, and each format's reader treats
 * it as its program does (nginx refuses the file, YAML and Python read over it). Decoded as UTF-8
 * it was NUL bytes, and the file was skipped as binary content. A lone surrogate becomes U+FFFD (one
 * code unit for one: positions unchanged).
 */
export function decodeText(buffer: Buffer, length: number): string {
  const encoding = length >= 2 && buffer[0] >= 0xfe ? textEncoding(buffer.subarray(0, Math.min(length, 4))) : 'utf-8';
  if (encoding === 'utf-16le') return wellFormed(buffer.toString('utf16le', 0, length));
  if (encoding === 'utf-16be') {
    const swapped = Buffer.from(buffer.subarray(0, length - (length % 2)));
    return wellFormed(swapped.swap16().toString('utf16le'));
  }
  return buffer.toString('utf8', 0, length);
}

/** Which encoding decodeText reads from a file's first bytes. */
export function textEncoding(head: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe && !(head.length >= 4 && head[2] === 0 && head[3] === 0)) return 'utf-16le';
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** The bytes of `text` in an encoding decodeText reads back (`--fix` writes a UTF-16 file in its own encoding, mark included as the text's U+FEFF). */
export function encodeText(text: string, encoding: ReturnType<typeof textEncoding>): Buffer {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8');
  const bytes = Buffer.from(text, 'utf16le');
  return encoding === 'utf-16be' ? bytes.swap16() : bytes;
}

function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** Whether `inner` is `outer` or below it (both absolute, resolved). */
export function isInside(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * The scanned roots with their symlinks resolved, once per list of roots: a run's host asks with
 * the same list for every file (hundreds of reads, most of a missing file), and JS realpathSync
 * costs an lstat per path segment. A root that cannot be resolved is left out, as before.
 */
const realRootsOf = new WeakMap<readonly string[], string[]>();

function resolvedRoots(roots: readonly string[]): string[] {
  let real = realRootsOf.get(roots);
  if (!real) {
    real = roots.flatMap((root) => {
      try {
        return [realpathSync(root)];
      } catch {
        return [];
      }
    });
    realRootsOf.set(roots, real);
  }
  return real;
}

/**
 * A file an nginx `include` names, confined to the scanned roots: an absolute path is refused (the
 * workspace matches it by its tail among the repository's files instead), and so is a path that
 * climbs out of every root with `../` or whose symlinks lead out. `path` is relative to `cwd`, as
 * the paths lint() sees are.
 */
export function readConfined(roots: readonly string[], cwd: string, path: string, maxBytes = MAX_FILE_BYTES): ReadResult {
  if (isAbsolute(path) || /^[A-Za-z]:[\\/]/.test(path)) return { error: 'absolute path outside the scanned folder; not read' };
  const absolute = resolve(cwd, path);
  const realRoots = resolvedRoots(roots);
  // The lexical path first: `../../etc/passwd` is refused without touching it.
  if (!roots.some((root) => isInside(resolve(cwd, root), absolute)) && !realRoots.some((root) => isInside(root, absolute))) return { error: 'path leaves the scanned folder; not read' };
  // Most files asked for are not there (the topology looks for .env files, dev-server configs and
  // package.json files of every frontend): a missing one costs no exception, and is told apart only
  // as ENOENT (ENOTDIR, a file where a folder is named, is read the same way by every caller).
  try {
    if (lstatSync(absolute, { throwIfNoEntry: false }) === undefined) return { error: 'ENOENT' };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? 'missing' };
  }
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (error) {
    return { error: `broken or looping symlink (${(error as NodeJS.ErrnoException).code})` };
  }
  if (!realRoots.some((root) => isInside(root, real))) return { error: 'symlink leads out of the scanned folder; not followed' };
  return readRegularFile(real, { noFollow: true, maxBytes });
}

/**
 * The folders a run may read from: each folder named, and for a file named on its own the
 * repository around it (the nearest folder above it holding `.git`), else its own folder.
 */
export function scanRoots(cwd: string, paths: readonly string[]): string[] {
  const roots = new Set<string>();
  for (const given of paths) {
    const absolute = resolve(cwd, given);
    let stats;
    try {
      stats = statSync(absolute);
    } catch {
      continue;
    }
    if (stats.isDirectory()) {
      roots.add(absolute);
      continue;
    }
    const dir = dirname(absolute);
    let repo: string | undefined;
    for (let up = dir; ; up = dirname(up)) {
      if (existsSync(join(up, '.git'))) {
        repo = up;
        break;
      }
      if (dirname(up) === up) break;
    }
    roots.add(repo ?? dir);
  }
  return [...roots];
}
