import { chmodSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/run.js';
import { cli, project } from './helpers/cli.js';
import { ROOT } from './helpers/fixtures.js';

const BAD_NGINX = 'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n}\n';
const WARN_NGINX = 'location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com;\n    proxy_pass http://app;\n}\n';
const BAD_JS = "const cors = require('cors');\napp.use(cors({ origin: '*', credentials: true }));\n";

const filesIn = (stdout: string) => (JSON.parse(stdout) as Array<{ filePath: string }>).map((file) => file.filePath).sort();

async function withStdin(argv: string[], cwd: string, text: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli({ argv, cwd, env: {}, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, readStdin: async () => text });
  return { code, stdout, stderr };
}

describe('paths and globs', () => {
  it('a path that does not exist exits 2 with a message; --no-error-on-unmatched-pattern makes it a note', async () => {
    const dir = project({ 'api.conf': WARN_NGINX });
    const missing = await cli(['nginx/missing.conf'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("'nginx/missing.conf' does not exist");
    const noted = await cli(['--no-error-on-unmatched-pattern', 'nginx/missing.conf', 'api.conf', '--format', 'json'], dir);
    expect(noted.code).toBe(0);
    expect(noted.stderr).toContain("'nginx/missing.conf' does not exist");
    expect(filesIn(noted.stdout)).toEqual(['api.conf']);
  });

  it('expands quoted globs (gitignore still honoured); a glob matching nothing exits 2', async () => {
    const dir = project({ 'nginx/a.conf': BAD_NGINX, 'nginx/sub/b.conf': BAD_NGINX, 'nginx/gen/c.conf': BAD_NGINX, 'nginx/.gitignore': 'gen/\n', 'app/server.js': BAD_JS, 'README.md': '# x\n' });
    const all = await cli(['nginx/**/*.conf', '--format', 'json'], dir);
    expect(all.code).toBe(1);
    expect(filesIn(all.stdout)).toEqual(['nginx/a.conf', 'nginx/sub/b.conf']);
    const js = await cli(['**/*.js', '--format', 'json'], dir);
    expect(filesIn(js.stdout)).toEqual(['app/server.js']);
    const none = await cli(['nginx/**/*.py'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("no files matching the pattern 'nginx/**/*.py'");
    expect((await cli(['--no-error-on-unmatched-pattern', 'nginx/**/*.py'], dir)).code).toBe(0);
  });

  it('--ignore-pattern (repeatable) leaves files out; --no-ignore reads .gitignored and config-ignored files', async () => {
    const dir = project({ 'a/api.conf': BAD_NGINX, 'b/api.conf': BAD_NGINX, 'c/api.conf': BAD_NGINX, 'gen/api.conf': BAD_NGINX, '.gitignore': 'gen/\n', 'cors-lint.config.json': '{"ignores": ["c/"]}' });
    expect(filesIn((await cli(['--format', 'json'], dir)).stdout)).toEqual(['a/api.conf', 'b/api.conf']);
    expect(filesIn((await cli(['--format', 'json', '--ignore-pattern', 'a/', '--ignore-pattern', 'b/**'], dir)).stdout)).toEqual([]);
    expect(filesIn((await cli(['--format', 'json', '--no-ignore'], dir)).stdout)).toEqual(['a/api.conf', 'b/api.conf', 'c/api.conf', 'gen/api.conf']);
    expect(filesIn((await cli(['--format', 'json', '--no-ignore', '--ignore-pattern', 'gen'], dir)).stdout)).toEqual(['a/api.conf', 'b/api.conf', 'c/api.conf']);
    expect((await cli(['--ignore-pattern', ''], dir)).code).toBe(2);
  });
  it('a folder named from outside the working directory (its paths start with ../) gives the findings it gives from inside', async () => {
    // Compose build contexts, JS imports and Python modules under '../' were taken for paths leaving the scanned folder.
    const dir = project({
      'proj/docker-compose.yml': 'services:\n  api:\n    build: ./api\n  proxy:\n    image: nginx\n',
      'proj/nginx/site.conf': 'server {\n  listen 80;\n  location / {\n    add_header Access-Control-Allow-Origin "https://shop.example.net" always;\n    proxy_pass http://api:8080;\n  }\n}\n',
      'proj/api/server.js': "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'https://shop.example.net' }));\napp.listen(8080);\n",
      'proj/web/cors-options.js': 'module.exports = { origin: true, credentials: true };\n',
      'proj/web/server.js': "const cors = require('cors');\nconst options = require('./cors-options');\napp.use(cors(options));\n",
      'proj/py/settings.py': 'ORIGINS = ["*"]\n',
      'proj/py/main.py': 'from fastapi.middleware.cors import CORSMiddleware\nfrom .settings import ORIGINS\napp.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)\n',
      'elsewhere/README.md': '# x\n',
    });
    const findings = (stdout: string, prefix: string) =>
      (JSON.parse(stdout) as Array<{ filePath: string; messages: Array<{ line: number; column: number; ruleId: string }> }>)
        .flatMap((file) => file.messages.map((m) => `${file.filePath.slice(prefix.length)} ${m.line}:${m.column} ${m.ruleId}`))
        .sort();
    const inside = findings((await cli(['--format', 'json', '.'], join(dir, 'proj'))).stdout, '');
    const outside = findings((await cli(['--format', 'json', '../proj'], join(dir, 'elsewhere'))).stdout, '../proj/');
    expect(inside).toEqual(['nginx/site.conf 4:44 duplicate-allow-origin', 'py/settings.py 1:12 credentials-reflect-any-origin', 'web/cors-options.js 1:28 credentials-reflect-any-origin']);
    expect(outside).toEqual(inside);
  });
});

describe('explain and simulate', () => {
  it('a path that does not exist exits 2 there too', async () => {
    const dir = project({ 'api.conf': WARN_NGINX });
    for (const argv of [['explain', 'missing.conf'], ['simulate', '--origin', 'https://app.example.com', 'missing.conf']]) {
      const result = await cli(argv, dir);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toContain("'missing.conf' does not exist");
    }
    expect((await cli(['explain', 'api.conf'], dir)).code).toBe(0);
  });
});

describe('--stdin', () => {
  it('lints standard input with the format and the config of --stdin-filename', async () => {
    const dir = project({ 'nginx/cors-lint.config.json': '{"rules": {"nginx-missing-always": "error"}}' });
    const result = await withStdin(['--stdin', '--stdin-filename', 'nginx/api.conf', '--format', 'json'], dir, WARN_NGINX);
    expect(result.code).toBe(1);
    const [file] = JSON.parse(result.stdout);
    expect(file.filePath).toBe('nginx/api.conf');
    expect(file.messages).toEqual([expect.objectContaining({ ruleId: 'nginx-missing-always', severity: 'error', line: 2 })]);
    const js = await withStdin(['--stdin', '--stdin-filename', 'src/app.js', '-f', 'json'], dir, BAD_JS);
    expect(JSON.parse(js.stdout)[0].messages[0].ruleId).toBe('credentials-wildcard-origin');
  });

  it('a malformed file on stdin is a parse-error finding (exit 1); a missing or unreadable name and extra paths exit 2', async () => {
    const dir = project({});
    const broken = await withStdin(['--stdin', '--stdin-filename', 'app.js', '-f', 'json'], dir, "const cors = require('cors');\napp.use(cors({ origin: 'x' );\n");
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)[0].messages[0]).toMatchObject({ ruleId: 'parse-error', line: 2 });
    const noName = await withStdin(['--stdin'], dir, BAD_JS);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toContain('--stdin-filename');
    expect((await withStdin(['--stdin', '--stdin-filename', 'notes.md'], dir, BAD_JS)).stderr).toContain('does not read this kind of file');
    expect((await withStdin(['--stdin', '--stdin-filename', 'a.js', 'b.js'], dir, BAD_JS)).code).toBe(2);
    expect((await withStdin(['--stdin-filename', 'a.js'], dir, BAD_JS)).code).toBe(2);
    const binary = await withStdin(['--stdin', '--stdin-filename', 'app.js'], dir, 'cors\u0000\u0001\u0002');
    expect(binary.code).toBe(2);
    expect(binary.stderr).toContain('standard input is binary data');
  });
});

describe('outputs', () => {
  it('--output-file writes the report (folders created) and nothing to stdout; an unwritable one exits 2', async () => {
    const dir = project({ 'api.conf': BAD_NGINX });
    const result = await cli(['-f', 'json', '--output-file', 'reports/cors.json'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'reports', 'cors.json'), 'utf8'))[0].filePath).toBe('api.conf');
    const stylish = await cli(['--output-file', 'out.txt', '--color'], dir);
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).not.toContain('\u001b[');
    expect(stylish.code).toBe(1);
    chmodSync(join(dir, 'reports'), 0o500);
    try {
      if (process.getuid?.() !== 0) {
        const denied = await cli(['--output-file', 'reports/again.json'], dir);
        expect(denied.code).toBe(2);
        expect(denied.stderr).toContain('cannot write --output-file');
        expect(existsSync(join(dir, 'reports', 'again.json'))).toBe(false);
      }
    } finally {
      chmodSync(join(dir, 'reports'), 0o700);
    }
  });
});

