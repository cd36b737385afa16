import { closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fstatKindAndSize, isFileWith, lstatFacts, statPrefix, usesBindingForTests } from '../src/cli/lstat-facts.js';

const dir = mkdtempSync(join(tmpdir(), 'cors-lint-lstat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expected(path: string) {
  const stats = lstatSync(path, { throwIfNoEntry: false });
  if (!stats) return undefined;
  const kind = stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : stats.isSymbolicLink() ? 'symlink' : 'other';
  return { kind, dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs, ctimeMs: stats.ctimeMs, nlink: stats.nlink };
}

describe('lstatFacts: what the one-file nginx caches compare', () => {
  it('reads Node 20\'s fs binding (the numbers lstatSync builds its Stats from), not lstatSync, where it can', () => {
    expect(usesBindingForTests()).toBe(process.versions.node.startsWith('20.'));
  });

  it('gives exactly what lstatSync gives for a file, a folder, a symlink (not followed), a FIFO, and nothing for a missing path', () => {
    const file = join(dir, 'site.conf');
    writeFileSync(file, 'server { listen 80; }\n');
    const folder = join(dir, 'conf.d');
    mkdirSync(folder);
    writeFileSync(join(folder, 'a.conf'), 'x');
    const link = join(dir, 'link.conf');
    symlinkSync(file, link);
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    for (const path of [file, folder, link, fifo, dir]) expect(lstatFacts(path), path).toEqual(expected(path));
    expect(lstatFacts(link)?.kind).toBe('symlink');
    expect(lstatFacts(fifo)?.kind).toBe('other');
    expect(lstatFacts(join(dir, 'missing.conf'))).toBeUndefined();
    expect(lstatFacts(join(file, 'below-a-file'))).toBeUndefined();
  });

  it('sees a file written again: a new size and new times', async () => {
    const file = join(dir, 'edited.conf');
    writeFileSync(file, 'a');
    const before = lstatFacts(file);
    await new Promise((done) => setTimeout(done, 20));
    writeFileSync(file, 'ab');
    const after = lstatFacts(file);
    expect(after).toEqual(expected(file));
    expect(after?.size).toBe(2);
    expect(after?.mtimeMs).not.toBe(before?.mtimeMs);
  });
});

describe('isFileWith: the includer cache\'s check of one file', () => {
  it('is true only for a regular file with exactly those five facts', () => {
    const file = join(dir, 'facts.conf');
    writeFileSync(file, 'location / {}\n');
    const stats = lstatSync(file);
    const facts = new Float64Array([0, stats.dev, stats.ino, stats.size, stats.mtimeMs, stats.ctimeMs]);
    expect(isFileWith(file, facts, 1)).toBe(true);
    for (let at = 1; at <= 5; at++) {
      const changed = facts.slice();
      changed[at] += 1;
      expect(isFileWith(file, changed, 1), `fact ${at}`).toBe(false);
    }
    const folder = join(dir, 'facts.d');
    mkdirSync(folder);
    const folderStats = lstatSync(folder);
    expect(isFileWith(folder, new Float64Array([folderStats.dev, folderStats.ino, folderStats.size, folderStats.mtimeMs, folderStats.ctimeMs]), 0)).toBe(false);
    expect(isFileWith(join(dir, 'gone.conf'), facts, 1)).toBe(false);
  });
});

describe('fstatKindAndSize: the safe read\'s check of an open file', () => {
  it('gives the kind and size fstatSync gives, and fstatSync\'s error for a closed descriptor', () => {
    const file = join(dir, 'read.conf');
    writeFileSync(file, 'x'.repeat(1234));
    const folder = join(dir, 'read.d');
    mkdirSync(folder);
    const fifo = join(dir, 'read.pipe');
    execFileSync('mkfifo', [fifo]);
    const cases: [string, string, number | undefined][] = [
      [file, 'file', 1234],
      [folder, 'directory', undefined],
      [fifo, 'other', undefined],
    ];
    for (const [path, kind, size] of cases) {
      const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      try {
        const got = fstatKindAndSize(fd);
        expect(got.kind, path).toBe(kind);
        if (size !== undefined) expect(got.size).toBe(size);
      } finally {
        closeSync(fd);
      }
    }
    const fd = openSync(file, 'r');
    closeSync(fd);
    expect(() => fstatKindAndSize(fd)).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});

describe('statPrefix: paths below the working folder are stat\'ed relative to it', () => {
  it('is empty for the working folder itself and the folder with a separator for any other', () => {
    expect(statPrefix(process.cwd())).toBe('');
    expect(statPrefix(dir)).toBe(`${dir}${sep}`);
    expect(statPrefix(`${dir}${sep}`)).toBe(`${dir}${sep}`);
  });

  it('gives a relative path the same facts as the absolute one when the working folder is the root', () => {
    const file = join(dir, 'relative.conf');
    writeFileSync(file, 'server { listen 81; }\n');
    const before = process.cwd();
    process.chdir(dir);
    try {
      expect(lstatFacts(`${statPrefix(dir)}relative.conf`)).toEqual(expected(file));
    } finally {
      process.chdir(before);
    }
  });
});
