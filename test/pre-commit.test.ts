import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './helpers/fixtures.js';
import { renderPreCommitHooks } from '../scripts/generate-docs.js';
import { detectByName, mayBeSupported } from '../src/engine/detect.js';

/**
 * The hook under the real pre-commit (Debian's package): a throwaway repository whose
 * .pre-commit-config.yaml points at this repository's committed HEAD. pre-commit clones it,
 * installs it as a node hook (npm install, npm pack, npm install -g) and runs it on the files it
 * selects.
 */
const available = spawnSync('sh', ['-c', 'command -v pre-commit && command -v git'], { stdio: 'ignore' }).status === 0;
if (!available && process.env.CI === 'true') throw new Error('CI=true but pre-commit or git is missing (npm test installs them from Debian)');

const hooks = parseYaml(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<{ id: string; files: string; language: string; require_serial: boolean }>;

describe('pre-commit hook', () => {
  it('is a node hook whose file pattern selects exactly the files cors-lint reads', () => {
    const [hook] = hooks;
    expect(hook).toMatchObject({ id: 'cors-lint', language: 'node', require_serial: false });
    const pattern = new RegExp(hook.files);
    for (const path of ['nginx.conf', 'deploy/nginx/sites-enabled/api', 'src/server.ts', 'app/main.py', 'k8s/ingress.yaml', 'chart/templates/ingress.tpl', 'serverless.yml', 'infra/template.json', 'api/openapi.json', 'stack.template']) expect(pattern.test(path), path).toBe(true);
    for (const path of ['README.md', 'Cargo.lock', 'tsconfig.jsonc', 'image.png', 'Dockerfile']) expect(pattern.test(path), path).toBe(false);
  });

  it('is generated from the format registry (run `npm run docs` after changing src/engine/formats.ts)', () => {
    expect(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')).toBe(renderPreCommitHooks());
  });

  it('selects every file name the CLI would read, and no other', () => {
    const pattern = new RegExp(hooks[0].files);
    const paths = [
      'site.conf', 'conf/app.nginx', 'nginx.conf', 'etc/nginx.conf.default', 'deploy/site.conf.j2', 'deploy/site.conf.tpl', 'deploy/site.conf.template', 'deploy/site.conf.erb',
      'nginx/cors', 'etc/sites-enabled/api.example.com', 'conf.d/default', 'src/app.ts', 'src/app.tsx', 'lib/x.mjs', 'app/main.py', 'k8s/a.yml', 'chart/templates/ingress.tpl',
      'README.md', 'Dockerfile', 'scripts/deploy', 'docs/site.md', 'image.png', 'settings.toml', 'a.json', 'vercel.json', 'web/netlify.toml', 'public/_headers', 'public/_headers.txt', 'vercel.json.bak', 'config/vercel.json5', 'package.json',
      'templates/default.conf.template.j2', 'roles/web/templates/vhost.j2', 'k8s/ingress.yaml.j2', 'infra/template.yml.tmpl', 'Makefile.in', 'now.json', 'web/staticwebapp.config.json', 'etc/sites-enabled/example.org',
    ];
    // Names the CLI skips as never a config (a Makefile.in beside autoconf templates, README.nginx) may be
    // selected by the extension or template suffix they share with configs: the CLI skips them by name.
    const neverConfig = (path: string) => { const kind = detectByName(path); return 'skip' in kind && /README, LICENSE, Makefile or Dockerfile/.test(kind.skip); };
    for (const path of paths) expect(pattern.test(path), path).toBe(mayBeSupported(path) || (neverConfig(path) && pattern.test(path)));
    expect(neverConfig('Makefile.in') && pattern.test('Makefile.in')).toBe(true);
  });

  it.skipIf(!available)(
    'fails on a bad nginx config with the finding, and passes once it is fixed',
    () => {
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
      const repo = mkdtempSync(join(tmpdir(), 'cors-lint-pre-commit-'));
      const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
      git('init', '-q');
      git('config', 'user.email', 'test@example.invalid');
      git('config', 'user.name', 'test');
      mkdirSync(join(repo, 'nginx'));
      writeFileSync(join(repo, 'nginx', 'api.conf'), 'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n}\n');
      writeFileSync(join(repo, 'README.md'), '# shop\n');
      writeFileSync(join(repo, '.pre-commit-config.yaml'), `repos:\n  - repo: ${ROOT}\n    rev: ${head}\n    hooks:\n      - id: cors-lint\n`);
      git('add', '.');
      const env = { ...process.env, PRE_COMMIT_HOME: join(repo, '.cache'), CI: 'true', NO_COLOR: '1' };
      const preCommit = () => spawnSync('pre-commit', ['run', '--all-files', '--color', 'never'], { cwd: repo, env, encoding: 'utf8' });

      const failing = preCommit();
      expect(failing.status, failing.stdout + failing.stderr).toBe(1);
      expect(failing.stdout).toMatch(/cors-lint\.+Failed/);
      expect(failing.stdout).toContain('nginx/api.conf');
      expect(failing.stdout).toContain("2:44  error  Access-Control-Allow-Origin '*' is sent with Access-Control-Allow-Credentials: true");

      writeFileSync(join(repo, 'nginx', 'api.conf'), 'location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n}\n');
      git('add', '.');
      const passing = preCommit();
      expect(passing.status, passing.stdout + passing.stderr).toBe(0);
      expect(passing.stdout).toMatch(/cors-lint\.+Passed/);

      // A commit that stages only an included snippet: the hook gets that one file, and cors-lint
      // judges it inside the site that includes it (where it is a second Allow-Origin).
      mkdirSync(join(repo, 'nginx', 'snippets'));
      writeFileSync(join(repo, 'nginx', 'site.conf'), 'server {\n    location /api/ {\n        add_header Access-Control-Allow-Origin https://a.example.com always;\n        include snippets/cors.conf;\n        proxy_pass http://app;\n    }\n}\n');
      writeFileSync(join(repo, 'nginx', 'snippets', 'cors.conf'), '# shared CORS header\n');
      git('add', '.');
      git('commit', '-qm', 'site');
      writeFileSync(join(repo, 'nginx', 'snippets', 'cors.conf'), 'add_header Access-Control-Allow-Origin https://b.example.com always;\n');
      git('add', 'nginx/snippets/cors.conf');
      const staged = spawnSync('pre-commit', ['run', '--color', 'never'], { cwd: repo, env, encoding: 'utf8' });
      expect(staged.status, staged.stdout + staged.stderr).toBe(1);
      expect(staged.stdout).toContain('nginx/snippets/cors.conf');
      expect(staged.stdout).toContain('duplicate-allow-origin');
    },
    300_000,
  );
});
