import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { yamlPoliciesOf } from '../src/extract/yaml/extract.js';
import { corsTokensMatter, RELEVANCE_CHECK_FROM } from '../src/extract/yaml/parse.js';

/**
 * Large YAML documents are parsed only when a CORS token in them can matter (parse.ts, corsTokensMatter).
 * Every YAML fixture is read here with the check on for documents of any size: it must give the policies
 * and hosts of the full reading, so an extractor that comes to read a key the check calls irrelevant fails here.
 */
const ROOT = join(import.meta.dirname, '..');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const stats = lstatSync(path);
    if (stats.isDirectory()) return yamlFiles(path);
    return stats.isFile() && /\.(ya?ml|tpl)$/.test(name) ? [path] : [];
  });
}

function sameReading(path: string): { skipped: boolean } {
  const file = { path, text: readFileSync(path, 'utf8') };
  const full = yamlPoliciesOf(file, Number.POSITIVE_INFINITY);
  const checked = yamlPoliciesOf(file, 0);
  expect(JSON.stringify({ policies: checked.policies, hosts: checked.hosts }), path).toBe(JSON.stringify({ policies: full.policies, hosts: full.hosts }));
  return { skipped: JSON.stringify(checked.errors) !== JSON.stringify(full.errors) || checked.policies.length < full.policies.length };
}

/** A large OpenAPI-like document whose only CORS tokens are `disableCors` keys in example data, and `extra` at the end. */
function largeSpec(extra: string): string {
  const example = '              options:\n                accept_self_signed: false\n                disableCors: true\n                follow_redirects: true\n';
  let body = 'openapi: 3.0.0\ninfo:\n  title: Example API\npaths:\n';
  for (let n = 0; body.length < RELEVANCE_CHECK_FROM + 1000; n++) body += `  /tests/${n}:\n    get:\n      responses:\n        "200":\n          content:\n            application/json:\n              example:\n  ${example.replace(/\n(?!$)/g, '\n  ')}`;
  return body + extra;
}

describe('YAML: large documents are parsed only when a CORS token can matter', () => {
  it('tells keys no extractor reads from everything else', () => {
    const matters = (text: string) => corsTokensMatter(text);
    expect(matters('a: 1\ndisableCors: false # cors\n')).toBe(false);
    expect(matters('{"disableCors": 1, "options": {allowCORS: 2}}\n')).toBe(false);
    expect(matters('cors: true\n')).toBe(true);
    expect(matters('Cors:\n  AllowOrigin: "*"\n')).toBe(true);
    expect(matters('corsPolicy: {}\n')).toBe(true);
    expect(matters('nginx.ingress.kubernetes.io/enable-cors: "true"\n')).toBe(true);
    expect(matters('method.response.header.Access-Control-Allow-Origin: "\'*\'"\n')).toBe(true);
    expect(matters('accessControlAllowOriginList: [a]\n')).toBe(true);
    expect(matters('plugins:\n  - name: cors\n')).toBe(true);
    expect(matters('x: disableCors\n')).toBe(true);
    expect(matters('x: |\n  add_header Access-Control-Allow-Origin *;\n')).toBe(true);
    expect(matters('&cors x: 1\n')).toBe(true);
    expect(matters('? disableCors\n: 1\n')).toBe(true);
    // A manifest's kind decides whose hosts it serves: read whole, whatever its CORS tokens.
    expect(matters('# CORS note\nkind: HTTPRoute\nspec:\n  hostnames: [www.a.example]\n')).toBe(true);
    expect(matters('# CORS note\nspec:\n  hostnames: [www.a.example]\n')).toBe(false);
    expect(matters('x: kind\ndisableCors: 1\n')).toBe(false);
  });

  it('skips a large document that mentions CORS only in keys no extractor reads', () => {
    const text = `${largeSpec('')}broken: [\n`;
    const { diagnostics } = lint([{ path: 'openapi.yaml', text }]);
    // Not parsed, as a document without any CORS token: its syntax error is not reported either.
    expect(diagnostics).toEqual([]);
  });

  it('still reads a large document with a CORS setting (near miss)', () => {
    const text = largeSpec('x-amazon-apigateway-cors:\n  allowOrigins: ["*"]\n  allowCredentials: true\n');
    const { diagnostics } = lint([{ path: 'openapi.yaml', text }]);
    expect(diagnostics.map((d) => d.ruleId)).toContain('rejected-setting');
  });

  it('gives every YAML fixture the policies of the full reading', () => {
    const files = yamlFiles(join(ROOT, 'fixtures'));
    expect(files.length).toBeGreaterThan(100);
    for (const path of files) sameReading(path);
  });

  it.runIf(process.env.YAML_RELEVANCE_DIR)('gives every YAML file under YAML_RELEVANCE_DIR the policies of the full reading', () => {
    const files = yamlFiles(process.env.YAML_RELEVANCE_DIR!);
    const skipped = files.filter((path) => sameReading(path).skipped);
    console.log(`${files.length} files; a document skipped (errors not reported) in ${skipped.length}: ${skipped.join(', ')}`);
  }, 3_600_000);
});
