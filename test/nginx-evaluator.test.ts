import { describe, expect, it } from 'vitest';
import { lint, respond, type CorsPolicy } from '../src/index.js';
import { NginxProgram } from '../src/extract/nginx/program.js';

/**
 * The nginx rewrite-phase evaluator (issue 11): origin tests that guard a grant become matchers,
 * flag and concatenated-state idioms are decided, undecidable branches with equal effects merge,
 * and hostile input stays bounded.
 */
function policiesOf(text: string, path = 'site.conf'): CorsPolicy[] {
  return lint([{ path, text }]).policies;
}

function locationPolicy(text: string, location = '/api/'): CorsPolicy {
  const policy = policiesOf(text).find((p) => p.scope.path === location);
  expect(policy, `a policy for ${location}`).toBeDefined();
  return policy!;
}

function acao(policy: CorsPolicy, origin: string, extra: Partial<Parameters<typeof respond>[1]> = {}) {
  const response = respond(policy, { origin, method: 'GET', appStatus: 200, ...extra });
  return { uncertain: response.uncertain, status: response.status, value: response.headers.find((h) => h.name.toLowerCase() === 'access-control-allow-origin')?.value };
}

describe('origin tests guarding a grant become matchers', () => {
  it('set + if ($http_origin ~* …): a pattern on the regex token, case-insensitive; the empty default is no origin', () => {
    const text = 'location /api/ {\n    set $cors "";\n    if ($http_origin ~* "^https://(app|admin)\\.example\\.com$") {\n        set $cors $http_origin;\n    }\n    add_header Access-Control-Allow-Origin $cors always;\n    proxy_pass http://app;\n}\n';
    const policy = locationPolicy(text);
    expect(policy.origins).toEqual([{ kind: 'pattern', source: '^https://(app|admin)\\.example\\.com$', flags: 'i', dialect: 'pcre-search', loc: { file: 'site.conf', line: 3, column: 25, endLine: 3, endColumn: 62 } }]);
    expect(acao(policy, 'https://admin.example.com')).toEqual({ uncertain: false, status: 200, value: 'https://admin.example.com' });
    expect(acao(policy, 'https://attacker.invalid')).toEqual({ uncertain: false, status: 200, value: undefined });
  });

  it('an = test is an exact origin; a fixed default is a second one', () => {
    const text = 'location /api/ {\n    set $acao "https://www.example.net";\n    if ($http_origin = "https://admin.example.net") {\n        set $acao $http_origin;\n    }\n    add_header Access-Control-Allow-Origin $acao always;\n    proxy_pass http://app;\n}\n';
    const policy = locationPolicy(text);
    expect(policy.origins.map((m) => (m.kind === 'exact' ? `${m.value}@${m.loc.line}` : m.kind)).sort()).toEqual(['https://admin.example.net@3', 'https://www.example.net@6']);
    expect(policy.originMode).toBe('compare');
  });

  it('the flag idiom: the regex that sets the flag guards the reflected Origin', () => {
    const text = "location /api/ {\n    set $ok \"\";\n    if ($http_origin ~ '^https://shop\\.example\\.net') {\n        set $ok \"yes\";\n    }\n    if ($ok = \"yes\") {\n        add_header Access-Control-Allow-Origin $http_origin always;\n    }\n    proxy_pass http://app;\n}\n";
    const policy = locationPolicy(text);
    expect(policy.origins).toMatchObject([{ kind: 'pattern', source: '^https://shop\\.example\\.net', flags: '', loc: { line: 3 } }]);
    expect(acao(policy, 'https://shop.example.net.attacker.invalid').value).toBe('https://shop.example.net.attacker.invalid');
    expect(acao(policy, 'https://attacker.invalid')).toMatchObject({ uncertain: false, value: undefined });
  });

  it('map $http_origin keys (regex and exact) and default $http_origin (reflect)', () => {
    const text = 'map $http_origin $cors {\n    default $http_origin;\n    "~^https://a\\.example\\.com$" $http_origin;\n    "https://b.example.com" $http_origin;\n}\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin $cors always;\n        proxy_pass http://app;\n    }\n}\n';
    const policy = locationPolicy(text);
    expect(policy.origins.map((m) => `${m.kind}@${m.loc.line}`).sort()).toEqual(['exact@4', 'pattern@3', 'reflect@2']);
  });

  it('concatenated state: the OPTIONS answer of an allowed origin is decided', () => {
    const text = 'location /api/ {\n    set $cors "";\n    if ($http_origin ~* "^https://app\\.example\\.com$") {\n        set $cors "true";\n    }\n    if ($request_method = OPTIONS) {\n        set $cors "${cors}options";\n    }\n    if ($cors = "trueoptions") {\n        add_header Access-Control-Allow-Origin $http_origin;\n        add_header Access-Control-Allow-Methods "GET, PUT";\n        return 204;\n    }\n    if ($cors = "true") {\n        add_header Access-Control-Allow-Origin $http_origin always;\n    }\n    proxy_pass http://app;\n}\n';
    const policy = locationPolicy(text);
    const preflight = respond(policy, { origin: 'https://app.example.com', method: 'PUT', preflight: true });
    expect(preflight).toMatchObject({ uncertain: false, status: 204, shortCircuit: true });
    expect(preflight.headers.map((h) => `${h.name}: ${h.value}`).sort()).toEqual(['Access-Control-Allow-Methods: GET, PUT', 'Access-Control-Allow-Origin: https://app.example.com']);
    // A foreign origin's preflight goes on to the app (here answering 200) without CORS headers.
    expect(acao(policy, 'https://attacker.invalid', { preflight: true, method: 'PUT' })).toMatchObject({ uncertain: false, status: 200, value: undefined });
  });

  it('per-method if: = PUT|PATCH is a literal comparison, ~ a regex', () => {
    const literal = locationPolicy('location /api/ {\n    if ($request_method = PUT|PATCH) {\n        add_header Access-Control-Allow-Origin "*" always;\n    }\n    proxy_pass http://app;\n}\n');
    expect(acao(literal, 'https://x.example', { method: 'PUT' })).toMatchObject({ uncertain: false, value: undefined });
    const regex = locationPolicy('location /api/ {\n    if ($request_method ~ ^(PUT|PATCH)$) {\n        add_header Access-Control-Allow-Origin "*" always;\n    }\n    proxy_pass http://app;\n}\n');
    expect(acao(regex, 'https://x.example', { method: 'PATCH' })).toMatchObject({ uncertain: false, value: '*' });
  });

  it('branches with the same effect merge: an unknown condition that changes nothing decides nothing', () => {
    const text = 'location /api/ {\n    set $access "allowed";\n    if ($http_x_tenant = "beta") {\n        set $access "allowed";\n    }\n    if ($access = "allowed") {\n        add_header Access-Control-Allow-Origin $http_origin always;\n    }\n    proxy_pass http://app;\n}\n';
    const policy = locationPolicy(text);
    expect(acao(policy, 'https://attacker.invalid')).toEqual({ uncertain: false, status: 200, value: 'https://attacker.invalid' });
    expect(policy.origins).toMatchObject([{ kind: 'reflect' }]);
  });

  it('map $host with only a default and a constant geo are constants', () => {
    const text = 'map $host $front {\n    default "http://203.0.113.5:3000";\n}\ngeo $geo_origin {\n    default "https://a.example.com";\n    10.0.0.0/8 "https://a.example.com";\n}\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin $front always;\n        proxy_pass http://app;\n    }\n    location /geo/ {\n        add_header Access-Control-Allow-Origin $geo_origin always;\n        proxy_pass http://app;\n    }\n}\n';
    expect(acao(locationPolicy(text), 'https://x.example')).toMatchObject({ uncertain: false, value: 'http://203.0.113.5:3000' });
    expect(acao(locationPolicy(text, '/geo/'), 'https://x.example')).toMatchObject({ uncertain: false, value: 'https://a.example.com' });
  });
});

