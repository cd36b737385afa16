import { describe, expect, it } from 'vitest';
import { lint, type CorsPolicy } from '../src/index.js';
import { decodeStringLiteral } from '../src/extract/python/values.js';

function policiesOf(text: string, path = 'app.py'): CorsPolicy[] {
  return lint([{ path, text }]).policies;
}
function findings(text: string, path = 'app.py') {
  return lint([{ path, text }]).diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId}`);
}

const STARLETTE = 'from starlette.applications import Starlette\n';

describe('Python values', () => {
  it('decodes string literals as Python does', () => {
    expect(decodeStringLiteral(String.raw`"a\tb\x41\u00e9\101"`)).toBe('a\tbAé\u0041');
    expect(decodeStringLiteral(String.raw`r"^https://.*\.example\.com$"`)).toBe(String.raw`^https://.*\.example\.com$`);
    expect(decodeStringLiteral(`'''multi\nline'''`)).toBe('multi\nline');
    expect(decodeStringLiteral(String.raw`"keep \d unknown escapes"`)).toBe(String.raw`keep \d unknown escapes`);
    expect(decodeStringLiteral(`b"bytes"`)).toBe('bytes');
  });

  it('follows names, concatenation, tuples and implicit string concatenation; environment values are unknown, their literal fallbacks are not', () => {
    const [policy] = policiesOf(
      `${STARLETTE}from starlette.middleware.cors import CORSMiddleware\nBASE = ("https://a.example.com",)\nEXTRA = ["https://" "b.example.com"]\napp = Starlette()\napp.add_middleware(CORSMiddleware, allow_origins=list(BASE) + EXTRA)\n`,
    );
    expect(policy.origins.map((m) => (m.kind === 'exact' ? m.value : m.kind))).toEqual(['https://a.example.com', 'https://b.example.com']);
    const [fromEnv] = policiesOf(`${STARLETTE}import os\nfrom starlette.middleware.cors import CORSMiddleware\napp = Starlette()\napp.add_middleware(CORSMiddleware, allow_origins=os.getenv("ORIGINS", "*").split(","), allow_credentials=True)\n`);
    expect(fromEnv.origins.map((m) => [m.kind, m.kind === 'any' ? m.why : ''])).toEqual([['any', 'the fallback used when the environment variable ORIGINS is unset']]);
    const [required] = policiesOf(`${STARLETTE}import os\nfrom starlette.middleware.cors import CORSMiddleware\napp = Starlette()\napp.add_middleware(CORSMiddleware, allow_origins=os.environ["ORIGINS"].split(","), allow_credentials=True)\n`);
    expect(required.origins.map((m) => m.kind)).toEqual(['unknown']);
    expect(findings(`${STARLETTE}from environs import Env\nfrom starlette.middleware.cors import CORSMiddleware\nenv = Env()\napp = Starlette()\napp.add_middleware(CORSMiddleware, allow_origins=env.list("ORIGINS"), allow_credentials=True)\n`)).toEqual([]);
  });

  it('reads names bound inside the function that configures the app', () => {
    const text = `from flask import Flask\nfrom flask_cors import CORS\n\ndef create_app():\n    app = Flask(__name__)\n    origins = ["https://app.example.com/"]\n    CORS(app, origins=origins)\n    return app\n`;
    expect(findings(text)).toEqual(['6:16 origin-not-serialized']);
  });

  it('a name assigned twice, or inside if/try, is unknown; a list extended later keeps its entries but cannot prove a grant', () => {
    expect(findings(`MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOW_ALL_ORIGINS = False\nif DEBUG:\n    CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n`, 'settings.py')).toEqual([]);
    const text = `MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOWED_ORIGINS = ["https://a.example.com/"]\nCORS_ALLOWED_ORIGINS += EXTRA\n`;
    expect(findings(text, 'settings.py')).toEqual(['2:25 origin-not-serialized']);
    expect(policiesOf(text, 'settings.py')[0].origins.map((m) => m.kind)).toEqual(['exact', 'unknown']);
  });

  it('a settings module with a star import leaves unset values unknown', () => {
    const policy = policiesOf(`from .base import *\nCORS_ALLOW_CREDENTIALS = True\n`, 'settings/prod.py')[0];
    expect(policy.origins.every((m) => m.kind === 'unknown')).toBe(true);
    expect(findings(`from .base import *\nCORS_ALLOW_CREDENTIALS = True\n`, 'settings/prod.py')).toEqual([]);
  });
});

