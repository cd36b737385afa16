import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, respond, type CorsPolicy, type CorsRequest } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';
import { corsHeaderSet, freePort, sendAsBrowser, waitForPort } from './helpers/servers.js';

/**
 * The Starlette/FastAPI, Flask-CORS and django-cors-headers profiles against the real libraries
 * from Debian (run with /usr/bin/python3, which sees them): each case under test/truth/python is
 * linted, served by the real framework on 127.0.0.1, and respond()'s prediction for the
 * extracted policy must equal what the server sends, header for header, for allowed, foreign,
 * `null` and regex-bypass origins.
 */
const PYTHON = '/usr/bin/python3';
const CASES = join(ROOT, 'test', 'truth', 'python');
const MODULES = ['starlette', 'uvicorn', 'fastapi', 'flask', 'flask_cors', 'django', 'corsheaders'];
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

async function start(args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(PYTHON, [args[0], String(port), ...args.slice(1)], { stdio: ['ignore', 'ignore', 'pipe'] });
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

function compareAll(framework: string, pathOf: (name: string) => string, portOf: (name: string) => number) {
  for (const { name, policy } of casesOf(framework)) {
    for (const origin of ORIGINS) {
      for (const request of REQUESTS(origin)) {
        const label = `${request.preflight ? 'preflight ' : ''}${request.method}${request.credentials ? ' with cookies' : ''}${request.headers ? ` + ${request.headers.join(',')}` : ''}`;
        it(`${framework}/${name}: ${label} from ${origin ?? '(no Origin)'}`, async () => {
          expect(policy, `cors-lint finds the policy in ${name}`).toBeDefined();
          const predicted = respond(policy!, request);
          const actual = await sendAsBrowser(portOf(name), pathOf(name), request);
          // Hand-set headers cannot say who answers OPTIONS (Flask's automatic handler here), so only their headers are compared there.
          const handSetPreflight = request.preflight === true && policy!.source.framework === 'python-headers';
          expect(predicted.uncertain).toBe(handSetPreflight);
          if (!handSetPreflight) expect(predicted.status).toBe(actual.status);
          expect(corsHeaderSet(predicted.headers)).toEqual(corsHeaderSet(actual.headers));
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

  describe('django-cors-headers', () => {
    const servers = new Map<string, { port: number; child: ChildProcess }>();
    beforeAll(async () => {
      await Promise.all(
        casesOf('django').map(async (c) => {
          servers.set(c.name, await start([join(CASES, 'serve_django.py'), join(ROOT, c.path)]));
        }),
      );
    }, 30_000);
    afterAll(() => Promise.all([...servers.values()].map((server) => stop(server.child))));
    compareAll('django', () => '/r', (name) => servers.get(name)!.port);

    it("a trailing slash passes at run time but fails django-cors-headers' system check, as origin-not-serialized says", () => {
      const run = spawnSync(PYTHON, [join(CASES, 'serve_django.py'), '--check', join(CASES, 'django', 'allowlist_regex.py')], { encoding: 'utf8' });
      expect(run.stdout.split(/\s+/)).toContain('corsheaders.E014');
      const { diagnostics } = lint([{ path: 'settings.py', text: readFileSync(join(CASES, 'django', 'allowlist_regex.py'), 'utf8') }]);
      expect(diagnostics.filter((d) => d.ruleId === 'origin-not-serialized').map((d) => d.message)).toEqual([expect.stringContaining('corsheaders.E014')]);
    });
  });
});
