import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, respond, type CorsPolicy, type CorsRequest } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';
import { corsHeaderSet, freePort, sendAsBrowser, waitForPort } from './helpers/servers.js';

/**
 * The Starlette/FastAPI, Flask-CORS, django-cors-headers, aiohttp-cors and python-socketio profiles against the real libraries
 * from Debian (run with /usr/bin/python3, which sees them): each case under test/truth/python is
 * linted, served by the real framework on 127.0.0.1, and respond()'s prediction for the
 * extracted policy must equal what the server sends, header for header, for allowed, foreign,
 * `null` and regex-bypass origins.
 */
const PYTHON = '/usr/bin/python3';
const CASES = join(ROOT, 'test', 'truth', 'python');
const MODULES = ['starlette', 'uvicorn', 'fastapi', 'flask', 'flask_cors', 'django', 'corsheaders', 'aiohttp_cors', 'socketio', 'falcon'];
const available = spawnSync(PYTHON, ['-c', `import ${MODULES.join(', ')}`]).status === 0;
if (!available && process.env.CI === 'true') throw new Error(`CI=true but ${PYTHON} cannot import ${MODULES.join(', ')} (npm test installs them from Debian)`);

const ORIGINS = [
  undefined,
  'https://app.example.com',
  'https://admin.example.com',
  'https://x.example.org',
  'https://app.example.com.attacker.invalid',
  'https://x.example.org.attacker.invalid',
  'https://attacker.invalid',
  'null',
];
const REQUESTS = (origin: string | undefined): CorsRequest[] =>
  origin === undefined
    ? // Same-origin and non-browser requests: no Origin, and never a preflight.
      [{ method: 'GET' }, { method: 'POST', credentials: true }]
    : [
  { origin, method: 'GET' },
  { origin, method: 'GET', credentials: true },
  { origin, method: 'POST', credentials: true },
  { origin, method: 'PUT', headers: ['x-token'], preflight: true },
  { origin, method: 'DELETE', preflight: true },
  { origin, method: 'PATCH', headers: ['content-type'], preflight: true },
];

function casesOf(framework: string): Array<{ name: string; path: string; policy: CorsPolicy | undefined }> {
  return readdirSync(join(CASES, framework))
    .filter((file) => file.endsWith('.py'))
    .sort()
    .map((file) => {
      const path = `test/truth/python/${framework}/${file}`;
      const { policies } = lint([{ path, text: readFileSync(join(ROOT, path), 'utf8') }]);
      return { name: file.replace(/\.py$/, ''), path, policy: policies[0] };
    });
}

/** The variable the env_fallback cases read: unset for the shared servers, set for the second run. */
const ENV_VARIABLE = 'CORS_LINT_TRUTH_ORIGINS';

async function start(args: string[], variable?: string, extraEnv: Record<string, string> = {}): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const env = { ...process.env, ...extraEnv };
  delete env[ENV_VARIABLE];
  if (variable !== undefined) env[ENV_VARIABLE] = variable;
  const child = spawn(PYTHON, [args[0], String(port), ...args.slice(1)], { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  try {
    await waitForPort(port);
  } catch (error) {
    child.kill();
    throw new Error(`${args.join(' ')} did not start: ${stderr || (error as Error).message}`);
  }
  return { port, child };
}

function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill();
  });
}

/** One server per case of `framework`, each its own process on 127.0.0.1, started before and stopped after the suite it is called in. */
function serveEach(framework: string, script: string): Map<string, { port: number; child: ChildProcess }> {
  const servers = new Map<string, { port: number; child: ChildProcess }>();
  beforeAll(async () => {
    await Promise.all(
      casesOf(framework).map(async (c) => {
        servers.set(c.name, await start([join(CASES, script), join(ROOT, c.path)]));
      }),
    );
  }, 30_000);
  afterAll(() => Promise.all([...servers.values()].map((server) => stop(server.child))));
  return servers;
}

/**
 * `openPreflight`: the model leaves these headers of a preflight open (Falcon's Allow-Methods is the
 * resource's own Allow list, which the configuration does not show); the rest is compared.
 */
