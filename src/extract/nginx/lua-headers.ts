import type { CorsPolicy, FrameworkProfile, Loc } from '../../model/types.js';
import { handSetHeadersProfile } from '../../model/profiles.js';
import { lineStartsOf, offsetsToLoc } from '../offsets.js';
import { routeHeaderPolicy, type RouteHeader } from '../platform/route-headers.js';
import type { NginxDirective } from './parse.js';

/**
 * OpenResty Lua that writes response headers through `ngx.header[…]`, in three phases:
 *
 * - `header_filter_by_lua(_block)` runs on every response of its location, error pages included.
 * - `access_by_lua(_block)` runs before the content handler; what it writes stays on the answer
 *   whoever gives it: the proxied upstream's 200, 404 and 500, nginx's own 502 when the upstream is
 *   down, a static file's 404, an `error_page` target, and its own `ngx.exit(204)`.
 * - `content_by_lua(_block)` answers the request itself; its headers go out with `ngx.say`, with
 *   `ngx.exit(500)` and when the chunk raises an error (500).
 *
 * (All checked with Debian's nginx 1.22.1 and libnginx-mod-http-lua 0.10.23.) Lua is read only as
 * far as it is certain: writes at the top level of the chunk, or inside `if <the Origin> then … end`
 * (a CORS request always carries an Origin), of a string literal or of the request's Origin (read
 * from `ngx.var.http_origin`, directly or through one local bound to it once). In the access and
 * content phases, one top-level `if <method> == "OPTIONS" then … ngx.exit(<status>) end` is the
 * preflight's answer: its writes go on that answer only, with that status (or the `ngx.status` the
 * branch sets, which nginx sends instead). When any Access-Control-* or Vary write is conditional on
 * anything else, or follows an exit under another condition (`if not allowed then return
 * ngx.exit(403) end`), or the chunk does more than this reader follows, there is no policy: the
 * location's CORS stays unknown, not guessed.
 */
export const luaHeaderFilterProfile: FrameworkProfile = {
  ...handSetHeadersProfile,
  id: 'openresty-header-filter',
  name: 'OpenResty header_filter_by_lua',
  docs: 'https://github.com/openresty/lua-nginx-module#header_filter_by_lua_block',
};
const luaAccessProfile: FrameworkProfile = { ...luaHeaderFilterProfile, id: 'openresty-access', name: 'OpenResty access_by_lua', docs: 'https://github.com/openresty/lua-nginx-module#access_by_lua_block' };
const luaRewriteProfile: FrameworkProfile = { ...luaHeaderFilterProfile, id: 'openresty-rewrite', name: 'OpenResty rewrite_by_lua', docs: 'https://github.com/openresty/lua-nginx-module#rewrite_by_lua_block' };
const luaContentProfile: FrameworkProfile = { ...luaHeaderFilterProfile, id: 'openresty-content', name: 'OpenResty content_by_lua', docs: 'https://github.com/openresty/lua-nginx-module#content_by_lua_block' };

type Phase = 'header_filter' | 'rewrite' | 'access' | 'content';
const PROFILES: Record<Phase, FrameworkProfile> = { header_filter: luaHeaderFilterProfile, rewrite: luaRewriteProfile, access: luaAccessProfile, content: luaContentProfile };
/** Every directive through which Lua may write this location's response headers, with its phase. */
const HEADER_WRITERS = /^(header_filter|rewrite|access|content)_by_lua(_block|_file)?$/;
/**
 * Directives that answer before the rewrite and access phases' Lua (`return`, `rewrite`, an `if` that
 * may hold one) or refuse in the access phase ahead of Lua (`deny`, `auth_basic`, `auth_request`,
 * `limit_except`): the Lua of the rewrite, access and content phases then does not run on every
 * request, and which ones is not read here.
 */
const BEFORE_LUA = new Set(['return', 'rewrite', 'if', 'deny', 'auth_basic', 'auth_request', 'auth_jwt', 'limit_except']);
/** Past this, a chunk is not read (the scan is linear, but a policy from a huge chunk would be a guess anyway). */
const MAX_CHUNK = 64 * 1024;

/**
 * The Lua directives that run for a place, one per phase at most: each phase's directive is
 * inherited from the innermost level (the location, then the server, then http) that has one, and a
 * level's own replaces an outer one (checked on nginx 1.22.1 with lua-nginx-module 0.10.23: a server's
 * `access_by_lua_block` runs for a location without one, not for a location with its own).
 */
