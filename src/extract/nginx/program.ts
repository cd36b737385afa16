import type { CorsRequest, CorsResponse, HeaderProgram, Loc, ResponseHeader } from '../../model/types.js';
import { sameStart } from '../../model/loc.js';
import { checkBudget } from '../../util/budget.js';
import { Unknowns } from '../../model/uncertainty.js';
import { activeParseCache } from '../../engine/parse-cache.js';
import { ancestors, contextKind, type NginxContext } from './contexts.js';
import { copiedFrom, type NginxArg, type NginxDirective } from './parse.js';
import { captureToken, choiceKey, compiledPattern, decide, DecisionTree, hasToken, mapChoice, ORIGIN_TOKEN, resolve, TOKEN_MARK, type Bindings, type Decision, type MapChoice } from './parametric.js';

/**
 * What nginx sends for one request served by one location: the server rewrite phase, the location
 * rewrite phase (`set`, `if`, `return`, `break`), the content handler's status, then the header
 * filter (`more_set_headers`, then `add_header` with its all-or-nothing inheritance and `always`).
 * Facts from semantics.md §6 (N1–N8), checked against a real nginx in test/truth-nginx.test.ts and
 * the generated configs of test/nginx-differential.test.ts.
 *
 * A condition that cannot be decided (an unknown variable, a `-f` test) forks the run; runs that
 * end in the same state are merged after every `if`, so a chain of `if`s costs one pass per
 * distinct state (request class), never one per path. Past MAX_PATHS states or MAX_STEPS steps the
 * answer is a bounded unknown.
 */

/** Statuses `add_header` applies to without `always` (N1). */
export const ADD_HEADER_STATUSES = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);
const UPSTREAM_HANDLERS = new Set(['proxy_pass', 'fastcgi_pass', 'uwsgi_pass', 'scgi_pass', 'grpc_pass', 'memcached_pass']);
const MAX_PATHS = 64;
/** Work units (directives × live states, plus variables copied and compared): a few tens of milliseconds. */
const MAX_STEPS = 400_000;
const MAX_ALTERNATIVES = 16;

/** Stands for the request's Origin when `anyOrigin` leaves it open (never a byte a real header holds). */
export const ORIGIN_SYMBOL = '\u0000origin\u0000';

export interface NginxMapEntry {
  key: string;
  value: NginxArg;
  keyLoc: Loc;
}

export interface NginxMap {
  kind: 'map' | 'geo';
  source: string;
  target: string;
  exact: NginxMapEntry[];
  /** `mask`: the key as written when it is a `hostnames` wildcard (`.example.com`), which `pattern` stands for. */
  regex: Array<{ pattern: string; caseInsensitive: boolean; value: NginxArg; keyLoc: Loc; mask?: string }>;
  fallback?: NginxArg;
  directive: NginxDirective;
}

/** A test on the request's Origin that held on the way to an answer (only in `anyOrigin` runs). */
export type OriginGuard =
  | { kind: 'pattern'; source: string; flags: string; loc: Loc; mask?: string }
  | { kind: 'exact'; value: string; loc: Loc; caseInsensitive?: boolean; listId?: string }
  /** The Origin is one of a map's keys (any of these). */
  | { kind: 'one-of'; tests: Array<Extract<OriginGuard, { kind: 'pattern' | 'exact' }>> }
  /** Something about the Origin was tested in a way we cannot name (a computed string). */
  | { kind: 'opaque'; loc: Loc };

export interface OutcomeHeader extends ResponseHeader {
  /** Where the header's value was written (the `add_header` value token). */
  valueLoc: Loc;
  /** The header's value is not known (an unknown variable). */
  unknown?: boolean;
}

/** One way a request can end: one path through the rewrite phase, its status and headers. */
export interface NginxOutcome {
  status: number | undefined;
  headers: OutcomeHeader[];
  uncertain: boolean;
  shortCircuit: boolean;
  droppedForStatus: Loc[];
  guards: OriginGuard[];
  /** The block holding the `return` (or the `return` itself): where a header missing from this answer belongs. */
  answeredAt?: Loc;
  /** The access-phase directive that refused the request (`auth_basic`, `limit_except`). */
  refusedBy?: { loc: Loc; directive: string };
  /** The `proxy_pass` (or other upstream handler) that serves the request. */
  proxiedBy?: Loc;
}

interface Alt {
  value: string | null;
  guards: OriginGuard[];
  /** The token that decided the value (a map entry's value). */
  from?: Loc;
  /** The value is the request's query parameter this names, which the caller picks (see queryCarriers). */
  input?: string;
}

interface Path {
  vars: Map<string, string | null>;
  captures: Map<string, string | null>;
  config: NginxContext;
  returned?: { status: number; directive: NginxDirective };
  /** Set once an `error_page … @name` took the request to a named location: the status it gives (`=code`), if it gives one. */
  errorPage?: { status?: number };
  stopped: boolean;
  uncertain: boolean;
  guards: OriginGuard[];
}

/**
 * The origin tests that let a request through one of two paths that end alike: what both paths
 * tested, and then one of what each tested on its own. Two `if ($http_origin ~ …) { set $cors 1; }`
 * end in the same state for an origin that matches either test, so the answer is guarded by
 * "the first or the second", not by nothing (which would read as a reflected Origin). A path that
 * tested nothing of its own lets any origin through, so the shared tests are all that is left.
 */
function eitherGuards(left: OriginGuard[], right: OriginGuard[]): OriginGuard[] {
  const inRight = new Set(right);
  const shared = left.filter((guard) => inRight.has(guard));
  const inShared = new Set(shared);
  const leftOwn = left.filter((guard) => !inShared.has(guard));
  const rightOwn = right.filter((guard) => !inShared.has(guard));
  if (leftOwn.length === 0 || rightOwn.length === 0) return shared;
  const own = [...leftOwn, ...rightOwn];
  // A one-of is never empty (a map group without a key is unguarded), so any guard but an opaque one is a test.
  const tested = own.some((guard) => guard.kind !== 'opaque');
  const opaque = own.find((guard) => guard.kind === 'opaque');
  return [...shared, ...(tested ? [unionOf(own)] : []), ...(opaque ? [opaque] : [])];
}

type OriginTest = Extract<OriginGuard, { kind: 'pattern' | 'exact' }>;

/** The guards a union (unionOf) was made of. */
const unionParts = new WeakMap<OriginGuard, OriginGuard[]>();

/**
 * "One of" the tests of these guards (their one-ofs' tests in order, each test once), listed only when
 * read. A chain of n flag-setting `if`s merges n times, each time into the union of the last one and
 * one new test: copying the tests at every merge made the chain quadratic (1,000 ifs: 0.9 s), while
 * the union of unions is read once per answer, each union walked once.
 */
function unionOf(guards: OriginGuard[]): OriginGuard {
  let listed: OriginTest[] | undefined;
  const union = {
    kind: 'one-of' as const,
    get tests(): OriginTest[] {
      listed ??= listTests(guards, union);
      return listed;
    },
  };
  unionParts.set(union, guards);
  return union;
}

function listTests(guards: OriginGuard[], self: OriginGuard): OriginTest[] {
  const tests = new Set<OriginTest>();
  const walked = new Set<OriginGuard>([self]);
  // Depth first, left to right, without recursion (a union can be thousands of unions deep).
  const stack: OriginGuard[] = [...guards].reverse();
  while (stack.length > 0) {
    const guard = stack.pop()!;
    if (guard.kind === 'pattern' || guard.kind === 'exact') tests.add(guard);
    else if (guard.kind === 'one-of' && !walked.has(guard)) {
      walked.add(guard);
      const parts = unionParts.get(guard);
      if (parts) for (let i = parts.length - 1; i >= 0; i--) stack.push(parts[i]);
      else for (const test of guard.tests) tests.add(test);
    }
  }
  return [...tests];
}

/** Request fields the rewrite phase can read. */
type ReadField = 'origin' | 'method' | 'preflight' | 'headers' | 'path' | 'extraHeaders' | 'credentials';

/** A node of the kept rewrite phases: the field read next and a node per value of it, or a kept run's end. */
interface KeptRewrite {
  field?: ReadField;
  next: Map<string, KeptRewrite>;
  kept?: { methodRead: boolean; overflow: boolean; paths: Path[] };
}

/** Rewrite phases kept per program (each holds its paths' variables): a bound for hostile files. */
const MAX_KEPT_REWRITES = 1024;

/** A request field as a string that is equal exactly when the field is. */
function readValue(request: CorsRequest, field: ReadField): string {
  const value = request[field];
  return value === undefined ? '\u0001' : JSON.stringify(value);
}

class BudgetExceeded extends Error {}
/** A run shared between origins met something it cannot share (parametric.ts): the request is run on its own. */
class NotShared extends Error {}

type Explored = { outcomes: NginxOutcome[]; overflow: boolean };

/** A shared run being recorded: the concrete Origin (read when the run first reads it) and the questions asked about it. */
interface Recording {
  bindings?: Bindings;
  decisions: Array<{ decision: Decision; answer: string }>;
}

/** The outcomes one branch of a decision tree leads to, and the answer made from them when it is the same for every Origin but its value. */
interface SharedLeaf {
  explored: Explored;
  response?: CorsResponse;
}

/** Decision trees of one request shape; `off` once sharing did not pay (or could not be done) for it. */
interface SharedRuns {
  tree: DecisionTree<SharedLeaf>;
  readsOrigin?: boolean;
  abandoned: number;
  off: boolean;
}

/** Distinct outcomes per request shape kept in a tree (a map of many origins each answering differently is run per origin). */
const MAX_SHARED_LEAVES = 16;
/** The request fields a run reads besides `origin`; a request with any other field is never shared. */
const SHAPE_FIELDS = new Set(['origin', 'method', 'headers', 'credentials', 'path', 'preflight', 'appStatus', 'extraHeaders', 'anyOrigin']);

