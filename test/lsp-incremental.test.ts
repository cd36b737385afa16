import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lint, type LintOptions } from '../src/engine/lint.js';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import { typedTexts, typeIntoNginx, WarmUpQueue, WARM_UP_SAMPLES } from '../src/lsp/warm-up.js';
import { stableProjectFacts, withPolicyMemo, type PolicyMemo } from '../src/engine/policy-memo.js';

/**
 * The language server lints with a parse cache: Python is reparsed incrementally from the last
 * tree, and unchanged files (imported modules) keep their parse. After any sequence of edits, to
 * the document or to a module it imports, the findings and policies must be those of a lint from
 * scratch.
 */
interface Project {
  main: string;
  module: string;
  texts: Record<string, string>;
  pieces: string[];
}

/** Lezer reuses whole subtrees, never the inside of its small-node buffers: the document must be large for any reuse to happen. */
const pythonFunctions = Array.from({ length: 120 }, (_, i) => [`@app.get("/r${i}")`, `def r${i}(q: str = None):`, `    if q:`, `        return {"id": ${i}, "q": q}`, `    return [${i}, "x"]`, ''].join('\n')).join('\n');

const PYTHON: Project = {
  main: 'app/main.py',
  module: 'app/settings.py',
  texts: {
    'app/main.py': [
      'from fastapi import FastAPI',
      'from fastapi.middleware.cors import CORSMiddleware',
      'from .settings import ORIGINS, CREDENTIALS',
      '',
      'app = FastAPI()',
      '',
      'app.add_middleware(',
      '    CORSMiddleware,',
      '    allow_origins=ORIGINS,',
      '    allow_credentials=CREDENTIALS,',
      '    allow_methods=["GET", "POST"],',
      ')',
      '',
      pythonFunctions,
      '@app.get("/items/{item_id}")',
      'def read_item(item_id: int, q: str = None):',
      '    if q:',
      '        return {"item_id": item_id, "q": q}',
      '    return {"item_id": item_id}',
      '',
      'class Handler:',
      '    def get(self, request):',
      '        response = Response()',
      '        response.headers["Access-Control-Allow-Origin"] = request.headers.get("origin")',
      '        return response',
      '',
    ].join('\n'),
    'app/settings.py': ['ORIGINS = ["https://app.example.com", "http://localhost:3000"]', 'CREDENTIALS = True', ''].join('\n'),
  },
  pieces: ['\n', '    ', '  ', 'def f(x):', 'return x', ':', '(', ')', '[', ']', '"', "'", '#', ',', '=', '\\', '"""', 'x', '"*"', 'True', 'allow_origins=["*"]', 'ORIGINS', 'CORSMiddleware', 'import os', '\t', 'else:', 'pass'],
};

const JS: Project = {
  main: 'src/server.js',
  module: 'src/cors-options.js',
  texts: {
    'src/server.js': [
      "const express = require('express');",
      "const cors = require('cors');",
      "const { corsOptions } = require('./cors-options');",
      'const app = express();',
      'app.use(cors(corsOptions));',
      "app.options('/upload', cors({ origin: true, credentials: true }));",
      "app.get('/items', (req, res) => {",
      "  res.setHeader('Access-Control-Allow-Origin', req.headers.origin);",
      '  res.json([]);',
      '});',
      'function allowed(origin) {',
      "  return origin.endsWith('.example.com');",
      '}',
      'app.listen(3000);',
      '',
    ].join('\n'),
    'src/cors-options.js': ["exports.corsOptions = { origin: ['https://app.example.com', /\\.example\\.com$/], credentials: true };", ''].join('\n'),
  },
  pieces: ['\n', ' ', ';', '{', '}', '(', ')', '[', ']', "'", '"', '`', '/', '//', '/*', '*/', ',', '=>', 'x', 'const y = 1', "origin: '*'", 'credentials: true', 'cors()', 'app.use(', 'function', 'return', '.', ':', 'true'],
};

/** Many locations (the memo moves them when a line is typed above), origins one typo apart, www twins, an include. */
const nginxLocations = Array.from({ length: 24 }, (_, i) => [
  `  location /r${i}/ {`,
  // About as many exmaple.com as example.com: an edit can turn which one origin-typo calls the typo.
  `    add_header Access-Control-Allow-Origin ${i === 5 ? 'https://example.com' : ['https://app.example.com', 'https://app.exmaple.com', '$http_origin', 'https://app.exmaple.com'][i % 4]} always;`,
  ...(i % 3 === 0 ? ['    add_header Access-Control-Allow-Credentials true always;'] : []),
  ...(i % 5 === 0 ? ['    include snippets/cors.conf;'] : []),
  '    proxy_pass http://app;',
  '  }',
].join('\n')).join('\n');

