import { allowedOrigins, attackerVariants, type AllowedOrigin } from './bypass.js';
import { browserVerdict, needsPreflight, type BrowserVerdict } from './browser.js';
import { analyzeOrigin } from './origin.js';
import { headersNamed, headerValue, PROBE_ORIGIN, sampleOrigins, SECOND_PROBE_ORIGIN } from './queries.js';
import { respond } from './respond.js';
import { unsure } from './uncertainty.js';
import type { CorsPolicy, CorsRequest, CorsResponse, OriginMatcher, ResponseHeader } from './types.js';

/**
 * The request matrix: every origin a policy names (and the attacker variants of each) crossed
 * with the requests a browser sends, each answered by `respond()` and judged by
 * `browserVerdict()`. Built once per policy and shared by every rule, so a rule is a question
 * over the table ("does any attacker get a credentialed grant?") rather than a few probes of
 * its own, and `respond()` runs once per distinct request.
 *
 * Cells are worked out on first use. An answer that never read the request's Origin is the
 * answer for every origin, so a layer that does not look at Origin costs one run per request
 * shape. The matrix is bounded: at most MAX_ORIGINS origins, and at most MAX_ANSWERS runs of
 * `respond()`, after which cells come back `uncertain` (rules never report from those). The bound
 * counts runs, not milliseconds: a wall-clock budget made findings depend on the machine's load
 * (a loaded CI runner silenced a correct finding that an idle laptop reported). Time is bounded
 * per file by the engine's CPU budget (engine/isolate.ts).
 */

export type OriginRole =
  /** Named by the policy: an allowlist entry, an example of a pattern, a guard's operand, a callback's check. */
  | 'allowed'
  /** A different site: the probes, `null`, and allowed origins with the attacker's domain around them. */
  | 'attacker'
  /** Same host in another form (http twin, other port, upper case) and development origins. */
  | 'other';

export interface MatrixOrigin {
  origin: string;
  role: OriginRole;
  /** How it was made: `listed`, `example`, `guard`, `check`, `probe`, `null`, `suffix`, `prefix`, `dot`, `special`, `http`, `port`, `upper`, `dev` (bypass.ts `attackerVariants`). */
  how: string;
  /** The allowed origin a variant was made from. */
  from?: string;
}

export type RowId =
  | 'get'
  | 'get-credentials'
  | 'post-credentials'
  | 'post'
  | 'head'
  | 'put-credentials'
  | 'preflight-put'
  | 'preflight-put-credentials'
  | 'preflight-minimal'
  | 'get-404'
  | 'get-500'
  | 'intended'
  | 'preflight-intended'
  | 'preflight-intended-credentials'
  /** A credentialed actual request with a method the layer branches on (policy.testedMethods). */
  | `tested-${string}`;

export interface MatrixRow {
  id: RowId;
  /** How messages name the request: `a credentialed GET`, `the preflight for PUT with Authorization`. */
  label: string;
  request: Omit<CorsRequest, 'origin'>;
}

export interface MatrixCell {
  origin: MatrixOrigin;
  row: MatrixRow;
  request: CorsRequest;
  response: CorsResponse;
  verdict: BrowserVerdict;
  /** The request never reaches this layer (a route for other methods). */
  unreached?: boolean;
}

export interface RequestMatrix {
  policy: CorsPolicy;
  origins: MatrixOrigin[];
  rows: MatrixRow[];
  /** The preflight the policy's own lists ask for (its methods and request headers), when they ask for one. */
  intended?: { method: string; headers: string[] };
  cell(origin: MatrixOrigin, row: MatrixRow | RowId): MatrixCell;
  /**
   * Cells whose answer is certain, for the given origins (default all) and rows (default all).
   * `reads`: the headers (lower case) the question reads; a cell whose unknowns are all elsewhere
   * (an unknown Expose-Headers for a question about Allow-Origin) still counts. Without it any unknown excludes the cell.
   */
  certain(filter?: { roles?: OriginRole[]; rows?: RowId[]; origins?: MatrixOrigin[]; reads?: readonly string[] }): MatrixCell[];
  /** `respond()` for any request, memoised with the matrix (rules asking something else share it too). */
  answer(request: CorsRequest): CorsResponse;
  /** True once MAX_ANSWERS runs of respond() were spent: later cells are uncertain. */
  exhausted(): boolean;
}

export const MAX_ORIGINS = 64;
/**
 * Per policy. A full matrix is MAX_ORIGINS x (rows + the policy's own preflight) cells, and rules
 * ask a few requests of their own; most policies need far fewer runs (answers that never read
 * Origin are shared by every origin).
 */
