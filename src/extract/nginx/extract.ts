import { nginxProfile } from '../../model/profiles.js';
import type { CorsPolicy, EmittedHeader, ListSetting, Loc, OriginMatcher, Tri } from '../../model/types.js';
import { allContexts, ancestors, buildContexts, type NginxContext } from './contexts.js';
import type { NginxDirective } from './parse.js';
import { collectMaps, conditionArgs, effectiveAddHeaders, moreSetHeadersSpecs, NginxProgram, type NginxMap } from './program.js';
import type { NginxWorkspace } from './workspace.js';

/**
 * One policy per place a request ends up: each location (after inheritance), each server with no
 * catch-all location, and a snippet's top level when it is not included by a file we can see.
 */
export function extractNginxPolicies(rootFile: string, workspace: NginxWorkspace): CorsPolicy[] {
  const root = buildContexts(rootFile, workspace);
  if (!root) return [];
  const maps = collectMaps(root);
  const contexts = allContexts(root);
  const targets = contexts.filter((context) => {
    if (context.kind === 'location') return true;
    const hasChildren = [...context.children.values()].some((child) => child.kind === 'location' || child.kind === 'server' || child.kind === 'http');
    if (context.kind === 'server') {
      return ![...context.children.values()].some((child) => child.kind === 'location' && child.directive?.args.map((a) => a.value).join(' ') === '/');
    }
    return context.kind === 'fragment' && !hasChildren;
  });
  const policies: CorsPolicy[] = [];
  for (const target of targets) {
    const emitted = visibleCorsHeaders(target);
    const loss = target.kind === 'location' ? inheritanceLoss(target) : undefined;
    if (!emitted.some((header) => /^access-control-/i.test(header.name))) {
      if (loss) policies.push({ ...emptyPolicy(rootFile, target), inheritanceLoss: loss });
      continue;
    }
    policies.push({ ...buildPolicy(rootFile, target, emitted, maps), inheritanceLoss: loss });
  }
  return policies;
}

/**
 * nginx inherits `add_header` from the outer level only when a level has none of its own. A
 * location that adds, say, `X-Frame-Options` silently loses the server's CORS headers.
 */
function inheritanceLoss(target: NginxContext): CorsPolicy['inheritanceLoss'] {
  const own = target.body.filter((directive) => directive.name === 'add_header');
  if (own.length === 0 || own.some((directive) => /^access-control-/i.test(directive.args[0]?.value ?? ''))) return undefined;
  if (target.body.some((directive) => directive.name === 'add_header_inherit' && directive.args[0]?.value === 'merge')) return undefined;
  for (let level = target.parent; level; level = level.parent) {
    const outer = level.body.filter((directive) => directive.name === 'add_header');
    if (outer.length === 0) continue;
    const lost = outer.filter((directive) => /^access-control-/i.test(directive.args[0]?.value ?? ''));
    if (lost.length === 0) return undefined;
    return { loc: spanOf(own[0]), lost: lost.map((directive) => ({ name: directive.args[0].value, loc: spanOf(directive) })), level: level.kind };
  }
  return undefined;
}

