import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { cli, project } from './helpers/cli.js';
import { fixtureUnits } from './helpers/fixtures.js';

const COMPOSE = 'services:\n  api:\n    build: ./api\n';
const NGINX = 'server {\n    listen 80;\n    location /api/ {\n        add_header Access-Control-Allow-Origin "https://app.example.com" always;\n        proxy_pass http://api:3000;\n    }\n}\n';
const APP = (port: string) => `const cors = require('cors');\nconst app = require('express')();\napp.use(cors({ origin: 'https://app.example.com' }));\napp.listen(${port});\n`;

const duplicates = (files: Record<string, string>) =>
  lint(Object.entries(files).map(([path, text]) => ({ path, text }))).diagnostics.filter((d) => d.ruleId === 'duplicate-allow-origin');

describe('topology links only what the repository states', () => {
  it('links proxy_pass → Compose service → build folder → app', () => {
    expect(duplicates({ 'docker-compose.yml': COMPOSE, 'nginx/site.conf': NGINX, 'api/server.js': APP('3000') })).toHaveLength(1);
  });

  it('no link without a Compose file, with an image-only service, or when the app listens on another port', () => {
    expect(duplicates({ 'nginx/site.conf': NGINX, 'api/server.js': APP('3000') })).toHaveLength(0);
    expect(duplicates({ 'docker-compose.yml': 'services:\n  api:\n    image: example/api\n', 'nginx/site.conf': NGINX, 'api/server.js': APP('3000') })).toHaveLength(0);
    expect(duplicates({ 'docker-compose.yml': COMPOSE, 'nginx/site.conf': NGINX, 'api/server.js': APP('4000') })).toHaveLength(0);
    // An app whose port comes from the environment is the only app in the folder: still the one.
    expect(duplicates({ 'docker-compose.yml': COMPOSE, 'nginx/site.conf': NGINX, 'api/server.js': APP('process.env.PORT') })).toHaveLength(1);
  });

  it('with two apps in the build folder, only the one listening on the proxied port', () => {
    const two = { 'docker-compose.yml': COMPOSE, 'nginx/site.conf': NGINX, 'api/a.js': APP('3000'), 'api/b.js': APP('5000') };
    const found = duplicates(two);
    expect(found).toHaveLength(1);
    expect(found[0].message).toContain('api/a.js');
    expect(duplicates({ ...two, 'api/a.js': APP('process.env.PORT') })).toHaveLength(0);
  });

  it('a Compose file of another project (not above the nginx file) is not used', () => {
    expect(duplicates({ 'other/docker-compose.yml': COMPOSE, 'nginx/site.conf': NGINX, 'other/api/server.js': APP('3000') })).toHaveLength(0);
    // Every fixture project linted in one run links each proxy inside its own folder only.
    const units = fixtureUnits().filter((unit) => unit.name.startsWith('duplicate-allow-origin/compose-'));
    const { policies } = lint(units.flatMap((unit) => unit.files));
    const links = policies.flatMap((policy) => (policy.upstreamLayers ?? []).map((layer) => ({ policy, layer })));
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const { policy, layer } of links) {
      const folder = policy.source.file.split('/').slice(0, 3).join('/');
      for (const step of layer.via) expect(step.loc.file.startsWith(`${folder}/`), `${step.what} in ${folder}`).toBe(true);
    }
  });

  it('explain --topology prints each chain with its lines; simulate answers through the chain', async () => {
    const dir = project({ 'docker-compose.yml': COMPOSE, 'nginx/site.conf': NGINX, 'api/server.js': APP('3000') });
    const explained = await cli(['explain', '--topology'], dir);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('→ proxy_pass http://api:3000  nginx/site.conf:5:9');
    expect(explained.stdout).toContain("→ Compose service 'api' (build)  docker-compose.yml:3:12");
    expect(explained.stdout).toContain('api/server.js:3');
    const simulated = await cli(['simulate', '--origin', 'https://app.example.com', '--path', '/api/x'], dir);
    expect(simulated.code).toBe(1);
    expect(simulated.stdout).toContain("The 'Access-Control-Allow-Origin' header contains multiple values");
  });
});

describe('Kubernetes: Ingress → Service → workload → image → build folder', () => {
  const ingress = 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      add_header Access-Control-Allow-Origin "https://app.example.com" always;\nspec:\n  rules:\n    - host: api.example.com\n      http:\n        paths:\n          - path: /\n            backend:\n              service:\n                name: api\n                port:\n                  number: 80\n';
  const service = (target: string) => `apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n  ports:\n    - port: 80\n      targetPort: ${target}\n`;
  const deployment = (image: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    metadata:\n      labels:\n        app: api\n    spec:\n      containers:\n        - name: api\n          image: ${image}\n          ports:\n            - name: web\n              containerPort: 3000\n`;
  const skaffold = 'apiVersion: skaffold/v4beta6\nkind: Config\nbuild:\n  artifacts:\n    - image: example/api\n      context: api\n';
  const base = { 'k8s/ingress.yaml': ingress, 'k8s/service.yaml': service('3000'), 'k8s/deploy.yaml': deployment('example/api:2'), 'skaffold.yaml': skaffold, 'api/server.js': APP('3000') };

  it('links the chain and reports the doubled header', () => {
    const found = duplicates(base);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ file: 'k8s/ingress.yaml', line: 7 });
    expect(found[0].message).toContain("Service 'api'");
  });

  it('a named target port resolves through the container; an unknown one, another image or a missing Service link nothing', () => {
    expect(duplicates({ ...base, 'k8s/service.yaml': service('web') })).toHaveLength(1);
    expect(duplicates({ ...base, 'k8s/service.yaml': service('metrics') })).toHaveLength(0);
    expect(duplicates({ ...base, 'k8s/deploy.yaml': deployment('example/other:2') })).toHaveLength(0);
    const { 'k8s/service.yaml': _service, ...withoutService } = base;
    expect(duplicates(withoutService)).toHaveLength(0);
    // A Compose service that tags its build with the image works as skaffold does.
    const { 'skaffold.yaml': _skaffold, ...withoutSkaffold } = base;
    expect(duplicates(withoutSkaffold)).toHaveLength(0);
    expect(duplicates({ ...withoutSkaffold, 'docker-compose.yml': 'services:\n  api:\n    image: example/api:dev\n    build: ./api\n' })).toHaveLength(1);
  });
});
