import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lint, type CorsPolicy, type CorsRequest } from '../src/index.js';
import { respondThroughLayer } from '../src/model/stack.js';
import { FIXTURES, ROOT } from './helpers/fixtures.js';
import { generatedLocation } from './helpers/ingress-template.js';
import { corsHeaderSet, freePort, sendAsBrowser, startNginx, waitForPort } from './helpers/servers.js';

/**
 * Stacked layers against the real chain: each fixture's nginx config runs on a real nginx that
 * proxies to the fixture's own app (Express 5 + cors, or FastAPI/Starlette from Debian), and the
 * headers the browser receives must equal what respondThroughLayer() predicts — duplicates
 * included, since a doubled Access-Control-Allow-Origin is the defect under test.
 */
const PYTHON = '/usr/bin/python3';
const pythonReady = spawnSync(PYTHON, ['-c', 'import fastapi, uvicorn']).status === 0;
if (!pythonReady && process.env.CI === 'true') throw new Error(`CI=true but ${PYTHON} cannot import fastapi and uvicorn (npm test installs them from Debian)`);

interface Stack {
  folder: string;
  /** The fixture folder's rule directory. */
  rule?: string;
  app: 'express' | 'starlette';
  appDir: string;
  nginxFile: string;
  path: string;
  headersMore?: boolean;
}

const STACKS: Stack[] = [
  { folder: 'compose-nginx-express', app: 'express', appDir: 'api', nginxFile: 'nginx/default.conf', path: '/api/items' },
  { folder: 'compose-hide-header.near-miss', app: 'express', appDir: 'api', nginxFile: 'nginx/default.conf', path: '/api/items' },
  { folder: 'compose-credentials-twice', app: 'express', appDir: 'api', nginxFile: 'nginx/default.conf', path: '/api/items' },
  { folder: 'compose-credentials-hidden.near-miss', app: 'express', appDir: 'api', nginxFile: 'nginx/default.conf', path: '/api/items' },
  { folder: 'compose-more-set-headers.near-miss', app: 'express', appDir: 'api', nginxFile: 'nginx/default.conf', path: '/api/items', headersMore: true },
  { folder: 'compose-nginx-starlette', app: 'starlette', appDir: 'backend', nginxFile: 'nginx.conf', path: '/items' },
  { folder: 'nginx-answers-for-express', rule: 'app-cors-shadowed', app: 'express', appDir: 'api', nginxFile: 'nginx/default.conf', path: '/api/items' },
  { folder: 'proxy-answers-narrower', rule: 'preflight-incomplete', app: 'express', appDir: 'api', nginxFile: 'nginx/api.conf', path: '/api/items' },
];

const ORIGINS = ['https://app.example.com', 'https://attacker.invalid', undefined];
const requests = (origin: string | undefined): CorsRequest[] => [
  { origin, method: 'GET' },
  { origin, method: 'GET', credentials: true },
  { origin, method: 'PUT', headers: ['authorization', 'content-type'], preflight: true },
  { origin, method: 'DELETE', preflight: true },
];

const children: ChildProcess[] = [];
const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill();
  for (const stop of stops) await stop();
});

function filesOf(stack: Stack): Array<{ path: string; text: string }> {
  const base = join(FIXTURES, stack.rule ?? 'duplicate-allow-origin', stack.folder);
  const list = spawnSync('find', [base, '-type', 'f'], { encoding: 'utf8' }).stdout.trim().split('\n').sort();
  return list.map((path) => ({ path: path.slice(ROOT.length + 1), text: readFileSync(path, 'utf8') }));
}

async function startApp(stack: Stack): Promise<number> {
  const port = await freePort();
  const dir = join(FIXTURES, stack.rule ?? 'duplicate-allow-origin', stack.folder, stack.appDir);
  let child: ChildProcess;
  if (stack.app === 'express') {
    const work = mkdtempSync(join(tmpdir(), 'cors-lint-app-'));
    const source = readFileSync(join(dir, 'server.js'), 'utf8').replace(/app\.listen\(\d+\)/, "app.listen(Number(process.env.PORT), '127.0.0.1')");
    writeFileSync(join(work, 'server.js'), source);
    child = spawn(process.execPath, [join(work, 'server.js')], { env: { ...process.env, PORT: String(port), NODE_PATH: join(ROOT, 'node_modules') }, stdio: 'ignore' });
  } else {
    child = spawn(PYTHON, ['-m', 'uvicorn', 'main:app', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'error'], { cwd: dir, stdio: 'ignore' });
  }
  children.push(child);
  await waitForPort(port);
  return port;
}

