import { compilePattern } from '../../model/respond.js';
import type { CorsRequest, CorsResponse, HeaderProgram, Loc, ResponseHeader } from '../../model/types.js';
import { ancestors, type NginxContext } from './contexts.js';
import type { NginxArg, NginxDirective } from './parse.js';

/**
 * What nginx sends for one request served by one location: the rewrite phase (`set`, `if`,
 * `return`) at server then location level, the content handler's status, then the header filter
 * (`more_set_headers`, then `add_header` with its all-or-nothing inheritance and `always`).
 * Facts from semantics.md §6 (N1–N8), checked against a real nginx in test/truth-nginx.test.ts.
 */

/** Statuses `add_header` applies to without `always` (N1). */
export const ADD_HEADER_STATUSES = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);
const UPSTREAM_HANDLERS = new Set(['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass']);

export interface NginxMap {
  source: string;
  target: string;
  exact: Array<{ key: string; value: NginxArg }>;
  regex: Array<{ pattern: string; caseInsensitive: boolean; value: NginxArg; keyLoc: Loc }>;
  fallback?: NginxArg;
  directive: NginxDirective;
}

export function collectMaps(root: NginxContext): Map<string, NginxMap> {
  const maps = new Map<string, NginxMap>();
  const visit = (context: NginxContext) => {
    for (const directive of context.body) {
      if (directive.name === 'map' && directive.block && directive.args.length === 2) {
        const map: NginxMap = { source: directive.args[0].value, target: directive.args[1].value.replace(/^\$/, ''), exact: [], regex: [], directive };
        for (const entry of directive.block) {
          if (entry.args.length !== 1) continue;
          const value = entry.args[0];
          if (entry.name === 'default') map.fallback = value;
          else if (entry.name === 'hostnames' || entry.name === 'volatile') continue;
          else if (entry.name.startsWith('~*')) map.regex.push({ pattern: entry.name.slice(2), caseInsensitive: true, value, keyLoc: entry.nameLoc });
          else if (entry.name.startsWith('~')) map.regex.push({ pattern: entry.name.slice(1), caseInsensitive: false, value, keyLoc: entry.nameLoc });
          else map.exact.push({ key: entry.name.replace(/^\\/, ''), value });
        }
        maps.set(map.target, map);
      }
    }
    for (const child of context.children.values()) if (child.kind === 'http' || child.kind === 'main') visit(child);
  };
  visit(root);
  return maps;
}

/** The `if (…)` arguments without nginx's surrounding parentheses. */
export function conditionArgs(directive: NginxDirective): NginxArg[] {
  const args = directive.args.map((arg) => ({ ...arg }));
  if (args.length > 0 && args[0].value === '(') args.shift();
  else if (args.length > 0 && !args[0].quoted && args[0].value.startsWith('(')) args[0] = { ...args[0], value: args[0].value.slice(1) };
  const last = args.length - 1;
  if (last >= 0 && args[last].value === ')') args.pop();
  else if (last >= 0 && !args[last].quoted && args[last].value.endsWith(')')) args[last] = { ...args[last], value: args[last].value.slice(0, -1) };
  return args;
}

interface RunState {
  vars: Map<string, string>;
  uncertain: boolean;
  config: NginxContext;
  returned?: { status: number; directive: NginxDirective };
  stopped: boolean;
}

const REWRITE_DIRECTIVES = new Set(['set', 'if', 'return', 'rewrite', 'break']);
const CORS_RELEVANT = /^(access-control-|vary$)/i;

/** Per-context digests, so a run touches only the directives that matter (a block can hold millions of others). */
interface ContextDigest {
  rewrite: NginxDirective[];
  handler?: NginxDirective;
  moreSetHeaders: NginxDirective[];
}
const digests = new WeakMap<NginxContext, ContextDigest>();

