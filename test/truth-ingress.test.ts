import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { lint, respond, type CorsPolicy, type CorsRequest } from '../src/index.js';
import { ROOT } from './helpers/fixtures.js';
import { generatedLocation } from './helpers/ingress-template.js';
import { corsHeaderSet, nginxBinary, sendAsBrowser, startNginx } from './helpers/servers.js';

/**
 * The ingress-nginx profile against a real nginx: each Ingress under test/truth/ingress is turned
 * into the location ingress-nginx's template generates (main.go's parsing, template.go's
 * `buildCorsOriginRegex`, the `CORS` define of nginx.tmpl, written out here from their source),
 * served by nginx with headers-more, and respond()'s prediction for the policy cors-lint
 * extracted from the same YAML must match header for header.
 */
const FILE = 'test/truth/ingress/ingresses.yaml';
const TEXT = readFileSync(join(ROOT, FILE), 'utf8');
const ingresses = parseAllDocuments(TEXT).map((doc) => doc.toJS() as { metadata: { name: string; annotations: Record<string, string> } });
const ORIGINS = [undefined, 'https://app.example.com', 'https://a.example.org', 'https://a.b.example.org', 'https://APP.example.com', 'https://app.example.com.attacker.invalid', 'https://attacker.invalid', 'null', 'http://app.example.com'];
const REQUESTS = (origin: string | undefined): CorsRequest[] => [
  { origin, method: 'GET' },
  { origin, method: 'POST', credentials: true },
  ...(origin ? [{ origin, method: 'PUT', headers: ['x-token'], preflight: true }] : []),
];

const available = nginxBinary() !== undefined;
if (!available && process.env.CI === 'true') throw new Error('CI=true: nginx must be installed for the real-server tests');

describe.skipIf(!available)('ingress-nginx profile matches the nginx its template generates', () => {
  let server: Awaited<ReturnType<typeof startNginx>>;
  const policies: CorsPolicy[] = lint([{ path: FILE, text: TEXT }]).policies;
  beforeAll(async () => {
    const locations = ingresses.map((ingress) => generatedLocation(ingress.metadata.name, ingress.metadata.annotations)).join('\n');
    server = await startNginx((port) => `server {\n  listen 127.0.0.1:${port};\n${locations}\n}`, { headersMore: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const ingress of ingresses) {
    const name = ingress.metadata.name;
    for (const origin of ORIGINS) {
      for (const request of REQUESTS(origin)) {
        it(`${name}: ${request.preflight ? 'preflight PUT' : request.method} from ${origin ?? '(no Origin)'}`, async () => {
          const policy = policies.find((p) => p.scope.label === `ingress ${name}`);
          expect(policy, `a policy for ${name}`).toBeDefined();
          const predicted = respond(policy!, request);
          const actual = await sendAsBrowser(server.port, `/${name}/`, request);
          // A refused preflight goes on to the backend, whose answer the model does not claim to know.
          if (predicted.uncertain) expect(request.preflight && predicted.headers.length === 0).toBe(true);
          else expect(predicted.status).toBe(actual.status);
          expect(corsHeaderSet(predicted.headers)).toEqual(corsHeaderSet(actual.headers));
        });
      }
    }
  }
});
