import { posix } from 'node:path';
import { replaceDelimited, replaceGoActions, replaceTerraformDirectives } from '../../util/delimited.js';
import picomatch from 'picomatch';
import type { Loc } from '../../model/types.js';
import { activeParseCache } from '../../engine/parse-cache.js';
import type { LineShift } from '../../engine/policy-memo.js';
import { copiedFrom, parseNginxState, reparseNginx, type NginxDirective, type NginxParseResult, type NginxParseState } from './parse.js';

/**
 * The nginx files of one lint run, parsed once, with `include` resolution. nginx resolves a
 * relative include against its configuration prefix, which a repository does not record, so a
 * path is tried against the including file's folder and then each folder above it; an absolute
 * path (`/etc/nginx/snippets/cors.conf`) is matched by its longest tail among the repository's
 * files. Ambiguous or missing targets stay unresolved: the extractor treats them as unknown.
 */
export interface NginxWorkspaceHost {
  /**
   * Text of a file that is not among the linted files; undefined when it is missing, `{ refused }`
   * when the shell will not read it (outside the scanned folder, not a regular file, too large).
   * The core does no I/O itself.
   */
  readFile?(path: string): string | undefined | { refused: string };
}

/** An include the shell refused to read, with where it is written. */
export interface IncludeRefusal {
  loc: Loc;
  pattern: string;
  reason: string;
}

export class NginxWorkspace {
  private readonly parsed = new Map<string, NginxParseResult>();
  private readonly parsedTexts = new Map<string, string>();
  private readonly shifts = new Map<string, LineShift>();
  private readonly texts: Map<string, string>;
  private readonly allPaths: string[];
  private readonly refusalKeys = new Set<string>();
  /** Includes that could not be resolved because the shell refused to read the target (reported once each). */
  readonly refusals: IncludeRefusal[] = [];

  /** `otherFiles`: the run's files of other kinds (a `*_by_lua_file` target among them is read from here first). */
  constructor(files: Map<string, string>, private readonly host: NginxWorkspaceHost = {}, private readonly otherFiles?: Map<string, string>) {
    this.texts = files;
    this.allPaths = [...files.keys()].sort();
  }

  parse(path: string): NginxParseResult | undefined {
    const cached = this.parsed.get(path);
    if (cached) return cached;
    const text = this.texts.get(path) ?? this.read(path);
    if (typeof text !== 'string') return undefined;
    const neutral = neutralizeTemplates(collapseInlineConditionals(text));
    const { result, shift } = parseWithCache(neutral, path);
    this.parsed.set(path, result);
    this.parsedTexts.set(path, neutral);
    if (shift) this.shifts.set(path, shift);
    return result;
  }

  /** The language server: when this run's parse of a file was made from the last one by an edit that only moved lines, that shift (parse.ts copiedFrom). */
  lineShift(path: string): LineShift | undefined {
    return this.shifts.get(path);
  }

  /** The text a file's parse read (templates neutralized), once it is parsed. */
  parsedText(path: string): string | undefined {
    return this.parsedTexts.get(path);
  }

