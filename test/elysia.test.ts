import { describe, expect, it } from 'vitest';
import { lint, type CorsPolicy } from '../src/index.js';
import { respond } from '../src/model/respond.js';

// Expectations follow @elysiajs/cors 1.4's src/index.ts (Elysia needs Bun or its Node adapter, which
// this project's tests do not run): each case pins one branch of that code.
function policyOf(options: string): CorsPolicy {
  const text = `import { Elysia } from 'elysia';\nimport { cors } from '@elysiajs/cors';\nnew Elysia().use(cors(${options})).listen(3000);\n`;
  const [policy] = lint([{ path: 'app.ts', text }]).policies;
  return policy!;
}
function headers(policy: CorsPolicy, request: Parameters<typeof respond>[1]): Record<string, string> {
  return Object.fromEntries(respond(policy, request).headers.map((header) => [header.name, header.value]));
}

describe('@elysiajs/cors', () => {
  it('defaults: every origin back, credentials, Vary *; a preflight echoes method and headers, Max-Age 5', () => {
    const policy = policyOf('');
    expect(headers(policy, { origin: 'https://evil.example', method: 'GET' })).toEqual({ Vary: '*', 'Access-Control-Allow-Origin': 'https://evil.example', 'Access-Control-Allow-Credentials': 'true' });
    const preflight = respond(policy, { origin: 'https://evil.example', method: 'DELETE', headers: ['X-Token'], preflight: true });
    expect(preflight.status).toBe(204);
    expect(Object.fromEntries(preflight.headers.map((h) => [h.name, h.value]))).toMatchObject({ 'Access-Control-Allow-Methods': 'DELETE', 'Access-Control-Allow-Headers': 'x-token', 'Access-Control-Max-Age': '5' });
  });

  it('a bare host matches under any scheme; a full origin only itself; a refused origin gets Vary: Origin alone', () => {
    const policy = policyOf("{ origin: ['app.example.com', 'https://b.example.com'], credentials: false }");
    expect(headers(policy, { origin: 'http://app.example.com', method: 'GET' })['Access-Control-Allow-Origin']).toBe('http://app.example.com');
    expect(headers(policy, { origin: 'http://b.example.com', method: 'GET' })['Access-Control-Allow-Origin']).toBeUndefined();
    expect(headers(policy, { origin: 'https://evil.example', method: 'GET' })).toEqual({ Vary: 'Origin' });
  });

  it("'*' anywhere in the list sends *", () => {
    expect(headers(policyOf("{ origin: ['https://a.example.com', '*'] }"), { origin: 'https://x.example', method: 'GET' })['Access-Control-Allow-Origin']).toBe('*');
  });
});
