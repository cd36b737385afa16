import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint, respond, type CorsPolicy, type CorsRequest } from '../src/index.js';
import { corsHeaderSet, nginxBinary, sendAsBrowser, startNginx } from './helpers/servers.js';

/**
 * The nginx profile and extractor against a real nginx: for every location of this config, the
 * headers respond() predicts for simple and preflight requests (allowed origin, foreign origin,
 * no origin; file found and 404) must equal what nginx sends.
 */
const CONFIG = (root: string) => `
map $http_origin $cors_origin {
    default "";
    "https://app.example.com" $http_origin;
    "~^https://[a-z]+\\.example\\.org$" $http_origin;
}
map $http_origin $cors_host_origin {
    hostnames;
    default "";
    .example.org $http_origin;
    *.example.net.evil "";
}
server {
    listen 127.0.0.1:__PORT__;
    root ${root};
    add_header X-Server-Level yes;
    add_header Access-Control-Allow-Origin https://server.example.com;

    location /inherits/ {
    }
    location /plain/ {
        add_header Access-Control-Allow-Origin https://app.example.com;
        add_header Access-Control-Allow-Credentials true;
    }
    location /always/ {
        add_header Access-Control-Allow-Origin '$http_origin' always;
        add_header Vary Origin always;
    }
    location /map/ {
        add_header Access-Control-Allow-Origin $cors_origin always;
        add_header Access-Control-Allow-Credentials true always;
        add_header Vary Origin always;
    }
    location /preflight/ {
        if ($request_method = OPTIONS) {
            add_header Access-Control-Allow-Origin https://app.example.com;
            add_header Access-Control-Allow-Methods 'GET, PUT';
            add_header Access-Control-Max-Age 600;
            return 204;
        }
        add_header Access-Control-Allow-Origin https://app.example.com always;
    }
    location /if-inherits/ {
        add_header Access-Control-Allow-Origin https://app.example.com;
        add_header Access-Control-Allow-Methods 'GET, PUT';
        if ($request_method = 'OPTIONS') {
            return 204;
        }
    }
    location /guarded/ {
        if ($http_origin ~* '^https://(app|admin)\\.example\\.com$') {
            add_header Access-Control-Allow-Origin $http_origin always;
            add_header Vary Origin always;
        }
    }
    location /set/ {
        set $cors_value $http_origin;
        add_header Access-Control-Allow-Origin $cors_value always;
        add_header Access-Control-Expose-Headers 'X-Request-Id' always;
    }
    location /hostnames/ {
        add_header Access-Control-Allow-Origin $cors_host_origin always;
        add_header Vary Origin always;
    }
    location /more/ {
        more_set_headers 'Access-Control-Allow-Origin: https://app.example.com';
        more_set_headers -s 404 'Access-Control-Allow-Credentials: true';
    }
    location /basic/ {
        auth_basic "cors-lint";
        auth_basic_user_file htpasswd;
        add_header Access-Control-Allow-Origin https://app.example.com always;
    }
    location /basic-options/ {
        if ($request_method = OPTIONS) {
            add_header Access-Control-Allow-Origin https://app.example.com always;
            add_header Access-Control-Allow-Methods PUT always;
            return 204;
        }
        auth_basic "cors-lint";
        auth_basic_user_file htpasswd;
        add_header Access-Control-Allow-Origin https://app.example.com always;
    }
    location /limited/ {
        limit_except GET {
            deny all;
        }
        add_header Access-Control-Allow-Origin https://app.example.com always;
    }
    location /named/ {
        error_page 418 = @named_preflight;
        if ($request_method = OPTIONS) {
            return 418;
        }
        add_header Access-Control-Allow-Origin $cors_origin always;
        add_header Vary Origin always;
    }
    location /rewrite/ {
        add_header Access-Control-Allow-Origin $cors_origin always;
        add_header Vary Origin always;
        rewrite ^/rewrite/(.*)$ /rewrite/$1 break;
    }
    location @named_preflight {
        add_header Access-Control-Allow-Origin $cors_origin always;
        add_header Access-Control-Allow-Methods 'GET, PUT' always;
        add_header Vary Origin always;
        return 204;
    }
}`;

const ORIGINS = [undefined, 'https://app.example.com', 'https://App.example.com', 'https://foo.example.org', 'http://a.B.example.org', 'https://evil.example.net', 'null'];

function requestsFor(origin: string | undefined): Array<{ request: CorsRequest; file: string }> {
  return [
    { request: { origin, method: 'GET', appStatus: 200 }, file: 'index.txt' },
    { request: { origin, method: 'GET', appStatus: 404 }, file: 'missing.txt' },
    { request: { origin, method: 'PUT', headers: ['content-type'], preflight: true }, file: 'index.txt' },
  ];
}

const available = nginxBinary() !== undefined;
if (!available && process.env.CI === 'true') throw new Error('CI=true: nginx must be installed for the real-server tests');

describe.skipIf(!available)('nginx profile matches a real nginx', () => {
  let server: Awaited<ReturnType<typeof startNginx>>;
  let policies: CorsPolicy[];
  const locations = ['/inherits/', '/plain/', '/always/', '/map/', '/preflight/', '/if-inherits/', '/guarded/', '/set/', '/hostnames/', '/more/', '/basic/', '/basic-options/', '/limited/', '/named/', '/rewrite/'];

  beforeAll(async () => {
    server = await startNginx((port) => CONFIG('__ROOT__').replace('__PORT__', String(port)), { headersMore: true });
    // The served root is created after nginx has its prefix; nginx resolves `root` per request.
    const root = join(server.prefix, 'www');
    for (const location of locations) {
      mkdirSync(join(root, location), { recursive: true });
      writeFileSync(join(root, location, 'index.txt'), 'ok\n');
    }
    await server.stop();
    server = await startNginx((port) => CONFIG(root).replace('__PORT__', String(port)), { headersMore: true });
    policies = lint([{ path: 'site.conf', text: CONFIG(root).replace('__PORT__', '8080') }]).policies;
  });
  afterAll(async () => {
    await server?.stop();
  });

  for (const location of locations) {
    for (const origin of ORIGINS) {
      for (const { request, file } of requestsFor(origin)) {
        const what = `${request.preflight ? 'OPTIONS preflight' : `GET ${file}`} from ${origin ?? '(no Origin)'}`;
        it(`${location} ${what}`, async () => {
          const policy = policies.find((p) => p.scope.path === location);
          expect(policy, `a policy for ${location}`).toBeDefined();
          const predicted = respond(policy!, request);
          const actual = await sendAsBrowser(server.port, `${location}${file}`, request);
          expect(predicted.uncertain).toBe(false);
          expect(predicted.status).toBe(actual.status);
          expect(corsHeaderSet(predicted.headers)).toEqual(corsHeaderSet(actual.headers));
        });
      }
    }
  }
});
