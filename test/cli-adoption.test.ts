import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, project } from './helpers/cli.js';

const WARN_NGINX = 'location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com;\n    proxy_pass http://app;\n}\n';
const BAD_NGINX = 'location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n}\n';

type File = { filePath: string; messages: Array<{ ruleId: string; line: number }> };
const findings = (stdout: string) => (JSON.parse(stdout) as File[]).flatMap((file) => file.messages.map((m) => `${file.filePath}:${m.line} ${m.ruleId}`));

describe('--baseline', () => {
  it('writes the current findings, then reports only new ones; moving lines keeps a finding baselined', async () => {
    const dir = project({ 'api.conf': BAD_NGINX, 'app.js': "const cors = require('cors');\napp.use(cors({ origin: true, credentials: true }));\n" });
    const first = await cli(['-f', 'json', '--baseline', '.cors-lint-baseline.json'], dir);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('wrote .cors-lint-baseline.json with 2 findings');
    expect(JSON.parse(first.stdout)).toEqual([]);
    const baseline = JSON.parse(readFileSync(join(dir, '.cors-lint-baseline.json'), 'utf8'));
    expect(baseline).toMatchObject({ tool: 'cors-lint', version: 1 });
    expect(baseline.findings).toHaveLength(2);

    // Lines move (a comment and blank lines above, a new block below), nothing is renamed: still baselined.
    writeFileSync(join(dir, 'api.conf'), `# moved down\n\n\n${BAD_NGINX}\nlocation /health {\n    return 200;\n}\n`);
    writeFileSync(join(dir, 'app.js'), "// header\nconst cors = require('cors');\n\napp.use(cors({ origin: true, credentials: true }));\n");
    const moved = await cli(['-f', 'json', '--baseline', '.cors-lint-baseline.json'], dir);
    expect(moved.code).toBe(0);
    expect(findings(moved.stdout)).toEqual([]);

    // A second copy of the same mistake is new (occurrence 2), and so is a new rule's finding.
    writeFileSync(join(dir, 'api.conf'), `${BAD_NGINX}${BAD_NGINX.replace('/api/', '/v2/')}${WARN_NGINX.replace('/api/', '/v3/')}`);
    const grown = await cli(['-f', 'json', '--baseline', '.cors-lint-baseline.json'], dir);
    expect(grown.code).toBe(1);
    expect(findings(grown.stdout)).toEqual(['api.conf:7 credentials-wildcard-origin', 'api.conf:12 nginx-missing-always']);

    // --update-baseline accepts the current state.
    expect((await cli(['--baseline', '.cors-lint-baseline.json', '--update-baseline'], dir)).stderr).toContain('with 4 findings');
    expect((await cli(['-f', 'json', '--baseline', '.cors-lint-baseline.json'], dir)).stdout).toBe('[]\n');
  });

  it('an unreadable or malformed baseline exits 2 with a message', async () => {
    const dir = project({ 'api.conf': BAD_NGINX, 'bad.json': '{"findings": 3}', 'broken.json': '{', 'locked.json': '{"tool":"cors-lint","version":1,"findings":[]}' });
    const malformed = await cli(['--baseline', 'bad.json'], dir);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--baseline bad.json: not a cors-lint baseline');
    expect((await cli(['--baseline', 'broken.json'], dir)).stderr).toContain('--baseline broken.json:');
    chmodSync(join(dir, 'locked.json'), 0o000);
    if (process.getuid?.() !== 0) {
      const locked = await cli(['--baseline', 'locked.json'], dir);
      expect(locked.code).toBe(2);
      expect(locked.stderr).toContain('cannot read --baseline locked.json: EACCES');
    }
    chmodSync(join(dir, 'locked.json'), 0o644);
    expect((await cli(['--baseline', 'locked.json'], dir)).code).toBe(1);
    expect((await cli(['--update-baseline'], dir)).code).toBe(2);
    expect((await cli(['--baseline', ''], dir)).code).toBe(2);
  });
});

const gitAvailable = spawnSync('git', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!gitAvailable)('--changed', () => {
  const repo = (files: Record<string, string>) => {
    const dir = project(files);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
    git('init', '-q');
    git('config', 'user.email', 'test@example.invalid');
    git('config', 'user.name', 'test');
    git('add', '.');
    git('commit', '-qm', 'first');
    return { dir, git };
  };

  it('lints files changed since HEAD (or a ref), untracked ones too, plus the nginx files that include a changed snippet', async () => {
    const { dir, git } = repo({
      'nginx/sites/api.conf': 'server {\n    listen 80;\n    location /api/ {\n        include snippets/cors.conf;\n        proxy_pass http://app;\n    }\n}\n',
      'nginx/snippets/cors.conf': 'add_header Access-Control-Allow-Origin https://app.example.com always;\n',
      'other/untouched.conf': BAD_NGINX,
    });
    expect(findings((await cli(['-f', 'json', '--changed'], dir)).stdout)).toEqual([]);
    writeFileSync(join(dir, 'nginx/snippets/cors.conf'), 'add_header Access-Control-Allow-Origin * always;\nadd_header Access-Control-Allow-Credentials true always;\n');
    writeFileSync(join(dir, 'new.conf'), WARN_NGINX);
    const changed = await cli(['-f', 'json', '--changed', '--debug'], dir);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('--changed HEAD: 2 file(s): new.conf nginx/snippets/cors.conf');
    expect(findings(changed.stdout)).toEqual(['new.conf:2 nginx-missing-always', 'nginx/snippets/cors.conf:1 credentials-wildcard-origin']);
    // The snippet was judged inside its includer (the includer is linted too), as a whole-tree run does.
    const whole = await cli(['-f', 'json', 'nginx'], dir);
    expect(findings(changed.stdout).filter((f) => f.startsWith('nginx/'))).toEqual(findings(whole.stdout));

    git('add', '.');
    git('commit', '-qm', 'second');
    expect(findings((await cli(['-f', 'json', '--changed'], dir)).stdout)).toEqual([]);
    const sinceFirst = await cli(['-f', 'json', '--changed', 'HEAD~1'], dir);
    expect(findings(sinceFirst.stdout)).toHaveLength(2);
    expect(findings((await cli(['-f', 'json', '--changed=HEAD~1', 'nginx'], dir)).stdout)).toEqual(['nginx/snippets/cors.conf:1 credentials-wildcard-origin']);
  });

  it('a ref that is not a commit, or no repository: exit 2', async () => {
    const { dir } = repo({ 'api.conf': WARN_NGINX });
    const bad = await cli(['--changed=no-such-ref'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'no-such-ref' is not a commit");
    const outside = await cli(['--changed'], project({ 'api.conf': WARN_NGINX }));
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('--changed HEAD:');
  });
});

describe('an nginx snippet given by name', () => {
  it('is judged inside the files that include it, not as a loose fragment', async () => {
    const dir = project({
      'nginx/site.conf': 'server {\n    location /api/ {\n        add_header Access-Control-Allow-Origin https://a.example.com always;\n        include snippets/cors.conf;\n        proxy_pass http://app;\n    }\n}\n',
      'nginx/snippets/cors.conf': 'add_header Access-Control-Allow-Origin https://b.example.com always;\n',
    });
    const alone = await cli(['-f', 'json', 'nginx/snippets/cors.conf'], dir);
    const whole = await cli(['-f', 'json'], dir);
    // Only the includer shows that the snippet's header is the second Allow-Origin of the location.
    expect(findings(whole.stdout)).toEqual(['nginx/snippets/cors.conf:1 duplicate-allow-origin']);
    expect(findings(alone.stdout)).toEqual(findings(whole.stdout));
  });
});