/** A location that sends no CORS headers at all (used to carry an inheritance loss). */
function emptyPolicy(rootFile: string, target: NginxContext): CorsPolicy {
  const loc = spanOf(target.directive!);
  const scope = scopeOf(target, rootFile);
  return {
    id: `${rootFile}#${scope.label}@${loc.file}:${loc.line}:${loc.column}`,
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
  const serverName = server?.body.find((d) => d.name === 'server_name')?.args[0]?.value;
  const serverLabel = server ? `server ${serverName ?? '(no server_name)'}` : '';
  if (target.kind === 'location') {
    const path = target.directive!.args.map((arg) => arg.value).join(' ');
    return { kind: 'location', label: `${serverLabel ? `${serverLabel} ` : ''}location ${path}`, path };
  }
  if (target.kind === 'server') return { kind: 'server', label: serverLabel };
  return { kind: 'fragment', label: `${rootFile} (included snippet)` };
}

/** Header directives that can reach a response of this target: the effective chain plus every `if` inside the target and its server. */
function visibleCorsHeaders(target: NginxContext): EmittedHeader[] {
  const contexts: NginxContext[] = [target];
  for (const child of target.children.values()) if (child.kind === 'if') contexts.push(child);
  const server = ancestors(target).find((level) => level.kind === 'server');
  if (server && server !== target) for (const child of server.children.values()) if (child.kind === 'if') contexts.push(child);
  const seen = new Set<NginxDirective>();
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
      for (const directive of level.body) {
        if (directive.name !== 'more_set_headers' || seen.has(directive)) continue;
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

/** The `if` block (if any) that holds a directive at this location, for `if ($http_origin ~ …)` guards. */
function guardingCondition(target: NginxContext, header: EmittedHeader): NginxDirective | undefined {
  const contexts = [...target.children.values(), ...(ancestors(target).find((l) => l.kind === 'server')?.children.values() ?? [])];
  for (const context of contexts) {
    if (context.kind !== 'if') continue;
    if (context.body.some((d) => d.loc.line === header.loc.line && d.loc.column === header.loc.column && d.file === header.loc.file)) return context.directive;
  }
  return undefined;
}

function originMatchers(target: NginxContext, header: EmittedHeader, raw: string, maps: Map<string, NginxMap>, sets: Map<string, string>): OriginMatcher[] {
  const loc = header.valueLoc;
  const value = raw.trim();
  if (value === '*') return [{ kind: 'any', loc }];
  if (!value.includes('$')) return [{ kind: 'exact', value: raw, loc }];
  const variable = /^\$(?:\{(\w+)\}|(\w+))$/.exec(value);
  if (!variable) return [{ kind: 'unknown', reason: `computed value ${value}`, loc }];
  const name = (variable[1] ?? variable[2])!;
  if (sets.has(name)) return originMatchers(target, header, sets.get(name)!, maps, new Map([...sets].filter(([key]) => key !== name)));
  if (name === 'http_origin') {
    const guard = guardingCondition(target, header);
    const args = guard ? conditionArgs(guard) : [];
    if (args.length === 3 && args[0].value === '$http_origin' && (args[1].value === '~' || args[1].value === '~*')) {
      return [{ kind: 'pattern', source: args[2].value, flags: args[1].value === '~*' ? 'i' : '', dialect: 'pcre-search', loc: args[2].loc }];
    }
    return [guard ? { kind: 'unknown', reason: 'guarded by a condition', loc } : { kind: 'reflect', loc }];
  }
  const map = maps.get(name);
  if (map && map.source === '$http_origin') {
    const matchers: OriginMatcher[] = [];
    const grants = (text: string) => text === '$http_origin' || text === '${http_origin}' || (!text.includes('$') && text !== '');
    for (const entry of map.exact) {
      if (grants(entry.value.value)) matchers.push({ kind: 'exact', value: entry.key, loc: keyLoc(map, entry.key), caseInsensitive: true, listId: `${map.directive.file}:${map.directive.nameLoc.line}` });
    }
    for (const entry of map.regex) {
      if (grants(entry.value.value)) matchers.push({ kind: 'pattern', source: entry.pattern, flags: entry.caseInsensitive ? 'i' : '', dialect: 'pcre-search', loc: entry.keyLoc });
    }
    if (map.fallback && (map.fallback.value === '$http_origin' || map.fallback.value === '*')) {
      matchers.push(map.fallback.value === '*' ? { kind: 'any', loc: map.fallback.loc } : { kind: 'reflect', loc: map.fallback.loc });
    }
    return matchers;
  }
  return [{ kind: 'unknown', reason: `value of $${name} is not known`, loc }];
}

function keyLoc(map: NginxMap, key: string): Loc {
  const entry = map.directive.block!.find((d) => d.name.replace(/^\\/, '') === key)!;
  return entry.nameLoc;
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
  const sets = new Map<string, string>();
  for (const level of ancestors(target).reverse()) {
    for (const directive of level.body) if (directive.name === 'set' && directive.args.length === 2) sets.set(directive.args[0].value.replace(/^\$/, ''), directive.args[1].value);
  }
  const allowOrigin = headersNamed(emitted, 'Access-Control-Allow-Origin');
  const origins: OriginMatcher[] = [];
  for (const header of allowOrigin) origins.push(...originMatchers(target, header, header.rawValue, maps, sets));
  const credentialHeaders = headersNamed(emitted, 'Access-Control-Allow-Credentials');
  const credentials = credentialHeaders[0]
    ? { value: (credentialHeaders[0].value === null ? 'unknown' : credentialHeaders[0].value.trim() === 'true') as Tri, loc: credentialHeaders[0].valueLoc }
    : undefined;
  const maxAgeHeader = headersNamed(emitted, 'Access-Control-Max-Age')[0];
  const vary = headersNamed(emitted, 'Vary').find((header) => header.value === null || /\borigin\b/i.test(header.value));
  const directive = target.directive;
  const loc: Loc = directive ? spanOf(directive) : allowOrigin[0]?.loc ?? emitted[0].loc;
  const preflightResponse = program.run({ origin: 'https://cors-lint.invalid', method: 'PUT', preflight: true });
  const preflight: CorsPolicy['preflight'] = preflightResponse.uncertain
    ? { kind: 'unknown' }
    : preflightResponse.shortCircuit && preflightResponse.status! >= 200 && preflightResponse.status! < 300
      ? { kind: 'handled', status: preflightResponse.status! }
      : { kind: 'unhandled', status: preflightResponse.status };
  const scope = scopeOf(target, rootFile);
  return {
    id: `${rootFile}#${scope.label}@${loc.file}:${loc.line}:${loc.column}`,
    source: { file: loc.file, format: 'nginx', framework: 'nginx', loc },
    scope,
    origins,
    originMode: origins.length === 1 && origins[0].kind === 'exact' && !origins[0].caseInsensitive ? 'fixed' : 'compare',
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
  };
}
