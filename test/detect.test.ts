import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import fc from 'fast-check';
import { detectByName, detectFile, detectFormat, isTemplateLibrary, looksBinary, nginxNameHint } from '../src/engine/detect.js';
import { FORMAT_LIST } from '../src/engine/formats.js';
import { FOREIGN_LINES, looksLikeNginx, mayBeForeign } from '../src/engine/formats.js';
import { looksLikeJsonConfig } from '../src/extract/yaml/json.js';
import { lint } from '../src/index.js';
import { cli, project } from './helpers/cli.js';

const NGINX_SNIPPET = 'add_header Access-Control-Allow-Origin "*" always;\nadd_header Access-Control-Allow-Credentials "true" always;\n';

/** Other formats that share the `.conf` extension, each with the word `include` somewhere. */
const NOT_NGINX: Record<string, string> = {
  hocon: '# Worker settings; the values below include defaults for local runs.\nworker {\n  host = "localhost"\n  host = ${?WORKER_HOST}\n  port = 8080\n}\ninclude "application.conf"\n',
  redis: 'bind 127.0.0.1\nport 6379\ninclude /etc/redis/local.conf\nmaxmemory-policy allkeys-lru\n',
  apache: '<VirtualHost *:80>\n    ServerName static.example.com\n    Header always set Access-Control-Allow-Origin "*"\n    Include conf/extra/cors.conf\n</VirtualHost>\n',
  supervisord: '[program:api]\ncommand=/usr/bin/api --cors-origin=*\nautorestart=true\n[include]\nfiles = /etc/supervisor/conf.d/*.conf\n',
  sysctl: 'net.core.somaxconn = 1024\nvm.swappiness = 10\n',
  logrotate: '/var/log/nginx/*.log {\n    daily\n    rotate 14\n    compress\n}\ninclude /etc/logrotate.d\n',
  ldso: 'include /etc/ld.so.conf.d/*.conf\n',
  // Varnish VCL shares `set`, `if (...) {`, `return` and `include` with nginx, and ends them in `;` and `{`.
  varnish: 'vcl 4.1;\ninclude "backends.vcl";\nsub vcl_deliver {\n    if (req.http.Origin) {\n        set resp.http.Access-Control-Allow-Origin = req.http.Origin;\n        set resp.http.Access-Control-Allow-Credentials = "true";\n    }\n    return (deliver);\n}\n',
};

