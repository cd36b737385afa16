/**
 * A small grammar of the nginx CORS idioms people write by hand (issue 11): conditional
 * allowlists (`set` + `if ($http_origin ~ …)`), `=` comparisons, flag variables, concatenated
 * state, `map $http_origin` and `map $host` values, per-method `if`s, OPTIONS blocks that return
 * 204 with or without their own `add_header`, server-level headers a location may lose, headers
 * with and without `always`, stock includes, and three content handlers (proxy, static, return).
 * One seed gives one server block; the differential test serves many at once on one nginx.
 */

import { prng } from '../../src/engine/fuzz.js';

export interface GeneratedConfig {
  seed: number;
  /** `http`-level text: maps and one server block, with __PORT__, __UPSTREAM__ and __ROOT__ placeholders. */
  text: string;
  serverName: string;
  /** Origins the config means to allow (attackers are derived from them). */
  allowed: string[];
  handler: 'proxy' | 'static' | 'return';
  /** Short description of the idioms drawn, for reports. */
  idioms: string[];
}

const POOL = ['https://app.example.com', 'https://admin.example.org', 'http://localhost:3000', 'https://shop.example.net'];

function escapeDots(text: string): string {
  return text.replace(/\./g, '\\.');
}

/** An origin regex written the ways people write them, defects included. */
function regexFor(origin: string, pick: <T>(items: T[]) => T): string {
  const [scheme, rest] = origin.split('://');
  const host = rest;
  const variants = [
    `^${scheme}://${escapeDots(host)}$`,
    `^${scheme}://${escapeDots(host)}`,
    `${scheme}://${escapeDots(host)}`,
    `^${scheme}://${host.replace('.', '@').replace(/\./g, '\\.').replace('@', '.')}$`,
    `^https?://${escapeDots(host)}$`,
    `^${scheme}://([a-z0-9-]+\\.)?${escapeDots(host.split('.').slice(-2).join('.'))}$`,
    `^${scheme}://(www\\.)?${escapeDots(host)}(:[0-9]+)?$`,
  ];
  return pick(variants);
}

