import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { CHROMIUM, runPageInChromium } from './helpers/chromium.js';
import { freePort, nginxBinary, startNginx } from './helpers/servers.js';

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
  authOnly: { origin: DEV_ORIGIN, allowedHeaders: ['Authorization'] },
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
  // fetch upper-cases only the six standard names: 'patch' goes out as written and 'PATCH' in Allow-Methods does not cover it.
  { name: 'patch in lower case', server: 'plain', init: "{ method: 'patch' }" },
];

/**
 * The other call kinds: the repository writes the library call (`source`, a module of web/src
 * whose request goes to `${import.meta.env.VITE_API_URL}/items` or `/events`), and the page makes
 * the request the library sends (`live`, an expression resolving to true when it went through;
 * `U` is the server's base URL, `f` fetch, `xhr` an XMLHttpRequest, `es` an EventSource).
 * ky, ofetch and the GraphQL clients are fetch underneath: the page sends their exact fetch.
 */
interface KindCase {
  name: string;
  server: keyof typeof SERVERS;
  source: string;
  live: string;
}

const API = '${import.meta.env.VITE_API_URL}';
const KIND_CASES: KindCase[] = [
  { name: 'XHR GET withCredentials', server: 'plain', source: `export function call() {\n  const x = new XMLHttpRequest();\n  x.open('GET', \`${API}/items\`);\n  x.withCredentials = true;\n  x.send();\n}\n`, live: "xhr('GET', U + '/items', {}, true)" },
  { name: 'XHR GET withCredentials, credentialed server', server: 'credentialed', source: `export function call() {\n  const x = new XMLHttpRequest();\n  x.open('GET', \`${API}/items\`);\n  x.withCredentials = true;\n  x.send();\n}\n`, live: "xhr('GET', U + '/items', {}, true)" },
  { name: 'XHR PUT json, GET/POST server', server: 'getPost', source: `export function call() {\n  const x = new XMLHttpRequest();\n  x.open('PUT', \`${API}/items\`);\n  x.setRequestHeader('Content-Type', 'application/json');\n  x.send('{}');\n}\n`, live: "xhr('PUT', U + '/items', { 'Content-Type': 'application/json' })" },
  { name: 'XHR patch in lower case, credentialed server', server: 'credentialed', source: `export function call() {\n  const x = new XMLHttpRequest();\n  x.open('patch', \`${API}/items\`);\n  x.send('{}');\n}\n`, live: "xhr('patch', U + '/items')" },
  { name: 'XHR POST json, credentialed server', server: 'credentialed', source: `export function call() {\n  const x = new XMLHttpRequest();\n  x.open('POST', \`${API}/items\`);\n  x.setRequestHeader('Content-Type', 'application/json');\n  x.withCredentials = true;\n  x.send('{}');\n}\n`, live: "xhr('POST', U + '/items', { 'Content-Type': 'application/json' }, true)" },
  { name: 'EventSource withCredentials', server: 'plain', source: `export const call = () => new EventSource(\`${API}/events\`, { withCredentials: true });\n`, live: "es(U + '/events', true)" },
  { name: 'EventSource withCredentials, credentialed server', server: 'credentialed', source: `export const call = () => new EventSource(\`${API}/events\`, { withCredentials: true });\n`, live: "es(U + '/events', true)" },
  { name: 'EventSource, server for another origin', server: 'otherOrigin', source: `export const call = () => new EventSource(\`${API}/events\`);\n`, live: "es(U + '/events', false)" },
  { name: 'EventSource', server: 'plain', source: `export const call = () => new EventSource(\`${API}/events\`);\n`, live: "es(U + '/events', false)" },
  { name: 'Apollo HttpLink with credentials, credentialed server', server: 'credentialed', source: `import { HttpLink } from '@apollo/client';\nexport const link = new HttpLink({ uri: \`${API}/items\`, credentials: 'include' });\n`, live: "f(U + '/items', { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json', Accept: 'application/graphql-response+json,application/json;q=0.9' }, body: '{}' })" },
  { name: 'ApolloClient uri, server allowing only Authorization', server: 'authOnly', source: `import { ApolloClient, InMemoryCache } from '@apollo/client';\nexport const client = new ApolloClient({ uri: \`${API}/items\`, cache: new InMemoryCache() });\n`, live: "f(U + '/items', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })" },
  { name: 'graphql-request with X-Client, credentialed server', server: 'credentialed', source: `import { GraphQLClient } from 'graphql-request';\nexport const client = new GraphQLClient(\`${API}/items\`, { headers: { 'X-Client': 'web' } });\n`, live: "f(U + '/items', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Client': 'web' }, body: '{}' })" },
  { name: 'urql POST', server: 'plain', source: `import { createClient, fetchExchange } from 'urql';\nexport const client = createClient({ url: \`${API}/items\`, exchanges: [fetchExchange], preferGetMethod: false });\n`, live: "f(U + '/items', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })" },
  { name: 'ky.put, GET/POST server', server: 'getPost', source: `import ky from 'ky';\nexport const call = () => ky.put(\`${API}/items\`);\n`, live: "f(U + '/items', { method: 'PUT' })" },
  { name: 'ky instance with prefixUrl and credentials', server: 'plain', source: `import ky from 'ky';\nconst api = ky.create({ prefixUrl: import.meta.env.VITE_API_URL, credentials: 'include' });\nexport const call = () => api.get('items');\n`, live: "f(U + '/items', { credentials: 'include' })" },
  { name: 'ky.post json with credentials, credentialed server', server: 'credentialed', source: `import ky from 'ky';\nexport const call = () => ky.post(\`${API}/items\`, { json: { a: 1 }, credentials: 'include' });\n`, live: "f(U + '/items', { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: '{\"a\":1}' })" },
  { name: 'ofetch POST object body, server allowing only Authorization', server: 'authOnly', source: `import { ofetch } from 'ofetch';\nconst api = ofetch.create({ baseURL: import.meta.env.VITE_API_URL });\nexport const call = () => api('/items', { method: 'POST', body: { a: 1 } });\n`, live: "f(U + '/items', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{\"a\":1}' })" },
  { name: 'ofetch DELETE with credentials, credentialed server', server: 'credentialed', source: `import { ofetch } from 'ofetch';\nexport const call = () => ofetch(\`${API}/items\`, { method: 'DELETE', credentials: 'include' });\n`, live: "f(U + '/items', { method: 'DELETE', credentials: 'include' })" },
  { name: 'axios interceptor adding Authorization, credentialed server', server: 'credentialed', source: `import axios from 'axios';\nconst api = axios.create({ baseURL: import.meta.env.VITE_API_URL });\napi.interceptors.request.use((config) => {\n  const token = localStorage.getItem('token');\n  if (token) config.headers.Authorization = \`Bearer \${token}\`;\n  return config;\n});\nexport const call = () => api.get('/items');\n`, live: "xhr('GET', U + '/items', { Authorization: 'Bearer x' })" },
  { name: 'axios(config) PUT with an object body, GET/POST server', server: 'getPost', source: `import axios from 'axios';\nexport const call = () => axios({ url: \`${API}/items\`, method: 'put', data: { a: 1 } });\n`, live: "xhr('PUT', U + '/items', { 'Content-Type': 'application/json' })" },
  { name: 'axios defaults withCredentials, credentialed server', server: 'credentialed', source: `import axios from 'axios';\naxios.defaults.withCredentials = true;\nexport const call = () => axios.get(\`${API}/items\`);\n`, live: "xhr('GET', U + '/items', {}, true)" },
];

