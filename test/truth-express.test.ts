import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, respond, type CorsRequest } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';
import { corsHeaderSet, sendAsBrowser } from './helpers/servers.js';

/** The Express `cors` profile against real Express apps: respond() must predict every CORS header and the preflight status. */
const APPS_FILE = join(ROOT, 'test', 'truth', 'express', 'apps.cjs');
const apps = createRequire(import.meta.url)(APPS_FILE) as Record<string, { listen: (port: number, host: string, cb: () => void) => Server }>;
const policies = lint([{ path: 'test/truth/express/apps.cjs', text: readFileSync(APPS_FILE, 'utf8') }]).policies;

const ORIGINS = [undefined, 'https://app.example.com', 'https://foo.example.org', 'https://evil.example.net', 'null'];
const REQUESTS = (origin: string | undefined): CorsRequest[] => [
  { origin, method: 'GET' },
  { origin, method: 'PUT', headers: ['content-type'], preflight: true },
];

describe('Express cors profile matches the real cors package', () => {
  const servers = new Map<string, { server: Server; port: number }>();
  beforeAll(async () => {
    for (const [name, app] of Object.entries(apps)) {
      await new Promise<void>((resolve) => {
        const server = app.listen(0, '127.0.0.1', () => {
          servers.set(name, { server, port: (server.address() as { port: number }).port });
          resolve();
        });
      });
    }
  });
  afterAll(async () => {
    for (const { server } of servers.values()) await new Promise((resolve) => server.close(resolve));
  });

  for (const name of Object.keys(apps)) {
    for (const origin of ORIGINS) {
      for (const request of REQUESTS(origin)) {
        it(`${name}: ${request.preflight ? 'preflight PUT' : 'GET'} from ${origin ?? '(no Origin)'}`, async () => {
          const policy = policies.find((p) => p.scope.label.startsWith(`${name}`));
          expect(policy, `a policy for ${name}`).toBeDefined();
          // A route-level policy covers its own method only.
          if (!request.preflight && policy!.scope.methods) request.method = policy!.scope.methods[0];
          const predicted = respond(policy!, request);
          const actual = await sendAsBrowser(servers.get(name)!.port, '/x', request);
          expect(predicted.uncertain).toBe(false);
          if (request.preflight) expect(predicted.status).toBe(actual.status);
          expect(corsHeaderSet(predicted.headers)).toEqual(corsHeaderSet(actual.headers));
        });
      }
    }
  }
});