export const MAX_ANSWERS = 2048;

const COOKIE = { Cookie: 'session=1' };
const PREFLIGHT_HEADERS = ['Authorization', 'Content-Type'];
/** Origins developers allow in patterns, asked so that an allowlist matching none of the named origins is still seen varying. */
const DEV_ORIGINS = ['http://localhost:3000', 'http://127.0.0.1:8080', 'https://localhost'];
const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST']);
const SAFELISTED_HEADERS = new Set(['accept', 'accept-language', 'content-language', 'content-type', 'range']);
/** Headers a page cannot set, so they never cause a preflight (Fetch "forbidden request-header"). */
const FORBIDDEN_HEADERS = new Set(['origin', 'host', 'cookie', 'referer', 'connection', 'content-length', 'user-agent', 'keep-alive', 'dnt', 'te', 'via', 'upgrade']);

const BASE_ROWS: MatrixRow[] = [
  { id: 'get', label: 'a GET', request: { method: 'GET' } },
  { id: 'get-credentials', label: 'a credentialed GET', request: { method: 'GET', credentials: true, extraHeaders: COOKIE } },
  { id: 'post-credentials', label: 'a credentialed POST', request: { method: 'POST', credentials: true, extraHeaders: COOKIE } },
  { id: 'post', label: 'a POST', request: { method: 'POST' } },
  { id: 'head', label: 'a HEAD', request: { method: 'HEAD' } },
  {
    id: 'put-credentials',
    label: 'a credentialed PUT with Authorization',
    request: { method: 'PUT', headers: PREFLIGHT_HEADERS, credentials: true, extraHeaders: { ...COOKIE, Authorization: 'Bearer x' } },
  },
  { id: 'preflight-put', label: 'the preflight for PUT with Authorization, Content-Type', request: { method: 'PUT', headers: PREFLIGHT_HEADERS, preflight: true } },
  {
    id: 'preflight-put-credentials',
    label: 'the preflight for a credentialed PUT with Authorization, Content-Type',
    request: { method: 'PUT', headers: PREFLIGHT_HEADERS, credentials: true, preflight: true },
  },
  { id: 'preflight-minimal', label: 'the preflight for PUT', request: { method: 'PUT', preflight: true } },
  { id: 'get-404', label: 'a credentialed GET answered 404', request: { method: 'GET', credentials: true, appStatus: 404, extraHeaders: COOKIE } },
  { id: 'get-500', label: 'a credentialed GET answered 500', request: { method: 'GET', credentials: true, appStatus: 500, extraHeaders: COOKIE } },
];

const matrices = new WeakMap<CorsPolicy, RequestMatrix>();

/** The policy's matrix, built on first use within a lint run (policies are fresh objects each run). */
export function requestMatrix(policy: CorsPolicy): RequestMatrix {
  let matrix = matrices.get(policy);
  if (!matrix) {
    matrix = buildMatrix(policy);
    matrices.set(policy, matrix);
  }
  return matrix;
}

function describe(request: { method: string; headers?: string[] }): string {
  return `${request.method}${request.headers?.length ? ` with ${request.headers.join(', ')}` : ''}`;
}

/** A cell whose browser verdict is worked out on first use: most questions read the headers only. */
class AnsweredCell implements MatrixCell {
  private judged?: BrowserVerdict;
  constructor(
    readonly origin: MatrixOrigin,
    readonly row: MatrixRow,
    readonly request: CorsRequest,
    readonly response: CorsResponse,
  ) {}
  get verdict(): BrowserVerdict {
    this.judged ??= browserVerdict(this.request, this.response);
    return this.judged;
  }
}

/** A fresh, uncached matrix (the bench measures what one costs). */
export function computeRequestMatrix(policy: CorsPolicy): RequestMatrix {
  return buildMatrix(policy);
}

