import type { Loc } from '../../model/types.js';
import { checkBudget } from '../../util/budget.js';
import { activeParseCache, changedRange } from '../../engine/parse-cache.js';
import type { LineShift } from '../../engine/policy-memo.js';
import { lineIndexAt, lineStartsOf, positionAt } from '../offsets.js';

/**
 * An nginx config reader that keeps the exact position of every directive and argument.
 * Written by hand after nginx's own `ngx_conf_read_token` because no npm nginx parser gives
 * positions, splits arguments, or reports a missing `;` (see ../shared/libraries.md).
 */

export interface NginxArg {
  /** The value after nginx's unquoting (`\"`, `\'`, `\\` unescaped; other backslashes kept, as nginx does). */
  value: string;
  quoted: boolean;
  loc: Loc;
}

export interface NginxDirective {
  name: string;
  nameLoc: Loc;
  args: NginxArg[];
  /** Child directives for block directives (`server { … }`). Opaque blocks (Lua) have none. */
  block?: NginxDirective[];
  opaqueBlock?: boolean;
  /** Reported as a parse error (wrong argument count, usually a missing `;`): not analysed. */
  malformed?: boolean;
  /** From the name to the `;` or the closing `}`. */
  loc: Loc;
  file: string;
}

export interface NginxParseError {
  message: string;
  loc: Loc;
}

export interface NginxParseResult {
  directives: NginxDirective[];
  errors: NginxParseError[];
  comments: Array<{ text: string; loc: Loc }>;
}

/** Blocks deeper than this are not analysed (nginx itself has no limit, but no real config comes close). */
export const MAX_NESTING = 100;

/** Block directives: a line that starts with one of these and opens a block is its own directive even when the line before lacks its `;`. */
const BLOCK_DIRECTIVES = new Set(['http', 'server', 'location', 'if', 'map', 'geo', 'upstream', 'events', 'types', 'limit_except', 'split_clients', 'stream', 'mail', 'match']);

/** A scanned name in a message: at most 60 characters (a 50 MB token must not become a 50 MB message). */
function shown(name: string): string {
  return name.length > 60 ? `${name.slice(0, 57)}…` : name;
}

/** Directives whose arity nginx enforces; a wrong count is almost always a missing `;`. */
const ARITY: Record<string, [number, number]> = {
  add_header: [2, 3],
  add_trailer: [2, 3],
  proxy_hide_header: [1, 1],
  proxy_pass: [1, 1],
  server_name: [1, Infinity],
  set: [2, 2],
  return: [1, 2],
  root: [1, 1],
  listen: [1, Infinity],
  include: [1, 1],
};

/** Block directives a stray unterminated line can swallow. */
const BLOCK_NAMES = new Set(['http', 'server', 'location', 'events', 'upstream', 'map', 'geo', 'stream', 'types', 'limit_except']);