/** The fixture's http-level text, pointed at 127.0.0.1 ports instead of Compose service names. */
function nginxBody(stack: Stack, appPort: number): (port: number) => string {
  let text = readFileSync(join(FIXTURES, stack.rule ?? 'duplicate-allow-origin', stack.folder, stack.nginxFile), 'utf8');
  const http = /^\s*http\s*\{([\s\S]*)\}\s*$/m.exec(text.replace(/^events\s*\{\s*\}\s*$/m, ''));
  if (http) text = http[1];
  text = text.replace(/#.*$/gm, '').replace(/\b(api|backend):\d+/g, `127.0.0.1:${appPort}`);
  return (port) => text.replace(/listen 80;/g, `listen 127.0.0.1:${port};`);
}

describe.each(STACKS)('$folder through a real nginx and its app', (stack) => {
  const skip = stack.app === 'starlette' && !pythonReady;
  it.skipIf(skip)('the merged headers equal respondThroughLayer(), and duplicate-allow-origin fires exactly when two Allow-Origin (or two Allow-Credentials on a granted credentialed request) go out', async () => {
    const files = filesOf(stack);
    const { policies, diagnostics } = lint(files);
    const outer = policies.find((policy: CorsPolicy) => policy.upstreamLayers?.length);
    expect(outer, 'the proxy is linked to its app').toBeDefined();
    const layer = outer!.upstreamLayers![0];
    const appPort = await startApp(stack);
    const nginx = await startNginx(nginxBody(stack, appPort), { headersMore: stack.headersMore });
    stops.push(nginx.stop);
    let compared = 0;
    let doubled = false;
    for (const origin of ORIGINS) {
      for (const request of requests(origin)) {
        const real = await sendAsBrowser(nginx.port, stack.path, request);
        const model = respondThroughLayer(outer!, layer, request);
        const realSet = corsHeaderSet(real.headers);
        if (realSet.filter((h) => h.startsWith('access-control-allow-origin:')).length > 1) doubled = true;
        // Two Allow-Credentials break a credentialed request the origin is granted ('true, true' is not 'true').
        if (request.credentials && realSet.filter((h) => h === 'access-control-allow-credentials: true').length > 1 && realSet.includes(`access-control-allow-origin: ${origin}`)) doubled = true;
        if (model.uncertain) continue;
        compared++;
        expect(corsHeaderSet(model.headers), `${request.preflight ? 'OPTIONS' : request.method} from ${origin ?? '(no origin)'}`).toEqual(realSet);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(8);
    if (stack.rule === 'preflight-incomplete') {
      // The real chain refuses the PUT preflight the app alone would allow, and the rule says so.
      const put = await sendAsBrowser(nginx.port, stack.path, { origin: 'https://app.example.com', method: 'PUT', preflight: true });
      expect(corsHeaderSet(put.headers)).toContain('access-control-allow-methods: GET, POST');
      expect(diagnostics.some((d) => d.ruleId === 'preflight-incomplete')).toBe(true);
      return;
    }
    if (stack.rule === 'app-cors-shadowed') {
      // The real chain grants an origin the app alone refuses: the app's policy is not what browsers get.
      const admin = await sendAsBrowser(nginx.port, stack.path, { origin: 'https://admin.example.com', method: 'GET' });
      expect(corsHeaderSet(admin.headers)).toContain('access-control-allow-origin: https://admin.example.com');
      const direct = await sendAsBrowser(appPort, stack.path, { origin: 'https://admin.example.com', method: 'GET' });
      expect(corsHeaderSet(direct.headers)).not.toContain('access-control-allow-origin: https://admin.example.com');
      expect(diagnostics.some((d) => d.ruleId === 'app-cors-shadowed')).toBe(true);
      return;
    }
    const reported = diagnostics.some((d) => d.ruleId === 'duplicate-allow-origin');
    expect(reported).toBe(doubled);
    expect(doubled).toBe(!stack.folder.includes('near-miss'));
  }, 30_000);
});

/**
 * An Ingress in front of a Flask-CORS app (Debian's python3-flask-cors): the location
 * ingress-nginx's template generates for the annotations, proxying to the real app, against
 * respondThroughLayer() for the chain cors-lint links from the manifests.
 */
const flaskReady = spawnSync(PYTHON, ['-c', 'import flask_cors']).status === 0;
if (!flaskReady && process.env.CI === 'true') throw new Error(`CI=true but ${PYTHON} cannot import flask_cors (npm test installs it from Debian)`);

const FLASK_APP = 'from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app, origins=["https://shop.example.com"])\n\n\n@app.route("/api/items", methods=["GET", "PUT"])\ndef items():\n    return "ok"\n';
const K8S = {
  'k8s/api.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n  ports:\n    - port: 80\n      targetPort: 5000\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          image: example/api:1\n',
  'skaffold.yaml': 'apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n    - image: example/api\n      context: api\n',
  'api/app.py': FLASK_APP,
};
const INGRESSES: Array<{ name: string; annotations: Record<string, string>; doubled: boolean }> = [
  { name: 'enable-cors', annotations: { 'nginx.ingress.kubernetes.io/enable-cors': 'true', 'nginx.ingress.kubernetes.io/cors-allow-origin': 'https://shop.example.com', 'nginx.ingress.kubernetes.io/cors-allow-credentials': 'false' }, doubled: false },
  { name: 'snippet', annotations: { 'nginx.ingress.kubernetes.io/configuration-snippet': 'add_header Access-Control-Allow-Origin "https://shop.example.com" always;\n' }, doubled: true },
];

function ingressYaml(annotations: Record<string, string>): string {
  const lines = Object.entries(annotations).map(([key, value]) => (value.includes('\n') ? `    ${key}: |\n${value.trimEnd().split('\n').map((l) => `      ${l}`).join('\n')}` : `    ${key}: "${value}"`));
  return `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n${lines.join('\n')}\nspec:\n  rules:\n    - host: api.example.com\n      http:\n        paths:\n          - path: /api/\n            backend:\n              service:\n                name: api\n                port:\n                  number: 80\n`;
}

describe.each(INGRESSES)('an Ingress ($name) in front of a real Flask-CORS app', (ingress) => {
  it.skipIf(!flaskReady)('the merged headers equal respondThroughLayer(), and duplicate-allow-origin fires exactly when two Allow-Origin go out', async () => {
    const files = Object.entries({ ...K8S, 'k8s/ingress.yaml': ingressYaml(ingress.annotations) }).map(([path, text]) => ({ path, text }));
    const { policies, diagnostics } = lint(files);
    const outer = policies.find((policy) => policy.upstreamLayers?.length);
    expect(outer, 'the ingress is linked to the app').toBeDefined();
    const layer = outer!.upstreamLayers![0];
    const work = mkdtempSync(join(tmpdir(), 'cors-lint-flask-'));
    writeFileSync(join(work, 'app.py'), FLASK_APP);
    const appPort = await freePort();
    const child = spawn(PYTHON, ['-c', `import app; app.app.run(host="127.0.0.1", port=${appPort})`], { cwd: work, stdio: 'ignore' });
    children.push(child);
    await waitForPort(appPort);
    const backend = `proxy_pass http://127.0.0.1:${appPort};`;
    const location = ingress.annotations['nginx.ingress.kubernetes.io/enable-cors']
      ? generatedLocation('api', ingress.annotations, backend)
      : `location /api/ {\n${ingress.annotations['nginx.ingress.kubernetes.io/configuration-snippet']}\n${backend}\n}`;
    const nginx = await startNginx((port) => `server {\n  listen 127.0.0.1:${port};\n${location}\n}`, { headersMore: true });
    stops.push(nginx.stop);
    let compared = 0;
    let doubled = false;
    for (const origin of ['https://shop.example.com', 'https://attacker.invalid', undefined]) {
      for (const request of [{ origin, method: 'GET' }, { origin, method: 'GET', credentials: true }]) {
        const real = await sendAsBrowser(nginx.port, '/api/items', request);
        const realSet = corsHeaderSet(real.headers);
        if (realSet.filter((h) => h.startsWith('access-control-allow-origin:')).length > 1) doubled = true;
        const model = respondThroughLayer(outer!, layer, request);
        if (model.uncertain) continue;
        compared++;
        expect(corsHeaderSet(model.headers), `GET${request.credentials ? ' with credentials' : ''} from ${origin ?? '(no origin)'}`).toEqual(realSet);
      }
    }
    expect(compared).toBeGreaterThanOrEqual(4);
    expect(doubled).toBe(ingress.doubled);
    expect(diagnostics.some((d) => d.ruleId === 'duplicate-allow-origin')).toBe(doubled);
  }, 30_000);
});
