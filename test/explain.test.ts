import { describe, expect, it } from 'vitest';
import { cli, project } from './helpers/cli.js';

const SITE = project({
  'nginx/api.conf':
    "server {\n    server_name api.example.com;\n    location /api/ {\n        if ($request_method = OPTIONS) {\n            add_header Access-Control-Allow-Origin https://app.example.com always;\n            add_header Access-Control-Allow-Credentials true always;\n            add_header Access-Control-Allow-Methods 'GET, PUT' always;\n            return 204;\n        }\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Allow-Credentials true always;\n        proxy_pass http://app;\n    }\n}\n",
  'app/server.js': "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use('/v2', cors({ origin: ['https://app.example.com'], credentials: true, allowedHeaders: ['Content-Type'] }));\n",
});

describe('explain', () => {
  it('lists every policy with its origins, credentials, methods, preflight and Vary, each with its line', async () => {
    const { code, stdout } = await cli(['explain', '--format', 'json'], SITE);
    expect(code).toBe(0);
    const policies = JSON.parse(stdout) as Array<{ file: string; framework: string; scope: string; rows: Array<{ what: string; value: string; at: string }> }>;
    expect(policies.map((p) => `${p.file} ${p.framework} ${p.scope}`)).toEqual(['app/server.js Express cors app /v2', 'nginx/api.conf nginx server api.example.com location /api/']);
    const nginx = policies[1].rows;
    expect(nginx).toContainEqual({ what: 'origin', value: 'https://app.example.com', at: 'nginx/api.conf:10:48' });
    expect(nginx).toContainEqual({ what: 'credentials', value: 'true', at: expect.stringMatching(/^nginx\/api\.conf:\d+:\d+$/) });
    expect(nginx).toContainEqual({ what: 'preflight', value: 'answered here (204)', at: '' });
    const table = await cli(['explain'], SITE);
    expect(table.stdout).toContain('nginx/api.conf:3  nginx — server api.example.com location /api/');
    expect(table.stdout).toMatch(/ {2}methods +GET, PUT +nginx\/api\.conf:7:\d+/);
  });

  it("says whether Vary: Origin goes out as the answer to a GET shows it, not from the setting alone", async () => {
    const app = (options: string) => `const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors(${options}));\n`;
    const dir = project({ 'star.js': app(''), 'list.js': app("{ origin: ['https://a.example.com', 'https://b.example.com'] }") });
    const policies = JSON.parse((await cli(['explain', '--format', 'json'], dir)).stdout) as Array<{ file: string; rows: Array<{ what: string; value: string }> }>;
    const vary = Object.fromEntries(policies.map((p) => [p.file, p.rows.find((r) => r.what === 'Vary: Origin')?.value]));
    // The cors package sends '*' and no Vary by default; with a list it answers per origin and varies.
    expect(vary).toEqual({ 'list.js': 'sent', 'star.js': 'not sent' });
  });
});

describe('simulate', () => {
  it('answers an allowed request with the headers each policy sends', async () => {
    const { code, stdout } = await cli(['simulate', '--origin', 'https://app.example.com', '--method', 'PUT', '--credentials', '--path', '/api/items', '--format', 'json'], SITE);
    const [result] = JSON.parse(stdout) as Array<{ allowed: boolean; preflight: { status: number; headers: Array<{ name: string; value: string }> }; scope: string }>;
    expect(code).toBe(0);
    expect(result.scope).toBe('server api.example.com location /api/');
    expect(result.allowed).toBe(true);
    expect(result.preflight.status).toBe(204);
    expect(result.preflight.headers.map((h) => `${h.name}: ${h.value}`)).toContain('Access-Control-Allow-Methods: GET, PUT');
  });

  it('prints the message Chromium prints and the line to change when the browser blocks', async () => {
    const { code, stdout } = await cli(['simulate', '--origin', 'https://app.example.com', '--method', 'DELETE', '--header', 'Authorization', '--credentials', '--path', '/api/items'], SITE);
    expect(code).toBe(1);
    expect(stdout).toContain("Access to fetch at 'https://your-api/api/items' from origin 'https://app.example.com' has been blocked by CORS policy: Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response.");
    expect(stdout).toMatch(/change: nginx\/api\.conf:7:\d+/);
    const foreign = await cli(['simulate', '--origin', 'https://attacker.invalid', '--path', '/v2/users', '--format', 'json'], SITE);
    const results = JSON.parse(foreign.stdout) as Array<{ scope: string; allowed: boolean; message: string }>;
    expect(results.map((r) => r.scope)).toEqual(['app /v2']);
    expect(results[0].message).toContain("No 'Access-Control-Allow-Origin' header is present on the requested resource.");
  });

  it('needs --origin', async () => {
    const { code, stderr } = await cli(['simulate'], SITE);
    expect(code).toBe(2);
    expect(stderr).toContain('simulate needs --origin');
  });
});
