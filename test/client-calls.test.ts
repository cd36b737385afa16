import { describe, expect, it } from 'vitest';
import { clientCalls } from '../src/topology/client-calls.js';
import type { FrontendProject } from '../src/topology/frontend.js';

/**
 * What each browser-call reader takes from the code: the URL, and the request as the browser puts
 * it on the wire (method spelling, non-safelisted headers, credentials). Every case that is left
 * out is left out because the code does not say exactly what is sent.
 */
const project: FrontendProject = {
  dir: 'web',
  pageOrigins: { development: ['http://localhost:5173'], production: [] },
  env: { development: new Map([['VITE_API', { value: 'http://localhost:8080', file: 'web/.env', line: 1 }]]), production: new Map() },
};

function calls(text: string, path = 'web/src/calls.ts') {
  return clientCalls({ path, text }, project).map(({ api, url, requests, detail, loc }) => ({ api, url, requests, detail, line: loc.line }));
}

describe('axios defaults and request interceptors', () => {
  it('a header an interceptor sets under a condition on something else (a token) is sent', () => {
    const found = calls(`import axios from 'axios';
const api = axios.create({ baseURL: import.meta.env.VITE_API });
api.interceptors.request.use((config) => {
  const token = localStorage.getItem('t');
  if (token) config.headers.Authorization = 'Bearer ' + token;
  return config;
});
api.get('/orders');
`);
    expect(found).toEqual([
      { api: 'axios', url: 'http://localhost:8080/orders', requests: [{ method: 'GET', headers: ['authorization'], credentials: false }], detail: 'the authorization header from the request interceptor at web/src/calls.ts:3', line: 8 },
    ]);
  });

  it('headers.set, setAuthorization, a returned copy of the config and withCredentials', () => {
    const found = calls(`import http from 'axios';
const api = http.create({ baseURL: 'http://localhost:8080' });
api.interceptors.request.use((cfg) => { cfg.headers.set('X-Trace', '1'); cfg.withCredentials = true; return cfg; });
api.interceptors.request.use(function (cfg) { cfg.headers.setAuthorization('Bearer x'); return cfg; });
api.interceptors.request.use((cfg) => ({ ...cfg, headers: { ...cfg.headers, 'X-Tenant': 'a', 'Content-Type': 'text/plain' } }));
api.delete('/a');
`);
    expect(found[0].requests).toEqual([{ method: 'DELETE', headers: ['x-trace', 'authorization', 'x-tenant'], credentials: true }]);
  });

  it('an interceptor that looks at the request, or that we cannot read, silences the instance', () => {
    expect(calls(`import axios from 'axios';
const api = axios.create({ baseURL: 'http://localhost:8080' });
api.interceptors.request.use((config) => { if (config.url !== '/login') config.headers['X-Csrf'] = '1'; return config; });
api.get('/orders');
`)).toEqual([]);
    expect(calls(`import axios from 'axios';
import { addAuth } from './auth';
const api = axios.create({ baseURL: 'http://localhost:8080' });
api.interceptors.request.use(addAuth);
api.get('/orders');
`)).toEqual([]);
    expect(calls(`import axios from 'axios';
const api = axios.create({ baseURL: 'http://localhost:8080' });
api.interceptors.request.use((config) => { config.baseURL = window.API; return config; });
api.get('/orders');
`)).toEqual([]);
  });

  it('defaults: baseURL, withCredentials, common and per-method headers', () => {
    const found = calls(`import axios from 'axios';
axios.defaults.baseURL = import.meta.env.VITE_API;
axios.defaults.withCredentials = true;
axios.defaults.headers.common['X-Requested-With'] = 'XMLHttpRequest';
axios.defaults.headers.post['Content-Type'] = 'application/x-www-form-urlencoded';
export function setToken(token) { axios.defaults.headers.common.Authorization = token; }
axios.get('/a');
axios.post('/b', { x: 1 });
`);
    expect(found.map((call) => [call.url, call.requests])).toEqual([
      ['http://localhost:8080/a', [{ method: 'GET', headers: ['x-requested-with', 'authorization'], credentials: true }]],
      // The form Content-Type default for POST keeps an object body from being sent as JSON.
      ['http://localhost:8080/b', [{ method: 'POST', headers: ['x-requested-with', 'authorization'], credentials: true }]],
    ]);
  });

  it('a Content-Type default is dropped on a request without a body', () => {
    const found = calls(`import axios from 'axios';
const api = axios.create({ baseURL: 'http://localhost:8080', headers: { 'Content-Type': 'application/json' } });
api.get('/a');
api.post('/b', body);
`);
    expect(found.map((call) => call.requests)).toEqual([[{ method: 'GET', headers: [], credentials: false }], [{ method: 'POST', headers: ['content-type'], credentials: false }]]);
  });
});