export function generateConfig(seed: number): GeneratedConfig {
  const random = prng(seed);
  const chance = (p: number) => random() < p;
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const id = `g${seed}`;
  const serverName = `${id}.test`;
  const idioms: string[] = [];
  const allowed = [...new Set([pick(POOL), ...(chance(0.4) ? [pick(POOL)] : [])])];
  const always = () => (chance(0.6) ? ' always' : '');
  const q = (text: string) => `"${text}"`;
  const maps: string[] = [];
  const server: string[] = [];
  const location: string[] = [];
  const headerLines: string[] = [];
  const credentials = chance(0.5);

  // Where Allow-Origin's value comes from.
  let acao: string;
  const style = pick(['set-if-regex', 'set-if-exact', 'flag', 'concat', 'map', 'map-host', 'constant', 'star', 'reflect', 'fixed-default', 'geo', 'negated', 'capture']);
  idioms.push(style);
  let flagBlock: { condition: string } | undefined;
  switch (style) {
    case 'set-if-regex': {
      location.push(`set $cors_${id} "";`);
      for (const origin of allowed) location.push(`if ($http_origin ${pick(['~', '~*'])} ${q(regexFor(origin, pick))}) {`, `    set $cors_${id} $http_origin;`, '}');
      acao = `$cors_${id}`;
      break;
    }
    case 'set-if-exact': {
      location.push(`set $cors_${id} "";`);
      for (const origin of allowed) location.push(`if ($http_origin = ${q(origin)}) {`, `    set $cors_${id} $http_origin;`, '}');
      acao = `$cors_${id}`;
      break;
    }
    case 'flag': {
      location.push(`set $ok_${id} "";`);
      const origin = allowed[0];
      location.push(`if ($http_origin ${pick(['~', '~*'])} ${q(regexFor(origin, pick))}) {`, `    set $ok_${id} "yes";`, '}');
      if (chance(0.3)) location.push(`if ($http_x_tenant = "beta") {`, `    set $ok_${id} "yes";`, '}');
      flagBlock = { condition: `$ok_${id} = "yes"` };
      acao = '$http_origin';
      break;
    }
    case 'concat': {
      location.push(`set $cors_${id} "";`);
      location.push(`if ($http_origin ${pick(['~', '~*'])} ${q(regexFor(allowed[0], pick))}) {`, `    set $cors_${id} "true";`, '}');
      location.push(`if ($request_method = 'OPTIONS') {`, `    set $cors_${id} "\${cors_${id}}options";`, '}');
      location.push(`if ($cors_${id} = "trueoptions") {`);
      location.push(`    add_header Access-Control-Allow-Origin $http_origin${always()};`);
      location.push(`    add_header Access-Control-Allow-Methods "GET, PUT, OPTIONS";`);
      location.push(`    add_header Access-Control-Allow-Headers "Authorization, Content-Type";`);
      if (credentials) location.push(`    add_header Access-Control-Allow-Credentials "true";`);
      location.push('    return 204;', '}');
      flagBlock = { condition: `$cors_${id} = "true"` };
      acao = '$http_origin';
      break;
    }
    case 'map': {
      const lines = [`map $http_origin $cors_${id} {`, `    default ${chance(0.15) ? '$http_origin' : '""'};`];
      for (const origin of allowed) lines.push(chance(0.5) ? `    ${q(`~${chance(0.5) ? '*' : ''}${regexFor(origin, pick)}`)} $http_origin;` : `    ${q(origin)} $http_origin;`);
      lines.push('}');
      maps.push(lines.join('\n'));
      acao = `$cors_${id}`;
      break;
    }
    case 'map-host': {
      maps.push([`map $host $front_${id} {`, `    default ${q(allowed[0])};`, '}'].join('\n'));
      acao = `$front_${id}`;
      break;
    }
    case 'geo': {
      maps.push([`geo $geo_${id} {`, `    default ${q(allowed[0])};`, `    10.0.0.0/8 ${q(allowed[0])};`, '}'].join('\n'));
      acao = `$geo_${id}`;
      break;
    }
    case 'negated': {
      location.push(`set $cors_${id} $http_origin;`);
      location.push(`if ($http_origin ${pick(['!~', '!~*'])} ${q(regexFor(allowed[0], pick))}) {`, `    set $cors_${id} "";`, '}');
      acao = `$cors_${id}`;
      break;
    }
    case 'capture': {
      location.push(`set $cors_${id} "";`);
      location.push(`if ($http_origin ~* "^(${escapeDots(allowed[0])})(/?)$") {`, `    set $cors_${id} $1;`, '}');
      acao = `$cors_${id}`;
      break;
    }
    case 'constant':
      acao = q(allowed[0]);
      break;
    case 'star':
      acao = '"*"';
      break;
    case 'reflect':
      acao = '$http_origin';
      break;
    default: {
      // A fixed default with one origin let through as itself (ni04).
      location.push(`set $cors_${id} ${q(allowed[0])};`);
      location.push(`if ($http_origin = ${q(allowed.at(-1)!)}) {`, `    set $cors_${id} $http_origin;`, '}');
      acao = `$cors_${id}`;
    }
  }

  headerLines.push(`add_header Access-Control-Allow-Origin ${acao}${always()};`);
  if (credentials) headerLines.push(`add_header Access-Control-Allow-Credentials true${always()};`);
  if (chance(0.5)) headerLines.push(`add_header Access-Control-Allow-Methods "GET, POST, PUT"${always()};`);
  if (chance(0.4)) headerLines.push(`add_header Access-Control-Allow-Headers "Authorization, Content-Type"${always()};`);
  if (chance(0.4)) headerLines.push(`add_header Vary Origin${always()};`);
  if (chance(0.2)) headerLines.push(`add_header Access-Control-Expose-Headers X-Request-Id${always()};`);

  // Where the headers sit: in the location, at server level, in the flag's if block, or behind a per-method if.
  const placement = flagBlock ? 'flag-if' : pick(['location', 'location', 'server', 'server-partial', 'method-if', 'more-set-headers']);
  idioms.push(placement);
  if (placement === 'flag-if') {
    location.push(`if (${flagBlock!.condition}) {`, ...headerLines.map((line) => `    ${line}`), '}');
  } else if (placement === 'location') {
    location.push(...headerLines);
  } else if (placement === 'more-set-headers') {
    // headers-more: sets (replaces) on every status unless -s limits it.
    for (const line of headerLines) {
      const match = /^add_header (\S+) (.+?)( always)?;$/.exec(line)!;
      const value = match[2].replace(/^"(.*)"$/, '$1');
      location.push(`more_set_headers${match[3] ? '' : ' -s "200 204"'} '${match[1]}: ${value}';`);
    }
  } else if (placement === 'server') {
    server.push(...headerLines);
  } else if (placement === 'server-partial') {
    server.push(...headerLines);
    location.push(`add_header Access-Control-Max-Age 600${always()};`);
  } else {
    const test = pick([`$request_method = PUT`, `$request_method = PUT|PATCH|DELETE`, `$request_method ~ ^(PUT|PATCH)$`, `$request_method = GET`, `$request_method != OPTIONS`]);
    idioms.push(`method ${test}`);
    location.push(`if (${test}) {`, ...headerLines.map((line) => `    ${line}`), '}');
  }

  // An OPTIONS block, before or after the rest, with none, some or all headers of its own.
  if (style !== 'concat' && chance(0.55)) {
    const own = pick(['none', 'content-length', 'max-age', 'full']);
    idioms.push(`options-${own}`);
    const block = [`if ($request_method = OPTIONS) {`];
    // The real idiom adds Content-Length 0 too; Node's HTTP client refuses the duplicate that gives, and the header is not CORS either way.
    if (own === 'content-length') block.push('    add_header Content-Type text/plain;');
    if (own === 'max-age') block.push('    add_header Access-Control-Max-Age 600;');
    if (own === 'full') {
      block.push(`    add_header Access-Control-Allow-Origin ${acao};`, `    add_header Access-Control-Allow-Methods "GET, PUT";`, `    add_header Access-Control-Allow-Headers "Authorization";`);
      if (credentials && chance(0.5)) block.push('    add_header Access-Control-Allow-Credentials true;');
    }
    block.push(`    return ${pick(['204', '204', '200'])};`, '}');
    if (chance(0.5)) location.unshift(...block);
    else location.push(...block);
  }

  // Server-level rewrite: a refused origin, or a redirect that never fires.
  if (chance(0.25)) {
    idioms.push('server-if');
    server.push(pick([`if ($http_origin = "null") {\n        return 403;\n    }`, `if ($http_x_forwarded_proto = "http") {\n        return 301 https://$host$request_uri;\n    }`, `set $srv_${id} "x";`]));
  }
  if (chance(0.15)) location.push(pick(['include /etc/nginx/proxy_params;', 'include /etc/nginx/mime.types;']));
  const handler = pick(['proxy', 'proxy', 'static', 'return'] as const);
  // (A `break` before `return` would skip it and leave nginx's default root serving: not this grammar's business.)
  if (handler !== 'return' && chance(0.1)) location.push('break;');
  idioms.push(handler);
  if (handler === 'proxy') location.push('proxy_pass http://127.0.0.1:__UPSTREAM__;');
  else if (handler === 'static') location.push('root __ROOT__;');
  else location.push('return 200 "ok";');

  const indent = (lines: string[], pad: string) => lines.flatMap((line) => line.split('\n')).map((line) => `${pad}${line}`).join('\n');
  const text = [
    ...maps,
    'server {',
    '    listen 127.0.0.1:__PORT__;',
    `    server_name ${serverName};`,
    server.length ? indent(server, '    ') : '',
    '    location /api/ {',
    indent(location, '        '),
    '    }',
    '}',
  ]
    .filter((line) => line !== '')
    .join('\n');
  return { seed, text, serverName, allowed, handler, idioms };
}

/** The attacker-origin matrix for one config: allowed, foreign, null, suffix/prefix/dot bypasses of its own origins, the http twin. */
export function originsFor(config: GeneratedConfig): string[] {
  const out = new Set<string>(['https://attacker.invalid', 'null']);
  for (const origin of config.allowed) {
    out.add(origin);
    const match = /^(https?):\/\/([^/:]+)(:\d+)?$/.exec(origin)!;
    const [, scheme, host, port = ''] = match;
    out.add(`${scheme}://${host}.attacker.invalid${port}`);
    out.add(`${scheme}://attacker${host.split('.').slice(-2).join('.')}${port}`);
    if (host.includes('.')) out.add(`${scheme}://${host.replace('.', 'x')}${port}`);
    out.add(`${scheme === 'https' ? 'http' : 'https'}://${host}${port}`);
    out.add(`${scheme}://www.${host}${port}`);
  }
  return [...out];
}