const NGINX: Project = {
  main: 'nginx/site.conf',
  module: 'nginx/snippets/cors.conf',
  texts: {
    'nginx/site.conf': ['map $http_origin $cors {', '  default "";', '  "https://app.example.com" $http_origin;', '}', 'server {', '  server_name api.example.com;', nginxLocations, '}', 'server {', '  server_name www.example.com;', '}', ''].join('\n'),
    'nginx/snippets/cors.conf': ['add_header Vary Origin always;', 'add_header Access-Control-Allow-Methods "GET, POST" always;', ''].join('\n'),
  },
  pieces: ['\n', '  ', ';', '{', '}', '"', '#', 'x', 'location /x/ {', 'add_header Access-Control-Allow-Origin', ' https://app.example.com', ' https://www.example.com', ' https://app.exmaple.com', ' $http_origin', ' $cors', ' always', 'add_header Access-Control-Allow-Credentials true', 'server_name example.com', 'server_name www.app.example.com', 'include snippets/cors.conf', 'if ($request_method = OPTIONS) { return 204; }', 'server {', 'proxy_pass http://app', 'map $http_origin $c { default ""; }'],
};

/** Policies whose rules' findings are replayed by content (engine/content-key.ts), below and above the edits: moved, unmoved, changed. */
const YAML: Project = {
  main: 'deploy/gateway.yaml',
  module: 'deploy/unused.yaml',
  texts: {
    'deploy/gateway.yaml': [
      'apiVersion: traefik.io/v1alpha1',
      'kind: Middleware',
      'metadata:',
      '  name: cors-a',
      'spec:',
      '  headers:',
      '    accessControlAllowOriginList: ["https://a.example.com", "http://b.example.com"]',
      '    accessControlAllowCredentials: true',
      '    addVaryHeader: true',
      '---',
      'apiVersion: v1',
      'kind: Service',
      'metadata:',
      '  name: s1',
      'spec:',
      '  ports:',
      '    - port: 80',
      '---',
      'apiVersion: configuration.konghq.com/v1',
      'kind: KongPlugin',
      'metadata:',
      '  name: cors',
      'plugin: cors',
      'config:',
      '  origins: ["*"]',
      '  credentials: true',
      '  preflight_continue: false',
      '---',
      'apiVersion: traefik.io/v1alpha1',
      'kind: Middleware',
      'metadata:',
      '  name: cors-b',
      'spec:',
      '  headers:',
      '    accessControlAllowOriginList: ["https://exampel.com", "https://example.com"]',
      '    accessControlMaxAge: 100',
      '',
    ].join('\n'),
    'deploy/unused.yaml': 'x: 1\n',
  },
  pieces: ['\n', ' ', '  ', '- ', ':', '"', '[', ']', ',', '#', '---\n', 'true', 'false', '"*"', 'addVaryHeader: false', 'accessControlAllowCredentials: true', 'x', '1', 'https://', 'example.com'],
};

const STARLETTE: Project = {
  main: 'app/api.py',
  module: 'app/other.py',
  texts: {
    'app/api.py': [
      'from fastapi import FastAPI',
      'from fastapi.middleware.cors import CORSMiddleware',
      '',
      'app = FastAPI()',
      'app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["GET"])',
      '',
      'def helper():',
      '    return 1',
      '',
      'other = FastAPI()',
      'other.add_middleware(CORSMiddleware, allow_origins=["http://a.example.com", "https://b.example.com"], max_age=10)',
      '',
    ].join('\n'),
    'app/other.py': 'X = 1\n',
  },
  pieces: ['\n', '    ', ' ', '(', ')', '[', ']', '"', ',', '=', '#', 'x', 'True', '"*"', 'allow_credentials=True, ', 'max_age=5, ', 'pass', 'def f():\n    return 2\n'],
};

const edit = fc.record({
  inModule: fc.boolean(),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  remove: fc.nat({ max: 12 }),
  insert: fc.array(fc.nat({ max: 1000 }), { maxLength: 3 }),
});