describe('axios config-object calls', () => {
  it('axios(config), axios(url, config) and instance.request(config)', () => {
    const found = calls(`import axios from 'axios';
const api = axios.create({ baseURL: 'http://localhost:8080', withCredentials: true });
axios({ url: 'http://localhost:8080/a', method: 'PUT', data: { x: 1 } });
axios('http://localhost:8080/b', { method: 'delete', headers: { 'X-Token': '1' } });
api.request({ url: '/c', method: 'post', data: 'a=1' });
axios({ url: 'http://localhost:8080/d', method: 'get', data: { x: 1 } });
axios({ url: 'http://localhost:8080/e', method: verb });
`);
    expect(found.map((call) => [call.url, call.requests])).toEqual([
      ['http://localhost:8080/a', [{ method: 'PUT', headers: ['content-type'], credentials: false }]],
      ['http://localhost:8080/b', [{ method: 'DELETE', headers: ['x-token'], credentials: false }]],
      ['http://localhost:8080/c', [{ method: 'POST', headers: [], credentials: true }]],
    ]);
  });
});

describe('fetch', () => {
  it('window.fetch and globalThis.fetch are the browser’s fetch', () => {
    expect(calls(`window.fetch('http://localhost:8080/a', { method: 'PUT' }); globalThis.fetch('http://localhost:8080/b');`).map((c) => c.url)).toEqual(['http://localhost:8080/a', 'http://localhost:8080/b']);
  });

  it('sends a method other than the six standard ones as written', () => {
    expect(calls(`fetch('http://localhost:8080/a', { method: 'patch' }); fetch('http://localhost:8080/a', { method: 'put' });`).map((c) => c.requests[0].method)).toEqual(['patch', 'PUT']);
  });

  it('leaves out server-side data functions, a local fetch and node-fetch', () => {
    expect(calls(`export async function getServerSideProps() { await fetch('http://localhost:8080/a', { method: 'PUT' }); return { props: {} }; }`, 'web/pages/a.tsx')).toEqual([]);
    expect(calls(`export const loader = async () => fetch('http://localhost:8080/a', { method: 'PUT' });`, 'web/app/routes/a.tsx')).toEqual([]);
    expect(calls(`import fetch from 'node-fetch'; fetch('http://localhost:8080/a', { method: 'PUT' });`)).toEqual([]);
    expect(calls(`export default async function Page() { await fetch('http://localhost:8080/a', { method: 'PUT' }); return null; }`, 'web/app/orders/page.tsx')).toEqual([]);
    expect(calls(`'use client';\nexport default function Page() { fetch('http://localhost:8080/a', { method: 'PUT' }); return null; }`, 'web/app/orders/page.tsx')).toHaveLength(1);
  });
});

