import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { formatDiagnostics } from '../src/format/index.js';
import { escapeData, escapeProperty } from '../src/format/github.js';
import type { Diagnostic } from '../src/index.js';

/** One shared set: a parse error, a multi-line span, a message with characters every format must escape. */
const DIAGNOSTICS: Diagnostic[] = [
  { ruleId: 'parse-error', severity: 'error', message: 'unexpected "}" (no block is open here)', file: 'conf/site,main.conf', line: 3, column: 1, endLine: 3, endColumn: 2 },
  { ruleId: 'preflight-unhandled', severity: 'error', message: 'line one\nline two: 100% sure', file: 'conf/site,main.conf', line: 5, column: 5, endLine: 9, endColumn: 6 },
  { ruleId: 'nginx-missing-always', severity: 'warning', message: "add_header has no 'always'", file: 'src/app.js', line: 1, column: 1, endLine: 1, endColumn: 10 },
  { ruleId: 'origin-typo', severity: 'info', message: 'typo', file: 'src/app.js', line: 2, column: 3, endLine: 2, endColumn: 4 },
];
const options = { color: false, version: '0.1.0' };

describe('formatters', () => {
  it('json has ESLint’s shape with word severities', () => {
    const parsed = JSON.parse(formatDiagnostics('json', DIAGNOSTICS, options));
    expect(parsed.map((f: { filePath: string }) => f.filePath)).toEqual(['conf/site,main.conf', 'src/app.js']);
    expect(parsed[0].messages[1]).toEqual({ ruleId: 'preflight-unhandled', severity: 'error', message: 'line one\nline two: 100% sure', line: 5, column: 5, endLine: 9, endColumn: 6 });
    expect(parsed[1].messages[1].severity).toBe('info');
  });

  it('github annotations escape data and properties', () => {
    const out = formatDiagnostics('github', DIAGNOSTICS, options).split('\n');
    expect(out[1]).toBe('::error file=conf/site%2Cmain.conf,line=5,col=5,endLine=9,endColumn=6,title=cors-lint (preflight-unhandled)::line one%0Aline two: 100%25 sure');
    expect(out[2]).toMatch(/^::warning file=src\/app\.js,line=1,col=1,endLine=1,endColumn=10,title=cors-lint \(nginx-missing-always\)::/);
    expect(out[3]).toMatch(/^::notice /);
    expect(escapeData('a%b\r\nc')).toBe('a%25b%0D%0Ac');
    expect(escapeProperty('a:b,c')).toBe('a%3Ab%2Cc');
  });

  it('stylish groups by file and summarises', () => {
    const out = formatDiagnostics('stylish', DIAGNOSTICS, options);
    expect(out).toContain('conf/site,main.conf\n  3:1  error  unexpected "}" (no block is open here)  parse-error');
    expect(out).toContain('✖ 4 problems (2 errors, 1 warning, 1 info)');
    expect(out).not.toContain('\u001b[');
    expect(formatDiagnostics('stylish', DIAGNOSTICS, { ...options, color: true })).toContain('\u001b[31m');
    expect(formatDiagnostics('stylish', [], options)).toBe('');
  });

  it('sarif validates against the official 2.1.0 schema and carries rule metadata', () => {
    const require = createRequire(import.meta.url);
    const schemaPath = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    const log = JSON.parse(formatDiagnostics('sarif', DIAGNOSTICS, options));
    const valid = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const run = log.runs[0];
    const rule = run.tool.driver.rules[run.results[1].ruleIndex];
    expect(rule.id).toBe('preflight-unhandled');
    expect(rule.helpUri).toMatch(/docs\/rules\/preflight-unhandled\.md$/);
    expect(run.results[1].locations[0].physicalLocation.region).toEqual({ startLine: 5, startColumn: 5, endLine: 9, endColumn: 6 });
    expect(run.results[3].level).toBe('note');
  });

  it('a broken SARIF log fails the same validation', () => {
    const require = createRequire(import.meta.url);
    const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
    const validate = new Ajv({ strict: false, unicodeRegExp: false }).compile(schema);
    const log = JSON.parse(formatDiagnostics('sarif', DIAGNOSTICS, options));
    log.runs[0].results[0].level = 'fatal';
    expect(validate(log)).toBe(false);
  });
});
