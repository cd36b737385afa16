import { describe, expect, it } from 'vitest';
import { lint, respond, simulateFetch, type CorsPolicy } from '../src/index.js';
import type { CorsRequest } from '../src/model/types.js';
import { GRANT_READS, mergeUncertainty, PREFLIGHT_READS, unsure, Unknowns } from '../src/model/uncertainty.js';

/**
 * An unknown value silences only what it can change: the answer records which headers are
 * unknown, and a question that reads none of them still gets one. Unknowns the whole answer
 * depends on (status, the origin decision) stay global.
 */

function onlyPolicy(path: string, text: string): CorsPolicy {
  const { policies } = lint([{ path, text }]);
  expect(policies).toHaveLength(1);
  return policies[0];
}

const GET: CorsRequest = { origin: 'https://attacker.invalid', method: 'GET', credentials: true };
const PREFLIGHT: CorsRequest = { origin: 'https://attacker.invalid', method: 'PUT', headers: ['X-Api-Key'], credentials: true, preflight: true };

describe('Unknowns and unsure', () => {
  it('keeps header unknowns apart from global ones', () => {
    expect(new Unknowns().fields()).toEqual({ uncertain: false });
    expect(new Unknowns().header('Access-Control-Max-Age').fields()).toEqual({ uncertain: true, unknownHeaders: ['access-control-max-age'] });
    expect(new Unknowns().header('Access-Control-Max-Age').all().fields()).toEqual({ uncertain: true });
    expect(new Unknowns().header('Vary').known('vary').fields()).toEqual({ uncertain: false });
  });

  it('answers a question that reads none of the unknown headers, and only that one', () => {
    const fields = new Unknowns().header('access-control-expose-headers').fields();
    expect(unsure(fields, GRANT_READS)).toBe(false);
    expect(unsure(fields, ['Access-Control-Expose-Headers'])).toBe(true);
    // A caller that does not say what it reads stays silent, as before.
    expect(unsure(fields)).toBe(true);
    expect(unsure({ uncertain: true }, [])).toBe(true);
  });

  it('merges: a global unknown anywhere is global', () => {
    expect(mergeUncertainty({ uncertain: true, unknownHeaders: ['vary'] }, { uncertain: true, unknownHeaders: ['access-control-max-age'] })).toEqual({ uncertain: true, unknownHeaders: ['access-control-max-age', 'vary'] });
    expect(mergeUncertainty({ uncertain: true, unknownHeaders: ['vary'] }, { uncertain: true })).toEqual({ uncertain: true });
    expect(mergeUncertainty({ uncertain: false }, { uncertain: false })).toEqual({ uncertain: false });
  });
});

describe('each format records which header an unknown value leaves open', () => {
  it('Express cors: an env Expose-Headers is unknown on its own; the grant is still judged', () => {
    const policy = onlyPolicy('app.js', "const cors = require('cors');\nconst app = require('express')();\napp.use(cors({ origin: '*', credentials: true, exposedHeaders: process.env.X }));\n");
    const response = respond(policy, GET);
    expect(response.unknownHeaders).toEqual(['access-control-expose-headers']);
    expect(unsure(response, GRANT_READS)).toBe(false);
    const outcome = simulateFetch(policy, GET);
    expect(outcome).toMatchObject({ allowed: false, uncertain: false });
  });

  it('Express cors: env methods leave the preflight undecided, not the actual request', () => {
    const policy = onlyPolicy('app.js', "const cors = require('cors');\nconst app = require('express')();\napp.use(cors({ origin: 'https://app.example.com', methods: process.env.METHODS }));\n");
    const preflight = respond(policy, { ...PREFLIGHT, origin: 'https://app.example.com' });
    expect(preflight.unknownHeaders).toEqual(['access-control-allow-methods']);
    expect(unsure(preflight, PREFLIGHT_READS)).toBe(true);
    expect(simulateFetch(policy, { origin: 'https://app.example.com', method: 'PUT' }).uncertain).toBe(true);
    expect(simulateFetch(policy, { origin: 'https://app.example.com', method: 'GET' })).toMatchObject({ allowed: true, uncertain: false });
  });

  it('Starlette: unknown allow_headers decide the preflight status (global there), nothing on actual requests', () => {
    const policy = onlyPolicy(
      'main.py',
      'import os\nfrom fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_headers=os.environ["H"].split(","), max_age=int(os.environ["M"]))\n',
    );
    const preflight = respond(policy, PREFLIGHT);
    expect(preflight.uncertain).toBe(true);
    expect(preflight.unknownHeaders).toBeUndefined();
    expect(respond(policy, GET).uncertain).toBe(false);
  });

  it('nginx: a variable on Max-Age is unknown on its own; a variable on Allow-Credentials too', () => {
    const policy = onlyPolicy('site.conf', 'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials $creds always;\n    add_header Access-Control-Max-Age $age always;\n    proxy_pass http://app;\n}\n');
    const response = respond(policy, GET);
    expect(response.unknownHeaders).toEqual(['access-control-allow-credentials', 'access-control-max-age']);
    expect(response.headers.map((h) => h.name)).toEqual(['Access-Control-Allow-Origin']);
    expect(unsure(response, ['access-control-allow-origin'])).toBe(false);
    expect(unsure(response, GRANT_READS)).toBe(true);
  });

  it('nginx: paths that differ only in a header leave only that header open', () => {
    const text =
      'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    if ($cache) {\n        add_header Access-Control-Allow-Origin * always;\n        add_header Access-Control-Max-Age 600 always;\n    }\n    proxy_pass http://app;\n}\n';
    const response = respond(onlyPolicy('site.conf', text), GET);
    expect(response).toMatchObject({ status: 200, uncertain: true, unknownHeaders: ['access-control-max-age'] });
    expect(response.headers.map((h) => `${h.name}: ${h.value}`)).toEqual(['Access-Control-Allow-Origin: *']);
  });

  it('ingress-nginx: a templated credentials annotation leaves Allow-Credentials unknown instead of the default true', () => {
    const text =
      'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-credentials: "{{ .Values.creds }}"\n    nginx.ingress.kubernetes.io/cors-max-age: "{{ .Values.age }}"\n';
    const response = respond(onlyPolicy('ingress.yaml', text), GET);
    expect(response.unknownHeaders).toEqual(['access-control-allow-credentials', 'access-control-max-age']);
    expect(response.headers.some((h) => /credentials|max-age/i.test(h.name))).toBe(false);
  });

  it('JS hand-set headers: an env value and an env-guarded write each leave their header open', () => {
    const text =
      "const app = require('express')();\napp.use((req, res, next) => {\n  res.setHeader('Access-Control-Allow-Origin', '*');\n  res.setHeader('Access-Control-Expose-Headers', process.env.EXPOSE);\n  if (process.env.CACHE) res.setHeader('Access-Control-Max-Age', '600');\n  next();\n});\n";
    const response = respond(onlyPolicy('app.js', text), GET);
    expect(response).toMatchObject({ status: 200, uncertain: true, unknownHeaders: ['access-control-expose-headers', 'access-control-max-age'] });
  });
});
