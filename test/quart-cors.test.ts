import { describe, expect, it } from 'vitest';
import { lint, type CorsPolicy } from '../src/index.js';
import { respond } from '../src/model/respond.js';

// Expectations follow src/quart_cors/__init__.py 0.8 (Quart-CORS is in neither Debian nor this
// machine's package mirror, so there is no real-server test): each case pins one branch of it.
function policyOf(options: string): CorsPolicy {
  return lint([{ path: 'app.py', text: `from quart import Quart\nfrom quart_cors import cors\napp = Quart(__name__)\napp = cors(app${options})\n` }]).policies[0]!;
}
function headers(policy: CorsPolicy, request: Parameters<typeof respond>[1]): Record<string, string> {
  return Object.fromEntries(respond(policy, request).headers.map((header) => [header.name, header.value]));
}

describe('Quart-CORS', () => {
  it('defaults to *, or the origin itself with send_origin_wildcard=False (then with Vary)', () => {
    expect(headers(policyOf(''), { origin: 'https://x.example', method: 'GET' })).toEqual({ 'Access-Control-Allow-Origin': '*' });
    expect(headers(policyOf(', send_origin_wildcard=False'), { origin: 'https://x.example', method: 'GET' })).toEqual({ 'Access-Control-Allow-Origin': 'https://x.example', Vary: 'Origin' });
  });

  it('a preflight for an allowed method gets the list, the requested headers and Max-Age when set', () => {
    const policy = policyOf(', allow_origin="https://a.example.com", allow_methods=["GET", "PUT"], allow_headers=["X-Token"], max_age=600');
    expect(headers(policy, { origin: 'https://a.example.com', method: 'PUT', headers: ['X-Token', 'X-Other'], preflight: true })).toEqual({
      'Access-Control-Allow-Origin': 'https://a.example.com',
      'Access-Control-Allow-Headers': 'X-Token',
      'Access-Control-Allow-Methods': 'GET, PUT',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    });
    expect(headers(policy, { origin: 'https://a.example.com', method: 'DELETE', preflight: true })['Access-Control-Allow-Methods']).toBeUndefined();
    expect(headers(policy, { origin: 'https://b.example.com', method: 'GET' })).toEqual({ Vary: 'Origin' });
  });
});
