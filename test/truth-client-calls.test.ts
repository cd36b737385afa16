import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { CHROMIUM, runPageInChromium } from './helpers/chromium.js';
import { freePort } from './helpers/servers.js';

/**
 * client-request-blocked against the real thing: each case is a frontend call (as the repository
 * writes it) and an Express 5 + cors app (the real packages); headless Chromium makes the call from
 * the page origin to the running app, and the rule must fire exactly when Chromium blocks it.
 * The repository under lint says the page runs on Vite's dev origin and the API on localhost:8080;
 * the live run uses OS-picked ports and the same options with the page's real origin.
 */
if (!CHROMIUM && process.env.CI === 'true') throw new Error('CI=true but Chromium is missing (npm test installs it from Debian)');

const DEV_ORIGIN = 'http://localhost:5173';
type CorsOptions = { origin: string | string[]; methods?: string[]; allowedHeaders?: string[]; credentials?: boolean };

const SERVERS: Record<string, CorsOptions> = {
  plain: { origin: DEV_ORIGIN },
  getPost: { origin: DEV_ORIGIN, methods: ['GET', 'POST'] },
  credentialed: { origin: [DEV_ORIGIN, 'https://www.example.com'], credentials: true, allowedHeaders: ['Content-Type'] },
  otherOrigin: { origin: 'https://www.example.com' },
};

interface Case {
  name: string;
  server: keyof typeof SERVERS;
  /** The fetch init as the frontend writes it. */
  init: string;
}

const CASES: Case[] = [
  { name: 'GET', server: 'plain', init: '{}' },
  { name: 'PUT json', server: 'plain', init: "{ method: 'PUT', headers: { 'Content-Type': 'application/json' } }" },
  { name: 'DELETE', server: 'plain', init: "{ method: 'DELETE' }" },
  { name: 'GET with credentials', server: 'plain', init: "{ credentials: 'include' }" },
  { name: 'POST with Authorization', server: 'plain', init: "{ method: 'POST', headers: { Authorization: 'Bearer x' } }" },
  { name: 'GET, GET/POST server', server: 'getPost', init: '{}' },
  { name: 'POST json, GET/POST server', server: 'getPost', init: "{ method: 'POST', headers: { 'Content-Type': 'application/json' } }" },
  { name: 'PUT, GET/POST server', server: 'getPost', init: "{ method: 'PUT' }" },
  { name: 'PATCH json, GET/POST server', server: 'getPost', init: "{ method: 'PATCH', headers: { 'Content-Type': 'application/json' } }" },
  { name: 'POST text/plain, GET/POST server', server: 'getPost', init: "{ method: 'POST', headers: { 'Content-Type': 'text/plain' } }" },
  { name: 'DELETE with credentials, GET/POST server', server: 'getPost', init: "{ method: 'DELETE', credentials: 'include' }" },
  { name: 'GET with credentials, credentialed server', server: 'credentialed', init: "{ credentials: 'include' }" },
  { name: 'PUT json with credentials, credentialed server', server: 'credentialed', init: "{ method: 'PUT', credentials: 'include', headers: { 'Content-Type': 'application/json' } }" },
  { name: 'POST with X-Token, credentialed server', server: 'credentialed', init: "{ method: 'POST', credentials: 'include', headers: { 'X-Token': '1' } }" },
  { name: 'POST with Authorization, credentialed server', server: 'credentialed', init: "{ method: 'POST', headers: { Authorization: 'Bearer x' } }" },
  { name: 'DELETE, credentialed server', server: 'credentialed', init: "{ method: 'DELETE' }" },
  { name: 'GET omit credentials, credentialed server', server: 'credentialed', init: "{ credentials: 'omit' }" },
  { name: 'GET, server for another origin', server: 'otherOrigin', init: '{}' },
  { name: 'POST form, server for another origin', server: 'otherOrigin', init: "{ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }" },
  { name: 'PUT, server for another origin', server: 'otherOrigin', init: "{ method: 'PUT' }" },
  { name: 'GET with credentials, server for another origin', server: 'otherOrigin', init: "{ credentials: 'include' }" },
  { name: 'HEAD', server: 'plain', init: "{ method: 'HEAD' }" },
];

