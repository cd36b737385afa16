import { describe, expect, it, vi } from 'vitest';
import { lint } from '../src/index.js';
import { cli, project } from './helpers/cli.js';

/**
 * A bug in one extractor must cost that file only: the Python extractor is replaced by one that
 * throws (with scanned-looking text in its message), and the run must go on with every other file.
 */
vi.mock('../src/extract/python/extract.js', () => ({
  extractPythonPolicies: () => {
    throw new TypeError("Cannot read properties of null (reading 'SECRET-FROM-THE-FILE')");
  },
}));

const NGINX = 'location /api/ {\n  add_header Access-Control-Allow-Origin * always;\n  add_header Access-Control-Allow-Credentials true always;\n}\n';
const PYTHON = 'from flask_cors import CORS\nCORS(app, origins="*", supports_credentials=True)\n';

describe('per-file isolation', () => {
  it('an extractor exception becomes one located internal-error for that file; other files are still linted', () => {
    const { diagnostics } = lint([
      { path: 'app.py', text: PYTHON },
      { path: 'other.py', text: PYTHON },
      { path: 'site.conf', text: NGINX },
    ]);
    const internal = diagnostics.filter((d) => d.ruleId === 'internal-error');
    expect(internal.map((d) => d.file)).toEqual(['app.py', 'other.py']);
    for (const d of internal) {
      expect(d).toMatchObject({ severity: 'error', line: 1, column: 1 });
      expect(d.message).toContain('reading this Python file');
      expect(d.message).toContain('please report it');
      expect(d.message).toContain('TypeError');
      // The thrown message can quote scanned content: never shown.
      expect(d.message).not.toContain('SECRET');
    }
    expect(diagnostics.some((d) => d.file === 'site.conf' && d.ruleId === 'credentials-wildcard-origin')).toBe(true);
  });

  it('the CLI prints every other finding and exits 1 (an internal-error is an error), not 2 with no output', async () => {
    const dir = project({ 'app.py': PYTHON, 'site.conf': NGINX });
    const { code, stdout, stderr } = await cli(['--format', 'json'], dir);
    expect(stderr).not.toContain('internal error');
    expect(code).toBe(1);
    const messages = (JSON.parse(stdout) as Array<{ filePath: string; messages: Array<{ ruleId: string }> }>).flatMap((f) => f.messages.map((m) => `${f.filePath} ${m.ruleId}`));
    expect(messages).toContain('app.py internal-error');
    expect(messages).toContain('site.conf credentials-wildcard-origin');
  });

  it('an nginx include host that throws costs the including file only', () => {
    const { diagnostics } = lint(
      [
        { path: 'a/site.conf', text: `include snippets/missing.conf;\n${NGINX}` },
        { path: 'b/site.conf', text: NGINX },
      ],
      {
        host: {
          readFile() {
            throw new Error('EACCES: /etc/shadow root:$6$secret');
          },
        },
      },
    );
    const internal = diagnostics.filter((d) => d.ruleId === 'internal-error');
    expect(internal.map((d) => d.file)).toEqual(['a/site.conf']);
    expect(internal[0].message).not.toContain('secret');
    expect(diagnostics.some((d) => d.file === 'b/site.conf' && d.ruleId === 'credentials-wildcard-origin')).toBe(true);
  });

  it('a time budget stops a file with a skip note instead of hanging', () => {
    const big = `location / {\n${'add_header X-Filler "x";\n'.repeat(300_000)}add_header Access-Control-Allow-Origin *;\n}\n`;
    const start = performance.now();
    const result = lint([{ path: 'big.conf', text: big }, { path: 'site.conf', text: NGINX }], { timeBudgetMs: 1 });
    expect(performance.now() - start).toBeLessThan(20_000);
    expect(result.skipped.find((s) => s.path === 'big.conf')?.reason).toMatch(/time budget of 1 ms/);
    expect(result.diagnostics.filter((d) => d.file === 'big.conf')).toEqual([]);
  });
});