describe('bad values', () => {
  it('unknown rule ids and levels in --rule, bad --max-warnings, bad --format: a clear message and exit 2', async () => {
    const dir = project({ 'api.conf': WARN_NGINX });
    const unknown = await cli(['--rule', 'no-such-rule:off'], dir);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain("--rule: unknown rule 'no-such-rule'");
    const level = await cli(['--rule', 'nginx-missing-always:loud'], dir);
    expect(level.code).toBe(2);
    expect(level.stderr).toContain('level must be one of off, info, warn, error');
    expect((await cli(['--rule', 'nginx-missing-always:off:x'], dir)).code).toBe(2);
    expect((await cli(['--max-warnings', '-1'], dir)).code).toBe(2);
    expect((await cli(['--max-warnings', '1e3'], dir)).code).toBe(2);
    expect((await cli(['--format', 'xml'], dir)).stderr).toContain('--format must be one of');
  });
});

describe('help and discoverability', () => {
  it('every subcommand answers --help; the help and package description name every input family', async () => {
    const dir = project({});
    for (const command of ['explain', 'simulate', 'lsp']) {
      const help = await cli([command, '--help'], dir);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toContain(`Usage: cors-lint ${command}`);
    }
    const help = (await cli(['--help'], dir)).stdout;
    const description = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).description as string;
    for (const family of ['nginx', 'Express', 'NestJS', 'Fastify', 'Koa', 'Hono', 'FastAPI', 'Starlette', 'Flask-CORS', 'Django', 'YAML']) {
      expect(help.toLowerCase(), family).toContain(family.toLowerCase());
      expect(description.toLowerCase(), family).toContain(family.toLowerCase());
    }
  });

  it('--list-rules lists every rule with its level, formats and description (text and json)', async () => {
    const dir = project({});
    const text = await cli(['--list-rules'], dir);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^nginx-missing-always\s+warn\s+nginx,yaml\s+fix\s+`add_header/m);
    const json = JSON.parse((await cli(['--list-rules', '-f', 'json'], dir)).stdout);
    const { rules } = await import('../rules/index.js');
    expect(json.map((rule: { id: string }) => rule.id)).toEqual(rules.map((rule) => rule.meta.id).sort());
    expect(json.find((rule: { id: string }) => rule.id === 'credentials-wildcard-origin')).toMatchObject({ severity: 'error', formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml', '_headers'] });
  });
});
