import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFilesUnder } from './helpers/fixtures.js';
import { holdsPolicyConstruct } from '../src/engine/prefilter.js';
import { formatDiagnostics } from '../src/format/index.js';
import { lint, type LintOptions, type LintResult } from '../src/engine/lint.js';
import type { SourceFile } from '../src/model/types.js';
import { fixtureUnits, ROOT } from './helpers/fixtures.js';

const DEFERRED = 'no CORS construct (parsed only if a linted file imports it)';
const deferredOf = (files: SourceFile[], options: LintOptions = {}) => lint(files, options).skipped.filter((s) => s.reason === DEFERRED).map((s) => s.path);
const report = (result: LintResult) => formatDiagnostics('json', result.diagnostics, { color: false, version: 'test' });
const json = (files: SourceFile[], secondStage: boolean) => report(lint(files, { secondStage }));
const findings = (files: SourceFile[], secondStage = true) => lint(files, { secondStage }).diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`);

describe('second prefilter stage: what it lets through', () => {
  it('JS/TS: a CORS package import or require, enableCors, NestFactory, CorsOptions or a CORS header name; not the word alone', () => {
    const js = (text: string, path = 'a.ts') => holdsPolicyConstruct('ts', path, text);
    expect(js("import cors from 'cors';")).toBe(true);
    expect(js('const cors = require( "cors" );')).toBe(true);
    expect(js("import { cors } from 'hono/cors';")).toBe(true);
    expect(js("fastify.register(require('@fastify/cors'), {})")).toBe(true);
    expect(js("import Cors from '@koa/cors';")).toBe(true);
    expect(js('app.enableCors();')).toBe(true);
    expect(js('await NestFactory.create(AppModule, { cors: true });')).toBe(true);
    expect(js("export const options: CorsOptions = { origin: '*' };")).toBe(true);
    expect(js("res.setHeader('Access-Control-Allow-Origin', '*');")).toBe(true);
    expect(js("res.setHeader('Access-' + 'Control-Allow-Origin', '*');")).toBe(true);
    // fetch's mode, comments, names: parsed for nothing before.
    expect(js("await fetch(url, { mode: 'cors', credentials: 'include' });")).toBe(false);
    expect(js('// CORS is handled by the gateway\nexport const cors = true;')).toBe(false);
    expect(js("import cors from './middleware/cors';\napp.use(cors());")).toBe(false);
  });

  it('JS/TS: a header name in a module the file imports (up to three hops) lets the importer through', () => {
    const modules: Record<string, string> = {
      'src/headers/index.ts': "export { ACAO } from './names';\n",
      'src/headers/names.ts': "export const ACAO = 'Access-Control-Allow-Origin';\n",
      'src/other.ts': 'export const x = 1;\n',
    };
    const peek = (path: string) => modules[path];
    const app = "// cors\nimport { ACAO } from './headers';\nres.setHeader(ACAO, '*');\n";
    expect(holdsPolicyConstruct('ts', 'src/app.ts', app, peek)).toBe(true);
    expect(holdsPolicyConstruct('ts', 'src/app.ts', "// cors\nimport { x } from './other';\n", peek)).toBe(false);
    expect(holdsPolicyConstruct('ts', 'src/app.ts', "// cors\nimport { x } from '../../outside';\n", peek)).toBe(false);
  });

  it('Python: exactly the framework gates of the extractor', () => {
    const py = (text: string) => holdsPolicyConstruct('python', 'a.py', text);
    expect(py('from fastapi.middleware.cors import CORSMiddleware')).toBe(true);
    expect(py('from flask_cors import CORS')).toBe(true);
    expect(py('CORS_ALLOWED_ORIGINS = []')).toBe(true);
    expect(py("response.headers['access-control-allow-origin'] = '*'")).toBe(true);
    expect(py('from aws_cdk import aws_apigateway as apigw\n# CORS: apigw.Cors.ALL_ORIGINS')).toBe(true);
    expect(py('import aws_cdk.aws_apigatewayv2 as apigwv2  # CORS preflight')).toBe(true);
    expect(py('# CORS is configured in nginx\nimport os')).toBe(false);
    expect(py("requests.get(url, headers={'mode': 'cors'})")).toBe(false);
  });

  it('nginx and YAML are not narrowed', () => {
    expect(holdsPolicyConstruct('nginx', 'a.conf', 'include cors.conf;')).toBe(true);
    expect(holdsPolicyConstruct('yaml', 'a.yaml', 'cors: {}')).toBe(true);
  });
});

describe('second prefilter stage: a deferred file is read when a linted file needs it', () => {
  it('options in a module that only mentions CORS are read through the import, findings land there, the run is unchanged', () => {
    const files = [
      { path: 'src/server.js', text: "const cors = require('cors');\nconst options = require('./settings');\nrequire('express')().use(cors(options));\n" },
      { path: 'src/settings.js', text: "// CORS settings\nmodule.exports = {\n  origin: 'shop.example.net',\n};\n" },
    ];
    expect(deferredOf(files)).toEqual(['src/settings.js']);
    expect(findings(files)).toEqual(['src/settings.js:3:11 origin-not-serialized']);
    expect(json(files, true)).toBe(json(files, false));
    expect(lint(files).dependencies).toEqual(lint(files, { secondStage: false }).dependencies);
  });

  it('a module named for CORS that exports `{ origin: … }` is a candidate itself: its options are judged with no importer, once with one', () => {
    const options = { path: 'src/cors-options.js', text: "// CORS settings\nmodule.exports = {\n  origin: 'shop.example.net',\n};\n" };
    expect(deferredOf([options])).toEqual([]);
    expect(findings([options])).toEqual(['src/cors-options.js:3:11 origin-not-serialized']);
    const server = { path: 'src/server.js', text: "const cors = require('cors');\nconst options = require('./cors-options');\nrequire('express')().use(cors(options));\n" };
    expect(findings([server, options])).toEqual(['src/cors-options.js:3:11 origin-not-serialized']);
  });

  it('a Python settings module that only mentions CORS is read through the import', () => {
    const files = [
      { path: 'app/main.py', text: 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\nfrom app.config import ORIGINS\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)\n' },
      { path: 'app/config.py', text: '# origins for CORS\nORIGINS = ["https://shop.example.net/"]\n' },
    ];
    expect(deferredOf(files)).toEqual(['app/config.py']);
    expect(findings(files)).toEqual(['app/config.py:2:12 origin-not-serialized']);
    expect(json(files, true)).toBe(json(files, false));
  });

  it('a header-name constant imported from another module keeps the importer a candidate', () => {
    const files = [
      { path: 'src/app.js', text: "// cors\nconst { ACAO } = require('./headers');\nfunction handler(req, res) {\n  res.setHeader(ACAO, '*');\n  res.setHeader('Vary', 'Origin');\n}\nmodule.exports = handler;\n" },
      { path: 'src/headers.js', text: "module.exports = { ACAO: 'Access-Control-Allow-Origin' };\n" },
    ];
    expect(deferredOf(files)).toEqual([]);
    expect(json(files, true)).toBe(json(files, false));
  });

  it('a syntax error in a deferred file is reported when a linted file imports it, not otherwise', () => {
    const broken = "// CORS settings\nmodule.exports = { origin: 'https://shop.example.net', ;\n";
    const server = { path: 'src/server.js', text: "const cors = require('cors');\nconst options = require('./options');\nrequire('express')().use(cors(options));\n" };
    expect(findings([server, { path: 'src/options.js', text: broken }]).filter((f) => f.endsWith('parse-error'))).toHaveLength(1);
    expect(findings([{ path: 'src/options.js', text: broken }])).toEqual([]);
  });

  it('an unused suppression in a deferred file is still reported', () => {
    const files = [{ path: 'web/api.js', text: "// cors-lint-disable-next-line wildcard-origin\nfetch('https://api.example.com', { mode: 'cors' });\n" }];
    expect(deferredOf(files)).toEqual(['web/api.js']);
    expect(findings(files)).toEqual(['web/api.js:1:4 unused-suppression']);
  });
});

/**
 * The proof that stage two loses nothing: the JSON report is byte-identical with and without it on
 * every fixture unit (linted as fixtures.test.ts lints them), the repository's own test inputs,
 * and the case pack and corpus where this checkout sits next to them. One retry: the request
 * matrix has a wall-clock budget that a heavily loaded machine can exhaust on a cold run, which
 * is not what is compared here (a loss from stage two is deterministic and fails twice).
 */
describe('second prefilter stage: same findings with and without it', { retry: 1 }, () => {
  it('every fixture unit', () => {
    const units = fixtureUnits();
    let deferred = 0;
    for (const unit of units) {
      const on = lint(unit.files);
      deferred += on.skipped.filter((s) => s.reason === DEFERRED).length;
      expect(report(on), unit.name).toBe(report(lint(unit.files, { secondStage: false })));
    }
    // Frontend files with `mode: 'cors'` and a Python config module, at least.
    expect(deferred).toBeGreaterThan(3);
  }, 600_000);

  it("the repository's test inputs (test/truth) and test sources", () => {
    const files = sourceFilesUnder(join(ROOT, 'test'));
    const on = lint(files);
    expect(on.skipped.filter((s) => s.reason === DEFERRED).length).toBeGreaterThan(3);
    expect(report(on)).toBe(json(files, false));
  }, 600_000);

  for (const name of ['cases', 'corpus']) {
    // Next to a checkout of main (../shared), or to a worktree under wt/ (../../shared).
    const dir = [join(ROOT, '..', 'shared', name), join(ROOT, '..', '..', 'shared', name)].find((candidate) => existsSync(candidate));
    it.skipIf(!dir)(`shared/${name}`, () => {
      if (!dir) return;
      const files = sourceFilesUnder(dir);
      expect(json(files, true)).toBe(json(files, false));
    }, 600_000);
  }
});