function repository(spec: Case): Array<{ path: string; text: string }> {
  return [
    { path: 'web/package.json', text: '{ "scripts": { "dev": "vite" }, "dependencies": { "react": "^19.0.0" }, "devDependencies": { "vite": "^7.0.0" } }\n' },
    { path: 'web/.env.development', text: 'VITE_API_URL=http://localhost:8080\n' },
    { path: 'web/src/call.ts', text: `export const call = () => fetch(\`\${import.meta.env.VITE_API_URL}/items\`, ${spec.init});\n` },
    { path: 'api/server.js', text: `const cors = require('cors');\nconst app = require('express')();\napp.use(cors(${JSON.stringify(SERVERS[spec.server])}));\napp.all('/items', (req, res) => res.send('ok'));\napp.listen(8080);\n` },
  ];
}

const require = createRequire(import.meta.url);

describe.skipIf(!CHROMIUM)('client-request-blocked matches headless Chromium calling a real Express + cors app', () => {
  const servers: Server[] = [];
  let chromium: ChildProcess | undefined;
  let results: boolean[] = [];

  beforeAll(async () => {
    const express = require('express') as () => { use: (m: unknown) => void; all: (p: string, h: (req: unknown, res: { send: (b: string) => void }) => void) => void; listen: (port: number, host: string, cb: () => void) => Server };
    const cors = require('cors') as (options: CorsOptions) => unknown;
    const pagePort = await freePort();
    const pageOrigin = `http://localhost:${pagePort}`;
    const real = (value: string | string[]) => (Array.isArray(value) ? value.map((v) => v.replace(DEV_ORIGIN, pageOrigin)) : value.replace(DEV_ORIGIN, pageOrigin));
    const apiPorts: Record<string, number> = {};
    for (const [name, options] of Object.entries(SERVERS)) {
      const app = express();
      app.use(cors({ ...options, origin: real(options.origin) }));
      app.all('/items', (_req, res) => res.send('ok'));
      apiPorts[name] = await freePort();
      servers.push(await new Promise<Server>((resolve) => { const server = app.listen(apiPorts[name], '127.0.0.1', () => resolve(server)); }));
    }
    const calls = CASES.map((spec) => `() => fetch('http://127.0.0.1:${apiPorts[spec.server]}/items', ${spec.init})`).join(',\n');
    const page = `<!doctype html><meta charset="utf-8"><script type="module">
const calls = [${calls}];
const results = [];
for (const call of calls) { try { await call(); results.push(true); } catch { results.push(false); } }
await fetch('/results', { method: 'POST', body: JSON.stringify(results) });
</script>`;
    let done: (value: boolean[]) => void;
    const reported = new Promise<boolean[]>((resolve) => (done = resolve));
    const pageServer = createServer((req, res) => {
      if (req.url === '/results') {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          res.writeHead(204).end();
          done(JSON.parse(body));
        });
      } else res.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
    });
    await new Promise<void>((resolve) => pageServer.listen(pagePort, '127.0.0.1', resolve));
    servers.push(pageServer);
    const run = await runPageInChromium(`${pageOrigin}/`, reported);
    chromium = run.chromium;
    results = run.results;
  }, 90_000);

  afterAll(async () => {
    chromium?.kill();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('covers calls that pass and calls that fail', () => {
    expect(results.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(results.filter((ok) => !ok).length).toBeGreaterThanOrEqual(5);
  });

  CASES.forEach((spec, index) => {
    it(spec.name, () => {
      const fired = lint(repository(spec)).diagnostics.filter((d) => d.ruleId === 'client-request-blocked');
      expect({ blocked: fired.length > 0 }).toEqual({ blocked: !results[index] });
      if (fired.length > 0) expect(fired[0]).toMatchObject({ file: 'web/src/call.ts', line: 1 });
    });
  });
});
