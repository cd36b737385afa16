import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lint, type LintOptions } from '../src/engine/lint.js';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import { typedTexts, typeIntoNginx, WARM_UP_SAMPLES } from '../src/lsp/warm-up.js';

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
  const nginx = project === NGINX;
  const options: LintOptions = { host: { readModule: read, readFile: read }, ...(nginx && !cache ? { policyMemo: false } : {}) };
  const run = () => lint([{ path: project.main, text: texts[project.main] }], options);
  const { diagnostics, policies, skipped, dependencies } = cache ? withParseCache(cache, run) : run();
  // An nginx policy's header program holds the parse and its own caches (what it has evaluated so far): compared by what it answers, through the rules.
  const compared = nginx ? policies.map(({ headerProgram: _program, ...policy }) => policy) : policies;
  return JSON.stringify({ diagnostics, policies: compared, skipped, dependencies });
}

function checkProject(project: Project, seed: number) {
  fc.assert(
    fc.property(fc.array(edit, { minLength: 1, maxLength: 12 }), (edits) => {
      const texts = { ...project.texts };
      const cache = new ParseCache();
      result(project, texts, cache);
      for (const { inModule, at, remove, insert } of edits) {
        const path = inModule ? project.module : project.main;
        const text = texts[path];
        const offset = Math.floor(at * text.length);
        texts[path] = text.slice(0, offset) + insert.map((i) => project.pieces[i % project.pieces.length]).join('') + text.slice(offset + remove);
        expect(result(project, texts, cache)).toBe(result(project, texts));
      }
    }),
    { numRuns: 25, seed },
  );
}

describe('incremental lint (language server) equals a lint from scratch', () => {
  it('Python: incremental reparses after random edits to the document and an imported module', () => checkProject(PYTHON, 14), 120_000);
  it('JavaScript: reused parses after random edits to the document and an imported module', () => checkProject(JS, 6), 120_000);
  it('nginx: memoized policies and findings (moved, replayed) after random edits to the file and an included snippet', () => checkProject(NGINX, 21), 120_000);
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

describe('language-server warm-up samples', () => {
  it('the nginx warm-up moves locations and replays their findings, as the first Enter of a session does', () => {
    const stats = typeIntoNginx(WARM_UP_SAMPLES.nginx!)!;
    expect(stats.moved).toBeGreaterThan(24 * 5);
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

  it('each format has a sample with findings, so the warm-up runs the extractors, the rules and the fixes', () => {
    for (const [format, sample] of Object.entries(WARM_UP_SAMPLES)) {
      const { diagnostics } = lint([sample!], { host: {} });
      expect(diagnostics.filter((d) => d.ruleId !== 'parse-error' && d.ruleId !== 'internal-error').length, format).toBeGreaterThan(0);
      expect(diagnostics.filter((d) => d.ruleId === 'parse-error' || d.ruleId === 'internal-error'), format).toEqual([]);
    }
  });
});