export function effectiveLuaWriters(body: NginxDirective[], outer: NginxDirective[][]): NginxDirective[] {
  const found = new Map<string, NginxDirective[]>();
  for (const level of [body, ...outer]) {
    const here = new Map<string, NginxDirective[]>();
    for (const directive of level) {
      const phase = HEADER_WRITERS.exec(directive.name)?.[1];
      if (phase === undefined || found.has(phase)) continue;
      const list = here.get(phase);
      if (list) list.push(directive);
      else here.set(phase, [directive]);
    }
    for (const [phase, list] of here) found.set(phase, list);
  }
  return [...found.values()].flat();
}

/** Reads a `*_by_lua_file` path (as nginx resolves it against its prefix) among the scanned files: its name and text, or undefined. */
export type LuaFileReader = (fromFile: string, path: string) => { file: string; text: string } | undefined;

interface Token {
  kind: 'name' | 'string' | 'symbol' | 'number';
  text: string;
  start: number;
  end: number;
}

/**
 * The Lua directive of a block's own body that writes CORS headers, read into a policy; undefined
 * when there is none or it is not certain. `outer` holds the bodies of the enclosing levels (server,
 * http), whose Lua and rewrite-phase directives reach this location too.
 */
export function luaHeaderFilterPolicy(body: NginxDirective[], textOf: (file: string) => string | undefined, label: string, path: string | undefined, outer: NginxDirective[][] = [], readLuaFile?: LuaFileReader): CorsPolicy | undefined {
  const writers = effectiveLuaWriters(body, outer);
  if (writers.length !== 1) return undefined;
  const directive = writers[0];
  const phase = HEADER_WRITERS.exec(directive.name)?.[1] as Phase | undefined;
  if (!phase) return undefined;
  if (phase !== 'header_filter' && [body, ...outer].some((level) => level.some((other) => BEFORE_LUA.has(other.name) && !(other.args.length === 1 && other.args[0].value === 'off')))) return undefined;
  const source = chunkSource(directive, textOf, readLuaFile);
  if (!source) return undefined;
  const { file, text, chunk } = source;
  const lineStarts = lineStartsOf(text);
  if (chunk.end - chunk.start > MAX_CHUNK) return undefined;
  const read = readWrites(tokenize(text, chunk.start, chunk.end), phase);
  if (!read) return undefined;
  const cors = read.writes.filter((write) => /^(access-control-|vary$)/i.test(write.name));
  if (!cors.some((write) => /^access-control-/i.test(write.name)) || cors.some((write) => write.conditional)) return undefined;
  const loc = (from: number, to: number): Loc => offsetsToLoc(file, lineStarts, from, to);
  // ngx.header sets (replaces) a header: the last write of each name is what goes out.
  const sent = (branches: Branch[]): RouteHeader[] => {
    const last = new Map<string, Write>();
    for (const write of cors) if (branches.includes(write.branch)) last.set(write.name.toLowerCase(), write);
    return [...last.values()].map((write) => ({
      name: write.name,
      value: write.value.kind === 'literal' ? write.value.text : null,
      rawValue: text.slice(write.valueStart, Math.min(write.valueEnd, write.valueStart + 200)),
      loc: loc(write.start, write.valueEnd),
      valueLoc: loc(write.valueStart, write.valueEnd),
      ...(write.value.kind === 'origin' ? { echoes: 'origin' as const } : {}),
    }));
  };
  const headers = sent(['all', 'actual']);
  const options = read.options;
  const preflightHeaders = options ? sent(['all', 'options']) : undefined;
  // Two different values of one header, one on the preflight and one on other answers: no one summary holds both.
  if (preflightHeaders?.some((header) => headers.some((other) => other.name.toLowerCase() === header.name.toLowerCase() && other.rawValue !== header.rawValue))) return undefined;
  const answered = options?.status !== undefined ? options : undefined;
  return routeHeaderPolicy({
    file: directive.file,
    format: 'nginx',
    profile: PROFILES[phase],
    path,
    sourceLoc: directive.nameLoc,
    headers,
    ...(preflightHeaders ? { preflightHeaders } : {}),
    // Every response of the location carries them. A preflight is answered by the OPTIONS branch when
    // there is one that exits; otherwise by what serves the location (the upstream, or more Lua), unread.
    answers: (request) => (request.preflight ? (answered ? { status: answered.status!, at: loc(answered.test.start, answered.test.end) } : undefined) : { status: request.appStatus ?? 200 }),
    ...(answered ? { preflight: { kind: 'handled' as const, status: answered.status!, loc: loc(answered.start, answered.end) } } : {}),
    errorResponses: true,
    scope: { kind: 'route', label: `${label} ${directive.name.replace(/_block$/, '')}`, path },
  });
}

