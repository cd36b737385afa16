import { formatSarif } from '../format/sarif.js';
import { lineLengthsOf } from '../extract/offsets.js';
import type { Diagnostic, SourceFile } from '../model/types.js';
import { insideFile } from './isolate.js';
import { lint } from './lint.js';

/**
 * A mutation fuzzer for lint(): seeds (real config files) are mutated with format-aware tokens,
 * repetition (deep nesting, long lines), splicing, truncation and line-break variants, and every
 * result is checked for the issue-10 properties. Used by `npm run fuzz` (100k+ per format) and by a
 * seeded sample in the test suite. Deterministic for a given seed.
 */

export type FuzzFormat = 'nginx' | 'js' | 'ts' | 'python' | 'yaml' | 'json' | 'toml' | 'headers';

export const EXTENSIONS: Record<FuzzFormat, string> = { nginx: '.conf', js: '.js', ts: '.ts', python: '.py', yaml: '.yaml', json: '.json', toml: '.toml', headers: '_headers' };
/**
 * TOML in turn as netlify.toml and as a Traefik dynamic configuration (any other .toml name, read by
 * content, so the inputs grown from the Traefik fixtures are read); JSON in turn as vercel.json, a
 * template (read by content), firebase.json and a template again; every fourth JS/TS input as a
 * Serverless service file.
 */
const FILE_NAMES: Partial<Record<FuzzFormat, string>> = { json: 'vercel.json', toml: 'netlify.toml', headers: '_headers' };
const JSON_NAMES = ['vercel.json', 'template.json', 'firebase.json', 'template.json'];
const fileNameOf = (format: FuzzFormat, iteration: number) =>
  format === 'json' ? JSON_NAMES[iteration % 4] : format === 'toml' && iteration % 2 === 1 ? 'dynamic.toml' : (format === 'js' || format === 'ts') && iteration % 4 === 3 ? `serverless${EXTENSIONS[format]}` : FILE_NAMES[format];

const COMMON = ['\n', '\r\n', '\r', '\u2028', '\u2029', '\t', ' ', '"', "'", '\\', '#', '{', '}', '[', ']', '(', ')', ',', ':', ';', '*', '\u0000', '\uFEFF', '😀', 'cors', 'Access-Control-Allow-Origin', 'https://a.example.com', '$http_origin', '{{ .Values.x }}', 'cors-lint-disable-next-line', 'null'];

