import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/fixtures.js';
import { nginxBinary, send, startNginx } from './helpers/servers.js';

/**
 * The nginx fixes checked on a real nginx: each fixture is served before and after its fix (the
 * expected text test/fix.test.ts checks --fix and the quick fixes against), and the request the
 * finding is about gets the broken answer before and the right one after. Upstreams point at a
 * closed port, so proxied locations answer 502 (an error status, where `always` matters).
 */
const nginx = nginxBinary();

function site(text: string, port: number): string {
  const proxied = text.replace(/proxy_pass http:\/\/[^;]+;/g, 'proxy_pass http://app;');
  const listening = proxied.replace(/^server \{/m, `server {\n    listen 127.0.0.1:${port};`);
  const wrapped = /^location\s/m.test(listening) ? `server {\n    listen 127.0.0.1:${port};\n${listening}\n}\n` : listening;
  return `  upstream app { server 127.0.0.1:9; }\n${wrapped}`;
}

async function answer(text: string, path: string, origin: string): Promise<{ status: number; headers: Record<string, string[]> }> {
  const server = await startNginx((port) => site(text, port));
  try {
    const response = await send(server.port, path, 'GET', { Origin: origin });
    const headers: Record<string, string[]> = {};
    for (const [name, value] of response.headers) (headers[name.toLowerCase()] ??= []).push(value);
    return { status: response.status, headers };
  } finally {
    await server.stop();
  }
}

const CASES: Array<{ rule: string; input: string; path: string; origin: string; before: (r: Awaited<ReturnType<typeof answer>>) => void; after: (r: Awaited<ReturnType<typeof answer>>) => void }> = [
  {
    rule: 'nginx-missing-always',
    input: 'fixtures/nginx-missing-always/proxied-location.conf',
    path: '/api/x',
    origin: 'https://app.example.com',
    before: (r) => {
      expect(r.status).toBe(502);
      expect(r.headers['access-control-allow-origin']).toBeUndefined();
    },
    after: (r) => {
      expect(r.status).toBe(502);
      expect(r.headers['access-control-allow-origin']).toEqual(['https://app.example.com']);
      expect(r.headers['access-control-expose-headers']).toEqual(['X-Request-Id']);
    },
  },
  {
    rule: 'missing-vary-origin',
    input: 'fixtures/missing-vary-origin/nginx-map.conf',
    path: '/api/x',
    origin: 'https://a.example.com',
    before: (r) => expect(r.headers.vary).toBeUndefined(),
    after: (r) => {
      expect(r.headers['access-control-allow-origin']).toEqual(['https://a.example.com']);
      expect(r.headers.vary).toEqual(['Origin']);
    },
  },
  {
    rule: 'missing-vary-origin',
    input: 'fixtures/missing-vary-origin/nginx-if-origin.conf',
    path: '/api/x',
    origin: 'http://localhost:3000',
    before: (r) => expect(r.headers.vary).toBeUndefined(),
    after: (r) => {
      expect(r.headers['access-control-allow-origin']).toEqual(['http://localhost:3000']);
      expect(r.headers.vary).toEqual(['Origin']);
    },
  },
  {
    rule: 'origin-not-serialized',
    input: 'fixtures/origin-not-serialized/nginx-trailing-slash.conf',
    path: '/api/x',
    origin: 'https://app.example.com',
    before: (r) => expect(r.headers['access-control-allow-origin']).toEqual(['https://app.example.com/']),
    after: (r) => expect(r.headers['access-control-allow-origin']).toEqual(['https://app.example.com']),
  },
  {
    rule: 'origin-regex-unanchored',
    input: 'fixtures/origin-regex-unanchored/nginx-map-regex.conf',
    path: '/api/x',
    origin: 'https://app.example.com.attacker.invalid',
    before: (r) => expect(r.headers['access-control-allow-origin']).toEqual(['https://app.example.com.attacker.invalid']),
    after: (r) => expect(r.headers['access-control-allow-origin']).toBeUndefined(),
  },
  {
    rule: 'origin-regex-unescaped-dot',
    input: 'fixtures/origin-regex-unescaped-dot/nginx-map-dot.conf',
    path: '/api/x',
    origin: 'https://appxexample.com',
    before: (r) => expect(r.headers['access-control-allow-origin']).toEqual(['https://appxexample.com']),
    after: (r) => expect(r.headers['access-control-allow-origin']).toBeUndefined(),
  },
];

describe.skipIf(!nginx)('nginx fixes on a real nginx', () => {
  for (const { rule, input, path, origin, before, after } of CASES) {
    it(`${input}: the request ${rule} is about is answered wrongly before the fix and rightly after`, async () => {
      const original = readFileSync(join(ROOT, input), 'utf8');
      const fixed = readFileSync(join(ROOT, 'test', 'fix-expected', rule, basename(input)), 'utf8');
      before(await answer(original, path, origin));
      after(await answer(fixed, path, origin));
    });
  }

  it('an allowed origin still gets its grant after the regex fixes', async () => {
    const anchored = readFileSync(join(ROOT, 'test', 'fix-expected', 'origin-regex-unanchored', 'nginx-map-regex.conf'), 'utf8');
    expect((await answer(anchored, '/api/x', 'https://app.example.com')).headers['access-control-allow-origin']).toEqual(['https://app.example.com']);
    const escaped = readFileSync(join(ROOT, 'test', 'fix-expected', 'origin-regex-unescaped-dot', 'nginx-map-dot.conf'), 'utf8');
    expect((await answer(escaped, '/api/x', 'https://app.example.com')).headers['access-control-allow-origin']).toEqual(['https://app.example.com']);
  });
});