function repository(server: keyof typeof SERVERS, source: string): Array<{ path: string; text: string }> {
  return [
    { path: 'web/package.json', text: '{ "scripts": { "dev": "vite" }, "dependencies": { "react": "^19.0.0" }, "devDependencies": { "vite": "^7.0.0" } }\n' },
    { path: 'web/.env.development', text: 'VITE_API_URL=http://localhost:8080\n' },
    { path: 'web/src/call.ts', text: source },
    { path: 'api/server.js', text: `const cors = require('cors');\nconst app = require('express')();\napp.use(cors(${JSON.stringify(SERVERS[server])}));\napp.all('/items', (req, res) => res.send('ok'));\napp.get('/events', (req, res) => res.type('text/event-stream').send('data: x\\n\\n'));\napp.listen(8080);\n` },
  ];
}

const fetchSource = (spec: Case) => `export const call = () => fetch(\`\${import.meta.env.VITE_API_URL}/items\`, ${spec.init});\n`;

/** What the page needs to make each kind of request and report whether it went through. */
const PAGE_HELPERS = `
const f = (url, init) => fetch(url, init).then(() => true, () => false);
const xhr = (method, url, headers = {}, credentials = false) => new Promise((resolve) => {
  const x = new XMLHttpRequest();
  x.open(method, url);
  for (const [name, value] of Object.entries(headers)) x.setRequestHeader(name, value);
  x.withCredentials = credentials;
  x.onload = () => resolve(true);
  x.onerror = () => resolve(false);
  x.send(method === 'GET' || method === 'HEAD' ? null : '{}');
});
const es = (url, withCredentials) => new Promise((resolve) => {
  const source = new EventSource(url, { withCredentials });
  source.onopen = () => { source.close(); resolve(true); };
  source.onerror = () => { source.close(); resolve(false); };
});
`;