function digest(context: NginxContext): ContextDigest {
  let found = digests.get(context);
  if (!found) {
    found = {
      rewrite: context.body.filter((d) => REWRITE_DIRECTIVES.has(d.name)),
      handler: context.body.find((d) => UPSTREAM_HANDLERS.has(d.name) || /_by_lua|^(echo|try_files|perl|js_content|empty_gif|stub_status|dav_methods)$/.test(d.name)),
      moreSetHeaders: context.body.filter((d) => d.name === 'more_set_headers'),
    };
    digests.set(context, found);
  }
  return found;
}

export class NginxProgram implements HeaderProgram {
  constructor(
    private readonly target: NginxContext,
    private readonly maps: Map<string, NginxMap>,
  ) {}

  run(request: CorsRequest): CorsResponse {
    const state: RunState = { vars: new Map(), uncertain: false, config: this.target, stopped: false };
    const chain = ancestors(this.target);
    if (chain.some((level) => level.hasUnresolvedInclude)) state.uncertain = true;
    const server = chain.find((level) => level.kind === 'server');
    if (server && server !== this.target) this.rewrite(server, request, state);
    if (!state.returned && !state.stopped) this.rewrite(this.target, request, state);
    state.stopped = false;
    const status = this.status(request, state);
    const droppedForStatus: Loc[] = [];
    const headers = this.headers(request, state, status, droppedForStatus);
    return { status, headers, uncertain: state.uncertain, shortCircuit: state.returned !== undefined, droppedForStatus };
  }

  private rewrite(context: NginxContext, request: CorsRequest, state: RunState): void {
    for (const directive of digest(context).rewrite) {
      if (state.returned || state.stopped) return;
      switch (directive.name) {
        case 'set':
          if (directive.args.length === 2) {
            const value = this.evaluate(directive.args[1].value, request, state);
            if (value === null) state.uncertain = true;
            state.vars.set(directive.args[0].value.replace(/^\$/, ''), value ?? '');
          }
          break;
        case 'if': {
          const child = context.children.get(directive);
          if (!child) break;
          const outcome = this.condition(conditionArgs(directive), request, state);
          if (outcome === 'unknown') state.uncertain = true;
          if (outcome === true) {
            state.config = child;
            this.rewrite(child, request, state);
          }
          break;
        }
        case 'return': {
          const code = Number(directive.args[0]?.value);
          state.returned = { status: Number.isInteger(code) && directive.args[0].value.length === 3 ? code : 302, directive };
          return;
        }
        case 'rewrite':
          state.uncertain = true;
          break;
        case 'break':
          state.stopped = true;
          return;
      }
    }
  }

  private status(request: CorsRequest, state: RunState): number | undefined {
    if (state.returned) return state.returned.status;
    const method = request.preflight ? 'OPTIONS' : request.method;
    for (let level: NginxContext | undefined = state.config; level && level.kind !== 'server' && level.kind !== 'http'; level = level.parent) {
      for (const directive of [digest(level).handler].filter((d): d is NginxDirective => d !== undefined)) {
        if (UPSTREAM_HANDLERS.has(directive.name)) {
          if (request.appStatus !== undefined) return request.appStatus;
          if (method === 'OPTIONS') {
            state.uncertain = true;
            return undefined;
          }
          return 200;
        }
        {
          if (directive.name === 'try_files' && !directive.args.at(-1)?.value.startsWith('@')) continue;
          state.uncertain = true;
          return request.appStatus;
        }
      }
      if (level.kind === 'location') break;
    }
    // A snippet's includer is not visible: its content handler (proxy, static, app) is unknown.
    if (!ancestors(state.config).some((level) => level.kind === 'location' || level.kind === 'server')) {
      if (!request.preflight || request.appStatus !== undefined) return request.appStatus ?? 200;
      state.uncertain = true;
      return undefined;
    }
    // The static module: GET and HEAD are served, everything else is 405 Not Allowed.
    if (method === 'GET' || method === 'HEAD') return request.appStatus ?? 200;
    return 405;
  }