describe('ky and ofetch', () => {
  it('ky: prefixUrl, create/extend, json body, credentials', () => {
    const found = calls(`import ky from 'ky';
const api = ky.create({ prefixUrl: import.meta.env.VITE_API, credentials: 'include' });
const authed = api.extend({ headers: { Authorization: 'x' } });
const fresh = api.create({ prefixUrl: 'http://localhost:9000' });
api.get('me');
authed.post('items', { json: { a: 1 } });
fresh.put('x');
api.get('/absolute-input-throws');
ky('http://localhost:8080/p', { method: 'patch' });
`);
    expect(found.map((call) => [call.url, call.requests])).toEqual([
      ['http://localhost:8080/me', [{ method: 'GET', headers: [], credentials: true }]],
      ['http://localhost:8080/items', [{ method: 'POST', headers: ['authorization', 'content-type'], credentials: true }]],
      ['http://localhost:9000/x', [{ method: 'PUT', headers: [], credentials: false }]],
      // ky upper-cases the lower-case names of its shortcuts.
      ['http://localhost:8080/p', [{ method: 'PATCH', headers: [], credentials: false }]],
    ]);
  });

  it('ofetch: baseURL, JSON bodies, form bodies, unknown bodies, Nuxt $fetch', () => {
    const found = calls(`import { ofetch } from 'ofetch';
const api = ofetch.create({ baseURL: 'http://localhost:8080/v1' });
api('/a', { method: 'POST', body: { x: 1 } });
api('/b', { method: 'POST', body: new FormData() });
api('/c', { method: 'PUT', body: payload });
api('http://localhost:8080/v1/d');
api('/e', { method: 'patch' });
$fetch('http://localhost:8080/f', { method: 'DELETE', credentials: 'include' });
`);
    expect(found.map((call) => [call.url, call.requests])).toEqual([
      ['http://localhost:8080/v1/a', [{ method: 'POST', headers: ['content-type'], credentials: false }]],
      ['http://localhost:8080/v1/b', [{ method: 'POST', headers: [], credentials: false }]],
      ['http://localhost:8080/v1/c', [{ method: 'PUT', headers: ['content-type'], credentials: false }, { method: 'PUT', headers: [], credentials: false }]],
      ['http://localhost:8080/v1/d', [{ method: 'GET', headers: [], credentials: false }]],
      ['http://localhost:8080/f', [{ method: 'DELETE', headers: [], credentials: true }]],
    ]);
  });
});

describe('XMLHttpRequest, EventSource, WebSocket', () => {
  it('reads open, setRequestHeader and withCredentials in one function', () => {
    const found = calls(`export function save(body) {
  const xhr = new XMLHttpRequest();
  xhr.open('patch', import.meta.env.VITE_API + '/items');
  xhr.setRequestHeader('Content-Type', 'application/json');
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.withCredentials = true;
  xhr.send(body);
}`);
    expect(found).toEqual([{ api: 'XMLHttpRequest', url: 'http://localhost:8080/items', requests: [{ method: 'patch', headers: ['content-type'], credentials: true }], detail: undefined, line: 3 }]);
  });

  it('leaves out upload listeners, conditional headers and a second open', () => {
    expect(calls(`const xhr = new XMLHttpRequest(); xhr.open('PUT', 'http://localhost:8080/a'); xhr.upload.onprogress = () => {}; xhr.send(b);`)).toEqual([]);
    expect(calls(`function f(t) { const xhr = new XMLHttpRequest(); xhr.open('GET', 'http://localhost:8080/a'); if (t) xhr.setRequestHeader('X-T', t); xhr.send(); }`)).toEqual([]);
    expect(calls(`const xhr = new XMLHttpRequest(); xhr.open('GET', 'http://localhost:8080/a'); xhr.send(); xhr.open('PUT', 'http://localhost:8080/b');`)).toEqual([]);
  });

  it('EventSource is a GET, credentialed with withCredentials; WebSocket is not read', () => {
    const found = calls(`new EventSource('http://localhost:8080/a', { withCredentials: true }); new EventSource('http://localhost:8080/b'); new WebSocket('ws://localhost:8080/c');`);
    expect(found.map((call) => [call.api, call.url, call.requests])).toEqual([
      ['EventSource', 'http://localhost:8080/a', [{ method: 'GET', headers: [], credentials: true }]],
      ['EventSource', 'http://localhost:8080/b', [{ method: 'GET', headers: [], credentials: false }]],
    ]);
  });
});

