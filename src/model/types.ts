/**
 * The common CORS policy model. Every extractor produces these objects and nothing else;
 * rules never see a syntax tree. Positions are 1-based, end-exclusive, columns in UTF-16
 * code units (what editors count).
 */

export interface Loc {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface Located<T> {
  value: T;
  loc: Loc;
}

export type Format = 'nginx' | 'js' | 'ts' | 'python' | 'yaml' | 'json' | 'toml' | 'headers';

/** How a `pattern` matcher is applied to the request's Origin. */
export type PatternDialect =
  /** JavaScript `RegExp.prototype.test`: a search, anchored only where the author anchored it. */
  | 'js-search'
  /** PCRE search as in nginx `~` (case-sensitive) or `~*` (case-insensitive). */
  | 'pcre-search'
  /** Python `re.match`: anchored at the start only, so `^https://a\.example\.com` also accepts `https://a.example.com.attacker.invalid`. */
  | 'python-match'
  /** Python `re.search`: anchored only where the author anchored it. */
  | 'python-search'
  /** Python `re.fullmatch` (Starlette's `allow_origin_regex`): anchored at both ends. */
  | 'python-fullmatch'
  /** Go/RE2 search (Traefik's regex list, APISIX's `ngx.re.find`): anchored only where the author anchored it. */
  | 're2-search'
  /** RE2 full match (Envoy `safe_regex`, Istio `regex`, Kong's anchored origins). */
  | 're2-full';

export type OriginMatcher =
  /** A literal `*`; `why` says how it came about when the author did not write it (a default, a fallback). */
  | { kind: 'any'; loc: Loc; why?: string }
  /** The request's Origin echoed back with no validation; `why` as for `any` (a fallback that applies only in some deployments). */
  | { kind: 'reflect'; loc: Loc; why?: string }
  /** One string compared for equality (as written, typos and all). */
  | {
      kind: 'exact';
      value: string;
      loc: Loc;
      caseInsensitive?: boolean;
      /** Entries written in one list share this (duplicates only count within a list). */
      listId?: string;
      /**
       * django-cors-headers compares `urlsplit` scheme and netloc only, so a path or trailing slash is ignored at run time (but fails its system check);
       * before 3.0 it compared the netloc alone with host-only entries (`'example.com:8000'`), any scheme passing (`netloc`);
       * `normalized-url`: both sides normalised (path and default port dropped, scheme and host lower-cased);
       * `kong-url`: as Kong's normalize_origin, which drops path and default port but keeps the case.
       */
      comparedBy?: 'scheme-and-netloc' | 'netloc' | 'normalized-url' | 'kong-url';
      /** How it came about when it applies only in some deployments (a literal fallback of an unset variable). */
      why?: string;
      /** The value the layer itself sends as Allow-Origin (an nginx `add_header` value, a map's output), not one compared with the request's Origin. */
      sent?: boolean;
    }
  | {
      kind: 'pattern';
      source: string;
      flags: string;
      dialect: PatternDialect;
      loc: Loc;
      /** Set when the pattern stands for a plain string test (Envoy/Istio `prefix`, `suffix`, `contains`). */
      written?: 'prefix' | 'suffix' | 'contains';
      /** The check as written in code (`origin.endsWith('example.com')`), for messages. */
      code?: string;
      /** The entry as written when the implementation matches it against the Origin's host alone, under any scheme and port (Kong's regex without ':'), for messages. */
      hostOnly?: string;
      /** Origins the check is evidently meant to admit (from its literal), to build attacker origins from. */
      samples?: string[];
    }
  /** Code decides; `checks` records what could be learned from it. */
  | { kind: 'predicate'; checks: PredicateCheck[]; loc: Loc }
  /** Not knowable statically (env var, import, computed value): rules stay silent. */
  | {
      kind: 'unknown';
      reason: string;
      loc: Loc;
      /** An origin written around placeholders (`https://${DOMAIN}/`): the text as written and the literal parts between the placeholders, in order, which can still be judged. */
      template?: {
        text: string;
        literals: string[];
        /** The implementation compares the entry as written (Traefik's accessControlAllowOriginList): a `*` in its text matches only a `*`. */
        literal?: boolean;
      };
    };

export interface PredicateCheck {
  /** `includes`, `indexOf`, `startsWith`, `endsWith`, `regex-test`, `equals`… */
  method: string;
  argument?: string;
  loc: Loc;
}

/** A list-valued option such as Allow-Methods: a literal list, `*`, reflected from the request, the implementation default, or unknown. */
export type ListSetting =
  | { kind: 'list'; items: string[]; loc: Loc }
  | { kind: 'wildcard'; loc: Loc }
  | { kind: 'reflect-request'; loc?: Loc }
  | { kind: 'default' }
  | { kind: 'unknown'; loc: Loc };

export type Tri = boolean | 'unknown';

export interface EmittedHeader {
  name: string;
  /** The value as written; `null` when it is computed and cannot be known. */
  value: string | null;
  /** The value as written, variables and all. */
  rawValue: string;
  /** The whole directive or call. */
  loc: Loc;
  /** The value token. */
  valueLoc: Loc;
  /** True when the header goes out on every status (nginx `always`, `more_set_headers`, hand-set headers). */
  allStatuses: boolean;
  /** nginx: `add_header` adds a field; `more_set_headers` replaces. */
  mode: 'add' | 'set';
}

export type PreflightHandling =
  /** This layer answers OPTIONS itself. */
  | { kind: 'handled'; status: number; loc?: Loc }
  /** OPTIONS goes on to a later layer (proxy, `preflightContinue`, the app's router). */
  | { kind: 'passthrough'; loc?: Loc }
  /** Nothing here answers OPTIONS with a 2xx. */
  | { kind: 'unhandled'; status?: number; loc?: Loc }
  | { kind: 'unknown' };

export interface PolicyScope {
  kind: 'app' | 'router' | 'route' | 'http' | 'server' | 'location' | 'fragment' | 'handler';
  /** Human label: `app`, `router api`, `GET /items`, `server example.com location /api`. */
  label: string;
  path?: string;
  methods?: string[];
  /** nginx: a server's own answer to the paths none of its locations match, in a server that has locations. */
  unmatchedPaths?: boolean;
}

export interface CorsPolicy {
  /** Stable within one lint run: file + scope. */
  id: string;
  source: { file: string; format: Format; framework: string; loc: Loc };
  scope: PolicyScope;
  /**
   * An app-level policy left at its framework's default methods: the methods that need a preflight of the
   * routes the same app registers in the same file (`@app.put(…)`), which a page calling the API would send.
   * POST is listed only for routes whose requests are preflighted (a FastAPI route taking a JSON body).
   */
  servedMethods?: string[];
  /** Empty when this layer sends no Allow-Origin at all. */
  origins: OriginMatcher[];
  /** How `exact` entries are used: compared with the request Origin, or (a single fixed string) sent verbatim. */
  originMode: 'compare' | 'fixed';
  credentials: Located<Tri> | undefined;
  allowMethods: ListSetting;
  allowHeaders: ListSetting;
  exposeHeaders: ListSetting;
  maxAge: Located<number | 'unknown'> | undefined;
  preflight: PreflightHandling;
  vary: { origin: Tri; loc?: Loc };
  /** Whether the CORS headers also go out on 4xx/5xx responses. */
  errorResponses: Tri;
  emitted: EmittedHeader[];
  profile: FrameworkProfile;
  /** For header-emitting layers (nginx, hand-set headers): an evaluator of what the layer sends. */
  headerProgram?: HeaderProgram;
  /** Settings the implementation refuses (deploy or start-up fails) or silently replaces. */
  rejected?: Array<{ loc: Loc; message: string }>;
  /** Handlers that answer before this middleware runs: routes registered before `app.use(cors())`, Django middleware listed above CorsMiddleware. */
  registeredAfter?: {
    what: 'routes' | 'middleware' | 'started' | 'auth';
    items: Array<{ label: string; loc: Loc; /** `auth`: the status it answers a request without credentials with. */ status?: number }>;
    /** What to move. */
    at: Loc;
    /** Set when the CORS middleware is registered later than it is written: NestFactory.create()'s `cors` option, applied in app.init(). */
    deferredTo?: string;
  };
  /** nginx: this scope's own `add_header` stops CORS headers of an outer level from being inherited. */
  inheritanceLoss?: { loc: Loc; lost: Array<{ name: string; loc: Loc }>; level: string };
  /**
   * nginx: every block (the location, an `if` in it) whose own `add_header` drops an outer level's CORS headers; `block` names it when it is not the scope itself,
   * `place` when the block is an outer one the scope inherits from (a server whose own add_header drops the http level's for its locations).
   */
  inheritanceLosses?: Array<{ loc: Loc; lost: Array<{ name: string; loc: Loc }>; level: string; block?: string; place?: string }>;
  /** Layers a request reaches after this one (a proxy's upstream apps), linked from what the repository states. */
  upstreamLayers?: UpstreamLayer[];
  /** Same-origin proxies in front of this layer (dev-server proxy, Next.js/Vercel/Netlify rewrites): requests through them are not cross-origin. Each step with its line. */
  sameOriginProxies?: Array<{ via: Array<{ what: string; loc: Loc }> }>;
  /** Browser calls in the repository's frontend code that this policy (through `layer`, when set) answers. */
  clientCalls?: LinkedClientCall[];
  /** Origins the layer compares the request's Origin with that `origins` does not list (nginx `if ($http_origin …)` guards that set a flag, `map $http_origin` keys): the request matrix asks about them too. */
  testedOrigins?: OriginMatcher[];
  /** Non-simple methods the layer answers in a branch of their own (nginx `if ($request_method = DELETE)`): the request matrix asks a credentialed actual request with each. */
  testedMethods?: string[];
}

/** A frontend call linked to the server policy that answers it. */
export interface LinkedClientCall {
  /** The URL argument of the call. */
  loc: Loc;
  api: string;
  url: string;
  /** The page origin the call is made from (dev server, `knownOrigins`). */
  pageOrigin: string;
  mode: 'development' | 'production';
  /** Every way the code may send it; a finding needs all of them blocked. */
  requests: Array<Omit<CorsRequest, 'origin'>>;
  /** Set when a proxy answers with the app behind it. */
  layer?: UpstreamLayer;
  /** How the URL was resolved and linked, for the message. */
  via: string;
  /** A way around CORS the repository already has (a dev-server proxy or rewrite to the same server), for the message. */
  hint?: string;
  /** Where a part of the request the call site does not show comes from (an interceptor's header, a GraphQL client's JSON POST). */
  detail?: string;
}

/** An application behind a proxying layer, and how the link was established. */
export interface UpstreamLayer {
  policy: CorsPolicy;
  /** Header names (lower case, `*` suffix for a prefix) the proxy removes from the upstream's answer. */
  hidden: string[];
  /** Each step of the link with the line that states it (proxy_pass, Compose service, app). */
  via: Array<{ what: string; loc: Loc }>;
  /**
   * The app is reached only on requests this `proxy_pass` serves: one of several in its location (one inside an `if`). The
   * front's answer says which serves a request (`proxiedBy`); when it cannot, the chain is not known.
   */
  onlyThrough?: Loc;
}

/** A request as a browser sends it. */
export interface CorsRequest {
  origin?: string;
  method: string;
  /** Header names the page sets (non-safelisted ones trigger a preflight). */
  headers?: string[];
  credentials?: boolean;
  path?: string;
  /** True for the OPTIONS preflight of `method`. */
  preflight?: boolean;
  /** The status the application (or upstream) would answer with; defaults to 200. */
  appStatus?: number;
  /** Extra request headers (e.g. Cookie). */
  extraHeaders?: Record<string, string>;
  /**
   * Some Origin is sent but which one is left open: evaluators that can (nginx) explore every origin
   * class and report what any of them could get (`droppedForStatus` is then the union). Others ignore it.
   */
  anyOrigin?: boolean;
}

export interface ResponseHeader {
  name: string;
  value: string;
  /** The token that decided the value (a `map` entry, an allowlist item, the value itself). */
  loc?: Loc;
  /** Where the header itself is written, when that differs from `loc` (the `add_header` value of a map variable). */
  writtenAt?: Loc;
  /** Set when the value is copied from a client-chosen request field (`the query string`), not from Origin: it names that field. */
  fromInput?: string;
  /** Set when an earlier layer of the same app wrote it and this layer left it in place (a cors() header under a later middleware's): findings about where it is written are that layer's. */
  fromEarlierLayer?: boolean;
}

export interface CorsResponse {
  /** `undefined` when the status is decided by a later layer we cannot see. */
  status: number | undefined;
  headers: ResponseHeader[];
  /** True when some step depended on something we cannot know; rules must not report from it. */
  uncertain: boolean;
  /**
   * Set with `uncertain` when only these headers (lower-case names) are unknown, in value or in
   * presence (`exposedHeaders: process.env.X`, `add_header Access-Control-Max-Age $var`): the
   * status and every other header are known, so a question that reads none of them still has an
   * answer (model/uncertainty.ts `unsure`). Unset with `uncertain`: nothing can be read.
   */
  unknownHeaders?: string[];
  /**
   * Headers among `unknownHeaders` that go out with exactly this value or not at all, as a test that
   * cannot be decided chooses (`if (allowed.includes(origin)) res.setHeader('Access-Control-Allow-Origin', origin)`
   * with an imported list): a question about the value when present (is it the request's Origin?) can read them.
   */
  maybeHeaders?: ResponseHeader[];
  /** True when this layer answered the preflight itself. */
  shortCircuit: boolean;
  /** Headers this layer would have sent but dropped because of the response status (nginx `add_header` without `always`): their value tokens. */
  droppedForStatus?: Loc[];
  /** Where this layer answered the request itself (nginx: the `if` holding the `return`, or the `return`): the place to add a missing header. */
  answeredAt?: Loc;
  /** Where this layer refused the request before any handler ran (nginx `auth_basic`, `limit_except`): a preflight carries no credentials. */
  refusedBy?: { loc: Loc; directive: string };
  /** nginx: the `proxy_pass` (or other upstream handler) that serves the request, when every way it can end agrees on one. */
  proxiedBy?: Loc;
}

/** An evaluator produced by a header-emitting extractor (nginx's rewrite/header phases). */
export interface HeaderProgram {
  run(request: CorsRequest): CorsResponse;
}

/** How an implementation behaves: data, read by `respond()` and the rules. */
export interface FrameworkProfile {
  id: string;
  name: string;
  /** What it sends when origin is `*` and credentials are on. */
  wildcardWithCredentials: 'literal' | 'reflect';
  /** How a single configured string origin is used. */
  singleStringOrigin: 'fixed' | 'compare';
  /** Whether string entries are compared byte-for-byte (so trailing slash / default port never match). */
  exactComparison: 'bytes' | 'case-insensitive';
  /** When it adds `Vary: Origin` by itself. */
  /** `undocumented`: the implementation's own Vary behaviour is not known (API Gateway), so no rule relies on it. */
  varyOrigin: 'never' | 'unless-wildcard' | 'unless-string' | 'always' | 'by-config' | 'undocumented';
  preflight: {
    /** Which OPTIONS requests the layer treats as preflight. */
    trigger: 'any-options' | 'options-with-acrm' | 'config';
    status: number | undefined;
    shortCircuit: boolean;
    /** What Allow-Headers is when none is configured. */
    allowHeadersDefault: 'reflect-request' | 'none';
    /**
     * When a preflight answer carries `Vary: Access-Control-Request-Headers`: while reflecting the
     * request's list, even an empty one (the default; Express cors), or whenever Allow-Headers is sent (Hono).
     */
    varyRequestHeaders?: 'while-reflecting' | 'with-allow-headers';
  };
  defaults: {
    origin: '*' | 'reflect' | 'none';
    methods: string[] | undefined;
    credentials: boolean;
  };
  /**
   * How the credentials option is read when it is not a boolean (a string such as `'true'` or `'false'`, an
   * environment variable): `strict`, only `true` sends Allow-Credentials (Express cors: `=== true`); `truthy`, any
   * truthy value does (@koa/cors `!!options.credentials`, @fastify/cors and Hono `if (credentials)`). Unset: unknown.
   */
  credentialsOption?: 'strict' | 'truthy';
  /** Whether a route-level middleware runs for OPTIONS on its path. */
  routeLevelHandlesOptions: boolean;
  /** How to get `Vary: Origin` out of this implementation, for messages. */
  varyHint?: string;
  /**
   * Why no cache ever reuses these responses, so Vary cannot matter (Engine.IO clients put a fresh
   * `t` parameter in every polling URL).
   */
  uncacheable?: string;
  /** A proxying layer whose CORS headers replace the upstream's same-named ones (headers-more's `more_set_headers`, as ingress-nginx's template writes them) instead of adding to them. */
  corsHeadersReplaceUpstream?: boolean;
  /**
   * A proxying layer that decides Access-Control-Allow-Origin on every answer it passes on to a request with an Origin: it sets its own or
   * removes the upstream's (Kong's cors plugin: `set_header`, else `clear_header`).
   */
  decidesAllowOrigin?: boolean;
  docs: string;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  ruleId: string;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** A certain fix (ESLint-style): replace the UTF-16 offsets [start, end) of the file's text with `text`. */
  fix?: Fix;
}

export interface Fix {
  range: [number, number];
  text: string;
  /** What the fix does, for editors' quick-fix menus. */
  title?: string;
}

export interface SourceFile {
  path: string;
  text: string;
  /**
   * Where detection reads folder names from when `path` (relative to the working folder) would
   * make the answer depend on it: the shells pass the path from the scanned root's parent folder,
   * or the absolute path of a file named on the command line.
   */
  detectPath?: string;
  /** The format when the caller knows it (an editor's language id); detection is skipped. */
  format?: Format;
}