describe('format detection', () => {
  it('a .conf is nginx only when its content reads as nginx', () => {
    for (const [name, text] of Object.entries(NOT_NGINX)) {
      const kind = detectFile({ path: `conf/${name}.conf`, text });
      expect(kind, name).toEqual({ skip: expect.stringMatching(/^not nginx by its content/) });
      // and lint() says nothing about it: no parse-error, no finding
      const result = lint([{ path: `conf/${name}.conf`, text }]);
      expect(result.diagnostics, name).toEqual([]);
      expect(result.skipped[0].reason, name).toMatch(/^not nginx/);
    }
    for (const text of [NGINX_SNIPPET, 'server {\n  listen 80;\n}\n', 'location /api/ {\n  proxy_pass http://app;\n}\n', 'map $http_origin $cors {\n  default "";\n}\n', 'include snippets/cors.conf;\n', 'if ($request_method = OPTIONS) {\n  return 204;\n}\n', 'set $cors "";\n', 'if (!-f $request_filename) {\n  rewrite ^ /index.php last;\n}\n']) {
      expect(detectFile({ path: 'site.conf', text }), text).toMatchObject({ format: 'nginx' });
    }
  });

  it('nginx templates are routed to nginx whatever the template engine', () => {
    for (const name of ['site.conf.tpl', 'site.conf.template', 'site.conf.j2', 'site.conf.erb', 'nginx.conf.default', 'nginx.conf.j2', 'api.nginx.tmpl', 'default.conf.ctmpl', 'api.vhost']) {
      expect(detectFile({ path: `deploy/${name}`, text: NGINX_SNIPPET }), name).toMatchObject({ format: 'nginx' });
    }
    // An Apache virtual host is a `.vhost` too: content decides.
    expect(detectFile({ path: 'deploy/api.vhost', text: '<VirtualHost *:80>\n  Header always set Access-Control-Allow-Origin "*"\n</VirtualHost>\n' })).toMatchObject({ skip: expect.any(String) });
    // A supervisord template is a `.conf.j2` too: content decides.
    expect(detectFile({ path: 'roles/api/templates/supervisord.conf.j2', text: NOT_NGINX.supervisord })).toMatchObject({ skip: expect.any(String) });
    const result = lint([{ path: 'site.conf.erb', text: 'server {\n<% if @cors %>\n  location / {\n    add_header Access-Control-Allow-Origin <%= @origin %>;\n  }\n<% end %>\n}\n' }]);
    expect(result.diagnostics.filter((d) => d.ruleId === 'parse-error')).toEqual([]);
    expect(result.policies).toHaveLength(1);
  });

  it('templates stacked two deep, of extensionless or host-named site files, and of YAML files are detected as what they render to', () => {
    for (const name of ['templates/default.conf.template.j2', 'roles/web/templates/vhost.j2', 'templates/example.com.erb', 'sites-enabled/shop-fixture.test']) {
      expect(detectFile({ path: name, text: NGINX_SNIPPET }), name).toMatchObject({ format: 'nginx' });
    }
    // Content decides for the extensionless ones: a pip-tools input stays out, silently; a Makefile, README or Dockerfile
    // (of any suffix) stays out by its name, whatever it holds (a README's example line, a Dockerfile's echo of a directive).
    expect(detectFile({ path: 'Makefile.in', text: 'include config.mk\nall:\n\tcc -o app app.c\n' })).toMatchObject({ skip: expect.stringContaining('Makefile') });
    for (const name of ['nginx/README', 'sites-available/Makefile', 'README.nginx', 'docker/Dockerfile.nginx', 'roles/web/templates/Dockerfile.j2', 'conf.d/LICENSE']) {
      expect(detectFile({ path: name, text: NGINX_SNIPPET }), name).toMatchObject({ skip: expect.any(String) });
    }
    // A site named like a word (sites-available/news) is still judged by its content.
    expect(detectFile({ path: 'sites-available/news', text: NGINX_SNIPPET })).toMatchObject({ format: 'nginx' });
    expect(detectFile({ path: 'requirements.in', text: 'django>=4.2\n' })).toMatchObject({ skip: expect.any(String) });
    // A template of another format's file is not nginx, whatever its content.
    for (const name of ['package.json.j2', 'README.md.tmpl']) expect(detectFile({ path: name, text: NGINX_SNIPPET }), name).toMatchObject({ skip: expect.any(String) });
    // A Python template (Ansible's settings.py.j2, copier's *.py.jinja) is Python; a copy kept as an example is not read.
    for (const name of ['roles/app/templates/settings.py.j2', 'template/config.py.jinja', 'local_settings.py.tmpl']) expect(detectFile({ path: name, text: 'CORS_ALLOW_ALL_ORIGINS = True\n' }), name).toMatchObject({ format: 'python' });
    for (const name of ['local_settings.py.example', 'settings.py.sample', 'settings.py.orig']) expect(detectFile({ path: name, text: 'CORS_ALLOW_ALL_ORIGINS = True\n' }), name).toMatchObject({ skip: expect.any(String) });
    for (const name of ['k8s/ingress.yaml.j2', 'template.yml.tmpl', 'values.yaml.template']) expect(detectFile({ path: name, text: 'a: 1\n' }), name).toMatchObject({ format: 'yaml' });
    // Jinja statements on their own lines are neither YAML errors nor hide the keys around them.
    const result = lint([{ path: 'ingress.yaml.j2', text: 'kind: Ingress\nmetadata:\n  annotations:\n{% if cors %}\n    nginx.ingress.kubernetes.io/enable-cors: "true"\n    nginx.ingress.kubernetes.io/cors-allow-origin: "{{ origin }}"\n{% endif %}\n{# a comment #}\nspec: {}\n' }]);
    expect(result.diagnostics.filter((d) => d.ruleId === 'parse-error')).toEqual([]);
    expect(result.policies).toHaveLength(1);
  });

  it('Elastic Beanstalk .config files are YAML only inside .ebextensions/', () => {
    for (const name of ['.ebextensions/nginx-cors.config', 'api/.ebextensions/01-cors.config']) expect(detectFile({ path: name, text: 'files:\n  /etc/nginx/conf.d/cors.conf:\n    content: |\n      add_header Access-Control-Allow-Origin *;\n' }), name).toMatchObject({ format: 'yaml' });
    for (const name of ['web.config', 'config/app.config', '.ebextensions/nested/x.config']) expect(detectFile({ path: name, text: 'files: {}\n' }), name).not.toMatchObject({ format: 'yaml' });
  });

  it('Go-template statements on their own lines do not swallow the block they wrap', () => {
    const text = 'server {\n    listen 80;\n{{ if .Env.ENABLE_ASSETS }}\n    location /assets/ {\n        add_header Access-Control-Allow-Origin *;\n    }\n{{ end }}\n}\n';
    const result = lint([{ path: 'site.conf', text }]);
    expect(result.diagnostics.map((d) => `${d.ruleId}@${d.line}`)).toEqual(expect.arrayContaining(['nginx-missing-always@5']));
    expect(result.diagnostics.filter((d) => d.ruleId === 'parse-error')).toEqual([]);
  });

  it('Helm named-template libraries are templates, not YAML errors', () => {
    const helpers = '{{- define "api.labels" -}}\napp: {{ .Chart.Name }}\n{{- end }}\n\n{{/* the CORS plugin */}}\n{{- define "api.cors" }}\n{{- if .Values.cors }}\n  - name: cors\n{{- end }}\n{{- end -}}\n';
    expect(isTemplateLibrary(helpers)).toBe(true);
    expect(isTemplateLibrary('{{- define "x" }}a: 1{{ end }}\nkind: Ingress\n')).toBe(false);
    expect(isTemplateLibrary(`{{ define "x" }}${'{{'.repeat(100_000)}`)).toBe(false);
    for (const path of ['chart/templates/_helpers.tpl', 'chart/templates/cors.tpl', 'chart/templates/_cors.yaml']) {
      const result = lint([{ path, text: helpers }]);
      expect(result.diagnostics, path).toEqual([]);
      expect(result.skipped[0]?.reason, path).toMatch(/Helm/);
    }
    // A rendered template in the same chart is still read.
    expect(detectFile({ path: 'chart/templates/ingress.yaml', text: 'kind: Ingress\n' })).toEqual({ format: 'yaml' });
  });

  it('patches, C sources and systemd units in an nginx build folder are not site files', () => {
    for (const path of ['images/nginx/rootfs/patches/00_drop-alias-root.patch', 'nginx/patches/fix-cve.diff', 'nginx/modules/ngx_http_x.c', 'deploy/nginx/nginx-reload.service']) {
      expect(detectByName(path), path).toEqual({ skip: 'not a supported file type' });
    }
    expect(detectByName('deploy/nginx/sites-available/api.example.com')).toEqual({ maybe: 'nginx' });
    expect(detectByName('deploy/nginx/default.vhost')).toEqual({ maybe: 'nginx' });
  });

  it('an HTML view named .tpl is markup, not a YAML document; a Helm .tpl is still YAML', () => {
    const view = '<!-- IMPORT partials/header.tpl -->\n<div class="row">\n\t<label for="acao">Access-Control-Allow-Origin</label>\n\t<input id="acao" type="text" />\n</div>\n';
    for (const text of [view, `{{- if .admin }}\n${view}{{- end }}\n`, `\n# settings page\n${view}`]) {
      const kind = detectFile({ path: 'src/views/admin/advanced.tpl', text });
      expect('skip' in kind && kind.skip, text).toMatch(/HTML template/);
    }
    // Helm's .tpl manifests and include partials (no key in column 0) stay YAML.
    expect(detectFile({ path: 'chart/templates/cors.tpl', text: '{{- if .Values.cors }}\n  - name: cors\n    enabled: true\n{{- end }}\n' })).toEqual({ format: 'yaml' });
    expect(detectFile({ path: 'chart/templates/ingress.tpl', text: 'kind: Ingress\nmetadata:\n  name: <name>\n' })).toEqual({ format: 'yaml' });
    // An INI template (Kinto's kinto.tpl) is skipped; a .tpl opening with a flow sequence and YAML after it is not INI.
    const ini = detectFile({ path: 'kinto/config/kinto.tpl', text: '# Created at {ts}\n\n[server:main]\nuse = egg:waitress#main\n\n[app:main]\nkinto.cors_origins = *\n' });
    expect('skip' in ini && ini.skip).toMatch(/INI template/);
    expect(detectFile({ path: 'chart/templates/list.tpl', text: '[cors]\nkey: value\n' })).toEqual({ format: 'yaml' });
  });

  it('an extensionless file in an nginx folder is read by folder and content, wherever the run starts', async () => {
    const dir = project({ 'deploy/nginx/cors': NGINX_SNIPPET, 'deploy/nginx/Dockerfile': 'FROM nginx:1.27\nCOPY cors /etc/nginx/snippets/cors\n', 'deploy/nginx/README.md': '# cors\n\n```nginx\nadd_header Access-Control-Allow-Origin * always\n```\n' });
    for (const [cwd, args] of [
      [dir, []],
      [join(dir, 'deploy'), []],
      [join(dir, 'deploy', 'nginx'), []],
      [join(dir, 'deploy', 'nginx'), ['cors']],
      [dir, [join(dir, 'deploy', 'nginx', 'cors')]],
    ] as const) {
      const { code, stdout } = await cli(['-f', 'json', ...args], cwd);
      const files = JSON.parse(stdout) as Array<{ filePath: string; messages: Array<{ ruleId: string }> }>;
      expect(files.map((f) => f.filePath.split('/').pop()), `${cwd} ${args.join(' ')}`).toEqual(['cors']);
      expect(files[0].messages.map((m) => m.ruleId)).toContain('credentials-wildcard-origin');
      expect(code).toBe(1);
    }
  });

  it('--debug says why a .conf was skipped', async () => {
    const dir = project({ 'app.conf': NOT_NGINX.hocon, 'redis.conf': NOT_NGINX.redis });
    const quiet = await cli([], dir);
    expect(quiet).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const { stderr } = await cli(['--debug'], dir);
    expect(stderr).toContain('skipped app.conf: not nginx by its content');
    expect(stderr).toContain('skipped redis.conf: not nginx by its content');
  });

  it('a line the foreign-format gate turns away matches no foreign pattern (every first character, then fuzzed lines)', () => {
    // The gate only saves work: any line a FOREIGN_LINES pattern matches must pass it.
    const tails = ['', ' ', 'x', 'Header set X y', ' = 1', ': 1', ' => 1', 'a]', '/x>', 'ServerName a', 'vcl 4', 'sub x {', 'import a;', '\t', '1'];
    for (let c = 0; c < 0x3000; c++) {
      for (const tail of tails) {
        const line = String.fromCharCode(c) + tail;
        if (FOREIGN_LINES.some((pattern) => pattern.test(line))) expect(mayBeForeign(line), JSON.stringify(line)).toBe(true);
      }
    }
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), (line) => !FOREIGN_LINES.some((pattern) => pattern.test(line)) || mayBeForeign(line)),
      { numRuns: 20000, seed: 88101 },
    );
  });

  it('lines split on \\r\\n, \\r or \\n judge a file as lines split on \\n alone when it has no \\r', () => {
    for (const text of [NGINX_SNIPPET, ...Object.values(NOT_NGINX)]) {
      expect(looksLikeNginx(text.replace(/\n/g, '\r\n'))).toEqual(looksLikeNginx(text));
      expect(looksLikeNginx(text.replace(/\n/g, '\r'))).toEqual(looksLikeNginx(text));
    }
  });

  it('sniffing is linear on hostile input', () => {
    const start = Date.now();
    looksLikeNginx(`${'a = '.repeat(2_000_000)}\n${'x'.repeat(1_000_000)}`);
    isTemplateLibrary(`{{ define "a" }}${'{{ '.repeat(300_000)}`);
    expect(Date.now() - start).toBeLessThan(2000);
  });
});