function compareAll(framework: string, pathOf: (name: string) => string, portOf: (name: string) => number, cases = casesOf(framework), asked: (request: CorsRequest) => boolean = () => true, openPreflight: string[] = []) {
  for (const { name, policy } of cases) {
    for (const origin of ORIGINS) {
      for (const request of REQUESTS(origin).filter(asked)) {
        const label = `${request.preflight ? 'preflight ' : ''}${request.method}${request.credentials ? ' with cookies' : ''}${request.headers ? ` + ${request.headers.join(',')}` : ''}`;
        it(`${framework}/${name}: ${label} from ${origin ?? '(no Origin)'}`, async () => {
          expect(policy, `cors-lint finds the policy in ${name}`).toBeDefined();
          const predicted = respond(policy!, request);
          const actual = await sendAsBrowser(portOf(name), pathOf(name), request);
          // Hand-set headers cannot say who answers OPTIONS (Flask's automatic handler here), so only their headers are compared there.
          const handSetPreflight = request.preflight === true && policy!.source.framework === 'python-headers';
          const open = request.preflight && openPreflight.length > 0 && predicted.unknownHeaders ? openPreflight : [];
          expect(predicted.uncertain).toBe(handSetPreflight || open.length > 0);
          if (open.length > 0) expect(predicted.unknownHeaders).toEqual(openPreflight);
          if (!handSetPreflight) expect(predicted.status).toBe(actual.status);
          const known = (name: string) => !open.includes(name.toLowerCase());
          expect(corsHeaderSet(predicted.headers.filter((header) => known(header.name)))).toEqual(corsHeaderSet(actual.headers.filter(([name]) => known(name))));
        });
      }
    }
  }
}

