import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import type { Diagnostic } from '../src/index.js';
import { parseYamlDocument } from '../src/extract/yaml/parse.js';
import { composeServices } from '../src/topology/compose.js';
import { kubernetesFacts } from '../src/topology/kubernetes.js';
import { reached, reaches, reachIndex } from '../src/topology/link.js';
import type { CorsPolicy } from '../src/model/types.js';
import { linearStrings, linearStringsActive, withDocument } from '../src/extract/python/linear-strings.js';
import { loadLibrary } from '../src/util/load-library.js';
import { fixtureUnits } from './helpers/fixtures.js';

const pythonLibrary = loadLibrary('@lezer/python');

/**
 * Inputs that crashed, hung or took super-linear time (issue 10). Each must lint without an
 * internal-error, with at most one parse-error per file, within a time bound.
 */
// A generous time budget: these tests check results, and the test machine may be loaded.
const lintOne = (path: string, text: string) => lint([{ path, text }], { timeBudgetMs: 120_000 });
const ids = (diagnostics: Diagnostic[]) => diagnostics.map((d) => `${d.line} ${d.ruleId}`);
const internal = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.ruleId === 'internal-error');
const parseErrors = (diagnostics: Diagnostic[]) => diagnostics.filter((d) => d.ruleId === 'parse-error');

/** CPU time, not wall time: the test machine may be shared. */
function timed<T>(work: () => T): { result: T; ms: number } {
  const start = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(start);
  return { result, ms: (used.user + used.system) / 1000 };
}

/**
 * Four times the input costs less than eight times the CPU (linear is 4x, quadratic 16x). Each size
 * counts its cheapest of a few runs: on a shared runner one run can be slowed by others (a garbage
 * collection or a stolen core) by more than the margin, while a quadratic cost is in every run.
 */
function expectLinear(path: string, make: (n: number) => string, n: number): void {
  lintOne(path, make(n));
  const cheapest = (size: number, runs: number) => Math.min(...Array.from({ length: runs }, () => timed(() => lintOne(path, make(size))).ms));
  const small = cheapest(n, 3);
  const large = cheapest(4 * n, 2);
  expect(large, `${n} → ${4 * n}: ${Math.round(small)} ms → ${Math.round(large)} ms`).toBeLessThan(8 * small + 300);
}