describe('the nginx name hint (a walk skips the names it does not match)', () => {
  const hint = nginxNameHint();
  const isNginx = (path: string) => {
    const kind = detectFormat(path);
    return 'format' in kind && kind.format === 'nginx';
  };

  it('matches every path detection can call nginx, however its parts are cased and combined', () => {
    // Parts from the whole registry: every folder, file name, extension and template suffix of every format.
    const folders = [...new Set(FORMAT_LIST.flatMap((spec) => [...(spec.folders ?? []), 'src', 'etc', 'a.b', 'conf', 'nginxish']))];
    const extensions = [...new Set(FORMAT_LIST.flatMap((spec) => [...spec.extensions, ...(spec.ambiguousExtensions ?? []), ...(spec.templateSuffixes ?? [])]))];
    const names = [...new Set(FORMAT_LIST.flatMap((spec) => [...(spec.fileNames ?? []), 'api.example.com', 'default', 'site', 'x.vhost', '_helpers', 'README']))];
    const cased = (part: string) => fc.constantFrom(part, part.toUpperCase(), part[0] ? part[0].toUpperCase() + part.slice(1) : part);
    const path = fc.tuple(
      fc.array(fc.constantFrom(...folders).chain(cased), { maxLength: 3 }),
      fc.constantFrom(...names).chain(cased),
      fc.array(fc.constantFrom(...extensions).chain(cased), { maxLength: 3 }),
      fc.constantFrom('/', '\\'),
    ).map(([dirs, name, exts, separator]) => [...dirs, `${name}${exts.join('')}`].join(separator));
    fc.assert(fc.property(path, (candidate) => !isNginx(candidate) || hint.test(candidate)), { numRuns: 20_000, seed: 14 });
  });

  it('matches every nginx file of the fixtures, the case pack and the corpus', () => {
    const root = join(import.meta.dirname, '..');
    const paths: string[] = [];
    const walk = (dir: string, rel: string) => {
      for (const name of readdirSync(dir)) {
        const sub = rel ? `${rel}/${name}` : name;
        if (statSync(join(dir, name)).isDirectory()) walk(join(dir, name), sub);
        else paths.push(sub);
      }
    };
    for (const dir of ['fixtures', '../../shared/cases', '../../shared/corpus', '../shared/cases', '../shared/corpus']) {
      try {
        walk(join(root, dir), dir.replace(/^(\.\.\/)+/, ''));
      } catch {
        // The shared folders are where the worktree is, or one level up.
      }
    }
    const nginx = paths.filter(isNginx);
    expect(nginx.length).toBeGreaterThan(50);
    expect(nginx.filter((path) => !hint.test(path))).toEqual([]);
  });
});