function buildMatrix(policy: CorsPolicy): RequestMatrix {
  const allOrigins = matrixOrigins(policy);
  let origins = allOrigins;
  const intended = intendedPreflight(policy);
  const rows = [...BASE_ROWS];
  if (intended) {
    const what = describe(intended);
    rows.push(
      { id: 'intended', label: `a credentialed ${what}`, request: { method: intended.method, headers: intended.headers, credentials: true, extraHeaders: COOKIE } },
      { id: 'preflight-intended', label: `the preflight for ${what}`, request: { method: intended.method, headers: intended.headers, preflight: true } },
      { id: 'preflight-intended-credentials', label: `the preflight for a credentialed ${what}`, request: { method: intended.method, headers: intended.headers, credentials: true, preflight: true } },
    );
  }
  for (const method of policy.testedMethods ?? []) {
    if (rows.some((row) => row.request.method === method && row.request.credentials && !row.request.preflight)) continue;
    rows.push({ id: `tested-${method.toLowerCase()}`, label: `a credentialed ${method}`, request: { method, credentials: true, extraHeaders: COOKIE } });
  }
  const rowIndex = new Map(rows.map((row, index) => [row.id, index]));
  const shapes = rows.map((row) => shapeKey(row.request));
  let runs = 0;
  let over = false;
  /** Answers that read Origin, by request shape and then by origin: no key string is built per question. */
  const answers = new Map<string, Map<string, CorsResponse>>();
  /** Request shapes whose answer did not read Origin: the same for every origin. */
  const originFree = new Map<string, CorsResponse>();
  /** One array per row, indexed like `origins`. */
  const cells: Array<Array<MatrixCell | undefined>> = rows.map(() => []);

  const answerShaped = (request: CorsRequest, shape: string): CorsResponse => {
    const free = originFree.get(shape);
    if (free) return free;
    const origin = request.origin ?? '';
    let byOrigin = answers.get(shape);
    let response = byOrigin?.get(origin);
    if (response) return response;
    if (!over && runs >= MAX_ANSWERS) over = true;
    if (over) return { status: undefined, headers: [], uncertain: true, shortCircuit: false };
    runs++;
    let read = false;
    // A getter written in the literal (not defineProperty, which leaves a slow dictionary-mode object for every cell).
    const watched: CorsRequest = {
      ...request,
      get origin() {
        read = true;
        return request.origin;
      },
    };
    response = respond(policy, watched);
    if (!read) originFree.set(shape, response);
    else {
      if (!byOrigin) answers.set(shape, (byOrigin = new Map()));
      byOrigin.set(origin, response);
    }
    return response;
  };
  const answer = (request: CorsRequest): CorsResponse => answerShaped(request, shapeKey(request));

  // A layer whose answers never read the Origin gives every origin the same answer: a variant can
  // then only be granted through `*` (which the probe sees) or by being a listed origin, so only
  // those are asked.
  const blind = rows.every((row, index) => {
    const request: CorsRequest = { ...row.request, origin: PROBE_ORIGIN };
    if (!reaches(policy, request)) return true;
    answerShaped(request, shapes[index]);
    return originFree.has(shapes[index]);
  });
  if (blind) origins = allOrigins.filter((origin) => origin.role === 'allowed' || origin.how === 'probe' || origin.how === 'null');
  const originIndex = new Map(origins.map((origin, index) => [origin, index]));

  const cell = (origin: MatrixOrigin, rowOrId: MatrixRow | RowId): MatrixCell => {
    const index = rowIndex.get(typeof rowOrId === 'string' ? rowOrId : rowOrId.id);
    if (index === undefined) throw new Error(`no matrix row ${typeof rowOrId === 'string' ? rowOrId : rowOrId.id}`);
    const row = rows[index];
    const at = originIndex.get(origin);
    const cached = at === undefined ? undefined : cells[index][at];
    if (cached) return cached;
    const request: CorsRequest = { ...row.request, origin: origin.origin };
    let made: MatrixCell;
    if (!reaches(policy, request)) {
      made = { origin, row, request, response: { status: undefined, headers: [], uncertain: true, shortCircuit: false }, verdict: { allowed: false }, unreached: true };
    } else {
      made = new AnsweredCell(origin, row, request, answerShaped(request, shapes[index]));
    }
    if (at !== undefined) cells[index][at] = made;
    return made;
  };

  return {
    policy,
    origins,
    rows,
    intended,
    cell,
    certain(filter = {}) {
      const chosen = (filter.origins ?? origins).filter((origin) => !filter.roles || filter.roles.includes(origin.role));
      const chosenRows = filter.rows ? rows.filter((row) => filter.rows!.includes(row.id)) : rows;
      const out: MatrixCell[] = [];
      for (const row of chosenRows) {
        for (const origin of chosen) {
          const found = cell(origin, row);
          if (!unsure(found.response, filter.reads)) out.push(found);
        }
      }
      return out;
    },
    answer,
    exhausted: () => over,
  };
}

