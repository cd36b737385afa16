import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { request as httpRequest, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, respond, type CorsRequest } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';
import { corsHeaderSet, sendAsBrowser } from './helpers/servers.js';

/** The Express `cors` profile against real Express apps: respond() must predict every CORS header and the preflight status. */
const APPS_FILE = join(ROOT, 'test', 'truth', 'express', 'apps.cjs');
const apps = createRequire(import.meta.url)(APPS_FILE) as Record<string, { listen: (port: number, host: string, cb: () => void) => Server }>;
const OPTIONS_FILE = join(ROOT, 'test', 'truth', 'express', 'cors-options.cjs');
const linted = lint([
  { path: 'test/truth/express/apps.cjs', text: readFileSync(APPS_FILE, 'utf8') },
  { path: 'test/truth/express/cors-options.cjs', text: readFileSync(OPTIONS_FILE, 'utf8') },
]);
const policies = linted.policies;

// The last two are lookalikes a substring test lets in.
const ORIGINS = [undefined, 'https://app.example.com', 'https://foo.example.org', 'https://evil.example.net', 'null', 'https://foo.example.org.evil.example.net', 'http://app.example.com'];
/** Hand-set handlers are found by function name; the query-string app is asked with ?allow= set to the requesting origin (what an attacker sends). */
const policyFor = (name: string) => policies.find((p) => p.scope.label.startsWith(`${name}`) || p.scope.label === `function ${name}Handler`);
const pathFor = (name: string, request: CorsRequest) => (name === 'queryReflect' && request.origin ? `/x?allow=${encodeURIComponent(request.origin)}` : '/x');
const REQUESTS = (origin: string | undefined): CorsRequest[] => [
  { origin, method: 'GET' },
  { origin, method: 'PUT', headers: ['content-type'], preflight: true },
];

type Listening = Map<string, { server: Server; port: number }>;

/** Starts each app on 127.0.0.1 with a port the OS picks. */
async function listenAll(apps: Record<string, { listen: (port: number, host: string, ready: () => void) => Server }>, servers: Listening): Promise<void> {
  for (const [name, app] of Object.entries(apps)) {
    await new Promise<void>((resolve) => {
      const server = app.listen(0, '127.0.0.1', () => {
        servers.set(name, { server, port: (server.address() as { port: number }).port });
        resolve();
      });
    });
  }
}

async function closeAll(servers: Listening): Promise<void> {
  for (const { server } of servers.values()) await new Promise((resolve) => server.close(resolve));
}

describe('Express cors profile matches the real cors package', () => {
  const servers = new Map<string, { server: Server; port: number }>();
  beforeAll(async () => {
    await listenAll(apps, servers);
  });
  afterAll(() => closeAll(servers));

  for (const name of Object.keys(apps)) {
    for (const origin of ORIGINS) {
      for (const request of REQUESTS(origin)) {
        it(`${name}: ${request.preflight ? 'preflight PUT' : 'GET'} from ${origin ?? '(no Origin)'}`, async () => {
          const policy = policyFor(name);
          expect(policy, `a policy for ${name}`).toBeDefined();
          // A route-level policy covers its own method only; a handler-level one its own route (no preflight is answered there).
          if (!request.preflight && policy!.scope.methods) request.method = policy!.scope.methods[0];
          if (request.preflight && policy!.scope.kind === 'handler') return;
          // Without ?allow= the handler passes undefined to setHeader, which throws: the shape is about callers that set it.
          if (name === 'queryReflect' && !request.origin) return;
          const predicted = respond(policy!, request);
          const actual = await sendAsBrowser(servers.get(name)!.port, pathFor(name, request), request);
          expect(predicted.uncertain).toBe(false);
          // undefined: the model says a later handler answers (a refused origin callback leaves OPTIONS to Express's router).
          if (request.preflight && (predicted.status !== undefined || predicted.shortCircuit)) expect(predicted.status).toBe(actual.status);
          expect(corsHeaderSet(predicted.headers)).toEqual(corsHeaderSet(actual.headers));
        });
      }
    }
  }
});

