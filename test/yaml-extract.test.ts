import { describe, expect, it } from 'vitest';
import { lint, type CorsPolicy } from '../src/index.js';
import { grants } from '../src/model/queries.js';

function policiesOf(text: string, path = 'gateway.yaml'): CorsPolicy[] {
  return lint([{ path, text }]).policies;
}
function findings(text: string, path = 'gateway.yaml') {
  return lint([{ path, text }]).diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId}`);
}

const TRAEFIK = (headers: string) => `apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n${headers}`;

describe('YAML reading', () => {
  it('Helm template actions keep every position, and templated values are unknown', () => {
    const text = `{{- if .Values.cors }}\napiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: {{ .Release.Name }}-cors\nspec:\n  headers:\n    accessControlAllowOriginList: [{{ .Values.origin | quote }}, "https://app.example.com/"]\n    accessControlAllowCredentials: {{ .Values.credentials }}\n{{- end }}\n`;
    expect(findings(text)).toEqual(['8:66 origin-not-serialized']);
  });

  it('a flow collection whose lines are not indented past its key is read as PyYAML and go-yaml read it, positions kept', () => {
    const sam = `Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Cors: {\n      AllowOrigin: "'https://a.example.com/'",\n      AllowMethods: "'GET'"\n      }\n`;
    const result = lint([{ path: 'template.yaml', text: sam }]);
    expect(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId}`)).toEqual(['6:22 origin-not-serialized']);
    // A flow collection that is broken in any reader still gives its parse error.
    expect(findings(`Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Cors: {\n      AllowOrigin: "'https://a.example.com'",\n`, 'template.yaml')).toEqual(['7:1 parse-error']);
  });

  it('a quoted value continued at its key\'s column (generated CRDs) is read as PyYAML and go-yaml read it, positions kept', () => {
    const route = (annotation: string) =>
      `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: api\n  annotations:\n${annotation}spec:\n  rules:\n    - filters:\n        - type: CORS\n          cors:\n            allowOrigins: ["*"]\n            allowCredentials: true\n`;
    // Single and double quotes, '' escapes, a continuation at the key's column or left of it.
    for (const annotation of ["    a: 'x == ''y''\n  && z'\n", '    a: "x \\" y\n    z"\n', "    a: 'x\n   y'\n    b: '(?:[a-z]'\n"]) {
      expect(findings(route(annotation)), annotation).toEqual([`${annotation.split('\n').length + 10}:28 credentials-reflect-any-origin`]);
    }
    // A quote in a plain value is no quoted value, nor is `(?:[` a flow collection; an unclosed quote is still an error.
    expect(findings(route("    a: ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@])+$\n"))).toEqual(['12:28 credentials-reflect-any-origin']);
    expect(findings(route("    a: 'x\n"))).toEqual([expect.stringMatching(/ parse-error$/)]);
    // Linear on hostile input: many unclosed and continued quotes.
    const started = process.cpuUsage();
    for (const unit of ["a: 'x\n", "- 'x\n''\n", "  k: 'x\nb\n", 'a: [\n']) findings(unit.repeat(20_000) + 'cors: x\n');
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(8_000);
  });

  it('an origin written around placeholders is judged on the text around them, only for what holds whatever they contain', () => {
    const list = (items: string[]) => TRAEFIK(`    accessControlAllowOriginList:\n${items.map((item) => `      - "${item}"\n`).join('')}`);
    expect(findings(list(['https://{{ .Values.host }}/', 'https://API.${DOMAIN}', 'https://${HOST}:443', 'https://${A}?x']))).toEqual([
      '8:9 origin-not-serialized',
      '9:9 origin-not-serialized',
      '10:9 origin-not-serialized',
      '11:9 origin-not-serialized',
    ]);
    expect(findings(list(['https://${HOST}', '${ORIGIN}', '${SCHEME}://${HOST}:${PORT}', 'https://{{ .Values.host }}']))).toEqual([]);
  });

  it('positions in later documents of a multi-document file are file positions', () => {
    const filler = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\n';
    expect(findings(`${filler.repeat(3)}${TRAEFIK('    accessControlAllowOriginList: ["*"]\n    accessControlAllowCredentials: true\n')}`)).toEqual(['22:36 credentials-wildcard-origin']);
  });

  it('deploy-time values (${…}, !Ref, !Sub, Fn::Join) are unknown and never reported', () => {
    const serverless = 'service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    events:\n      - http:\n          path: x\n          method: get\n          cors:\n            origin: ${env:ORIGIN}\n            allowCredentials: true\n';
    expect(findings(serverless, 'serverless.yml')).toEqual([]);
    const sam = 'Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      Cors:\n        AllowOrigin: !Sub "\'https://${Domain}\'"\n        AllowCredentials: true\n  Http:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n      CorsConfiguration:\n        AllowOrigins: { "Fn::Split": [",", !Ref Origins] }\n        AllowCredentials: true\n';
    expect(findings(sam, 'template.yaml')).toEqual([]);
  });

  it('bad input: invalid YAML, duplicate keys, tabs, a BOM, an alias bomb, a Kustomize patch and a 50 MB manifest bundle', () => {
    const bomb = `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n${'bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`).join('\n')}\ncors:\n  allow_origin_string_match: *i\n`;
    const manifest = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler\ndata:\n  key: ${'x'.repeat(200)}\n---\n`;
    const bundle = manifest.repeat(Math.ceil(50e6 / manifest.length)) + TRAEFIK('    accessControlAllowOriginList: ["*"]\n    accessControlAllowCredentials: true\n');
    const result = lint([
      { path: 'invalid.yaml', text: 'cors:\n  allow: [a, b\nnext: 1\n' },
      { path: 'dup.yaml', text: TRAEFIK('    accessControlAllowOriginList: ["https://a.example.com"]\n    accessControlAllowOriginList: ["*"]\n') },
      { path: 'tabs.yaml', text: 'cors:\n\tallow: [a]\n' },
      { path: 'bom.yaml', text: `\uFEFF${TRAEFIK('    accessControlAllowOriginList: ["*"]\n    accessControlAllowCredentials: true\n')}` },
      { path: 'bomb.yaml', text: bomb },
      { path: 'kustomize/patch.yaml', text: '- op: add\n  path: /metadata/annotations/nginx.ingress.kubernetes.io~1cors-allow-origin\n  value: "https://a.example.com/"\n' },
      { path: 'bundle.yaml', text: bundle },
    ]);
    const byFile = (file: string) => result.diagnostics.filter((d) => d.file === file && d.severity !== 'info').map((d) => `${d.line} ${d.ruleId}`);
    expect(byFile('invalid.yaml')).toEqual(['3 parse-error']);
    expect(byFile('dup.yaml')).toEqual(['8 parse-error']);
    expect(byFile('tabs.yaml')).toEqual(['2 parse-error']);
    expect(byFile('bom.yaml')).toEqual(['7 credentials-wildcard-origin']);
    expect(byFile('bomb.yaml')).toEqual([]);
    expect(byFile('kustomize/patch.yaml')).toEqual([]);
    const bundleLines = bundle.split('\n').length;
    expect(byFile('bundle.yaml')).toEqual([`${bundleLines - 2} credentials-wildcard-origin`]);
  });
});

