import type { CorsPolicy, CorsRequest, CorsResponse, EmittedHeader, FrameworkProfile, Format, ListSetting, Loc, OriginMatcher, Tri } from '../../model/types.js';
import { Unknowns } from '../../model/uncertainty.js';

/**
 * One header a platform config adds to the responses of a path, as written: Vercel's
 * `{ "key": …, "value": … }`, Netlify's `[headers.values]` entries, Next.js `headers()` items.
 */
export interface RouteHeader {
  name: string;
  /** The value, or null when it is computed (an env var, a template). */
  value: string | null;
  rawValue: string;
  /** The whole entry. */
  loc: Loc;
  valueLoc: Loc;
  /** Set when the value is a copy of the request's Origin (API Gateway's `method.request.header.origin`); `value` is then null. */
  echoes?: 'origin';
}

/** Who answers a request, for rules whose headers go on only some answers: the status, or undefined when another part of the configuration answers. */
export type RouteAnswer = (request: CorsRequest) => { status: number; /** The code that answers (for a header it lacks). */ at?: Loc } | undefined;

export interface RouteHeaderRule {
  file: string;
  format: Format;
  profile: FrameworkProfile;
  /** The path pattern as written (`/api/(.*)`, `/*`, `/api/:path*`). */
  path: string | undefined;
  /** The rule's source / for entry: the policy's own position. */
  sourceLoc: Loc;
  headers: RouteHeader[];
  /**
   * The headers of the answer to a preflight, when they differ from `headers` (OpenResty Lua that
   * writes Allow-Methods only in its `OPTIONS` branch). A name only here still sets the policy's
   * value (Allow-Methods, Max-Age), since only a preflight reads it.
   */
  preflightHeaders?: RouteHeader[];
  /** Which requests get these headers, and with what status. Unset: every response of the path, with a preflight answered by whatever serves the path. */
  answers?: RouteAnswer;
  /** How OPTIONS is answered, when `answers` says (an API Gateway mock OPTIONS method). */
  preflight?: CorsPolicy['preflight'];
  scope?: CorsPolicy['scope'];
  errorResponses?: Tri;
}

/**
 * The policy of one path rule that adds at least one Access-Control-* header. What it sends is
 * fixed: the same headers on every response of the path, whatever the Origin. OPTIONS is answered
 * by whatever serves the path (a function, a page, a static file), so a preflight's status and
 * any headers that code adds are unknown here.
 */
