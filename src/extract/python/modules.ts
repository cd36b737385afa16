import { posix } from 'node:path';
import { parsePython, type ParsedPython } from './parse.js';
import { moduleBindings, type ModuleBindings } from './values.js';

/**
 * Python modules of the same repository, read when a value is imported from one
 * (`from .settings import ORIGINS`, `from app.config import cors_origins`). The text comes from
 * the engine's module source (lint inputs first, then the host, confined to the scanned root);
 * nothing outside the repository is guessed at. Each module is parsed once per run.
 */
export interface ModuleReader {
  read(importer: string, path: string): string | undefined;
}

/** Imports followed from the file being linted, at most. */
export const MAX_HOPS = 3;
/** Ancestor folders tried as the import root for an absolute import (`src/` layouts, apps in sub-folders). */
const MAX_ROOTS = 4;

export class PythonModules {
  private readonly parsed = new Map<string, ParsedPython | null>();
  /** By module, then by hop count: bindings made at fewer hops follow imports further, so handing them out deeper would restart the count (a star-import or import cycle away from the linted file then recursed without end). */
  private readonly bindings = new Map<ParsedPython, ModuleBindings[]>();

  /** `root` is the linted file: every module read, however many imports away, is recorded as its dependency. */
  constructor(
    private readonly reader: ModuleReader,
    private readonly root: string,
  ) {}

  /** The module `from <module> import …` names, seen from `importer`: leading dots are relative to its package. */
  load(importer: string, module: string): ParsedPython | undefined {
    for (const path of candidates(importer, module)) {
      let parsed = this.parsed.get(path);
      if (parsed === undefined) {
        const text = path === this.root ? undefined : this.reader.read(this.root, path);
        parsed = text === undefined ? null : parsePython({ path, text }).parsed;
        // A module that cannot be read is remembered as missing only for this importer's candidates.
        if (text !== undefined) this.parsed.set(path, parsed);
      }
      if (parsed) return parsed;
    }
    return undefined;
  }

  /** A loaded module's bindings, able to follow its own imports. */
  bindingsOf(parsed: ParsedPython, hops: number): ModuleBindings {
    let byHops = this.bindings.get(parsed);
    if (!byHops) this.bindings.set(parsed, (byHops = []));
    return (byHops[hops] ??= moduleBindings(parsed, this, hops));
  }
}

/** Files that can hold `module` for an import written in `importer` (paths relative to the scanned root). */
export function candidates(importer: string, module: string): string[] {
  const level = /^\.*/.exec(module)![0].length;
  const rest = module.slice(level).split('.').filter(Boolean);
  if (rest.length === 0) return [];
  const bases: string[] = [];
  let dir = posix.dirname(importer.replace(/\\/g, '/'));
  if (level > 0) {
    for (let i = 1; i < level; i++) {
      // Above the scanned root is outside the repository.
      if (dir === '.' || dir === '') return [];
      dir = posix.dirname(dir);
    }
    bases.push(dir);
  } else {
    // An absolute import resolves against the project root, which may be any ancestor of the importer.
    for (let i = 0; i < MAX_ROOTS; i++) {
      bases.push(dir);
      if (dir === '.' || dir === '/' || dir === '') break;
      dir = posix.dirname(dir);
    }
  }
  const out: string[] = [];
  for (const base of bases) {
    const path = posix.join(base === '.' ? '' : base, ...rest);
    out.push(`${path}.py`, `${path}/__init__.py`);
  }
  return [...new Set(out)];
}