describe('includes', () => {
  const body = (include: string, where: 'server' | 'location') =>
    `server {\n    ${where === 'server' ? include : ''}\n    location /api/ {\n        ${where === 'location' ? include : ''}\n        add_header Access-Control-Allow-Origin $http_origin always;\n        add_header Access-Control-Allow-Credentials true always;\n        proxy_pass http://app;\n    }\n}\n`;
  it('stock Debian files never make a policy unknown', () => {
    for (const include of ['include fastcgi_params;', 'include /etc/nginx/proxy_params;', 'include snippets/fastcgi-php.conf;', 'include mime.types;']) {
      expect(acao(locationPolicy(body(include, 'location')), 'https://attacker.invalid'), include).toMatchObject({ uncertain: false, value: 'https://attacker.invalid' });
    }
  });
  it('an unknown include at server level cannot change a location with its own add_header; in the location it can', () => {
    expect(acao(locationPolicy(body('include /etc/nginx/conf.d/common.conf;', 'server')), 'https://attacker.invalid')).toMatchObject({ uncertain: false });
    expect(acao(locationPolicy(body('include /etc/nginx/conf.d/common.conf;', 'location')), 'https://attacker.invalid')).toMatchObject({ uncertain: true });
  });
});

describe('templates', () => {
  it('Go-template control lines do not swallow the blocks they wrap; ERB and Helm values are unknown at their place', () => {
    const text = 'server {\n{{ if .Values.cors }}\n    location /api/ {\n        add_header Access-Control-Allow-Origin <%= @origin %> always;\n        add_header Access-Control-Allow-Credentials {{ .Values.creds }} always;\n        proxy_pass http://app;\n    }\n{{ end }}\n}\n';
    const result = lint([{ path: 'site.conf.tpl.conf', text }]);
    expect(result.diagnostics.filter((d) => d.ruleId === 'parse-error')).toEqual([]);
    const policy = result.policies.find((p) => p.scope.path === '/api/')!;
    expect(policy.origins).toMatchObject([{ kind: 'unknown', loc: { line: 4, column: 48, endColumn: 62 } }]);
    expect(policy.credentials).toMatchObject({ value: 'unknown', loc: { line: 5, column: 53 } });
  });
});