  private headers(request: CorsRequest, state: RunState, status: number | undefined, dropped: Loc[]): ResponseHeader[] {
    const headers: ResponseHeader[] = [];
    const levels = ancestors(state.config).reverse();
    for (const level of levels) {
      for (const directive of digest(level).moreSetHeaders) {
        for (const spec of moreSetHeadersSpecs(directive)) {
          if (spec.statuses && (status === undefined || !spec.statuses.includes(status))) continue;
          const value = this.evaluate(spec.value, request, state);
          if (value === null) state.uncertain = true;
          for (let i = headers.length - 1; i >= 0; i--) if (headers[i].name.toLowerCase() === spec.name.toLowerCase()) headers.splice(i, 1);
          if (value) headers.push({ name: spec.name, value, loc: spec.loc });
        }
      }
    }
    for (const directive of effectiveAddHeaders(state.config)) {
      const [name, valueArg, flag] = directive.args;
      if (!name || !valueArg || !CORS_RELEVANT.test(name.value)) continue;
      const always = flag?.value === 'always';
      if (!always) {
        if (status === undefined) {
          state.uncertain = true;
          continue;
        }
        if (!ADD_HEADER_STATUSES.has(status)) {
          dropped.push(valueArg.loc);
          continue;
        }
      }
      const value = this.evaluate(valueArg.value, request, state);
      if (value === null) {
        state.uncertain = true;
        continue;
      }
      if (value !== '') headers.push({ name: name.value, value, loc: this.decidingLoc(valueArg, request, state), writtenAt: valueArg.loc });
    }
    return headers;
  }

  private condition(args: NginxArg[], request: CorsRequest, state: RunState): boolean | 'unknown' {
    if (args.length === 1) {
      const value = this.evaluate(args[0].value, request, state);
      if (value === null) return 'unknown';
      return value !== '' && value !== '0';
    }
    if (args.length !== 3) return 'unknown';
    const left = this.evaluate(args[0].value, request, state);
    if (left === null) return 'unknown';
    const operator = args[1].value;
    if (operator === '=' || operator === '!=') {
      const right = this.evaluate(args[2].value, request, state);
      if (right === null) return 'unknown';
      return (left === right) === (operator === '=');
    }
    const regexOperators: Record<string, [boolean, boolean]> = { '~': [false, false], '~*': [true, false], '!~': [false, true], '!~*': [true, true] };
    const regexOperator = regexOperators[operator];
    if (!regexOperator) return 'unknown';
    const regex = compilePattern(args[2].value, regexOperator[0] ? 'i' : '');
    if (!regex) return 'unknown';
    return regex.test(left) !== regexOperator[1];
  }

