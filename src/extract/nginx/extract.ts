import { nginxProfile } from '../../model/profiles.js';
import { compilePattern } from '../../model/respond.js';
import type { CorsPolicy, CorsRequest, CorsResponse, EmittedHeader, HeaderProgram, ListSetting, Loc, OriginMatcher, ResponseHeader } from '../../model/types.js';
import { allContexts, ancestors, buildContexts, type NginxContext } from './contexts.js';
import { copiedFrom, type NginxDirective } from './parse.js';
import { collectMaps, conditionArgs, maskFields, own as levelAddHeaders, effectiveAddHeaders, moreSetHeadersSpecs, NginxProgram, ownMoreSetHeaders, ORIGIN_SYMBOL, type NginxMap, type OriginGuard } from './program.js';
import { testedMethods, testedOrigins } from './tested-origins.js';
import { aroundSegments, exactSource, ownSegment } from './policy-key.js';
import { activePolicyMemo, memoPolicy, reusePolicy, sameSegments, shiftedSegments, shiftPolicy, type KeySegment, type LineShift, type PlaceKey } from '../../engine/policy-memo.js';
import { activeParseCache } from '../../engine/parse-cache.js';
import { lineStartsOf } from '../offsets.js';
import type { NginxWorkspace } from './workspace.js';
import { luaHeaderFilterPolicy } from './lua-headers.js';
import { mergeUncertainty, unsure } from '../../model/uncertainty.js';

const LUA_PHASE = /^(header_filter|rewrite|access|content)_by_lua(_block|_file)?$/;
/** Whether a level's own directives hold Lua, asked once per level: every location asks about its server's (and http's) body. */
const levelLua = new WeakMap<NginxDirective[], boolean>();
function hasOwnLua(body: NginxDirective[]): boolean {
  let found = levelLua.get(body);
  if (found === undefined) levelLua.set(body, (found = body.some((directive) => LUA_PHASE.test(directive.name))));
  return found;
}

/**
 * One policy per place a request ends up: each location (after inheritance), each server with no
 * catch-all location, and a snippet's top level when it is not included by a file we can see.
 */
export function extractNginxPolicies(rootFile: string, workspace: NginxWorkspace): CorsPolicy[] {
  const root = buildContexts(rootFile, workspace);
  if (!root) return [];
  const maps = collectMaps(root);
  const contexts = allContexts(root);
  const pagesOnly = errorPageOnlyLocations(contexts);
  // No array per context: a server holds every location (this ran on every keystroke).
  const targets = contexts.filter((context) => {
    if (context.kind === 'location') return !pagesOnly.has(context.directive!.args[0]?.value ?? '');
    if (context.kind === 'server') {
      for (const child of context.children.values()) if (child.kind === 'location' && isRootLocation(child.directive)) return false;
      return true;
    }
    if (context.kind !== 'fragment') return false;
    for (const child of context.children.values()) if (child.kind === 'location' || child.kind === 'server' || child.kind === 'http') return false;
    return true;
  });
  const policies: CorsPolicy[] = [];
  const memo = activePolicyMemo();
  // The language server keeps each location's last policy (keptPlace); the CLI lints each file once.
  const keep = memo !== undefined && activeParseCache() !== undefined;
  const sources = new Map<string, { text: string; lineStarts: number[] } | undefined>();
  const source = (file: string) => {
    if (!sources.has(file)) {
      const text = workspace.parsedText(file);
      sources.set(file, text === undefined ? undefined : { text, lineStarts: lineStartsOf(text) });
    }
    return sources.get(file);
  };
  for (const target of targets) {
    // A place whose CORS headers come only from OpenResty Lua (header filter, access or content phase) is read there, when certain.
    // Lua of an outer level (a server's access_by_lua) runs for every location without its own.
    const outer = ancestors(target).slice(1).map((level) => level.body);
    const hasLua = hasOwnLua(target.body) || outer.some(hasOwnLua);
    if (hasLua && !sendsCors(target)) {
      const scope = scopeOf(target, rootFile);
      const lua = luaHeaderFilterPolicy(target.body, (file) => workspace.parsedText(file), scope.label, target.kind === 'location' ? target.directive?.args.at(-1)?.value : undefined, outer, (from, path) => workspace.readLuaFile(from, path));
      if (lua) {
        policies.push(lua);
        continue;
      }
    } else if (hasLua && sendsCors(target)) {
      // Lua's headers and the location's add_header both go out: a policy of the two, when the Lua is read.
      const scope = scopeOf(target, rootFile);
      const lua = luaHeaderFilterPolicy(target.body, (file) => workspace.parsedText(file), scope.label, target.kind === 'location' ? target.directive?.args.at(-1)?.value : undefined, outer, (from, path) => workspace.readLuaFile(from, path));
      const own = lua && !replacesLuaHeaders(target, lua) ? targetPolicy(rootFile, target, maps) : undefined;
      if (lua && own?.headerProgram) {
        own.headerProgram = luaThenNginx(lua.headerProgram!, own.headerProgram);
        own.scope = scope;
        own.id = policyId(rootFile, scope.label, own.source.loc);
        policies.push(own);
        continue;
      }
    }
    // A server or snippet holds every location in it: its key would be read on every edit, for a
    // place that most often sends no CORS header of its own (then it has no policy at all).
    if (target.kind !== 'location' && !sendsCors(target)) continue;
    // A place whose block and surroundings were seen before (an identical location elsewhere, or the
    // same one before an edit in the editor) is moved from the memo, not worked out again.
    const around = memo ? aroundSegments(rootFile, root, target, maps) : undefined;
    const kept = around && keep ? keptPlace(rootFile, target, around) : undefined;
    if (kept) {
      if (kept.policy) policies.push(kept.policy);
      continue;
    }
    const finish = (moved: CorsPolicy) => {
      if ('headerProgram' in moved) moved.headerProgram = new NginxProgram(target, maps);
      moved.scope = scopeOf(target, rootFile);
      moved.id = policyId(rootFile, moved.scope.label, moved.source.loc);
      return moved;
    };
    // An Enter or Backspace inside one block moved the lines below it: last run's policy, moved with them (its scope kept).
    const finishShifted = (moved: CorsPolicy) => {
      if ('headerProgram' in moved) moved.headerProgram = new NginxProgram(target, maps);
      moved.id = policyId(rootFile, moved.scope.label, moved.source.loc);
      return moved;
    };
    const shifted = around && keep ? shiftedPlace(rootFile, target, around, workspace.lineShift(rootFile), finishShifted) : undefined;
    if (shifted) {
      if (shifted.policy) policies.push(shifted.policy);
      lastPlaces.set(target.directive!, { rootFile, around: around!, serverName: serverNameOf(target), policy: shifted.policy });
      continue;
    }
    const place: PlaceKey | undefined = around ? { around, own: () => ownSegment(target), exact: exactSource(target, source) } : undefined;
    const policy = memoPolicy(place, () => targetPolicy(rootFile, target, maps), finish);
    if (policy) policies.push(policy);
    if (around && keep && target.kind === 'location' && target.directive!.file === rootFile) lastPlaces.set(target.directive!, { rootFile, around, serverName: serverNameOf(target), policy });
  }
  policies.push(...unconsumedOriginMaps(rootFile, contexts, maps));
  return policies;
}