function result(project: Project, texts: Record<string, string>, cache?: ParseCache): string {
  const read = (path: string) => (path === project.module ? texts[project.module] : undefined);
  // From scratch: no parse cache, and for nginx no policy memo either (the memo is what is checked there).
  const nginx = project === NGINX || project === NGINX_KEPT;
  const options: LintOptions = { host: { readModule: read, readFile: read }, ...(nginx && !cache ? { policyMemo: false } : {}) };
  const run = () => lint([{ path: project.main, text: texts[project.main] }], options);
  const { diagnostics, policies, skipped, dependencies } = cache ? withParseCache(cache, run) : run();
  // An nginx policy's header program holds the parse and its own caches (what it has evaluated so far): compared by what it answers, through the rules.
  const compared = nginx ? policies.map(({ headerProgram: _program, ...policy }) => policy) : policies;
  return JSON.stringify({ diagnostics, policies: compared, skipped, dependencies });
}

function checkProject(project: Project, seed: number, edits = edit, numRuns = 25): PolicyMemo['stats'] {
  const totals = { moved: 0, built: 0, kept: 0, replayed: 0, ran: 0 };
  fc.assert(
    fc.property(fc.array(edits, { minLength: 1, maxLength: 12 }), (steps) => {
      const texts = { ...project.texts };
      const cache = new ParseCache();
      result(project, texts, cache);
      for (const { inModule, at, remove, insert } of steps) {
        const path = inModule ? project.module : project.main;
        const text = texts[path];
        const offset = Math.floor(at * text.length);
        texts[path] = text.slice(0, offset) + insert.map((i) => project.pieces[i % project.pieces.length]).join('') + text.slice(offset + remove);
        expect(result(project, texts, cache)).toBe(result(project, texts));
      }
      const stats = cache.get<PolicyMemo>('policy-memo', '')?.stats;
      for (const name of Object.keys(totals) as Array<keyof typeof totals>) totals[name] += stats?.[name] ?? 0;
    }),
    { numRuns, seed },
  );
  return totals;
}

/**
 * Typing inside one location of many (parse.ts reads that block again, extract.ts keeps the other
 * locations' policies), and now and then an edit elsewhere that the kept locations read: the map
 * they send, a `set` variable, an include's target, a server_name, a level's own header, a line
 * added above them.
 */
const nginxKeptLocations = Array.from({ length: 16 }, (_, i) => [
  `  location /k${i}/ {`,
  `    add_header Access-Control-Allow-Origin ${['$cors', 'https://app.example.com', '$origin_ok', 'https://app.exmaple.com'][i % 4]} always;`,
  ...(i % 4 === 2 ? ['    if ($http_origin ~ "^https://[a-z]+\\.example\\.com$") { set $origin_ok $http_origin; }'] : []),
  ...(i % 5 === 1 ? ['    include snippets/cors.conf;'] : []),
  '    proxy_pass http://app;',
  '  }',
].join('\n')).join('\n');

const NGINX_KEPT: Project = {
  main: 'nginx/site.conf',
  module: 'nginx/snippets/cors.conf',
  texts: {
    'nginx/site.conf': ['map $http_origin $cors {', '  default "";', '  "https://app.example.com" $http_origin;', '}', 'server {', '  server_name api.example.com;', '  set $origin_ok "";', nginxKeptLocations, '}', 'server {', '  server_name www.example.com;', '  location / { add_header Access-Control-Allow-Origin $cors; }', '}', ''].join('\n'),
    'nginx/snippets/cors.conf': ['add_header Vary Origin always;', 'add_header Access-Control-Allow-Credentials true always;', ''].join('\n'),
  },
  pieces: ['a', 'x', ' ', '_', '1', '.', '/', ';', '\n', 'add_header Access-Control-Max-Age 600 always;', 'add_header Access-Control-Allow-Credentials true always;', ' https://app.exmaple.com', '$http_origin', '"https://www.example.com" $http_origin;', 'set $origin_ok "https://app.example.com";', 'set $cors "*";', 'server_name example.com;', 'server_name app.example.com;', 'include snippets/cors.conf;', 'add_header Access-Control-Allow-Origin *;', '{', '}', '"', '#'],
};

/** Mostly single pieces typed inside the locations' lines (weighted to word characters), sometimes elsewhere or in the snippet. */
const typing = fc.record({
  inModule: fc.nat({ max: 9 }).map((n) => n === 0),
  at: fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0.12, max: 0.88, noNaN: true }) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }),
  remove: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 8 }) }),
  insert: fc.oneof({ weight: 5, arbitrary: fc.nat({ max: 8 }).map((n) => [n]) }, { weight: 2, arbitrary: fc.array(fc.nat({ max: 1000 }), { maxLength: 2 }) }),
});

