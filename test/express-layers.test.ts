import { describe, expect, it } from 'vitest';
import { policiesForPath, simulatePolicy } from '../src/cli/explain.js';
import { lint } from '../src/index.js';
import type { CorsRequest } from '../src/model/types.js';
import { layerCoverChecks as orderChecks } from '../src/extract/js/express-layers.js';
import { layerCoverChecks as routeChecks } from '../src/extract/js/middleware.js';

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

  it('finding who answers each route\'s OPTIONS is linear in the routes (each handler was tested against every other: 3,200 route-level cors() took 13 s)', () => {
    // Route-level cors() on every route, an OPTIONS route for every other path, one app-wide use mounted elsewhere.
    const routes = (n: number) =>
      `${HEAD}app.use('/admin', cors({ origin: 'https://admin.example.net' }));\n` +
      Array.from({ length: n }, (_, i) => (i % 2 ? `app.options('/items${i}', cors());\n` : '') + `app.delete('/items${i}', cors({ origin: 'https://shop.example.net' }), (req, res) => res.json({}));\n`).join('');
    for (const n of [100, 400]) {
      const before = orderChecks.count + routeChecks.count;
      const { diagnostics } = lint([{ path: 'server.js', text: routes(n) }]);
      // The old passes ran the test once per pair of handlers: about n² (160,000 for 400 routes).
      expect(orderChecks.count + routeChecks.count - before).toBeLessThanOrEqual(6 * n);
      // Odd paths have their OPTIONS route, even paths get Express's own 200 without CORS headers.
      expect(diagnostics.filter((d) => d.ruleId === 'preflight-unhandled').length).toBe(n / 2);
    }
  });
});