/**
 * Named locations (`location @cors_preflight`) that only an `error_page` leads to: no request is routed
 * there by its URI, so they are no place of their own; what they answer is judged where the `error_page`
 * sends it (program.ts namedErrorPage). One reached from anything else (`try_files … @app`, a directive of
 * a module, an upstream's X-Accel-Redirect we cannot see because nothing names it) stays a place.
 */
function errorPageOnlyLocations(contexts: NginxContext[]): Set<string> {
  const pages = new Set<string>();
  const other = new Set<string>();
  for (const context of contexts) {
    const named = namedTargets(context.body);
    for (const name of named.pages) pages.add(name);
    for (const name of named.other) other.add(name);
  }
  for (const name of other) pages.delete(name);
  return pages;
}

/**
 * The `@name` arguments of a level's own directives (not its locations'), from `error_page` and from
 * anything else, kept by body list: a level with no include has its parsed block as its body
 * (contexts.ts), and the language server's parse keeps every block an edit did not touch, so a
 * keystroke reads one level's arguments, not every argument of the file.
 */
function namedTargets(body: NginxDirective[]): { pages: string[]; other: string[] } {
  let found = namedCache.get(body);
  if (found) return found;
  found = NO_NAMES;
  for (const directive of body) {
    if (directive.name === 'location') continue;
    for (const arg of directive.args) {
      if (!arg.value.startsWith('@')) continue;
      if (found === NO_NAMES) found = { pages: [], other: [] };
      (directive.name === 'error_page' ? found.pages : found.other).push(arg.value);
    }
  }
  namedCache.set(body, found);
  return found;
}

const NO_NAMES: { pages: string[]; other: string[] } = { pages: [], other: [] };
const namedCache = new WeakMap<NginxDirective[], { pages: string[]; other: string[] }>();

/** `location /` (its arguments joined are `/`: one argument, since an empty one still adds a space). */
function isRootLocation(directive: NginxDirective | undefined): boolean {
  return directive !== undefined && directive.args.length === 1 && directive.args[0].value === '/';
}

/**
 * The language server's last policy of each location, by its parsed directive: an edit inside one
 * block leaves every other block's directive the same object (parse.ts reparseNginx), and such a
 * location in the same surroundings (the levels around it and the file's maps and variables, to
 * the position: the memo key's segments) has the same policy. It is handed out again as it is, with
 * no key, policy or program made for it (a 2,000-line file has 499 of them on every keystroke).
 */
