import type { CorsPolicy, FrameworkProfile, Loc } from '../../model/types.js';
import { handSetHeadersProfile } from '../../model/profiles.js';
import { lineStartsOf, offsetsToLoc } from '../offsets.js';
import { routeHeaderPolicy, type RouteHeader } from '../platform/route-headers.js';
import type { NginxDirective } from './parse.js';

/**
 * OpenResty's `header_filter_by_lua_block { … }` (and `header_filter_by_lua '…'`) runs on every
 * response of its location, error pages included, and may write response headers
 * (`ngx.header["Access-Control-Allow-Origin"] = ngx.var.http_origin`). Lua is read only as far as
 * it is certain: writes at the top level of the chunk, or inside `if <the Origin> then … end`
 * (a CORS request always carries an Origin), of a string literal or of the request's Origin (read
 * from `ngx.var.http_origin`, directly or through one local bound to it once). When any
 * Access-Control-* or Vary write is conditional on anything else, or the chunk does more than
 * this reader follows, there is no policy: the location's CORS stays unknown, not guessed.
 */
export const luaHeaderFilterProfile: FrameworkProfile = {
  ...handSetHeadersProfile,
  id: 'openresty-header-filter',
  name: 'OpenResty header_filter_by_lua',
  docs: 'https://github.com/openresty/lua-nginx-module#header_filter_by_lua_block',
};

const DIRECTIVES = new Set(['header_filter_by_lua_block', 'header_filter_by_lua']);
/** Past this, a chunk is not read (the scan is linear, but a policy from a huge chunk would be a guess anyway). */
const MAX_CHUNK = 64 * 1024;

interface Token {
  kind: 'name' | 'string' | 'symbol' | 'number';
  text: string;
  start: number;
  end: number;
}

/** The header_filter directive of a block's own body that writes CORS headers, read into a policy; undefined when there is none or it is not certain. */
export function luaHeaderFilterPolicy(body: NginxDirective[], textOf: (file: string) => string | undefined, label: string, path: string | undefined): CorsPolicy | undefined {
  const directives = body.filter((directive) => DIRECTIVES.has(directive.name));
  if (directives.length !== 1) return undefined;
  const directive = directives[0];
  const text = textOf(directive.file);
  if (text === undefined) return undefined;
  const lineStarts = lineStartsOf(text);
  const chunk = chunkOf(directive, text, lineStarts);
  if (!chunk || chunk.end - chunk.start > MAX_CHUNK) return undefined;
  const writes = readWrites(tokenize(text, chunk.start, chunk.end));
  if (!writes) return undefined;
  const cors = writes.filter((write) => /^(access-control-|vary$)/i.test(write.name));
  if (!cors.some((write) => /^access-control-/i.test(write.name)) || cors.some((write) => write.conditional)) return undefined;
  // ngx.header sets (replaces) a header: the last write of each name is what goes out.
  const last = new Map<string, (typeof cors)[number]>();
  for (const write of cors) last.set(write.name.toLowerCase(), write);
  const loc = (from: number, to: number): Loc => offsetsToLoc(directive.file, lineStarts, from, to);
  const headers: RouteHeader[] = [...last.values()].map((write) => ({
    name: write.name,
    value: write.value.kind === 'literal' ? write.value.text : null,
    rawValue: text.slice(write.valueStart, Math.min(write.valueEnd, write.valueStart + 200)),
    loc: loc(write.start, write.valueEnd),
    valueLoc: loc(write.valueStart, write.valueEnd),
    ...(write.value.kind === 'origin' ? { echoes: 'origin' as const } : {}),
  }));
  return routeHeaderPolicy({
    file: directive.file,
    format: 'nginx',
    profile: luaHeaderFilterProfile,
    path,
    sourceLoc: directive.nameLoc,
    headers,
    // Every response of the location passes the header filter; who answers a preflight is not read here.
    answers: (request) => (request.preflight ? undefined : { status: request.appStatus ?? 200 }),
    errorResponses: true,
    scope: { kind: 'route', label: `${label} header_filter_by_lua`, path },
  });
}