/** Everything of a request but its Origin (never read here: the request matrix watches whether a run reads it). */
function shapeKey(request: CorsRequest): string | undefined {
  for (const key in request) if (!SHAPE_FIELDS.has(key)) return undefined;
  const { headers, extraHeaders } = request;
  if (request.method.includes('\u0001') || request.path?.includes('\u0001')) return undefined;
  const key = `${request.method}\u0001${request.preflight ? 1 : 0}${request.credentials ? 1 : 0}\u0001${request.appStatus ?? ''}\u0001${request.path ?? '\u0002'}\u0001${headers ? JSON.stringify(headers) : ''}\u0001${extraHeaders ? JSON.stringify(extraHeaders) : ''}`;
  // A request field holding the token mark is never shared (JSON writes it as the six characters \u0004).
  return key.includes(TOKEN_MARK) || key.includes('\\u0004') ? undefined : key;
}

/** The recorded outcomes with this Origin (and its captures) in place of the tokens. */
function bindOutcomes(explored: Explored, bindings: Bindings): Explored {
  const outcomes = explored.outcomes.map((outcome) =>
    outcome.headers.some((header) => hasToken(header.value)) ? { ...outcome, headers: outcome.headers.map((header) => (hasToken(header.value) ? { ...header, value: resolve(header.value, bindings) } : header)) } : outcome,
  );
  return { outcomes, overflow: explored.overflow };
}

/**
 * Under `hostnames`, a key `.example.com` or `*.example.com` matches every value ending in
 * `.example.com` (whatever precedes it, a scheme included: `http://a.b.example.com` matches) and
 * `www.example.*` every value starting with `www.example.`, case-insensitively (checked with
 * nginx 1.22): the same as these anchored regexes. Undefined for an ordinary key.
 */
/** A `hostnames` wildcard key is a string test on the Origin's end, which says nothing about its scheme. */
export function maskFields(mask: string | undefined): { written?: 'suffix'; code?: string } {
  return mask ? { written: 'suffix', code: `'${mask}' in a hostnames map` } : {};
}

function hostnameMask(key: string): string | undefined {
  const escape = (text: string) => text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
  const head = /^\*?\.(.+)$/.exec(key);
  if (head && !head[1].includes('*')) return `^.*\\.${escape(head[1])}$`;
  const tail = /^(.+)\.\*$/.exec(key);
  if (tail && !tail[1].includes('*') && !key.startsWith('~')) return `^${escape(tail[1])}\\..*$`;
  return undefined;
}

const ENVSUBST_PLACEHOLDER = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/;

export function collectMaps(root: NginxContext): Map<string, NginxMap> {
  const maps = new Map<string, NginxMap>();
  const visit = (context: NginxContext) => {
    for (const directive of context.body) {
      if (directive.name === 'map' && directive.block && directive.args.length === 2) {
        const map: NginxMap = { kind: 'map', source: directive.args[0].value, target: directive.args[1].value.replace(/^\$/, ''), exact: [], regex: [], directive };
        const hostnames = directive.block.some((entry) => entry.name === 'hostnames' && entry.args.length === 0);
        const wildcards: NginxMap['regex'] = [];
        for (const entry of directive.block) {
          if (entry.args.length !== 1) continue;
          const mask = hostnames ? hostnameMask(entry.name) : undefined;
          if (mask) {
            wildcards.push({ pattern: mask, caseInsensitive: true, value: entry.args[0], keyLoc: entry.nameLoc, mask: entry.name });
            continue;
          }
          const value = entry.args[0];
          // A map key is never interpolated by nginx, so `${NAME}` there is an envsubst placeholder
          // (the docker image's templates/*.template): the key is only known once rendered.
          if (ENVSUBST_PLACEHOLDER.test(entry.name)) continue;
          if (entry.name === 'default') map.fallback = value;
          else if (entry.name === 'hostnames' || entry.name === 'volatile' || entry.name === 'include') continue;
          else if (entry.name.startsWith('~*')) map.regex.push({ pattern: entry.name.slice(2), caseInsensitive: true, value, keyLoc: entry.nameLoc });
          else if (entry.name.startsWith('~')) map.regex.push({ pattern: entry.name.slice(1), caseInsensitive: false, value, keyLoc: entry.nameLoc });
          else map.exact.push({ key: entry.name.replace(/^\\/, ''), value, keyLoc: entry.nameLoc });
        }
        // nginx tries wildcard masks after the exact keys and before the regexes.
        map.regex.unshift(...wildcards);
        maps.set(map.target, map);
      } else if (directive.name === 'geo' && directive.block && (directive.args.length === 1 || directive.args.length === 2)) {
        // geo keys are client addresses we never know: only the set of values matters.
        const target = directive.args[directive.args.length - 1].value.replace(/^\$/, '');
        const map: NginxMap = { kind: 'geo', source: '', target, exact: [], regex: [], directive };
        for (const entry of directive.block) {
          if (entry.name === 'default' && entry.args.length === 1) map.fallback = entry.args[0];
          else if (entry.args.length === 1 && !['include', 'proxy', 'delete', 'ranges', 'proxy_recursive'].includes(entry.name)) {
            map.exact.push({ key: entry.name, value: entry.args[0], keyLoc: entry.nameLoc });
          }
        }
        maps.set(target, map);
      }
    }
    for (const child of context.children.values()) if (child.kind === 'http' || child.kind === 'main') visit(child);
  };
  visit(root);
  return maps;
}

/**
 * Does a start-anchored regex (one branch)'s literal lead (`^OPTIONS-` in `^OPTIONS-https?://…`) disagree with a
 * known prefix of the tested value? Only plain characters are compared: a class, a group or an
 * escape ends the lead, and a character followed by a quantifier is dropped from it.
 */
