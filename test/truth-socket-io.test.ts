import { readFileSync } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, respond, type CorsRequest } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';
import { corsHeaderSet, sendAsBrowser } from './helpers/servers.js';

/**
 * Socket.IO's `cors` option against real Socket.IO servers (engine.io hands it to the `cors`
 * package): respond() must predict every CORS header of the long-polling handshake and the status
 * and headers of its preflight.
 */
const SERVERS_FILE = join(ROOT, 'test', 'truth', 'socket-io', 'servers.cjs');
type SocketServer = { attach: (server: HttpServer) => void; close: () => void };
const servers = createRequire(import.meta.url)(SERVERS_FILE) as Record<string, SocketServer>;
const linted = lint([{ path: 'test/truth/socket-io/servers.cjs', text: readFileSync(SERVERS_FILE, 'utf8') }]);
const sourceLines = readFileSync(SERVERS_FILE, 'utf8').split('\n');
/** The policy written on the line that creates this server. */
const policyFor = (name: string) => {
  const line = sourceLines.findIndex((text) => text.startsWith(`const ${name} = `)) + 1;
  return linted.policies.find((policy) => policy.source.loc.line >= line && policy.source.loc.line <= line + 2);
};

const ORIGINS = [undefined, 'https://app.example.com', 'https://foo.example.org', 'https://evil.example.net', 'null'];
const REQUESTS = (origin: string | undefined): CorsRequest[] => [
  { origin, method: 'GET' },
  { origin, method: 'POST', headers: ['content-type'], preflight: true },
];
const HANDSHAKE = '/socket.io/?EIO=4&transport=polling';

describe('Socket.IO cors option matches real Socket.IO servers', () => {
  const listening = new Map<string, { http: HttpServer; port: number }>();
  beforeAll(async () => {
    for (const [name, io] of Object.entries(servers)) {
      const http = createServer();
      io.attach(http);
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
      listening.set(name, { http, port: (http.address() as { port: number }).port });
    }
  });
  afterAll(async () => {
    for (const [name, { http }] of listening) {
      servers[name].close();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  for (const name of Object.keys(servers)) {
    for (const origin of ORIGINS) {
      for (const request of REQUESTS(origin)) {
        it(`${name}: ${request.preflight ? 'preflight POST' : 'GET'} from ${origin ?? '(no Origin)'}`, async () => {
          const policy = policyFor(name);
          expect(policy, `a policy for ${name}`).toBeDefined();
          const predicted = respond(policy!, request);
          const actual = await sendAsBrowser(listening.get(name)!.port, HANDSHAKE, request);
          expect(predicted.uncertain).toBe(false);
          if (request.preflight) expect(predicted.status).toBe(actual.status);
          expect(corsHeaderSet(predicted.headers)).toEqual(corsHeaderSet(actual.headers));
        });
      }
    }
  }

  it('reports what the real servers grant', () => {
    const found = linted.diagnostics.map((d) => `${d.ruleId}@${d.line}`);
    const lineOf = (name: string) => sourceLines.findIndex((text) => text.startsWith(`const ${name} = `)) + 1;
    expect(found).toEqual(expect.arrayContaining([`credentials-wildcard-origin@${lineOf('wildcardCredentials')}`, `credentials-reflect-any-origin@${lineOf('reflectCredentials')}`, `wildcard-origin@${lineOf('defaults')}`]));
    expect(found.filter((f) => f.endsWith(`@${lineOf('allowlist') + 1}`) || f.endsWith(`@${lineOf('allowlist')}`))).toEqual([]);
  });
});