/** Where the directive's Lua is: the config file and the chunk in it, or the Lua file a `*_by_lua_file` names (all of it). */
function chunkSource(directive: NginxDirective, textOf: (file: string) => string | undefined, readLuaFile: LuaFileReader | undefined): { file: string; text: string; chunk: { start: number; end: number } } | undefined {
  if (directive.name.endsWith('_file')) {
    const [arg] = directive.args;
    // A path built from variables names a file per request: not read.
    if (!readLuaFile || !arg || directive.args.length !== 1 || arg.value.includes('$')) return undefined;
    const read = readLuaFile(directive.file, arg.value);
    return read && { file: read.file, text: read.text, chunk: { start: 0, end: read.text.length } };
  }
  const text = textOf(directive.file);
  if (text === undefined) return undefined;
  const chunk = chunkOf(directive, text, lineStartsOf(text));
  return chunk && { file: directive.file, text, chunk };
}

/** The Lua text of the directive: the block's body, or the one quoted argument when it holds no escapes. */
function chunkOf(directive: NginxDirective, text: string, lineStarts: number[]): { start: number; end: number } | undefined {
  const offset = (line: number, column: number) => (lineStarts[line - 1] ?? text.length) + column - 1;
  const end = offset(directive.loc.endLine, directive.loc.endColumn);
  if (directive.name.endsWith('_block')) {
    if (!directive.opaqueBlock || directive.args.length > 0) return undefined;
    const open = text.indexOf('{', offset(directive.nameLoc.endLine, directive.nameLoc.endColumn));
    if (open === -1 || open >= end || text[end - 1] !== '}') return undefined;
    return { start: open + 1, end: end - 1 };
  }
  const [arg] = directive.args;
  if (!arg || directive.args.length !== 1 || !arg.quoted) return undefined;
  const from = offset(arg.loc.line, arg.loc.column) + 1;
  const to = offset(arg.loc.endLine, arg.loc.endColumn) - 1;
  // Unescaping would move offsets: read the argument only when it is the text as written.
  if (to < from || text.slice(from, to) !== arg.value) return undefined;
  return { start: from, end: to };
}