/** Serves a page on `pagePort` that makes `calls` in order (each an expression resolving to a boolean) and returns what Chromium reports. */
async function runInChromium(pagePort: number, calls: string[], servers: Server[]): Promise<{ results: boolean[]; chromium: ChildProcess }> {
  const page = `<!doctype html><meta charset="utf-8"><script type="module">${PAGE_HELPERS}
const calls = [${calls.map((call) => `() => ${call}`).join(',\n')}];
const results = [];
for (const call of calls) results.push(await call().catch(() => false));
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
  return runPageInChromium(`http://localhost:${pagePort}/`, reported);
}

type ExpressApp = { use: (m: unknown) => void; all: (p: string, h: (req: unknown, res: { send: (b: string) => void }) => void) => void; get: (p: string, h: (req: unknown, res: { type: (t: string) => { send: (b: string) => void } }) => void) => void; listen: (port: number, host: string, cb: () => void) => Server };

/** A real Express 5 app with the cors package, on 127.0.0.1. */
async function startExpress(options: CorsOptions, servers: Server[]): Promise<number> {
  const express = require('express') as () => ExpressApp;
  const cors = require('cors') as (options: CorsOptions) => unknown;
  const app = express();
  app.use(cors(options));
  app.all('/items', (_req, res) => res.send('ok'));
  app.get('/events', (_req, res) => res.type('text/event-stream').send('data: x\n\n'));
  const port = await freePort();
  servers.push(await new Promise<Server>((resolve) => { const server = app.listen(port, '127.0.0.1', () => resolve(server)); }));
  return port;
}

const require = createRequire(import.meta.url);

describe.skipIf(!CHROMIUM)('client-request-blocked matches headless Chromium calling a real Express + cors app', () => {
  const servers: Server[] = [];
  let chromium: ChildProcess | undefined;
  let results: boolean[] = [];

  beforeAll(async () => {
    const pagePort = await freePort();
    const pageOrigin = `http://localhost:${pagePort}`;
    const real = (value: string | string[]) => (Array.isArray(value) ? value.map((v) => v.replace(DEV_ORIGIN, pageOrigin)) : value.replace(DEV_ORIGIN, pageOrigin));
    const apiPorts: Record<string, number> = {};
    for (const [name, options] of Object.entries(SERVERS)) apiPorts[name] = await startExpress({ ...options, origin: real(options.origin) }, servers);
    const calls = [
      ...CASES.map((spec) => `f('http://127.0.0.1:${apiPorts[spec.server]}/items', ${spec.init})`),
      ...KIND_CASES.map((spec) => `((U) => ${spec.live})('http://127.0.0.1:${apiPorts[spec.server]}')`),
    ];
    const run = await runInChromium(pagePort, calls, servers);
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
      const fired = lint(repository(spec.server, fetchSource(spec))).diagnostics.filter((d) => d.ruleId === 'client-request-blocked');
      expect({ blocked: fired.length > 0 }).toEqual({ blocked: !results[index] });
      if (fired.length > 0) expect(fired[0]).toMatchObject({ file: 'web/src/call.ts', line: 1 });
    });
  });

  it('the other call kinds include calls that pass and calls that fail', () => {
    const kinds = results.slice(CASES.length);
    expect(kinds).toHaveLength(KIND_CASES.length);
    expect(kinds.filter(Boolean).length).toBeGreaterThanOrEqual(5);
    expect(kinds.filter((ok) => !ok).length).toBeGreaterThanOrEqual(5);
  });

  KIND_CASES.forEach((spec, index) => {
    it(spec.name, () => {
      const { diagnostics } = lint(repository(spec.server, spec.source));
      const fired = diagnostics.filter((d) => d.ruleId === 'client-request-blocked');
      expect({ blocked: fired.length > 0 }).toEqual({ blocked: !results[CASES.length + index] });
      // Every call kind of the case is read (a silent case must be silent because the call passes, not because it was not seen).
      const linked = lint(repository(spec.server, spec.source)).policies.flatMap((policy) => policy.clientCalls ?? []);
      expect(linked.length).toBeGreaterThan(0);
    });
  });
});

/**
 * Two layers: nginx in front of an Express + cors app that allows credentials. When nginx hides the
 * app's Allow-Origin but adds its own Allow-Credentials next to the app's, the browser gets
 * 'true, true' and blocks every credentialed call (the call rule and duplicate-allow-origin must
 * both say so); hiding both and doubling only Vary: Origin breaks nothing.
 */