interface LastPlace {
  rootFile: string;
  around: KeySegment[];
  /** The first `server_name` of its server, which the scope's label names (the segments leave its value out). */
  serverName: string | undefined;
  policy: CorsPolicy | undefined;
}
const lastPlaces = new WeakMap<NginxDirective, LastPlace>();

function keptPlace(rootFile: string, target: NginxContext, around: KeySegment[]): LastPlace | undefined {
  const directive = target.directive;
  if (target.kind !== 'location' || !directive) return undefined;
  const last = lastPlaces.get(directive);
  if (!last || last.rootFile !== rootFile || directive.file !== rootFile || includesAny(directive)) return undefined;
  if (!sameSegments(last.around, around) || last.serverName !== serverNameOf(target)) return undefined;
  return last.policy === undefined || reusePolicy(last.policy) ? last : undefined;
}

/**
 * A location an edit that only moved lines left as it was (parse.ts copiedFrom: copied below the
 * edited block, or the same object above it), in surroundings that are the last run's but for
 * those lines: its last policy moved by the shift (engine/policy-memo.ts shiftPolicy), or again no
 * policy. Undefined when anything else changed.
 */
function shiftedPlace(rootFile: string, target: NginxContext, around: KeySegment[], shift: LineShift | undefined, finish: (moved: CorsPolicy) => CorsPolicy): { policy: CorsPolicy | undefined } | undefined {
  const directive = target.directive;
  if (!shift || target.kind !== 'location' || !directive || directive.file !== rootFile) return undefined;
  const copied = copiedFrom.get(directive);
  const original = copied?.shift === shift ? copied.original : directive;
  // A copy holds what its original holds (known from the last run).
  if (includesAny(original)) return undefined;
  if (original !== directive) includeCache.set(directive, false);
  const last = lastPlaces.get(original);
  if (!last || last.rootFile !== rootFile || last.serverName !== serverNameOf(target)) return undefined;
  if (last.policy === undefined) return shiftedSegments(last.around, around, shift) ? { policy: undefined } : undefined;
  const policy = shiftPolicy(last.policy, shift, around, original.loc, finish);
  return policy ? { policy } : undefined;
}

const includeCache = new WeakMap<NginxDirective, boolean>();

/** Whether a block holds an `include` (what it adds can change while the block does not). */
function includesAny(directive: NginxDirective): boolean {
  let found = includeCache.get(directive);
  if (found === undefined) {
    found = directive.name === 'include' || (directive.block?.some(includesAny) ?? false);
    includeCache.set(directive, found);
  }
  return found;
}

const serverNames = new WeakMap<NginxContext, string | undefined>();

/** The first name of the server around a place (found once per server: a server can hold thousands of locations). */
function serverNameOf(target: NginxContext): string | undefined {
  let server: NginxContext | undefined = target;
  while (server && server.kind !== 'server') server = server.parent;
  if (!server) return undefined;
  if (!serverNames.has(server)) serverNames.set(server, server.body.find((d) => d.name === 'server_name')?.args[0]?.value);
  return serverNames.get(server);
}

/** Whether a place has a policy (targetPolicy gives one). */
function sendsCors(target: NginxContext): boolean {
  return visibleCorsHeaders(target).some((header) => /^access-control-/i.test(header.name)) || inheritanceLosses(target).length > 0;
}

/**
 * A place where Lua writes headers (`ngx.header[…]`, in any phase) and the place's own `add_header`
 * adds CORS headers: both go out, Lua's first, so one Allow-Origin from each is two on the wire
 * (nginx 1.22.1 with lua-nginx-module 0.10.23, also on Lua's own `ngx.exit(204)`; `proxy_hide_header`
 * does not remove Lua's). The add_header lines apply by the status of the answer, Lua's when it
 * answers the preflight itself.
 */
function luaThenNginx(lua: HeaderProgram, nginx: HeaderProgram): HeaderProgram {
  return {
    run(request) {
      const back = lua.run(request);
      const front = nginx.run(back.shortCircuit ? { ...request, appStatus: back.status } : request);
      return {
        ...front,
        status: back.shortCircuit ? back.status : front.status,
        headers: [...back.headers, ...front.headers],
        ...mergeUncertainty(front, back),
        shortCircuit: back.shortCircuit || front.shortCircuit,
      };
    },
  };
}

/** `more_set_headers` replaces a header Lua wrote, and `more_clear_headers` removes it: no sum of the two then. */
function replacesLuaHeaders(target: NginxContext, lua: CorsPolicy): boolean {
  const written = new Set(lua.emitted.map((header) => header.name.toLowerCase()));
  if (visibleCorsHeaders(target).some((header) => header.mode === 'set' && written.has(header.name.toLowerCase()))) return true;
  return ancestors(target).some((level) => level.body.some((directive) => directive.name === 'more_clear_headers'));
}