describe('gateway semantics', () => {
  it('ingress-nginx: a wildcard covers one label, matching is case-insensitive and end-anchored', () => {
    const [policy] = policiesOf('apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-origin: "https://*.example.com"\n');
    expect(grants(policy, 'https://a.example.com')).toBe(true);
    expect(grants(policy, 'https://A.EXAMPLE.COM')).toBe(true);
    expect(grants(policy, 'https://a.b.example.com')).toBe(false);
    expect(grants(policy, 'https://a.example.com.attacker.invalid')).toBe(false);
  });

  it('Kong: a "*" anywhere in the origins list allows all, so credentials echo every origin', () => {
    const kong = (origins: string, credentials: boolean) => `_format_version: "3.0"\nplugins:\n  - name: cors\n    config:\n      origins: [${origins}]\n      credentials: ${credentials}\n`;
    const [policy] = policiesOf(kong('"https://a.example.com", "*"', true));
    expect(grants(policy, 'https://attacker.invalid', true)).toBe(true);
    expect(findings(kong('"https://a.example.com", "*"', true))).toEqual(['5:42 credentials-reflect-any-origin']);
    expect(grants(policiesOf(kong('"https://a.example.com", "https://b.example.com"', true))[0], 'https://attacker.invalid', true)).toBe(false);
  });

  it('ingress-nginx: a configuration-snippet is one answer with the CORS block, and reads $http_origin as "*" when the origin is "*"', () => {
    const ingress = (annotations: string) => `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n${annotations}`;
    const snippet = '    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers "Access-Control-Allow-Origin: $http_origin";\n';
    const enabled = '    nginx.ingress.kubernetes.io/enable-cors: "true"\n';
    expect(policiesOf(ingress(enabled + snippet))).toHaveLength(1);
    expect(findings(ingress(enabled + snippet))).toEqual(['6:5 credentials-wildcard-origin']);
    // Without the CORS block the snippet is the whole answer, read on its own.
    expect(policiesOf(ingress(snippet))).toHaveLength(1);
    expect(findings(ingress(snippet))).toEqual(['7:24 missing-vary-origin', '7:24 reflect-any-origin']);
    // Credentials written explicitly: the message names no default.
    const written = lint([{ path: 'gateway.yaml', text: ingress(`${enabled}    nginx.ingress.kubernetes.io/cors-allow-credentials: "true"\n`) }]).diagnostics;
    expect(written.map((d) => d.message).join()).not.toMatch(/turns credentials on by default/);
  });

  it('Traefik regexes are unanchored searches', () => {
    const [policy] = policiesOf(TRAEFIK('    accessControlAllowOriginListRegex: ["https://.*\\\\.example\\\\.com"]\n    addVaryHeader: true\n'));
    expect(grants(policy, 'https://a.example.com.attacker.invalid')).toBe(true);
  });

  it('Kong: a regex without a scheme matches the host alone; literals are normalised', () => {
    const [policy] = policiesOf('_format_version: "3.0"\nplugins:\n  - name: cors\n    config:\n      origins: ["(.+\\\\.)?example\\\\.com", "https://app.example.org/"]\n');
    expect(grants(policy, 'https://a.example.com')).toBe(true);
    expect(grants(policy, 'http://example.com:8080')).toBe(true);
    expect(grants(policy, 'https://example.com.attacker.invalid')).toBe(false);
    expect(grants(policy, 'https://app.example.org')).toBe(true);
  });

  it('Envoy: suffix without a leading dot, prefix and safe_regex (full match)', () => {
    const [policy] = policiesOf('route_config:\n  virtual_hosts:\n    - name: api\n      cors:\n        allow_origin_string_match:\n          - suffix: "example.com"\n          - safe_regex: { regex: "https://[a-z]+\\\\.example\\\\.org" }\n');
    expect(grants(policy, 'https://attackerexample.com')).toBe(true);
    expect(grants(policy, 'https://a.example.org')).toBe(true);
    expect(grants(policy, 'https://a.example.org.attacker.invalid')).toBe(false);
  });

  it('API Gateway HTTP API: https://* allows every https origin', () => {
    const [policy] = policiesOf('Resources:\n  Http:\n    Type: AWS::ApiGatewayV2::Api\n    Properties:\n      CorsConfiguration:\n        AllowOrigins: ["https://*"]\n', 'template.yaml');
    expect(grants(policy, 'https://attacker.invalid')).toBe(true);
    expect(grants(policy, 'http://attacker.invalid')).toBe(false);
  });

  it('Traefik options in Compose labels point at the entry inside the label', () => {
    const label = 'traefik.http.middlewares.cors.headers.accesscontrolalloworiginlist=https://a.example.com,https://b.example.com/';
    const text = `services:\n  api:\n    labels:\n      - "${label}"\n      - "traefik.http.middlewares.cors.headers.addvaryheader=true"\n`;
    const column = 10 + label.indexOf('https://b.example.com/');
    expect(findings(text, 'docker-compose.yml')).toEqual([`4:${column} origin-not-serialized`]);
  });

  it('APISIX does not trim comma lists', () => {
    expect(findings('routes:\n  - uri: /x\n    plugins:\n      cors:\n        allow_origins: "https://a.example.com, https://b.example.com"\n', 'apisix.yaml')).toContain('5:47 origin-not-serialized');
  });

  it('recognises documents by content, not by file name', () => {
    expect(policiesOf(TRAEFIK('    accessControlAllowOriginList: ["*"]\n'), 'charts/app/templates/anything.tpl').map((p) => p.source.framework)).toEqual(['traefik']);
    expect(policiesOf('kind: ConfigMap\ndata:\n  cors: "true"\n')).toEqual([]);
  });
});