describe('crash classes from the issue', () => {
  it('YAML: a null node in a second document, flow keys, explicit keys', () => {
    expect(internal(lintOne('a.yaml', 'x: 1\n---\ncors: {a}\n').diagnostics)).toEqual([]);
    const ingress = 'apiVersion: v1\nkind: ConfigMap\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  labels: {tier}\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-origin: "*"\n';
    expect(ids(lintOne('ingress.yaml', ingress).diagnostics)).toContain('11 credentials-wildcard-origin');
    const traefik = 'http:\n  routers: {}\n---\nhttp:\n  middlewares:\n    api-cors:\n      headers:\n        accessControlAllowOriginList:\n          - "https://a.example.net"\n          - "https://b.example.net"\n        ? addVaryHeader\n';
    expect(ids(lintOne('traefik.yaml', traefik).diagnostics)).toContain('8 missing-vary-origin');
  });

  it('YAML nesting past the limit is one parse-error, not a stack overflow or a V8 abort', () => {
    const inputs = [
      `cors:\n${'? '.repeat(2000)}\n`,
      `cors: ${'['.repeat(50_000)}\n`,
      `cors: ${'{a: '.repeat(50_000)}\n`,
      `cors:\n${'- '.repeat(50_000)}x\n`,
      `cors:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')}\n`,
    ];
    for (let round = 0; round < 3; round++) {
      for (const text of inputs) {
        const { diagnostics } = lintOne('deep.yaml', text);
        expect(internal(diagnostics)).toEqual([]);
        expect(parseErrors(diagnostics)).toHaveLength(1);
        expect(parseErrors(diagnostics)[0].message).toMatch(/nested deeper than/);
      }
    }
  });

  it('TOML nesting past the limit (Traefik dynamic config, netlify.toml) is one parse-error at the bracket that passes it, not a silent skip (fuzz4)', () => {
    const traefik = `[http.middlewares.cors.headers]\naccessControlAllowOriginList = ["*"]\nx = ${'['.repeat(65)}${']'.repeat(65)}\n`;
    const netlify = `[[headers]]\nfor = "/*"\n[headers.values]\nAccess-Control-Allow-Origin = "*"\nx = ${'['.repeat(65)}${']'.repeat(65)}\n`;
    for (const [path, text, line] of [['dynamic.toml', traefik, 3], ['netlify.toml', netlify, 5]] as const) {
      const { diagnostics } = lintOne(path, text);
      expect(internal(diagnostics)).toEqual([]);
      expect(parseErrors(diagnostics).map((d) => [d.line, d.column, d.message])).toEqual([[line, 69, 'TOML nested deeper than 64 levels; this file is not analysed']]);
    }
    // 64 levels are still read.
    expect(parseErrors(lintOne('netlify.toml', netlify.replace('['.repeat(65), '['.repeat(64)).replace(']'.repeat(65), ']'.repeat(64))).diagnostics)).toEqual([]);
  });

  it('YAML: compact mappings on one line (`a: b: c: …`, found by the fuzzer) are bounded too', () => {
    const { diagnostics } = lintOne('m.yaml', `kind: Middleware\nmetadata:\n  name: ${'corsame: '.repeat(3000)}\n`);
    expect(internal(diagnostics)).toEqual([]);
    expect(parseErrors(diagnostics)).toHaveLength(1);
  });

  it('YAML: `key: value:` lines at one indent nest without indentation, and one less-indented line unwinds them all (fuzzer, yaml seed 304)', () => {
    // Each line opens a mapping inside the previous one in the library's parser, which unwinds its stack by
    // recursion: 2,600 such lines and a line at a smaller indent overflowed the stack (an internal-error).
    const sam = (n: number) =>
      `Transform: AWS::Serverles[s-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n${'      StageName: Prerties:\n'.repeat(n)}      StageName: Prod\n though its lines are not indented past Cors.\n      Cors: {\n      AllowOrigin: "'https://shop.example.net/'",\n      AllowMethods: "'GET,POST'"\n      }\n`;
    for (const n of [3_000, 20_000]) {
      const { diagnostics } = lintOne('template.yaml', sam(n));
      expect(internal(diagnostics)).toEqual([]);
      expect(parseErrors(diagnostics)).toHaveLength(1);
      expect(parseErrors(diagnostics)[0].message).toMatch(/nested deeper than/);
    }
    // A few such lines are an ordinary parse error, and the document is still read.
    const few = lintOne('template.yaml', sam(5)).diagnostics;
    expect(internal(few)).toEqual([]);
    expect(parseErrors(few)[0].message).not.toMatch(/nested deeper than/);
  });

  it('YAML: the topology readers (Kubernetes manifests, Compose files) parse with the same bound', () => {
    const nested = `${'  name: cors: \n'.repeat(5_000)} x: 1\n`;
    const ingress = `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n${nested}`;
    expect(kubernetesFacts(new Map([['k8s/ingress.yaml', ingress]]), new Set(['k8s/ingress.yaml']))).toBeUndefined();
    const compose = `services:\n  api:\n    build: ./api\n${nested}`;
    expect(composeServices(new Map([['docker-compose.yml', compose]]))).toEqual([]);
    expect(parseYamlDocument(nested, {})).toHaveProperty('deepAt');
    expect(parseYamlDocument('a:\n  b: [1, {c: d}]\n', {})).toHaveProperty('doc');
  });

  it('YAML: real nesting (an OpenAPI schema 40 levels deep) is still read', () => {
    const deep = `cors:\n${Array.from({ length: 40 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')} [a, "[[[[", '{{{{']\n`;
    expect(parseErrors(lintOne('ok.yaml', deep).diagnostics)).toEqual([]);
  });

  it('YAML: many keys in one mapping (the library checks unique keys pairwise) lint in linear time; a duplicate is still found', () => {
    const wide = (n: number) => `cors:\n${Array.from({ length: n }, (_, i) => `  k${i}: v`).join('\n')}\n  k7: again\n`;
    const { diagnostics } = lintOne('wide.yaml', wide(5000));
    expect(ids(diagnostics)).toEqual(['5002 parse-error']);
    expect(diagnostics[0].message).toMatch(/unique/);
    expectLinear('wide.yaml', wide, 2500);
  });

  it('JS: an argument hole `f(, {…})` is one parse-error, not a crash', () => {
    const text = "const { NestFactory } = require('@nestjs/core');\nasync function b() {\n  const app = await NestFactory.create(, { cors: true });\n}\n";
    const { diagnostics } = lintOne('main.js', text);
    expect(internal(diagnostics)).toEqual([]);
    expect(ids(parseErrors(diagnostics))).toEqual(['3 parse-error']);
  });

  it('JS: a finding on a hand-set handler\'s first line in a CRLF file ends before the \\r (fuzzer, ts seed 55005 #422: a span past the line)', () => {
    const text = [
      "import { NextRequest, NextResponse } from 'next/server';",
      "",
      "const allowedOrigins = ['https://app.example.com', 'https://admin.example.org'];",
      "",
      "const sharedHeaders = {",
      "  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',",
      "  'Access-Control-Allow-Headers': 'Content-Type, Authorization',",
      "  Vary: 'Origin',",
      "};",
      "",
      "export function middleware(request: NextRequest) {",
      "  const origin = request.headers.get('origin') ?? '';",
      "  const isAllowedOrigin = allowedOrigins.includes(origin);",
      "  const isPreflight = request.method === 'OPTIONS';",
      "",
      "  if (isPreflight) {",
      "    const preflightHeaders = { ...(isAllowedOrigin && { 'Access-Control-Allow-Origin': origin }), ...sharedHeaders };173', 'https://example.com:8443'] }));\n",
      "    return NextResponse.json({}, { headers: preflightHeaders });",
      "  }",
      "",
      "  const response = NextResponse.next();",
      "  if (isAllowedOrigin) {",
      "    response.headers.set('Access-Control-Allow-Origin', origin);",
      "  }",
      "  Object.entries(sharedHeaders).forEach(([key, value]) => {",
      "    response.headers.set(key, value);",
      "  });",
      "  return response;",
      "}",
      "",
      "export const config = { matcher: '/api/:path*' };",
      "",
    ].join('\r\n');
    const { diagnostics } = lintOne('middleware.ts', text);
    expect(internal(diagnostics)).toEqual([]);
    const lengths = text.split(/\r\n|\r|\n/).map((line) => line.length);
    for (const d of diagnostics) expect(d.endColumn, `${d.ruleId} ${d.line}:${d.column}`).toBeLessThanOrEqual(lengths[d.endLine - 1] + 1);
  });

  it('JS: deeply nested labels, arrays and calls (many lines, so not taken for minified code)', () => {
    const cors = "const cors = require('cors');\n";
    for (const text of [cors + 'a:\n'.repeat(20_000) + ';\n', `${cors}x = ${'[\n'.repeat(20_000)}`, `${cors}x = ${'f(\n'.repeat(20_000)}`]) {
      const { diagnostics } = lintOne('deep.js', text);
      expect(internal(diagnostics)).toEqual([]);
      expect(parseErrors(diagnostics).length).toBeLessThanOrEqual(1);
    }
  });

  it('nginx: 130,000 directives in one block and a 10^6-line block do not overflow the stack', () => {
    const wide = `server {\nadd_header Access-Control-Allow-Origin *;\n${'set $a b;\n'.repeat(130_000)}}\n`;
    expect(internal(lintOne('wide.conf', wide).diagnostics)).toEqual([]);
    const long = lintOne('long.conf', `location / {\n${'x y;\n'.repeat(150_000)}add_header Access-Control-Allow-Origin *;\n}\n`);
    expect(internal(long.diagnostics)).toEqual([]);
    expect(ids(long.diagnostics)).toContain('150002 nginx-missing-always');
    expectLinear('long.conf', (n) => `location / {\n${'x y;\n'.repeat(n)}add_header Access-Control-Allow-Origin *;\n}\n`, 20_000);
  }, 120_000);

  it('nginx: N stray `{` give one parse-error with a count, in linear time', () => {
    const braces = (n: number) => `add_header Access-Control-Allow-Origin *;\n${'{\n'.repeat(n)}`;
    const large = lintOne('a.conf', braces(100_000));
    expect(parseErrors(large.diagnostics)).toHaveLength(1);
    expect(parseErrors(large.diagnostics)[0].message).toMatch(/and \d+ more parse errors/);
    expectLinear('a.conf', braces, 10_000);
  });

  it('nginx: a syntax error is reported where CORS is in the file or across its includes, and left out where none is', () => {
    const site = (include: string) => `server {\n    include ${include};\n    set $proto <http or https>;\n}\n`;
    const errorsIn = (files: Array<{ path: string; text: string }>) => lint(files).diagnostics.filter((d) => d.ruleId === 'parse-error').map((d) => `${d.file}:${d.line}`);
    const cors = { path: 'snippets/headers.conf', text: 'add_header Access-Control-Allow-Origin https://app.example.com always;\n' };
    const plain = { path: 'snippets/headers.conf', text: 'add_header X-Frame-Options DENY always;\n' };
    expect(errorsIn([{ path: 'site.conf', text: site('snippets/headers.conf') }, cors])).toEqual(['site.conf:3']);
    expect(errorsIn([{ path: 'site.conf', text: site('snippets/headers.conf') }, plain])).toEqual([]);
    // An include nobody can read whose name says CORS keeps the error; one that names something else does not.
    expect(errorsIn([{ path: 'site.conf', text: site('/etc/nginx/snippets/cors.conf') }])).toEqual(['site.conf:3']);
    expect(errorsIn([{ path: 'site.conf', text: site('/etc/nginx/proxy.conf') }])).toEqual([]);
    // A broken snippet with no CORS word, included by a file that sends CORS headers, is reported.
    const server = { path: 'site.conf', text: 'server {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    include snippets/proxy.conf;\n}\n' };
    expect(errorsIn([server, { path: 'snippets/proxy.conf', text: 'proxy_pass http://app\nproxy_set_header Host $host;\n' }])).toEqual(['snippets/proxy.conf:1']);
  });

  it('nginx: an unterminated directive followed by 32k lines, and unclosed template braces', () => {
    const unterminated = `location / {\nadd_header Access-Control-Allow-Origin *\n${'x y\n'.repeat(32_000)}}\n`;
    expect(parseErrors(lintOne('u.conf', unterminated).diagnostics)).toHaveLength(1);
    expectLinear('t.conf', (n) => `add_header Access-Control-Allow-Origin *;\n${'{{ {% {# <% '.repeat(n)}\n`, 10_000);
    expectLinear('t.yaml', (n) => `cors:\n  a: ${'{{ '.repeat(n)}\n  b: ${'{{ x }} '.repeat(n)}\n`, 10_000);
  });

  it('nginx: server blocks with server_name (a line lookup per name, a tree walk per location) and map allowlists (a search per lookup) are linear', () => {
    const servers = (n: number) => Array.from({ length: n }, (_, i) => `server {\n  server_name s${i}.example.com;\n  location / {\n    add_header Access-Control-Allow-Origin https://s${i}.example.com;\n  }\n}\n`).join('');
    expect(internal(lintOne('servers.conf', servers(500)).diagnostics)).toEqual([]);
    expectLinear('servers.conf', servers, 250);
    const map = (n: number) => `map $http_origin $cors {\n${Array.from({ length: n }, (_, i) => `  "https://a${i}.example.com" $http_origin;`).join('\n')}\n}\nserver { location / { add_header Access-Control-Allow-Origin $cors always; add_header Vary Origin always; } }\n`;
    expectLinear('map.conf', map, 500);
  }, 120_000);

  it('origin-typo: an origin whose host label is thousands of letters long (fuzzer, nginx seed 5001: 42 KB, never finished) is linear', () => {
    // The near-miss index stores each label once per letter with that letter deleted: quadratic in the
    // label's length. Labels longer than DNS allows (63) are no hosts and are left out.
    const map = (n: number) => `map $http_origin $cors {\n    default "";\n    "https://app.exa${'cors-lint-disable-next-line'.repeat(n)}mple.com" $http_origin;\n    "https://app.example.com" $http_origin;\n}\nserver { location / { add_header Access-Control-Allow-Origin $cors always; add_header Vary Origin always; } }\n`;
    expectLinear('typo.conf', map, 150);
    expect(internal(lintOne('typo.conf', map(1_500)).diagnostics)).toEqual([]);
    // Real labels are still compared: a one-letter slip next to the known host is reported.
    const typo = map(0).replace('app.example.com', 'app.exmaple.com');
    expect(lintOne('typo.conf', typo).diagnostics.some((d) => d.ruleId === 'origin-typo')).toBe(true);
  });

  it('JS: a file with a syntax error and a long blank run in its leading comment is linear (Flow pragma regex; 40,000 blank lines took 25 s)', () => {
    const file = (n: number) => `/*${' \n'.repeat(n)}*/\nconst cors = require('cors');\napp.use(cors({ origin: '*', credentials: true }));\nlet x = ;\n`;
    expectLinear('blank.js', file, 5_000);
    // A Flow file with an ordinary header is still retried as Flow and read (no parse-error).
    const flow = "// @flow\nconst cors = require('cors');\nconst allowed: Array<string> = ['https://app.example.com'];\napp.use(cors({ origin: '*', credentials: true }));\n";
    expect(ids(lintOne('flow.js', flow).diagnostics)).toContain('4 credentials-wildcard-origin');
  });

  it("TS: a TypeError inside Babel's error recovery (`async (a,, b) => 1`, fuzz ts seed 9029 #2521) is one parse-error at the first syntax error", () => {
    const diagnostics = lintOne('app.ts', "import cors from 'cors';\nconst f = async (a,, b) => 1;\n").diagnostics;
    expect(internal(diagnostics)).toEqual([]);
    expect(ids(diagnostics)).toEqual(['2 parse-error']);
  });

  it("TS: unclosed generic calls nested 30 deep (`g.get<string>('A', g.get<string>('A', …`; fuzz ts seed 86404 #373, hours of CPU) are one parse-error in bounded time", () => {
    // Babel's speculative TypeScript parses make 2^n errors on this; the parse without recovery that looks for
    // the first error counted none of them and ran unbounded.
    const nested = (n: number) => `const app = x;\napp.enableCors({\n  origin: config.get<string>('CORS_ORIGIN',${"g.get<string>('CORS_ORIGIN',".repeat(n)}\n});\n`;
    const { result, ms } = timed(() => lintOne('main.ts', nested(30)));
    expect(internal(result.diagnostics)).toEqual([]);
    expect(ids(result.diagnostics)).toEqual(['1 parse-error']);
    expect(ms).toBeLessThan(10_000);
  });

  it('TS: a non-null assertion on the method of an origin test (`allowed.includes!(origin)`, `re.test!(origin)`; fuzz ts seed 32002 #2989) is read through, not a TypeError', () => {
    const ts = "const allowed = ['https://app.example.com'];\nexport function cors(req: any, res: any, next: any) {\n  const origin = req.headers.origin;\n  if (allowed.includes!(origin)) res.setHeader('Access-Control-Allow-Origin', origin);\n  if (/^https:\\/\\/.*\\.example\\.com/.test!(origin)) res.setHeader('Access-Control-Allow-Credentials', 'true');\n  next();\n}\n";
    const diagnostics = lintOne('cors.ts', ts).diagnostics;
    expect(internal(diagnostics)).toEqual([]);
    expect(ids(diagnostics)).toEqual(['4 missing-vary-origin']);
  });

  it('Python: notebook magics in a file with lone-CR line breaks are blanked line by line (fuzz python seed 9031 #69: a span outside the file)', () => {
    const py = '# In[1]:\r!pip install flask-cors\r%matplotlib inline\rfrom fastapi.middleware.cors import CORSMiddleware\rapp = FastAPI()\rapp.add_middleware(CORSMiddleware, allow_origins=["https://*.example.com"])\r';
    const diagnostics = lintOne('notebook.py', py).diagnostics;
    expect(internal(diagnostics)).toEqual([]);
    expect(ids(diagnostics)).toContain('6 origin-wildcard-literal');
  });

  it('Python: star-import and import cycles away from the linted file end (fuzz3 hostile inputs: stack overflow), and repeated star imports are linear', () => {
    const lintMany = (files: Record<string, string>) => lint(Object.entries(files).map(([path, text]) => ({ path, text })), { timeBudgetMs: 120_000 });
    // settings/top.py → b → c → b: the hop count restarted at b (its bindings were cached at one hop), so the walk never ended.
    const settings = { 'settings/__init__.py': '', 'settings/top.py': 'from .b import *\nCORS_ALLOW_ALL_ORIGINS = True\nMIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\n', 'settings/b.py': 'from .c import *\nX = 1\n', 'settings/c.py': 'from .b import *\nY = 1\n' };
    expect(internal(lintMany(settings).diagnostics)).toEqual([]);
    const named = { 'app/__init__.py': '', 'app/top.py': 'from flask import Flask\nfrom flask_cors import CORS\nfrom .b import ORIGINS\napp = Flask(__name__)\nCORS(app, origins=ORIGINS, supports_credentials=True)\n', 'app/b.py': 'from .c import ORIGINS\n', 'app/c.py': 'from .b import ORIGINS\n' };
    expect(internal(lintMany(named).diagnostics)).toEqual([]);
    // A module star-imported n times, which star-imports another n times: n² reads of the last module (1,000 lines: 18 s).
    const fan = (n: number) => ({ 'settings/__init__.py': '', 'settings/prod.py': `${'from .mid import *\n'.repeat(n)}CORS_ALLOW_CREDENTIALS = True\nCORS_ALLOWED_ORIGINS += ["http://a.example.com"]\n`, 'settings/mid.py': `${'from .leaf import *\n'.repeat(n)}X = 1\n`, 'settings/leaf.py': 'Y = 1\n' });
    lintMany(fan(250));
    const small = timed(() => lintMany(fan(250))).ms;
    const large = timed(() => lintMany(fan(1000))).ms;
    console.log(`TOPO ${small} ${large}`);
    expect(large, `250 → 1000: ${Math.round(small)} ms → ${Math.round(large)} ms`).toBeLessThan(8 * small + 300);
  }, 120_000);

  it('YAML: many embedded gateway configs (getambassador.io/config blocks) in one file are linear (fuzz3, yaml seed 83502 #317: 113 KB past the 5 s budget)', () => {
    const block = 'getambassador.io/config: |\n  ---\n  apiVersion: ambassador/v1\n  kind: Mapping\n  cors:\n    origins: "*"\n';
    const annotations = (n: number) => `apiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n${block.repeat(n).replace(/^/gm, '    ')}`;
    const result = lintOne('service.yaml', annotations(20));
    expect(internal(result.diagnostics)).toEqual([]);
    expect(ids(result.diagnostics)).toContain('10 reflect-any-origin');
    expectLinear('service.yaml', annotations, 100);
  }, 120_000);

  it('Python: a name whose `if os.getenv(NAME)` test reads the name itself (fuzzer, python seed 6001: stack overflow)', () => {
    const py = 'import os\nfrom flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nNAME = "CORS_ORIGINS"\nif os.getenv(NAME):\n    NAME = "ORIGINS"\nCORS(app, origins=NAME, supports_credentials=True)\n';
    expect(internal(lintOne('app.py', py).diagnostics)).toEqual([]);
  });

  it('Python: a class or function header that lost its name to a template marker (`class{{ x }} Dev(Config):`; fuzz python seed 85900 #508: TypeError) is read past', () => {
    const settings = 'from flask import Flask\nfrom flask_cors import CORS\nclass Config:\n    CORS_ORIGINS = "*"\nclass{{ .Values.x }} Dev(Config):\n    CORS_SUPPORTS_CREDENTIALS = True\ndef{{ x }} get_settings():\n    return Dev()\napp = Flask(__name__)\napp.config.from_object(Dev)\nCORS(app)\n';
    expect(internal(lintOne('app.py', settings).diagnostics)).toEqual([]);
    const fastapi = 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\nfrom pydantic_settings import BaseSettings\nclass{{ x }} Settings(BaseSettings):\n    origins: list = ["*"]\ndef{{ x }} get_settings():\n    return Settings()\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=get_settings().origins, allow_credentials=True)\n';
    expect(internal(lintOne('main.py', fastapi).diagnostics)).toEqual([]);
  });

  it('JS: constants built from k references to the previous one (`${A}${A}…`, `A + A + …`, `[A, A, …]`) are evaluated once each (fuzz5: k=32 templates ran for minutes, arrays took 3.6 GB)', () => {
    // Each name was evaluated afresh at every reference: k^levels evaluations up to the depth bound.
    const file = (k: number, part: (name: string) => string) => {
      const lines = ["const cors = require('cors');", "const app = require('express')();", "const C0 = 'https://a.example.com';"];
      for (let i = 1; i < 8; i++) lines.push(`const C${i} = ${part(`C${i - 1}`).repeat(k)};`);
      return `${[...lines, 'app.use(cors({ origin: C7 }));'].join('\n')}\n`;
    };
    const template = (k: number) => file(k, (name) => `\${${name}}`).replace(/= (\$\{[^;]*);/g, '= `$1`;');
    const array = (k: number) => file(k, (name) => `${name}, `).replace(/= ([^;]*), ;/g, '= [$1];');
    for (const make of [template, array]) {
      expectLinear('server.js', make, 3);
      const { result, ms } = timed(() => lintOne('server.js', make(32)));
      expect(internal(result.diagnostics)).toEqual([]);
      expect(ms).toBeLessThan(20_000);
    }
    // Still evaluated where small: a trailing slash written through a template of a template.
    const slash = "const cors = require('cors');\nconst app = require('express')();\nconst HOST = 'a.example.com';\nconst BASE = `https://${HOST}`;\nconst ORIGIN = `${BASE}/`;\napp.use(cors({ origin: [ORIGIN, ORIGIN] }));\n";
    expect(ids(lintOne('server.js', slash).diagnostics)).toContain('5 origin-not-serialized');
  });

  it('Python: lists built from k references to the previous one (`B = [A, A, …]`) are evaluated and searched once each (fuzz5: k=32 took >100 s and 3.9 GB)', () => {
    // Each name was evaluated afresh at every reference, and hasFallback walked the shared lists as a tree: k^levels.
    const lists = (k: number) => {
      const lines = ['from flask import Flask', 'from flask_cors import CORS', 'app = Flask(__name__)', "C0 = 'https://a.example.com'"];
      for (let i = 1; i < 7; i++) lines.push(`C${i} = [${Array(k).fill(`C${i - 1}`).join(', ')}]`);
      return `${[...lines, 'CORS(app, origins=C6, max_age=C6)'].join('\n')}\n`;
    };
    expectLinear('app.py', lists, 3);
    const { result, ms } = timed(() => lintOne('app.py', lists(32)));
    expect(internal(result.diagnostics)).toEqual([]);
    expect(ms).toBeLessThan(20_000);
  });

  it('JS: a chain of repeated `if (!origin)` tests in an origin callback (fuzzer, js seed 6004) is linear', () => {
    // Conditions share subtrees; walking them as trees doubled the work per `if` (18 links: seconds; 33 never
    // finished; 1,000 overflowed the stack).
    const chain = (n: number) => `const cors = require('cors');\napp.use(cors({\n  origin(origin, callback) {\n${'    if (!origin) re'.repeat(n)}    if (!origin) return callback(null, true);\n    callback(null, ['https://a.example.org'].some((entry) => entry === origin));\n  },\n}));\n`;
    for (const n of [18, 200, 1000]) {
      const { result, ms } = timed(() => lintOne('server.js', chain(n)));
      expect(result.skipped).toEqual([]);
      expect(internal(result.diagnostics)).toEqual([]);
      expect(ms, `${n} links`).toBeLessThan(5_000);
    }
    expectLinear('server.js', chain, 50);
  });

  it('JS: a chain of nested branches in an origin callback shares its reach (2^n as a tree) and stays linear', () => {
    // Each link leaves `(A ∧ H) ∨ ¬A` over the previous reach, so the reach appears twice per link: 20 links took 16 s
    // CPU before each node was visited once; past the nesting bound the callback is undecided, not a stack overflow.
    const link = "    if (origin.endsWith('.example.org')) { if (!origin) callback(null, true); }\n";
    const chain = (n: number) => `const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({\n  credentials: true,\n  origin(origin, callback) {\n${link.repeat(n)}    callback(null, origin.endsWith('example.com'));\n  },\n}));\n`;
    for (const n of [20, 40, 200, 2000]) {
      const { result, ms } = timed(() => lintOne('server.js', chain(n)));
      expect(internal(result.diagnostics)).toEqual([]);
      expect(ms, `${n} links`).toBeLessThan(5_000);
    }
    expectLinear('server.js', chain, 50);
  });

  it('Python: an environment read whose variable name is itself read from the environment (fuzzer, python seed 7002 #3705: stack overflow)', () => {
    // evaluate -> decideWhenUnset -> valueWhenUnset -> envRead -> evaluate, each lap at depth 0.
    const py = "import os\n\nfrom fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\na######################################################pp = FastAPI()\nconfigured = os.getenv(\"CORS_ORIeware, allow_origins=[\"*\"])\nGINS\")\nif configured:\n    origins = configured.split(\",\")\nelse:\n    # The branch taken when CORS_ORIGINS is unset⏒ Starlette reflects \'*\' with credred = os.getenv(\"CORS_ORIeware, allow_origins=[\"*\"])\nGINS\")\nif configured:\n    origins = configured.split(\",\")\nelse:\n    # The branch taken when CORS_ORIGINS is unset: Starlette reflects \'*\' with credentials.\n    # cors-lint-expect: credentials-reflect-any-origin@16\n    origins = [\"*\"]\n\napp.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=True)\n";
    expect(internal(lintOne('app.py', py).diagnostics)).toEqual([]);
  });

  it('JS: thousands of `app.use(cors())` among tens of thousands of calls (fuzzer, js seed 9002 #3190) are linear', () => {
    // Each cors() site looked at every call of the file for routes registered before it, walking up from each to its
    // function: 40,000 calls with 2,000 sites took 26 s CPU, 3.7 s after.
    const app = (n: number) => {
      let text = "const express = require('express');\nconst cors = require('cors');\nconst app = express();\n";
      for (let i = 0; i < n; i++) text += `app.set('k', ${i});\n${i % 20 === 0 ? 'app.use(cors());\n' : ''}`;
      return text;
    };
    expectLinear('server.js', app, 10_000);
  }, 300_000);

  it('Python: a line of thousands of unbalanced quotes (fuzzer, python seed 6003 #510) is linear', () => {
    // lezer re-read the rest of the line in every "inside a string" state its error recovery tried: 19 KB took 1.5 s,
    // 48 KB 14 s. The repro's shape, `"print "x"` repeated inside a list of middleware:
    const settings = (n: number) => `MIDDLEWARE = [\n    "${'print "x"'.repeat(n)}django.middleware.security.SecurityMiddleware",\n    "corsheaders.middleware.CorsMiddleware",\n]\nCORS_ALLOWED_ORIGINS = ["https://app.example.com"]\n`;
    const { diagnostics } = lintOne('settings.py', settings(2125));
    expect(internal(diagnostics)).toEqual([]);
    expect(parseErrors(diagnostics)).toHaveLength(1);
    expect(linearStringsActive()).toBe(true);
    expectLinear('settings.py', settings, 2000);
  }, 120_000);

  it("Python: lezer's guard against deep left-associative trees still acts on a 40,000-term sum, and no longer on comment lines", () => {
    // The guard force-reduces after 300 same-start reductions of 2,000+ characters; grammar-only terms (one per
    // module-level comment line) were counted too. The sum is still cut (a parse-error, no crash, no deep tree);
    // 320 comment lines after 2,000 characters of code are not.
    const sum = `MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nx = (a${' +\n    a'.repeat(40_000)})\nCORS_ALLOWED_ORIGINS = ["https://app.example.com/"]\n`;
    const summed = lintOne('settings.py', sum).diagnostics;
    expect(internal(summed)).toEqual([]);
    expect(parseErrors(summed)).toHaveLength(1);
    expect(ids(summed)).toContain('40003 origin-not-serialized');
    const comments = `MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nX = '${'a'.repeat(2100)}'\n${"# 'https://old.example.com',\n".repeat(320)}CORS_ALLOWED_ORIGINS = ["https://app.example.com/"]\n`;
    expect(ids(lintOne('settings.py', comments).diagnostics)).toEqual(['323 origin-not-serialized']);
  }, 120_000);

  it('Python: the linear string tokenizer gives the trees lezer gives, on every fixture and broken variants of it', () => {
    const original = pythonLibrary.parser;
    const linear = linearStrings(original);
    const shape = (parse: () => { iterate(spec: { enter(node: { name: string; from: number; to: number }): void }): void }) => {
      const out: string[] = [];
      try {
        parse().iterate({ enter: (node) => void out.push(`${node.name}:${node.from}-${node.to}`) });
      } catch (error) {
        out.push(`throws ${String(error)}`);
      }
      return out.join(' ');
    };
    const texts = fixtureUnits()
      .flatMap((unit) => unit.files)
      .filter((file) => file.path.endsWith('.py'))
      .map((file) => file.text);
    expect(texts.length).toBeGreaterThan(20);
    let seed = 6003;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['"', "'", '"""', "f'", 'rb"', '{', '{{', '\\', '\n', '"x"print "'];
    for (const text of texts) {
      for (let variant = 0; variant < 4; variant++) {
        let input = text;
        for (let edit = 0; variant > 0 && edit < 6; edit++) {
          const at = Math.floor(random() * input.length);
          input = input.slice(0, at) + pieces[Math.floor(random() * pieces.length)] + input.slice(at + (random() < 0.3 ? 1 : 0));
        }
        expect(withDocument(input, () => shape(() => linear.parse(input)))).toBe(shape(() => original.parse(input)));
      }
    }
  }, 120_000);

  it('nginx: an allowed origin whose host has thousands of labels (fuzzer, nginx seed 9001 #4749: 37 KB, 3.7 s) is linear', () => {
    // The attacker variants changed each dot and recomputed the registrable domain of the whole host: quadratic.
    const conf = (n: number) =>
      `map $http_origin $cors_origin {\n    default "";\n    "https://app.example.com" $http_origin;\n    "https://admin.example.co${'in.example.co'.repeat(n)}m" $http_origin;\n}\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin $cors_origin always;\n        add_header Access-Control-Allow-Credentials true always;\n        add_header Vary Origin always;\n    }\n}\n`;
    expect(internal(lintOne('labels.conf', conf(3000)).diagnostics)).toEqual([]);
    expectLinear('labels.conf', conf, 1000);
  }, 120_000);

  it('nginx: 8,000 add_header in one block', () => {
    const many = (n: number) => `location / {\n${'add_header Access-Control-Allow-Origin *;\n'.repeat(n)}}\n`;
    expect(internal(lintOne('many.conf', many(8000)).diagnostics)).toEqual([]);
    expectLinear('many.conf', many, 500);
  }, 120_000);

  it('nginx: tens of thousands of add_header in one block (fuzzer, nginx seed 9008 #4280: 158 KB on one line) are linear', () => {
    // Each add_header copied the response's header list so far: 10,000 took 8.5 s CPU, 2.7 s after.
    const line = (n: number) => `location / {\n${'add_header Access-Control-Allow-Origin $http_origin always;'.repeat(n)}\n}\n`;
    expectLinear('line.conf', line, 4000);
  }, 120_000);

  it('topology: many nginx locations in front of an app with many route-level policies link in linear time (fuzz4: 2,000 × 2,000 Flask-CORS resources took 18 s CPU, 4.5 s after)', () => {
    // Each location asked every app policy again (and copied a file's list once per policy: locations × resources²), and
    // the shadowed-app check scanned every layer of every policy per app.
    const repo = (n: number, header: boolean) => {
      let resources = '';
      for (let i = 0; i < n; i++) resources += `    r"/r${i}/*": {"origins": ["https://a${i}.example.com"]},\n`;
      let conf = 'server {\n  listen 80;\n';
      for (let i = 0; i < n; i++) conf += `  location /r${i}/ {\n${header ? `    add_header Access-Control-Allow-Origin https://n${i}.example.com always;\n` : ''}    proxy_pass http://web:5000;\n  }\n`;
      return [
        { path: 'docker-compose.yml', text: "services:\n  web:\n    build: ./web\n  nginx:\n    image: nginx\n    ports:\n      - '80:80'\n" },
        { path: 'web/app.py', text: `from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app, resources={\n${resources}})\n` },
        { path: 'nginx/default.conf', text: `${conf}}\n` },
      ];
    };
    const lintRepo = (n: number, header = false) => lint(repo(n, header), { timeBudgetMs: 120_000 });
    const result = lintRepo(20, true);
    expect(internal(result.diagnostics)).toEqual([]);
    // Each location reaches its own resource: one duplicate Allow-Origin per location.
    expect(result.diagnostics.filter((d) => d.ruleId === 'duplicate-allow-origin' && d.file === 'nginx/default.conf')).toHaveLength(20);
    lintRepo(500);
    const small = timed(() => lintRepo(500)).ms;
    const large = timed(() => lintRepo(2000)).ms;
    expect(large, `500 → 2000: ${Math.round(small)} ms → ${Math.round(large)} ms`).toBeLessThan(8 * small + 300);
  }, 300_000);

  it('topology: the prefix index of linked policies keeps what the path rule keeps', () => {
    const paths = [undefined, '/', '/*', '/api', '/api/', '/api/*', '/api/:id', '/ap', '/apix', '/b/c', '/b', 'x', '/api/v1/users', '/🙂/a'];
    const policies = paths.flatMap((path) => (['app', 'route'] as const).map((kind) => ({ scope: { kind, path } }) as unknown as CorsPolicy));
    const index = reachIndex(policies);
    for (const prefix of [undefined, '/', '/api', '/api/', '/api/v1/', '/a', '/b/c/d', '/zzz', '/🙂/', '']) {
      expect(reached(index, prefix), String(prefix)).toEqual(policies.filter((policy) => reaches(prefix, policy)));
    }
  });

  it('YAML: an Ingress without a CORS token but a long line of blanks (the host scan backtracked)', () => {
    expectLinear('ing.yaml', (n) => `kind: Ingress\nspec:\n  rules:\n${' '.repeat(n * 50)}x\n    - host: a.example.com\n`, 2000);
  });
});

