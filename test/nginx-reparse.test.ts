import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import { parseNginx, parseNginxState, reparseNginx, type NginxDirective, type NginxParseState } from '../src/extract/nginx/parse.js';
import { NginxWorkspace } from '../src/extract/nginx/workspace.js';
import { generateConfig } from './helpers/nginx-grammar.js';

/**
 * The language server's nginx parse after an edit (reparseNginx reads only the block the edit is
 * in, and reuses or moves the rest) must equal a parse from scratch, whatever the edit: inside one
 * block or across blocks, adding or removing lines, braces, quotes, comments, Lua blocks.
 */
const HAND_WRITTEN = [
  [
    'map $http_origin $cors {',
    '  default "";',
    '  "~^https://(www\\.)?example\\.com$" $http_origin;',
    '}',
    'server {',
    '  server_name api.example.com;',
    '  if ($request_method = OPTIONS) { return 204; }',
    ...Array.from({ length: 8 }, (_, i) => [
      `  location /r${i}/ {`,
      `    add_header Access-Control-Allow-Origin ${i % 2 ? '$cors' : '"https://app.example.com"'} always; # origin`,
      '    if ($http_origin ~* "^https://x") {',
      '      set $ok 1;',
      '    }',
      i % 3 === 0 ? '    content_by_lua_block { ngx.say("}") -- } \n    }' : '    proxy_pass http://app;',
      i === 4 ? '  } # end' : '  }',
    ].join('\n')),
    '}',
    'server { listen 80; location / { return 200; } }',
    '',
  ].join('\n'),
  ['http {', '  server {', '    location /a {', '      location /a/b {', '        add_header X 1;', '      }', '    }', '\r\n    location /c { add_header Y "a;b"; }', '  }', '}', 'events {}', ''].join('\n'),
  ['server {', '  vim sites-available/api.conf', '  location /x/ {', '    add_header Access-Control-Allow-Origin *', '    return 204;', '  }', '  location /y/ {', "    add_header 'A' 'b' always;", '  }', '}', ''].join('\n'),
];

const PIECES = ['\n', '\r\n', ' ', '  ', ';', '{', '}', '"', "'", '#', '\\', 'x', '$', '${a}', 'add_header Access-Control-Allow-Origin *;', 'location /z/ {', 'location /z/ { return 204; }', '}\n', 'if ($a) {', 'server {', 'content_by_lua_block {', '--[[', ']]', 'include a.conf;', 'set $v 1;', 'proxy_pass http://app', 'a', 'b', '1', '/', '_', '.', 'on', ' always', 'Origin', '\t'];

function allDirectives(list: NginxDirective[], out = new Set<NginxDirective>()): Set<NginxDirective> {
  for (const directive of list) {
    out.add(directive);
    if (directive.block) allDirectives(directive.block, out);
  }
  return out;
}

const edit = fc.record({
  at: fc.nat(),
  remove: fc.nat({ max: 16 }),
  insert: fc.array(fc.nat({ max: 1000 }), { maxLength: 3 }),
});

describe('nginx reparse after an edit (language server)', () => {
  it('equals a parse from scratch after random edits, and reuses what it can', () => {
    const texts = [...HAND_WRITTEN, ...[3, 17, 29, 41].map((seed) => generateConfig(seed).text)];
    let reused = 0;
    let edits = 0;
    fc.assert(
      fc.property(fc.nat({ max: texts.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 10 }), (which, steps) => {
        let text = texts[which];
        let state: NginxParseState = parseNginxState(text, 'site.conf');
        for (const { at, remove, insert } of steps) {
          const offset = at % (text.length + 1);
          text = text.slice(0, offset) + insert.map((i) => PIECES[i % PIECES.length]).join('') + text.slice(offset + remove);
          const before = allDirectives(state.result.directives);
          state = reparseNginx(state, text, 'site.conf');
          expect(state.result).toEqual(parseNginx(text, 'site.conf'));
          edits++;
          if ([...allDirectives(state.result.directives)].some((directive) => before.has(directive))) reused++;
        }
      }),
      { numRuns: 300, seed: 14 },
    );
    // Not a test that cannot fail: many edits land inside a block, which is read again on its own.
    expect(reused).toBeGreaterThan(edits / 10);
  });

  it('typing a line into a location of a large server reads only that location', () => {
    const locations = Array.from({ length: 200 }, (_, i) => `  location /r${i}/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n  }`).join('\n');
    let text = `server {\n  server_name api.example.com;\n${locations}\n}\n`;
    let state = parseNginxState(text, 'api.conf');
    const anchor = text.indexOf('always;', text.length / 2) + 'always;'.length;
    const typed = '\n    add_header Access-Control-Max-Age 600 always;';
    for (let i = 1; i <= typed.length; i++) {
      const next = text.slice(0, anchor) + typed.slice(0, i) + text.slice(anchor + i - 1);
      const previous = state;
      state = reparseNginx(state, next, 'api.conf');
      text = next;
      expect(state.result).toEqual(parseNginx(text, 'api.conf'));
      const [server] = state.result.directives;
      const [oldServer] = previous.result.directives;
      // Every location but the one typed in is the same object when no line was added, or a moved copy when one was.
      const same = server.block!.filter((directive, index) => directive === oldServer.block![index]).length;
      if (i === 1) expect(same).toBeGreaterThan(50);
      else expect(same).toBe(server.block!.length - 1);
    }
  });

  it('the workspace parses from the last parse only while a parse cache is active', () => {
    const files = new Map([['a.conf', HAND_WRITTEN[0]]]);
    const cache = new ParseCache();
    const first = withParseCache(cache, () => new NginxWorkspace(files).parse('a.conf'));
    expect(withParseCache(cache, () => new NginxWorkspace(files).parse('a.conf'))).toBe(first);
    expect(new NginxWorkspace(files).parse('a.conf')).not.toBe(first);
    expect(new NginxWorkspace(files).parse('a.conf')).toEqual(first);
  });
});