export function routeHeaderPolicy(rule: RouteHeaderRule): CorsPolicy | undefined {
  const preflightOnly = (rule.preflightHeaders ?? []).filter((header) => !rule.headers.some((other) => other.name.toLowerCase() === header.name.toLowerCase()));
  const all = [...rule.headers, ...preflightOnly];
  if (!all.some((header) => /^access-control-/i.test(header.name))) return undefined;
  const named = (name: string) => all.filter((header) => header.name.toLowerCase() === name);
  const origins: OriginMatcher[] = named('access-control-allow-origin').map((header) => {
    if (header.echoes === 'origin') return { kind: 'reflect', loc: header.valueLoc };
    if (header.value === null) return { kind: 'unknown', reason: 'computed value', loc: header.valueLoc };
    return header.value.trim() === '*' ? { kind: 'any', loc: header.valueLoc } : { kind: 'exact', value: header.value.trim(), loc: header.valueLoc };
  });
  const credentialHeader = named('access-control-allow-credentials')[0];
  const credentials = credentialHeader ? { value: (credentialHeader.value === null ? 'unknown' : credentialHeader.value.trim().toLowerCase() === 'true') as Tri, loc: credentialHeader.valueLoc } : undefined;
  const list = (name: string): ListSetting => {
    const header = named(name)[0];
    if (!header) return { kind: 'default' };
    if (header.value === null) return { kind: 'unknown', loc: header.valueLoc };
    const items = header.value.split(',').map((item) => item.trim()).filter(Boolean);
    return items.length === 1 && items[0] === '*' ? { kind: 'wildcard', loc: header.valueLoc } : { kind: 'list', items, loc: header.valueLoc };
  };
  const maxAgeHeader = named('access-control-max-age')[0];
  const maxAge = maxAgeHeader ? { value: maxAgeHeader.value !== null && /^\s*-?\d+\s*$/.test(maxAgeHeader.value) ? Number(maxAgeHeader.value) : ('unknown' as const), loc: maxAgeHeader.valueLoc } : undefined;
  const varyHeader = named('vary').find((header) => header.value === null || /(^|,)\s*(origin|\*)\s*(,|$)/i.test(header.value));
  const emitted: EmittedHeader[] = all.map((header) => ({ name: header.name, value: header.value, rawValue: header.rawValue, loc: header.loc, valueLoc: header.valueLoc, allStatuses: true, mode: 'set' }));
  const label = rule.scope?.label ?? (rule.path !== undefined ? `headers for ${rule.path}` : 'headers');
  return {
    id: `${rule.file}#${label}@${rule.sourceLoc.line}:${rule.sourceLoc.column}`,
    source: { file: rule.file, format: rule.format, framework: rule.profile.id, loc: rule.sourceLoc },
    scope: rule.scope ?? { kind: 'route', label, path: rule.path },
    origins,
    originMode: origins.length === 1 && origins[0].kind === 'exact' ? 'fixed' : 'compare',
    credentials,
    allowMethods: list('access-control-allow-methods'),
    allowHeaders: list('access-control-allow-headers'),
    exposeHeaders: list('access-control-expose-headers'),
    maxAge,
    preflight: rule.preflight ?? { kind: 'unknown' },
    vary: varyHeader ? { origin: varyHeader.value === null ? 'unknown' : true, loc: varyHeader.valueLoc } : { origin: false },
    errorResponses: rule.errorResponses ?? 'unknown',
    emitted,
    profile: rule.profile,
    headerProgram: {
      run: (request) =>
        rule.answers ? answeredHeaders(request.preflight && rule.preflightHeaders ? rule.preflightHeaders : rule.headers, rule.answers, request) : fixedHeaders(emitted, request),
    },
  };
}

function fixedHeaders(emitted: EmittedHeader[], request: CorsRequest): CorsResponse {
  const headers = emitted.filter((header) => header.value !== null).map((header) => ({ name: header.name, value: header.value!, loc: header.valueLoc, writtenAt: header.loc }));
  return {
    // The preflight is answered by what serves the path: its status (and anything it adds) is not in this file,
    // unless the app behind it answered already (a proxy layer asked with the app's status, topology/traefik-links.ts).
    status: request.preflight && request.appStatus === undefined ? undefined : (request.appStatus ?? 200),
    headers,
    // Who answers a preflight is not in this file; a header with an unknown value leaves only itself open.
    ...emitted
      .filter((header) => header.value === null && /^(access-control-|vary$)/i.test(header.name))
      .reduce((unknowns, header) => unknowns.header(header.name), new Unknowns().all(request.preflight === true && request.appStatus === undefined))
      .fields(),
    shortCircuit: false,
  };
}

/** The headers of a rule that answers only some requests itself (`answers`); the others are answered elsewhere, so nothing is known of them. */
function answeredHeaders(written: RouteHeader[], answers: RouteAnswer, request: CorsRequest): CorsResponse {
  const answer = answers(request);
  if (!answer) return { status: undefined, headers: [], uncertain: true, shortCircuit: false };
  const headers: CorsResponse['headers'] = [];
  const unknowns = new Unknowns();
  for (const header of written) {
    const value = header.echoes === 'origin' ? request.origin : (header.value ?? undefined);
    if (header.value === null && header.echoes === undefined) unknowns.header(header.name);
    // A mapping of an absent request header sends no header at all.
    if (value !== undefined) headers.push({ name: header.name, value, loc: header.valueLoc, writtenAt: header.loc });
  }
  return { status: answer.status, headers, ...unknowns.fields(), shortCircuit: request.preflight === true, ...(answer.at ? { answeredAt: answer.at } : {}) };
}
