import { performance } from 'node:perf_hooks';

/**
 * The cost of linting large nginx configurations (issues 10 and 14): one file with 2,000
 * locations of the shapes people write (constant and reflected Allow-Origin, origin `if`s and
 * maps, preflight `if ($request_method = OPTIONS) { … return 204; }`, locations with no CORS at
 * all), and a 1 MB file of many such servers. Printed as CPU milliseconds of one in-process
 * `lint()`, so other processes on the machine do not count.
 */
const SHAPES: Array<(i: number) => string> = [
  (i) => `  location /plain${i}/ {\n    proxy_pass http://app;\n  }\n`,
  (i) => `  location /static${i}/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Methods "GET, POST, OPTIONS";\n    proxy_pass http://app;\n  }\n`,
  (i) =>
    `  location /api${i}/ {\n    if ($request_method = OPTIONS) {\n      add_header Access-Control-Allow-Origin $http_origin;\n      add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE";\n      add_header Access-Control-Allow-Headers "Authorization, Content-Type";\n      add_header Access-Control-Max-Age 600;\n      return 204;\n    }\n    add_header Access-Control-Allow-Origin $http_origin always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n  }\n`,
  (i) =>
    `  location /guarded${i}/ {\n    set $cors '';\n    if ($http_origin ~* ^https://([a-z0-9-]+\\.)?example\\.com$) {\n      set $cors $http_origin;\n    }\n    add_header Access-Control-Allow-Origin $cors always;\n    add_header Vary Origin always;\n    proxy_pass http://app;\n  }\n`,
  (i) => `  location /mapped${i}/ {\n    add_header Access-Control-Allow-Origin $allowed_origin always;\n    add_header Access-Control-Allow-Credentials true always;\n    add_header Vary Origin always;\n    proxy_pass http://app;\n  }\n`,
  (i) => `  location = /health${i} {\n    return 200 ok;\n  }\n`,
  (i) => `  location /files${i}/ {\n    root /srv/www;\n    try_files $uri $uri/ =404;\n    add_header Access-Control-Allow-Origin *;\n  }\n`,
  (i) =>
    `  location /both${i}/ {\n    add_header X-Frame-Options DENY;\n    if ($request_method = 'OPTIONS') {\n      add_header Access-Control-Allow-Origin https://admin.example.com;\n      add_header Access-Control-Max-Age 86400;\n      return 204;\n    }\n    proxy_pass http://app;\n  }\n`,
];

const MAP = `  map $http_origin $allowed_origin {\n    default "";\n    https://app.example.com $http_origin;\n    https://admin.example.com $http_origin;\n    ~^https://[a-z]+\\.partner\\.example$ $http_origin;\n  }\n`;

function server(name: string, from: number, locations: number): string {
  let body = `  server {\n    listen 443 ssl;\n    server_name ${name};\n`;
  for (let i = from; i < from + locations; i++) body += SHAPES[i % SHAPES.length](i).replace(/^/gm, '  ');
  return `${body}  }\n`;
}

/** One server with `locations` locations. */
export function nginxLocations(locations: number): string {
  return `http {\n${MAP}${server('api.example.com', 0, locations)}}\n`;
}

/** About `bytes` of nginx: servers of 50 locations each. */
export function nginxBytes(bytes: number): string {
  let out = `http {\n${MAP}`;
  for (let s = 0; out.length < bytes; s++) out += server(`site${s}.example.com`, s * 50, 50);
  return `${out}}\n`;
}

/**
 * CPU milliseconds of one `lint()` of `text` (after a warm-up lint of a small file), and its finding
 * count. The per-file time budget is lifted so that a slow run is measured, not cut short.
 */
export async function nginxCost(text: string): Promise<{ cpuMs: number; findings: number; kb: number }> {
  const { lint } = await import('../src/engine/lint.js');
  lint([{ path: 'warm.conf', text: nginxLocations(16) }]);
  const before = process.cpuUsage();
  const result = lint([{ path: 'nginx.conf', text }], { timeBudgetMs: 3_600_000 });
  const used = process.cpuUsage(before);
  if (result.skipped.length > 0) throw new Error(`the nginx bench file was not analysed: ${result.skipped[0].reason}`);
  return { cpuMs: (used.user + used.system) / 1000, findings: result.diagnostics.length, kb: text.length / 1024 };
}

/** The bench lines: CPU per location count (linear growth is the point), a 2,000-location file and a 1 MB file. */
export async function nginxBench(): Promise<void> {
  const growth: string[] = [];
  for (const locations of [500, 1000, 2000, 4000]) growth.push(`${locations}: ${(await nginxCost(nginxLocations(locations))).cpuMs.toFixed(0)} ms`);
  console.log(`nginx CPU by location count: ${growth.join(', ')}`);
  const started = performance.now();
  const many = await nginxCost(nginxLocations(2000));
  console.log(`nginx 2,000 locations: ${many.cpuMs.toFixed(0)} ms CPU (${many.kb.toFixed(0)} KB, ${many.findings} findings)`);
  const big = await nginxCost(nginxBytes(1024 * 1024));
  console.log(`nginx 1 MB file:       ${big.cpuMs.toFixed(0)} ms CPU (${big.kb.toFixed(0)} KB, ${big.findings} findings; both ${((performance.now() - started) / 1000).toFixed(1)} s wall)`);
}