describe('JSON files are read only when their content is a gateway config', () => {
  const sam = '{\n  "Resources": {\n    "Api": {\n      "Type": "AWS::Serverless::Api",\n      "Properties": { "StageName": "prod", "Cors": { "AllowOrigin": "\'*\'", "AllowCredentials": true } }\n    }\n  }\n}\n';
  it('templates, OpenAPI documents with API Gateway extensions and Serverless configs are candidates; other JSON is skipped unparsed', () => {
    expect(detectFile({ path: 'infra/template.json', text: sam })).toMatchObject({ format: 'json' });
    expect(detectFile({ path: 'infra/stack.template', text: sam })).toMatchObject({ format: 'json' });
    expect(detectFile({ path: 'api/openapi.json', text: '{"openapi":"3.0.1","x-amazon-apigateway-cors":{"allowOrigins":["*"]},"paths":{}}' })).toMatchObject({ format: 'json' });
    expect(detectFile({ path: 'serverless.json', text: '{"service":"orders","provider":{"name":"aws"},"functions":{}}' })).toMatchObject({ format: 'json' });
    expect(detectFile({ path: 'vercel.json', text: '{}' })).toEqual({ format: 'json' });
    for (const [path, text] of [
      ['package.json', '{"name":"api","dependencies":{"cors":"^2.8.5"}}'],
      ['api/openapi.json', '{"openapi":"3.0.1","info":{"description":"CORS: Access-Control-Allow-Origin *"},"paths":{}}'],
      ['data/responses.json', '[{"headers":{"Access-Control-Allow-Origin":"*"}}]'],
      ['fixtures/sam.json', `// a comment\n${sam}`],
      ['deploy/nginx.template', 'add_header Access-Control-Allow-Origin "*";\n'],
    ]) expect(detectFile({ path, text }), path).toHaveProperty('skip');
    // Generated copies of the templates: cdk synth, sam build, serverless package.
    for (const path of ['cdk.out/OrdersStack.template.json', 'app/.aws-sam/build/template.json', '.serverless/cloudformation-template-update-stack.json']) expect(detectFile({ path, text: sam }), path).toHaveProperty('skip');
  });

  it('a template that is not valid JSON is one parse-error; duplicate keys are JSON (the last one counts), not an error', () => {
    const broken = lint([{ path: 'template.json', text: sam.replace('"prod",', '"prod"') }]).diagnostics;
    expect(broken.map((d) => d.ruleId)).toEqual(['parse-error']);
    const duplicate = sam.replace('"AllowOrigin": "\'*\'"', '"AllowOrigin": "\'https://app.example.com\'", "AllowOrigin": "\'*\'"');
    expect(lint([{ path: 'template.json', text: duplicate }]).diagnostics.map((d) => `${d.ruleId} ${d.line}:${d.column}`)).toEqual(['rejected-setting 5:140']);
  });

  it("a trailing comma, which V8's message gives no position for, is reported at the comma", () => {
    const text = '{\n  "headers": [\n    { "source": "/(.*)", "headers": [{ "key": "Access-Control-Allow-Origin", "value": "*" },] }\n  ]\n}\n';
    for (const path of ['vercel.json', 'firebase.json']) {
      const found = lint([{ path, text }]).diagnostics.map((d) => `${d.ruleId} ${d.line}:${d.column}`);
      expect(found, path).toEqual([`parse-error 3:${text.split('\n')[2].indexOf(',]') + 1}`]);
    }
  });

  it('the content test is linear on hostile input', () => {
    const start = process.cpuUsage();
    for (const text of ['{' + ' '.repeat(2_000_000), '{' + '"service":'.repeat(200_000), ' '.repeat(2_000_000) + '{"AWS::']) looksLikeJsonConfig(text);
    const { user, system } = process.cpuUsage(start);
    expect((user + system) / 1000).toBeLessThan(5000);
  });
});

