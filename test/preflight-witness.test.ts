import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';

/**
 * A finding about a preflight names a request the browser would send and the answer would clear:
 * the matrix's fixed PUT is the example only when Allow-Methods lets PUT through (repos9's homarr
 * oauth route, Kineviz/nginx-cors's OPTIONS block with 'GET, POST, OPTIONS').
 */
function messages(path: string, text: string, ruleId: string): string[] {
  return lint([{ path, text }])
    .diagnostics.filter((d) => d.ruleId === ruleId)
    .map((d) => `${d.line}:${d.column} ${d.message}`);
}

const nginxEcho = (methods: string) =>
  `server {\n    location / {\n        if ($request_method = 'OPTIONS') {\n            add_header Access-Control-Allow-Origin $http_origin always;\n            add_header Access-Control-Allow-Credentials true always;\n            add_header Access-Control-Allow-Methods '${methods}' always;\n            add_header Access-Control-Allow-Headers 'Authorization, Content-Type' always;\n            return 204;\n        }\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Allow-Credentials true always;\n        proxy_pass http://app:3000;\n    }\n}\n`;

const expressStar = (methods: string) =>
  `const express = require('express');\nconst app = express();\napp.use((req, res, next) => {\n  res.setHeader('Access-Control-Allow-Origin', '*');\n  res.setHeader('Access-Control-Allow-Methods', '${methods}');\n  res.setHeader('Access-Control-Allow-Headers', '*');\n  if (req.method === 'OPTIONS') return res.sendStatus(204);\n  next();\n});\n`;

describe('preflight witnesses', () => {
  it('credentials-reflect-any-origin names a preflight the browser lets through', () => {
    const [refused] = messages('site.conf', nginxEcho('GET, POST, OPTIONS'), 'credentials-reflect-any-origin');
    expect(refused).toMatch(/^4:52 /);
    expect(refused).not.toContain('PUT');
    expect(refused).toContain('the preflight for a credentialed GET with Authorization from https://attacker.invalid');
    // PUT allowed: the matrix's own PUT preflight stays the example.
    const [allowed] = messages('site.conf', nginxEcho('GET, PUT, OPTIONS'), 'credentials-reflect-any-origin');
    expect(allowed).toContain('the preflight for a credentialed PUT with Authorization, Content-Type');
  });

  it('authorization-needs-explicit-allow names a method Allow-Methods lists', () => {
    const [getOnly] = messages('server.js', expressStar('GET, OPTIONS'), 'authorization-needs-explicit-allow');
    expect(getOnly).toMatch(/^6:49 /);
    expect(getOnly).toContain('(the preflight for GET with Authorization from https://attacker.invalid)');
    const [withPut] = messages('server.js', expressStar('GET, PUT, DELETE'), 'authorization-needs-explicit-allow');
    expect(withPut).toContain('(the preflight for PUT with Authorization, Content-Type from https://attacker.invalid)');
    // Python and nginx answer the same question through the same rule.
    const django = 'MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\nCORS_ALLOWED_ORIGINS = ["https://app.example.com"]\nCORS_ALLOW_METHODS = ["GET", "OPTIONS"]\nCORS_ALLOW_HEADERS = ["*"]\n';
    const [python] = messages('settings.py', django, 'authorization-needs-explicit-allow');
    expect(python).toContain('(the preflight for GET with Authorization from https://app.example.com)');
  });
});