/** Lua tokens of text[start, end): names, strings (short and long), numbers and symbols; comments skipped. Linear. */
function tokenize(text: string, start: number, end: number): Token[] | undefined {
  const tokens: Token[] = [];
  let i = start;
  const longClose = (at: number): { level: number; after: number } | undefined => {
    if (text[at] !== '[') return undefined;
    let j = at + 1;
    while (j < end && text[j] === '=') j++;
    return text[j] === '[' ? { level: j - at - 1, after: j + 1 } : undefined;
  };
  while (i < end) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === ';') {
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const long = longClose(i + 2);
      if (long) {
        const close = text.indexOf(`]${'='.repeat(long.level)}]`, long.after);
        if (close === -1 || close >= end) return undefined;
        i = close + long.level + 2;
      } else {
        const newline = text.indexOf('\n', i);
        i = newline === -1 || newline > end ? end : newline;
      }
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let value = '';
      while (j < end && text[j] !== c && text[j] !== '\n') {
        if (text[j] === '\\') return undefined;
        value += text[j];
        j++;
      }
      if (text[j] !== c) return undefined;
      tokens.push({ kind: 'string', text: value, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    const long = longClose(i);
    if (long) {
      const close = text.indexOf(`]${'='.repeat(long.level)}]`, long.after);
      if (close === -1 || close >= end) return undefined;
      tokens.push({ kind: 'string', text: text.slice(long.after, close), start: i, end: close + long.level + 2 });
      i = close + long.level + 2;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < end && /[A-Za-z0-9_]/.test(text[j])) j++;
      tokens.push({ kind: 'name', text: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < end && /[0-9A-Za-z_.]/.test(text[j])) j++;
      tokens.push({ kind: 'number', text: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    const two = text.slice(i, i + 2);
    const symbol = ['==', '~=', '<=', '>=', '..', '::'].includes(two) ? two : c;
    tokens.push({ kind: 'symbol', text: symbol, start: i, end: i + symbol.length });
    i += symbol.length;
  }
  return tokens;
}

type WrittenValue = { kind: 'literal'; text: string } | { kind: 'origin' } | { kind: 'unknown' };
/** Which answers a write reaches: every one, only the preflight's (the OPTIONS branch), or only the others (after an OPTIONS branch that exits). */
type Branch = 'all' | 'options' | 'actual';
interface Write {
  name: string;
  value: WrittenValue;
  start: number;
  valueStart: number;
  valueEnd: number;
  conditional: boolean;
  branch: Branch;
}
/** The OPTIONS branch: the status it answers with (undefined when it does not exit, or not with a known status) and its exit. */
interface OptionsBranch {
  status: number | undefined;
  start: number;
  end: number;
  /** `if … then`: where a header the preflight lacks goes. */
  test: { start: number; end: number };
}

/** `ngx.var.http_origin` at tokens[i]: the index after it, or -1. */
function originVarAt(tokens: Token[], i: number): number {
  return sequenceAt(tokens, i, ['ngx', '.', 'var', '.', 'http_origin']);
}

/** The request method (`ngx.req.get_method()`, `ngx.var.request_method`) at tokens[i]: the index after it, or -1. */
function methodAt(tokens: Token[], i: number): number {
  const call = sequenceAt(tokens, i, ['ngx', '.', 'req', '.', 'get_method', '(', ')']);
  return call !== -1 ? call : sequenceAt(tokens, i, ['ngx', '.', 'var', '.', 'request_method']);
}

function sequenceAt(tokens: Token[], i: number, want: string[]): number {
  return want.every((text, k) => tokens[i + k]?.text === text && tokens[i + k].kind !== 'string') ? i + want.length : -1;
}

/** Status codes of `ngx.HTTP_*` constants a preflight branch exits with. */
const HTTP_CONSTANTS = new Map<string, number>([['HTTP_OK', 200], ['HTTP_CREATED', 201], ['HTTP_ACCEPTED', 202], ['HTTP_NO_CONTENT', 204], ['HTTP_FORBIDDEN', 403], ['HTTP_NOT_FOUND', 404], ['HTTP_NOT_ALLOWED', 405]]);

/** A status argument at tokens[i] followed by `)`: a number literal or an `ngx.HTTP_*` constant; ngx.OK (0) is not a status. */
function statusAt(tokens: Token[], i: number): number | undefined {
  if (tokens[i]?.kind === 'number' && /^\d{3}$/.test(tokens[i].text) && tokens[i + 1]?.text === ')') return Number(tokens[i].text);
  if (tokens[i]?.text === 'ngx' && tokens[i + 1]?.text === '.' && tokens[i + 3]?.text === ')') return HTTP_CONSTANTS.get(tokens[i + 2]?.text ?? '');
  return undefined;
}

/**
 * The header writes of a chunk, each with whether it runs only under a condition other than the
 * Origin being present and which answers it reaches, and the OPTIONS branch when the phase answers
 * requests (access, content) and has one; undefined when the chunk is beyond this reader.
 */
function readWrites(tokens: Token[] | undefined, phase: Phase): { writes: Write[]; options?: OptionsBranch } | undefined {
  if (!tokens) return undefined;
  // A local bound once to the request's Origin (`local origin = ngx.var.http_origin`), or to its method, stands for it.
  const assignments = new Map<string, number>();
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i].kind === 'name' && tokens[i + 1].text === '=' && tokens[i - 1]?.text !== '.') assignments.set(tokens[i].text, (assignments.get(tokens[i].text) ?? 0) + 1);
  }
  const aliases = new Set<string>();
  const methodAliases = new Set<string>();
  // A local bound once to a string literal alone (`local allow_origin = "*"`) stands for that string.
  const literals = new Map<string, string>();
  for (let i = 0; i + 3 < tokens.length; i++) {
    if (tokens[i].text !== 'local' || tokens[i + 1].kind !== 'name' || tokens[i + 2].text !== '=' || assignments.get(tokens[i + 1].text) !== 1) continue;
    if (tokens[i + 3].kind === 'string') {
      const next = tokens[i + 4];
      if (!next || !['..', 'or', 'and', '(', '[', ':', '.', ','].includes(next.text)) literals.set(tokens[i + 1].text, tokens[i + 3].text);
      continue;
    }
    const origin = originVarAt(tokens, i + 3);
    const method = methodAt(tokens, i + 3);
    const after = origin !== -1 ? origin : method;
    if (after === -1) continue;
    const next = tokens[after];
    if (next && (next.text === '..' || next.text === 'or' || next.text === 'and' || next.text === '(' || next.text === ':' || next.text === '[')) continue;
    (origin !== -1 ? aliases : methodAliases).add(tokens[i + 1].text);
  }
  const isOrigin = (i: number): number => {
    const after = originVarAt(tokens, i);
    if (after !== -1) return after;
    return tokens[i]?.kind === 'name' && aliases.has(tokens[i].text) ? i + 1 : -1;
  };
  const isMethod = (i: number): number => {
    const after = methodAt(tokens, i);
    if (after !== -1) return after;
    return tokens[i]?.kind === 'name' && methodAliases.has(tokens[i].text) && tokens[i - 1]?.text !== '.' ? i + 1 : -1;
  };
  /** `<method> == "OPTIONS" then` (either way round) after an `if` at tokens[i]: the index of `then`, or -1. */
  const optionsTest = (i: number): number => {
    const method = isMethod(i);
    if (method !== -1 && tokens[method]?.text === '==' && tokens[method + 1]?.kind === 'string' && tokens[method + 1].text === 'OPTIONS') return method + 2;
    if (tokens[i]?.kind === 'string' && tokens[i].text === 'OPTIONS' && tokens[i + 1]?.text === '==') {
      const after = isMethod(i + 2);
      if (after !== -1) return after;
    }
    return -1;
  };
  // Open blocks: an `if` on the Origin alone is no condition for a CORS request; anything else is.
  interface Frame {
    conditional: boolean;
    function?: boolean;
    options?: { status?: number; exit?: { status: number | undefined; start: number; end: number }; test: { start: number; end: number } };
  }
  const stack: Frame[] = [];
  const writes: Write[] = [];
  let options: OptionsBranch | undefined;
  let sawOptions = false;
  // An exit under a condition other than the OPTIONS branch makes every later write conditional; one that always runs, unreachable.
  let exitedConditionally = false;
  let exitedAlways = false;
  let unread = false;
  const inFunction = () => stack.some((frame) => frame.function);
  const exit = (start: number, end: number, status: number | undefined) => {
    if (inFunction()) return;
    const top = stack.at(-1);
    if (top?.options && stack.length === 1) {
      // The header filter runs after the answer is chosen: an exit there is beyond this reader.
      if (phase === 'header_filter') unread = true;
      top.options.exit = { status: top.options.status ?? status, start, end };
      return;
    }
    if (stack.some((frame) => frame.conditional || frame.options)) exitedConditionally = true;
    else exitedAlways = true;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind === 'name' && tokens[i - 1]?.text !== '.' && tokens[i - 1]?.text !== ':') {
      if (token.text === 'if') {
        const after = isOrigin(i + 1);
        if (after !== -1 && tokens[after]?.text === 'then') {
          stack.push({ conditional: false });
          continue;
        }
        // In the header filter the branch only picks which answers get its writes (the preflight's,
        // whoever gives it); in the access and content phases it may answer the preflight itself.
        const then = stack.length > 0 ? -1 : optionsTest(i + 1);
        if (then !== -1 && tokens[then]?.text === 'then') {
          if (sawOptions) return undefined;
          sawOptions = true;
          stack.push({ conditional: false, options: { test: { start: token.start, end: tokens[then].end } } });
          continue;
        }
        stack.push({ conditional: true });
        continue;
      }
      if (token.text === 'elseif' || token.text === 'else') {
        const top = stack.at(-1);
        if (!top || top.options) return undefined;
        top.conditional = true;
        continue;
      }
      if (token.text === 'function' || token.text === 'do' || token.text === 'repeat') {
        stack.push({ conditional: true, function: token.text === 'function' });
        continue;
      }
      if (token.text === 'end' || token.text === 'until') {
        const frame = stack.pop();
        if (!frame) return undefined;
        if (frame.options) {
          options = { status: frame.options.exit?.status, start: frame.options.exit?.start ?? token.start, end: frame.options.exit?.end ?? token.end, test: frame.options.test };
        }
        continue;
      }
      if (token.text === 'goto' || token.text === 'break') {
        exit(token.start, token.end, undefined);
        continue;
      }
      if (token.text === 'return') {
        // `return ngx.exit(…)`: the call is the exit.
        if (sequenceAt(tokens, i + 1, ['ngx', '.']) !== -1 && ['exit', 'redirect', 'exec'].includes(tokens[i + 3]?.text ?? '')) continue;
        // A bare `return` ends the chunk: the access phase goes on to the content handler, the content phase answers with what it has.
        exit(token.start, token.end, undefined);
        if (stack.length === 1 && stack[0].options?.exit) stack[0].options.exit.status = undefined;
        continue;
      }
      if (token.text === 'error' && tokens[i + 1]?.text === '(') {
        exit(token.start, token.end, undefined);
        continue;
      }
    }
    if (token.text === 'ngx' && tokens[i + 1]?.text === '.' && tokens[i + 3]?.text === '(' && ['exit', 'redirect', 'exec'].includes(tokens[i + 2]?.text ?? '')) {
      const close = tokens.findIndex((other, k) => k > i + 3 && other.text === ')');
      const status = tokens[i + 2].text === 'exit' ? statusAt(tokens, i + 4) : undefined;
      // ngx.exit(ngx.OK) in the access phase goes on to the content handler: the chunk ends, no answer is given.
      exit(token.start, (tokens[close]?.end ?? token.end), status !== undefined && status >= 200 ? status : undefined);
      continue;
    }
    if (token.text === 'ngx' && tokens[i + 1]?.text === '.' && tokens[i + 2]?.text === 'status' && tokens[i + 3]?.text === '=') {
      const top = stack.at(-1);
      if (top?.options && stack.length === 1) top.options.status = tokens[i + 4]?.kind === 'number' && /^\d{3}$/.test(tokens[i + 4].text) ? Number(tokens[i + 4].text) : undefined;
      continue;
    }
    if (token.text !== 'ngx' || tokens[i + 1]?.text !== '.' || tokens[i + 2]?.text !== 'header') continue;
    let name: string | undefined;
    let eq = -1;
    if (tokens[i + 3]?.text === '[' && tokens[i + 4]?.kind === 'string' && tokens[i + 5]?.text === ']') {
      name = tokens[i + 4].text;
      eq = i + 6;
    } else if (tokens[i + 3]?.text === '.' && tokens[i + 4]?.kind === 'name') {
      name = tokens[i + 4].text.replace(/_/g, '-');
      eq = i + 5;
    }
    if (name === undefined) continue;
    if (tokens[eq]?.text !== '=') {
      // A header read (`if ngx.header[…] then`) or a computed name: no write here.
      continue;
    }
    const valueToken = tokens[eq + 1];
    if (!valueToken) return undefined;
    // A write after an exit that always runs never happens; one in the OPTIONS branch after its exit neither.
    if (exitedAlways) return undefined;
    const top = stack.at(-1);
    if (top?.options?.exit) return undefined;
    let value: WrittenValue = { kind: 'unknown' };
    let valueEnd = valueToken.end;
    const originEnd = isOrigin(eq + 1);
    const bound = valueToken.kind === 'name' && !['..', 'or', 'and', '(', '[', ':', '.'].includes(tokens[eq + 2]?.text ?? '') ? literals.get(valueToken.text) : undefined;
    if (valueToken.kind === 'string' && tokens[eq + 2]?.text !== '..') value = { kind: 'literal', text: valueToken.text };
    else if (bound !== undefined) value = { kind: 'literal', text: bound };
    else if (originEnd !== -1) {
      valueEnd = tokens[originEnd - 1].end;
      const next = tokens[originEnd];
      // `ngx.var.http_origin or "*"`: a CORS request has an Origin, so it is echoed.
      if (next?.text === 'or' && tokens[originEnd + 1]?.kind === 'string' && tokens[originEnd + 2]?.text !== '..') {
        value = { kind: 'origin' };
        valueEnd = tokens[originEnd + 1].end;
      } else if (!next || !['..', 'or', 'and', '(', '[', ':', '.'].includes(next.text)) value = { kind: 'origin' };
    }
    const inOptions = stack.some((frame) => frame.options);
    const branch: Branch = inOptions ? 'options' : options?.status !== undefined ? 'actual' : 'all';
    writes.push({ name, value, start: token.start, valueStart: valueToken.start, valueEnd, conditional: exitedConditionally || stack.some((frame) => frame.conditional), branch });
    i = eq;
  }
  if (stack.length !== 0 || unread) return undefined;
  return { writes, ...(options ? { options } : {}) };
}