/** The policy of one place, or none when no CORS header reaches it. */
function targetPolicy(rootFile: string, target: NginxContext, maps: Map<string, NginxMap>): CorsPolicy | undefined {
  const emitted = visibleCorsHeaders(target);
  const losses = inheritanceLosses(target);
  const inherited = losses.length > 0 ? { inheritanceLoss: losses[0], inheritanceLosses: losses } : {};
  if (!emitted.some((header) => /^access-control-/i.test(header.name))) {
    return losses.length > 0 ? { ...emptyPolicy(rootFile, target), ...inherited } : undefined;
  }
  return { ...buildPolicy(rootFile, target, emitted, maps), ...inherited };
}

/** Stable within one run: the root file, the scope, and where the place starts. */
function policyId(rootFile: string, label: string, loc: Loc): string {
  return `${rootFile}#${label}@${loc.file}:${loc.line}:${loc.column}`;
}

/**
 * A `map $http_origin $x { … }` whose `$x` nothing in this file sends (the map sits in a
 * conf.d file of its own, or its consumer is in an include we cannot read) is still an origin
 * allowlist: its keys are judged as if `$x` were sent as Allow-Origin. What the consumer adds
 * besides (Vary, credentials) is unknown, so no rule relies on it.
 */
function unconsumedOriginMaps(rootFile: string, contexts: NginxContext[], maps: Map<string, NginxMap>): CorsPolicy[] {
  // Most files have no origin map: then no directive needs reading (this ran on every keystroke).
  if (![...maps.values()].some((map) => map.kind === 'map' && /^\$(\{http_origin\}|http_origin)$/.test(map.source) && map.directive.file === rootFile)) return [];
  // A whole configuration (this file holds `http` or `events`) whose every include was read has no
  // place left for a consumer: a map nothing sends (its add_header commented out) sends nothing.
  if (contexts[0]?.kind === 'main' && !contexts.some((context) => context.hasUnresolvedInclude)) return [];
  const used = new Set<string>();
  for (const context of contexts) {
    for (const directive of context.body) {
      if (directive.name === 'map' || directive.name === 'geo') continue;
      for (const arg of directive.args) for (const match of arg.value.matchAll(/\$(?:\{(\w+)\}|(\w+))/g)) used.add((match[1] ?? match[2])!);
    }
  }
  const out: CorsPolicy[] = [];
  for (const map of maps.values()) {
    if (map.kind !== 'map' || !/^\$(\{http_origin\}|http_origin)$/.test(map.source) || used.has(map.target) || map.directive.file !== rootFile) continue;
    const reflects = (arg: { value: string }) => /^\$(\{http_origin\}|http_origin)$/.test(arg.value);
    const grants = (arg: { value: string }) => reflects(arg) || /^https?:\/\//i.test(arg.value) || arg.value === '*';
    const values = [...map.exact.map((e) => e.value), ...map.regex.map((e) => e.value), ...(map.fallback ? [map.fallback] : [])];
    if (!values.some(reflects) && !/cors|origin|allow/i.test(map.target)) continue;
    const listId = `${map.directive.file}:${map.directive.nameLoc.line}`;
    const origins: OriginMatcher[] = [];
    for (const entry of map.exact) {
      if (!grants(entry.value)) continue;
      origins.push(reflects(entry.value) ? { kind: 'exact', value: entry.key, loc: entry.keyLoc, caseInsensitive: true, listId } : { kind: 'exact', value: entry.value.value, loc: entry.value.loc });
    }
    for (const entry of map.regex) {
      if (!grants(entry.value)) continue;
      origins.push(reflects(entry.value) ? { kind: 'pattern', source: entry.pattern, flags: entry.caseInsensitive ? 'i' : '', dialect: 'pcre-search', loc: entry.keyLoc, ...maskFields(entry.mask) } : entry.value.value === '*' ? { kind: 'any', loc: entry.value.loc } : { kind: 'exact', value: entry.value.value, loc: entry.value.loc });
    }
    if (map.fallback && grants(map.fallback)) origins.push(reflects(map.fallback) ? { kind: 'reflect', loc: map.fallback.loc } : map.fallback.value === '*' ? { kind: 'any', loc: map.fallback.loc } : { kind: 'exact', value: map.fallback.value, loc: map.fallback.loc });
    if (origins.length === 0) continue;
    const loc = spanOf(map.directive);
    const label = `map ${map.source} $${map.target}`;
    const program = new MapProgram(map);
    out.push({
      ...blankPolicy(rootFile, loc, { kind: 'http', label }),
      origins,
      vary: { origin: 'unknown' },
      profile: { ...nginxProfile, varyOrigin: 'undocumented' },
      headerProgram: program,
    });
  }
  return out;
}

