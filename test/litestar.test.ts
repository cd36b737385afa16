import { describe, expect, it } from 'vitest';
import { lint, type CorsPolicy } from '../src/index.js';
import { respond } from '../src/model/respond.js';

// Expectations follow litestar/config/cors.py and litestar/middleware/_internal/cors.py (2.20–2.24,
// 3.0): Litestar is not packaged for Debian nor in this machine's package mirror, so there is no
// real-server truth test for it; these cases pin each branch of that code.
const HEAD = 'from litestar import Litestar\nfrom litestar.config.cors import CORSConfig\n';

function policyOf(config: string): CorsPolicy {
  const policies = lint([{ path: 'app.py', text: `${HEAD}app = Litestar(route_handlers=[], cors_config=CORSConfig(${config}))\n` }]).policies;
  expect(policies).toHaveLength(1);
  return policies[0]!;
}
function headers(policy: CorsPolicy, request: Parameters<typeof respond>[1]): Record<string, string> {
  const response = respond(policy, request);
  return Object.fromEntries(response.headers.map((header) => [header.name, header.value]));
}

describe('Litestar CORSConfig', () => {
  it('defaults to every origin, method and header', () => {
    const policy = policyOf('');
    expect(headers(policy, { origin: 'https://a.example', method: 'GET' })).toEqual({ 'Access-Control-Allow-Origin': '*' });
    const preflight = respond(policy, { origin: 'https://a.example', method: 'DELETE', headers: ['X-Token'], preflight: true });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers.map((h) => [h.name, h.value]))).toEqual({
      'Access-Control-Max-Age': '600',
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
      'Access-Control-Allow-Headers': 'Accept, Accept-Language, Content-Language, Content-Type, X-Token',
    });
  });

  it('with credentials and every origin: a cookie-carrying request gets its origin back, the preflight says *', () => {
    const policy = policyOf('allow_credentials=True');
    expect(headers(policy, { origin: 'https://evil.example', method: 'GET', credentials: true })).toEqual({
      'Access-Control-Allow-Origin': 'https://evil.example',
      'Access-Control-Allow-Credentials': 'true',
      Vary: 'Origin',
    });
    expect(headers(policy, { origin: 'https://evil.example', method: 'PUT', preflight: true })['Access-Control-Allow-Origin']).toBe('*');
  });

  it("reads '*' inside an entry as any run of characters, and the rest literally", () => {
    const policy = policyOf('allow_origins=["https://*.example.com", "https://app.example.org"]');
    expect(headers(policy, { origin: 'https://a.b.example.com', method: 'GET' })['Access-Control-Allow-Origin']).toBe('https://a.b.example.com');
    expect(headers(policy, { origin: 'https://appxexample.org', method: 'GET' })['Access-Control-Allow-Origin']).toBeUndefined();
    expect(headers(policy, { origin: 'https://attackerexample.com', method: 'GET' })['Access-Control-Allow-Origin']).toBeUndefined();
  });

  it('refuses a preflight with a plain 400 for a method, header or origin not allowed', () => {
    const policy = policyOf('allow_origins=["https://app.example.com"], allow_methods=["GET", "POST"], allow_headers=["Authorization"]');
    const ok = respond(policy, { origin: 'https://app.example.com', method: 'POST', headers: ['authorization', 'content-type'], preflight: true });
    expect(ok.status).toBe(204);
    expect(Object.fromEntries(ok.headers.map((h) => [h.name, h.value]))).toEqual({
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
      'Access-Control-Allow-Headers': 'Accept, Accept-Language, Content-Language, Content-Type, authorization',
      'Access-Control-Allow-Methods': 'GET, POST',
      'Access-Control-Allow-Origin': 'https://app.example.com',
    });
    for (const request of [
      { origin: 'https://app.example.com', method: 'PUT' },
      { origin: 'https://app.example.com', method: 'POST', headers: ['X-Other'] },
      { origin: 'https://other.example.com', method: 'POST' },
    ]) {
      const refused = respond(policy, { ...request, preflight: true });
      expect(refused.status).toBe(400);
      expect(refused.headers).toEqual([]);
    }
  });

  it('a config never handed to an app is not a policy; one assigned to .cors_config is', () => {
    expect(lint([{ path: 'app.py', text: `${HEAD}def make():\n    return CORSConfig(allow_credentials=True)\n` }]).policies).toHaveLength(0);
    expect(lint([{ path: 'app.py', text: `${HEAD}def on_init(app_config):\n    app_config.cors_config = CORSConfig(allow_credentials=True)\n    return app_config\n` }]).policies).toHaveLength(1);
    expect(lint([{ path: 'cors.py', text: `${HEAD}cors = CORSConfig(allow_origins=["https://app.example.com"])\n` }]).policies).toHaveLength(1);
  });
});