describe('incremental lint (language server) equals a lint from scratch', () => {
  it('Python: incremental reparses after random edits to the document and an imported module', () => checkProject(PYTHON, 14), 120_000);
  it('JavaScript: reused parses after random edits to the document and an imported module', () => checkProject(JS, 6), 120_000);
  it('nginx: memoized policies and findings (moved, replayed) after random edits to the file and an included snippet', () => checkProject(NGINX, 21), 120_000);
  it('nginx: locations kept from the last run while typing inside one, with edits to the map, set, include target and server_name they read', () => {
    const stats = checkProject(NGINX_KEPT, 23, typing, 20);
    // Not a test that cannot pass vacuously: most runs kept locations, and some still moved or built them.
    expect(stats.kept).toBeGreaterThan(stats.moved);
    expect(stats.built).toBeGreaterThan(0);
  }, 180_000);
  it('nginx: a kept location names the server_name it is under now (a name of the same length leaves every position as it was)', () => {
    const texts = { ...NGINX_KEPT.texts };
    const cache = new ParseCache();
    result(NGINX_KEPT, texts, cache);
    texts[NGINX_KEPT.main] = texts[NGINX_KEPT.main].replace('server_name api.example.com;', 'server_name api.example.org;');
    const edited = result(NGINX_KEPT, texts, cache);
    expect(edited).toBe(result(NGINX_KEPT, texts));
    expect(edited).toContain('server api.example.org location /k7/');
    // And typing inside one location afterwards keeps the others, under the new name.
    texts[NGINX_KEPT.main] = texts[NGINX_KEPT.main].replace('location /k3/ {', 'location /k3/ { add_header X-A 1;');
    expect(result(NGINX_KEPT, texts, cache)).toBe(result(NGINX_KEPT, texts));
    expect(cache.get<PolicyMemo>('policy-memo', '')!.stats.kept).toBeGreaterThan(10);
  });
  it('the project facts object of the last run is kept only while the facts are the same to the position', () => {
    const cache = new ParseCache();
    const loc = (line: number) => ({ file: 'a.conf', line, column: 3, endLine: line, endColumn: 9 });
    const facts = (line: number, host = 'api.example.com') => ({ servedHosts: new Map([[host, { how: 'nginx server_name', loc: loc(line) }]]), writtenOrigins: [{ value: 'https://app.example.com', loc: loc(line + 1) }] });
    withParseCache(cache, () =>
      withPolicyMemo(true, () => {
        const first = stableProjectFacts(facts(2));
        expect(stableProjectFacts(facts(2))).toBe(first);
        const moved = facts(3);
        expect(stableProjectFacts(moved)).toBe(moved);
        expect(stableProjectFacts(facts(3, 'www.example.com'))).not.toBe(moved);
      }),
    );
    // Outside the language server (no parse cache), every run has its own facts.
    const outside = facts(2);
    expect(withPolicyMemo(true, () => stableProjectFacts(outside))).toBe(outside);
  });
  it('YAML: rule findings replayed by policy content after random edits above, between and below the policies', () => checkProject(YAML, 21), 120_000);
  it('Python (Starlette): rule findings replayed by policy content after random edits', () => checkProject(STARLETTE, 22), 120_000);

  it('Python: the parse cache is really used (an unchanged text keeps its tree, an edit reparses from it)', () => {
    const cache = new ParseCache();
    withParseCache(cache, () => lint([{ path: PYTHON.main, text: PYTHON.texts[PYTHON.main] }], {}));
    const first = cache.get<{ tree: object }>('python', PYTHON.main)!.tree;
    withParseCache(cache, () => lint([{ path: PYTHON.main, text: PYTHON.texts[PYTHON.main] }], {}));
    expect(cache.get<{ tree: object }>('python', PYTHON.main)!.tree).toBe(first);
    withParseCache(cache, () => lint([{ path: PYTHON.main, text: `${PYTHON.texts[PYTHON.main]}x = 1\n` }], {}));
    expect(cache.get<{ tree: object }>('python', PYTHON.main)!.tree).not.toBe(first);
  });
});