/** The map's value sent as Allow-Origin on an actual request; a preflight's answer is the consumer's, so unknown. */
class MapProgram implements HeaderProgram {
  constructor(private readonly map: NginxMap) {}
  run(request: CorsRequest): CorsResponse {
    if (request.preflight || request.anyOrigin) return { status: undefined, headers: [], uncertain: true, shortCircuit: false };
    const origin = request.origin ?? '';
    const exact = this.map.exact.find((entry) => entry.key.toLowerCase() === origin.toLowerCase());
    let chosen = exact?.value;
    if (!chosen) {
      for (const entry of this.map.regex) {
        const regex = compilePattern(entry.pattern, entry.caseInsensitive ? 'i' : '');
        if (!regex) return { status: undefined, headers: [], uncertain: true, shortCircuit: false };
        if (regex.test(origin)) {
          chosen = entry.value;
          break;
        }
      }
    }
    chosen ??= this.map.fallback;
    const value = chosen ? chosen.value.replace(/^\$(\{http_origin\}|http_origin)$/, origin) : '';
    if (value.includes('$')) return { status: undefined, headers: [], uncertain: true, shortCircuit: false };
    const headers: ResponseHeader[] = value ? [{ name: 'Access-Control-Allow-Origin', value, loc: chosen!.loc }] : [];
    return { status: request.appStatus ?? 200, headers, uncertain: false, shortCircuit: false };
  }
}

type InheritanceLoss = NonNullable<CorsPolicy['inheritanceLosses']>[number];
const ACCESS_CONTROL = /^access-control-/i;

/**
 * nginx inherits `add_header` from the outer level only when a level has none of its own (N2),
 * and an `if` block is a level of its own (N4). A location that adds, say, `X-Frame-Options`
 * silently loses the server's CORS headers; `if ($request_method = OPTIONS) { add_header
 * Access-Control-Max-Age 600; return 204; }` answers the preflight without Allow-Origin.
 * Reported when a level's own add_headers keep no CORS header of the outer level's, or drop its
 * Allow-Origin.
 */
function inheritanceLosses(target: NginxContext): InheritanceLoss[] {
  const levels = target.kind === 'server' ? [] : [...(target.kind === 'location' ? [target] : []), ...[...target.children.values()].filter((child) => child.kind === 'if')];
  const out: InheritanceLoss[] = [];
  // A server whose own add_header lines drop the http level's CORS headers does so for every place that inherits from it:
  // reported once, on the server itself when it is a place, else on its first location that has no add_header of its own.
  const from = target.kind === 'server' ? target : inheritsFrom(target);
  if (from?.kind === 'server' && (from === target || firstHeir(from) === target)) {
    const loss = levelLoss(from);
    if (loss) out.push({ ...loss, place: `server ${serverNameOf(from) ?? '(no server_name)'}` });
  }
  for (const level of levels) {
    const loss = levelLoss(level);
    if (loss) out.push({ ...loss, ...(level.kind === 'if' ? { block: `the if (${conditionArgs(level.directive!).map((a) => a.value).join(' ')}) block`.slice(0, 120) } : {}) });
  }
  return out;
}

/** The level whose add_header lines a location without any of its own inherits (undefined when it has its own). */
function inheritsFrom(location: NginxContext): NginxContext | undefined {
  if (levelAddHeaders(location).addHeaders.length > 0) return undefined;
  for (let outer = location.parent; outer; outer = outer.parent) if (levelAddHeaders(outer).addHeaders.length > 0) return outer;
  return undefined;
}

const heirs = new WeakMap<NginxContext, NginxContext | null>();

/** The first location (in file order, nested ones included) that inherits the server's add_header lines; found once per server (a server can hold thousands of locations). */
function firstHeir(server: NginxContext): NginxContext | undefined {
  if (!heirs.has(server)) heirs.set(server, findHeir(server) ?? null);
  return heirs.get(server) ?? undefined;
}

function findHeir(server: NginxContext): NginxContext | undefined {
  const stack = [...server.children.values()].reverse();
  while (stack.length > 0) {
    const context = stack.pop()!;
    if (context.kind !== 'location') continue;
    if (inheritsFrom(context) === server) return context;
    if (levelAddHeaders(context).addHeaders.length === 0) stack.push(...[...context.children.values()].reverse());
  }
  return undefined;
}

