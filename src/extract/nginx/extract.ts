import { nginxProfile } from '../../model/profiles.js';
import type { CorsPolicy, CorsRequest, EmittedHeader, ListSetting, Loc, OriginMatcher } from '../../model/types.js';
import { allContexts, ancestors, buildContexts, type NginxContext } from './contexts.js';
import type { NginxDirective } from './parse.js';
import { collectMaps, effectiveAddHeaders, moreSetHeadersSpecs, NginxProgram, ORIGIN_SYMBOL, type NginxMap, type OriginGuard } from './program.js';
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
  };
}

/** Requests whose answers name every grant: each method, and the preflight, from an Origin left open. */
const EXPLORED: CorsRequest[] = [
  ...['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => ({ method, anyOrigin: true, appStatus: 200 })),
  { method: 'PUT', headers: ['content-type', 'authorization'], preflight: true, anyOrigin: true, appStatus: 200 },
];

type OriginTest = Extract<OriginGuard, { kind: 'pattern' | 'exact' }>;

function testMatcher(test: OriginTest): OriginMatcher {
  return test.kind === 'pattern'
    ? { kind: 'pattern', source: test.source, flags: test.flags, dialect: 'pcre-search', loc: test.loc }
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
  for (const request of EXPLORED) {
    const explored = program.explore(request);
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
          if (positive.length === 0) add({ kind: 'reflect', loc: header.valueLoc });
          for (const test of tests) add(testMatcher(test));
        } else if (header.value.includes(ORIGIN_SYMBOL)) {
          add({ kind: 'unknown', reason: 'the value is computed from the Origin', loc: header.valueLoc });
        } else if (header.value.trim() === '*') {
          add({ kind: 'any', loc: header.loc ?? header.valueLoc });
        } else {
          constants++;
          if (outcome.guards.length > 0) guardedOrReflected++;
          add({ kind: 'exact', value: header.value, loc: header.loc ?? header.valueLoc });
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