function shapeKey(request: CorsRequest): string {
  return [
    request.method,
    request.preflight ? 'P' : '',
    request.credentials ? 'C' : '',
    (request.headers ?? []).join(','),
    request.appStatus ?? '',
    request.path ?? '',
    request.extraHeaders ? JSON.stringify(request.extraHeaders) : '',
  ].join('|');
}

/**
 * A route registered for some methods never sees an actual request with another (a route's GET
 * also answers HEAD). Preflights are left to the model, which knows from `policy.preflight`
 * whether the route's OPTIONS reaches the middleware.
 */
function reaches(policy: CorsPolicy, request: CorsRequest): boolean {
  const methods = policy.scope.methods?.map((method) => method.toUpperCase());
  if (request.preflight || !methods || methods.length === 0 || methods.includes('ALL') || methods.includes('*')) return true;
  return methods.includes(request.method) || (request.method === 'HEAD' && methods.includes('GET'));
}

// ---------------------------------------------------------------------------------------------
// Origins

const ORIGIN_SHAPE = /^https?:\/\/[a-z0-9.-]+(:\d+)?$/i;
const HOST_SHAPE = /^\.?[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

/** Origins one check of a callback names: `origin === X`, `endsWith('.example.com')`, `includes('example.com')`, a tested regex. */
function checkOrigins(policy: CorsPolicy, method: string, argument: string | undefined, loc: OriginMatcher['loc']): string[] {
  if (!argument) return [];
  if (method === 'regex-test' || method === 'match' || method === 'test') {
    return sampleOrigins({ ...policy, origins: [{ kind: 'pattern', source: argument, flags: '', dialect: 'js-search', loc }] });
  }
  if (ORIGIN_SHAPE.test(argument)) return [argument];
  if (HOST_SHAPE.test(argument)) {
    const host = argument.replace(/^\./, '');
    return argument.startsWith('.') ? [`https://app.${host}`] : [`https://${host}`, `https://app.${host}`];
  }
  return [];
}

/** Every origin the policy names, for the matrix's `allowed` rows: entries and pattern examples (with where their unescaped dots landed), callback checks, guards. */
export function namedOrigins(policy: CorsPolicy): Array<AllowedOrigin & { how: string }> {
  const out: Array<AllowedOrigin & { how: string }> = [];
  const seen = new Set<string>();
  const add = (entry: AllowedOrigin, how: string) => {
    if (entry.origin === 'null' || entry.origin === '*' || seen.has(entry.origin) || analyzeOrigin(entry.origin).problems.length > 0) return;
    seen.add(entry.origin);
    out.push({ ...entry, how });
  };
  for (const entry of allowedOrigins(policy)) add(entry, entry.pattern ? 'example' : 'listed');
  for (const matcher of policy.origins) {
    if (matcher.kind !== 'predicate') continue;
    for (const check of matcher.checks) for (const origin of checkOrigins(policy, check.method, check.argument, check.loc)) add({ origin }, 'check');
  }
  if (policy.testedOrigins?.length) for (const entry of allowedOrigins({ ...policy, origins: policy.testedOrigins })) add(entry, 'guard');
  return out;
}

const SAME_SITE_KINDS = new Set(['port', 'http', 'upper']);

export function matrixOrigins(policy: CorsPolicy): MatrixOrigin[] {
  const named = namedOrigins(policy);
  const out: MatrixOrigin[] = [];
  const seen = new Set<string>();
  const push = (entry: MatrixOrigin) => {
    if (seen.has(entry.origin) || out.length >= MAX_ORIGINS) return;
    seen.add(entry.origin);
    out.push(entry);
  };
  // Named origins first, then the probes, then variants: the cap cuts variants, never the probes.
  for (const { origin, how } of named.slice(0, MAX_ORIGINS / 4)) push({ origin, role: 'allowed', how });
  push({ origin: PROBE_ORIGIN, role: 'attacker', how: 'probe' });
  push({ origin: SECOND_PROBE_ORIGIN, role: 'attacker', how: 'probe' });
  push({ origin: 'null', role: 'attacker', how: 'null' });
  for (const origin of DEV_ORIGINS) push({ origin, role: 'other', how: 'dev' });
  for (const { origin: from, example } of named) {
    for (const variant of attackerVariants(from, example)) {
      push({ origin: variant.origin, role: SAME_SITE_KINDS.has(variant.kind) ? 'other' : 'attacker', how: variant.kind, from });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The preflight the policy's own lists ask for

function listItems(value: string | null): string[] {
  if (value === null) return [];
  return value.split(',').map((item) => item.trim()).filter(Boolean);
}

/** Non-simple methods and non-safelisted headers the policy lists anywhere (its settings, every emitted header, its route). */
export function intendedPreflight(policy: CorsPolicy): { method: string; headers: string[] } | undefined {
  const methods: string[] = [...(policy.scope.methods ?? [])];
  const headers: string[] = [];
  if (policy.allowMethods.kind === 'list') methods.push(...policy.allowMethods.items);
  if (policy.allowHeaders.kind === 'list') headers.push(...policy.allowHeaders.items);
  for (const header of policy.emitted) {
    const name = header.name.toLowerCase();
    if (name === 'access-control-allow-methods') methods.push(...listItems(header.value));
    if (name === 'access-control-allow-headers') headers.push(...listItems(header.value));
  }
  const needsPreflight = (m: string) => /^[A-Z]+$/.test(m) && !SIMPLE_METHODS.has(m) && m !== 'OPTIONS';
  // The app's own routes count only when nothing the policy writes names a method.
  const method = methods.map((m) => m.toUpperCase()).find(needsPreflight) ?? policy.servedMethods?.map((m) => m.toUpperCase()).find(needsPreflight);
  const wanted = [
    ...new Map(
      headers
        .filter((h) => /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h) && h !== '*' && !SAFELISTED_HEADERS.has(h.toLowerCase()) && !FORBIDDEN_HEADERS.has(h.toLowerCase()) && !h.toLowerCase().startsWith('access-control-'))
        .map((h) => [h.toLowerCase(), h]),
    ).values(),
  ].slice(0, 4);
  if (!method && wanted.length === 0) {
    // Content-Type is safelisted only for form and text bodies; a policy that lists it and nothing else
    // that needs a preflight expects JSON POSTs, whose preflight carries it.
    const routeMethods = (policy.scope.methods ?? []).map((m) => m.toUpperCase());
    // The app's own POST routes that take a JSON body (servedMethods lists POST only for those).
    const postsJson = (headers.some((h) => h.toLowerCase() === 'content-type') && (routeMethods.length === 0 || routeMethods.includes('POST'))) || policy.servedMethods?.includes('POST') === true;
    return postsJson ? { method: 'POST', headers: ['Content-Type'] } : undefined;
  }
  const routeMethod = (policy.scope.methods ?? []).map((m) => m.toUpperCase()).find((m) => m !== 'OPTIONS');
  return { method: method ?? routeMethod ?? 'GET', headers: wanted };
}

// ---------------------------------------------------------------------------------------------
// Reading cells

export function allowOrigin(cell: MatrixCell): string | undefined {
  return headerValue(cell.response, 'Access-Control-Allow-Origin');
}

export function allowOriginHeader(cell: MatrixCell): ResponseHeader | undefined {
  return headersNamed(cell.response, 'Access-Control-Allow-Origin')[0];
}

/** The layer lets this origin read the answer (Allow-Origin is the origin, or `*` without credentials). */
export function granted(cell: MatrixCell): boolean {
  const value = allowOrigin(cell);
  return value === cell.origin.origin || (value === '*' && !cell.request.credentials);
}

/**
 * An error answered by the layer itself, not by the application behind it: nginx's `return 403`
 * for an unlisted origin, a handler's `res.status(403).end()`. Its body is the server's own error
 * page, so an Allow-Origin on it exposes no user data (checked on nginx 1.22.1: a deny-guard's 403
 * carries the location's always-headers, the proxied 200 goes only to listed origins).
 */
export function answeredWithOwnError(cell: MatrixCell): boolean {
  const status = cell.response.status;
  return status !== undefined && status >= 400 && status !== cell.request.appStatus;
}

/** Allow-Origin is the origin itself and Allow-Credentials is `true`: pages there read the user's authenticated answers. */
export function grantsCredentials(cell: MatrixCell): boolean {
  return allowOrigin(cell) === cell.origin.origin && headerValue(cell.response, 'Access-Control-Allow-Credentials') === 'true';
}

/** Does this origin's page evidently send credentials? Only if the actual answers to it grant them. */
export function credentialsExpected(matrix: RequestMatrix, origin: MatrixOrigin): boolean {
  return matrix.rows.some((row) => (row.id === 'get-credentials' || row.id === 'post-credentials' || row.id === 'intended') && grantsCredentials(matrix.cell(origin, row)));
}

/** How a message names the request of a cell: `a credentialed GET from https://attacker.invalid`. */
export function cellText(cell: MatrixCell): string {
  return `${cell.row.label} from ${cell.origin.origin}`;
}

export { needsPreflight };