function levelLoss(level: NginxContext): InheritanceLoss | undefined {
  const { addHeaders, inherit } = levelAddHeaders(level);
  if (addHeaders.length === 0 || inherit === 'merge') return undefined;
  const ownNames = new Set(addHeaders.map((directive) => (directive.args[0]?.value ?? '').toLowerCase()));
  for (let outer = level.parent; outer; outer = outer.parent) {
    const outerHeaders = levelAddHeaders(outer).addHeaders;
    if (outerHeaders.length === 0) continue;
    const lost = outerHeaders.filter((directive) => ACCESS_CONTROL.test(directive.args[0]?.value ?? '') && !ownNames.has(directive.args[0].value.toLowerCase()));
    const keepsNone = ![...ownNames].some((name) => ACCESS_CONTROL.test(name));
    const losesOrigin = lost.some((directive) => directive.args[0].value.toLowerCase() === 'access-control-allow-origin');
    if (lost.length === 0 || (!keepsNone && !losesOrigin)) return undefined;
    return { loc: spanOf(addHeaders[0]), lost: lost.map((directive) => ({ name: directive.args[0].value, loc: spanOf(directive) })), level: outer.kind === 'fragment' ? 'snippet' : outer.kind };
  }
  return undefined;
}

/** A location that sends no CORS headers at all (used to carry an inheritance loss). */
function emptyPolicy(rootFile: string, target: NginxContext): CorsPolicy {
  return blankPolicy(rootFile, spanOf(target.directive!), scopeOf(target, rootFile));
}

/** The fields every nginx policy starts from: no origins, defaults everywhere, nothing emitted. */
function blankPolicy(rootFile: string, loc: Loc, scope: CorsPolicy['scope']): CorsPolicy {
  return {
    id: policyId(rootFile, scope.label, loc),
    source: { file: loc.file, format: 'nginx', framework: 'nginx', loc },
    scope,
    origins: [],
    originMode: 'compare',
    credentials: undefined,
    allowMethods: { kind: 'default' },
    allowHeaders: { kind: 'default' },
    exposeHeaders: { kind: 'default' },
    maxAge: undefined,
    preflight: { kind: 'unknown' },
    vary: { origin: false },
    errorResponses: 'unknown',
    emitted: [],
    profile: nginxProfile,
  };
}

function scopeOf(target: NginxContext, rootFile: string): CorsPolicy['scope'] {
  const server = ancestors(target).find((level) => level.kind === 'server');
  const serverName = serverNameOf(target);
  const serverLabel = server ? `server ${serverName ?? '(no server_name)'}` : '';
  if (target.kind === 'location') {
    const path = target.directive!.args.map((arg) => arg.value).join(' ');
    return { kind: 'location', label: `${serverLabel ? `${serverLabel} ` : ''}location ${path}`, path };
  }
  if (target.kind === 'server') {
    for (const child of target.children.values()) if (child.kind === 'location') return { kind: 'server', label: serverLabel, unmatchedPaths: true };
    return { kind: 'server', label: serverLabel };
  }
  return { kind: 'fragment', label: `${rootFile} (included snippet)` };
}

/** Header directives that can reach a response of this target: the effective chain plus every `if` inside the target and its server. */
const ifChildrenCache = new WeakMap<NginxContext, NginxContext[]>();

/** A server's `if` blocks, found once per server (a server can hold thousands of locations). */
function ifChildren(context: NginxContext): NginxContext[] {
  let found = ifChildrenCache.get(context);
  if (!found) {
    found = [...context.children.values()].filter((child) => child.kind === 'if');
    ifChildrenCache.set(context, found);
  }
  return found;
}

function visibleCorsHeaders(target: NginxContext): EmittedHeader[] {
  const contexts: NginxContext[] = [target];
  for (const child of target.children.values()) if (child.kind === 'if') contexts.push(child);
  const server = ancestors(target).find((level) => level.kind === 'server');
  if (server && server !== target) contexts.push(...ifChildren(server));
  const seen = new Set<NginxDirective | NginxContext>();
  const out: EmittedHeader[] = [];
  for (const context of contexts) {
    for (const directive of effectiveAddHeaders(context)) {
      if (seen.has(directive)) continue;
      seen.add(directive);
      const [name, value, flag] = directive.args;
      if (!name || !value) continue;
      out.push({
        name: name.value,
        value: value.value.includes('$') ? null : value.value,
        rawValue: value.value,
        loc: spanOf(directive),
        valueLoc: value.loc,
        allStatuses: flag?.value === 'always',
        mode: 'add',
      });
    }
    for (const level of ancestors(context)) {
      if (seen.has(level)) continue;
      seen.add(level);
      for (const directive of ownMoreSetHeaders(level)) {
        if (seen.has(directive)) continue;
        seen.add(directive);
        for (const spec of moreSetHeadersSpecs(directive)) {
          out.push({ name: spec.name, value: spec.value.includes('$') ? null : spec.value, rawValue: spec.value, loc: spanOf(directive), valueLoc: spec.loc, allStatuses: !spec.statuses, mode: 'set' });
        }
      }
    }
  }
  return out;
}

/** From the directive name to its last argument (the `;` is not part of the finding). */
export function spanOf(directive: NginxDirective): Loc {
  const end = (directive.args.at(-1) ?? { loc: directive.nameLoc }).loc;
  return { ...directive.nameLoc, endLine: end.endLine, endColumn: end.endColumn };
}

