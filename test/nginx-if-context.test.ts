import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';
import { parseNginxState, reparseNginx } from '../src/extract/nginx/parse.js';
import { HEADERS_MORE_MODULE, nginxBinary } from './helpers/servers.js';

// What nginx -t refuses inside an `if` block, checked against the real nginx for every directive
// the parser knows about and for allowed neighbours (near misses).
const nginx = nginxBinary();
if (!nginx && process.env.CI === 'true') throw new Error('nginx is not installed (npm test installs it from Debian)');

const DIRECTIVES: Record<string, string> = {
  add_header: 'add_header Access-Control-Allow-Origin *;',
  more_set_headers: "more_set_headers 'Access-Control-Allow-Origin: *';",
  proxy_pass: 'proxy_pass http://127.0.0.1:9;',
  proxy_set_header: 'proxy_set_header Origin "";',
  proxy_hide_header: 'proxy_hide_header Access-Control-Allow-Origin;',
  try_files: 'try_files $uri =404;',
  expires: 'expires 1h;',
  root: 'root /srv;',
  error_page: 'error_page 404 /404.html;',
  default_type: 'default_type text/plain;',
  deny: 'deny all;',
  if: 'if ($http_origin) { return 204; }',
  location: 'location /x { return 204; }',
  set: 'set $cors 1;',
  return: 'return 204;',
  rewrite: 'rewrite ^ /x last;',
};

function site(inLocation: boolean, line: string): string {
  const block = `if ($request_method = OPTIONS) {\n        ${line}\n    }`;
  // A CORS header beside it: cors-lint reads only nginx files that write one.
  const cors = 'add_header Access-Control-Allow-Origin https://app.example.com always;';
  return inLocation ? `server {\n  listen 127.0.0.1:8080;\n  location / {\n    ${cors}\n    ${block}\n  }\n}\n` : `server {\n  listen 127.0.0.1:8080;\n  ${block}\n  location / { ${cors} }\n}\n`;
}

function nginxAccepts(text: string): boolean {
  const prefix = mkdtempSync(join(tmpdir(), 'cors-lint-if-'));
  const modules = existsSync(HEADERS_MORE_MODULE) ? `load_module ${HEADERS_MORE_MODULE};\n` : '';
  writeFileSync(join(prefix, 'nginx.conf'), `${modules}pid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nevents {}\nhttp {\n  access_log off;\n${text}\n}\n`);
  return spawnSync(nginx!, ['-t', '-q', '-p', prefix, '-c', join(prefix, 'nginx.conf')], { encoding: 'utf8' }).status === 0;
}

describe.skipIf(!nginx)('directives nginx refuses inside if', () => {
  for (const inLocation of [false, true]) {
    for (const [name, line] of Object.entries(DIRECTIVES)) {
      if (name === 'more_set_headers' && !existsSync(HEADERS_MORE_MODULE)) continue;
      it(`${name} in an if ${inLocation ? 'in a location' : 'at server level'}: cors-lint agrees with nginx -t`, () => {
        const text = site(inLocation, line);
        const accepted = nginxAccepts(text);
        const errors = lint([{ path: 'site.conf', text }]).diagnostics.filter((d) => d.ruleId === 'parse-error');
        if (accepted) expect(errors).toEqual([]);
        else {
          const at = text.split('\n').findIndex((row) => row.trim() === line) + 1;
          expect(errors.map((d) => `${d.line}:${d.column}`)).toEqual([`${at}:9`]);
          expect(errors[0]!.message).toContain(`"${name}" directive is not allowed here`);
        }
      });
    }
  }

  it('a fragment whose top level is the if (included in a location) leaves server-only refusals alone', () => {
    const text = 'if ($request_method = OPTIONS) {\n    add_header Access-Control-Allow-Origin *;\n    return 204;\n}\n';
    expect(lint([{ path: 'snippets/cors.conf', text }]).diagnostics.filter((d) => d.ruleId === 'parse-error')).toEqual([]);
  });

  it('the language server reading one block again knows the blocks around it', () => {
    const before = 'server {\n  listen 80;\n  if ($request_method = OPTIONS) {\n    return 204;\n  }\n}\n';
    const after = before.replace('    return 204;', '    add_header Access-Control-Allow-Origin *;\n    return 204;');
    const incremental = reparseNginx(parseNginxState(before, 'a.conf'), after, 'a.conf');
    const fresh = parseNginxState(after, 'a.conf');
    expect(incremental.result.errors).toEqual(fresh.result.errors);
    expect(fresh.result.errors.map((error) => error.message.slice(0, 40))).toEqual(['"add_header" directive is not allowed he']);
  });
});

// Directives whose only context is http, written inside a server or a location block: nginx -t refuses them
// there (and accepts them at http level), and cors-lint reports the first one where nginx does.
const HTTP_ONLY_LINES: Record<string, string> = {
  map: 'map $http_origin $cors_origin { default ""; }',
  geo: 'geo $trusted { default 0; }',
  upstream: 'upstream app { server 127.0.0.1:9; }',
  limit_req_zone: 'limit_req_zone $binary_remote_addr zone=api:10m rate=10r/s;',
  limit_conn_zone: 'limit_conn_zone $binary_remote_addr zone=addr:10m;',
  log_format: "log_format cors '$http_origin';",
  proxy_cache_path: 'proxy_cache_path /tmp/cors-lint-cache keys_zone=c:1m;',
  map_hash_bucket_size: 'map_hash_bucket_size 128;',
};

describe.skipIf(!nginx)('http-only directives inside server or location', () => {
  const cors = 'add_header Access-Control-Allow-Origin https://app.example.com always;';
  for (const [name, line] of Object.entries(HTTP_ONLY_LINES)) {
    for (const where of ['http', 'server', 'location'] as const) {
      it(`${name} in ${where}: cors-lint agrees with nginx -t`, () => {
        const text =
          where === 'http'
            ? `${line}\nserver {\n  listen 127.0.0.1:8080;\n  location / { ${cors} }\n}\n`
            : where === 'server'
              ? `server {\n  listen 127.0.0.1:8080;\n  ${line}\n  location / { ${cors} }\n}\n`
              : `server {\n  listen 127.0.0.1:8080;\n  location / {\n    ${cors}\n    ${line}\n  }\n}\n`;
        const accepted = nginxAccepts(text);
        const errors = lint([{ path: 'site.conf', text }]).diagnostics.filter((d) => d.ruleId === 'parse-error');
        expect(accepted).toBe(where === 'http');
        if (accepted) expect(errors).toEqual([]);
        else {
          const row = text.split('\n').findIndex((r) => r.trim() === line);
          expect(errors.map((d) => `${d.line}:${d.column}`)).toEqual([`${row + 1}:${text.split('\n')[row].indexOf(name) + 1}`]);
          expect(errors[0]!.message).toContain(`"${name}" directive is not allowed here`);
        }
      });
    }
  }
});