/** The Lua text of the directive: the block's body, or the one quoted argument when it holds no escapes. */
function chunkOf(directive: NginxDirective, text: string, lineStarts: number[]): { start: number; end: number } | undefined {
  const offset = (line: number, column: number) => (lineStarts[line - 1] ?? text.length) + column - 1;
  const end = offset(directive.loc.endLine, directive.loc.endColumn);
  if (directive.name === 'header_filter_by_lua_block') {
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
interface Write {
  name: string;
  value: WrittenValue;
  start: number;
  valueStart: number;
  valueEnd: number;
  conditional: boolean;
}

/** `ngx.var.http_origin` at tokens[i]: the index after it, or -1. */
function originVarAt(tokens: Token[], i: number): number {
  const want = ['ngx', '.', 'var', '.', 'http_origin'];
  return want.every((text, k) => tokens[i + k]?.text === text) ? i + want.length : -1;
}

/** The header writes of a chunk, each with whether it runs only under a condition other than the Origin being present; undefined when the chunk is beyond this reader. */
function readWrites(tokens: Token[] | undefined): Write[] | undefined {
  if (!tokens) return undefined;
  // A local bound once to the request's Origin (`local origin = ngx.var.http_origin`) stands for it.
  const assignments = new Map<string, number>();
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (tokens[i].kind === 'name' && tokens[i + 1].text === '=' && tokens[i - 1]?.text !== '.') assignments.set(tokens[i].text, (assignments.get(tokens[i].text) ?? 0) + 1);
  }
  const aliases = new Set<string>();
  for (let i = 0; i + 3 < tokens.length; i++) {
    if (tokens[i].text === 'local' && tokens[i + 1].kind === 'name' && tokens[i + 2].text === '=' && originVarAt(tokens, i + 3) !== -1) {
      const after = originVarAt(tokens, i + 3);
      const next = tokens[after];
      if (assignments.get(tokens[i + 1].text) === 1 && !(next && (next.text === '..' || next.text === 'or' || next.text === 'and' || next.text === '('))) aliases.add(tokens[i + 1].text);
    }
  }
  const isOrigin = (i: number): number => {
    const after = originVarAt(tokens, i);
    if (after !== -1) return after;
    return tokens[i]?.kind === 'name' && aliases.has(tokens[i].text) ? i + 1 : -1;
  };
  // Open blocks: an `if` on the Origin alone is no condition for a CORS request; anything else is.
  const stack: Array<{ conditional: boolean }> = [];
  const writes: Write[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token.kind === 'name') {
      if (token.text === 'if') {
        const after = isOrigin(i + 1);
        const plain = after !== -1 && tokens[after]?.text === 'then';
        stack.push({ conditional: !plain });
        continue;
      }
      if (token.text === 'elseif' || token.text === 'else') {
        if (stack.length === 0) return undefined;
        stack[stack.length - 1].conditional = true;
        continue;
      }
      if (token.text === 'function' || token.text === 'do' || token.text === 'repeat') {
        stack.push({ conditional: true });
        continue;
      }
      if (token.text === 'end' || token.text === 'until') {
        if (stack.length === 0) return undefined;
        stack.pop();
        continue;
      }
      if (token.text === 'goto' || token.text === 'return' || token.text === 'break') {
        // An early exit makes what follows conditional in ways not read here.
        if (stack.length === 0 || !stack.some((frame) => frame.conditional)) return undefined;
        continue;
      }
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
    let value: WrittenValue = { kind: 'unknown' };
    let valueEnd = valueToken.end;
    const originEnd = isOrigin(eq + 1);
    if (valueToken.kind === 'string' && tokens[eq + 2]?.text !== '..') value = { kind: 'literal', text: valueToken.text };
    else if (originEnd !== -1) {
      valueEnd = tokens[originEnd - 1].end;
      const next = tokens[originEnd];
      // `ngx.var.http_origin or "*"`: a CORS request has an Origin, so it is echoed.
      if (next?.text === 'or' && tokens[originEnd + 1]?.kind === 'string' && tokens[originEnd + 2]?.text !== '..') {
        value = { kind: 'origin' };
        valueEnd = tokens[originEnd + 1].end;
      } else if (!next || !['..', 'or', 'and', '(', '[', ':', '.'].includes(next.text)) value = { kind: 'origin' };
    }
    writes.push({ name, value, start: token.start, valueStart: valueToken.start, valueEnd, conditional: stack.some((frame) => frame.conditional) });
    i = eq;
  }
  return stack.length === 0 ? writes : undefined;
}
