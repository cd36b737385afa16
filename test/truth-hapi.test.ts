import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, respond, type CorsPolicy, type CorsRequest } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';
import { corsHeaderSet, sendAsBrowser } from './helpers/servers.js';

/**
 * hapi's own CORS settings against real hapi servers (@hapi/hapi, a devDependency) on 127.0.0.1:
 * each file of test/truth/hapi makes one server; respond() must predict the status of every
 * preflight and every CORS header of every answer, errors included.
 */
const DIR = join(ROOT, 'test', 'truth', 'hapi');
const FILES = readdirSync(DIR).filter((name) => name.endsWith('.cjs')).sort();
type HapiServer = { start: () => Promise<void>; stop: () => Promise<void>; info: { port: number } };
const load = createRequire(import.meta.url);

/** The policy that answers /x: the route's own when it has one, else the server's. */
function policyFor(file: string): CorsPolicy | undefined {
  const { policies } = lint([{ path: `test/truth/hapi/${file}`, text: readFileSync(join(DIR, file), 'utf8') }]);
  return policies.find((policy) => policy.scope.kind === 'route') ?? policies.find((policy) => policy.scope.kind === 'app');
}

const ORIGINS = [undefined, 'https://app.example.com', 'https://foo.example.org', 'https://evil.example.net', 'null'];
const REQUESTS = (origin: string | undefined): Array<{ path: string; request: CorsRequest }> => [
  { path: '/x', request: { origin, method: 'GET' } },
  { path: '/x', request: { origin, method: 'GET', credentials: true } },
  { path: '/x', request: { origin, method: 'PUT', preflight: true } },
  { path: '/x', request: { origin, method: 'PUT', headers: ['content-type'], preflight: true } },
  { path: '/x', request: { origin, method: 'PUT', headers: ['x-token'], preflight: true } },
];
const FAILING = (origin: string | undefined) => ({ path: '/fail', request: { origin, method: 'GET', appStatus: 500 } as CorsRequest });

describe('hapi CORS settings match real hapi servers', () => {
  const running = new Map<string, HapiServer>();
  beforeAll(async () => {
    for (const file of FILES) {
      const server = (load(join(DIR, file)) as () => HapiServer)();
      await server.start();
      running.set(file, server);
    }
  });
  afterAll(async () => {
    for (const server of running.values()) await server.stop();
  });

  for (const file of FILES) {
    const hasFailingRoute = readFileSync(join(DIR, file), 'utf8').includes("path: '/fail'");
    for (const origin of ORIGINS) {
      for (const { path, request } of [...REQUESTS(origin), ...(hasFailingRoute ? [FAILING(origin)] : [])]) {
        const what = `${request.preflight ? `preflight ${request.method} [${request.headers?.join(',') ?? ''}]` : `${request.method}${request.credentials ? ' credentialed' : ''}`} ${path}`;
        it(`${file}: ${what} from ${origin ?? '(no Origin)'}`, async () => {
          const policy = policyFor(file);
          expect(policy, `a policy for ${file}`).toBeDefined();
          const predicted = respond(policy!, request);
          const actual = await sendAsBrowser(running.get(file)!.info.port, path, request);
          expect(predicted.uncertain).toBe(false);
          if (request.preflight || request.appStatus) expect(predicted.status).toBe(actual.status);
          // hapi's compression adds Vary: accept-encoding to some answers; only the CORS part is compared.
          expect(corsHeaderSet(predicted.headers)).toEqual(corsHeaderSet(actual.headers).filter((header) => header !== 'vary: accept-encoding'));
        });
      }
    }
  }

  it('reports what the real servers grant, and nothing on the allowlists', () => {
    const findings = (file: string) => lint([{ path: `test/truth/hapi/${file}`, text: readFileSync(join(DIR, file), 'utf8') }]).diagnostics.map((d) => d.ruleId);
    expect(findings('reflect-credentials.cjs')).toContain('credentials-reflect-any-origin');
    expect(findings('defaults.cjs')).toContain('reflect-any-origin');
    expect(findings('ignore.cjs')).toContain('wildcard-origin');
    expect(findings('allowlist.cjs')).toEqual([]);
    expect(findings('route-level.cjs')).toEqual([]);
    expect(findings('route-over-server.cjs')).toEqual([]);
  });
});
