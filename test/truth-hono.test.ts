import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint, respond, type CorsRequest } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';
import { corsHeaderSet } from './helpers/servers.js';

/**
 * The Hono cors profile against the real `hono` package: each app in test/truth/hono/apps.mjs answers
 * through its own fetch handler (Hono's request path, no network needed), and respond() must predict
 * the status of every preflight and every CORS header.
 */
const APPS_FILE = join(ROOT, 'test', 'truth', 'hono', 'apps.mjs');
type FetchApp = { request: (path: string, init: RequestInit) => Promise<Response> };
const apps = (await import(APPS_FILE)) as Record<string, FetchApp>;
const linted = lint([{ path: 'test/truth/hono/apps.mjs', text: readFileSync(APPS_FILE, 'utf8') }]);

/** The policy that answers requests to /x: the last layer mounted on /* of that app (the one whose own headers a GET ends with). */
const policyFor = (name: string) => linted.policies.filter((p) => p.scope.label === `${name} /*`).at(-1);

const ORIGINS = [undefined, 'https://app.example.com', 'https://foo.example.org', 'https://evil.example.net', 'null'];
const REQUESTS = (origin: string | undefined): CorsRequest[] => [
  { origin, method: 'GET' },
  { origin, method: 'PUT', headers: ['content-type'], preflight: true },
];
/** Apps with two layers: a GET gets both layers' headers, which the model keeps per layer, so only preflights are compared. */
const PREFLIGHT_ONLY = new Set(['layered']);

function browserRequest(request: CorsRequest): RequestInit {
  const headers: Record<string, string> = {};
  if (request.origin) headers.Origin = request.origin;
  if (request.preflight) {
    headers['Access-Control-Request-Method'] = request.method;
    if (request.headers?.length) headers['Access-Control-Request-Headers'] = request.headers.join(',');
  }
  return { method: request.preflight ? 'OPTIONS' : request.method, headers };
}

describe('Hono cors profile matches the real hono package', () => {
  for (const name of Object.keys(apps)) {
    for (const origin of ORIGINS) {
      for (const request of REQUESTS(origin)) {
        if (!request.preflight && PREFLIGHT_ONLY.has(name)) continue;
        it(`${name}: ${request.preflight ? 'preflight PUT' : 'GET'} from ${origin ?? '(no Origin)'}`, async () => {
          const policy = policyFor(name);
          expect(policy, `a policy for ${name}`).toBeDefined();
          const predicted = respond(policy!, request);
          const actual = await apps[name].request('/x', browserRequest(request));
          expect(predicted.uncertain).toBe(false);
          if (request.preflight) expect(predicted.status).toBe(actual.status);
          expect(corsHeaderSet(predicted.headers)).toEqual(corsHeaderSet([...actual.headers.entries()]));
        });
      }
    }
  }

  it('the credentialed layer behind a wildcard one is reported where the wildcard answers its preflights', () => {
    const lines = readFileSync(APPS_FILE, 'utf8').split('\n');
    const wildcardLayer = lines.indexOf("layered.use('/*', cors());") + 1;
    const findings = linted.diagnostics.filter((d) => d.ruleId === 'preflight-incomplete').map((d) => d.line);
    expect(findings).toEqual([wildcardLayer]);
  });
});