  /** Interpolate `$var` / `${var}`; null when any part cannot be known. */
  evaluate(template: string, request: CorsRequest, state: RunState | undefined, depth = 0): string | null {
    let unknown = false;
    const result = template.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_, braced: string | undefined, bare: string | undefined) => {
      const value = this.variable((braced ?? bare)!, request, state, depth);
      if (value === null) unknown = true;
      return value ?? '';
    });
    return unknown ? null : result;
  }

  private variable(name: string, request: CorsRequest, state: RunState | undefined, depth: number): string | null {
    if (state?.vars.has(name)) return state.vars.get(name)!;
    const method = request.preflight ? 'OPTIONS' : request.method;
    switch (name) {
      case 'http_origin':
        return request.origin ?? '';
      case 'request_method':
        return method;
      case 'http_access_control_request_method':
        return request.preflight ? request.method : '';
      case 'http_access_control_request_headers':
        return request.preflight ? (request.headers ?? []).join(',') : '';
    }
    if (name.startsWith('http_') && request.extraHeaders) {
      const wanted = name.slice(5).replace(/_/g, '-');
      const entry = Object.entries(request.extraHeaders).find(([key]) => key.toLowerCase() === wanted);
      return entry ? entry[1] : '';
    }
    const map = this.maps.get(name);
    if (map && depth < 8) return this.lookupMap(map, request, state, depth + 1);
    return null;
  }

  /** For a value that is one `map` variable, the map entry that produced it is the token to fix. */
  private decidingLoc(arg: NginxArg, request: CorsRequest, state: RunState): Loc {
    const single = /^\$(?:\{(\w+)\}|(\w+))$/.exec(arg.value.trim());
    const map = single && !state.vars.has((single[1] ?? single[2])!) ? this.maps.get((single[1] ?? single[2])!) : undefined;
    if (!map) return arg.loc;
    const source = this.evaluate(map.source, request, state);
    if (source === null) return arg.loc;
    const exact = map.exact.find((entry) => entry.key.toLowerCase() === source.toLowerCase());
    if (exact) return exact.value.loc;
    for (const entry of map.regex) {
      if (compilePattern(entry.pattern, entry.caseInsensitive ? 'i' : '')?.test(source)) return entry.value.loc;
    }
    return map.fallback?.loc ?? arg.loc;
  }

  private lookupMap(map: NginxMap, request: CorsRequest, state: RunState | undefined, depth: number): string | null {
    const source = this.evaluate(map.source, request, state, depth);
    if (source === null) return null;
    const exact = map.exact.find((entry) => entry.key.toLowerCase() === source.toLowerCase());
    if (exact) return this.evaluate(exact.value.value, request, state, depth);
    for (const entry of map.regex) {
      const regex = compilePattern(entry.pattern, entry.caseInsensitive ? 'i' : '');
      if (!regex) return null;
      if (regex.test(source)) return this.evaluate(entry.value.value, request, state, depth);
    }
    return map.fallback ? this.evaluate(map.fallback.value, request, state, depth) : '';
  }
}

/**
 * The CORS-relevant (`Access-Control-*`, `Vary`) `add_header` directives in effect at a level: its
 * own, or (only if it has no `add_header` at all) the nearest outer level's (N2);
 * `add_header_inherit merge` appends the parent's (N3).
 */
const effectiveCache = new WeakMap<NginxContext, NginxDirective[]>();

export function effectiveAddHeaders(context: NginxContext): NginxDirective[] {
  let cached = effectiveCache.get(context);
  if (!cached) {
    cached = computeEffectiveAddHeaders(context);
    effectiveCache.set(context, cached);
  }
  return cached;
}

function computeEffectiveAddHeaders(context: NginxContext): NginxDirective[] {
  for (let level: NginxContext | undefined = context; level; level = level.parent) {
    const own = level.body.filter((directive) => directive.name === 'add_header');
    if (own.length === 0) continue;
    const relevant = own.filter((directive) => CORS_RELEVANT.test(directive.args[0]?.value ?? ''));
    const inherit = level.body.find((directive) => directive.name === 'add_header_inherit')?.args[0]?.value;
    if (inherit === 'merge' && level.parent) return [...effectiveAddHeaders(level.parent), ...relevant];
    return relevant;
  }
  return [];
}

export interface MoreSetHeadersSpec {
  name: string;
  value: string;
  statuses?: number[];
  loc: Loc;
}

/** `more_set_headers [-s codes] [-t types] 'Name: value' …` (N8). */
export function moreSetHeadersSpecs(directive: NginxDirective): MoreSetHeadersSpec[] {
  const specs: MoreSetHeadersSpec[] = [];
  let statuses: number[] | undefined;
  for (let i = 0; i < directive.args.length; i++) {
    const arg = directive.args[i];
    if (arg.value === '-s' || arg.value === '-t') {
      const next = directive.args[++i];
      if (arg.value === '-s' && next) statuses = next.value.split(/\s+/).map(Number).filter(Number.isInteger);
      continue;
    }
    const colon = arg.value.indexOf(':');
    if (colon <= 0) continue;
    specs.push({ name: arg.value.slice(0, colon).trim(), value: arg.value.slice(colon + 1).trim(), statuses, loc: arg.loc });
  }
  return specs;
}