describe('environment fallbacks', () => {
  const FLASK = 'import os\nfrom flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\n';
  const FASTAPI = 'import os\nfrom fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\n';
  const messages = (text: string, path = 'app.py') => lint([{ path, text }]).diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId} ${d.message}`);

  it('`getenv(X) or "*"`, `environ.get(X, "*")`, `if getenv(X): … else: …` and `a if getenv(X) else b` report the branch taken when X is unset, saying so', () => {
    const shapes: Array<[string, string]> = [
      [`origins = os.getenv("ORIGINS") or "*"\nCORS(app, origins=origins, supports_credentials=True)\n`, '5:'],
      [`CORS(app, origins=os.environ.get("ORIGINS", "*").split(","), supports_credentials=True)\n`, '5:'],
      [`from os import getenv\nCORS(app, origins=getenv("ORIGINS", default="*"), supports_credentials=True)\n`, '6:'],
      [`raw = os.getenv("ORIGINS")\nif raw:\n    origins = raw.split(",")\nelse:\n    origins = ["*"]\nCORS(app, origins=origins, supports_credentials=True)\n`, '9:'],
      [`if "ORIGINS" in os.environ:\n    origins = os.environ["ORIGINS"].split(",")\nelse:\n    origins = "*"\nCORS(app, origins=origins, supports_credentials=True)\n`, '8:'],
      [`origins = ["*"]\nif os.getenv("ORIGINS"):\n    origins = os.getenv("ORIGINS").split(",")\nCORS(app, origins=origins, supports_credentials=True)\n`, '5:'],
      [`origins = os.getenv("ORIGINS").split(",") if os.getenv("ORIGINS") else ["*"]\nCORS(app, origins=origins, supports_credentials=True)\n`, '5:'],
    ];
    for (const [code, line] of shapes) {
      const found = messages(FLASK + code);
      expect(found, code).toHaveLength(1);
      expect(found[0], code).toMatch(new RegExp(`^${line}\\d+ credentials-reflect-any-origin .*the fallback used when the environment variable ORIGINS is unset`));
    }
  });

  it('`settings.x or ["*"]` is a fallback for an empty or unset setting', () => {
    const text = `from .config import settings\n${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins or ["*"], allow_credentials=True)\n`;
    expect(messages(text)).toEqual([expect.stringMatching(/^6:\d+ credentials-reflect-any-origin .*the fallback used when settings\.cors_origins is empty or unset/)]);
  });

  it('near misses: no literal fallback, a required variable, a non-environment test, an empty fallback, or a fallback only for credentials stay silent', () => {
    const silent = [
      `${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=os.environ["ORIGINS"].split(","), allow_credentials=True)\n`,
      `${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=os.getenv("ORIGINS", "").split(","), allow_credentials=True)\n`,
      `${FASTAPI}if DEBUG:\n    origins = ["*"]\nelse:\n    origins = ["https://app.example.com"]\napp.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=True)\n`,
      `${FASTAPI}if os.getenv("ORIGINS"):\n    origins = ["*"]\nelse:\n    origins = ["https://app.example.com"]\napp.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=True)\n`,
      // Two origins, so Flask-CORS sends Vary: with one, missing-vary-origin fires whatever the credentials are.
      `${FLASK}CORS(app, origins=["https://app.example.com", "https://admin.example.com"], supports_credentials=os.getenv("CREDS", True))\n`,
      `MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nimport os\nCORS_ALLOW_ALL_ORIGINS = os.getenv("CORS_ALLOW_ALL", "False")\nCORS_ALLOW_CREDENTIALS = True\n`,
    ];
    for (const text of silent) expect(messages(text, text.startsWith('MIDDLEWARE') ? 'settings.py' : 'app.py'), text).toEqual([]);
  });

  it('settings libraries: python-decouple config(..., default, cast=Csv()/bool), django-environ and environs Env() readers with a default of their type', () => {
    const fires = [
      `from decouple import config, Csv\n${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=config("ORIGINS", default="*", cast=Csv()), allow_credentials=True)\n`,
      `import environ\nenv = environ.Env()\n${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=env.list("ORIGINS", default=["*"]), allow_credentials=True)\n`,
      `from environs import Env\nenv = Env()\n${FLASK}CORS(app, origins=env.str("ORIGINS", default="*"), supports_credentials=True)\n`,
    ];
    for (const text of fires) expect(messages(text), text).toEqual([expect.stringMatching(/credentials-reflect-any-origin .*environment variable ORIGINS is unset/)]);
    const django = `import environ\nenv = environ.Env()\nMIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOW_ALL_ORIGINS = env.bool("CORS_ALLOW_ALL", default=True)\nCORS_ALLOW_CREDENTIALS = True\n`;
    expect(messages(django, 'settings.py')).toEqual([expect.stringMatching(/^4:\d+ credentials-reflect-any-origin .*CORS_ALLOW_ALL is unset/)]);
    const silent = [
      // No default: the library raises when the variable is missing.
      `from decouple import config, Csv\n${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=config("ORIGINS", cast=Csv()), allow_credentials=True)\n`,
      // A cast that is not modelled, a default of another type (django-environ returns it unparsed), an object that is not an Env.
      `from decouple import config\n${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=config("ORIGINS", default="*", cast=lambda v: v.split()), allow_credentials=True)\n`,
      `import environ\nenv = environ.Env()\n${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=env.list("ORIGINS", default="*"), allow_credentials=True)\n`,
      `${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=settings.list("ORIGINS", default=["*"]), allow_credentials=True)\n`,
    ];
    for (const text of silent) expect(messages(text), text).toEqual([]);
  });

  it('a written fallback origin is judged as written, as in JS (its trailing slash never matches)', () => {
    const text = `${FASTAPI}app.add_middleware(CORSMiddleware, allow_origins=os.getenv("ORIGINS", "https://app.example.com/").split(","), allow_credentials=True)\n`;
    expect(messages(text)).toEqual([expect.stringMatching(/^5:\d+ origin-not-serialized origin 'https:\/\/app\.example\.com\/' has a trailing slash/)]);
  });

  it('a django-cors-headers bool fallback allows every origin when the variable is unset', () => {
    const text = `import os\nMIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOW_ALL_ORIGINS = os.getenv("CORS_ALLOW_ALL", True)\nCORS_ALLOW_CREDENTIALS = True\n`;
    expect(messages(text, 'settings.py')).toEqual([expect.stringMatching(/^3:\d+ credentials-reflect-any-origin .*CORS_ALLOW_ALL is unset/)]);
  });
});

describe('what Python sends', () => {
  it('a Python True credentials header goes out as "True", which browsers do not accept: the "*" is plain wildcard, not the broken credentials pair', () => {
    const hook = (value: string) => `from flask import Flask\napp = Flask(__name__)\n\n@app.after_request\ndef cors(response):\n    response.headers["Access-Control-Allow-Origin"] = "*"\n    response.headers["Access-Control-Allow-Credentials"] = ${value}\n    return response\n`;
    expect(findings(hook('True'))).toEqual(['6:55 wildcard-origin']);
    expect(lint([{ path: 'app.py', text: hook('True') }]).diagnostics[0].message).toContain("goes out as 'True', which browsers do not accept as 'true'");
    expect(findings(hook('"true"'))).toEqual(['6:55 credentials-wildcard-origin']);
  });

  it('an f-string origin is judged on the text around its fields (Starlette lists, hand-set headers), never on what the fields might hold', () => {
    const hook = (value: string) => `from flask import Flask\napp = Flask(__name__)\n\n@app.after_request\ndef cors(response):\n    response.headers["Access-Control-Allow-Origin"] = ${value}\n    return response\n`;
    expect(findings(hook('f"https://{settings.FRONTEND_HOST}/app"'))).toEqual(['6:55 origin-not-serialized']);
    expect(findings(hook('f"https://{settings.FRONTEND_HOST}"'))).toEqual([]);
    expect(findings(hook('f"https://{HOST}{{x}}/"'))).toEqual([]);
  });

  it('Flask-CORS resources keyed by a compiled regex or a computed path keep their options', () => {
    const text = `import re\nfrom flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app, resources={re.compile(PREFIX + "/.*"): {"origins": "*"}, "/public/*": {"origins": "https://app.example.com"}})\n`;
    const policies = policiesOf(text);
    expect(policies.map((p) => p.origins.map((m) => m.kind).join())).toEqual(['exact', 'any']);
    expect(findings(text)).toContain('5:62 reflect-any-origin');
    // A `**spread` still hides what the resources are.
    expect(findings(`from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\nCORS(app, resources={**MORE, "/api/*": {"origins": "*"}})\n`)).toEqual([]);
  });
});

describe('values from other modules of the repository', () => {
  const MAIN = 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\nfrom .a import ORIGINS\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)\n';
  /** app/a.py re-exports from b, b from c, …; the last module binds ORIGINS = ["*"]. */
  const chain = (length: number) => {
    const names = 'abcdefg'.slice(0, length).split('');
    return Object.fromEntries(names.map((name, i) => [`app/${name}.py`, i === names.length - 1 ? '\n\nORIGINS = ["*"]\n' : `from .${names[i + 1]} import ORIGINS\n`]));
  };
  const run = (modules: Record<string, string>, viaHost = false) => {
    const files = [{ path: 'app/main.py', text: MAIN }, ...(viaHost ? [] : Object.entries(modules).map(([path, text]) => ({ path, text })))];
    return lint(files, viaHost ? { host: { readFile: () => undefined, readModule: (path: string) => modules[path] } } : {});
  };

  it('follows `from .a import X` through up to three imports, to the position where the value is written, and records what it read', () => {
    const result = run(chain(3));
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`)).toEqual(['app/c.py:3:12 credentials-reflect-any-origin']);
    expect(result.dependencies?.['app/main.py']).toEqual(['app/a.py', 'app/b.py', 'app/c.py']);
    // Read through the host when the module is not among the inputs.
    expect(run(chain(3), true).diagnostics.map((d) => `${d.file}:${d.line} ${d.ruleId}`)).toEqual(['app/c.py:3 credentials-reflect-any-origin']);
    // A fourth import is not followed: unknown, silent.
    expect(run(chain(4)).diagnostics).toEqual([]);
  });

  it('an absolute import resolves against the folders above the importer; a module that is missing, or outside the root, stays unknown', () => {
    const main = MAIN.replace('from .a import ORIGINS', 'from app.core.cors import ORIGINS');
    const found = lint([{ path: 'src/app/main.py', text: main }, { path: 'src/app/core/cors.py', text: 'ORIGINS = ["*"]\n' }]);
    expect(found.diagnostics.map((d) => `${d.file}:${d.line} ${d.ruleId}`)).toEqual(['src/app/core/cors.py:1 credentials-reflect-any-origin']);
    expect(lint([{ path: 'app/main.py', text: MAIN.replace('.a', '...outside') }], { host: { readFile: () => undefined, readModule: () => 'ORIGINS = ["*"]\n' } }).diagnostics).toEqual([]);
    expect(lint([{ path: 'app/main.py', text: MAIN }]).diagnostics).toEqual([]);
  });
});

