import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, project } from './helpers/cli.js';

const WARN_NGINX = 'location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com;\n    proxy_pass http://app;\n}\n';

type Message = { ruleId: string; severity: string };
const levels = (stdout: string) =>
  Object.fromEntries((JSON.parse(stdout) as Array<{ filePath: string; messages: Message[] }>).map((file) => [file.filePath, file.messages.filter((m) => m.ruleId === 'nginx-missing-always').map((m) => m.severity)]));

describe('nested configs', () => {
  it('the nearest config above each file wins; root: true stops the search', async () => {
    const dir = project({
      'cors-lint.config.json': '{"rules": {"nginx-missing-always": "error"}}',
      'a/api.conf': WARN_NGINX,
      'b/cors-lint.config.yaml': 'rules:\n  nginx-missing-always: info\n',
      'b/api.conf': WARN_NGINX,
      'b/c/api.conf': WARN_NGINX,
      // An empty nested config inherits; one with root: true does not.
      'd/package.json': '{"name": "d", "cors-lint": {}}',
      'd/api.conf': WARN_NGINX,
      'e/.cors-lintrc.json': '{"root": true}',
      'e/api.conf': WARN_NGINX,
    });
    const { stdout, code } = await cli(['-f', 'json'], dir);
    expect(code).toBe(1);
    expect(levels(stdout)).toEqual({ 'a/api.conf': ['error'], 'b/api.conf': ['info'], 'b/c/api.conf': ['info'], 'd/api.conf': ['error'], 'e/api.conf': ['warning'] });
    // Run from inside a subfolder: the configs above cwd still apply.
    expect(levels((await cli(['-f', 'json'], join(dir, 'b', 'c'))).stdout)).toEqual({ 'api.conf': ['info'] });
    // --config replaces the search.
    expect(levels((await cli(['-f', 'json', '-c', 'e/.cors-lintrc.json'], dir)).stdout)['b/api.conf']).toEqual(['warning']);
  });

  it('a package.json that is not JSON and never names "cors-lint" is no config: the run goes on; one that names it is still an error', async () => {
    const dir = project({
      'cors-lint.config.json': '{"rules": {"nginx-missing-always": "error"}}',
      // serverless-samples' owasp demo: a '// package.json' comment line above the object.
      'rewards/package.json': '// package.json\n{\n  "name": "rewards-service"\n}\n',
      'rewards/api.conf': WARN_NGINX,
      'tpl/package.json': '{ "name": "<%= name %>" <% if (x) { %>, "private": true <% } %> }\n',
      'tpl/api.conf': WARN_NGINX,
    });
    const run = await cli(['-f', 'json'], dir);
    expect(run.code).toBe(1);
    expect(levels(run.stdout)).toEqual({ 'rewards/api.conf': ['error'], 'tpl/api.conf': ['error'] });
    const named = project({ 'svc/package.json': '{ "cors-lint": { "rules": {} }, }\n', 'svc/api.conf': WARN_NGINX });
    const broken = await cli([], named);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('cannot read config svc/package.json: not valid JSON');
    const explicit = project({ 'package.json': '// x\n{}\n', 'api.conf': WARN_NGINX });
    expect((await cli(['-c', 'package.json'], explicit)).code).toBe(2);
  });

  it('a nested config can turn a rule off for its folder only; ignores are relative to their config', async () => {
    const dir = project({
      'a/api.conf': WARN_NGINX,
      'b/cors-lint.config.json': '{"rules": {"nginx-missing-always": "off"}, "ignores": ["legacy/"]}',
      'b/api.conf': WARN_NGINX,
      'b/legacy/api.conf': WARN_NGINX,
      'legacy/api.conf': WARN_NGINX,
    });
    expect(levels((await cli(['-f', 'json'], dir)).stdout)).toEqual({ 'a/api.conf': ['warning'], 'legacy/api.conf': ['warning'] });
  });

  it('extends shared JSON/YAML files inside the repository; outside, packages and cycles are config errors', async () => {
    const dir = project({
      '.git/HEAD': 'ref: refs/heads/main\n',
      'shared/base.yaml': 'rules:\n  nginx-missing-always: error\n  wildcard-origin: off\nknownOrigins: [https://www.example.com]\n',
      'svc/cors-lint.config.json': '{"extends": "../shared/base.yaml", "rules": {"wildcard-origin": "warn"}}',
      'svc/api.conf': WARN_NGINX,
    });
    expect(levels((await cli(['-f', 'json'], dir)).stdout)).toEqual({ 'svc/api.conf': ['error'] });
    const printed = JSON.parse((await cli(['--print-config', 'svc/api.conf'], dir)).stdout);
    expect(printed).toMatchObject({ file: 'svc/api.conf', format: 'nginx', ignored: false, knownOrigins: ['https://www.example.com'] });
    expect(printed.rules).toMatchObject({ 'nginx-missing-always': 'error', 'wildcard-origin': 'warning', 'credentials-wildcard-origin': 'error' });
    expect(printed.configFiles).toEqual([join(dir, 'shared/base.yaml'), join(dir, 'svc/cors-lint.config.json')]);

    const outside = project({ '.git/HEAD': '', 'cors-lint.config.json': '{"extends": "../../etc/shared.json"}', 'api.conf': WARN_NGINX });
    const escaped = await cli([], join(outside));
    expect(escaped.code).toBe(2);
    expect(escaped.stderr).toMatch(/extends '..\/..\/etc\/shared.json' (is outside the repository|: not found)/);
    const linkDir = project({ '.git/HEAD': '', 'cors-lint.config.json': '{"extends": "./link.json"}', 'api.conf': WARN_NGINX });
    const secret = project({ 'secret.json': '{}' });
    symlinkSync(join(secret, 'secret.json'), join(linkDir, 'link.json'));
    expect((await cli([], linkDir)).stderr).toContain('is outside the repository');
    expect((await cli([], project({ 'cors-lint.config.json': '{"extends": "eslint-config-x"}' }))).stderr).toContain('packages are not loaded');
    expect((await cli([], project({ 'cors-lint.config.json': '{"extends": "./shared.js"}' }))).stderr).toContain('.json or .yaml');
    const cycle = project({ 'cors-lint.config.json': '{"extends": "./a.json"}', 'a.json': '{"extends": "./b.json"}', 'b.json': '{"extends": "./a.json"}' });
    expect((await cli([], cycle)).stderr).toContain('makes a cycle');
  });

  it('overrides set rule levels by glob, relative to their config; excludedFiles wins', async () => {
    const dir = project({
      'cors-lint.config.yaml': 'overrides:\n  - files: ["legacy/**"]\n    excludedFiles: ["legacy/keep.conf"]\n    rules: { nginx-missing-always: off }\n  - files: "*.strict.conf"\n    rules: { nginx-missing-always: error }\n',
      'legacy/api.conf': WARN_NGINX,
      'legacy/keep.conf': WARN_NGINX,
      'svc/api.strict.conf': WARN_NGINX,
      'api.conf': WARN_NGINX,
    });
    expect(levels((await cli(['-f', 'json'], dir)).stdout)).toEqual({ 'api.conf': ['warning'], 'legacy/keep.conf': ['warning'], 'svc/api.strict.conf': ['error'] });
    expect(JSON.parse((await cli(['--print-config', 'legacy/api.conf', '--rule', 'wildcard-origin:off'], dir)).stdout).rules).toMatchObject({ 'nginx-missing-always': 'off', 'wildcard-origin': 'off' });
  });

  it('bad nested configs name the file and key', async () => {
    const dir = project({ 'a/cors-lint.config.json': '{"root": "yes"}', 'a/api.conf': WARN_NGINX });
    const result = await cli([], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("a/cors-lint.config.json: 'root' must be true or false");
    const overrides = project({ 'cors-lint.config.json': '{"overrides": [{"files": [], "rules": {}}]}' });
    expect((await cli([], overrides)).stderr).toContain('overrides[0].files must name at least one glob');
    const unknownRule = project({ 'cors-lint.config.json': '{"overrides": [{"files": "*.conf", "rules": {"nope": "off"}}]}' });
    expect((await cli([], unknownRule)).stderr).toContain("overrides[0].rules.nope: unknown rule 'nope'");
    mkdirSync(join(dir, 'empty'));
    expect((await cli(['--print-config', ''], dir)).code).toBe(2);
  });
});