describe('GraphQL clients', () => {
  it('Apollo, graphql-request and urql send a JSON POST', () => {
    const found = calls(`import { ApolloClient, HttpLink, InMemoryCache, createHttpLink } from '@apollo/client';
import { GraphQLClient, request } from 'graphql-request';
import { createClient, fetchExchange } from 'urql';
new ApolloClient({ uri: 'http://localhost:8080/a', credentials: 'include', cache: new InMemoryCache() });
new HttpLink({ uri: 'http://localhost:8080/b', headers: { 'X-App': '1' } });
createHttpLink({ uri: 'http://localhost:8080/c' });
new GraphQLClient('http://localhost:8080/d', { credentials: 'include' });
request('http://localhost:8080/e', query);
createClient({ url: 'http://localhost:8080/f', exchanges: [fetchExchange], preferGetMethod: false, fetchOptions: () => ({ headers: { Authorization: 'x' } }) });
createClient({ url: 'http://localhost:8080/g', exchanges: [fetchExchange] });
`);
    expect(found.map((call) => [call.api, call.url, call.requests])).toEqual([
      ['Apollo Client', 'http://localhost:8080/a', [{ method: 'POST', headers: ['content-type'], credentials: true }]],
      ['Apollo HttpLink', 'http://localhost:8080/b', [{ method: 'POST', headers: ['x-app', 'content-type'], credentials: false }]],
      ['Apollo createHttpLink', 'http://localhost:8080/c', [{ method: 'POST', headers: ['content-type'], credentials: false }]],
      ['graphql-request', 'http://localhost:8080/d', [{ method: 'POST', headers: ['content-type'], credentials: true }]],
      ['graphql-request', 'http://localhost:8080/e', [{ method: 'POST', headers: ['content-type'], credentials: false }]],
      ['urql', 'http://localhost:8080/f', [{ method: 'POST', headers: ['authorization', 'content-type'], credentials: false }]],
      // urql 4 sends queries as GET: both shapes, both must fail.
      ['urql', 'http://localhost:8080/g', [{ method: 'POST', headers: ['content-type'], credentials: false }, { method: 'GET', headers: [], credentials: false }]],
    ]);
  });

  it('a client with a link, GET queries, a function uri or only a WebSocket exchange is not read', () => {
    expect(calls(`import { ApolloClient, HttpLink } from '@apollo/client';
import { createClient, subscriptionExchange } from 'urql';
new ApolloClient({ uri: 'http://localhost:8080/a', link });
new HttpLink({ uri: 'http://localhost:8080/b', useGETForQueries: true });
new HttpLink({ uri: () => 'http://localhost:8080/c' });
createClient({ url: 'http://localhost:8080/d', exchanges: [subscriptionExchange({})] });
`)).toEqual([]);
  });
});

describe('explain --topology', () => {
  it('shows each linked frontend call as browser → call → server', async () => {
    const { lint } = await import('../src/index.js');
    const { explainTopology, renderTopology } = await import('../src/cli/explain.js');
    const { policies } = lint([
      { path: 'web/package.json', text: '{ "dependencies": { "react": "^19.0.0" }, "devDependencies": { "vite": "^7.0.0" } }' },
      { path: 'web/src/live.ts', text: "export const feed = () => new EventSource('http://localhost:8080/events', { withCredentials: true });\n" },
      { path: 'api/server.js', text: "const cors = require('cors');\nconst app = require('express')();\napp.use(cors({ origin: 'http://localhost:5173' }));\napp.listen(8080);\n" },
    ]);
    const text = renderTopology(explainTopology(policies));
    expect(text).toContain('→ EventSource GET with credentials http://localhost:8080/events from the page at http://localhost:5173  web/src/live.ts:1:43');
    expect(text).toMatch(/→ .*cors app {2}api\/server\.js:3:9/);
  });
});