describe('framework sites', () => {
  it('Starlette and FastAPI: every import spelling, and Middleware(...) lists', () => {
    const spellings = [
      'from fastapi.middleware.cors import CORSMiddleware as C\napp.add_middleware(C, allow_origins=["*"], allow_credentials=True)',
      'from starlette.middleware import cors\napp.add_middleware(cors.CORSMiddleware, allow_origins=["*"], allow_credentials=True)',
      'import starlette.middleware.cors\napp.add_middleware(starlette.middleware.cors.CORSMiddleware, allow_origins=["*"], allow_credentials=True)',
      'from fastapi import FastAPI\nfrom fastapi.middleware import Middleware\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI(middleware=[Middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)])',
      'from starlette.middleware.cors import CORSMiddleware\napplication = CORSMiddleware(app, allow_origins=["*"], allow_credentials=True)',
    ];
    for (const text of spellings) expect(policiesOf(text).map((p) => p.source.framework), text).toEqual(['starlette']);
    expect(policiesOf('from mylib import CORSMiddleware\napp.add_middleware(CORSMiddleware, allow_origins=["*"])')).toEqual([]);
  });

  it('** options hide what they might set, and only that', () => {
    // The dict may set credentials (and so whether cookie-carrying requests are a credentials finding),
    // but not the '*' Starlette sends to requests without cookies (allow_origins cannot be passed twice).
    expect(findings('from fastapi.middleware.cors import CORSMiddleware\napp.add_middleware(CORSMiddleware, allow_origins=["*"], **settings.cors)\n')).toEqual(['2:51 wildcard-origin']);
  });

  it('Flask-CORS: config layers, init_app, resources, blueprints and the decorator', () => {
    const app = 'from flask import Flask\nfrom flask_cors import CORS, cross_origin\napp = Flask(__name__)\n';
    expect(findings(`${app}app.config.from_object("config.Prod")\nCORS(app, supports_credentials=True)\n`)).toEqual([]);
    expect(findings(`${app}app.config["CORS_SUPPORTS_CREDENTIALS"] = True\nCORS(app)\n`)).toEqual(['5:1 credentials-reflect-any-origin']);
    expect(findings(`${app}cors = CORS(supports_credentials=True)\ncors.init_app(app)\n`)).toEqual(['4:8 credentials-reflect-any-origin']);
    const resources = policiesOf(`${app}CORS(app, resources={r"/api/*": {"origins": ["https://a.example.com"]}, r"/public/*": {}})\n`);
    expect(resources.map((p) => [p.scope.path, p.origins.map((m) => m.kind)])).toEqual([
      ['/api/*', ['exact']],
      ['/public/*', ['any']],
    ]);
    expect(findings(`from flask import Blueprint\nfrom flask_cors import CORS\nbp = Blueprint("api", __name__)\nCORS(bp, supports_credentials=True)\n`)).toEqual(['4:1 credentials-reflect-any-origin']);
    const [route] = policiesOf(`${app}@app.route("/items", methods=["PUT"])\n@cross_origin(origins="https://a.example.com")\ndef items():\n    return ""\n`);
    expect(route.scope).toMatchObject({ kind: 'route', path: '/items', methods: ['PUT'] });
    expect(route.source.loc).toMatchObject({ line: 5, column: 2, endColumn: 14 });
  });

  it('Flask-CORS treats strings with regex characters as start-anchored regexes', () => {
    const [policy] = policiesOf('from flask_cors import CORS\nfrom flask import Flask\napp = Flask(__name__)\nCORS(app, origins=["https://*.example.com", "https://a.example.com"])\n');
    expect(policy.origins.map((m) => m.kind)).toEqual(['pattern', 'exact']);
  });

  it('django-cors-headers: new names win over old ones; settings without CorsMiddleware in MIDDLEWARE are inert', () => {
    const [policy] = policiesOf('CORS_ORIGIN_WHITELIST = ["https://old.example.com"]\nCORS_ALLOWED_ORIGINS = ["https://new.example.com"]\n', 'settings.py');
    expect(policy.origins.map((m) => (m.kind === 'exact' ? m.value : m.kind))).toEqual(['https://new.example.com']);
    expect(policiesOf('MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]\nCORS_ALLOW_ALL_ORIGINS = True\n', 'settings.py')).toEqual([]);
    // Flask-CORS config names alone do not make a Django settings module.
    expect(policiesOf('CORS_ALLOW_HEADERS = ["x-token"]\n', 'config.py')).toEqual([]);
  });
});