const TOKENS: Record<FuzzFormat, string[]> = {
  nginx: ['server {', '\uFEFFserver {', 'add_header Access-Control-Allow-Origin "https://a.example.com always;\n', 'header_filter_by_lua_block {\n local origin = ngx.var.http_origin\n if origin then ngx.header["Access-Control-Allow-Origin"] = origin end\n}', "header_filter_by_lua 'ngx.header.access_control_allow_origin = \"*\"';", '--[[', ']]', 'location / {', 'auth_basic "x";', 'limit_except GET { deny all; }', 'satisfy any;', 'if ($http_origin ~* "^https://.*") {', 'add_header Access-Control-Allow-Origin $http_origin always;', 'add_header Access-Control-Allow-Credentials true;', 'map $http_origin $cors {', 'include snippets/cors.conf;', 'set $cors "";', 'return 204;', 'return 301 https://example.com$request_uri;', 'server_name www.example.com example.com;', 'more_set_headers "Access-Control-Allow-Origin: *";', 'content_by_lua_block {', 'access_by_lua_block {\n if ngx.req.get_method() == "OPTIONS" then\n ngx.header["Access-Control-Allow-Methods"] = "GET"\n ngx.status = 204\n return ngx.exit(ngx.HTTP_NO_CONTENT)\n end\n ngx.header["Access-Control-Allow-Origin"] = ngx.var.http_origin or "*"\n}', 'if not ok then return ngx.exit(403) end', '~^https?://', '${', 'proxy_pass http://api:3000;', "ngx.exit(204)", "access_by_lua_block {", "content_by_lua_block {\n if ngx.req.get_method() == \"OPTIONS\" then ngx.exit(204) end\n}", "if ($http_origin ~* \"^https://a\\.example\\.com$\") { set $cors 1; }", "if ($http_origin ~ \"\\.example\\.org\") { set $cors 1; }", "if ($cors = \"1\") { add_header Access-Control-Allow-Origin $http_origin always; proxy_pass http://app:3000; }", "set $upstream http://api:3000;", "proxy_pass $upstream;", "resolver 127.0.0.11;", "location ~ ^/api/ {", 'access_by_lua_file lua/cors.lua;', 'rewrite_by_lua_block {\n ngx.header["Access-Control-Allow-Origin"] = "*"\n}', 'header_filter_by_lua_file $lua_path;', 'header_filter_by_lua_block {\n local allow_origin = "*"\n ngx.header["Access-Control-Allow-Origin"] = allow_origin\n if ngx.var.request_method == "OPTIONS" then\n ngx.header["Access-Control-Max-Age"] = "600"\n'],
  js: ['const appOptions = { cors: true }; NestFactory.create(AppModule, appOptions)', "import * as lambda from 'aws-cdk-lib/aws-lambda'; fn.addFunctionUrl({ cors: { allowedOrigins: ['*'], allowCredentials: true, maxAge: cdk.Duration.days(2) } })", "require('cors')", 'const allowCors = (fn) => async (req, res) => { return await fn(req, res) }', 'event.headers?.origin', "req.get?.('origin')", 'app.use(cors({ origin: ', 'app.use((req, res, next) => { if (!req.headers.authorization) return res.status(401).json({}); next(); });', "app.use(passport.authenticate('jwt', { session: false }));", 'credentials: true', '/https:\\/\\/.*\\.example\\.com/', '=> ', 'function (origin, cb) { cb(null, true) }', 'res.setHeader("Access-Control-Allow-Origin", req.headers.origin);', '`${x}`', '/*', '*/', '//', 'a: ', '(, ', 'NestFactory.create(', 'enableCors(', '\\033', 'import cors from "cors";', '@flow', "import { cors } from '@elysiajs/cors';", '.use(cors(', "import NextCors from 'nextjs-cors';", 'await NextCors(req, res, {', "import { createExpressServer, useExpressServer } from 'routing-controllers';", 'createExpressServer({ cors: ', 'useExpressServer(app, { cors: ', "const headers = new Headers({ 'Access-Control-Allow-Origin': origin ?? '*' });", 'return new Response(null, { status: 204, headers });', "res.append('Access-Control-Allow-Origin', 'https://a.example.com');", 'app.use((req, res, next) => { ', "fastify.addHook('onSend', async (request, reply, payload) => { reply.header('Access-Control-Allow-Origin', request.headers.origin); return payload; });", "fastify.register(require('@fastify/cors'), { origin: ['https://a.example.com'] });", "maxAge: 60 * 60 * 24", "`https://${DOMAIN}/`", "const DOMAIN = \"a.example.com\";", "const PORT = 3000;", "'http://localhost:' + PORT", "ONE_DAY * 7", "1 / 0", "2 ** 10", "(1 + 2) * 3 - 4 % 5", "res.setHeader('Access-Control-Max-Age', 86400)", "app.options('*', cors())", "app.get('/x', cors(), h)", "const app = await NestFactory.create(AppModule, { cors: { origin: 'https://a.example.com', credentials: true } });", "app.enableCors({ origin: ['https://a.example.com'], credentials: true });", "await app.init();", "const cors = require('kcors');", "app.delete('/api/items/:id', (req, res) => res.sendStatus(204));", "app.get('/api/items', (c) => c.json([])); app.use('/api/*', cors({ origin: 'https://a.example.com' }));", "require('./cors-config.json')", "import corsOptions from './cors.json';", "app.use(cors({ origin: '*' })); app.use(express.json()); app.use(cors({ origin: 'https://a.example.com', credentials: true }));", "await app.register(import('@fastify/cors'), { origin: true, ...options });", "fastify.addHook('onRequest', async (request, reply) => { if (!request.headers.authorization) { reply.code(401).send({}); return reply; } });", "fastify.register(async (api) => { api.delete('/items/:id', h); api.route({ method: ['PUT', 'PATCH'], url: '/x', handler: h }); }, { prefix: '/api' });", "const cors = require('@koa/cors'); app.use(cors());", "const headers = { 'Access-Control-Allow-Origin': req.headers.origin, ...extra }; res.writeHead(200, headers);", "res.set(corsHeaders)", "res.writeHead(200, headers).end();", "res.writeHead(404, 'Not Found', { 'Access-Control-Allow-Origin': '*' });", "res.header('Access-Control-Allow-Origin', origin).status(204).send();", "import { buildConfig } from 'payload'; export default buildConfig({ cors: ['https://a.example.com', 'https://b.example.com/'].filter(Boolean), csrf: [] });", "buildConfig({ cors: { origins: '*', headers: ['x-a'] }, ...base })"],
  ts: ["import cors from 'cors';", 'app.use(cors({ origin: ', 'credentials: true', ': string', 'as any', '<T>', 'enum E {', '@Decorator()', 'NestFactory.create(', 'interface I {', '?.', '!', "createExpressServer({ cors: { origin: true, credentials: true } })", "maxAge: 60 * 60 * 24", "`https://${DOMAIN}/`", "`${`${`${a}`}`}`", "'http://localhost:' + PORT"],
  python: ['class Config(Base):\n    CORS_ORIGINS = ["https://a.example.com/"]\nCORS(app, origins=Config.CORS_ORIGINS, supports_credentials=True)\n', 'from app.api.routes import items\nfrom .routers import reports_router\napp.include_router(items.router)\napp.include_router(reports_router, prefix="/r")\n', '@app.middleware("http")\nasync def gate(request, call_next):\n    origin = request.headers.get("origin")\n    if origin not in ALLOWED:\n        return JSONResponse(status_code=403, content={})\n    return await call_next(request)\n', '@app.before_request\ndef gate():\n    if request.origin not in ALLOWED:\n        abort(403)\n', '@app.post("/items")\nasync def create(items: List[Item], body: dict = Body(...), q: str = Query(None)):\n    return items\n', 'class Item(BaseModel):\n    name: str\n', 'fn.add_function_url(cors=lambda_.FunctionUrlCorsOptions(allowed_origins=["*"], allow_credentials=True))', 'MIDDLEWARE = ["app.middleware.Cors", "corsheaders.middleware.CorsMiddleware"]', '@route_cors(allow_origin="*", allow_credentials=True)\n', '@app.delete("/items/{item_id}")\ndef delete(item_id: int):\n    return {}\n', 'class Cors:\n    def __call__(self, request):\n        response = self.get_response(request)\n        response["Access-Control-Allow-Origin"] = "*"\n        return response\n', 'from flask_cors import CORS', 'self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin"))', 'from .base import *', 'from .local import *', 'CORS_ORIGIN_WHITELIST = ("localhost:4000", "0.0.0.0:4000")', 'CORS_ALLOWED_ORIGINS += [', 'start_response("200 OK", [("Access-Control-Allow-Origin", origin)])', 'headers.append((b"access-control-allow-origin", ', 'MIDDLEWARE = ["api.middleware.Auth", "corsheaders.middleware.CorsMiddleware"]', 'if not request.META.get("HTTP_AUTHORIZATION"): return JsonResponse({}, status=401)', 'CORS(app, origins="*", supports_credentials=True)', 'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)', 'CORS_ALLOWED_ORIGINS = [', 'def f(x):', '    ', 'lambda: ', '"""', "r'^https://.*$'", 'os.environ.get("ORIGIN", "*")', 'print "x"', '@cross_origin(', '%matplotlib', 'from litestar.config.cors import CORSConfig', 'Litestar(cors_config=CORSConfig(allow_origins=["https://*.a.example.com"], allow_credentials=True))', 'from quart_cors import cors, route_cors', 'app = cors(app, allow_origin=', 'from sanic import Sanic', 'app.config.CORS_ORIGINS = "*"', 're.compile(r"https://.*")', 'if any(origin.endswith(d) for d in ALLOWED):', 're.match(r"^https://a", origin)', 'PAT.search(origin)', 'response.headers["Access-Control-Allow-Origin"] = origin', 'origin = request.headers.get("Origin", "")', '@app.middleware("http")', 'async def gate(request, call_next):', '    if "authorization" not in request.headers:', '        return JSONResponse({}, status_code=401)', 'if message["type"] == "http.response.start":', 'if message.get("type") != "http.response.start":', 'origin = Headers(scope=scope).get("origin")', 'headers = MutableHeaders(scope=message)', 'headers.append("Vary", "Origin")', 'dict(scope["headers"]).get(b"origin", b"")', 'with (', 'async with (open(a) as f, ', 'request.setHeader(b"Access-Control-Allow-Origin", b"*")', 'request.responseHeaders.addRawHeader(b"Vary", ', 'CORS_ALLOWED_CREDENTIALS = True', '        if CORS_ALLOWED_CREDENTIALS:', '    def options(self, *args):', ') as ', ' as x,', '):', 'class Settings(BaseSettings):', '    cors_allow_credentials: bool = True', '    cors_origins: list[str] = Field(default=["*"])', 'settings = get_settings()', 'allow_credentials=settings.cors_allow_credentials,', '@app.after_request', 'def after_request(response):', '    response.headers.add("Access-Control-Allow-Origin", "*")', 'CORS(app, origins=["https://a.example.com"])', "max_age=60 * 60 * 24", "ONE_DAY = 24 * 60 * 60", "10 // 0", "2 ** 1000", "import environ", "env = environ.Env(CORS_ALLOW_ALL=(bool, True))", "CORS_ALLOW_ALL_ORIGINS = env(\"CORS_ALLOW_ALL\")", "CORS_ALLOW_CREDENTIALS = env.bool(\"CORS_ALLOW_CREDENTIALS\", default=True)", "config(\"CORS_ALLOW_CREDENTIALS\", default=True, cast=bool)", "environ.Env(A=(bool, True), B=(str, \"*\"), ", "from datetime import timedelta", "max_age=timedelta(days=1, hours=-2, weeks=1e308)", "timedelta(1, 2, 3, 4, 5, 6, 7, 8)", "\n" + "# c\n".repeat(320)],
  json: ['{', '}', '[', ']', '"headers": [', '{ "key": "Access-Control-Allow-Origin", "value": "*" }', '{ "key": "Access-Control-Allow-Credentials", "value": "true" }', '"source": "/(.*)"', '"routes": [{ "src": "/(.*)", "headers": {', '"has": [', '"rewrites": [', '"destination": "https://a.example.com/$1"', '\\u0000', '1e999', '[[[[[[[[', '"Type": "AWS::Serverless::Api"', '"Cors": {', '"AllowOrigin": "\'*\'"', '"AllowCredentials": true', '"CorsConfiguration": {', '"AllowOrigins": ["*"]', '"Type": "AWS::Lambda::Url"', '"FunctionUrlConfig": { "Cors": {', '"x-amazon-apigateway-cors": {', '"openapi": "3.0.1"', '"service": "s", "provider": {', '"cors": true', '"{{resolve:ssm:x}}"', '"hosting": [{', '"glob": "**"', '"regex": "^/api/.*$"', "\"url\": { \"cors\": true }", "\"httpApi\": { \"cors\": true }"],
  toml: ['[[headers]]\n', '[headers.values]\n', 'for = "/*"\n', 'Access-Control-Allow-Origin = "*"\n', 'values = { Access-Control-Allow-Origin = "*" }\n', '[[redirects]]\n', 'status = 200\n', 'to = "https://a.example.com/:splat"\n', '"""', "'''", '= [', '[[[[[[[[', 'a.b.c = 1\n', '1979-05-27T07:32:00Z', '[http.middlewares.cors.headers]\n', 'accessControlAllowOriginList = ["https://a.example.com", "*"]\n', 'accessControlAllowOriginListRegex = [\'^https://.*\\.example\\.com$\']\n', 'accessControlAllowCredentials = true\n', 'addVaryHeader = true\n', 'accessControlMaxAge = 100\n', 'headers.accessControlAllowHeaders = ["*"]\n', '[[http.services.s.loadBalancer.servers]]\n', '{{ env "ORIGIN" }}', 'x = { a = { b = [ { c = 1 } ] } }\n'],
  headers: ['/*\n', '/api/*\n', '  Access-Control-Allow-Origin: *\n', '  Access-Control-Allow-Credentials: true\n', '  ! Access-Control-Allow-Origin\n', 'https://:project.pages.dev/*\n', '  Vary: Origin\n', '#', '  X: a:b:c\n'],
  yaml: ['---\n', '...\n', '- ', '!Split [-, !Ref A]', '[a, -]', '{k: -}', '? ', ': ', '{', '[', '&a ', '*a ', '!Ref ', '|\n', '>-\n', 'nginx.ingress.kubernetes.io/cors-allow-origin: "*"', 'kind: Ingress\n', 'accessControlAllowOriginList:', 'cors:', 'AllowOrigin: "\'*\'"', 'Type: AWS::Lambda::Url\n', 'FunctionUrlConfig:\n  Cors:\n    AllowOrigins: ["*"]\n    AllowCredentials: true\n', 'service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    url:\n      cors:\n        allowCredentials: true\n', '<<: *a', 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n', 'spec:\n  rules:\n    - filters:\n        - type: CORS\n          cors:\n            allowOrigins: ', '  hostnames:\n', 'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: SecurityPolicy\nspec:\n  cors:\n    allowOrigins: ', '- "https://*.example.com"\n', 'allowCredentials: true\n', 'apiVersion: getambassador.io/v3alpha1\nkind: Mapping\nspec:\n  cors:\n    origins: ', 'apiVersion: getambassador.io/v3alpha1\nkind: Module\nmetadata:\n  name: ambassador\nspec:\n  config:\n    cors:\n      credentials: true\n      origins: ', 'apiVersion: projectcontour.io/v1\nkind: HTTPProxy\nspec:\n  virtualhost:\n    corsPolicy:\n      allowOrigin: ', '  routes:\n    - responseHeadersPolicy:\n        set:\n          - name: Vary\n            value: Origin\n', '    fqdn: www.example.com\n', 'getambassador.io/config: |\n  ---\n  apiVersion: ambassador/v1\n  kind: Mapping\n  cors:\n    origins: "*"\n', '_format_version: "3.0"\nservices:\n  - name: api\n    url: http://api:3000\n    routes:\n      - paths: [/api]\n    plugins:\n      - name: cors\n', 'provider:\n  httpApi:\n    cors: true\nfunctions:\n  f:\n    events:\n      - http: GET /\n', "services:\n  orders:\n    build: ./orders\n    ports:\n      - \"3000:3000\"\n", "    image: kong:3.4\n", "  - url: http://orders:3000\n    plugins:\n      - name: cors\n        config:\n          origins: [\"*\"]\n          preflight_continue: true\n", "upstreams:\n  - name: up\n    targets:\n      - target: orders:3000\n", "functions:\n  f:\n    url: { cors: true }\n", "    url:\n      cors: null\n", "      - httpApi: GET /\n", "    labels:\n      - traefik.http.routers.api.rule=PathPrefix(`/api`)\n      - traefik.http.routers.api.middlewares=cors@docker\n      - traefik.http.services.api.loadbalancer.server.port=3000\n", "http:\n  routers:\n    api:\n      service: api\n      middlewares: [cors, strip]\n  services:\n    api:\n      loadBalancer:\n        servers:\n          - url: http://api:3000\n", "    command: gunicorn -b 0.0.0.0:5000 app.wsgi:application --workers 2\n", 'consumers:\n  - username: c\n    plugins:\n      - name: cors\n', 'consumer: c\n', 'apiVersion: traefik.io/v1alpha1\nkind: IngressRoute\nspec:\n  routes:\n    - match: Host(`a`) && PathPrefix(`/api`)\n      middlewares:\n        - name: cors\n      services:\n        - name: api\n          port: 3000\n', 'apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  stripPrefix:\n', 'routes:\n  - uri: /api/*\n    upstream:\n      nodes:\n        "api:3000": 1\n    plugins:\n      cors:\n', 'upstream_id: 1\n', 'service_id: 1\n', 'global_rules:\n', '{{- $a := include "x" . -}}{{- $b := .Values.port -}}\n', '{{- if .Values.cors }}{{/* on */}}\n', '{% set a = 1 %}{# c #}\n', '{% if x %}{% endif %}\n'],
};

/** Go template comments that hold other actions (Helm charts, nginx .tmpl): one action up to the star-slash and delimiter. */
for (const format of ['nginx', 'yaml'] as const) TOKENS[format].push('{{/*', '*/}}', '{{- /* {{ .Values.x }} */ -}}');

/** Python floats with a trailing dot (lezer wants a digit after it; parse.ts hands it a same-length Number). */
TOKENS.python.push('300.', '10.,', '1.e-3', '2.j', 'x1.', '1._5');
/** Python 3.14: except types without parentheses (PEP 758) and template strings (PEP 750); parse.ts hands lezer same-length forms it knows. */
TOKENS.python.push('except KeyError, ValueError:', 'except* A, B,:', 'except A, B as e:', ', \\\n', 't"{x!r:>3}"', "rt'", 'Tr"""', 'bt"x"');
/** A Flux HelmRelease's spec.values (read like a values file) and multi-line template actions inside YAML values. */
TOKENS.yaml.push('kind: HelmRelease\nspec:\n  values:\n    ingress:\n      annotations:\n        nginx.ingress.kubernetes.io/enable-cors: "true"\n', '  valuesFrom:\n', '"{{ lookup(\'env\', \'X\') |\n    default(\'y\') }}"', '{{ .Values.x |\n  quote }}');
/** next.config's headers() assigned after the object was written. */
TOKENS.js.push('nextConfig.headers = async () => [{ source: "/api/:path*", headers: [{ key: "Access-Control-Allow-Origin", value: "*" }] }];', 'nextConfig["headers"] = ');
/** Python 3.10 match patterns with empty brackets (`case P():`, `case []:`); parse.ts hands lezer `_` and blanks. */
TOKENS.python.push('match x:\n    case P() | [] | ():\n        pass', 'case ', 'case P(', 'case []:', 'case {} if x:');

/** Line continuations before a blank or comment-only line, outside and inside strings (pre-parse.ts hands lezer a space only outside). */
TOKENS.python.push('x = f(a)\\\n\n', "note = 'a\\\n# b'\n", '"""a\\\n\n"""', 'with (\\\n', '\\\r\n# c\r\n');

/** Keys with CORS only inside a longer word (an OpenAPI example's `disableCors`) and a manifest's kind: what decides whether a large YAML document is parsed (parse.ts, corsTokensMatter). */
TOKENS.yaml.push('disableCors: true\n', '"allowCORS": false\n', 'kind: HTTPRoute\n', '? disableCors\n: 1\n', '&cors a: 1\n');

/** EJS scriptlet lines of Yeoman templates (blanked) and output tags (left as written). */
for (const format of ['js', 'ts', 'python'] as const) TOKENS[format].push('\n<%_ if (https) { _%>\n', '\n  <% } -%>\n', '\n<%# note %>\n', '<%= origin %>', '<% a %> %>', '<%- JSON.stringify(hosts) -%>', '<%= a');
// Dict displays with **mappings before and after keys (override order), and helpers called under a test.
TOKENS.python.push('{**BASE, "allow_origins": ["*"], **opts}', '**', 'def _cors(h):\n    h.set_header("Access-Control-Allow-Origin", h.request.headers.get("Origin"))\n', '\nif ok:\n    _cors(self)\n');

/**
 * sweep22: a Traefik file-provider list written as one comma string (YAML and TOML), '*' inside an APISIX
 * comma list, a quoted value on the line under its key continued at the key's column, and a chain of
 * origin ifs with the flag they set.
 */
TOKENS.yaml.push('accessControlAllowOriginList: "https://a.example.com, http://b.example.com,*"\n', 'allow_origins: "https://a.example.com,*,**"\n', '  Fn::Sub:\n    "\\n#set($x = 1)\\\n  \\ = 2"\n', 'key:\n  # c\n\n    \'a\n  b\'\n');
TOKENS.toml.push('accessControlAllowOriginList = "https://a.example.com, http://b.example.com/"\n', 'accessControlAllowOriginListRegex = "^https://a\\\\.example\\\\.com$,x{1,2}"\n');
TOKENS.nginx.push('\nif ($http_origin ~* "^https://a[0-9]\\.example\\.com$") { set $cors $http_origin; }\n', '\nif ($http_origin = "https://b.example.com") { set $cors $http_origin; }\n');

/** envsubst placeholders alone on a line (read as an unresolvable include) and inside arguments. */
TOKENS.nginx.push('\n${HLSVARIANTS}\n', '\n  ${A}\n', '${EXTRA_CONFIG} # x\r\n', ' ${ORIGIN};');

/** A small seeded PRNG (mulberry32): the same seed gives the same inputs on every machine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mutate(seed: string, others: string[], format: FuzzFormat, random: () => number): string {
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)];
  const at = (text: string) => Math.floor(random() * (text.length + 1));
  let text = seed;
  const rounds = 1 + Math.floor(random() * 4);
  for (let round = 0; round < rounds; round++) {
    const kind = Math.floor(random() * 9);
    const i = at(text);
    if (kind === 0) text = text.slice(0, i) + pick(random() < 0.6 ? TOKENS[format] : COMMON) + text.slice(i);
    else if (kind === 1) text = text.slice(0, i) + text.slice(Math.min(text.length, i + 1 + Math.floor(random() * 40)));
    else if (kind === 2) {
      // Repetition: deep nesting, wide blocks, long lines.
      const piece = random() < 0.5 ? pick([...TOKENS[format], ...COMMON]) : text.slice(i, i + 1 + Math.floor(random() * 30));
      text = text.slice(0, i) + piece.repeat(1 + Math.floor(random() * (random() < 0.1 ? 3000 : 60))) + text.slice(i);
    } else if (kind === 3) {
      const other = pick(others);
      const j = Math.floor(random() * (other.length + 1));
      text = text.slice(0, i) + other.slice(j, j + Math.floor(random() * 400)) + text.slice(i);
    } else if (kind === 4) text = text.slice(0, i);
    else if (kind === 5) text = text.replace(/\n/g, pick(['\r\n', '\r', '\n', '\u2028']));
    else if (kind === 6) {
      const lines = text.split('\n');
      const a = Math.floor(random() * lines.length);
      const b = Math.floor(random() * lines.length);
      [lines[a], lines[b]] = [lines[b], lines[a]];
      text = lines.join('\n');
    } else if (kind === 7) text = text.slice(0, i) + String.fromCharCode(Math.floor(random() * 0x3000)) + text.slice(i + 1);
    else text = text.slice(0, i) + text.slice(i, i + 200) + text.slice(i);
  }
  return text;
}

export interface FuzzFinding {
  kind: 'crash' | 'internal-error' | 'time-budget' | 'span-outside-file' | 'nondeterminism' | 'invalid-sarif';
  format: FuzzFormat;
  iteration: number;
  detail: string;
  input: string;
}

export interface FuzzOptions {
  seeds: Record<FuzzFormat, string[]>;
  count: number;
  seed: number;
  /** Lint every input twice and compare (doubles the cost); checked on every n-th input. */
  determinismEvery?: number;
  timeBudgetMs?: number;
  onFinding?: (finding: FuzzFinding) => void;
  /** Called after each input with the CPU time its checks took (to track the slowest input and show progress). */
  onInput?: (iteration: number, cpuMs: number, input: string) => void;
}