export function literalLeadConflicts(source: string, prefix: string, caseInsensitive: boolean): boolean {
  // Any `|` may start another branch with another lead (`^GET|OPTIONS`): then nothing is decided.
  if (!source.startsWith('^') || source.includes('|') || prefix === '' || /[\u0000-\u001f]/.test(prefix)) return false;
  let lead = '';
  for (const char of source.slice(1)) {
    if ('?*+{'.includes(char)) {
      lead = lead.slice(0, -1);
      break;
    }
    if ('\\.^$|()[]'.includes(char)) break;
    lead += char;
  }
  const n = Math.min(lead.length, prefix.length);
  const fold = (text: string) => (caseInsensitive ? text.toLowerCase() : text);
  return n > 0 && fold(lead.slice(0, n)) !== fold(prefix.slice(0, n));
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

const conditionArgsOf = new WeakMap<NginxDirective, NginxArg[]>();
/** An `if`'s condition arguments, worked out once per directive (every run of a long if chain asks each of them again). */
function ifConditionArgs(directive: NginxDirective): NginxArg[] {
  let args = conditionArgsOf.get(directive);
  if (!args) conditionArgsOf.set(directive, (args = conditionArgs(directive)));
  return args;
}

const REWRITE_DIRECTIVES = new Set(['set', 'if', 'return', 'rewrite', 'break']);
const NO_PATHS: readonly Path[] = Object.freeze([]);
const CORS_RELEVANT = /^(access-control-|vary$)/i;

/** Per-context digests, so a run touches only the directives that matter (a block can hold millions of others). */
interface ContextDigest {
  rewrite: NginxDirective[];
  handler?: NginxDirective;
  /** `deny all;` with no `allow`: every request is refused with 403. */
  denied: boolean;
  /** This level's own `auth_basic` (the nearest one up the levels is in force). */
  authBasic?: NginxDirective;
  /** This level's own `satisfy`. */
  satisfy?: NginxDirective;
  /** This location's `limit_except` block. */
  limitExcept?: NginxDirective;
  moreSetHeaders: NginxDirective[];
  id: number;
  /**
   * What request paths are merged by: an `if` block that only sets variables (the flag idiom,
   * `if ($http_origin ~ A) { set $cors 1; }`) configures a response exactly as its parent does
   * (nginx merges every other setting into it from there), so a path that took it ends like one
   * that did not. Keyed by its own id, n such blocks kept n + 1 states alive after n tests, and
   * every later directive ran once per state (a fuzzed 4 KB location of 48 of them: 1,550 paths
   * merged per run).
   */
  mergeId: number;
}

/**
 * A `try_files` fallback URI that names a PHP front controller (`/index.php?$query_string`):
 * nginx redirects internally to it and the FastCGI location behind it answers, not the static module.
 */
function frontController(uri: string | undefined): boolean {
  if (!uri || uri.startsWith('=') || uri.startsWith('@')) return false;
  return /\.php$/i.test(uri.split(/[?$]/)[0]);
}
/** `deny all;` with no `allow` beside it: every request is refused with 403. */
function deniesAll(body: NginxDirective[]): boolean {
  return body.some((d) => d.name === 'deny' && d.args[0]?.value === 'all') && !body.some((d) => d.name === 'allow');
}

const digests = new WeakMap<NginxContext, ContextDigest>();
let nextContextId = 1;

function digest(context: NginxContext): ContextDigest {
  let found = digests.get(context);
  if (!found) {
    found = {
      rewrite: context.body.filter((d) => REWRITE_DIRECTIVES.has(d.name)),
      // A proxy/FastCGI pass is the content handler even after a `try_files $uri =404;` check that only tests the file.
      handler: context.body.find((d) => UPSTREAM_HANDLERS.has(d.name)) ?? context.body.find((d) => /_by_lua|^(echo|try_files|perl|js_content|empty_gif|stub_status|dav_methods)$/.test(d.name)),
      denied: deniesAll(context.body),
      authBasic: context.body.find((d) => d.name === 'auth_basic'),
      satisfy: context.body.find((d) => d.name === 'satisfy'),
      limitExcept: context.kind === 'location' ? context.body.find((d) => d.name === 'limit_except' && d.block !== undefined) : undefined,
      moreSetHeaders: context.body.filter((d) => d.name === 'more_set_headers'),
      id: nextContextId,
      mergeId: nextContextId++,
    };
    if (context.kind === 'if' && context.parent && !context.hasUnresolvedInclude && context.body.every((d) => d.name === 'set')) found.mergeId = digest(context.parent).mergeId;
    digests.set(context, found);
  }
  return found;
}

/**
 * The access phase, which runs after the rewrite phase (an `if ($request_method = OPTIONS) { return 204; }`
 * answers first) and before any content handler. A preflight never carries credentials (Fetch, CORS-preflight
 * fetch), so `auth_basic` in force answers it 401, as it does an actual request sent without credentials,
 * and `limit_except` refuses a method it does not list (GET implies HEAD) with what its block says. Both
 * checked with nginx 1.22: the 401/403 carries only the `always` headers, and the browser fails the
 * preflight on its status.
 */
function accessRefusal(config: NginxContext, request: CorsRequest, method: () => string): { status: number; by: NginxDirective } | 'unknown' | undefined {
  let location: NginxContext | undefined;
  let authBasic: NginxDirective | undefined;
  let satisfy: NginxDirective | undefined;
  for (let level: NginxContext | undefined = config; level; level = level.parent) {
    const facts = digest(level);
    if (!location && level.kind === 'location') location = level;
    authBasic ??= facts.authBasic;
    satisfy ??= facts.satisfy;
  }
  const limitExcept = location && digest(location).limitExcept;
  if (limitExcept) {
    const listed = new Set(limitExcept.args.map((arg) => arg.value.toUpperCase()));
    if (listed.has('GET')) listed.add('HEAD');
    const requested = method();
    if (!listed.has(requested)) {
      const block = limitExcept.block ?? [];
      if (deniesAll(block) && !block.some((d) => d.name === 'auth_basic' || d.name === 'satisfy' || d.name === 'include')) return { status: 403, by: limitExcept };
      if (request.preflight && block.some((d) => d.name === 'auth_basic' && d.args[0]?.value !== 'off') && !block.some((d) => d.name === 'allow' || d.name === 'satisfy' || d.name === 'include')) return { status: 401, by: limitExcept };
      if (block.some((d) => /^(deny|allow|auth_basic|auth_request|satisfy|include)$/.test(d.name))) return 'unknown';
    }
  }
  if (!authBasic) return undefined;
  const realm = authBasic.args[0]?.value;
  if (realm === undefined || realm === 'off') return undefined;
  // An actual request passes when it may carry credentials: the page's own Authorization, or the
  // Basic credentials the browser keeps for the site, sent with a credentialed request.
  if (!request.preflight && (request.credentials || (request.headers ?? []).some((name) => name.toLowerCase() === 'authorization') || Object.keys(request.extraHeaders ?? {}).some((name) => name.toLowerCase() === 'authorization'))) return undefined;
  // A realm in a variable may be "off"; `satisfy any` lets an allowed address through without credentials.
  if (realm.includes('$') || satisfy?.args[0]?.value === 'any') return 'unknown';
  return { status: 401, by: authBasic };
}

export interface FileFacts {
  /** Names given a value by some `set` in the file: until a `set` runs they are empty ("uninitialized variable"). */
  declared: Set<string>;
  /** Some directive holds a U+0004: runs are not shared between origins (it delimits parametric.ts tokens). */
  nul: boolean;
}

const fileFactsCache = new WeakMap<NginxContext, FileFacts>();

const declaredName = (directive: NginxDirective) => directive.args[0].value.replace(/^\$\{?|\}$/g, '');
const marked = (directive: NginxDirective) => directive.name.includes(TOKEN_MARK) || directive.args.some((arg) => arg.value.includes(TOKEN_MARK));
/** Blocks that are not contexts of their own (map, geo, types…) are read with their directive. */
const markedBlock = (directive: NginxDirective): boolean => marked(directive) || (!!directive.block && directive.block.some(markedBlock));

/**
 * Walked once per file tree, not once per program (one program per location made it quadratic); no
 * spread, so a level with 100k children is fine. A level whose block holds no `include` adds the
 * facts of its block, kept by directive (blockFacts): the language server's parse after an edit
 * reuses every other block's directive (parse.ts reparseNginx), so a keystroke reads one block
 * again, not the 2,000 directives of the file.
 */
export function fileFacts(root: NginxContext): FileFacts {
  const cached = fileFactsCache.get(root);
  if (cached) return cached;
  const facts: FileFacts = { declared: new Set(), nul: false };
  fileFactsCache.set(root, facts);
  const stack = [root];
  while (stack.length > 0) {
    const context = stack.pop()!;
    for (const directive of context.body) {
      if (directive.name === 'set' && directive.args.length === 2) facts.declared.add(declaredName(directive));
      const child = context.children.get(directive);
      // The language server's runs only (a lint from scratch walks every level: tests compare the two).
      const kept = child && activeParseCache() ? blockFacts(directive) : undefined;
      if (!kept && !facts.nul && (child ? marked(directive) : markedBlock(directive))) facts.nul = true;
      if (!child) continue;
      if (!kept) {
        stack.push(child);
        continue;
      }
      for (const name of kept.declared) facts.declared.add(name);
      if (kept.nul) facts.nul = true;
    }
  }
  return facts;
}

/**
 * The variables whose value is a query parameter the caller picks and that reach an
 * Access-Control-Allow-Origin value (`add_header Access-Control-Allow-Origin $arg_origin`, or through
 * `set $cors $arg_origin`), by name (`arg_origin`, `cors`) with the parameter each copies. nginx copies
 * `$arg_NAME` from the request line as sent (not decoded, checked with nginx 1.22), so a page at
 * https://attacker.invalid that asks for `?origin=https://attacker.invalid` gets its own origin back: the
 * attacker names the origin it wants granted. Such a variable is evaluated as the request's Origin (its
 * tests, `if ($arg_origin ~ …)`, are then tests on the origin granted), and the header says where the
 * value came from, since the answer depends on the URL (which caches key on), not on the Origin header.
 * Any other `$arg_NAME` stays unknown. A `set` variable counts only when every `set` of it copies one
 * such variable (or a constant).
 */
export function queryCarriers(root: NginxContext): Map<string, string> {
  const cached = carriersCache.get(root);
  if (cached) return cached;
  const sets = new Map<string, string[]>();
  const allowOrigin = new Set<string>();
  const stack = [root];
  while (stack.length > 0) {
    const context = stack.pop()!;
    for (const directive of context.body) {
      if (directive.name === 'set' && directive.args.length === 2) {
        const name = directive.args[0].value.replace(/^\$\{?|\}$/g, '');
        const values = sets.get(name) ?? [];
        values.push(directive.args[1].value);
        sets.set(name, values);
      } else if (directive.name === 'add_header' && directive.args.length >= 2 && directive.args[0].value.toLowerCase() === 'access-control-allow-origin') {
        const lone = loneVariable(directive.args[1].value);
        if (lone) allowOrigin.add(lone);
      } else if (directive.name === 'more_set_headers') {
        for (const spec of moreSetHeadersSpecs(directive)) {
          const lone = spec.name.toLowerCase() === 'access-control-allow-origin' ? loneVariable(spec.value) : '';
          if (lone) allowOrigin.add(lone);
        }
      }
      const child = context.children.get(directive);
      if (child) stack.push(child);
    }
  }
  const carriers = new Map<string, string>();
  // Names reaching an Allow-Origin value through `set`s of one variable each, most 8 steps away.
  let reaching = new Set(allowOrigin);
  for (let step = 0; step < 8 && reaching.size > 0; step++) {
    const next = new Set<string>();
    for (const name of reaching) for (const value of sets.get(name) ?? []) {
      const lone = loneVariable(value);
      if (lone && !allowOrigin.has(lone)) next.add(lone);
    }
    for (const name of next) allowOrigin.add(name);
    reaching = next;
  }
  for (const name of allowOrigin) if (/^arg_\w+$/.test(name) && !sets.has(name)) carriers.set(name, name.slice(4));
  // A set variable all of whose assignments copy a carrier or write a constant.
  for (let changed = true, rounds = 0; changed && rounds < 8; rounds++) {
    changed = false;
    for (const name of allowOrigin) {
      if (carriers.has(name) || !sets.has(name)) continue;
      const values = sets.get(name)!;
      const copied = values.map((value) => carriers.get(loneVariable(value)));
      if (copied.some((param) => param !== undefined) && values.every((value, i) => copied[i] !== undefined || !value.includes('$'))) {
        carriers.set(name, copied.find((param) => param !== undefined)!);
        changed = true;
      }
    }
  }
  carriersCache.set(root, carriers);
  return carriers;
}

const carriersCache = new WeakMap<NginxContext, Map<string, string>>();

/** The file facts of one block directive and the context it opens, as fileFacts' walk finds them. */
interface BlockFacts {
  declared: string[];
  nul: boolean;
}

/** By block directive; null: an `include` in it (its context's directives are not its block's). */
const blockFactsCache = new WeakMap<NginxDirective, BlockFacts | null>();
/** Blocks read by blockFacts (tests count them: an edit reads the edited block and the ones around it). */
export const blockFactsReads = { count: 0 };

/**
 * What fileFacts finds in the context a block directive makes (contexts.ts build), read from the
 * block itself: without an `include` in it, that context's directives are its block's but the
 * malformed ones, and its child contexts are its blocks that open one. Facts depend on the block's
 * names and values only, so one directive object always has the same.
 */
function blockFacts(directive: NginxDirective): BlockFacts | undefined {
  const cached = blockFactsCache.get(directive);
  if (cached !== undefined) return cached ?? undefined;
  // A block copied with its lines moved (an Enter above it) holds its original's names and values.
  const original = copiedFrom.get(directive)?.original;
  if (original) {
    const facts = blockFacts(original);
    blockFactsCache.set(directive, facts ?? null);
    return facts;
  }
  blockFactsReads.count++;
  // The directive's own name and values count here (the walk reads them in the level above).
  let found: BlockFacts | null = { declared: [], nul: marked(directive) };
  for (const child of directive.block ?? []) {
    if (child.name === 'include') {
      found = null;
      break;
    }
    if (child.malformed) continue;
    if (child.name === 'set' && child.args.length === 2) found.declared.push(declaredName(child));
    const opens = child.block !== undefined && contextKind(child.name) !== undefined;
    if (!opens) {
      if (!found.nul && markedBlock(child)) found.nul = true;
      continue;
    }
    const inner = blockFacts(child);
    if (!inner) {
      found = null;
      break;
    }
    for (const name of inner.declared) found.declared.push(name);
    if (inner.nul) found.nul = true;
  }
  blockFactsCache.set(directive, found);
  return found ?? undefined;
}

const VARIABLE = /\$(?:\{(\w+)\}|(\w+))/g;
/** `if` regex operators: [case-insensitive, negated]. */
const REGEX_OPERATORS = new Map<string, [boolean, boolean]>([
  ['~', [false, false]],
  ['~*', [true, false]],
  ['!~', [false, true]],
  ['!~*', [true, true]],
]);
/** The variable a template is made of alone (`$http_origin`, `${cors}`), or '' when it is anything else; kept per template string. */
const loneVariables = new Map<string, string>();
function loneVariable(template: string): string {
  let name = loneVariables.get(template);
  if (name === undefined) {
    name = /^\$(?:\{(\w+)\}|(\w+))$/.exec(template)?.slice(1).find((group) => group !== undefined) ?? '';
    // Bounded: a hostile file's templates are forgotten rather than kept without end.
    if (loneVariables.size >= 65_536) loneVariables.clear();
    loneVariables.set(template, name);
  }
  return name;
}

export class NginxProgram implements HeaderProgram {
  private steps = 0;
  /** Set once a run ran out of budget: every later run is the same bounded unknown, at no cost. */
  private readonly tooLarge = { concrete: false, anyOrigin: false };
  private readonly declared: Set<string>;
  /** Variables holding a caller-picked query parameter that reaches Allow-Origin (queryCarriers). */
  private readonly carriers: Map<string, string>;
  /** Runs for concrete origins are shared between origins (parametric.ts) unless the file holds a U+0004. */
  private readonly sharing: boolean;
  /** Made on first use, as openRuns: the language server makes a program per location on every Enter, most never run. */
  private shared: Map<string, SharedRuns> | undefined;
  private recording: Recording | undefined;
  /** Set once a request shape's tree filled up (see exploreConcrete). */
  private treesFilled = false;
  /** Rewrite-phase runs made (one per explore), for tests that keep the count per location bounded. */
  runs = 0;
  /** Whether the current run read `request.method` (a preflight's own method is always OPTIONS). */
  private methodRead = false;
  /** Rewrite phases of concrete Origins, by Origin, with the request fields each read (see rewritten). */
  private rewriteRuns: KeptRewrite | undefined;
  private keptRewrites = 0;
  /** False in the unshared program tests compare with. */
  private readonly keepsRewrites: boolean;
  /** The request fields the rewrite phase being kept has read so far, in the order it read them, with their values. */
  private reads: Map<ReadField, string> | undefined;
  /** Runs from an Origin left open, by request, and by request but its method when the run never read it. */
  private openRuns: Map<string, Explored> | undefined;
  /**
   * One guard per test written in the config (by its token and what it compares with): paths that ran
   * the same `if` share the object, so merging them (eitherGuards, by identity) keeps one copy. A new
   * object per path made a chain of n flag-setting tests carry n²/2 copies.
   */
  private readonly writtenTests = new WeakMap<Loc, Map<string, OriginGuard>>();

  constructor(
    private readonly target: NginxContext,
    private readonly maps: Map<string, NginxMap>,
    options: { share?: boolean } = {},
  ) {
    this.keepsRewrites = options.share !== false;
    let root = target;
    while (root.parent) root = root.parent;
    const facts = fileFacts(root);
    this.declared = facts.declared;
    this.carriers = queryCarriers(root);
    this.sharing = options.share !== false && !facts.nul;
  }

  /** The same location evaluated without sharing runs between origins or requests (tests compare the two). */
  unshared(): NginxProgram {
    return new NginxProgram(this.target, this.maps, { share: false });
  }

  run(request: CorsRequest): CorsResponse {
    const shared = this.exploreConcrete(request);
    if (!shared || !('leaf' in shared)) return this.answer(shared);
    const { leaf, bindings } = shared;
    // One way to end: the answer is the recorded one with this Origin's values put in (with several,
    // whether they agree is only known once the values are in).
    if (leaf.explored.outcomes.length !== 1) return this.answer(bindings ? bindOutcomes(leaf.explored, bindings) : leaf.explored);
    leaf.response ??= this.answer(leaf.explored);
    const template = leaf.response;
    return { ...template, headers: bindings ? template.headers.map((header) => (hasToken(header.value) ? { ...header, value: resolve(header.value, bindings) } : header)) : [...template.headers] };
  }

  /** The response for the outcomes of one request. */
  private answer(explored: Explored | undefined): CorsResponse {
    if (!explored) return { status: undefined, headers: [], uncertain: true, shortCircuit: false, droppedForStatus: [] };
    const { outcomes, overflow } = explored;
    const first = outcomes[0];
    const strip = (headers: OutcomeHeader[]): ResponseHeader[] => headers.map(({ name, value, loc, writtenAt, fromInput }) => ({ name, value, loc, writtenAt, ...(fromInput ? { fromInput } : {}) }));
    const dropped = outcomes.length === 1 ? dedupeLocs(first.droppedForStatus) : dedupeLocs(outcomes.flatMap((outcome) => outcome.droppedForStatus));
    const signature = (outcome: NginxOutcome) =>
      JSON.stringify([outcome.status, outcome.shortCircuit, outcome.headers.map((h) => `${h.name.toLowerCase()}:${h.unknown ? '\u0000' : h.value}`).sort()]);
    const firstSignature = outcomes.length > 1 ? signature(first) : '';
    const agree = outcomes.length === 1 || outcomes.every((outcome) => signature(outcome) === firstSignature);
    // Paths that end the same way (one status, answered at the same place) and differ only in some
    // headers (an `if` on a variable we cannot know that adds a Max-Age) leave only those headers open.
    const sameEnd = agree || outcomes.every((outcome) => outcome.status === first.status && outcome.shortCircuit === first.shortCircuit && sameStart(outcome.answeredAt, first.answeredAt));
    // A header whose value is an unknown variable leaves only that header open; paths that end
    // differently, or a status we cannot know, leave the whole answer open.
    const unknowns = new Unknowns().all(overflow || !sameEnd || outcomes.some((outcome) => outcome.uncertain));
    for (const outcome of outcomes) for (const header of outcome.headers) if (header.unknown) unknowns.header(header.name);
    if (!agree) for (const name of differingHeaders(outcomes)) unknowns.header(name);
    const open = new Set(unknowns.fields().unknownHeaders ?? []);
    return {
      status: sameEnd ? first.status : undefined,
      headers: strip(first.headers.filter((h) => !h.unknown && !open.has(h.name.toLowerCase()))),
      ...unknowns.fields(),
      shortCircuit: first.shortCircuit,
      droppedForStatus: dropped,
      ...(sameEnd && first.answeredAt ? { answeredAt: first.answeredAt } : {}),
      ...(sameEnd && first.refusedBy && outcomes.every((outcome) => sameStart(outcome.refusedBy?.loc, first.refusedBy?.loc)) ? { refusedBy: first.refusedBy } : {}),
      ...(first.proxiedBy && outcomes.every((outcome) => sameStart(outcome.proxiedBy, first.proxiedBy)) ? { proxiedBy: first.proxiedBy } : {}),
    };
  }

  /**
   * `explore` for a request from one concrete Origin, through the run shared by every Origin of
   * its request shape when there is one (parametric.ts): the same outcomes, without a rewrite-phase
   * run per Origin. `request.origin` is read exactly when the run itself would read it.
   */
  private exploreConcrete(request: CorsRequest): Explored | { leaf: SharedLeaf; bindings?: Bindings } | undefined {
    if (!this.sharing || request.anyOrigin || this.tooLarge.concrete) return this.explore(request);
    const shape = shapeKey(request);
    if (shape === undefined) return this.explore(request);
    this.shared ??= new Map();
    let shared = this.shared.get(shape);
    if (!shared) {
      // Once one request shape met more ways to answer than a tree keeps (an allowlist of many origin
      // `if`s: each origin takes its own path), the other shapes would too: they are run per Origin
      // from the start, and those runs share their rewrite phase (rewritten).
      shared = { tree: new DecisionTree(), abandoned: 0, off: this.treesFilled };
      this.shared.set(shape, shared);
    }
    if (shared.off) return this.explore(request);
    if (shared.readsOrigin !== undefined) {
      let bindings: Bindings = { origin: '', captures: new Map() };
      if (shared.readsOrigin) {
        const origin = request.origin;
        if (!origin || origin.includes(TOKEN_MARK)) return this.explore(request);
        bindings = { origin, captures: new Map() };
      }
      const leaf = shared.tree.find(bindings);
      if (leaf) return { leaf, ...(shared.readsOrigin ? { bindings } : {}) };
    }
    const recording: Recording = { decisions: [] };
    let explored: Explored | undefined;
    this.recording = recording;
    try {
      explored = this.explore(request);
    } catch (error) {
      if (!(error instanceof NotShared)) throw error;
      if (++shared.abandoned >= 2) shared.off = true;
      // `finally` runs only after this return's expression: the plain run must not record.
      this.recording = undefined;
      return this.explore(request);
    } finally {
      this.recording = undefined;
    }
    if (!explored) return explored;
    const readsOrigin = recording.bindings !== undefined;
    const leaf: SharedLeaf = { explored };
    if ((shared.readsOrigin ?? readsOrigin) !== readsOrigin || !shared.tree.add(recording.decisions, leaf, MAX_SHARED_LEAVES)) {
      shared.off = true;
      if (shared.tree.leafCount >= MAX_SHARED_LEAVES) this.treesFilled = true;
    }
    else shared.readsOrigin = readsOrigin;
    return { leaf, ...(recording.bindings ? { bindings: recording.bindings } : {}) };
  }

  /** The request line's method (OPTIONS for a preflight); notes that the run depends on `request.method`. */
  private method(request: CorsRequest): string {
    this.read('preflight', request);
    if (request.preflight) return 'OPTIONS';
    this.read('method', request);
    this.methodRead = true;
    return request.method;
  }

  /** A value holding a token (only recorded runs have them; a file holding the token mark is never shared). */
  private tokened(value: string | null): value is string {
    return this.recording !== undefined && hasToken(value);
  }

  /** Asks the recorded run's Origin a question about a value holding a token (only recorded runs have tokens). */
  private ask(decision: Decision): string {
    const recording = this.recording!;
    const answer = decide(decision, recording.bindings!);
    recording.decisions.push({ decision, answer });
    return answer;
  }

  /**
   * Every distinct way the request can end; undefined when the work budget ran out. Runs from an
   * Origin left open are kept: the extractor asks each method in turn, and a location that never
   * reads the method (no `$request_method`, not served by the static module) answers them all alike.
   */
  explore(request: CorsRequest): Explored | undefined {
    if (!request.anyOrigin || this.tooLarge.anyOrigin) return this.exploreOnce(request);
    const key = shapeKey(request);
    if (key === undefined) return this.exploreOnce(request);
    const anyMethod = `*${key.slice(key.indexOf('\u0001'))}`;
    this.openRuns ??= new Map();
    const kept = this.openRuns.get(key) ?? this.openRuns.get(anyMethod);
    if (kept) return kept;
    const explored = this.exploreOnce(request);
    if (explored) this.openRuns.set(this.methodRead ? key : anyMethod, explored);
    return explored;
  }

  private exploreOnce(request: CorsRequest): Explored | undefined {
    const mode = request.anyOrigin ? 'anyOrigin' : 'concrete';
    if (this.tooLarge[mode]) return undefined;
    this.steps = 0;
    this.methodRead = false;
    try {
      const overflow = { value: false };
      const paths = this.rewritten(request, overflow);
      const outcomes: NginxOutcome[] = [];
      for (const path of paths) this.finish(path, request, outcomes, overflow);
      return { outcomes, overflow: overflow.value };
    } catch (error) {
      if (error instanceof BudgetExceeded) {
        this.tooLarge[mode] = true;
        return undefined;
      }
      throw error;
    }
  }

  /**
   * The rewrite phase's paths for a request. Runs outside a recorded run (and not from an Origin left
   * open) are kept by the request fields they read, in the order they read them (most read only the
   * Origin, some the method first): the request matrix asks each Origin a dozen requests that differ
   * only in fields read after this phase, so a long `if` chain was run once per request instead of once
   * per Origin (sweep20: 1,000 origin ifs took 5.5 s). A request that agrees with a kept run on every
   * field it read takes the same path through the same directives. Fields are compared in the order
   * the run read them, so a request's fields are read only where its own run would read them (the
   * request matrix watches whether the Origin is read).
   */
  private rewritten(request: CorsRequest, overflow: { value: boolean }): Path[] {
    const keep = this.keepsRewrites && !request.anyOrigin && !this.recording;
    if (keep && this.rewriteRuns) {
      let node: KeptRewrite | undefined = this.rewriteRuns;
      while (node && node.field) node = node.next.get(readValue(request, node.field));
      if (node?.kept) {
        if (node.kept.methodRead) this.methodRead = true;
        if (node.kept.overflow) overflow.value = true;
        return node.kept.paths;
      }
    }
    this.runs++;
    const reads = keep ? new Map<ReadField, string>() : undefined;
    this.reads = reads;
    let paths: Path[];
    try {
      paths = [{ vars: new Map(), captures: new Map(), config: this.target, stopped: false, uncertain: false, guards: [] }];
      const server = ancestors(this.target).find((level) => level.kind === 'server');
      // A server-level `if` never switches configuration (its block has no location config): only
      // its `set`, `return` and `break` count, and a `return` answers with the server's headers.
      if (server && server !== this.target) {
        paths = paths.map((path) => ({ ...path, config: server }));
        paths = this.phase(server, paths, request, false, overflow);
        paths = paths.map((path) => (path.returned ? path : { ...path, config: this.target, stopped: false }));
      }
      paths = this.phase(this.target, paths, request, this.target.kind !== 'server', overflow);
      paths = paths.flatMap((path) => this.namedErrorPage(path, request, overflow));
    } finally {
      this.reads = undefined;
    }
    if (reads && this.keptRewrites < MAX_KEPT_REWRITES) this.keepRewrite(reads, { methodRead: this.methodRead, overflow: overflow.value, paths });
    return paths;
  }

  /** Files a rewrite phase under the fields it read, in order; a run that does not fit (never expected: runs are deterministic) is not kept. */
  private keepRewrite(reads: Map<ReadField, string>, kept: NonNullable<KeptRewrite['kept']>): void {
    this.rewriteRuns ??= { next: new Map() };
    let node = this.rewriteRuns;
    for (const [field, value] of reads) {
      if (node.kept || (node.field !== undefined && node.field !== field)) return;
      node.field = field;
      let next = node.next.get(value);
      if (!next) node.next.set(value, (next = { next: new Map() }));
      node = next;
    }
    if (node.kept || node.field !== undefined) return;
    node.kept = kept;
    this.keptRewrites++;
  }

  /** Notes that the rewrite phase being kept read a request field (its first read is the one that counts). */
  private read(field: ReadField, request: CorsRequest): void {
    if (this.reads && !this.reads.has(field)) this.reads.set(field, readValue(request, field));
  }

  /**
   * `error_page 469 = @cors_preflight;` with `if ($request_method = OPTIONS) { return 469; }`: nginx answers a
   * `return` of a code the error_page in force lists (300-599) from that page instead. A named location runs its
   * own rewrite phase (not the server's) and its own headers; `=code` sets the status, a bare `=` keeps the named
   * location's. A URI target is another location search: the answer is not known. The page is not redirected
   * again (recursive_error_pages is off by default). Checked with nginx 1.22: OPTIONS got the named location's 204
   * and its Access-Control-* headers.
   */
  private namedErrorPage(path: Path, request: CorsRequest, overflow: { value: boolean }): Path[] {
    if (!path.returned) return [path];
    const page = errorPageFor(path.config, path.returned.status);
    if (!page) return [path];
    const named = page.target.startsWith('@') ? namedLocation(path.config, page.target) : undefined;
    if (!named) return [{ ...path, uncertain: true }];
    const start: Path = { ...path, config: named, returned: undefined, stopped: false, errorPage: { ...(page.status !== undefined ? { status: page.status } : {}) } };
    return this.phase(named, [start], request, true, overflow);
  }

  private tick(count: number): void {
    this.steps += count;
    if (this.steps > MAX_STEPS) throw new BudgetExceeded();
    // The file's time budget too: MAX_STEPS bounds one run, and a rule may ask for thousands of runs
    // (a chain of n origin `if`s, each Origin's run n steps long, asked for n Origins).
    checkBudget();
  }

  /** One rewrite phase over every live path; `switches`: a matching `if` makes its block the request's configuration. */
  private phase(context: NginxContext, paths: Path[], request: CorsRequest, switches: boolean, overflow: { value: boolean }): Path[] {
    for (const directive of digest(context).rewrite) {
      this.tick(paths.length);
      // One live path (every run from a concrete Origin): no lists to split and join again for each directive.
      const single = paths.length === 1 && !paths[0].returned && !paths[0].stopped;
      const live = single ? paths : paths.filter((path) => !path.returned && !path.stopped);
      if (live.length === 0) return paths;
      const done = single ? NO_PATHS : paths.filter((path) => path.returned || path.stopped);
      let next: Path[] = [];
      switch (directive.name) {
        case 'set': {
          if (directive.args.length !== 2) {
            next = live;
            break;
          }
          const name = directive.args[0].value.replace(/^\$\{?|\}$/g, '');
          for (const path of live) {
            for (const alt of this.evaluate(directive.args[1].value, request, path)) {
              this.tick(path.vars.size);
              const vars = new Map(path.vars);
              vars.set(name, alt.value);
              next.push({ ...path, vars, guards: alt.guards.length ? [...path.guards, ...alt.guards] : path.guards });
            }
          }
          break;
        }
        case 'if': {
          const child = context.children.get(directive);
          if (!child) {
            next = live;
            break;
          }
          const taken: Path[] = [];
          for (const path of live) {
            for (const fork of this.condition(ifConditionArgs(directive), request, path)) {
              if (fork.outcome === false) next.push(fork.path);
              else taken.push(switches ? { ...fork.path, config: child } : fork.path);
            }
          }
          if (taken.length > 0) next.push(...this.phase(child, taken, request, switches, overflow));
          break;
        }
        case 'return': {
          const status = returnStatus(directive);
          for (const path of live) next.push({ ...path, returned: { status, directive } });
          break;
        }
        case 'break':
          for (const path of live) next.push({ ...path, stopped: true });
          break;
        case 'rewrite': {
          // The URI is not known, so whether the regex matches is not either; only `redirect`/`permanent` end the request here.
          const flag = directive.args[2]?.value;
          // `rewrite ^/api/(.*)$ /$1 break;` in a location (the usual prefix strip before proxy_pass): a match
          // stops this location's rewrite directives and the request stays here, with its headers (nginx 1.22:
          // a `return` after it did not run, the location's add_header went out). Both ways are known. `last`,
          // no flag, or a break at server level end in a new location search; a URL replacement is a redirect.
          const breakHere = flag === 'break' && switches && !/^(https?:\/\/|\$scheme)/.test(directive.args[1]?.value ?? '');
          for (const path of live) {
            if (breakHere) {
              next.push(path, { ...path, stopped: true });
              continue;
            }
            next.push({ ...path, uncertain: path.uncertain || flag === 'last' || flag === 'break' || flag === undefined });
            if (flag === 'redirect' || flag === 'permanent') next.push({ ...path, returned: { status: flag === 'permanent' ? 301 : 302, directive } });
          }
          break;
        }
      }
      paths = this.merge(done.length === 0 ? next : [...done, ...next], overflow);
    }
    return paths;
  }

  /** Paths that ended in the same state are one request class from here on; their origin tests are what they share. */
  private merge(paths: Path[], overflow: { value: boolean }): Path[] {
    if (paths.length < 2) return paths;
    const byKey = new Map<string, Path>();
    for (const path of paths) {
      this.tick(1 + path.vars.size + path.captures.size);
      // The configuration and how the path ended, then (after a \u0002, which JSON never writes raw) its variables and captures.
      const key = `${JSON.stringify([digest(path.config).mergeId, path.returned?.status, path.returned ? `${path.returned.directive.loc.line}:${path.returned.directive.loc.column}` : '', path.stopped, path.uncertain])}\u0002${JSON.stringify([[...path.vars], [...path.captures]])}`;
      const seen = byKey.get(key);
      if (!seen) byKey.set(key, path);
      else if (seen.guards !== path.guards) byKey.set(key, { ...seen, guards: eitherGuards(seen.guards, path.guards) });
    }
    const merged = [...byKey.values()];
    // In a recorded run, request states that differ by a token must differ for its Origin too.
    if (this.recording && merged.length > 1 && merged.some((path) => [...path.vars.values(), ...path.captures.values()].some(hasToken))) {
      const keys = [...byKey.keys()].map((key, index) => [key.slice(0, key.indexOf('\u0002')), ...stateParts(merged[index])]);
      if (this.ask({ kind: 'distinct', keys }) !== 'ok') throw new NotShared();
    }
    // More distinct request states than this is not a config anyone reviews by hand: a bounded unknown.
    if (merged.length > MAX_PATHS) throw new BudgetExceeded();
    return merged;
  }

  private writtenTest(loc: Loc, key: string, make: () => OriginGuard): OriginGuard {
    let tests = this.writtenTests.get(loc);
    if (!tests) this.writtenTests.set(loc, (tests = new Map()));
    let test = tests.get(key);
    if (!test) tests.set(key, (test = make()));
    return test;
  }

  private condition(args: NginxArg[], request: CorsRequest, path: Path): Array<{ outcome: boolean; path: Path }> {
    const out: Array<{ outcome: boolean; path: Path }> = [];
    const both = (forked: Path, guardTrue: OriginGuard[] = [], guardFalse: OriginGuard[] = []) => {
      out.push({ outcome: true, path: { ...forked, guards: [...forked.guards, ...guardTrue] } });
      out.push({ outcome: false, path: { ...forked, guards: [...forked.guards, ...guardFalse] } });
    };
    const withGuards = (base: Path, guards: OriginGuard[]): Path => (guards.length ? { ...base, guards: [...base.guards, ...guards] } : base);
    if (args.length === 1) {
      for (const alt of this.evaluate(args[0].value, request, path)) {
        const forked = withGuards(path, alt.guards);
        if (alt.value === null) both(forked);
        else if (alt.value === ORIGIN_SYMBOL) out.push({ outcome: true, path: forked });
        else if (alt.value.includes(ORIGIN_SYMBOL)) out.push({ outcome: true, path: forked });
        else if (this.tokened(alt.value)) out.push({ outcome: this.ask({ kind: 'truthy', value: alt.value }) === 't', path: forked });
        else out.push({ outcome: alt.value !== '' && alt.value !== '0', path: forked });
      }
      return out;
    }
    if (args.length === 2 && /^!?-[fdex]$/.test(args[0].value)) {
      both(path);
      return out;
    }
    if (args.length !== 3) {
      both(path);
      return out;
    }
    const operator = args[1].value;
    const lefts = this.evaluate(args[0].value, request, path);
    if (operator === '=' || operator === '!=') {
      const negate = operator === '!=';
      for (const left of lefts) {
        for (const right of this.evaluate(args[2].value, request, path)) {
          const forked = withGuards(path, [...left.guards, ...right.guards]);
          if (left.value === null || right.value === null) {
            both(forked);
            continue;
          }
          const symbolic = [left.value, right.value].filter((value) => value.includes(ORIGIN_SYMBOL));
          if (symbolic.length === 0) {
            const same = this.tokened(left.value) || this.tokened(right.value) ? this.ask({ kind: 'equal', left: left.value, right: right.value }) === 't' : left.value === right.value;
            out.push({ outcome: same !== negate, path: forked });
            continue;
          }
          const [origin, other] = left.value === ORIGIN_SYMBOL ? [left.value, right.value] : right.value === ORIGIN_SYMBOL ? [right.value, left.value] : [undefined, undefined];
          if (origin !== undefined && other !== undefined && !other.includes(ORIGIN_SYMBOL)) {
            // An Origin is sent (anyOrigin), so it is never empty.
            if (other === '') {
              out.push({ outcome: negate, path: forked });
              continue;
            }
            const loc = args[left.value === ORIGIN_SYMBOL ? 2 : 0].loc;
            const test = this.writtenTest(loc, `=${other}`, () => ({ kind: 'exact', value: other, loc }));
            both(forked, negate ? [] : [test], negate ? [test] : []);
          } else if (left.value === right.value) {
            out.push({ outcome: !negate, path: forked });
          } else {
            both(forked, [{ kind: 'opaque', loc: args[0].loc }], [{ kind: 'opaque', loc: args[0].loc }]);
          }
        }
      }
      return out;
    }
    const regexOperator = REGEX_OPERATORS.get(operator);
    if (!regexOperator) {
      both(path);
      return out;
    }
    const [caseInsensitive, negate] = regexOperator;
    const source = args[2].value;
    const regex = compiledPattern(source, caseInsensitive ? 'i' : '');
    for (const left of lefts) {
      const forked = withGuards(path, left.guards);
      if (left.value === null || !regex) {
        // Captures of a match we cannot run are unknown.
        const captures = new Map<string, string | null>();
        for (let i = 1; i <= 9; i++) captures.set(String(i), null);
        out.push({ outcome: !negate, path: { ...forked, captures: negate ? forked.captures : captures } });
        out.push({ outcome: negate, path: { ...forked, captures: negate ? captures : forked.captures } });
        continue;
      }
      if (left.value.includes(ORIGIN_SYMBOL) && left.value !== ORIGIN_SYMBOL && literalLeadConflicts(source, left.value.slice(0, left.value.indexOf(ORIGIN_SYMBOL)), caseInsensitive)) {
        // `set $m $request_method$http_origin; if ($m ~ '^OPTIONS-…')` on a GET: the written text
        // before the Origin already differs from what the regex must start with, whatever the Origin is.
        out.push({ outcome: negate, path: forked });
        continue;
      }
      if (left.value.includes(ORIGIN_SYMBOL)) {
        const captures = new Map<string, string | null>();
        for (let i = 1; i <= 9; i++) captures.set(String(i), null);
        const test =
          left.value === ORIGIN_SYMBOL
            ? this.writtenTest(args[2].loc, `~${caseInsensitive ? 'i' : ''}${source}`, () => ({ kind: 'pattern', source, flags: caseInsensitive ? 'i' : '', loc: args[2].loc }))
            : this.writtenTest(args[0].loc, 'opaque', () => ({ kind: 'opaque', loc: args[0].loc }));
        out.push({ outcome: !negate, path: { ...forked, guards: [...forked.guards, test], captures: negate ? forked.captures : captures } });
        out.push({ outcome: negate, path: test.kind === 'opaque' ? { ...forked, guards: [...forked.guards, test] } : forked });
        continue;
      }
      if (this.tokened(left.value)) {
        // Matched against the recorded run's Origin; its captures are tokens bound to what they captured there.
        const id = this.recording!.decisions.length;
        const answer = this.ask({ kind: 'regex', value: left.value, source, flags: caseInsensitive ? 'i' : '', id });
        if (answer === 'n') {
          out.push({ outcome: negate, path: forked });
          continue;
        }
        const [length, names] = answer.slice(1).split(':');
        const captures = new Map<string, string | null>();
        for (let i = 1; i < Math.min(Number(length), 10); i++) captures.set(String(i), captureToken(id, String(i)));
        for (const name of names ? names.split(',') : []) captures.set(name, captureToken(id, `n${name}`));
        out.push({ outcome: !negate, path: negate ? forked : { ...forked, captures } });
        continue;
      }
      const match = regex.exec(left.value);
      if (!match) {
        out.push({ outcome: negate, path: forked });
        continue;
      }
      // nginx keeps the captures of the last successful match ($1…$9 and named groups).
      const captures = new Map<string, string | null>();
      for (let i = 1; i < Math.min(match.length, 10); i++) captures.set(String(i), match[i] ?? '');
      for (const [name, value] of Object.entries(match.groups ?? {})) captures.set(name, value ?? '');
      out.push({ outcome: !negate, path: negate ? forked : { ...forked, captures } });
    }
    return out;
  }

  private finish(path: Path, request: CorsRequest, outcomes: NginxOutcome[], overflow: { value: boolean }): void {
    const state: { uncertain: boolean; refusedBy?: { loc: Loc; directive: string } } = { uncertain: path.uncertain || unresolvedIncludeMatters(path.config) };
    const status = this.status(request, path, state);
    const dropped: Loc[] = [];
    const partials: Array<{ headers: OutcomeHeader[]; guards: OriginGuard[] }> = [{ headers: [], guards: path.guards }];
    const levels = ancestors(path.config).reverse();
    let pending = partials;
    const extend = (name: string, template: string, valueLoc: Loc, replace: boolean) => {
      const next: typeof partials = [];
      for (const partial of pending) {
        const alts = this.evaluate(template, request, path);
        for (const [index, alt] of alts.entries()) {
          // `pending` is replaced below, so the last alternative may take the partial's own list: copying it for every
          // add_header made a block of thousands of them quadratic (fuzzer, nginx seed 9008 #4280).
          const headers = replace ? partial.headers.filter((h) => h.name.toLowerCase() !== name.toLowerCase()) : index === alts.length - 1 ? partial.headers : [...partial.headers];
          if (alt.value === null) headers.push({ name, value: '', valueLoc, loc: valueLoc, writtenAt: valueLoc, unknown: true });
          else if (this.tokened(alt.value) ? this.ask({ kind: 'empty', value: alt.value }) === 'f' : alt.value !== '') headers.push({ name, value: alt.value, valueLoc, loc: alt.from ?? valueLoc, writtenAt: valueLoc, ...(alt.input ? { fromInput: `the query parameter '${alt.input}'` } : {}) });
          next.push({ headers, guards: alt.guards.length ? [...partial.guards, ...alt.guards] : partial.guards });
        }
      }
      if (next.length > MAX_PATHS) {
        overflow.value = true;
        next.length = MAX_PATHS;
      }
      pending = next;
    };
    for (const level of levels) {
      for (const directive of digest(level).moreSetHeaders) {
        for (const spec of moreSetHeadersSpecs(directive)) {
          if (!CORS_RELEVANT.test(spec.name)) continue;
          if (spec.statuses && status === undefined) {
            state.uncertain = true;
            continue;
          }
          // `-s '200 204'`: headers-more leaves the header off every other status, as add_header without `always` does.
          if (spec.statuses && !spec.statuses.includes(status!)) {
            dropped.push(spec.loc);
            continue;
          }
          extend(spec.name, spec.value, spec.loc, true);
        }
      }
    }
    for (const directive of effectiveAddHeaders(path.config)) {
      const [name, valueArg, flag] = directive.args;
      if (!name || !valueArg || !CORS_RELEVANT.test(name.value)) continue;
      if (flag?.value !== 'always') {
        if (status === undefined) {
          state.uncertain = true;
          continue;
        }
        if (!ADD_HEADER_STATUSES.has(status)) {
          dropped.push(valueArg.loc);
          continue;
        }
      }
      extend(name.value, valueArg.value, valueArg.loc, false);
    }
    const returned = path.returned;
    const answeredAt = returned ? (path.config.kind === 'if' && path.config.directive && path.config.body.includes(returned.directive) ? path.config.directive : returned.directive).nameLoc : undefined;
    const proxiedBy = returned || path.errorPage || state.refusedBy ? undefined : upstreamHandler(path.config)?.loc;
    for (const partial of pending) {
      outcomes.push({ status, headers: partial.headers, uncertain: state.uncertain, shortCircuit: returned !== undefined, droppedForStatus: dropped, guards: partial.guards, ...(answeredAt ? { answeredAt } : {}), ...(state.refusedBy ? { refusedBy: state.refusedBy } : {}), ...(proxiedBy ? { proxiedBy } : {}) });
    }
  }

  private status(request: CorsRequest, path: Path, state: { uncertain: boolean; refusedBy?: { loc: Loc; directive: string } }): number | undefined {
    if (path.errorPage?.status !== undefined) return path.errorPage.status;
    if (path.returned) return path.returned.status;
    const method = () => this.method(request);
    const refused = accessRefusal(path.config, request, method);
    if (refused === 'unknown') {
      state.uncertain = true;
      return undefined;
    }
    if (refused) {
      state.refusedBy = { loc: refused.by.nameLoc, directive: refused.by.name };
      return refused.status;
    }
    for (let level: NginxContext | undefined = path.config; level && level.kind !== 'server' && level.kind !== 'http'; level = level.parent) {
      // `deny all` (with no `allow` beside it) refuses every request in the access phase, before any content handler.
      if (digest(level).denied) return 403;
      const directive = digest(level).handler;
      if (directive) {
        if (UPSTREAM_HANDLERS.has(directive.name)) {
          if (request.appStatus !== undefined) return request.appStatus;
          if (method() === 'OPTIONS') {
            state.uncertain = true;
            return undefined;
          }
          return 200;
        }
        if (!(directive.name === 'try_files' && !directive.args.at(-1)?.value.startsWith('@') && !frontController(directive.args.at(-1)?.value))) {
          state.uncertain = true;
          return request.appStatus;
        }
      }
      if (level.kind === 'location') break;
    }
    // A snippet's includer is not visible: its content handler (proxy, static, app) is unknown.
    if (!ancestors(path.config).some((level) => level.kind === 'location' || level.kind === 'server')) {
      if (!request.preflight || request.appStatus !== undefined) return request.appStatus ?? 200;
      state.uncertain = true;
      return undefined;
    }
    // A location whose content comes from an include we cannot read: its handler is unknown.
    if (ancestors(path.config).some((level) => level.kind !== 'server' && level.kind !== 'http' && level.kind !== 'main' && level.hasUnresolvedInclude)) {
      state.uncertain = true;
      return request.appStatus;
    }
    // The static module: GET and HEAD are served, everything else is 405 Not Allowed.
    const served = method();
    if (served === 'GET' || served === 'HEAD') return request.appStatus ?? 200;
    // `error_page 405 =200 $uri;` (or `@name`) answers it from elsewhere: not known here.
    if (!path.errorPage && errorPageFor(path.config, 405)) {
      state.uncertain = true;
      return undefined;
    }
    return 405;
  }

  /** Interpolate `$var` / `${var}`: every value the string can take, each with the origin tests it needs. */
  evaluate(template: string, request: CorsRequest, path: Path | undefined, depth = 0): Alt[] {
    if (!template.includes('$')) return [{ value: template, guards: [] }];
    // One variable alone (an `if ($http_origin …)`, `set $x $cors`): its values, as the general path below gives them.
    const lone = loneVariable(template);
    if (lone) {
      const values = this.variable(lone, request, path, depth);
      return this.dedupe(values.length > MAX_ALTERNATIVES ? [{ value: null, guards: [] }] : values.map((alt) => ({ value: alt.value, guards: alt.guards.length ? [...alt.guards] : [], from: alt.from, ...(alt.input ? { input: alt.input } : {}) })));
    }
    let alts: Alt[] = [{ value: '', guards: [] }];
    let last = 0;
    const append = (more: Alt[]) => {
      const next: Alt[] = [];
      for (const a of alts) {
        for (const b of more) {
          next.push({ value: a.value === null || b.value === null ? null : a.value + b.value, guards: b.guards.length ? [...a.guards, ...b.guards] : a.guards, from: b.from ?? a.from });
        }
      }
      alts = next.length > MAX_ALTERNATIVES ? [{ value: null, guards: [] }] : next;
    };
    for (const match of template.matchAll(VARIABLE)) {
      if (match.index! > last) append([{ value: template.slice(last, match.index), guards: [] }]);
      append(this.variable((match[1] ?? match[2])!, request, path, depth));
      last = match.index! + match[0].length;
    }
    if (last < template.length) append([{ value: template.slice(last), guards: [] }]);
    // A single variable keeps the token that decided it; text around it makes the value the author's own.
    if (!/^\$(?:\{\w+\}|\w+)$/.test(template.trim())) alts = alts.map((alt) => ({ ...alt, from: undefined }));
    return this.dedupe(alts);
  }

  private variable(name: string, request: CorsRequest, path: Path | undefined, depth: number): Alt[] {
    const one = (value: string | null): Alt[] => [{ value, guards: [] }];
    const input = this.carriers.get(name);
    if (path?.vars.has(name)) {
      const value = path.vars.get(name)!;
      // A carrier's copied parameter (not one of its constants) still names where it came from.
      return input !== undefined && value !== null && (value === ORIGIN_SYMBOL || value === ORIGIN_TOKEN || (!request.anyOrigin && value === request.origin)) ? [{ value, guards: [], input }] : one(value);
    }
    // The caller's own origin, named in the query string (queryCarriers).
    if (input !== undefined && name.startsWith('arg_')) return this.variable('http_origin', request, path, depth).map((alt) => ({ ...alt, input }));
    if (/^\d$/.test(name) || (path?.captures.has(name) ?? false)) return one(path?.captures.get(name) ?? (/^\d$/.test(name) ? '' : null));
    switch (name) {
      case 'http_origin':
        if (request.anyOrigin) return one(ORIGIN_SYMBOL);
        if (this.recording) return one(this.recordedOrigin(request));
        this.read('origin', request);
        return one(request.origin ?? '');
      case 'request_method':
        return one(this.method(request));
      case 'http_access_control_request_method':
        this.read('preflight', request);
        if (!request.preflight) return one('');
        this.read('method', request);
        this.methodRead = true;
        return one(request.method);
      case 'http_access_control_request_headers':
        this.read('preflight', request);
        this.read('headers', request);
        return one(request.preflight && request.headers?.length ? request.headers.join(',').toLowerCase() : '');
      case 'uri':
      case 'request_uri':
      case 'document_uri':
        this.read('path', request);
        return one(request.path ?? null);
    }
    if (name.startsWith('http_')) {
      this.read('extraHeaders', request);
      this.read('credentials', request);
      this.read('preflight', request);
      const wanted = name.slice(5).replace(/_/g, '-');
      const entry = Object.entries(request.extraHeaders ?? {}).find(([key]) => key.toLowerCase() === wanted);
      if (entry) return one(entry[1]);
      if (request.extraHeaders) return one('');
      if (wanted === 'cookie') return one(request.credentials && !request.preflight ? null : '');
      return one(null);
    }
    const map = this.maps.get(name);
    if (map && depth < 8) return this.lookupMap(map, request, path, depth + 1);
    if (this.declared.has(name)) return one('');
    return one(null);
  }

  /** The token standing for the Origin in a recorded run; an Origin that is empty or holds a U+0004 is not shared. */
  private recordedOrigin(request: CorsRequest): string {
    const recording = this.recording!;
    if (!recording.bindings) {
      const origin = request.origin;
      if (!origin || origin.includes(TOKEN_MARK)) throw new NotShared();
      recording.bindings = { origin, captures: new Map() };
    }
    return ORIGIN_TOKEN;
  }

  /** Alternatives with distinct values: in a recorded run, values that differ by a token must differ for its Origin too. */
  private dedupe(alts: Alt[]): Alt[] {
    const unique = dedupeAlts(alts);
    if (this.recording && unique.length > 1 && unique.some((alt) => hasToken(alt.value)) && this.ask({ kind: 'distinct', keys: unique.map((alt) => [alt.value === null ? '\u0001' : alt.value]) }) !== 'ok') {
      throw new NotShared();
    }
    return unique;
  }

  private lookupMap(map: NginxMap, request: CorsRequest, path: Path | undefined, depth: number): Alt[] {
    const entryAlts = (value: NginxArg, guards: OriginGuard[]): Alt[] =>
      this.evaluate(value.value, request, path, depth).map((alt) => ({ ...alt, guards: [...guards, ...alt.guards], from: alt.from ?? value.loc }));
    if (map.kind === 'geo') return this.everyValue(map, request, path, depth, []);
    const out: Alt[] = [];
    for (const source of this.evaluate(map.source, request, path, depth)) {
      if (source.value === null) {
        out.push(...this.everyValue(map, request, path, depth, source.guards));
        continue;
      }
      if (source.value === ORIGIN_SYMBOL) {
        out.push(...this.originMapValues(map, request, path, depth, source.guards));
        continue;
      }
      if (source.value.includes(ORIGIN_SYMBOL)) {
        out.push(...this.everyValue(map, request, path, depth, [...source.guards, { kind: 'opaque', loc: map.directive.args[0].loc }]));
        continue;
      }
      let choice: MapChoice;
      if (this.tokened(source.value)) {
        choice = mapChoice(map, resolve(source.value, this.recording!.bindings!));
        this.recording!.decisions.push({ decision: { kind: 'map', map, value: source.value }, answer: choiceKey(choice) });
      } else {
        choice = mapChoice(map, source.value);
      }
      if (choice.kind === 'exact') out.push(...entryAlts(choice.entry.value, source.guards));
      else if (choice.kind === 'regex') out.push(...entryAlts(map.regex[choice.index].value, source.guards));
      else if (choice.kind === 'unknown') out.push({ value: null, guards: source.guards });
      else out.push(...(map.fallback ? entryAlts(map.fallback, source.guards) : [{ value: '', guards: source.guards }]));
    }
    return out;
  }

  /** A map on an unknown key: it can hold any of its values. */
  private everyValue(map: NginxMap, request: CorsRequest, path: Path | undefined, depth: number, guards: OriginGuard[]): Alt[] {
    const values = [...map.exact.map((e) => e.value), ...map.regex.map((e) => e.value)];
    values.push(map.fallback ?? { value: '', quoted: false, loc: map.directive.nameLoc });
    const out: Alt[] = [];
    for (const value of values) {
      for (const alt of this.evaluate(value.value, request, path, depth)) out.push({ ...alt, guards: [...guards, ...alt.guards], from: alt.from ?? value.loc });
    }
    const unique = this.dedupe(out);
    return unique.length > MAX_ALTERNATIVES ? [{ value: null, guards }] : unique;
  }

  /** A map keyed on the Origin, Origin left open: one alternative per distinct value, guarded by the keys that give it. */
  private originMapValues(map: NginxMap, request: CorsRequest, path: Path | undefined, depth: number, guards: OriginGuard[]): Alt[] {
    const groups = new Map<string, { value: string | null; tests: Array<Extract<OriginGuard, { kind: 'pattern' | 'exact' }>>; unguarded: boolean; from: Loc }>();
    // The default stays an alternative of its own even when a key gives the same value, so the keys are still seen.
    const add = (value: NginxArg, test: Extract<OriginGuard, { kind: 'pattern' | 'exact' }> | undefined) => {
      for (const alt of this.evaluate(value.value, request, path, depth)) {
        const key = `${test ? 'k' : 'd'}${alt.value === null ? '\u0001' : alt.value}`;
        const group = groups.get(key) ?? { value: alt.value, tests: [], unguarded: false, from: alt.from ?? value.loc };
        if (test) group.tests.push(test);
        else group.unguarded = true;
        groups.set(key, group);
      }
    };
    const listId = `${map.directive.file}:${map.directive.nameLoc.line}`;
    for (const entry of map.exact) add(entry.value, { kind: 'exact', value: entry.key, loc: entry.keyLoc, caseInsensitive: true, listId });
    for (const entry of map.regex) add(entry.value, { kind: 'pattern', source: entry.pattern, flags: entry.caseInsensitive ? 'i' : '', loc: entry.keyLoc, ...(entry.mask ? { mask: entry.mask } : {}) });
    add(map.fallback ?? { value: '', quoted: false, loc: map.directive.nameLoc }, undefined);
    const out: Alt[] = [];
    for (const group of groups.values()) {
      out.push({ value: group.value, guards: group.unguarded ? guards : [...guards, { kind: 'one-of', tests: group.tests }], from: group.from });
    }
    return out.length > MAX_ALTERNATIVES ? [{ value: null, guards }] : out;
  }
}

/** A path's variables and captures as strings a token can be bound in (names and values never run together). */
function stateParts(path: Path): string[] {
  const parts = ['V'];
  const add = (name: string, value: string | null) => parts.push(`n${name}`, value === null ? '\u0001' : `S${value}`);
  for (const [name, value] of path.vars) add(name, value);
  parts.push('C');
  for (const [name, value] of path.captures) add(name, value);
  return parts;
}

function returnStatus(directive: NginxDirective): number {
  const first = directive.args[0]?.value ?? '';
  if (/^\d{3}$/.test(first)) return Number(first);
  return 302;
}

function dedupeAlts(alts: Alt[]): Alt[] {
  if (alts.length < 2) return alts;
  const seen = new Map<string, Alt>();
  for (const alt of alts) {
    const key = `${alt.value === null ? '\u0001' : alt.value}\u0002${alt.guards.map((g) => JSON.stringify(g)).join(',')}`;
    if (!seen.has(key)) seen.set(key, alt);
  }
  return [...seen.values()];
}

function dedupeLocs(locs: Loc[]): Loc[] {
  const seen = new Set<string>();
  return locs.filter((loc) => {
    const key = `${loc.file}:${loc.line}:${loc.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Whether an `include` we cannot read could change this answer. In a location (or `if`, or a
 * snippet) it could hold `if`/`return`, a handler or more `add_header`s; at server or http level
 * it only matters when the headers in effect here are inherited from that level or above (a
 * level with its own `add_header` inherits nothing, N2).
 */
export function unresolvedIncludeMatters(config: NginxContext): boolean {
  const effective = addHeaderLevel(config);
  let belowEffective = true;
  let below: NginxContext | undefined;
  for (let level: NginxContext | undefined = config; level; below = level, level = level.parent) {
    if (level.hasUnresolvedInclude) {
      // A fragment holding this `location` is a server's body (an ingress server-snippet, a conf.d file
      // included in a server): its include is judged as a server-level one is.
      const serverBody = level.kind === 'fragment' && below?.kind === 'location';
      if (level.kind === 'location' || level.kind === 'if' || (level.kind === 'fragment' && !serverBody)) return true;
      if (belowEffective) return true;
    }
    if (level === effective && own(level).inherit !== 'merge') belowEffective = false;
  }
  return false;
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

/** A level's own `add_header` directives and `add_header_inherit` value, read once per level. */
const ownCache = new WeakMap<NginxContext, { addHeaders: NginxDirective[]; inherit?: string }>();

export function own(context: NginxContext): { addHeaders: NginxDirective[]; inherit?: string } {
  let found = ownCache.get(context);
  if (!found) {
    found = { addHeaders: context.body.filter((d) => d.name === 'add_header'), inherit: context.body.find((d) => d.name === 'add_header_inherit')?.args[0]?.value };
    ownCache.set(context, found);
  }
  return found;
}

/** The level whose own `add_header` list is in effect here (undefined when none is). */
export function addHeaderLevel(context: NginxContext): NginxContext | undefined {
  for (let level: NginxContext | undefined = context; level; level = level.parent) {
    if (own(level).addHeaders.length > 0) return level;
  }
  return undefined;
}

function computeEffectiveAddHeaders(context: NginxContext): NginxDirective[] {
  const { addHeaders, inherit } = own(context);
  if (addHeaders.length === 0) return context.parent ? effectiveAddHeaders(context.parent) : [];
  const relevant = addHeaders.filter((directive) => CORS_RELEVANT.test(directive.args[0]?.value ?? ''));
  if (inherit === 'merge' && context.parent) return [...effectiveAddHeaders(context.parent), ...relevant];
  return relevant;
}

/** `more_set_headers` directives written at this level (not inherited). */
export function ownMoreSetHeaders(context: NginxContext): NginxDirective[] {
  return digest(context).moreSetHeaders;
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

/** The upstream handler (`proxy_pass`, `fastcgi_pass`, …) of the innermost level up to the location that has a content handler, if that one is an upstream. */
function upstreamHandler(config: NginxContext): NginxDirective | undefined {
  for (let level: NginxContext | undefined = config; level && level.kind !== 'server' && level.kind !== 'http'; level = level.parent) {
    const directive = digest(level).handler;
    if (directive) return UPSTREAM_HANDLERS.has(directive.name) ? directive : undefined;
    if (level.kind === 'location') break;
  }
  return undefined;
}

/** Header names (lower case) whose values, or presence, are not the same on every path. */
function differingHeaders(outcomes: NginxOutcome[]): string[] {
  const valuesOf = (outcome: NginxOutcome) => {
    const byName = new Map<string, string[]>();
    for (const header of outcome.headers) {
      const name = header.name.toLowerCase();
      byName.set(name, [...(byName.get(name) ?? []), header.unknown ? '\u0000' : header.value]);
    }
    return byName;
  };
  const all = outcomes.map(valuesOf);
  const names = new Set(all.flatMap((byName) => [...byName.keys()]));
  const key = (values: string[] | undefined) => JSON.stringify(values ?? []);
  return [...names].filter((name) => all.some((byName) => key(byName.get(name)) !== key(all[0].get(name))));
}

/**
 * The `error_page` in force at a level for `status`: the nearest level with any `error_page` directive holds the
 * whole set (they are inherited only by a level that has none, as add_header). `error_page 404 500 =200 @x;` →
 * target `@x`, status 200; a bare `=` keeps the page's own status; no `=` keeps the original code.
 */
export function errorPageFor(config: NginxContext, status: number): { target: string; status?: number } | undefined {
  if (status < 300 || status > 599) return undefined;
  for (let level: NginxContext | undefined = config; level; level = level.parent) {
    const pages = level.body.filter((d) => d.name === 'error_page' && d.args.length >= 2);
    if (pages.length === 0) continue;
    for (const page of pages) {
      const args = page.args.map((arg) => arg.value);
      const target = args[args.length - 1];
      const change = args.length >= 3 && args[args.length - 2].startsWith('=') ? args[args.length - 2] : undefined;
      const codes = args.slice(0, change ? -2 : -1);
      if (!codes.includes(String(status))) continue;
      if (change === undefined) return { target, status };
      if (change === '=') return { target };
      const code = Number(change.slice(1));
      return Number.isInteger(code) && code > 0 ? { target, status: code } : { target };
    }
    return undefined;
  }
  return undefined;
}

/** `location @name { … }` in the server (or the file) around `config`. */
function namedLocation(config: NginxContext, name: string): NginxContext | undefined {
  let scope: NginxContext | undefined = config;
  while (scope && scope.kind !== 'server' && scope.parent) scope = scope.parent;
  for (const [directive, child] of scope?.children ?? []) {
    if (child.kind === 'location' && directive.args.length === 1 && directive.args[0].value === name) return child;
  }
  return undefined;
}