/** CPU time, not wall time: the test machine is shared. */
function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

describe('hostile input stays bounded', () => {
  it('10,000 ifs in one location', () => {
    const ifs = Array.from({ length: 10_000 }, (_, i) => `    if ($http_x_h${i} = "v") {\n        set $f${i} "1";\n    }`).join('\n');
    const text = `location /api/ {\n${ifs}\n    add_header Access-Control-Allow-Origin $http_origin always;\n    proxy_pass http://app;\n}\n`;
    const started = process.cpuUsage();
    const result = lint([{ path: 'site.conf', text }]);
    expect(cpuSeconds(started)).toBeLessThan(5);
    expect(result.policies.length).toBe(1);
  });

  it('1,000 nested blocks and malformed conditions: located diagnostics, no crash', () => {
    const deep = `${'location /a/ {\n'.repeat(1000)}add_header Access-Control-Allow-Origin * always;\n${'}\n'.repeat(1000)}`;
    const started = process.cpuUsage();
    const deepResult = lint([{ path: 'deep.conf', text: deep }]);
    expect(cpuSeconds(started)).toBeLessThan(5);
    expect(deepResult.diagnostics.filter((d) => d.ruleId === 'parse-error').length).toBeGreaterThan(0);
    const malformed = 'location /api/ {\n    if ($http_origin ~ ) {\n        add_header Access-Control-Allow-Origin $http_origin always;\n    }\n    if (($http_origin = "x") {\n        return 204;\n    }\n    if () {\n    }\n    proxy_pass http://app;\n}\n';
    expect(() => lint([{ path: 'bad.conf', text: malformed }])).not.toThrow();
  });
});

describe('a chain of flag-setting origin tests', () => {
  it('guards the grant by each test once, however many paths ran it', () => {
    const count = 60;
    const tests = Array.from({ length: count }, (_, i) => `    if ($http_origin ~* "^https://app${i}\\.example\\.com$") {\n        set $cors 1;\n    }\n`).join('');
    const text = `location /api/ {\n${tests}    if ($cors) {\n        add_header Access-Control-Allow-Origin $http_origin always;\n    }\n    proxy_pass http://app;\n}\n`;
    const program = locationPolicy(text).headerProgram as NginxProgram;
    const explored = program.explore({ origin: 'https://attacker.invalid', anyOrigin: true, method: 'GET', appStatus: 200 });
    const granted = explored!.outcomes.filter((outcome) => outcome.headers.length > 0);
    expect(granted.length).toBeGreaterThan(0);
    for (const outcome of granted) {
      const written = outcome.guards.flatMap((guard) => (guard.kind === 'one-of' ? guard.tests : [guard]));
      // Each `if` once: paths that ran the same test share its guard (a copy per path grew as n²/2).
      expect(written.length).toBe(count);
    }
  });

  it('ends in one state per flag value: an if that only sets variables configures the response as its location does', () => {
    const count = 40;
    const tests = Array.from({ length: count }, () => `    if ($http_origin ~* "^https://app\\.example\\.com$") { set $cors 1; }\n`).join('');
    const text = `location /api/ {\n${tests}    add_header Access-Control-Allow-Origin $http_origin always;\n    proxy_pass http://app;\n}\n`;
    const program = locationPolicy(text).headerProgram as NginxProgram;
    const explored = program.explore({ origin: 'https://attacker.invalid', anyOrigin: true, method: 'GET', appStatus: 200 });
    // $cors set or not: two request states, not one per if block that set it (41 before).
    expect(explored!.outcomes.length).toBeLessThanOrEqual(2);
  });
});
