import type { CorsRequest } from '../../src/index.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port the OS picks, released for the server under test to take. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RawResponse {
  status: number;
  headers: Array<[string, string]>;
}

export function send(port: number, path: string, method: string, headers: Record<string, string>): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]]);
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: pairs }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Sends a model request as a browser would put it on the wire: Origin, cookies when credentialed, and for a preflight OPTIONS with the Request-Method/-Headers (preflights never carry cookies). */
export function sendAsBrowser(port: number, path: string, request: CorsRequest): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (request.origin) headers.Origin = request.origin;
  if (request.preflight) {
    headers['Access-Control-Request-Method'] = request.method;
    // Browsers leave the header out when the page sets no non-safelisted header.
    if (request.headers?.length) headers['Access-Control-Request-Headers'] = request.headers.join(',').toLowerCase();
  } else if (request.credentials) {
    // A credentialed request carries the site's cookies (what Starlette keys its `*` reflection on).
    headers.Cookie = 'session=1';
  }
  Object.assign(headers, request.extraHeaders);
  return send(port, path, request.preflight ? 'OPTIONS' : request.method, headers);
}

export function nginxBinary(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx 2>/dev/null'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  return found || undefined;
}

export const HEADERS_MORE_MODULE = '/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so';

/** Starts a real nginx in the foreground with its own prefix; `stop()` ends it. */
export async function startNginx(httpBody: (port: number) => string, options: { headersMore?: boolean } = {}): Promise<{ port: number; prefix: string; stop: () => Promise<void> }> {
  const binary = nginxBinary();
  if (!binary) throw new Error('nginx is not installed (npm test installs it from Debian)');
  const prefix = mkdtempSync(join(tmpdir(), 'cors-lint-nginx-'));
  const port = await freePort();
  const modules = options.headersMore && existsSync(HEADERS_MORE_MODULE) ? `load_module ${HEADERS_MORE_MODULE};\n` : '';
  const config = `${modules}daemon off;\nmaster_process off;\npid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nevents {}\nhttp {\n  access_log off;\n  client_body_temp_path ${prefix};\n  proxy_temp_path ${prefix};\n  fastcgi_temp_path ${prefix};\n  uwsgi_temp_path ${prefix};\n  scgi_temp_path ${prefix};\n${httpBody(port)}\n}\n`;
  writeFileSync(join(prefix, 'nginx.conf'), config);
  const check = spawnSync(binary, ['-t', '-p', prefix, '-c', join(prefix, 'nginx.conf')], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`nginx rejected the config: ${check.stderr}`);
  const child: ChildProcess = spawn(binary, ['-p', prefix, '-c', join(prefix, 'nginx.conf')], { stdio: 'ignore' });
  await waitForPort(port);
  return {
    port,
    prefix,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function waitForPort(port: number, timeoutMs = 30_000): Promise<void> {
  // Generous: a Python server (Django imports its whole stack) can take several seconds to listen on a loaded CI runner.
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      await send(port, '/', 'HEAD', {});
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listened on 127.0.0.1:${port}`);
}

/** The CORS-relevant part of a response, order-free, Vary split into tokens. */
export function corsHeaderSet(headers: Array<{ name: string; value: string }> | Array<[string, string]>): string[] {
  const pairs = headers.map((h) => (Array.isArray(h) ? { name: h[0], value: h[1] } : h));
  const out: string[] = [];
  const vary = new Set<string>();
  for (const { name, value } of pairs) {
    const lower = name.toLowerCase();
    if (lower === 'vary') for (const token of value.split(',')) token.trim() && vary.add(`vary: ${token.trim().toLowerCase()}`);
    else if (lower.startsWith('access-control-')) out.push(`${lower}: ${value}`);
  }
  return [...out, ...vary].sort();
}
