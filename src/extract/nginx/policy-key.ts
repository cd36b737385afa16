import { createRequire } from 'node:module';
import type { KeySegment, PolicyKey } from '../../engine/policy-memo.js';
import type { Loc } from '../../model/types.js';
import type { NginxContext } from './contexts.js';
import type { NginxMap } from './program.js';
import { fileFacts } from './program.js';
import type { NginxDirective } from './parse.js';

/**
 * node:crypto is loaded on the first long key, not with the program: it costs a one-file run of a
 * JS, Python or YAML file (which never makes one) several milliseconds of a ~130 ms start.
 */
let crypto: typeof import('node:crypto') | undefined;
const createHash = (algorithm: string) => (crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto')).createHash(algorithm);

/**
 * The memo key of one place's policy (engine/policy-memo.ts): everything its extraction and the
 * rules read, without positions, and the positions of those tokens in a fixed order. What a
 * location's policy is computed from (extract.ts, program.ts, tested-origins.ts):
 * - the place itself: its directive and its whole block, includes expanded, nested blocks and all;
 * - each level around it (server, http, main): its directive and its own directives, with the `if`
 *   blocks in full (a server's `if`s reach every location) and other plain blocks in full, and its
 *   named locations in full (an `error_page … @name` answers from one), but not the server and
 *   other location blocks beside it, which nothing of this place reads;
 * - the file: its maps and geos, the variables some `set` declares anywhere, and whether a
 *   directive holds the token mark (program.ts `fileFacts`), and the root file's name.
 * Not in the key: positions (moved), and the values of `server_name` and of a prefix or exact
 * `location`'s arguments, which only name the scope (its label and path are rebuilt for the new
 * place, and a rule that reads them is replayed only where they are the same). Every string is
 * written with its length, so no value can pass for structure.
 */

const levelSegments = new WeakMap<NginxContext, KeySegment>();
const fileSegments = new WeakMap<NginxContext, KeySegment>();

class Writer {
  out = '';
  points: number[] = [];
  files: string[] = [];
  private file = '';

  text(value: string): void {
    this.out += `${value.length}:${value}`;
  }

  mark(value: string): void {
    this.out += value;
  }

  token(loc: Loc): void {
    this.points.push(loc.line, loc.column, loc.endLine, loc.endColumn);
    this.files.push(loc.file);
  }

  /** A directive's name, arguments and flags (not its block). */
  head(directive: NginxDirective): void {
    if (directive.file !== this.file) {
      this.file = directive.file;
      this.mark('@');
      this.text(directive.file);
    }
    this.mark('D');
    this.text(directive.name);
    this.token(directive.nameLoc);
    this.token(directive.loc);
    // Names only the policy's scope label reads (engine/policy-memo.ts rebuilds the scope and
    // watches which rules read it): a prefix location's path, a server's names.
    const named = directive.name === 'server_name' || (directive.name === 'location' && !/^[~@]/.test(directive.args[0]?.value ?? ''));
    for (const arg of directive.args) {
      this.mark(arg.quoted ? 'q' : 'a');
      if (!named) this.text(arg.value);
      this.token(arg.loc);
    }
    if (directive.malformed) this.mark('!');
    if (directive.opaqueBlock) this.mark('o');
  }

  /** A directive and its block as parsed (blocks that are not levels of their own: map, limit_except, types). */
  raw(directive: NginxDirective): void {
    this.head(directive);
    if (!directive.block) return;
    this.mark('{');
    for (const child of directive.block) this.raw(child);
    this.mark('}');
  }

  /** A level in full: its own directives, with its child levels in full. */
  level(context: NginxContext): void {
    this.mark(`L${context.kind}${context.hasUnresolvedInclude ? '?' : ''}{`);
    for (const directive of context.body) {
      const child = context.children.get(directive);
      if (child) {
        this.head(directive);
        this.level(child);
      } else this.raw(directive);
    }
    this.mark('}');
  }

  segment(): KeySegment {
    const key = this.out;
    // Long contents (a server's own directives, big maps) are named by a digest, so a key stays short.
    return { key: key.length > 256 ? `#${createHash('sha256').update(key).digest('base64')}` : key, points: this.points, files: this.files };
  }
}

/** A level around the place: its directive and own directives, `if`s and plain blocks in full, no server or location block. */
function levelSegment(context: NginxContext): KeySegment {
  let found = levelSegments.get(context);
  if (found) return found;
  const writer = new Writer();
  writer.mark(`A${context.kind}${context.hasUnresolvedInclude ? '?' : ''}`);
  if (context.directive) writer.head(context.directive);
  writer.mark('{');
  for (const directive of context.body) {
    const child = context.children.get(directive);
    if (!child) writer.raw(directive);
    else if (child.kind === 'if' || (child.kind === 'location' && directive.args[0]?.value.startsWith('@'))) {
      writer.head(directive);
      writer.level(child);
    }
  }
  writer.mark('}');
  found = writer.segment();
  levelSegments.set(context, found);
  return found;
}

/** The file's maps (as collected: the last map of a name wins), declared variables and token-mark fact. */
function fileSegment(root: NginxContext, maps: Map<string, NginxMap>, rootFile: string): KeySegment {
  let found = fileSegments.get(root);
  if (found) return found;
  const writer = new Writer();
  writer.mark('F');
  writer.text(rootFile);
  for (const [name, map] of maps) {
    writer.mark(`M${map.kind}`);
    writer.text(name);
    writer.raw(map.directive);
  }
  const facts = fileFacts(root);
  writer.mark(facts.nul ? 'N' : 'n');
  for (const name of [...facts.declared].sort()) writer.text(name);
  found = writer.segment();
  fileSegments.set(root, found);
  return found;
}

/** The segments of the levels around a place (the file, then each level from the outermost): shared by every place inside them. */
export function aroundSegments(rootFile: string, root: NginxContext, target: NginxContext, maps: Map<string, NginxMap>): KeySegment[] {
  // One list per level: the places in it share it (callers never change it).
  const shared = target.parent && aroundLists.get(target.parent);
  if (shared) return shared;
  const segments: KeySegment[] = [fileSegment(root, maps, rootFile)];
  const levels: NginxContext[] = [];
  for (let level = target.parent; level; level = level.parent) levels.push(level);
  for (let i = levels.length - 1; i >= 0; i--) segments.push(levelSegment(levels[i]));
  if (target.parent) aroundLists.set(target.parent, segments);
  return segments;
}

const aroundLists = new WeakMap<NginxContext, KeySegment[]>();

/** The place's own segment: its directive and its whole block. */
export function ownSegment(target: NginxContext): KeySegment {
  const writer = new Writer();
  writer.mark('T');
  if (target.directive) writer.head(target.directive);
  writer.level(target);
  return writer.segment();
}

export function nginxPolicyKey(rootFile: string, root: NginxContext, target: NginxContext, maps: Map<string, NginxMap>): PolicyKey {
  const segments = [...aroundSegments(rootFile, root, target, maps), ownSegment(target)];
  return { key: segments.map((segment) => segment.key).join('\u0000'), segments };
}

/**
 * A location's exact source (from its name to its closing brace) and where it starts, when that
 * text alone decides its own segment: no `include` in it (an included file can change while this
 * text does not). An editor's unchanged location is found by it without reading its tokens.
 */
export function exactSource(target: NginxContext, text: (file: string) => { text: string; lineStarts: number[] } | undefined): string | undefined {
  const directive = target.directive;
  if (!directive || target.kind !== 'location' || directive.loc.file !== directive.file) return undefined;
  const source = text(directive.file);
  if (!source) return undefined;
  const { loc } = directive;
  const start = source.lineStarts[loc.line - 1];
  const end = source.lineStarts[loc.endLine - 1];
  if (start === undefined || end === undefined) return undefined;
  const slice = source.text.slice(start + loc.column - 1, end + loc.endColumn - 1);
  if (slice.includes('include')) return undefined;
  // A copy made flat (the memo keeps it): the slice alone is a view of the whole document, which it kept alive.
  return flat(`${directive.file}\u0000${loc.line}:${loc.column}\u0000${slice}`);
}

/** `value` as one string of its own characters, holding no reference to the strings it was made from. */
function flat(value: string): string {
  return ` ${value}`.slice(1);
}
