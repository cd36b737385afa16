import { describe, expect, it } from 'vitest';
import { lint, type CorsPolicy } from '../src/index.js';
import { respond } from '../src/model/respond.js';

// The HTTPRoute CORS filter's contract (apis/v1/httproute_types.go): no gateway runs here, so
// these cases pin what every conformant implementation must do, and what the model leaves open.
function policiesOf(cors: string, extra = ''): CorsPolicy[] {
  const text = `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n  rules:\n    - filters:\n        - type: CORS\n          cors:\n${cors}\n${extra}`;
  return lint([{ path: 'route.yaml', text }]).policies;
}
function headers(policy: CorsPolicy, request: Parameters<typeof respond>[1]): Record<string, string> {
  return Object.fromEntries(respond(policy, request).headers.map((header) => [header.name, header.value]));
}

describe('Gateway API HTTPRoute CORS filter', () => {
  it('with * and credentials, echoes the origin and never sends *', () => {
    const [policy] = policiesOf('            allowOrigins: ["*"]\n            allowCredentials: true\n            allowMethods: ["*"]');
    expect(headers(policy!, { origin: 'https://x.example', method: 'GET', credentials: true })).toEqual({ 'Access-Control-Allow-Origin': 'https://x.example', 'Access-Control-Allow-Credentials': 'true' });
    expect(headers(policy!, { origin: 'https://x.example', method: 'PATCH', preflight: true })).toMatchObject({ 'Access-Control-Allow-Methods': 'PATCH', 'Access-Control-Max-Age': '5' });
  });

  it('a leading *. label stands for any number of labels; the rest is compared with default ports dropped', () => {
    const [policy] = policiesOf('            allowOrigins: ["https://*.example.com", "https://app.example.org:443"]');
    expect(headers(policy!, { origin: 'https://a.b.example.com', method: 'GET' })['Access-Control-Allow-Origin']).toBe('https://a.b.example.com');
    expect(headers(policy!, { origin: 'https://attackerexample.com', method: 'GET' })['Access-Control-Allow-Origin']).toBeUndefined();
    expect(headers(policy!, { origin: 'https://app.example.org', method: 'GET' })['Access-Control-Allow-Origin']).toBe('https://app.example.org');
  });

  it('only HTTPRoutes of the Gateway API, and only CORS filters', () => {
    expect(policiesOf('            allowOrigins: ["*"]')).toHaveLength(1);
    const other = lint([{ path: 'r.yaml', text: 'apiVersion: example.com/v1\nkind: HTTPRoute\nspec:\n  rules:\n    - filters:\n        - type: CORS\n          cors:\n            allowOrigins: ["*"]\n' }]);
    expect(other.policies).toHaveLength(0);
    const redirect = lint([{ path: 'r.yaml', text: 'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nspec:\n  rules:\n    - filters:\n        - type: RequestRedirect\n          requestRedirect:\n            scheme: https\n' }]);
    expect(redirect.policies).toHaveLength(0);
  });
});