interface Token {
  value: string;
  quoted: boolean;
  start: number;
  end: number;
  kind: 'word' | ';' | '{' | '}';
  /** A quoted string with no closing quote: it runs to the end of the file. */
  unterminated?: true;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * A copy of `value` that holds no reference to the text it was sliced from. V8 keeps a slice of 13
 * characters or more as a view of the whole string, so in the language server every token read again
 * after a keystroke kept that keystroke's document alive for as long as the policy memo held a policy
 * built from it (up to 10,000 versions; policy-key.ts exactSource held one more per keystroke). A
 * concatenation made flat and sliced again holds only its own characters.
 */
function detach(value: string): string {
  return value.length < 13 ? value : ` ${value}`.slice(1);
}

function unescape(raw: string): string {
  if (!raw.includes('\\')) return raw;
  return raw.replace(/\\(["'\\tnr])/g, (_, ch: string) => (ch === 't' ? '\t' : ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch));
}

export function parseNginx(text: string, file: string): NginxParseResult {
  const { directives, errors, comments } = readDirectives(text, file, lineStartsOf(text));
  return { directives, errors: onlyFirst(errors), comments };
}

/** A parse with what reparseNginx needs of it: the text it read, its line table, and every parse error (before onlyFirst). */
export interface NginxParseState {
  text: string;
  lineStarts: number[];
  result: NginxParseResult;
  errors: NginxParseError[];
  /** Set when this parse was made from the last one by an edit that only moved lines (see copiedFrom). */
  shift?: LineShift;
  /** The block directives this parse copied (its entries in copiedFrom, dropped when the next parse is made from it). */
  copies?: NginxDirective[];
}

/**
 * Block directives reparseNginx copied with their lines moved, to the directive of the last parse
 * each was copied from and the shift that moved it: the language server's extractor hands out the last
 * policy of such a location, moved by the shift (extract.ts), instead of working it out again.
 */
export const copiedFrom = new WeakMap<NginxDirective, { original: NginxDirective; shift: LineShift }>();

/**
 * Forgets what a parse copied once the next parse is made from it: an entry is read only in the run
 * of the parse that made it (what its readers derive for a copy is kept by the copy), and a copy kept
 * by the next Enter's parse, whose entry held its original, kept every earlier generation of copies
 * alive, with the policies and context trees the language server's extractor kept for them (about
 * 0.4 MB per Enter on the 2,000-line bench document, never freed).
 */
function forgetCopies(state: NginxParseState): void {
  if (!state.copies) return;
  for (const copy of state.copies) copiedFrom.delete(copy);
  state.copies = undefined;
}

export function parseNginxState(text: string, file: string): NginxParseState {
  const lineStarts = lineStartsOf(text);
  const { directives, errors, comments } = readDirectives(text, file, lineStarts);
  return { text, lineStarts, result: { directives, errors: onlyFirst(errors), comments }, errors };
}

/**
 * The language server's parse after an edit (the same result as parseNginx(text, file)): when the
 * edit lies inside one block (between its name and its closing brace) that began a statement and
 * is followed by nothing else on its last line, that block alone is read again. Nothing before it
 * changes; what comes after it is the same but for its lines (an edit that adds or removes lines
 * moves them, and those directives are copied with their lines moved; else they are reused as they
 * are). When the block read again is not one block ending where the edit puts the old end (a brace
 * or quote typed or removed), the file is parsed from scratch.
 */
export function reparseNginx(previous: NginxParseState, text: string, file: string): NginxParseState {
  if (text === previous.text) return previous;
  const next = reparseInside(previous, text, file) ?? parseNginxState(text, file);
  forgetCopies(previous);
  return next;
}

function reparseInside(previous: NginxParseState, text: string, file: string): NginxParseState | undefined {
  const { fromA, toA } = changedRange(previous.text, text);
  const delta = text.length - previous.text.length;
  const oldStarts = previous.lineStarts;
  const offsetOf = (line: number, column: number) => oldStarts[line - 1] + column - 1;
  // The innermost statement block that holds the edit inside it (after its name, before its closing brace), and the blocks around it.
  const spine: NginxDirective[] = [];
  let block: NginxDirective | undefined;
  for (let list = previous.result.directives; ; ) {
    const inside = list.find((directive) => {
      if (!directive.block || directive.opaqueBlock || directive.file !== file) return false;
      const start = offsetOf(directive.nameLoc.line, directive.nameLoc.column);
      const end = offsetOf(directive.loc.endLine, directive.loc.endColumn);
      // Its closing brace is not part of the edit (an edit right before it is inside: the block read again must close at that brace).
      return start < fromA && toA <= end - 1 && previous.text.charCodeAt(end - 1) === 125;
    });
    if (!inside) break;
    spine.push(inside);
    if (statementBlocks.has(inside)) block = inside;
    list = inside.block!;
  }
  if (!block) return undefined;
  spine.length = spine.indexOf(block) + 1;
  const start = offsetOf(block.nameLoc.line, block.nameLoc.column);
  const end = offsetOf(block.loc.endLine, block.loc.endColumn) + delta;
  // Nothing but blanks after its closing brace on that line: what follows keeps its columns.
  for (let i = end; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 10 || code === 13) break;
    if (code !== 32 && code !== 9) return undefined;
  }
  const lineStarts = lineStartsOf(text);
  const reading = readDirectives(text, file, lineStarts, start, { depth: spine.length - 1, outer: spine.slice(0, -1).map((directive) => directive.name) });
  const [read] = reading.directives;
  if (!reading.closed || reading.end !== end || reading.directives.length !== 1 || !read.block || read.opaqueBlock || read.name !== block.name) return undefined;
  const lines = lineStarts.length - oldStarts.length;
  // Positions: before the block's name, inside its old span, after its end.
  const oldStart = block.nameLoc;
  const oldEnd = { line: block.loc.endLine, column: block.loc.endColumn };
  const before = (loc: Loc) => loc.line < oldStart.line || (loc.line === oldStart.line && loc.column < oldStart.column);
  const after = (loc: Loc) => loc.line > oldEnd.line || (loc.line === oldEnd.line && loc.column >= oldEnd.column);
  // What follows the block is on later lines (nothing but blanks after its brace): only their numbers change.
  const moved = (loc: Loc): Loc => (lines === 0 ? loc : { file: loc.file, line: loc.line + lines, column: loc.column, endLine: loc.endLine + lines, endColumn: loc.endColumn });
  let shift: LineShift | undefined;
  const copies: NginxDirective[] = [];
  if (lines !== 0) {
    const at = positionAt(oldStarts, fromA);
    shift = { file, line: at.line, column: at.column, endLine: oldEnd.line, lines };
  }
  const moveDirective = (directive: NginxDirective): NginxDirective => {
    if (!shift) return directive;
    const copy: NginxDirective = { ...directive, nameLoc: moved(directive.nameLoc), args: directive.args.map((arg) => ({ value: arg.value, quoted: arg.quoted, loc: moved(arg.loc) })), loc: moved(directive.loc) };
    if (directive.block) {
      copy.block = directive.block.map(moveDirective);
      if (statementBlocks.has(directive)) statementBlocks.add(copy);
      copiedFrom.set(copy, { original: directive, shift });
      copies.push(copy);
    }
    return copy;
  };
  // The blocks around it are new objects (their ends moved, their lists hold the new block); the rest is shared.
  const rebuild = (list: NginxDirective[], level: number): NginxDirective[] => {
    const index = list.indexOf(spine[level]);
    const replaced = level === spine.length - 1 ? read : { ...spine[level], block: rebuild(spine[level].block!, level + 1), loc: { ...spine[level].loc, endLine: spine[level].loc.endLine + lines } };
    if (level < spine.length - 1 && statementBlocks.has(spine[level])) statementBlocks.add(replaced);
    return [...list.slice(0, index), replaced, ...list.slice(index + 1).map(moveDirective)];
  };
  const directives = rebuild(previous.result.directives, 0);
  const errors = [...previous.errors.filter((error) => before(error.loc)), ...reading.errors, ...previous.errors.filter((error) => after(error.loc)).map((error) => ({ ...error, loc: moved(error.loc) }))];
  const comments = [...previous.result.comments.filter((comment) => before(comment.loc)), ...reading.comments, ...previous.result.comments.filter((comment) => after(comment.loc)).map((comment) => ({ ...comment, loc: moved(comment.loc) }))];
  return { text, lineStarts, result: { directives, errors: onlyFirst(errors), comments }, errors, ...(shift ? { shift, copies } : {}) };
}

/** What one reading of the tokens gives: every parse error (before onlyFirst), and where it stopped. */
interface Reading {
  directives: NginxDirective[];
  errors: NginxParseError[];
  comments: NginxParseResult['comments'];
  /** The offset after the last token read. */
  end: number;
  /** `single` only: the block was read to its closing brace with nothing left pending. */
  closed: boolean;
}

/**
 * Block directives whose name began a statement (nothing pending before it, no stray line split off
 * in front of it): the parse from its name on does not depend on what comes before it, so the
 * language server can read such a block again on its own (reparseNginx).
 */
const statementBlocks = new WeakSet<NginxDirective>();

/**
 * Reads directives from `from`. With `single`, reads one directive that starts a statement there,
 * at nesting depth `depth` (0: top level), and stops after its block closes.
 */
/**
 * Directives nginx refuses inside an `if` block (checked with nginx 1.22 `nginx -t`). Any `if`:
 * blocks that are never allowed there. Inside an `if` at server level nginx takes only the rewrite
 * module's directives; inside one in a location, most output directives but not these. Lists of
 * what is refused, not allowed, so a third-party directive nginx may accept is never reported.
 */
const NOT_IN_ANY_IF = new Set(['if', 'location', 'limit_except', 'server', 'http', 'upstream', 'map']);
const NOT_IN_LOCATION_IF = new Set(['proxy_set_header', 'proxy_hide_header', 'proxy_pass_header', 'try_files', 'default_type', 'deny', 'allow']);
const NOT_IN_SERVER_IF = new Set([
  ...NOT_IN_LOCATION_IF,
  'add_header',
  'add_trailer',
  'more_set_headers',
  'more_clear_headers',
  'proxy_pass',
  'fastcgi_pass',
  'uwsgi_pass',
  'grpc_pass',
  'expires',
  'root',
  'alias',
  'error_page',
  'access_log',
]);

/**
 * Directives whose only context is `http` (nginx.org's "Context: http"): inside a `server` or `location`
 * block nginx refuses the whole configuration ("… directive is not allowed here", checked with nginx
 * 1.22 `nginx -t`). `limit_req_zone` or `map` written in a server block is a common slip, and the first
 * error nginx names. Only blocks written as such count: a snippet's own context is not known.
 */
const HTTP_ONLY = new Set([
  'map',
  'geo',
  'upstream',
  'split_clients',
  'limit_req_zone',
  'limit_conn_zone',
  'proxy_cache_path',
  'fastcgi_cache_path',
  'uwsgi_cache_path',
  'scgi_cache_path',
  'log_format',
  'map_hash_bucket_size',
  'map_hash_max_size',
  'server_names_hash_bucket_size',
  'server_names_hash_max_size',
  'variables_hash_bucket_size',
  'variables_hash_max_size',
]);

function readDirectives(text: string, file: string, lineStarts: number[], from = 0, single?: { depth: number; outer: string[] }): Reading {
  // Tokens come in file order, so a forward cursor finds most lines in O(1); a backward jump falls back to a binary search.
  let cursor = from > 0 ? lineIndexAt(lineStarts, from) : 0;
  const lineIndexOf = (offset: number): number => {
    if (offset < lineStarts[cursor]) return positionAt(lineStarts, offset).line - 1;
    while (cursor + 1 < lineStarts.length && lineStarts[cursor + 1] <= offset) cursor++;
    return cursor;
  };
  const toLoc = (start: number, end: number): Loc => {
    const a = lineIndexOf(start);
    const b = lineIndexOf(end);
    return { file, line: a + 1, column: start - lineStarts[a] + 1, endLine: b + 1, endColumn: end - lineStarts[b] + 1 };
  };
  const errors: NginxParseError[] = [];
  const startsLine = (offset: number) => {
    for (let i = offset - 1; i >= 0; i--) {
      const c = text.charCodeAt(i);
      if (c === 10) return true;
      if (c !== 32 && c !== 9 && c !== 13 && !(i === 0 && c === 0xfeff)) return false;
    }
    return true;
  };
  const comments: NginxParseResult['comments'] = [];
  // The language server keeps parses from one keystroke to the next: their strings are copies (detach).
  const word = activeParseCache() === undefined ? unescape : (raw: string) => detach(unescape(raw));
  let pos = from;
  /** Set once a quoted string runs to the end of the file. */
  let runaway = false;
  // A byte-order mark (a Windows editor's "UTF-8 with BOM") is no blank to nginx: it becomes part of the first
  // directive's name, and `nginx -t` fails with 'unknown directive "\uFEFFserver"' (nginx 1.22). Reported, and
  // the rest is read as nginx would read the file saved without it (as a stray first line is).
  if (from === 0 && text.charCodeAt(0) === 0xfeff) {
    errors.push({ message: 'the file starts with a byte-order mark (U+FEFF): nginx reads it as part of the first directive\'s name and refuses the configuration (unknown directive); save the file as UTF-8 without BOM', loc: toLoc(0, 1) });
    pos = 1;
  }
  /** Start of the word that began the pending statement when nothing was pending before it. */
  let statementStart = -1;

  function nextToken(): Token | undefined {
    for (;;) {
      checkBudget();
      while (pos < text.length && isSpace(text.charCodeAt(pos))) pos++;
      if (pos >= text.length) return undefined;
      const ch = text[pos];
      if (ch === '#') {
        const start = pos;
        while (pos < text.length && text[pos] !== '\n') pos++;
        comments.push({ text: activeParseCache() === undefined ? text.slice(start, pos) : detach(text.slice(start, pos)), loc: toLoc(start, pos) });
        continue;
      }
      if (ch === ';' || ch === '{' || ch === '}') {
        pos++;
        return { value: ch, quoted: false, start: pos - 1, end: pos, kind: ch };
      }
      const start = pos;
      if (ch === '"' || ch === "'") {
        pos++;
        while (pos < text.length && text[pos] !== ch) pos += text[pos] === '\\' ? 2 : 1;
        if (pos >= text.length) {
          errors.push({ message: `unterminated ${ch === '"' ? 'double' : 'single'}-quoted string`, loc: toLoc(start, start + 1) });
          runaway = true;
          return { value: word(text.slice(start + 1)), quoted: true, start, end: text.length, kind: 'word', unterminated: true };
        }
        pos++;
        const next = text[pos];
        if (next !== undefined && !isSpace(text.charCodeAt(pos)) && next !== ';' && next !== '{' && next !== ')' && next !== '}') {
          errors.push({ message: `unexpected "${next}" after quoted string`, loc: toLoc(pos, pos + 1) });
        }
        return { value: word(text.slice(start + 1, pos - 1)), quoted: true, start, end: pos, kind: 'word' };
      }
      // An unquoted word: ends at whitespace, `;`, `{` or `}`; `${name}` is a variable, not a block.
      while (pos < text.length) {
        const c = text[pos];
        if (c === '\\') {
          pos += 2;
          continue;
        }
        if (isSpace(text.charCodeAt(pos)) || c === ';' || c === '}') break;
        if (c === '{') {
          if (text[pos - 1] === '$') {
            const close = text.indexOf('}', pos);
            pos = close === -1 ? text.length : close + 1;
            continue;
          }
          break;
        }
        pos++;
      }
      return { value: word(text.slice(start, Math.min(pos, text.length))), quoted: false, start, end: Math.min(pos, text.length), kind: 'word' };
    }
  }

  /** Lua and other `*_block` bodies are not nginx syntax: skip them by brace depth, minding Lua strings and comments. */
  function skipOpaqueBlock(openAt: number): number {
    let depth = 1;
    let i = openAt + 1;
    while (i < text.length) {
      const c = text[i];
      if (c === '-' && text[i + 1] === '-') {
        const long = /^--\[(=*)\[/.exec(text.slice(i, i + 20));
        if (long) {
          const close = text.indexOf(`]${long[1]}]`, i);
          i = close === -1 ? text.length : close + long[1].length + 2;
        } else {
          while (i < text.length && text[i] !== '\n') i++;
        }
        continue;
      }
      if (c === '"' || c === "'") {
        i++;
        while (i < text.length && text[i] !== c && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
        i++;
        continue;
      }
      if (c === '[') {
        const long = /^\[(=*)\[/.exec(text.slice(i, i + 20));
        if (long) {
          const close = text.indexOf(`]${long[1]}]`, i);
          i = close === -1 ? text.length : close + long[1].length + 2;
          continue;
        }
      }
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return text.length;
  }

  interface Frame {
    directives: NginxDirective[];
    owner?: NginxDirective;
    ownerStart?: number;
    openLoc?: Loc;
  }
  const root: Frame = { directives: [] };
  const stack: Frame[] = [root];
  let pending: { name: Token; args: Token[] } | undefined;
  let skippedDepth = 0;

  const checkArity = (directive: NginxDirective, hasBlock: boolean) => {
    const arity = ARITY[directive.name];
    if (!arity || hasBlock) return;
    const count = directive.args.length;
    if (count >= arity[0] && count <= arity[1]) return;
    directive.malformed = true;
    const previousLineEnd = directive.args.findIndex((arg, i) => i > 0 && arg.loc.line > directive.args[i - 1].loc.line);
    if (count > arity[1] && previousLineEnd > 0) {
      errors.push({
        message: `missing ';' after this argument of "${shown(directive.name)}" (the next line is read as more arguments)`,
        loc: directive.args[previousLineEnd - 1].loc,
      });
    } else {
      errors.push({ message: `invalid number of arguments in "${shown(directive.name)}" directive`, loc: directive.nameLoc });
    }
  };

  const makeDirective = (name: Token, args: Token[], end: number): NginxDirective => {
    const directive: NginxDirective = {
      name: name.value,
      nameLoc: toLoc(name.start, name.end),
      args: args.map((arg) => ({ value: arg.value, quoted: arg.quoted, loc: toLoc(arg.start, arg.end) })),
      loc: toLoc(name.start, end),
      file,
    };
    // A string left open swallows the rest of the file (nginx: 'unexpected end of file'): its directive is not analysed.
    if (runaway && args.length > 0 && args[args.length - 1].unterminated) directive.malformed = true;
    return directive;
  };

  const lineOf = (token: Token) => lineIndexOf(token.start) + 1;

  /** nginx refuses the whole configuration (`nginx -t`: "… directive is not allowed here") for a directive its `if` block does not take. */
  const checkPlace = (directive: NginxDirective) => {
    // The names of the enclosing blocks, innermost first: this file's open blocks, then (a block read again on its own) those around it.
    const outer = single?.outer ?? [];
    const enclosing = (up: number): string | undefined => (up < stack.length - 1 ? stack[stack.length - 1 - up].owner!.name : outer[outer.length - 1 - (up - (stack.length - 1))]);
    const inside = enclosing(0);
    if ((inside === 'server' || inside === 'location') && HTTP_ONLY.has(directive.name)) {
      errors.push({ message: `"${shown(directive.name)}" directive is not allowed here (it belongs in the http block, outside any ${inside}): nginx refuses the whole configuration`, loc: directive.nameLoc });
      return;
    }
    if (inside !== 'if') return;
    const around = enclosing(1);
    const refused = NOT_IN_ANY_IF.has(directive.name) || (around === 'server' && NOT_IN_SERVER_IF.has(directive.name)) || (around === 'location' && NOT_IN_LOCATION_IF.has(directive.name));
    if (!refused) return;
    const why = around === 'server' && !NOT_IN_ANY_IF.has(directive.name) ? " (an 'if' at server level takes only set, rewrite, return and break; move it into a location)" : '';
    errors.push({ message: `"${shown(directive.name)}" directive is not allowed here${why}: nginx refuses the whole configuration`, loc: directive.nameLoc });
  };

  /**
   * A missing `;` makes nginx read the next line as more arguments. For a directive whose arity is
   * known, an argument list that overflows it and spans lines is split at each line break (one
   * parse-error for the first), so `add_header X-Debug on` + `return 204;` stay two directives: the
   * first is reported and not analysed, `return 204;` and the rest of the block still are.
   */
  const splitOverflow = (name: Token, args: Token[]): Array<{ name: Token; args: Token[] }> => {
    const out: Array<{ name: Token; args: Token[] }> = [];
    let current = { name, args };
    for (;;) {
      const arity = ARITY[current.name.value];
      if (!arity || current.args.length <= arity[1]) break;
      const breakAt = current.args.findIndex((arg, i) => lineOf(arg) > (i === 0 ? lineOf(current.name) : lineOf(current.args[i - 1])));
      const next = current.args[breakAt];
      if (breakAt < arity[0] || breakAt > arity[1] || next.quoted || !/^[a-z_][a-z0-9_]*$/i.test(next.value)) break;
      const before = current.args[breakAt - 1] ?? current.name;
      errors.push({ message: `missing ';' after "${shown(current.name.value)}" (the next line would be read as more arguments)`, loc: toLoc(before.start, before.end) });
      out.push({ name: current.name, args: current.args.slice(0, breakAt) });
      current = { name: next, args: current.args.slice(breakAt + 1) };
    }
    out.push(current);
    return out;
  };

  const depthOffset = single?.depth ?? 0;
  // One block read: done as soon as a statement is complete at the level it started (the caller checks it is one closed block).
  const done = () => single !== undefined && stack.length === 1 && (root.directives.length > 0 || !pending);
  for (let token = nextToken(); token; token = done() ? undefined : nextToken()) {
    const frame = stack[stack.length - 1];
    if (token.kind === 'word') {
      if (pending) pending.args.push(token);
      else {
        pending = { name: token, args: [] };
        statementStart = token.start;
      }
      continue;
    }
    if (token.kind === ';') {
      if (!pending) continue; // nginx accepts empty statements
      const parts = splitOverflow(pending.name, pending.args);
      for (const [i, part] of parts.entries()) {
        const end = i === parts.length - 1 ? token.end : (part.args.at(-1) ?? part.name).end;
        const directive = makeDirective(part.name, part.args, end);
        // The line that lacks its `;` is reported and not analysed (nginx refuses it); the lines after it still are.
        if (i < parts.length - 1) directive.malformed = true;
        else checkArity(directive, false);
        if (skippedDepth === 0) {
          checkPlace(directive);
          frame.directives.push(directive);
        }
      }
      pending = undefined;
      continue;
    }
    if (token.kind === '{') {
      if (pending && pending.args.length > 0 && !BLOCK_DIRECTIVES.has(pending.name.value)) {
        // `vim sites-available/api.conf` above `server {`: a stray line must not swallow the block below it.
        const words = [pending.name, ...pending.args];
        const lastLine = lineOf(words[words.length - 1]);
        let first = words.length - 1;
        while (first > 0 && lineOf(words[first - 1]) === lastLine) first--;
        if (first > 0 && !words[first].quoted && BLOCK_DIRECTIVES.has(words[first].value)) {
          const before = words[first - 1];
          const stray = makeDirective(words[0], words.slice(1, first), before.end);
          stray.malformed = true;
          errors.push({ message: `missing ';' after "${shown(stray.name)}" (the "${words[first].value}" block on the next line is read on its own)`, loc: toLoc(before.start, before.end) });
          if (skippedDepth === 0) frame.directives.push(stray);
          pending = { name: words[first], args: words.slice(first + 1) };
        }
      }
      if (!pending) {
        errors.push({ message: 'unexpected "{"', loc: toLoc(token.start, token.end) });
        pending = { name: { ...token, value: '', kind: 'word' }, args: [] };
      }
      // A stray line with no `;` before a block (`vim sites-available/api.conf` above `server {`):
      // nginx refuses the file; we report the line and still read the block that starts on the next line.
      const split = pending.args.findIndex((arg, i) => BLOCK_NAMES.has(arg.value) && !arg.quoted && startsLine(arg.start) && (i > 0 || pending!.name.value !== ''));
      if (split >= 0 && !BLOCK_NAMES.has(pending.name.value) && pending.name.value !== 'if') {
        const stray = makeDirective(pending.name, pending.args.slice(0, split), pending.args[split].start);
        stray.malformed = true;
        errors.push({ message: `missing ';' after "${stray.name}" (the block on the next line is read as its argument)`, loc: stray.args.at(-1)?.loc ?? stray.nameLoc });
        if (skippedDepth === 0) frame.directives.push(stray);
        pending = { name: pending.args[split], args: pending.args.slice(split + 1) };
      }
      const nameStart = pending.name.start;
      const directive = makeDirective(pending.name, pending.args, token.end);
      pending = undefined;
      if (/_block$/.test(directive.name)) {
        pos = skipOpaqueBlock(token.start);
        directive.opaqueBlock = true;
        directive.loc = toLoc(nameStart, pos);
        if (skippedDepth === 0) frame.directives.push(directive);
        continue;
      }
      directive.block = [];
      if (nameStart === statementStart) statementBlocks.add(directive);
      if (skippedDepth > 0 || stack.length + depthOffset > MAX_NESTING) {
        if (skippedDepth === 0) {
          errors.push({ message: `blocks nested deeper than ${MAX_NESTING} levels are not analysed`, loc: directive.nameLoc });
        }
        skippedDepth++;
        continue;
      }
      checkPlace(directive);
      frame.directives.push(directive);
      stack.push({ directives: directive.block, owner: directive, ownerStart: nameStart, openLoc: toLoc(token.start, token.end) });
      continue;
    }
    // '}'
    if (pending) {
      const directive = makeDirective(pending.name, pending.args, pending.args.at(-1)?.end ?? pending.name.end);
      errors.push({ message: `missing ';' after "${shown(directive.name)}" before "}"`, loc: directive.args.at(-1)?.loc ?? directive.nameLoc });
      if (skippedDepth === 0) frame.directives.push(directive);
      pending = undefined;
    }
    if (skippedDepth > 0) {
      skippedDepth--;
      continue;
    }
    if (stack.length === 1) {
      errors.push({ message: 'unexpected "}" (no block is open here)', loc: toLoc(token.start, token.end) });
      continue;
    }
    const closed = stack.pop()!;
    if (closed.owner) closed.owner.loc = toLoc(closed.ownerStart ?? token.start, token.end);
  }
  if (single) return { directives: root.directives, errors, comments, end: pos, closed: stack.length === 1 && !pending && skippedDepth === 0 };
  if (pending) {
    const directive = makeDirective(pending.name, pending.args, pending.args.at(-1)?.end ?? pending.name.end);
    // After a string left open, the end of the file comes inside it: the open quote (reported) is the one mistake.
    if (!runaway) errors.push({ message: `unexpected end of file, expecting ";" after "${shown(directive.name)}"`, loc: directive.args.at(-1)?.loc ?? directive.nameLoc });
    stack[stack.length - 1].directives.push(directive);
  }
  if (stack.length > 1 && !runaway) {
    const open = stack[stack.length - 1];
    errors.push({ message: `unexpected end of file, expecting "}" to close "${shown(open.owner?.name ?? '')}"`, loc: open.openLoc ?? open.owner!.nameLoc });
  }

  return { directives: root.directives, errors, comments, end: pos, closed: true };
}

/**
 * One parse-error per file: the first, with a count of the rest. After the first mistake the rest
 * are usually its echoes (10,000 stray `{` are one problem), and listing each made output and time
 * grow with the damage.
 */
function onlyFirst(errors: NginxParseError[]): NginxParseError[] {
  if (errors.length <= 1) return errors;
  let first = errors[0];
  for (const error of errors) if (error.loc.line < first.loc.line || (error.loc.line === first.loc.line && error.loc.column < first.loc.column)) first = error;
  const more = errors.length - 1;
  return [{ message: `${first.message} (and ${more} more parse error${more > 1 ? 's' : ''} in this file)`, loc: first.loc }];
}
