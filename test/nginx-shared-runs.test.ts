import { describe, expect, it } from 'vitest';
import { nginxBytes, nginxLocations } from '../scripts/bench-nginx.js';
import { NginxProgram } from '../src/extract/nginx/program.js';
import { lint, ruleIds } from '../src/engine/lint.js';
import { matrixOrigins } from '../src/model/matrix.js';
import type { CorsPolicy, CorsRequest } from '../src/model/types.js';
import { fixtureUnits } from './helpers/fixtures.js';
import { generateConfig } from './helpers/nginx-grammar.js';

/**
 * The nginx evaluator shares one rewrite-phase run between all the origins of a request shape
 * (src/extract/nginx/parametric.ts). Sharing must be invisible: for every location of the nginx
 * fixtures, the generated configs of the differential test and the bench files, each request from
 * each origin gets the same answer as an evaluator that runs every request on its own, and reads
 * the request's Origin exactly when that one does (the request matrix relies on it).
 */
const REQUESTS: Array<Omit<CorsRequest, 'origin'>> = [
  { method: 'GET' },
  { method: 'GET', appStatus: 200 },
  { method: 'HEAD' },
  { method: 'POST', credentials: true, extraHeaders: { Cookie: 'session=1' } },
  { method: 'DELETE', appStatus: 200 },
  { method: 'GET', credentials: true, appStatus: 404, extraHeaders: { Cookie: 'session=1' } },
  { method: 'GET', appStatus: 500, path: '/api/err' },
  { method: 'PUT', headers: ['Authorization', 'Content-Type'], preflight: true },
  { method: 'PATCH', preflight: true, appStatus: 200 },
  { method: 'PUT', headers: ['X-Custom'], credentials: true, preflight: true, extraHeaders: {} },
];

const EXTRA_ORIGINS = ['https://APP.example.com', 'https://app.example.com.attacker.invalid', 'http://app.example.com:8080', 'null', '0', 'https://a.partner.example', 'https://x.example.com'];

/** The nginx policies of `files` as the extractor builds them (no rule has asked them anything yet). */
function nginxPolicies(files: Array<{ path: string; text: string }>): CorsPolicy[] {
  const config = { rules: Object.fromEntries([...ruleIds].map((id) => [id, 'off' as const])), ignores: [], knownOrigins: [] };
  return lint(files, { config }).policies.filter((policy) => policy.headerProgram instanceof NginxProgram);
}

/** Every answer of `program` for `origins` × REQUESTS, with whether it read the Origin. */
function answers(program: NginxProgram, origins: Array<string | undefined>): string[] {
  const out: string[] = [];
  for (const origin of origins) {
    for (const shape of REQUESTS) {
      let read = false;
      const request: CorsRequest = {
        ...shape,
        get origin() {
          read = true;
          return origin;
        },
      };
      const response = program.run(request);
      out.push(`${origin} ${JSON.stringify(shape)} read=${read} ${JSON.stringify(response)}`);
    }
  }
  return out;
}

function expectSameAnswers(policies: CorsPolicy[]): number {
  let compared = 0;
  for (const policy of policies) {
    const shared = policy.headerProgram as NginxProgram;
    const origins = [...new Set([...matrixOrigins(policy).map((o) => o.origin), ...EXTRA_ORIGINS])];
    // Some asked again in the opposite order: the decision trees grow differently, the answers must not.
    const all = [...origins, undefined, '', ...origins.slice(0, 12).reverse()];
    expect(answers(shared, all), policy.id).toEqual(answers(shared.unshared(), all));
    compared += all.length * REQUESTS.length;
  }
  return compared;
}