describe('recovery after a syntax error', () => {
  it('nginx: a stray first line does not swallow the server block below it', () => {
    const text = 'vim sites-available/api.conf\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin "*" always;\n        add_header Access-Control-Allow-Credentials "true" always;\n    }\n}\n';
    expect(ids(lintOne('api.conf', text).diagnostics)).toEqual(['1 parse-error', '4 credentials-wildcard-origin']);
  });

  it('nginx: a missing `;` is one parse-error and the next line stays its own directive', () => {
    const text = 'location /api/ {\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://a.example.net;\n        add_header X-Debug on\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://a.example.net always;\n}\n';
    const { diagnostics, policies } = lintOne('api.conf', text);
    expect(ids(parseErrors(diagnostics))).toEqual(['4 parse-error']);
    expect(policies[0].preflight).toMatchObject({ kind: 'handled', status: 204 });
  });

  it('JS: a sloppy-mode octal escape in a CommonJS script is valid', () => {
    const text = "const cors = require('cors');\napp.use(cors({ origin: '*', credentials: true }));\nconsole.log('\\033[32mready\\033[0m');\n";
    expect(ids(lintOne('server.js', text).diagnostics)).toEqual(['2 credentials-wildcard-origin']);
    // In an ES module it is a syntax error.
    expect(ids(parseErrors(lintOne('server.mjs', text).diagnostics))).toEqual(['3 parse-error']);
  });

  it('Python: a last line of blanks without a newline is valid', () => {
    const text = 'from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app, origins="*", supports_credentials=True)\n\nclass S:\n    def f(self):\n        return {}\n      ';
    expect(ids(lintOne('app.py', text).diagnostics)).toEqual(['4 credentials-reflect-any-origin']);
  });
});

