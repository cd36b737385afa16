import { describe, expect, it } from 'vitest';
import { lint, type CorsPolicy } from '../src/index.js';
import { respond } from '../src/model/respond.js';

// Expectations follow sanic_ext/extensions/http/cors.py (Sanic is in neither Debian nor this
// machine's package mirror, so there is no real-server test): each case pins one branch of it.
function policyOf(lines: string): CorsPolicy | undefined {
  return lint([{ path: 'app.py', text: `from sanic import Sanic\napp = Sanic("api")\n${lines}\n` }]).policies[0];
}
function headers(policy: CorsPolicy, request: Parameters<typeof respond>[1]): Record<string, string> {
  return Object.fromEntries(respond(policy, request).headers.map((header) => [header.name, header.value]));
}

describe('Sanic Extensions CORS', () => {
  it("'*' sends the origin back with Vary, or '*' with CORS_SEND_WILDCARD", () => {
    expect(headers(policyOf('app.config.CORS_ORIGINS = "*"')!, { origin: 'https://x.example', method: 'GET' })).toEqual({ 'Access-Control-Allow-Origin': 'https://x.example', Vary: 'origin' });
    expect(headers(policyOf('app.config.CORS_ORIGINS = "*"\napp.config.CORS_SEND_WILDCARD = True')!, { origin: 'https://x.example', method: 'GET' })).toEqual({ 'Access-Control-Allow-Origin': '*' });
  });

  it('a comma-separated string lists exact origins; a preflight gets Max-Age 5 and * for headers without credentials', () => {
    const policy = policyOf('app.config.update({"CORS_ORIGINS": "https://a.example.com, https://b.example.com"})')!;
    expect(headers(policy, { origin: 'https://b.example.com', method: 'GET' })['Access-Control-Allow-Origin']).toBe('https://b.example.com');
    expect(headers(policy, { origin: 'https://c.example.com', method: 'GET' })).toEqual({});
    const preflight = respond(policy, { origin: 'https://a.example.com', method: 'PUT', headers: ['X-Token'], preflight: true });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers.map((h) => [h.name, h.value]))).toMatchObject({ 'Access-Control-Max-Age': '5', 'Access-Control-Allow-Headers': '*' });
  });

  it('no CORS_ORIGINS: no policy (nothing is allowed)', () => {
    expect(policyOf('app.config.CORS_SUPPORTS_CREDENTIALS = True')).toBeUndefined();
  });
});