describe('policy memo across documents', () => {
  it("a closed document's versions are forgotten (forgetFile), other files' are kept, and its next lint is the same", () => {
    const location = (i: number) => `  location /r${i}/ {\n    add_header Access-Control-Allow-Origin ${i % 2 ? '$http_origin' : 'https://app.example.com'} always;\n    add_header Access-Control-Allow-Credentials true always;\n  }\n`;
    const text = `server {\n  server_name api.example.com;\n${[0, 1, 2, 3].map(location).join('')}}\n`;
    const cache = new ParseCache();
    const first = withParseCache(cache, () => lint([{ path: 'a.conf', text }], { host: {} }));
    withParseCache(cache, () => lint([{ path: 'b.conf', text }], { host: {} }));
    const memo = cache.get<PolicyMemo>('policy-memo', '')!;
    const both = memo.size;
    memo.forgetFile('a.conf');
    expect(memo.size).toBeGreaterThan(0);
    expect(memo.size).toBeLessThan(both);
    memo.forgetFile('a.conf');
    const kept = memo.size;
    memo.forgetFile('b.conf');
    expect(memo.size).toBe(0);
    expect(kept).toBeGreaterThan(0);
    cache.forget('a.conf');
    expect(withParseCache(cache, () => lint([{ path: 'a.conf', text }], { host: {} })).diagnostics).toEqual(first.diagnostics);
    expect(first.diagnostics.length).toBeGreaterThan(0);
  });
});

describe('language-server warm-up samples', () => {
  it('the nginx warm-up moves locations and replays their findings, as the first Enter of a session does, and keeps them while a line is typed', () => {
    const stats = typeIntoNginx(WARM_UP_SAMPLES.nginx!)!;
    // The Enters and the line's removal move the 240 locations below (by the line shift); the characters typed keep them as they were.
    expect(stats.shifted).toBeGreaterThanOrEqual(240 * 3);
    expect(stats.kept).toBeGreaterThan(480 * 3);
    expect(stats.replayed).toBeGreaterThan(stats.ran);
  });

  it('JS, TS and Python samples are typed into past a syntax error, incrementally (the recovery paths are compiled before the first edit)', () => {
    for (const format of ['js', 'ts', 'python'] as const) {
      const sample = WARM_UP_SAMPLES[format]!;
      const texts = typedTexts(sample);
      const cache = new ParseCache();
      const errors = texts.map((text) => withParseCache(cache, () => lint([{ path: sample.path, text }], { host: {} })).diagnostics.some((d) => d.ruleId === 'parse-error'));
      expect(errors.some(Boolean), format).toBe(true);
      expect(errors[0], format).toBe(false);
      expect(texts[0].length, format).toBeGreaterThan(2000);
    }
  });

  it('the warm-up queue runs one lint per step, and all that is left when a document is about to be linted', () => {
    const queue = new WarmUpQueue({ yaml: WARM_UP_SAMPLES.yaml, nginx: WARM_UP_SAMPLES.nginx });
    expect(queue.done).toBe(false);
    expect(queue.step()).toBe(true);
    queue.finish('nginx');
    expect(queue.done).toBe(true);
    expect(queue.step()).toBe(false);
    // A format with no sample, or nothing left: nothing to do.
    queue.finish('json');
    expect(new WarmUpQueue({}).done).toBe(true);
    // Another format's first document leaves the large nginx lints (the 2,000-line file) to idle turns or nginx's own open.
    const mixed = new WarmUpQueue({ yaml: WARM_UP_SAMPLES.yaml, nginx: WARM_UP_SAMPLES.nginx });
    mixed.finish('yaml');
    expect(mixed.done).toBe(false);
    expect(mixed.step()).toBe(true);
    mixed.finish('nginx');
    expect(mixed.done).toBe(true);
    // An nginx document opened (and linted first): the idle steps run YAML's small sample before nginx's steps, as finish('nginx') would.
    const opened = new WarmUpQueue({ nginx: WARM_UP_SAMPLES.nginx, yaml: WARM_UP_SAMPLES.yaml });
    opened.prefer('nginx');
    for (let i = 0; i < 3; i++) opened.step();
    expect(opened.has('yaml')).toBe(false);
    expect(opened.has('nginx')).toBe(true);
    // Without an open, format by format.
    const unopened = new WarmUpQueue({ nginx: WARM_UP_SAMPLES.nginx, yaml: WARM_UP_SAMPLES.yaml });
    for (let i = 0; i < 3; i++) unopened.step();
    expect(unopened.has('yaml')).toBe(true);
  });

  it('each format has a sample with findings, so the warm-up runs the extractors, the rules and the fixes', () => {
    for (const [format, sample] of Object.entries(WARM_UP_SAMPLES)) {
      const { diagnostics } = lint([sample!], { host: {} });
      expect(diagnostics.filter((d) => d.ruleId !== 'parse-error' && d.ruleId !== 'internal-error').length, format).toBeGreaterThan(0);
      expect(diagnostics.filter((d) => d.ruleId === 'parse-error' || d.ruleId === 'internal-error'), format).toEqual([]);
    }
  });
});
