import { describe, expect, it } from 'vitest';
import { composeServices } from '../src/topology/compose.js';
import { nginxLocations } from '../src/topology/nginx-proxies.js';

/**
 * Topology indexes. Nginx locations are read per host a frontend call names, parsing only the files that may
 * name it. Whatever a file looks like, the locations serving a host must be the same as when
 * every file is read.
 */
describe('nginx locations by host', () => {
  const files = new Map<string, string>([
    ['plain.conf', 'server {\n  server_name api.example.com;\n  location /api/ { proxy_pass http://app:3000; }\n}\n'],
    ['upper.conf', 'server {\n  server_name API.Example.COM www.example.com;\n  location = /login { return 204; }\n}\n'],
    ['quoted.conf', "server {\n  server_name \"api.example.com\" 'other.example.com';\n  location / { root /srv; }\n}\n"],
    // The name is only spelled out after unescaping (a URL host may hold a quote).
    ['escaped.conf', "server {\n  server_name \"api\\'s.example.com\";\n  location /escaped/ { root /srv; }\n}\n"],
    // Kelvin sign: lower-cases to an ASCII k.
    ['kelvin.conf', 'server {\n  server_name \u212Aiosk.example.com;\n  location /k/ { root /srv; }\n}\n'],
    ['nested.conf', 'http {\n  server {\n    listen 8080;\n    server_name api.example.com;\n    location /nested/ { root /srv; }\n  }\n}\n'],
    ['static.conf', 'server {\n  server_name static.example.com;\n  location / { root /srv/www; }\n}\n'],
  ]);
  const all = nginxLocations(files);
  const serving = (host: string) => all.filter((location) => location.serverNames.includes(host));

  it('a host gets the same locations as from every file', () => {
    for (const host of ["api's.example.com", 'api.example.com', 'www.example.com', 'other.example.com', 'kiosk.example.com', 'static.example.com', 'none.example.com']) {
      expect(nginxLocations(files, host).filter((location) => location.serverNames.includes(host))).toEqual(serving(host));
    }
    expect(serving('api.example.com').map((location) => location.file)).toEqual(['plain.conf', 'upper.conf', 'quoted.conf', 'nested.conf']);
    expect(serving("api's.example.com").map((location) => location.file)).toEqual(['escaped.conf']);
    expect(serving('kiosk.example.com').map((location) => location.file)).toEqual(['kelvin.conf']);
  });

  it('files that cannot name the host are not read', () => {
    expect(new Set(nginxLocations(files, 'static.example.com').map((location) => location.file))).toEqual(new Set(['static.conf', 'escaped.conf']));
  });
});

describe('Compose services', () => {
  it('are read once per run (per YAML map), however many topology readers ask', () => {
    const yaml = new Map([['docker-compose.yml', 'services:\n  api:\n    build: ./api\n    ports:\n      - "3000:3000"\n']]);
    const first = composeServices(yaml);
    expect(first.map((service) => service.name)).toEqual(['api']);
    expect(composeServices(yaml)).toBe(first);
    // Another run's map is read afresh.
    expect(composeServices(new Map(yaml))).not.toBe(first);
    expect(composeServices(new Map(yaml))).toEqual(first);
  });
});
