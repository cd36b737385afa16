import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, project } from './helpers/cli.js';
import { ROOT } from './helpers/fixtures.js';

const BAD_NGINX = 'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n}\n';
const WARN_NGINX = 'location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com;\n    proxy_pass http://app;\n}\n';

describe('cli', () => {
  it('exit 1 on error-level findings, json output with paths relative to cwd', async () => {
    const dir = project({ 'nginx/api.conf': BAD_NGINX });
    const { code, stdout } = await cli(['--format', 'json'], dir);
    expect(code).toBe(1);
    const [file] = JSON.parse(stdout);
    expect(file.filePath).toBe('nginx/api.conf');
    expect(file.messages[0]).toMatchObject({ ruleId: 'credentials-wildcard-origin', line: 2, column: 44, endLine: 2, endColumn: 45 });
  });

  it('exit 0 with warnings only; --max-warnings 0 turns them into exit 1; --quiet hides them', async () => {
    const dir = project({ 'api.conf': WARN_NGINX });
    expect((await cli([], dir)).code).toBe(0);
    expect((await cli(['--max-warnings', '0'], dir)).code).toBe(1);
    expect((await cli(['--quiet'], dir)).stdout).toBe('');
  });

  it('--rule changes a level; config files are read and validated', async () => {
    const dir = project({ 'api.conf': WARN_NGINX, 'cors-lint.config.json': JSON.stringify({ rules: { 'nginx-missing-always': 'error' } }) });
    expect((await cli([], dir)).code).toBe(1);
    expect((await cli(['--rule', 'nginx-missing-always:off'], dir)).stdout).toBe('');
    const bad = project({ 'api.conf': WARN_NGINX, 'cors-lint.config.yaml': 'rules:\n  no-such-rule: error\n' });
    const result = await cli([], bad);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rules.no-such-rule');
    const badKey = project({ 'package.json': JSON.stringify({ name: 'x', 'cors-lint': { knownOrigin: [] } }) });
    expect((await cli([], badKey)).stderr).toContain("unknown key 'knownOrigin'");
  });

  it('usage errors exit 2; --help and --version exit 0', async () => {
    const dir = project({});
    expect((await cli(['--format', 'xml'], dir)).code).toBe(2);
    expect((await cli(['--bogus'], dir)).code).toBe(2);
    expect((await cli(['--rule', 'nginx-missing-always'], dir)).code).toBe(2);
    const help = await cli(['--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: cors-lint');
    expect((await cli(['--version'], dir)).stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it('honours .gitignore and config ignores', async () => {
    const dir = project({ '.gitignore': 'generated/\n', 'generated/api.conf': BAD_NGINX, 'legacy/api.conf': BAD_NGINX, 'cors-lint.config.json': '{"ignores": ["legacy/**"]}' });
    const { code, stdout } = await cli(['--format', 'json'], dir);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('sarif and github formats', async () => {
    const dir = project({ 'api.conf': BAD_NGINX });
    expect(JSON.parse((await cli(['-f', 'sarif'], dir)).stdout).version).toBe('2.1.0');
    expect((await cli(['-f', 'github'], dir)).stdout).toMatch(/^::error file=api\.conf,line=2,col=44,endLine=2,endColumn=45,title=cors-lint \(credentials-wildcard-origin\)::/);
  });
});

describe('bad input never crashes', () => {
  it('malformed nginx, JS syntax errors, binary, huge and deeply nested files, symlink loops: one note or diagnostic each, the run goes on', async () => {
    const deep = `${'location / {\n'.repeat(10_000)}add_header Access-Control-Allow-Origin *;\n${'}\n'.repeat(10_000)}`;
    const huge = `# generated\n${'add_header X-Filler "x";\n'.repeat(2_200_000)}add_header Access-Control-Allow-Origin *;\n`;
    const dir = project({
      'missing-semicolon.conf': 'server {\n  add_header Access-Control-Allow-Origin *\n  listen 80;\n}\n',
      'unbalanced.conf': 'server {\n  add_header Access-Control-Allow-Origin * always;\n',
      'broken.js': "const cors = require('cors');\napp.use(cors({ origin: 'x' );\n",
      'broken.ts': "import cors from 'cors';\nconst x: = cors(;\n",
      'binary.conf': 'add_header Access-Control-Allow-Origin \u0000\u0001\u0002 *;',
      'deep.conf': deep,
      'huge.conf': huge,
      'good.conf': BAD_NGINX,
      'templated.conf': 'add_header Access-Control-Allow-Origin ${ALLOWED_ORIGIN} always;\nadd_header Access-Control-Allow-Credentials {{ creds }} always;\n',
      'latin1.js': Buffer.from([0x2f, 0x2f, 0x20, 0xe9, 0x0a]).toString('latin1') + "const cors = require('cors');\n",
    });
    symlinkSync(dir, join(dir, 'loop'));
    // CPU time, not wall time (the CLI runs in this process; a loaded machine stretches wall time, not CPU time).
    const start = process.cpuUsage();
    const { code, stdout, stderr } = await cli(['--format', 'json'], dir);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(60_000);
    expect(code).toBe(1);
    // Info-level notes (a '*' origin) are beside the point here.
    const byFile = Object.fromEntries(JSON.parse(stdout).map((f: { filePath: string; messages: Array<{ severity: string }> }) => [f.filePath, f.messages.filter((m) => m.severity !== 'info')]));
    expect(byFile['missing-semicolon.conf']).toEqual([expect.objectContaining({ ruleId: 'parse-error', line: 2 })]);
    expect(byFile['unbalanced.conf']).toEqual([expect.objectContaining({ ruleId: 'parse-error', line: 1 })]);
    expect(byFile['broken.js']).toEqual([expect.objectContaining({ ruleId: 'parse-error', line: 2 })]);
    expect(byFile['broken.ts'][0]).toMatchObject({ ruleId: 'parse-error', line: 2 });
    expect(byFile['binary.conf']).toEqual([expect.objectContaining({ ruleId: 'parse-error', message: expect.stringContaining('binary') })]);
    expect(byFile['deep.conf'].some((m: { ruleId: string }) => m.ruleId === 'parse-error')).toBe(true);
    expect(byFile['good.conf'][0]).toMatchObject({ ruleId: 'credentials-wildcard-origin' });
    expect(byFile['templated.conf']).toBeUndefined();
    expect(stderr).toContain('loop');
    expect(stderr).not.toMatch(/\n\s+at /);
    // Only a true hang reaches this timeout; the CPU bound above is the real limit.
  }, 900_000);
});