  /** Files an `include` argument refers to, sorted (nginx sorts glob matches); undefined when it cannot be resolved. */
  resolveInclude(fromFile: string, pattern: string): string[] | undefined {
    if (pattern.includes('$')) return undefined;
    const isGlob = /[*?[]/.test(pattern);
    let refused: string | undefined;
    const known = (path: string) => {
      if (this.texts.has(path)) return true;
      if (isGlob) return false;
      const text = this.read(path);
      if (typeof text === 'object') refused ??= text.refused;
      return typeof text === 'string';
    };
    const candidates: string[] = [];
    // An absolute path names the server's disk, not the repository: it is only matched by its tail
    // below (the shell would refuse to read it anyway).
    if (posix.isAbsolute(pattern)) {
      if (!isGlob && this.texts.has(pattern)) return [pattern];
    } else {
      for (let dir = posix.dirname(fromFile); ; dir = posix.dirname(dir)) {
        candidates.push(posix.join(dir, pattern));
        if (dir === posix.dirname(dir) || dir === '.') break;
      }
    }
    for (const candidate of candidates) {
      if (isGlob) {
        const matches = this.globMatches(candidate, false);
        if (matches.length > 0) return matches;
      } else if (known(candidate)) {
        return [candidate];
      }
    }
    const byTail = this.resolveByTail(pattern, isGlob);
    if (byTail === undefined && refused !== undefined) this.noteRefusal(fromFile, pattern, refused);
    return byTail;
  }

  /**
   * The Lua file a `*_by_lua_file` directive names. nginx resolves a relative path against its
   * prefix, which the repository does not record: as for `include`, the path is tried against the
   * config file's folder and each folder above it, and the first readable file is it. An absolute
   * path names the server's disk and is not read.
   */
  readLuaFile(fromFile: string, path: string): { file: string; text: string } | undefined {
    if (posix.isAbsolute(path) || path.includes('\0')) return undefined;
    for (let dir = posix.dirname(fromFile); ; dir = posix.dirname(dir)) {
      const candidate = posix.join(dir, path);
      // The host refuses a file outside the scanned folders (a `../../` that climbs out of them).
      const text = this.texts.get(candidate) ?? this.otherFiles?.get(candidate) ?? this.read(candidate);
      if (typeof text === 'string') return { file: candidate, text };
      if (dir === posix.dirname(dir) || dir === '.') break;
    }
    return undefined;
  }

  private readonly reads = new Map<string, string | undefined | { refused: string }>();

  /** Each outside file is asked for once per run (the host may be slow, and answers must agree). */
  private read(path: string): string | undefined | { refused: string } {
    if (!this.reads.has(path)) this.reads.set(path, this.host.readFile?.(path));
    return this.reads.get(path);
  }

  private noteRefusal(fromFile: string, pattern: string, reason: string): void {
    const key = `${fromFile}\u0000${pattern}`;
    if (this.refusalKeys.has(key)) return;
    this.refusalKeys.add(key);
    const stack: NginxDirective[] = [...(this.parsed.get(fromFile)?.directives ?? [])];
    let loc: Loc = { file: fromFile, line: 1, column: 1, endLine: 1, endColumn: 1 };
    while (stack.length > 0) {
      const directive = stack.pop()!;
      if (directive.name === 'include' && directive.args[0]?.value === pattern) {
        loc = directive.args[0].loc;
        break;
      }
      if (directive.block) for (const child of directive.block) stack.push(child);
    }
    this.refusals.push({ loc, pattern, reason });
  }

  private readonly globs = new Map<string, string[]>();
  private readonly tails = new Map<string, string[] | undefined>();

  /**
   * The run's nginx files a glob matches (`anyFolder`: the glob under any folder, as a leading `**` matches it, or
   * from the root), asked once per glob: the same `include /etc/nginx/conf.d/*.conf` in each of a
   * repository's 1,119 configs compiled and ran its matchers over every path each time
   * (fabiocicerchia/nginx-lua: 1.9 s of a 5.3 s run).
   */
  private globMatches(glob: string, anyFolder: boolean): string[] {
    const key = `${anyFolder ? 1 : 0}\u0000${glob}`;
    let matches = this.globs.get(key);
    if (!matches) {
      if (anyFolder) {
        const matcher = picomatch(`**/${glob}`, { dot: true });
        matches = this.allPaths.filter((path) => matcher(path) || matcher(`/${path}`));
      } else {
        const matcher = picomatch(glob, { dot: true });
        matches = this.allPaths.filter((path) => matcher(path));
      }
      this.globs.set(key, matches);
    }
    return matches;
  }

  /** `/etc/nginx/snippets/cors.conf` → the one repository file ending in `snippets/cors.conf` (longest unique tail wins); the answer depends on the pattern alone, so it is kept. */
  private resolveByTail(pattern: string, isGlob: boolean): string[] | undefined {
    const key = `${isGlob ? 1 : 0}\u0000${pattern}`;
    if (this.tails.has(key)) return this.tails.get(key);
    const resolved = this.findByTail(pattern, isGlob);
    this.tails.set(key, resolved);
    return resolved;
  }

  private findByTail(pattern: string, isGlob: boolean): string[] | undefined {
    const segments = pattern.split('/').filter(Boolean);
    for (let take = segments.length; take >= 1; take--) {
      const tail = segments.slice(segments.length - take).join('/');
      if (isGlob) {
        const matches = this.globMatches(tail, true);
        if (matches.length > 0 && take >= 2) return matches;
        continue;
      }
      const matches = this.allPaths.filter((path) => path === tail || path.endsWith(`/${tail}`));
      if (matches.length === 1 && (take >= 2 || segments.length === 1)) return matches;
      if (matches.length > 1) return undefined;
    }
    return undefined;
  }

  /** Every file that some other linted file includes. */
  includedFiles(paths: string[]): Set<string> {
    const included = new Set<string>();
    for (const path of paths) {
      const result = this.parse(path);
      if (!result) continue;
      // Last directive first, depth first (the order includes are resolved in, and refusals listed).
      for (let i = result.directives.length - 1; i >= 0; i--) {
        const directive = result.directives[i];
        for (const include of [directive, ...includesBelow(directive)]) {
          // An include nginx refuses (its line lacks the `;`, so the next line became its arguments) includes nothing:
          // the snippet it names is judged on its own, as when nothing names it.
          if (include.name !== 'include' || include.args.length !== 1 || include.malformed) continue;
          for (const target of this.resolveInclude(path, include.args[0].value) ?? []) if (target !== path) included.add(target);
        }
      }
    }
    return included;
  }
}

/**
 * The `include`s in a directive's block, at any depth, last first and depth first. Kept by
 * directive: the language server's parse after an edit reuses every block the edit left alone
 * (parse.ts reparseNginx), so a keystroke reads one block again, not every directive of the file.
 */
const includeLists = new WeakMap<NginxDirective, NginxDirective[]>();
const NO_INCLUDES: NginxDirective[] = [];

function includesBelow(directive: NginxDirective): NginxDirective[] {
  if (!directive.block) return NO_INCLUDES;
  let found = includeLists.get(directive);
  if (found) return found;
  // A block copied with its lines moved (an Enter above it) holds its original's includes (only their values are read).
  const original = copiedFrom.get(directive)?.original;
  if (original) {
    found = includesBelow(original);
    includeLists.set(directive, found);
    return found;
  }
  found = [];
  for (let i = directive.block.length - 1; i >= 0; i--) {
    const child = directive.block[i];
    if (child.name === 'include') found.push(child);
    for (const below of includesBelow(child)) found.push(below);
  }
  if (found.length === 0) found = NO_INCLUDES;
  includeLists.set(directive, found);
  return found;
}

/**
 * In the language server (a parse cache is active), a file is parsed from its last parse: an
 * unchanged file (an included snippet) keeps it, an edit inside one block reads that block again.
 */
function parseWithCache(text: string, path: string): { result: NginxParseResult; shift?: LineShift } {
  const cache = activeParseCache();
  if (!cache) return { result: parseNginxState(text, path).result };
  const previous = cache.get<NginxParseState>('nginx', path);
  const state = previous ? reparseNginx(previous, text, path) : parseNginxState(text, path);
  cache.set('nginx', path, state);
  // An unchanged text keeps the last parse, and the shift that made it is not this run's.
  return { result: state.result, ...(state !== previous && state.shift ? { shift: state.shift } : {}) };
}

/**
 * Templates of nginx files: Go/Helm (`{{ .Values.origin }}`), Jinja/Nunjucks/Twig/Liquid (`{{ origin }}`,
 * `{% if %}`, `{# … #}`), Handlebars/Mustache (`{{origin}}`, `{{#if}}`), ERB and Puppet EPP (`<%= @origin %>`, `<% if %>`). An expression becomes an unknown variable of the
 * same length (`$xxxx…`), so positions stay exact and a templated value is never judged; a control
 * statement (`{{ if }}`, `{{ end }}`, `{{ range }}`, Go template comments, Handlebars/Mustache sections and
 * comments `{{#if x}}` `{{^x}}` `{{/if}}` `{{! … }}`, `{% … %}`, `<% … %>`)
 * becomes blanks, so the nginx blocks it wraps are read as written (both branches, as when the
 * template renders them). envsubst's `${VAR}` needs nothing: nginx reads it as a variable, which
 * is unknown unless the file sets it.
 */
const GO_CONTROL = /^\{\{[-~]?\s*(?:[#/^!]|(?:if|else|end|range|with|define|block|template|break|continue)\b)/;

/**
 * `{{ $origin := .Env.ORIGIN | default "*" }}`, `{{- $_ := set $cfg "k" "v" }}`: a template variable is declared or
 * set, and nothing is rendered. Read as an inserted block it became an include nobody can resolve at the top of the
 * file, which left every place in it uncertain (docker-jitsi-meet's meet.conf, nginx-proxy's nginx.tmpl).
 */
const GO_ASSIGNMENT = /^\{\{-?\s*\$\w*\s*:?=[^=]/;

export function neutralizeTemplates(text: string): string {
  text = envsubstStatementLines(text);
  if (!text.includes('{{') && !text.includes('{%') && !text.includes('{#') && !text.includes('<%') && !text.includes('%{')) return text;
  const blank = (match: string) => match.replace(/[^\n]/g, ' ');
  // Terraform `templatefile` directives (`%{ if cors ~}` … `%{ endif ~}`) are control, like Jinja's `{% %}`.
  text = replaceTerraformDirectives(text, blank);
  const unknown = (match: string, start: number, source: string) => {
    if (match.includes('\n')) return blank(match);
    // An expression standing alone on its line is a statement, not a value: the template inserts
    // a block of directives there (Jinja `{{ proxy }}`, Helm `{{ include "cors" . | nindent 4 }}`).
    // It is read as an include nobody can resolve, which is what it is to nginx's reader.
    if (aloneOnLine(source, start, start + match.length) && match.length >= INCLUDE_UNKNOWN_MIN) return `include $${'x'.repeat(match.length - INCLUDE_UNKNOWN_MIN + 1)};`;
    return `$${'x'.repeat(match.length - 1)}`;
  };
  let out = replaceGoActions(text, (match, start) => (GO_CONTROL.test(match) || /^\{\{-?\s*\/\*/.test(match) || GO_ASSIGNMENT.test(match) ? blank(match) : unknown(match, start, text)));
  out = replaceDelimited(out, '{%', '%}', blank);
  out = replaceDelimited(out, '{#', '#}', blank, true);
  const before = out;
  out = replaceDelimited(out, '<%=', '%>', (match, start) => unknown(match, start, before));
  return replaceDelimited(out, '<%', '%>', blank);
}

/**
 * An envsubst placeholder standing alone on its line (`${HLSVARIANTS}`, `${EXTRA_CONFIG}`: the Docker image's
 * entrypoint renders the file with envsubst, and the variable holds whole directives). nginx itself would take
 * it for a directive name and want a `;`: the file is a template, and the line inserts directives nobody can
 * see. It is read as an include nobody can resolve (same length; a short placeholder also takes the blanks
 * before it), as a Go or Jinja expression alone on its line is. In arguments, `${name}` is nginx's own
 * variable syntax and is left alone. Anchored at line starts: linear.
 */
function envsubstStatementLines(text: string): string {
  if (!text.includes('${')) return text;
  return text.replace(/^([ \t]*)(\$\{[A-Za-z_][A-Za-z0-9_]*\})(?=[ \t]*(?:#[^\r\n]*)?\r?$)/gm, (line: string, indent: string, placeholder: string) => {
    if (placeholder.length >= INCLUDE_UNKNOWN_MIN) return `${indent}include $${'x'.repeat(placeholder.length - INCLUDE_UNKNOWN_MIN + 1)};`;
    return line.length >= INCLUDE_UNKNOWN_MIN ? `include $${'x'.repeat(line.length - INCLUDE_UNKNOWN_MIN + 1)};` : line;
  });
}

/**
 * A conditional written inside one directive's arguments (`set $keepalive {{ if .On }}true{{ else }}false{{ end }};`,
 * `proxy_pass http://{% if tls %}a{% else %}b{% endif %};`) renders ONE value: blanking its markers, as
 * neutralizeTemplates does for blocks, would leave both branches side by side as two arguments. Such a
 * span, opened after a directive has started on its line and closed on the same line, becomes one
 * unknown variable of its length. A conditional that starts a line or follows a `;`, `{` or `}`
 * wraps whole directives and is left to neutralizeTemplates. Each line is scanned once with indexOf.
 */
export function collapseInlineConditionals(text: string): string {
  if (!text.includes('{{') && !text.includes('{%')) return text;
  let out = '';
  let lineStart = 0;
  while (lineStart <= text.length) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    let line = text.slice(lineStart, lineEnd);
    if (line.includes('{{')) line = collapseLine(line, '{{', '}}', GO_OPENS, GO_CLOSES);
    if (line.includes('{%')) line = collapseLine(line, '{%', '%}', JINJA_OPENS, JINJA_CLOSES);
    out += line + (newline === -1 ? '' : '\n');
    if (newline === -1) break;
    lineStart = newline + 1;
  }
  return out;
}

const GO_OPENS = new Set(['if', 'with', 'range']);
const GO_CLOSES = new Set(['end']);
const JINJA_OPENS = new Set(['if', 'for', 'with']);
const JINJA_CLOSES = new Set(['endif', 'endfor', 'endwith']);

/** Text before a marker on its line: a directive has started and not ended (`}}`/`%}` close template actions, not blocks). */
function insideDirective(before: string): boolean {
  if (before.trim() === '' || before.endsWith(';') || before.endsWith('{')) return false;
  return !before.endsWith('}') || before.endsWith('}}') || before.endsWith('%}');
}

function collapseLine(line: string, open: string, close: string, opens: Set<string>, closes: Set<string>): string {
  let out = '';
  let last = 0;
  let depth = 0;
  let spanStart = -1;
  for (let start = line.indexOf(open); start !== -1; ) {
    const stop = line.indexOf(close, start + open.length);
    if (stop === -1) break;
    const word = /^[-+]?\s*(\w+)/.exec(line.slice(start + open.length, Math.min(stop, start + open.length + 24)))?.[1] ?? '';
    const end = stop + close.length;
    if (opens.has(word)) {
      if (depth === 0) spanStart = insideDirective(line.slice(0, start).trimEnd()) ? start : -1;
      depth++;
    } else if (closes.has(word) && depth > 0) {
      depth--;
      if (depth === 0 && spanStart !== -1) {
        out += line.slice(last, spanStart) + `$${'x'.repeat(end - spanStart - 1)}`;
        last = end;
        spanStart = -1;
      }
    }
    start = line.indexOf(open, end);
  }
  return out + line.slice(last);
}

/** `include $x;`: the shortest statement an alone-on-its-line expression can become in place. */
const INCLUDE_UNKNOWN_MIN = 'include $x;'.length;

/** Only blanks between the line's start and `start`, and between `stop` and the line's end (or a `#` comment). */
function aloneOnLine(text: string, start: number, stop: number): boolean {
  for (let i = start - 1; i >= 0 && text[i] !== '\n'; i--) if (text[i] !== ' ' && text[i] !== '\t') return false;
  for (let i = stop; i < text.length && text[i] !== '\n' && text[i] !== '\r'; i++) {
    if (text[i] === '#') return true;
    if (text[i] !== ' ' && text[i] !== '\t') return false;
  }
  return true;
}
