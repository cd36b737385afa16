import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractNginxPolicies } from '../../src/extract/nginx/extract.js';
import { NginxWorkspace } from '../../src/extract/nginx/workspace.js';
import { respond, type CorsPolicy, type CorsRequest } from '../../src/index.js';
import { generateConfig, originsFor, type GeneratedConfig } from './nginx-grammar.js';
import { corsHeaderSet, startNginx, type RawResponse } from './servers.js';

/**
 * The generative differential test of issue 11: configs drawn from nginx-grammar.ts are served by
 * the real nginx (many server blocks per process, told apart by Host) and every request of the
 * attacker-origin matrix is put both to nginx and to respond(); status and CORS headers must agree
 * whenever respond() claims to know the answer.
 */

export interface Disagreement {
  seed: number;
  config: string;
  request: CorsRequest;
  path: string;
  predicted: { status: number | undefined; headers: string[] };
  actual: { status: number; headers: string[] };
}

export interface DifferentialReport {
  configs: number;
  requests: number;
  compared: number;
  /** Answers compared on their known headers only: the model left some headers (not the status) unknown. */
  partial: number;
  uncertain: number;
  disagreements: Disagreement[];
  ms: number;
}

interface Probe {
  path: string;
  request: CorsRequest;
}

/** Every origin gets the actual requests and the full preflight; error statuses and the minimal preflight are asked for the first allowed and the foreign origin. */
function probesFor(config: GeneratedConfig, origin: string): Probe[] {
  const all = origin === config.allowed[0] || origin === 'https://attacker.invalid';
  const status = (path: string) => {
    if (config.handler === 'return') return 200;
    if (path.includes('missing')) return 404;
    if (path.includes('err')) return config.handler === 'proxy' ? 500 : 404;
    return 200;
  };
  const probe = (path: string, request: Omit<CorsRequest, 'appStatus'>): Probe => ({ path, request: { ...request, origin, path, appStatus: status(path) } });
  return [
    probe('/api/ok', { method: 'GET' }),
    probe('/api/ok', { method: 'GET', credentials: true }),
    probe('/api/ok', { method: 'PUT', headers: ['authorization'], preflight: true }),
    ...(all ? [probe('/api/ok', { method: 'PATCH', preflight: true }), probe('/api/missing', { method: 'GET' }), probe('/api/err', { method: 'GET', credentials: true })] : []),
  ];
}

function startUpstream(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const url = req.url ?? '/';
      res.statusCode = url.includes('err') ? 500 : url.includes('missing') ? 404 : 200;
      res.end('up\n');
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

function send(port: number, host: string, path: string, request: CorsRequest): Promise<RawResponse> {
  const headers: Record<string, string> = { Host: host };
  if (request.origin) headers.Origin = request.origin;
  if (request.preflight) {
    headers['Access-Control-Request-Method'] = request.method;
    if (request.headers?.length) headers['Access-Control-Request-Headers'] = request.headers.join(',').toLowerCase();
  } else if (request.credentials) {
    headers.Cookie = 'session=1';
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: request.preflight ? 'OPTIONS' : request.method, headers, agent, insecureHTTPParser: true }, (res) => {
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: pairs }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function inPool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

export async function runDifferential(seeds: number[], batchSize = 250): Promise<DifferentialReport> {
  const started = Date.now();
  const report: DifferentialReport = { configs: 0, requests: 0, compared: 0, partial: 0, uncertain: 0, disagreements: [], ms: 0 };
  const upstream = await startUpstream();
  const root = mkdtempSync(join(tmpdir(), 'cors-lint-diff-root-'));
  mkdirSync(join(root, 'api'), { recursive: true });
  writeFileSync(join(root, 'api', 'ok'), 'ok\n');
  try {
    for (let start = 0; start < seeds.length; start += batchSize) {
      const configs = seeds.slice(start, start + batchSize).map(generateConfig);
      const render = (config: GeneratedConfig, port: number) => config.text.replaceAll('__PORT__', String(port)).replaceAll('__UPSTREAM__', String(upstream.port)).replaceAll('__ROOT__', root);
      const nginx = await startNginx((port) => configs.map((config) => render(config, port)).join('\n'), { headersMore: true });
      try {
        const jobs: Array<{ config: GeneratedConfig; policy: CorsPolicy; text: string; probe: Probe }> = [];
        for (const config of configs) {
          const text = render(config, nginx.port);
          // The extractor alone (what lint() builds its policies with): the rules are not under test here.
          const path = `${config.serverName}.conf`;
          const policy = extractNginxPolicies(path, new NginxWorkspace(new Map([[path, text]]))).find((p) => p.scope.path === '/api/');
          if (!policy) throw new Error(`no policy for /api/ in seed ${config.seed}:\n${text}`);
          for (const origin of originsFor(config)) for (const probe of probesFor(config, origin)) jobs.push({ config, policy, text, probe });
        }
        report.configs += configs.length;
        await inPool(jobs, 32, async ({ config, policy, text, probe }) => {
          const actual = await send(nginx.port, config.serverName, probe.path, probe.request);
          report.requests++;
          // Once as a page sends it (no other header: decidable), once with the other request headers unknown.
          for (const request of [{ ...probe.request, extraHeaders: {} }, probe.request]) {
            const predicted = respond(policy, request);
            // Headers the model says it cannot know are left out of the comparison; everything else it claims must hold.
            const open = predicted.uncertain ? predicted.unknownHeaders : [];
            if (open === undefined) {
              report.uncertain++;
              continue;
            }
            report.compared++;
            if (open.length > 0) report.partial++;
            const known = (name: string) => !open.includes(name.toLowerCase());
            const predictedSet = corsHeaderSet(predicted.headers.filter((header) => known(header.name)));
            const actualSet = corsHeaderSet(actual.headers.filter(([name]) => known(name)));
            if (predicted.status !== actual.status || JSON.stringify(predictedSet) !== JSON.stringify(actualSet)) {
              report.disagreements.push({ seed: config.seed, config: text, request, path: probe.path, predicted: { status: predicted.status, headers: predictedSet }, actual: { status: actual.status, headers: actualSet } });
            }
          }
        });
      } finally {
        await nginx.stop();
      }
    }
  } finally {
    agent.destroy();
    upstream.server.close();
  }
  report.ms = Date.now() - started;
  return report;
}

/** One line per disagreement, then the closing note. */
export function describeReport(report: DifferentialReport, limit = 10): string {
  const firsts = report.disagreements.filter((d, i, all) => all.findIndex((other) => other.seed === d.seed) === i);
  const lines = firsts.slice(0, limit).map((d) => {
    const what = `${d.request.preflight ? `OPTIONS(${d.request.method})` : d.request.method}${d.request.credentials ? '+cookie' : ''} ${d.path} from ${d.request.origin}${d.request.extraHeaders ? '' : ' (other headers unknown)'}`;
    return `seed ${d.seed}: ${what}\n  predicted ${d.predicted.status} ${JSON.stringify(d.predicted.headers)}\n  nginx     ${d.actual.status} ${JSON.stringify(d.actual.headers)}\n${d.config}`;
  });
  const seeds = new Set(report.disagreements.map((d) => d.seed));
  lines.push(
    `nginx differential: ${report.configs} generated configs, ${report.requests} requests to the real nginx, ${report.compared} model answers compared (${report.partial} on their known headers only), ${report.uncertain} left unknown by the model, ${report.disagreements.length} disagreements (${seeds.size} configs) in ${(report.ms / 1000).toFixed(1)} s`,
  );
  return lines.join('\n');
}
