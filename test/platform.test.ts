import { describe, expect, it } from 'vitest';
import { parseJs } from '../src/extract/js/extract.js';
import { readHeadersFile } from '../src/extract/platform/headers-file.js';
import { readNetlifyConfig } from '../src/extract/platform/netlify.js';
import { nextConfigRewrites } from '../src/extract/platform/next-config.js';
import { readVercelConfig } from '../src/extract/platform/vercel.js';
import { annotationSources } from '../src/topology/helm.js';
import { lint } from '../src/index.js';

describe('platform configs', () => {
  it('vercel.json: headers become a policy at the value tokens; rewrites and legacy route dests are proxies; has/missing rules are left out', () => {
    const text = [
      '{',
      '  "rewrites": [{ "source": "/api/:path*", "destination": "https://api.example.com/:path*" }],',
      '  "routes": [{ "src": "/legacy/(.*)", "dest": "https://old.example.com/$1" }],',
      '  "headers": [',
      '    { "source": "/api/(.*)", "headers": [{ "key": "Access-Control-Allow-Origin", "value": "https://app.example.com" }, { "key": "Access-Control-Allow-Methods", "value": "GET, PUT" }] },',
      '    { "source": "/x", "has": [{ "type": "header", "key": "origin" }], "headers": [{ "key": "Access-Control-Allow-Origin", "value": "*" }] }',
      '  ]',
      '}',
    ].join('\n');
    const config = readVercelConfig({ path: 'web/vercel.json', text });
    expect(config.errors).toEqual([]);
    expect(config.policies).toHaveLength(1);
    const [policy] = config.policies;
    expect(policy.scope).toMatchObject({ kind: 'route', path: '/api/(.*)' });
    expect(policy.origins).toEqual([{ kind: 'exact', value: 'https://app.example.com', loc: { file: 'web/vercel.json', line: 5, column: 91, endLine: 5, endColumn: 116 } }]);
    expect(policy.allowMethods).toMatchObject({ kind: 'list', items: ['GET', 'PUT'] });
    expect(config.rewrites.map((r) => [r.source, r.destination, r.loc.line])).toEqual([
      ['/legacy/(.*)', 'https://old.example.com/$1', 3],
      ['/api/:path*', 'https://api.example.com/:path*', 2],
    ]);
  });

  it('netlify.toml: [[headers]] values (table or inline) are policies; only status-200 redirects are proxies', () => {
    const text = [
      '[[headers]]',
      '  for = "/api/*"',
      '  values = { Access-Control-Allow-Origin = "*", Access-Control-Max-Age = "600" }',
      '[[redirects]]',
      '  from = "/api/*"',
      '  to = "https://api.example.com/:splat"',
      '  status = 200',
      '[[redirects]]',
      '  from = "/old/*"',
      '  to = "https://old.example.com/:splat"',
      '  status = 301',
    ].join('\n');
    const config = readNetlifyConfig({ path: 'netlify.toml', text });
    expect(config.policies).toHaveLength(1);
    expect(config.policies[0].origins[0]).toMatchObject({ kind: 'any', loc: { line: 3, column: 44, endColumn: 47 } });
    expect(config.policies[0].maxAge).toMatchObject({ value: 600 });
    expect(config.rewrites.map((r) => [r.source, r.destination])).toEqual([['/api/*', 'https://api.example.com/:splat']]);
  });

  it('a broken vercel.json or netlify.toml is a parse error where the parser stopped', () => {
    const { diagnostics } = lint([
      { path: 'vercel.json', text: '{ "headers": [ { "source": "/(.*)", "headers": [{ "key": "Access-Control-Allow-Origin", "value": "*" }] } ' },
      { path: 'netlify.toml', text: '[[headers]]\nfor = "/*"\n[headers.values]\nAccess-Control-Allow-Origin = \n' },
    ]);
    expect(diagnostics.map((d) => [d.file, d.ruleId, d.line])).toEqual([
      ['netlify.toml', 'parse-error', 5],
      ['vercel.json', 'parse-error', 1],
    ]);
  });

  it('next.config rewrites(): an array or the { beforeFiles, afterFiles, fallback } phases', () => {
    const text = "module.exports = { async rewrites() { return { beforeFiles: [{ source: '/a/:p*', destination: 'http://localhost:4000/:p*' }], fallback: [{ source: '/b', destination: '/c' }] }; } };\n";
    const { parsed } = parseJs({ path: 'next.config.js', text });
    expect(nextConfigRewrites(parsed!).map((r) => [r.source, r.destination])).toEqual([['/a/:p*', 'http://localhost:4000/:p*'], ['/b', '/c']]);
  });

  it('other JSON and TOML files are not read', () => {
    const { diagnostics, policies } = lint([
      { path: 'package.json', text: '{ "headers": [ { "source": "/(.*)", "headers": [{ "key": "Access-Control-Allow-Origin", "value": "*" }] } ] }' },
      { path: 'config.toml', text: '[[headers]]\nfor = "/*"\n[headers.values]\nAccess-Control-Allow-Origin = "*"\n' },
    ]);
    expect(diagnostics).toEqual([]);
    expect(policies).toEqual([]);
  });

  it('Helm: an Ingress template rendering .Values.<path> whole under annotations, and the flag it is switched on by', () => {
    const body = 'kind: Ingress\nmetadata:\n  name: x\n';
    expect(annotationSources(`{{- if .Values.ingress.enabled -}}\napiVersion: v1\n${body}  {{- with .Values.ingress.annotations }}\n  annotations:\n    {{- toYaml . | nindent 4 }}\n  {{- end }}\n{{- end }}\n`)).toEqual([{ path: ['ingress', 'annotations'], enabledFlag: ['ingress', 'enabled'] }]);
    expect(annotationSources(`${body}  annotations:\n    {{- toYaml .Values.api.ingressAnnotations | nindent 4 }}\n`)).toEqual([{ path: ['api', 'ingressAnnotations'] }]);
    // Another condition, literal CORS annotations of the template's own, or no Ingress: not read.
    expect(annotationSources(`{{- if and .Values.ingress.enabled .Values.api }}\n${body}  annotations:\n    {{- toYaml .Values.ingress.annotations | nindent 4 }}\n{{- end }}\n`)).toEqual([]);
    expect(annotationSources(`${body}  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    {{- toYaml .Values.ingress.annotations | nindent 4 }}\n`)).toEqual([]);
    expect(annotationSources('kind: Service\nmetadata:\n  annotations:\n    {{- toYaml .Values.service.annotations | nindent 4 }}\n')).toEqual([]);
    // The action on the annotations line itself, as some charts write it.
    expect(annotationSources(`${body}  {{- with .Values.web.ingress.annotations }}\n  annotations: {{- toYaml . | nindent 4 }}\n  {{- end }}\n`)).toEqual([{ path: ['web', 'ingress', 'annotations'] }]);
  });

  it('Helm: the pattern search stays linear on long whitespace runs', () => {
    const start = process.cpuUsage();
    annotationSources(`kind: Ingress\nannotations:${' '.repeat(100_000)}\n${'\n'.repeat(100_000)}{{ with .Values.a }}${' \n'.repeat(50_000)}`);
    const used = process.cpuUsage(start);
    expect((used.user + used.system) / 1000).toBeLessThan(2000);
  });

  it('_headers: one policy per path block with CORS headers, at the value; a detached CORS header (Cloudflare `!`) leaves the file unread', () => {
    const config = readHeadersFile({ path: 'public/_headers', text: '/*\n  X-Frame-Options: DENY\n/api/*\r\n  Access-Control-Allow-Origin: https://app.example.com\r\n  Access-Control-Max-Age: 600\n' });
    expect(config.policies).toHaveLength(1);
    expect(config.policies[0].scope.path).toBe('/api/*');
    expect(config.policies[0].origins).toMatchObject([{ kind: 'exact', value: 'https://app.example.com', loc: { line: 4, column: 32, endColumn: 55 } }]);
    expect(readHeadersFile({ path: '_headers', text: '/api/*\n  Access-Control-Allow-Origin: *\n/api/private/*\n  ! Access-Control-Allow-Origin\n' }).policies).toEqual([]);
  });
});