describe('bad Python input', () => {
  it('syntax errors, Python 2, notebooks, non-UTF-8 text, huge and deeply nested files: one diagnostic or skip each', () => {
    const cors = 'from flask_cors import CORS\n';
    const result = lint([
      { path: 'broken.py', text: `${cors}CORS(app, origins=[\n` },
      { path: 'py2.py', text: `${cors}print "hello"\nexcept Exception, e:\n  x = \`y\`\n` },
      { path: 'notebook.py', text: `# In[1]:\n!pip install flask-cors\n${cors}` },
      { path: 'latin1.py', text: `# caf\uFFFD\n${cors}` },
      { path: 'generated.py', text: `${cors}${'x = 1\n'.repeat(500_000)}` },
      { path: 'deep.py', text: `${cors}x = ${'['.repeat(5_000)}${']'.repeat(5_000)}\n` },
      { path: 'messages_pb2.py', text: cors },
      { path: 'stub.pyi', text: cors },
    ]);
    const byFile = (file: string) => result.diagnostics.filter((d) => d.file === file).map((d) => d.ruleId);
    expect(byFile('broken.py')).toEqual(['parse-error']);
    expect(result.diagnostics.find((d) => d.file === 'py2.py')?.message).toContain('Python 2');
    expect(byFile('notebook.py')).toEqual([]);
    expect(byFile('latin1.py')).toEqual([]);
    expect(result.skipped.map((s) => s.path).sort()).toEqual(expect.arrayContaining(['generated.py', 'messages_pb2.py', 'stub.pyi']));
    expect(byFile('deep.py').every((id) => id === 'parse-error')).toBe(true);
  });
});