function headersNamed(emitted: EmittedHeader[], name: string): EmittedHeader[] {
  return emitted.filter((header) => header.name.toLowerCase() === name.toLowerCase());
}

function listSetting(headers: EmittedHeader[]): ListSetting {
  const first = headers[0];
  if (!first) return { kind: 'default' };
  if (first.value === null) return { kind: 'unknown', loc: first.valueLoc };
  if (first.value.trim() === '*') return { kind: 'wildcard', loc: first.valueLoc };
  return { kind: 'list', items: first.value.split(',').map((item) => item.trim()).filter(Boolean), loc: first.valueLoc };
}

function buildPolicy(rootFile: string, target: NginxContext, emitted: EmittedHeader[], maps: Map<string, NginxMap>): CorsPolicy {
  const program = new NginxProgram(target, maps);
  const allowOrigin = headersNamed(emitted, 'Access-Control-Allow-Origin');
  const { origins, fixed, credentials } = exploreOrigins(program, emitted);
  const maxAgeHeader = preflightMaxAge(program) ?? headersNamed(emitted, 'Access-Control-Max-Age')[0];
  const vary = headersNamed(emitted, 'Vary').find((header) => header.value === null || /\borigin\b/i.test(header.value));
  const directive = target.directive;
  const loc: Loc = directive ? spanOf(directive) : allowOrigin[0]?.loc ?? emitted[0].loc;
  const preflightResponse = program.run({ origin: 'https://cors-lint.invalid', method: 'PUT', preflight: true });
  // Who answers OPTIONS is a question about the status alone: an unknown header value leaves it decided.
  const preflight: CorsPolicy['preflight'] = unsure(preflightResponse, [])
    ? { kind: 'unknown' }
    : preflightResponse.shortCircuit && preflightResponse.status! >= 200 && preflightResponse.status! < 300
      ? { kind: 'handled', status: preflightResponse.status! }
      : { kind: 'unhandled', status: preflightResponse.status };
  const scope = scopeOf(target, rootFile);
  return {
    id: policyId(rootFile, scope.label, loc),
    source: { file: loc.file, format: 'nginx', framework: 'nginx', loc },
    scope,
    origins,
    originMode: fixed ? 'fixed' : 'compare',
    credentials,
    allowMethods: listSetting(headersNamed(emitted, 'Access-Control-Allow-Methods')),
    allowHeaders: listSetting(headersNamed(emitted, 'Access-Control-Allow-Headers')),
    exposeHeaders: listSetting(headersNamed(emitted, 'Access-Control-Expose-Headers')),
    maxAge: maxAgeHeader ? { value: maxAgeHeader.value === null ? 'unknown' : Number(maxAgeHeader.value), loc: maxAgeHeader.valueLoc } : undefined,
    preflight,
    vary: vary ? { origin: vary.value === null ? 'unknown' : true, loc: vary.valueLoc } : { origin: false },
    errorResponses: (allowOrigin.length > 0 && allowOrigin.every((header) => header.allStatuses)) as boolean,
    emitted,
    profile: nginxProfile,
    headerProgram: program,
    testedOrigins: testedOrigins(target, maps),
    ...withTestedMethods(target),
  };
}

/** Browsers read Max-Age on the preflight only: the value a preflight answer carries, when one does. */
function preflightMaxAge(program: NginxProgram): { value: string | null; valueLoc: Loc } | undefined {
  const explored = program.explore({ method: 'PUT', headers: ['content-type'], preflight: true, anyOrigin: true, appStatus: 200 });
  const outcomes = [...(explored?.outcomes ?? [])].sort((a, b) => Number(b.shortCircuit) - Number(a.shortCircuit));
  for (const outcome of outcomes) {
    const header = outcome.headers.find((h) => h.name.toLowerCase() === 'access-control-max-age');
    if (header) return { value: header.unknown ? null : header.value, valueLoc: header.valueLoc };
  }
  return undefined;
}