describe('one rewrite-phase run shared by every origin gives the answers of one run per origin', () => {
  it('the nginx fixtures', { timeout: 120_000 }, () => {
    const units = fixtureUnits().filter((unit) => unit.files.some((file) => /\.conf|nginx/.test(file.path)));
    const policies = units.flatMap((unit) => nginxPolicies(unit.files));
    expect(policies.length).toBeGreaterThan(50);
    expect(expectSameAnswers(policies)).toBeGreaterThan(5_000);
  });

  it('generated configs of the differential test (origin regexes with captures, maps, flags, per-method ifs)', { timeout: 120_000 }, () => {
    const files = Array.from({ length: 60 }, (_, i) => {
      const config = generateConfig(i + 1);
      return { path: `${config.serverName}.conf`, text: `http {\n${config.text.replaceAll('__PORT__', '8080').replaceAll('__UPSTREAM__', '9090').replaceAll('__ROOT__', '/srv')}\n}\n` };
    });
    expect(expectSameAnswers(nginxPolicies(files))).toBeGreaterThan(10_000);
  });

  it('the bench files', { timeout: 120_000 }, () => {
    expectSameAnswers(nginxPolicies([{ path: 'many.conf', text: nginxLocations(16) }, { path: 'big.conf', text: nginxBytes(6_000) }]));
  });

  it('captures of a regex matched against the Origin are bound per Origin', () => {
    const text = 'location /api/ {\n    if ($http_origin ~* "^https://(?<sub>[a-z]+)\\.(example\\.com)$") {\n        set $site $2;\n        set $cors "https://$sub.$site";\n    }\n    if ($cors = "https://app.example.com") {\n        set $tag app;\n    }\n    add_header Access-Control-Allow-Origin $cors always;\n    proxy_pass http://app;\n}\n';
    const [policy] = nginxPolicies([{ path: 'site.conf', text }]);
    const program = policy.headerProgram as NginxProgram;
    const acao = (origin: string) => program.run({ origin, method: 'GET' }).headers.find((h) => h.name === 'Access-Control-Allow-Origin')?.value;
    expect(acao('https://app.example.com')).toBe('https://app.example.com');
    expect(acao('https://admin.example.com')).toBe('https://admin.example.com');
    expect(acao('https://attacker.invalid')).toBeUndefined();
    expectSameAnswers([policy]);
  });
});

describe('rewrite-phase runs per location stay bounded', () => {
  it('a 200-location file: a few runs per location, not one per origin and request', { timeout: 120_000 }, () => {
    const policies = lint([{ path: 'many.conf', text: nginxLocations(200) }]).policies.filter((policy) => policy.headerProgram instanceof NginxProgram);
    expect(policies.length).toBeGreaterThan(100);
    const runs = policies.map((policy) => (policy.headerProgram as NginxProgram).runs);
    // Each policy's request matrix asks up to 64 origins × 14 requests; shared runs answer them with
    // one run per request shape and origin class (without sharing: several hundred per location).
    // A location that reads $request_method (these answer OPTIONS themselves) is run per method:
    // nginx-missing-always asks GET, POST, PUT, PATCH and DELETE at each error status since d3ec55a
    // (60 -> 77 runs at most here).
    expect(Math.max(...runs)).toBeLessThanOrEqual(80);
    expect(runs.reduce((a, b) => a + b, 0) / runs.length).toBeLessThanOrEqual(30);
  });

  it('an allowlist written as a chain of origin ifs runs its rewrite phase about once per origin, not once per request (sweep20: 697 runs of 1,000 ifs, 5.5 s)', () => {
    const chain = (n: number) =>
      `server {\n    set $cors "";\n${Array.from({ length: n }, (_, i) => `    if ($http_origin ~* "^https://app${i}\\.example\\.com$") { set $cors $http_origin; }\n`).join('')}    location / {\n        add_header Access-Control-Allow-Origin $cors always;\n        add_header Vary Origin always;\n        proxy_pass http://backend;\n    }\n}\n`;
    const { policies, diagnostics } = lint([{ path: 'ifs.conf', text: chain(300) }]);
    const [program] = policies.map((policy) => policy.headerProgram).filter((p): p is NginxProgram => p instanceof NginxProgram);
    expect(diagnostics.map((d) => d.ruleId)).toEqual([]);
    expect(program.runs).toBeLessThanOrEqual(200);
    // Each origin still gets its own answer.
    const acao = (origin: string) => program.run({ origin, method: 'GET', credentials: true }).headers.find((h) => h.name === 'Access-Control-Allow-Origin')?.value;
    expect(acao('https://app299.example.com')).toBe('https://app299.example.com');
    expect(acao('https://APP7.example.com')).toBe('https://APP7.example.com');
    expect(acao('https://app7.example.com.attacker.invalid')).toBeUndefined();
  });

  it('the extractor runs a location that never reads the method once for every method', () => {
    const text = 'location /api/ {\n    add_header Access-Control-Allow-Origin $http_origin always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n}\n';
    const [policy] = nginxPolicies([{ path: 'site.conf', text }]);
    // Six methods and two preflights from an Origin left open, one preflight from a concrete one.
    expect((policy.headerProgram as NginxProgram).runs).toBe(4);
  });
});