describe('Python nesting beyond what CPython accepts', () => {
  const APP = 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)\n';

  it('201 nested brackets: one parse-error at the bracket too deep, no internal error (lezer trees break past ~1,000 mixed levels)', () => {
    const deep = `x = ${'('.repeat(201)}1${')'.repeat(201)}\n`;
    expect(findings(APP + deep)).toEqual([`5:${4 + 201} parse-error`]);
    // The shape the fuzzer found: ~1,300 unclosed calls around an f-string; lezer's tree walk threw a TypeError.
    const fuzzed = `${APP}${'    CORSMiddadd_middleware(\n'.repeat(1300)}    allow_origins=[f"https://{DOMAIN}", f"{os.environ['ORIGIN']}"],\n)\n`;
    expect(findings(fuzzed)).toEqual(['205:27 parse-error']);
  });

  it("a tree lezer's error recovery cannot walk (1,332 broken string lines after an open call) is one parse-error, not an internal error", () => {
    const broken = `from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app, origins=["https://*.example.com"]\n${'/*.example.com"]\n'.repeat(1332)}`;
    expect(findings(broken)).toEqual(['1:1 parse-error']);
  });

  it('200 levels (what CPython accepts), brackets in strings and comments: read as usual', () => {
    const ok = `x = ${'('.repeat(200)}1${')'.repeat(200)}\ny = "${'('.repeat(300)}"  # ${'['.repeat(300)}\n`;
    expect(findings(APP + ok)).toEqual(['4:51 credentials-reflect-any-origin']);
  });

  it('a name whose value tests itself (`origins = [...] if origins == "x" else ["*"]`) is unknown, not a stack overflow (fuzz python seed 84102 #181)', () => {
    const text = 'from flask import Flask\nfrom flask_cors import CORS\napp = Flask(__name__)\norigins = ["https://a.example.com"] if origins == "x" else ["*"]\nCORS(app, origins=origins, supports_credentials=True)\n';
    expect(findings(text)).toEqual([]);
  });
});