describe('API Gateway REST integration-response mappings', () => {
  const method = (httpMethod: string, responses: string, type = 'MOCK') =>
    `Resources:\n  M:\n    Type: AWS::ApiGateway::Method\n    Properties:\n      HttpMethod: ${httpMethod}\n      Integration:\n        Type: ${type}\n        IntegrationResponses:\n${responses}`;
  const response = (status: number, parameters: Record<string, string>, pattern?: string) =>
    `          - StatusCode: ${status}\n${pattern ? `            SelectionPattern: '${pattern}'\n` : ''}            ResponseParameters:\n${Object.entries(parameters)
      .map(([name, value]) => `              method.response.header.${name}: "${value}"\n`)
      .join('')}`;
  const run = (policy: CorsPolicy, request: Parameters<NonNullable<CorsPolicy['headerProgram']>['run']>[0]) => policy.headerProgram!.run(request);

  it('a mock OPTIONS method answers preflights with its status and static values, and nothing else', () => {
    const [policy] = policiesOf(method('OPTIONS', response(200, { 'Access-Control-Allow-Origin': "'*'", 'Access-Control-Allow-Methods': "'GET,OPTIONS'" })), 'template.yaml');
    expect(policy.preflight).toMatchObject({ kind: 'handled', status: 200 });
    const preflight = run(policy, { origin: 'https://a.example', method: 'GET', preflight: true });
    expect(preflight).toMatchObject({ status: 200, uncertain: false });
    expect(preflight.headers.map((h) => `${h.name}: ${h.value}`)).toEqual(['Access-Control-Allow-Origin: *', 'Access-Control-Allow-Methods: GET,OPTIONS']);
    // The GET itself is another method's answer.
    expect(run(policy, { origin: 'https://a.example', method: 'GET' }).uncertain).toBe(true);
  });

  it('a selection-pattern response answers only the backend status it maps; the default one the successful answers', () => {
    const text = method('GET', response(200, { 'Access-Control-Allow-Origin': "'https://a.example.com'" }) + response(400, { 'Access-Control-Allow-Origin': "'*'" }, '.*Bad.*'), 'AWS');
    const [ok, bad] = policiesOf(text, 'template.yaml');
    expect(run(ok, { origin: 'https://x.example', method: 'GET' }).status).toBe(200);
    expect(run(ok, { origin: 'https://x.example', method: 'GET', appStatus: 400 }).uncertain).toBe(true);
    expect(run(bad, { origin: 'https://x.example', method: 'GET', appStatus: 400 }).headers[0].value).toBe('*');
    expect(run(bad, { origin: 'https://x.example', method: 'GET' }).uncertain).toBe(true);
  });

  it('proxy integrations and gateway responses are not read; run-time sources are unknown, unquoted static values rejected', () => {
    expect(policiesOf(method('GET', response(200, { 'Access-Control-Allow-Origin': "'*'" }), 'AWS_PROXY'), 'template.yaml')).toEqual([]);
    const gateway = `Resources:\n  G:\n    Type: AWS::ApiGateway::GatewayResponse\n    Properties:\n      ResponseType: DEFAULT_4XX\n      ResponseParameters:\n        gatewayresponse.header.Access-Control-Allow-Origin: "method.request.header.origin"\n        gatewayresponse.header.Access-Control-Allow-Credentials: "'true'"\n`;
    expect(policiesOf(gateway, 'template.yaml')).toEqual([]);
    const [runtime] = policiesOf(method('OPTIONS', response(200, { 'Access-Control-Allow-Origin': 'stageVariables.origin' })), 'template.yaml');
    expect(runtime.origins).toMatchObject([{ kind: 'unknown' }]);
    expect(runtime.rejected).toBeUndefined();
    expect(findings(method('OPTIONS', response(200, { 'Access-Control-Allow-Origin': '*' })), 'template.yaml')).toEqual(['11:67 rejected-setting']);
  });
});
