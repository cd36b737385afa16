import { describe, expect, it } from 'vitest';
import { policiesForPath, simulatePolicy } from '../src/cli/explain.js';
import { lint } from '../src/index.js';
import type { CorsRequest } from '../src/model/types.js';

/** Express answers with the first handler that matches: `simulate` gives one verdict per request, from the handler that answers it. */
const verdicts = (text: string, request: CorsRequest) => {
  const { policies } = lint([{ path: 'server.js', text }]);
  return policiesForPath(policies, request.path, request).map((policy) => `${policy.scope.label}: ${simulatePolicy(policy, request, `https://api.example.net${request.path}`).allowed}`);
};

const HEAD = "const express = require('express');\nconst cors = require('cors');\nconst app = express();\n";

describe('Express handler order', () => {
  it('a route-level cors() gets its preflight from app.options("*", cors()) with other options', () => {
    const text = `${HEAD}const cartCors = cors({ origin: 'https://shop.example.net', credentials: true });\napp.options('/{*splat}', cors());\napp.put('/cart', cartCors, (req, res) => res.json({}));\n`;
    expect(verdicts(text, { origin: 'https://shop.example.net', method: 'PUT', credentials: true, path: '/cart' })).toEqual(['app.put /cart: false', 'app.options /{*splat}: false']);
    // GET /cart is no route of this app: neither handler answers it with CORS headers.
    expect(verdicts(text, { origin: 'https://shop.example.net', method: 'GET', path: '/cart' })).toEqual([]);
  });

  it('app.options after a global cors() never runs, and app.options alone answers only OPTIONS', () => {
    const dead = `${HEAD}app.use(cors({ origin: 'https://shop.example.net' }));\napp.options('/{*splat}', cors());\napp.get('/data', (req, res) => res.json({}));\n`;
    expect(verdicts(dead, { origin: 'https://shop.example.net', method: 'PUT', headers: ['X-Token'], path: '/data' })).toEqual(['app: true']);
    const only = `${HEAD}app.options('/items', cors());\napp.get('/items', (req, res) => res.json([]));\n`;
    expect(verdicts(only, { origin: 'https://shop.example.net', method: 'GET', path: '/items' })).toEqual([]);
    expect(verdicts(only, { origin: 'https://shop.example.net', method: 'PUT', headers: ['X-Token'], path: '/items' })).toEqual(['app.options /items: false']);
  });
});