describe('positions at the end of the file', () => {
  it('a statement left open at a last line of blanks (parsed with a newline added) ends where the file ends, not one past it (fuzz python seed 32001 #1558)', () => {
    const text = 'def handler(event, context):\n    origin = event["headers"].get("origin")\n    return {\n        "statusCode": 200,\n        "headers": {\n            "Access-Control-Allow-Origin": origin,\n      ';
    const { diagnostics } = lint([{ path: 'handler.py', text }]);
    expect(diagnostics.map((d) => d.ruleId)).not.toContain('internal-error');
    const vary = diagnostics.find((d) => d.ruleId === 'missing-vary-origin')!;
    expect([vary.line, vary.column, vary.endLine, vary.endColumn]).toEqual([3, 12, 7, 7]);
  });
});

describe('AWS CDK (Python)', () => {
  const preflight = (policy: CorsPolicy) => policy.headerProgram!.run({ method: 'OPTIONS', preflight: true, origin: 'https://x.example', requestMethod: 'PUT', headers: [] } as never);
  it('reads CorsOptions through every import form of the CDK module, with its constants and durations', () => {
    const forms = [
      'import aws_cdk.aws_apigateway as apigw\nfrom aws_cdk import Duration\n',
      'from aws_cdk import aws_apigateway as apigw, Duration\n',
      'import aws_cdk as cdk\napigw = None\nDuration = cdk.Duration\n',
    ];
    const call = 'apigw.RestApi(self, "Api", default_cors_preflight_options=apigw.CorsOptions(allow_origins=apigw.Cors.ALL_ORIGINS, allow_methods=["GET"], max_age=Duration.hours(2)))\n';
    const [v1, v2] = forms.slice(0, 2).map((head) => policiesOf(head + call));
    for (const policies of [v1, v2]) {
      expect(policies).toHaveLength(1);
      expect(policies[0].origins.map((m) => m.kind)).toEqual(['any']);
      expect(policies[0].maxAge?.value).toBe(7200);
      expect(policies[0].allowHeaders.kind === 'list' && policies[0].allowHeaders.items).toContain('X-Api-Key');
      expect(preflight(policies[0]).status).toBe(204);
    }
    // `apigw` rebound to something that is not the CDK: nothing is read.
    expect(policiesOf(forms[2] + call)).toEqual([]);
  });

  it('the v2 alpha module, dict options and CfnApi.CorsProperty; classes of other modules are not the CDK', () => {
    const alpha = policiesOf('from aws_cdk.aws_apigatewayv2_alpha import HttpApi, CorsHttpMethod\nHttpApi(self, "Api", cors_preflight={"allow_origins": ["https://a.example"], "allow_methods": [CorsHttpMethod.ANY]})\n');
    expect(alpha.map((p) => [p.scope.label, p.origins.map((m) => (m.kind === 'exact' ? m.value : m.kind)), p.allowMethods.kind])).toEqual([['HttpApi Api', ['https://a.example'], 'wildcard']]);
    expect(policiesOf('from mylib.aws_apigateway import RestApi\nRestApi(self, "Api", default_cors_preflight_options={"allow_origins": ["*"], "allow_credentials": True})\n')).toEqual([]);
    expect(policiesOf('from aws_cdk import aws_apigateway as apigw\napigw.RestApi(self, "Api", default_cors_preflight_options=props.cors)\n')).toEqual([]);
  });

  it('unknown options silence only their own headers: unknown credentials with a listed origin, origins from props', () => {
    expect(findings('import os\nfrom aws_cdk import aws_apigateway as apigw\napigw.RestApi(self, "Api", default_cors_preflight_options=apigw.CorsOptions(allow_origins=["*"], allow_credentials=os.environ.get("C") == "1"))\n')).toEqual([]);
    expect(findings('from aws_cdk import aws_apigateway as apigw\napigw.RestApi(self, "Api", default_cors_preflight_options=apigw.CorsOptions(allow_origins=props.origins, allow_credentials=True, max_age=Duration.days(2)))\n')).toEqual([]);
    expect(findings('from aws_cdk import aws_apigateway as apigw, Duration\napigw.RestApi(self, "Api", default_cors_preflight_options=apigw.CorsOptions(allow_origins=props.origins, max_age=Duration.days(2)))\n')).toEqual(['2:114 max-age-over-browser-limit']);
  });
});

