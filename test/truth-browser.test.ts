import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxProfile } from '../src/model/profiles.js';
import { simulateFetch } from '../src/model/respond.js';
import type { CorsPolicy, CorsRequest, CorsResponse } from '../src/model/types.js';
import { CASES } from './truth/browser/cases.js';
import { CHROMIUM, runPageInChromium } from './helpers/chromium.js';
import { freePort } from './helpers/servers.js';

/**
 * browserVerdict() against a real headless Chromium (Debian's package): a page on one loopback
 * origin fetches from a responder on another, for every case of the matrix, and Chromium's
 * allow/block must equal the model's verdict for the same request and responses.
 */
if (!CHROMIUM && process.env.CI === 'true') throw new Error('CI=true but Chromium is missing (npm test installs it from Debian)');

/** A layer that answers exactly what the case says. */
function policyFor(index: number, origin: string): CorsPolicy {
  const spec = CASES[index];
  const fill = (headers: Array<[string, string]>) => headers.map(([name, value]) => ({ name, value: value.replace('{origin}', origin) }));
  const run = (request: CorsRequest): CorsResponse =>
    request.preflight
      ? { status: spec.preflight?.status ?? 404, headers: fill(spec.preflight?.headers ?? []), uncertain: false, shortCircuit: true }
      : { status: spec.actual.status, headers: fill(spec.actual.headers), uncertain: false, shortCircuit: false };
  const loc = { file: 'case', line: 1, column: 1, endLine: 1, endColumn: 1 };
  return {
    id: `case-${index}`,
    source: { file: 'case', format: 'nginx', framework: 'test', loc },
    scope: { kind: 'fragment', label: spec.name },
    origins: [],
    originMode: 'compare',
    credentials: undefined,
    allowMethods: { kind: 'default' },
    allowHeaders: { kind: 'default' },
    exposeHeaders: { kind: 'default' },
    maxAge: undefined,
    preflight: { kind: 'unknown' },
    vary: { origin: false },
    errorResponses: 'unknown',
    emitted: [],
    profile: nginxProfile,
    headerProgram: { run },
  };
}

const PAGE = (responder: string) => `<!doctype html><meta charset="utf-8"><title>cors-lint</title><script type="module">
const cases = await (await fetch('/cases.json')).json();
const results = [];
for (const c of cases) {
  try {
    await fetch('${responder}/case/' + c.index, { method: c.method, headers: Object.fromEntries(c.headers.map((h) => [h, '1'])), credentials: c.credentials ? 'include' : 'omit', mode: 'cors', cache: 'no-store' });
    results.push(true);
  } catch {
    results.push(false);
  }
}
await fetch('/results', { method: 'POST', body: JSON.stringify(results) });
</script>`;

describe.skipIf(!CHROMIUM)('browserVerdict matches headless Chromium', () => {
  let page: Server;
  let responder: Server;
  let chromium: ChildProcess;
  let origin = '';
  let chromiumResults: boolean[] = [];

  beforeAll(async () => {
    const [pagePort, responderPort] = [await freePort(), await freePort()];
    origin = `http://127.0.0.1:${pagePort}`;
    const responderUrl = `http://127.0.0.1:${responderPort}`;
    responder = createServer((req, res) => {
      const index = Number(/\/case\/(\d+)/.exec(req.url ?? '')?.[1]);
      const spec = CASES[index];
      const answer = req.method === 'OPTIONS' ? (spec?.preflight ?? { status: 404, headers: [] }) : spec?.actual;
      if (!answer) {
        res.writeHead(404).end();
        return;
      }
      const headers: Array<[string, string]> = answer.headers.map(([name, value]) => [name, value.replace('{origin}', origin)]);
      res.writeHead(answer.status, headers.flat() as unknown as Record<string, string>).end('ok');
    });
    let resolveResults: (results: boolean[]) => void;
    const results = new Promise<boolean[]>((resolve) => (resolveResults = resolve));
    page = createServer((req, res) => {
      if (req.url === '/cases.json') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(CASES.map((c, index) => ({ index, method: c.request.method, headers: c.request.headers ?? [], credentials: c.request.credentials === true }))));
      } else if (req.url === '/results') {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          res.writeHead(204).end();
          resolveResults(JSON.parse(body));
        });
      } else res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE(responderUrl));
    });
    await new Promise<void>((resolve) => responder.listen(responderPort, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => page.listen(pagePort, '127.0.0.1', resolve));
    const run = await runPageInChromium(`${origin}/`, results);
    chromium = run.chromium;
    chromiumResults = run.results;
  }, 90_000);

  afterAll(async () => {
    chromium?.kill();
    await Promise.all([page, responder].map((server) => new Promise((resolve) => server?.close(resolve))));
  });

  CASES.forEach((spec, index) => {
    it(spec.name, () => {
      const request: CorsRequest = { origin, ...spec.request };
      const model = simulateFetch(policyFor(index, origin), request);
      expect(model.uncertain).toBe(false);
      expect({ allowed: model.allowed }).toEqual({ allowed: chromiumResults[index] });
    });
  });
});
