import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobSummary } from '../src/action/main.js';
import { formatDiagnostics } from '../src/format/index.js';
import { fileUri } from '../src/format/sarif.js';
import { safeText } from '../src/format/sanitize.js';
import type { Diagnostic } from '../src/index.js';
import { cli } from './helpers/cli.js';
import { ROOT } from './helpers/fixtures.js';

/**
 * Scanned strings are written by whoever opened the pull request: a file name or a quoted value
 * must not start a GitHub workflow command, reach a terminal as an escape sequence, or reorder
 * text with bidi overrides, in any output.
 */
const EVIL_FILE = 'conf/evil\n::warning::pwned\u001b[31m.conf';
const EVIL_MESSAGE = "origin 'https://a.example/\n::add-mask::secret\n::stop-commands::tok\u001b[31mred\u001b]0;title\u0007\u202egnp.exe\u0085' has a path";
const DIAGNOSTICS: Diagnostic[] = [{ ruleId: 'origin-not-serialized', severity: 'error', message: EVIL_MESSAGE, file: EVIL_FILE, line: 2, column: 3, endLine: 2, endColumn: 9 }];

// Controls, DEL, C1, bidi, LS/PS: none may appear raw in human-facing output.
// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;

function expectNoCommand(output: string, allowedCommands: number) {
  const lines = output.split('\n');
  // Only our own annotations may start a command, and only at the start of a line.
  expect(lines.filter((line) => line.trimStart().startsWith('::')).length).toBe(allowedCommands);
  for (const marker of ['::warning::', '::add-mask::', '::stop-commands::', '::error::']) expect(output).not.toContain(marker);
  expect(output).not.toMatch(RAW_UNSAFE);
}

describe('output safety', () => {
  it('github annotations: one command per finding, scanned text cannot open another', () => {
    const out = formatDiagnostics('github', DIAGNOSTICS, { color: false, version: '0' });
    expectNoCommand(out, 1);
    expect(out).toMatch(/^::error file=conf\/evil%0A%3A\\%3Awarning%3A\\%3Apwned\\x1b\[31m\.conf,line=2,/);
    expect(out).toContain('%0A:\\:add-mask:\\:secret%0A:\\:stop-commands:\\:tok\\x1b[31mred');
  });

  it('stylish: no line starts with ::, no escape sequence reaches the terminal, even with colour on', () => {
    for (const color of [false, true]) {
      const out = formatDiagnostics('stylish', DIAGNOSTICS, { color, version: '0' });
      // Our own colour codes are the only ESC bytes.
      const withoutOwnColours = out.replace(/\u001b\[(\d+)m/g, (match, code) => (['0', '2', '4', '31', '33', '36'].includes(code) && color ? '' : match));
      expectNoCommand(withoutOwnColours, 0);
      expect(out).toContain('conf/evil\\n:\\:warning:\\:pwned\\x1b[31m.conf');
      expect(out).toContain('\\u202egnp.exe\\x85');
    }
  });

  it('the job summary escapes Markdown, HTML and control characters', () => {
    const summary = jobSummary([{ ...DIAGNOSTICS[0], message: `${EVIL_MESSAGE} <img src=x onerror=alert(1)> [x](javascript:alert(1)) | col` }], 1, { GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: 'abc' });
    expectNoCommand(summary, 0);
    expect(summary).not.toContain('<img');
    expect(summary).not.toContain('](javascript:');
    // the table keeps its four columns on every row
    for (const row of summary.split('\n').filter((line) => line.startsWith('| ❌'))) expect(row.split(/(?<!\\)\|/).length).toBe(6);
    expect(summary).toContain('blob/abc/conf/evil%0A%3A%3Awarning%3A%3Apwned%1B%5B31m.conf#L2');
  });

  it('SARIF URIs are percent-encoded per path segment; JSON and SARIF messages are bounded', () => {
    expect(fileUri('conf/a b#c?d%e:f.conf')).toBe('conf/a%20b%23c%3Fd%25e%3Af.conf');
    const long = [{ ...DIAGNOSTICS[0], message: `x${'y'.repeat(5_000_000)}` }];
    for (const format of ['json', 'sarif', 'stylish', 'github'] as const) expect(formatDiagnostics(format, long, { color: false, version: '0' }).length, format).toBeLessThan(100_000);
    // A scanned value quoted in a message shows at most 200 characters of itself.
    const quoted = [{ ...DIAGNOSTICS[0], message: `origin '${'a'.repeat(60_000)}' has a path` }];
    const json = JSON.parse(formatDiagnostics('json', quoted, { color: false, version: '0' }));
    expect(json[0].messages[0].message).toBe(`origin '${'a'.repeat(199)}… has a path`);
    const sarif = JSON.parse(formatDiagnostics('sarif', DIAGNOSTICS, { color: false, version: '0' }));
    expect(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('conf/evil%0A%3A%3Awarning%3A%3Apwned%1B%5B31m.conf');
  });

  it('safeText shows every unsafe character as a visible escape', () => {
    expect(safeText('a\u0000b\u0007c\u007fd\u009be\u2028f\u2066g\ufeffh::i')).toBe('a\\x00b\\x07c\\x7fd\\x9be\\u2028f\\u2066g\\ufeffh:\\:i');
    expect(safeText('plain text: 100% fine')).toBe('plain text: 100% fine');
  });

  it('through the CLI and the Action, with a real file whose name and content carry the payload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cors-lint-evil-'));
    const name = 'evil\n::warning::pwned\u001b[31m.conf';
    writeFileSync(join(dir, 'hocon\u001b[2J\n::warning::x.conf'), 'a = 1\n');
    writeFileSync(join(dir, name), 'location / {\n  add_header Access-Control-Allow-Origin "https://a.example/\u001b[31m\n::add-mask::x::stop-commands::tok\u202e" always;\n}\n');
    for (const format of ['stylish', 'github']) {
      const { stdout, stderr } = await cli(['-f', format, '--debug'], dir);
      expect(stdout).toContain('origin-not-serialized');
      expectNoCommand(stdout, format === 'github' ? stdout.split('\n').filter((line) => /^::(error|warning|notice) file=/.test(line)).length : 0);
      expect(stderr).toContain('hocon\\x1b[2J\\n:\\:warning:\\:x.conf: not nginx');
      expectNoCommand(stderr, 0);
    }
    for (const command of [['explain'], ['simulate', '--origin', 'https://a.example']]) {
      const { stdout } = await cli(command, dir);
      expect(stdout).toContain('\\x1b[31m');
      expect(stdout).not.toMatch(RAW_UNSAFE);
    }
    const summaryFile = join(dir, '..', `${dir.split('/').pop()}-summary.md`);
    writeFileSync(summaryFile, '');
    const action = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'action', 'main.js')], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', GITHUB_WORKSPACE: dir, GITHUB_STEP_SUMMARY: summaryFile, 'INPUT_SARIF-FILE': 'none' },
    });
    expect(action.stdout).toContain('origin-not-serialized');
    const annotations = action.stdout.split('\n').filter((line) => /^::(error|warning|notice) file=/.test(line)).length;
    expect(annotations).toBeGreaterThan(0);
    expectNoCommand(action.stdout, annotations);
    expectNoCommand(readFileSync(summaryFile, 'utf8'), 0);
  }, 60_000);
});