describe('django settings: the names read only where assigned skip the tree walk', () => {
  // onlyAtTargets is a shortcut for readsOwnConstants: whenever it says "only assigned", the walk finds no read.
  const pieces = [
    'CORS_ALLOWED_ORIGINS = ["https://a.example.com"]\n',
    'CORS_ALLOW_CREDENTIALS = True\n',
    'CORS_ALLOWED_ORIGINS += ["https://b.example.com"]\n',
    'if DEBUG:\n    CORS_ALLOW_ALL_ORIGINS = True\n',
    'CSRF_TRUSTED_ORIGINS = CORS_ALLOWED_ORIGINS\n',
    'def origins():\n    return CORS_ALLOWED_ORIGINS\n',
    'print(CORS_ALLOW_CREDENTIALS)\n',
    'CORS_ALLOWED_ORIGINS.append("https://c.example.com")\n',
    'app.add_middleware(CORSMiddleware, allow_origins=CORS_ALLOWED_ORIGINS)\n',
    '# CORS_ALLOWED_ORIGINS is set below\n',
    'NOTE = "CORS_ALLOW_CREDENTIALS"\n',
    'CORS_ALLOWED_ORIGINS_EXTRA = []\n',
    'A = CORS_ALLOW_ALL_ORIGINS = False\n',
    'class Config:\n    CORS_ALLOW_CREDENTIALS = True\n',
    'MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\n',
  ];
  it('agrees with the walk on generated settings modules', async () => {
    const fc = (await import('fast-check')).default;
    const { parsePython } = await import('../src/extract/python/parse.js');
    const { assignments, onlyAtTargets, readsOwnConstants } = await import('../src/extract/python/django.js');
    const names = ['CORS_ALLOWED_ORIGINS', 'CORS_ALLOW_CREDENTIALS', 'CORS_ALLOW_ALL_ORIGINS'];
    let shortcuts = 0;
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 6 }), (chosen) => {
        const { parsed } = parsePython({ path: 'settings.py', text: chosen.join('') });
        const assigned = assignments(parsed);
        const present = names.filter((name) => assigned.has(name));
        if (!onlyAtTargets(parsed, present, assigned)) return true;
        shortcuts++;
        return !readsOwnConstants(parsed, new Set(present));
      }),
      { numRuns: 1500, seed: 88102 },
    );
    // The property is not vacuous: the shortcut is taken for many of the modules.
    expect(shortcuts).toBeGreaterThan(100);
  });
});