export function fuzzFormat(format: FuzzFormat, options: FuzzOptions): FuzzFinding[] {
  const random = prng(options.seed);
  const seeds = options.seeds[format];
  const findings: FuzzFinding[] = [];
  const found = (finding: FuzzFinding) => {
    findings.push(finding);
    options.onFinding?.(finding);
  };
  for (let iteration = 0; iteration < options.count; iteration++) {
    const input = mutate(seeds[Math.floor(random() * seeds.length)], seeds, format, random);
    const file: SourceFile = { path: `fuzz/${fileNameOf(format, iteration) ?? `input${EXTENSIONS[format]}`}`, text: input };
    const started = options.onInput ? process.cpuUsage() : undefined;
    let diagnostics: Diagnostic[];
    try {
      const result = lint([file], { timeBudgetMs: options.timeBudgetMs ?? 5000 });
      diagnostics = result.diagnostics;
      for (const skip of result.skipped) if (/time budget/.test(skip.reason)) found({ kind: 'time-budget', format, iteration, detail: skip.reason, input });
    } catch (error) {
      found({ kind: 'crash', format, iteration, detail: String((error as Error).stack ?? error).slice(0, 500), input });
      continue;
    }
    const lines = lineLengthsOf(input);
    for (const d of diagnostics) {
      if (d.ruleId === 'internal-error') found({ kind: 'internal-error', format, iteration, detail: d.message, input });
      else if (d.file === file.path && !insideFile({ file: d.file, line: d.line, column: d.column, endLine: d.endLine, endColumn: d.endColumn }, lines)) {
        found({ kind: 'span-outside-file', format, iteration, detail: `${d.ruleId} ${d.line}:${d.column}-${d.endLine}:${d.endColumn}`, input });
      }
    }
    // With no diagnostics the SARIF log is the same every time (the rule descriptors): checked on the first input only.
    if (diagnostics.length > 0 || iteration === 0) {
      try {
        const sarif = JSON.parse(formatSarif(diagnostics, '0.0.0')) as { version: string; runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { region: { startLine: number; startColumn: number } } }> }> }> };
        const ok = sarif.version === '2.1.0' && sarif.runs[0].results.every((r) => typeof r.ruleId === 'string' && r.locations[0].physicalLocation.region.startLine >= 1 && r.locations[0].physicalLocation.region.startColumn >= 1);
        if (!ok) found({ kind: 'invalid-sarif', format, iteration, detail: 'SARIF result without a valid region', input });
      } catch (error) {
        found({ kind: 'invalid-sarif', format, iteration, detail: String(error).slice(0, 200), input });
      }
    }
    if (options.determinismEvery && iteration % options.determinismEvery === 0) {
      const second = lint([file], { timeBudgetMs: options.timeBudgetMs ?? 5000 });
      const budgetHit = second.skipped.find((skip) => /time budget/.test(skip.reason));
      // An input near the budget may finish once and not twice: that is a time-budget finding (a slow input), not nondeterminism.
      if (budgetHit) found({ kind: 'time-budget', format, iteration, detail: `${budgetHit.reason} (second lint)`, input });
      else if (JSON.stringify(second.diagnostics) !== JSON.stringify(diagnostics)) found({ kind: 'nondeterminism', format, iteration, detail: 'a second lint of the same input differs', input });
    }
    if (started) {
      const used = process.cpuUsage(started);
      options.onInput!(iteration, (used.user + used.system) / 1000, input);
    }
  }
  return findings;
}
// Envoy bootstrap routes → clusters (topology/envoy-links.ts) and Kong array settings written as one string.
TOKENS.yaml.push(
  'static_resources:\n  listeners:\n    - filter_chains:\n        - filters:\n            - typed_config:\n                route_config:\n                  virtual_hosts:\n                    - routes:\n                        - match: { prefix: "/api" }\n                          route: { cluster: api }\n                      cors:\n                        allow_origin_string_match:\n                          - exact: https://a.example.com\n                http_filters:\n                  - name: envoy.filters.http.cors\n',
  '  clusters:\n    - name: api\n      load_assignment:\n        endpoints:\n          - lb_endpoints:\n              - endpoint:\n                  address:\n                    socket_address: { address: api, port_value: 3000 }\n',
  'weighted_clusters:\n  clusters:\n    - name: api\n',
  'typed_per_filter_config:\n  envoy.filters.http.cors:\n    "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy\n',
  '        config:\n          origins: "https://a.example.com, https://b.example.com"\n          methods: "GET"\n',
);
// Envoy route policies merged with the virtual host's (envoyCorsChain), redirects, and a filter chain without the CORS filter.
TOKENS.yaml.push(
  '                          route:\n                            cluster: api\n                            cors:\n                              allow_methods: GET\n                              allow_credentials: true\n',
  '                        - match: { prefix: "/old" }\n                          redirect: { path_redirect: "/new" }\n',
  '                http_filters:\n                  - name: envoy.filters.http.router\n',
  '                  - name: envoy.filters.http.cors\n                    disabled: true\n',
  '  max_age: ""\n  forward_not_matching_preflights: false\n',
);
// An http-level CORS add_header and a server with add_header lines of its own (nginx-add-header-inheritance's server case).
TOKENS.nginx.push('http {\n    add_header Access-Control-Allow-Origin https://a.example.com always;\n    server {\n        add_header X-Frame-Options DENY;\n        location / { proxy_pass http://b; }\n', '    server {\n        location /x {\n            location /x/y { return 200; }\n        }\n    }\n');