describe('binary content against text in a legacy 8-bit encoding', () => {
  // What the CLI hands lint(): the bytes decoded as UTF-8, each invalid byte a U+FFFD.
  const decoded = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
  const latin1 = (text: string) => decoded(Buffer.from(text, 'latin1'));
  const COMMENT = '# s\u00e9curit\u00e9, acc\u00e8s, r\u00e9glages g\u00e9n\u00e9raux (\u00e9t\u00e9, caf\u00e9, h\u00f4te, cl\u00e9, ent\u00eate)\n';

  it('a Latin-1 comment is text in every format (nginx loads it; Node and Python read it)', () => {
    const nginx = latin1(`${COMMENT}server {\n  location / {\n    add_header Access-Control-Allow-Origin *;\n  }\n}\n`);
    expect((nginx.match(/\uFFFD/g) ?? []).length).toBeGreaterThan(8);
    expect(looksBinary(nginx)).toBe(false);
    expect(lint([{ path: 'site.conf', text: nginx }]).diagnostics.map((d) => `${d.line}:${d.column} ${d.ruleId}`)).toEqual(['4:5 nginx-missing-always', '4:44 wildcard-origin']);
    const js = latin1(`// ${COMMENT}const cors = require('cors');\napp.use(cors({ origin: '*', credentials: true }));\n`);
    expect(lint([{ path: 'server.js', text: js }]).diagnostics.map((d) => `${d.line} ${d.ruleId}`)).toEqual(['3 credentials-wildcard-origin']);
  });

  it('bytes without a NUL are still binary when most of them are not text', () => {
    let seed = 7;
    const random = new Uint8Array(8000).map(() => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 255) + 1);
    expect(looksBinary(decoded(random))).toBe(true);
    expect(looksBinary('add_header Access-Control-Allow-Origin \u0000 *;')).toBe(true);
    expect(looksBinary('\u001b[31mred\u001b[0m\t\r\n\f\v plain text')).toBe(false);
  });

  it('the counted test gives what counting every odd character of the sample gives, at and around the 40% line', () => {
    // The definition, spelled as a plain count over the first 8,000 characters.
    const byCount = (text: string) => {
      const sample = text.slice(0, 8000);
      const odd = sample.match(/[\u0001-\u0008\u000e-\u001a\u001c-\u001f\u007f\ufffd]/g)?.length ?? 0;
      return sample.includes('\u0000') || (odd > 8 && odd > sample.length * 0.4);
    };
    const pool = ['a', ' ', '\n', '\t', '\u001b', '\u0001', '\u0008', '\u000e', '\u001a', '\u001c', '\u001f', '\u007f', '\ufffd', '\u00e9', '\u20ac'];
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    let binary = 0;
    for (let round = 0; round < 600; round++) {
      const length = [1, 9, 10, 22, 23, 100, 7999, 8000, 8001, 9000][round % 10];
      const oddShare = (next() % 1000) / 1000;
      let text = '';
      for (let i = 0; i < length; i++) text += next() % 1000 < oddShare * 1000 ? pool[4 + (next() % 9)] : pool[next() % 4];
      expect(looksBinary(text), `round ${round}`).toBe(byCount(text));
      if (byCount(text)) binary++;
    }
    expect(binary).toBeGreaterThan(100);
    expect(binary).toBeLessThan(500);
    // Every count of odd characters around the line, for lengths where 40% is and is not a whole number.
    for (const length of [10, 20, 22, 23, 25, 8000, 8003]) {
      for (let odd = 0; odd <= Math.min(length, 3300); odd += odd < 20 || Math.abs(odd - length * 0.4) < 3 ? 1 : 97) {
        const text = '\u0001'.repeat(odd) + 'a'.repeat(length - odd);
        expect(looksBinary(text), `${odd} of ${length}`).toBe(byCount(text));
        expect(looksBinary([...text].reverse().join('')), `${odd} of ${length}, at the end`).toBe(byCount([...text].reverse().join('')));
      }
    }
  });
});