describe('positions: one line table (\\r\\n, \\r, \\n; never U+2028/U+2029), as editors count', () => {
  const JS = (br: string) => `const cors = require('cors');${br}app.use(cors({ origin: /https:\\/\\/shop.example.net/ }));${br}`;
  for (const [name, br] of [['LF', '\n'], ['CRLF', '\r\n'], ['lone CR', '\r']] as const) {
    it(`JS with ${name}`, () => {
      const found = lintOne('a.js', JS(br)).diagnostics;
      expect(ids(found)).toEqual(['2 origin-regex-unanchored', '2 origin-regex-unescaped-dot']);
      expect(found[0].column).toBe(24);
    });
  }

  it('JS with U+2028 and U+2029 (line breaks for JavaScript, not for editors)', () => {
    const text = `const cors = require('cors');\u2028app.use(cors({ origin: /https:\\/\\/shop.example.net/ }));\nconst s = 'a\u2029b';\napp.use(cors({ origin: /https:\\/\\/x.example.net/ }));\n`;
    const all = lintOne('a.js', text).diagnostics;
    expect(internal(all)).toEqual([]);
    const found = all.filter((d) => d.ruleId.startsWith('origin-regex'));
    expect(ids(found)).toEqual(['1 origin-regex-unanchored', '1 origin-regex-unescaped-dot', '3 origin-regex-unanchored', '3 origin-regex-unescaped-dot']);
    // Columns count from the last real line break: 30 characters (29 + U+2028) precede `app.use` on line 1.
    expect(found[0].column).toBe(30 + 23 + 1);
    expect(found[2].column).toBe(24);
  });

  it('nginx, Python and YAML with lone CR and CRLF', () => {
    const nginx = (br: string) => `server {${br}  location / {${br}    add_header Access-Control-Allow-Origin *;${br}    add_header Access-Control-Allow-Credentials true;${br}  }${br}}${br}`;
    const python = (br: string) => `from flask import Flask${br}from flask_cors import CORS${br}app = Flask(__name__)${br}CORS(app, origins="*", supports_credentials=True)${br}`;
    const yaml = (br: string) => `http:${br}  middlewares:${br}    c:${br}      headers:${br}        accessControlAllowOriginList: ["*"]${br}        accessControlAllowCredentials: true${br}`;
    for (const br of ['\r', '\r\n']) {
      expect(ids(lintOne('a.conf', nginx(br)).diagnostics).filter((d) => !d.includes('wildcard-origin') || d.includes('credentials'))).toContain('3 credentials-wildcard-origin');
      expect(ids(lintOne('a.py', python(br)).diagnostics)).toEqual(['4 credentials-reflect-any-origin']);
      expect(internal(lintOne('a.yaml', yaml(br)).diagnostics)).toEqual([]);
      expect(ids(lintOne('a.yaml', yaml(br)).diagnostics)).toContain('5 credentials-wildcard-origin');
    }
  });

  it('an ingress configuration-snippet in a lone-CR file (found by the fuzzer: spans outside the file)', () => {
    const yaml = (br: string) =>
      ['apiVersion: networking.k8s.io/v1', 'kind: Ingress', 'metadata:', '  name: web', '  annotations:', '    nginx.ingress.kubernetes.io/configuration-snippet: |', '      more_set_headers "Access-Control-Allow-Origin: $http_origin";', '      more_set_headers "Access-Control-Allow-Credentials: true";', ''].join(br);
    const lf = lintOne('a.yaml', yaml('\n')).diagnostics;
    const cr = lintOne('a.yaml', yaml('\r')).diagnostics;
    expect(internal(cr)).toEqual([]);
    expect(lf.length).toBeGreaterThan(0);
    expect(ids(cr)).toEqual(ids(lf));
  });

  it('suppression comments count lines the same way', () => {
    const text = "const cors = require('cors');\r// cors-lint-disable-next-line origin-regex-unanchored, origin-regex-unescaped-dot\rapp.use(cors({ origin: /https:\\/\\/shop.example.net/ }));\r";
    expect(lintOne('a.js', text).diagnostics).toEqual([]);
  });
});