describe.skipIf(!available)('Python framework profiles match the real libraries', () => {
  describe('Starlette / FastAPI CORSMiddleware', () => {
    let server: { port: number; child: ChildProcess } | undefined;
    beforeAll(async () => {
      const files = casesOf('starlette').map((c) => join(ROOT, c.path));
      server = await start([join(CASES, 'serve_asgi.py'), ...files]);
    });
    afterAll(() => stop(server?.child));
    compareAll('starlette', (name) => `/${name}/r`, () => server!.port);
  });

  describe('Flask-CORS', () => {
    let server: { port: number; child: ChildProcess } | undefined;
    beforeAll(async () => {
      const files = casesOf('flask').map((c) => join(ROOT, c.path));
      server = await start([join(CASES, 'serve_flask.py'), ...files]);
    });
    afterAll(() => stop(server?.child));
    compareAll('flask', (name) => `/${name}/r`, () => server!.port);
  });

  // The fallback cases above run with the variable unset; here the same files run with it set, and
  // the model of the file with the variable's value written in predicts the answer: the fallback
  // is only what happens when the variable is missing.
  describe('environment fallbacks with the variable set', () => {
    const setCases: Array<{ framework: string; read: string; value: string }> = [
      { framework: 'flask', read: `os.getenv("${ENV_VARIABLE}")`, value: 'https://app.example.com' },
      { framework: 'starlette', read: `os.environ.get("${ENV_VARIABLE}", "*")`, value: 'https://app.example.com,https://admin.example.com' },
    ];
    for (const { framework, read, value } of setCases) {
      describe(framework, () => {
        const path = `test/truth/python/${framework}/env_fallback.py`;
        const text = readFileSync(join(ROOT, path), 'utf8');
        const unset = lint([{ path, text }]).policies[0];
        const substituted = text.replace(read, JSON.stringify(value));
        const policy = lint([{ path, text: substituted }]).policies[0];
        let server: { port: number; child: ChildProcess } | undefined;
        beforeAll(async () => {
          server = await start([join(CASES, framework === 'flask' ? 'serve_flask.py' : 'serve_asgi.py'), join(ROOT, path)], value);
        });
        afterAll(() => stop(server?.child));
        it('the file reads the variable (the substitution changed it), and unset it falls back to "*" with a reason', () => {
          expect(substituted).not.toBe(text);
          expect(unset.origins).toEqual([expect.objectContaining({ kind: 'any', why: `the fallback used when the environment variable ${ENV_VARIABLE} is unset` })]);
          expect(policy.origins.every((matcher) => matcher.kind === 'exact')).toBe(true);
        });
        compareAll(framework, () => '/env_fallback/r', () => server!.port, [{ name: 'env_fallback (variable set)', path, policy }]);
      });
    }
  });

  // Values read from the environment are unknown to the model, but only the headers they set: for
  // every setting of the variables, the status and every header the model does claim must be what
  // the library sends. Unknowns that decide the status (Starlette's header check) stay global.
  describe('values from the environment leave only their own headers unknown', () => {
    const settings: Array<Record<string, string>> = [
      { CORS_LINT_TRUTH_EXPOSE: 'X-Total', CORS_LINT_TRUTH_MAX_AGE: '300', CORS_LINT_TRUTH_HEADERS: 'X-Token' },
      { CORS_LINT_TRUTH_EXPOSE: 'X-A,X-B', CORS_LINT_TRUTH_MAX_AGE: '86400', CORS_LINT_TRUTH_HEADERS: 'X-Other,Content-Type' },
    ];
    const files = readdirSync(join(CASES, 'unknown')).filter((file) => file.endsWith('.py')).sort();
    for (const [index, env] of settings.entries()) {
      for (const file of files) {
        const path = `test/truth/python/unknown/${file}`;
        const name = file.replace(/\.py$/, '');
        const framework = name.split('_')[0];
        const policy = lint([{ path, text: readFileSync(join(ROOT, path), 'utf8') }]).policies[0];
        describe(`${name} (setting ${index + 1})`, () => {
          let server: { port: number; child: ChildProcess } | undefined;
          beforeAll(async () => {
            const serve = { starlette: 'serve_asgi.py', flask: 'serve_flask.py', django: 'serve_django.py' }[framework]!;
            server = await start([join(CASES, serve), join(ROOT, path)], undefined, env);
          }, 30_000);
          afterAll(() => stop(server?.child));
          const urlPath = framework === 'django' ? '/r' : `/${name}/r`;
          for (const origin of ORIGINS.filter((o) => o !== undefined)) {
            for (const request of REQUESTS(origin)) {
              const label = `${request.preflight ? 'preflight ' : ''}${request.method}${request.credentials ? ' with cookies' : ''}${request.headers ? ` + ${request.headers.join(',')}` : ''}`;
              it(`${label} from ${origin}`, async () => {
                expect(policy, `cors-lint finds the policy in ${name}`).toBeDefined();
                const predicted = respond(policy, request);
                // An actual request never depends on these options: its whole answer is known.
                if (!request.preflight) expect(predicted.uncertain && predicted.unknownHeaders === undefined).toBe(false);
                if (predicted.uncertain && predicted.unknownHeaders === undefined) return;
                const open = predicted.unknownHeaders ?? [];
                const actual = await sendAsBrowser(server!.port, urlPath, request);
                expect(predicted.status).toBe(actual.status);
                const known = (name: string) => !open.includes(name.toLowerCase());
                expect(corsHeaderSet(predicted.headers.filter((header) => known(header.name)))).toEqual(corsHeaderSet(actual.headers.filter(([header]) => known(header))));
              });
            }
          }
        });
      }
    }
  });

  describe('aiohttp-cors', () => {
    const servers = serveEach('aiohttp', 'serve_aiohttp.py');
    compareAll('aiohttp', () => '/r', (name) => servers.get(name)!.port);
  });

  // python-socketio answers only its own path; a POST there needs a session, so the browser-shaped
  // requests are the long-polling handshake (GET) and preflights.
  describe('python-socketio (engine.io)', () => {
    const servers = serveEach('engineio', 'serve_engineio.py');
    compareAll('engineio', () => '/socket.io/?EIO=4&transport=polling', (name) => servers.get(name)!.port, casesOf('engineio'), (request) => request.preflight === true || request.method === 'GET');
  });

  // A preflight is answered by the resource's default OPTIONS responder, whose Allow list becomes Allow-Methods.
  describe('Falcon CORSMiddleware', () => {
    const servers = serveEach('falcon', 'serve_falcon.py');
    compareAll('falcon', () => '/r', (name) => servers.get(name)!.port, casesOf('falcon'), () => true, ['access-control-allow-methods']);
  });

  describe('django-cors-headers', () => {
    const servers = serveEach('django', 'serve_django.py');
    compareAll('django', () => '/r', (name) => servers.get(name)!.port);

    it("a trailing slash passes at run time but fails django-cors-headers' system check, as origin-not-serialized says", () => {
      const run = spawnSync(PYTHON, [join(CASES, 'serve_django.py'), '--check', join(CASES, 'django', 'allowlist_regex.py')], { encoding: 'utf8' });
      expect(run.stdout.split(/\s+/)).toContain('corsheaders.E014');
      const { diagnostics } = lint([{ path: 'settings.py', text: readFileSync(join(CASES, 'django', 'allowlist_regex.py'), 'utf8') }]);
      expect(diagnostics.filter((d) => d.ruleId === 'origin-not-serialized').map((d) => d.message)).toEqual([expect.stringContaining('corsheaders.E014')]);
    });
  });
});