/** Requests whose answers name every grant: each method, and the preflight, from an Origin left open. */
const EXPLORED: CorsRequest[] = [
  ...['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => ({ method, anyOrigin: true, appStatus: 200 })),
  { method: 'PUT', headers: ['content-type', 'authorization'], preflight: true, anyOrigin: true, appStatus: 200 },
];

type OriginTest = Extract<OriginGuard, { kind: 'pattern' | 'exact' }>;

function testMatcher(test: OriginTest): OriginMatcher {
  return test.kind === 'pattern'
    ? { kind: 'pattern', source: test.source, flags: test.flags, dialect: 'pcre-search', loc: test.loc, ...maskFields(test.mask) }
    : { kind: 'exact', value: test.value, loc: test.loc, ...(test.caseInsensitive ? { caseInsensitive: true } : {}), ...(test.listId ? { listId: test.listId } : {}) };
}

/**
 * The origins a location grants, read from its answers with the Origin left open: a reflected
 * Origin is allowed by the origin tests on its path (`if ($http_origin ~ …)`, `=`, the keys of a
 * `map $http_origin`), or by none (reflect); a constant is an exact origin; an empty value sends
 * nothing, so it is no origin at all.
 */
export function exploreOrigins(program: NginxProgram, emitted: EmittedHeader[]): { origins: OriginMatcher[]; fixed: boolean; credentials: CorsPolicy['credentials'] } {
  const origins: OriginMatcher[] = [];
  const seen = new Set<string>();
  let constants = 0;
  let guardedOrReflected = 0;
  let credentialsTrue: Loc | undefined;
  let credentialsOther: Loc | undefined;
  let credentialsUnknown: Loc | undefined;
  let complete = true;
  const add = (matcher: OriginMatcher) => {
    const key = JSON.stringify(matcher);
    if (seen.has(key)) return;
    seen.add(key);
    origins.push(matcher);
  };
  // The program keeps its runs: methods a location never reads share one, whose answers are read once.
  const read = new Set<unknown>();
  for (const request of EXPLORED) {
    const explored = program.explore(request);
    if (explored && read.has(explored) && !request.preflight) continue;
    if (explored && !request.preflight) read.add(explored);
    if (!explored) {
      complete = false;
      const header = headersNamed(emitted, 'Access-Control-Allow-Origin')[0];
      if (header) add({ kind: 'unknown', reason: 'the rewrite phase is too large to evaluate', loc: header.valueLoc });
      continue;
    }
    for (const outcome of explored.outcomes) {
      const allow = outcome.headers.filter((h) => h.name.toLowerCase() === 'access-control-allow-origin');
      for (const header of allow) {
        if (header.unknown) {
          add({ kind: 'unknown', reason: 'the value is not known statically', loc: header.valueLoc });
        } else if (header.value === ORIGIN_SYMBOL) {
          guardedOrReflected++;
          if (outcome.guards.some((guard) => guard.kind === 'opaque')) {
            add({ kind: 'unknown', reason: 'the Origin is tested in a computed expression', loc: header.valueLoc });
            continue;
          }
          const tests = outcome.guards.flatMap((guard): OriginTest[] => (guard.kind === 'one-of' ? guard.tests : guard.kind === 'opaque' ? [] : [guard]));
          const positive = outcome.guards.filter((guard) => guard.kind !== 'opaque');
          if (positive.length === 0) add({ kind: 'reflect', loc: header.loc ?? header.valueLoc });
          for (const test of tests) add(testMatcher(test));
        } else if (header.value.includes(ORIGIN_SYMBOL)) {
          add({ kind: 'unknown', reason: 'the value is computed from the Origin', loc: header.valueLoc });
        } else if (header.value.trim() === '*') {
          add({ kind: 'any', loc: header.loc ?? header.valueLoc });
        } else {
          constants++;
          if (outcome.guards.length > 0) guardedOrReflected++;
          add({ kind: 'exact', value: header.value, loc: header.loc ?? header.valueLoc, sent: true });
        }
      }
      if (request.preflight || allow.length === 0) continue;
      for (const header of outcome.headers) {
        if (header.name.toLowerCase() !== 'access-control-allow-credentials') continue;
        if (header.unknown) credentialsUnknown ??= header.valueLoc;
        else if (header.value.trim() === 'true') credentialsTrue ??= header.valueLoc;
        else credentialsOther ??= header.valueLoc;
      }
    }
  }
  const credentials: CorsPolicy['credentials'] = credentialsTrue
    ? { value: true, loc: credentialsTrue }
    : credentialsUnknown
      ? { value: 'unknown', loc: credentialsUnknown }
      : credentialsOther
        ? { value: false, loc: credentialsOther }
        : complete
        ? undefined
        : staticCredentials(emitted);
  const fixed = origins.length === 1 && origins[0].kind === 'exact' && constants > 0 && guardedOrReflected === 0;
  return { origins, fixed, credentials };
}

/** A location none of whose answers could be worked out still shows its Allow-Credentials as written. */
function staticCredentials(emitted: EmittedHeader[]): CorsPolicy['credentials'] {
  const header = headersNamed(emitted, 'Access-Control-Allow-Credentials')[0];
  if (!header) return undefined;
  return { value: header.value === null ? 'unknown' : header.value.trim() === 'true', loc: header.valueLoc };
}

/** `testedMethods` when the location branches on any (most do not: the field stays out of their policy). */
function withTestedMethods(target: NginxContext): { testedMethods?: string[] } {
  const methods = testedMethods(target);
  return methods.length > 0 ? { testedMethods: methods } : {};
}