const LAYER_PAGE_ORIGIN = 'http://localhost:4000';
const LAYERS = [
  { name: 'nginx adds Allow-Credentials next to the app’s', hideCredentials: false },
  { name: 'nginx hides both of the app’s headers, Vary: Origin twice', hideCredentials: true },
];
const LAYER_CALLS = [
  { line: 1, source: "export const a = () => fetch('https://api.example.com/items', { credentials: 'include' });", live: "f(U + '/items', { credentials: 'include' })" },
  { line: 2, source: "export const b = () => fetch('https://api.example.com/items');", live: "f(U + '/items')" },
  { line: 3, source: "export const c = () => fetch('https://api.example.com/items', { method: 'PUT', credentials: 'include', headers: { 'Content-Type': 'application/json' } });", live: "f(U + '/items', { method: 'PUT', credentials: 'include', headers: { 'Content-Type': 'application/json' } })" },
  { line: 4, source: "export const d = () => new EventSource('https://api.example.com/events', { withCredentials: true });", live: "es(U + '/events', true)" },
  { line: 5, source: "export const e = () => new EventSource('https://api.example.com/events');", live: "es(U + '/events', false)" },
];

function layerNginx(hideCredentials: boolean): string {
  return `server {
    listen 443 ssl;
    server_name api.example.com;
    location / {
        proxy_hide_header Access-Control-Allow-Origin;
${hideCredentials ? '        proxy_hide_header Access-Control-Allow-Credentials;\n' : ''}        add_header Access-Control-Allow-Origin "${LAYER_PAGE_ORIGIN}" always;
        add_header Access-Control-Allow-Credentials "true" always;
        add_header Vary Origin always;
        proxy_pass http://api:3000;
    }
}
`;
}

function layerRepository(hideCredentials: boolean): Array<{ path: string; text: string }> {
  return [
    { path: 'spa/package.json', text: '{ "scripts": { "dev": "vite --port 4000" }, "dependencies": { "react": "^19.0.0" }, "devDependencies": { "vite": "^7.0.0" } }\n' },
    { path: 'spa/src/calls.ts', text: `${LAYER_CALLS.map((call) => call.source).join('\n')}\n` },
    { path: 'docker-compose.yml', text: 'services:\n  api:\n    build: ./api\n' },
    { path: 'nginx/api.conf', text: layerNginx(hideCredentials) },
    { path: 'api/server.js', text: `const cors = require('cors');\nconst app = require('express')();\napp.use(cors({ origin: '${LAYER_PAGE_ORIGIN}', credentials: true }));\napp.all('/items', (req, res) => res.send('ok'));\napp.listen(3000);\n` },
  ];
}

describe.skipIf(!CHROMIUM || !nginxBinary())('client-request-blocked and duplicate-allow-origin match Chromium through nginx in front of Express', () => {
  const servers: Server[] = [];
  const stops: Array<() => Promise<void>> = [];
  const runs: ChildProcess[] = [];
  const results: boolean[][] = [];

  beforeAll(async () => {
    const pagePort = await freePort();
    const pageOrigin = `http://localhost:${pagePort}`;
    const calls: string[] = [];
    for (const layer of LAYERS) {
      const appPort = await startExpress({ origin: pageOrigin, credentials: true }, servers);
      const body = layerNginx(layer.hideCredentials).replaceAll(LAYER_PAGE_ORIGIN, pageOrigin).replace('api:3000', `127.0.0.1:${appPort}`);
      const nginx = await startNginx((port) => body.replace('listen 443 ssl;', `listen 127.0.0.1:${port};`));
      stops.push(nginx.stop);
      calls.push(...LAYER_CALLS.map((call) => `((U) => ${call.live})('http://127.0.0.1:${nginx.port}')`));
    }
    const run = await runInChromium(pagePort, calls, servers);
    runs.push(run.chromium);
    for (let i = 0; i < LAYERS.length; i++) results.push(run.results.slice(i * LAYER_CALLS.length, (i + 1) * LAYER_CALLS.length));
  }, 90_000);

  afterAll(async () => {
    for (const chromium of runs) chromium.kill();
    for (const stop of stops) await stop();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  LAYERS.forEach((layer, layerIndex) => {
    it(layer.name, () => {
      const { diagnostics, policies } = lint(layerRepository(layer.hideCredentials));
      expect(policies.flatMap((policy) => policy.clientCalls ?? []).length, 'the calls are linked through nginx').toBeGreaterThanOrEqual(LAYER_CALLS.length);
      const blockedLines = new Set(diagnostics.filter((d) => d.ruleId === 'client-request-blocked').map((d) => d.line));
      expect(LAYER_CALLS.map((call) => blockedLines.has(call.line))).toEqual(results[layerIndex].map((ok) => !ok));
      // A credentialed call fails through the doubled Allow-Credentials exactly when the layer rule reports it.
      const doubled = diagnostics.filter((d) => d.ruleId === 'duplicate-allow-origin');
      expect(doubled.length > 0).toBe(!results[layerIndex][0]);
      expect(results[layerIndex][1], 'the call without credentials passes either way').toBe(true);
      // What Chromium showed: 'true, true' blocks the credentialed call; a doubled Vary: Origin does not.
      expect(results[layerIndex][0]).toBe(layer.hideCredentials);
    });
  });
});