describe('findings on the new Express shapes agree with what the real apps send', () => {
  const servers = new Map<string, { server: Server; port: number }>();
  beforeAll(async () => {
    for (const name of ['someIncludes', 'queryReflect', 'bodyParserFirst', 'imported']) {
      await new Promise<void>((resolve) => {
        const server = apps[name].listen(0, '127.0.0.1', () => {
          servers.set(name, { server, port: (server.address() as { port: number }).port });
          resolve();
        });
      });
    }
  });
  afterAll(async () => {
    for (const { server } of servers.values()) await new Promise((resolve) => server.close(resolve));
  });
  const findings = (rule: string) => linted.diagnostics.filter((d) => d.ruleId === rule).map((d) => `${d.file}:${d.line}`);

  it('the some()/includes() callback is reported with an origin the real app grants with credentials', async () => {
    const finding = linted.diagnostics.find((d) => d.ruleId === 'origin-substring-match' && d.message.includes('origin.includes(domain)'))!;
    expect(finding).toBeDefined();
    const bypass = /accepts '([^']+)'/.exec(finding.message)![1];
    const actual = await sendAsBrowser(servers.get('someIncludes')!.port, '/x', { origin: bypass, method: 'GET', credentials: true });
    expect(corsHeaderSet(actual.headers)).toEqual(expect.arrayContaining([`access-control-allow-origin: ${bypass}`, 'access-control-allow-credentials: true']));
  });

  it('the query-string origin is reported as a credentialed reflection, and the real app grants the attacker', async () => {
    expect(findings('credentials-reflect-any-origin')).toContain('test/truth/express/apps.cjs:45');
    const actual = await sendAsBrowser(servers.get('queryReflect')!.port, `/x?allow=${encodeURIComponent('https://attacker.invalid')}`, { origin: 'https://attacker.invalid', method: 'GET', credentials: true });
    expect(corsHeaderSet(actual.headers)).toEqual(['access-control-allow-credentials: true', 'access-control-allow-origin: https://attacker.invalid']);
  });

  it('the body parser above cors() is reported, and its 400 for a malformed body carries no CORS header', async () => {
    expect(findings('cors-after-routes')).toContain('test/truth/express/apps.cjs:53');
    const actual = await new Promise<{ status: number; headers: string[] }>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: servers.get('bodyParserFirst')!.port, path: '/x', method: 'POST', headers: { Origin: 'https://app.example.com', 'Content-Type': 'application/json' }, agent: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: Object.keys(res.headers) }));
        },
      );
      req.on('error', reject);
      req.end('{"broken"');
    });
    expect(actual.status).toBe(400);
    expect(actual.headers).not.toContain('access-control-allow-origin');
  });

  it('options required from a second module are read where they are written', () => {
    const policy = policyFor('imported')!;
    expect(policy.origins.map((m) => (m.kind === 'exact' ? `${m.value}@${m.loc.file}:${m.loc.line}` : m.kind))).toEqual([
      'https://app.example.com@test/truth/express/cors-options.cjs:2',
      'https://foo.example.org@test/truth/express/cors-options.cjs:2',
    ]);
    expect(policy.credentials?.value).toBe(true);
  });
});

// Options read from the environment are unknown to the model, but only the headers they set: for
// every setting of the variables, the status and every header the model does claim must be what
// the real cors package sends.
describe('options from the environment leave only their own headers unknown', () => {
  const ENV_FILE = join(ROOT, 'test', 'truth', 'express', 'env-apps.cjs');
  const envPolicies = lint([{ path: 'test/truth/express/env-apps.cjs', text: readFileSync(ENV_FILE, 'utf8') }]).policies;
  const { makeApps } = createRequire(import.meta.url)(ENV_FILE) as { makeApps: () => Record<string, { listen: (port: number, host: string, cb: () => void) => Server }> };
  const settings: Array<Record<string, string>> = [
    { CORS_LINT_TRUTH_EXPOSE: 'X-Total', CORS_LINT_TRUTH_MAX_AGE: '300', CORS_LINT_TRUTH_METHODS: 'GET,PUT', CORS_LINT_TRUTH_HEADERS: 'Content-Type', CORS_LINT_TRUTH_CREDENTIALS: '1' },
    { CORS_LINT_TRUTH_EXPOSE: 'X-A,X-B', CORS_LINT_TRUTH_MAX_AGE: '86400', CORS_LINT_TRUTH_METHODS: 'GET', CORS_LINT_TRUTH_HEADERS: 'X-Other', CORS_LINT_TRUTH_CREDENTIALS: '0' },
  ];
  for (const [index, env] of settings.entries()) {
    describe(`setting ${index + 1}`, () => {
      const servers = new Map<string, { server: Server; port: number }>();
      beforeAll(async () => {
        const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
        Object.assign(process.env, env);
        const apps = makeApps();
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
        await listenAll(apps, servers);
      });
      afterAll(() => closeAll(servers));
      for (const name of ['wildcardExpose', 'allowlistMethods', 'reflectCredentials']) {
        for (const origin of ORIGINS.filter((o) => o !== undefined)) {
          for (const request of [...REQUESTS(origin), { origin, method: 'GET', credentials: true }]) {
            it(`${name}: ${request.preflight ? 'preflight PUT' : 'GET'}${request.credentials ? ' with credentials' : ''} from ${origin}`, async () => {
              const policy = envPolicies.find((p) => p.scope.label === name);
              expect(policy, `a policy for ${name}`).toBeDefined();
              const predicted = respond(policy!, request);
              // Only headers are left open here: the status and the origin decision never depend on these options.
              expect(predicted.uncertain && predicted.unknownHeaders === undefined).toBe(false);
              const open = predicted.unknownHeaders ?? [];
              const actual = await sendAsBrowser(servers.get(name)!.port, '/x', request);
              if (request.preflight) expect(predicted.status).toBe(actual.status);
              const known = (header: string) => !open.includes(header.toLowerCase());
              expect(corsHeaderSet(predicted.headers.filter((header) => known(header.name)))).toEqual(corsHeaderSet(actual.headers.filter(([header]) => known(header))));
            });
          }
        }
      }
    });
  }
});
