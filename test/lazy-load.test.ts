import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';

// In a file of its own: other tests load every parser, and the module cache is per test file.
describe('parsers load lazily', () => {
  it('a run never loads the parser of a format it has no candidate files in', () => {
    const loaded = (name: string) => Object.keys(createRequire(import.meta.url).cache).some((key) => key.includes(name));
    expect(loaded('@babel/parser')).toBe(false);
    expect(loaded('@lezer/python')).toBe(false);
    expect(loaded('/yaml/dist/')).toBe(false);
    lint([{ path: 'site.conf', text: 'location / { add_header Access-Control-Allow-Origin * always; }\n' }]);
    // A manifest without a CORS token is not parsed either.
    lint([{ path: 'deploy.yaml', text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n' }]);
    expect(loaded('/yaml/dist/')).toBe(false);
    // A Python file without a CORS token is not parsed either.
    lint([{ path: 'util.py', text: 'def add(a, b):\n    return a + b\n' }]);
    expect(loaded('@babel/parser')).toBe(false);
    expect(loaded('@lezer/python')).toBe(false);
    lint([{ path: 'app.js', text: "const cors = require('cors');\napp.use(cors());\n" }]);
    expect(loaded('@babel/parser')).toBe(true);
    expect(loaded('@lezer/python')).toBe(false);
    lint([{ path: 'app.py', text: 'from flask_cors import CORS\nCORS(app)\n' }]);
    expect(loaded('@lezer/python')).toBe(true);
    lint([{ path: 'kong.yml', text: '_format_version: "3.0"\nplugins:\n  - name: cors\n' }]);
    expect(loaded('/yaml/dist/')).toBe(true);
    // netlify.toml's parser only for a netlify.toml with a CORS header.
    expect(loaded('toml-eslint-parser')).toBe(false);
    lint([{ path: 'netlify.toml', text: '[build]\npublish = "dist"\n' }]);
    expect(loaded('toml-eslint-parser')).toBe(false);
    lint([{ path: 'netlify.toml', text: '[[headers]]\nfor = "/*"\n[headers.values]\nAccess-Control-Allow-Origin = "*"\n' }]);
    expect(loaded('toml-eslint-parser')).toBe(true);
  });
});

/**
 * The bundled command (dist/cli, what pre-commit runs once per commit) loads each of its files
 * through the code cache, which writes one cache file per file loaded: a fresh cache folder after
 * one run lists exactly what that run loaded.
 */
describe('the bundled CLI loads per format only what the input needs', () => {
  const BUNDLE = join(ROOT, 'dist', 'cli', 'bin.js');
  const project = mkdtempSync(join(tmpdir(), 'cors-lint-lazy-'));
  const files: Record<string, string> = {
    'nginx/site.conf': "server {\n    location /api/ {\n        add_header 'Access-Control-Allow-Origin' '$http_origin' always;\n        add_header 'Access-Control-Allow-Credentials' 'true' always;\n        proxy_pass http://api:3000;\n    }\n}\n",
    'api/server.js': "const cors = require('cors');\nconst app = require('express')();\napp.use(cors({ origin: true, credentials: true }));\n",
    'web/app.ts': "import { cors } from 'hono/cors';\napp.use('/api/*', cors({ origin: (origin: string) => origin }));\n",
    'py/app.py': 'from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app)\n',
    'py/util.py': 'def add(a, b):\n    return a + b\n',
    'kong.yml': '_format_version: "3.0"\nplugins:\n  - name: cors\n    config:\n      origins: ["*"]\n      credentials: true\n',
    'k8s/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n',
    'k8s/ingress.yaml': 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-origin: "https://app.example.com, https://admin.example.com"\nspec:\n  rules:\n    - host: api.example.com\n',
    'docker-compose.yml': 'services:\n  api:\n    build: ./api\n',
    'site/netlify.toml': '[[headers]]\n  for = "/*"\n  [headers.values]\n    Access-Control-Allow-Origin = "*"\n',
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(project, dirname(path)), { recursive: true });
    writeFileSync(join(project, path), text);
  }
  afterAll(() => rmSync(project, { recursive: true, force: true }));
  const loadedBy = (...args: string[]) => {
    const cache = mkdtempSync(join(tmpdir(), 'cors-lint-cache-'));
    const run = spawnSync(process.execPath, [BUNDLE, ...args], { cwd: project, encoding: 'utf8', env: { ...process.env, CORS_LINT_CACHE_DIR: cache } });
    expect(run.stderr).toBe('');
    // The includer search's caches (include-facts.ts, listing-cache.ts) are no code: kept or not depending on the files' age.
    const loaded = existsSync(cache) ? readdirSync(cache).filter((name) => !/^(nginx-facts|git-listing)-/.test(name)).map((name) => name.split('-')[0]).sort() : [];
    rmSync(cache, { recursive: true, force: true });
    return loaded;
  };

  it('--version loads nothing but bin.js', () => {
    expect(loadedBy('--version')).toEqual([]);
  });

  it('an nginx file loads the linter alone, with or without the Compose file next to it', () => {
    expect(loadedBy('-f', 'json', 'nginx/site.conf')).toEqual(['run']);
    expect(loadedBy('-f', 'json', 'docker-compose.yml', 'nginx/site.conf')).toEqual(['run']);
  });

  it('a JS or TS file loads Babel, a Python file Lezer, a gateway YAML file yaml, netlify.toml the TOML parser; nothing else', () => {
    expect(loadedBy('-f', 'json', 'api/server.js')).toEqual(['lib_babel_parser', 'run']);
    expect(loadedBy('-f', 'json', 'web/app.ts')).toEqual(['lib_babel_parser', 'run']);
    expect(loadedBy('-f', 'json', 'py/app.py')).toEqual(['lib_lezer_python', 'run']);
    expect(loadedBy('-f', 'json', 'kong.yml')).toEqual(['lib_yaml', 'run']);
    // Its allowed origins are regexes that are literals: tested without re2js (pattern-match.ts).
    expect(loadedBy('-f', 'json', 'k8s/ingress.yaml')).toEqual(['lib_eslint_community_regexpp', 'lib_yaml', 'run']);
    expect(loadedBy('-f', 'json', 'site/netlify.toml')).toEqual(['lib_toml_eslint_parser', 'run']);
  });

  it('files without a CORS token load no parser', () => {
    expect(loadedBy('-f', 'json', 'py/util.py', 'k8s/service.yaml')).toEqual(['run']);
  });
});
