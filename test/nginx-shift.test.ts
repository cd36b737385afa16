import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import type { PolicyMemo } from '../src/engine/policy-memo.js';

/**
 * An Enter or a Backspace typed inside one block of an nginx file moves the lines below it and
 * nothing else: the language server hands out each other location's last policy moved by that
 * shift, with its rules' findings (engine/policy-memo.ts shiftPolicy, extract.ts shiftedPlace),
 * instead of working them out again. After any sequence of such edits (and others: inside, before,
 * between and after blocks, with LF and CRLF line ends) the findings and policies must be those of a
 * lint from scratch, and a shift that put one position on a wrong line would fail here.
 */

const MAIN = 'nginx/site.conf';
const SNIPPET = 'nginx/snippets/cors.conf';

/** Locations with findings (reflected Origin, credentials, typos, an inheritance loss naming a server line), includes, if blocks. */
function site(count: number): string {
  const locations = Array.from({ length: count }, (_, i) =>
    [
      `  location /r${i}/ {`,
      // A location with a header of its own but no CORS header loses the server's (a finding naming the server's line).
      i % 4 === 1 ? '    add_header X-Frame-Options DENY;' : `    add_header Access-Control-Allow-Origin ${['$http_origin', 'https://app.example.com', '$cors', 'https://app.exmaple.com', '*'][i % 5]} always;`,
      ...(i % 3 === 0 ? ['    add_header Access-Control-Allow-Credentials true always;'] : []),
      ...(i % 7 === 2 ? ['    include snippets/cors.conf;'] : []),
      ...(i % 6 === 4 ? ['    if ($request_method = OPTIONS) { add_header Access-Control-Max-Age 600; return 204; }'] : []),
      '    proxy_pass http://app;',
      '  }',
    ].join('\n'),
  );
  return [
    'map $http_origin $cors {',
    '  default "";',
    '  "https://app.example.com" $http_origin;',
    '}',
    'server {',
    '  server_name api.example.com;',
    '  add_header X-Content-Type-Options nosniff;',
    ...locations.slice(0, count / 2),
    '  if ($http_x_debug) { set $cors ""; }',
    ...locations.slice(count / 2),
    // A server-level CORS header below the locations: a shift moves the line their inheritance findings name.
    '  add_header Access-Control-Expose-Headers X-Total always;',
    '}',
    'server {',
    '  server_name www.example.com;',
    '  location / { add_header Access-Control-Allow-Origin $http_origin; add_header Access-Control-Allow-Credentials true; }',
    '}',
    '',
  ].join('\n');
}

const SNIPPET_TEXT = 'add_header Vary Origin always;\nadd_header Access-Control-Allow-Methods "GET, POST" always;\n';

function result(text: string, cache?: ParseCache): string {
  const read = (path: string) => (path === SNIPPET ? SNIPPET_TEXT : undefined);
  const run = () => lint([{ path: MAIN, text }], { host: { readFile: read }, ...(cache ? {} : { policyMemo: false }) });
  const { diagnostics, policies, skipped } = cache ? withParseCache(cache, run) : run();
  // A header program holds the parse and its own caches: compared by what it answers, through the rules.
  return JSON.stringify({ diagnostics, policies: policies.map(({ headerProgram: _program, ...policy }) => policy), skipped });
}

/** Line-moving edits mostly (Enter, Backspace at a line start, a pasted or deleted line), at a line of the file, with some typing. */
const step = fc.record({
  kind: fc.constantFrom('enter', 'enter', 'enter-indented', 'join', 'join', 'blank-lines', 'delete-line', 'type', 'brace'),
  // Fractions of the file and of the line, spread evenly (fc.double favours values near 0: the first line).
  line: fc.nat({ max: 9999 }).map((n) => n / 10000),
  column: fc.nat({ max: 9999 }).map((n) => n / 10000),
});

function apply(text: string, { kind, line, column }: { kind: string; line: number; column: number }, eol: string): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const index = Math.min(starts.length - 1, Math.floor(line * starts.length));
  const start = starts[index];
  const end = index + 1 < starts.length ? starts[index + 1] - eol.length : text.length;
  const at = start + Math.floor(column * (end - start + 1));
  switch (kind) {
    case 'enter':
      return `${text.slice(0, at)}${eol}${text.slice(at)}`;
    case 'enter-indented':
      return `${text.slice(0, at)}${eol}    ${text.slice(at)}`;
    case 'join':
      // Backspace at the start of the line: it joins the line above.
      return start >= eol.length ? `${text.slice(0, start - eol.length)}${text.slice(start)}` : text;
    case 'blank-lines':
      return `${text.slice(0, start)}${eol}${eol}${text.slice(start)}`;
    case 'delete-line':
      return `${text.slice(0, start)}${text.slice(index + 1 < starts.length ? starts[index + 1] : text.length)}`;
    case 'brace':
      return `${text.slice(0, at)}}${text.slice(at)}`;
    default:
      return `${text.slice(0, at)}x${text.slice(at)}`;
  }
}

describe('nginx: policies moved by an Enter or Backspace (language server)', () => {
  for (const eol of ['\n', '\r\n']) {
    it(`equal a lint from scratch after random line-moving edits (${eol === '\n' ? 'LF' : 'CRLF'})`, () => {
      const base = site(16).replace(/\n/g, eol);
      let shifted = 0;
      let steps = 0;
      fc.assert(
        fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (edits) => {
          const cache = new ParseCache();
          let text = base;
          result(text, cache);
          for (const edit of edits) {
            text = apply(text, edit, eol);
            expect(result(text, cache)).toBe(result(text));
            steps++;
          }
          shifted += cache.get<PolicyMemo>('policy-memo', '')!.stats.shifted;
        }),
        { numRuns: 16, seed: eol === '\n' ? 1401 : 1402 },
      );
      // Not vacuous: most edits are Enters or joins inside a block, each moving the 13 other locations without an include.
      expect(shifted).toBeGreaterThan(steps * 3);
    }, 300_000);
  }

  it('an Enter typed in one location of many moves every other location by the shift, findings included', () => {
    const cache = new ParseCache();
    let text = site(40);
    result(text, cache);
    const memo = () => cache.get<PolicyMemo>('policy-memo', '')!.stats;
    const anchor = text.indexOf('proxy_pass http://app;', text.indexOf('location /r28/')) + 'proxy_pass http://app;'.length;
    const typed = '\n    add_header Access-Control-Max-Age 600 always;\n';
    for (let i = 1; i <= typed.length; i++) {
      const before = { ...memo() };
      text = text.slice(0, anchor) + typed.slice(0, i) + text.slice(anchor + i - 1);
      const enter = typed[i - 1] === '\n';
      // Every Enter and some of the characters typed between them (a lint from scratch of this file takes a while).
      if (enter || i % 8 === 0) expect(result(text, cache), `after ${JSON.stringify(typed.slice(0, i))}`).toBe(result(text));
      else result(text, cache);
      if (!enter) continue;
      // The other locations without an include (33 in the first server, the second server's) moved by the shift, the edited one built again.
      expect(memo().shifted - before.shifted).toBeGreaterThanOrEqual(34);
      expect(memo().built - before.built).toBeLessThanOrEqual(1);
    }
  }, 120_000);

  it('a location shifted with no finding, then a change of the project facts, then a full parse with it back at its old place: as a lint from scratch', () => {
    // The Enter above /shop/ (no finding) leaves a version sharing its records' Map with the one at its
    // old place (policy-memo.ts replayRules). The server_name edit makes the rules that read the project
    // facts run again there (the shared Map is copied on that first record), and the full parse finds
    // /shop/ at its old place by its exact source, with the old version's records. (The records
    // rewritten here hold no finding, so leaving out the copy is not seen by this test.)
    const text = (names: string, enter: boolean, status: number) =>
      [
        'server {',
        '  server_name api.example.com;',
        '  location /top/ {',
        `    proxy_pass http://app;${enter ? '\n' : ''}`,
        '  }',
        '  location /shop/ {',
        '    add_header Access-Control-Allow-Origin https://shop.example.com always;',
        '    proxy_pass http://app;',
        '  }',
        '}',
        'server {',
        `  server_name ${names};`,
        `  location / { return ${status}; }`,
        '}',
        '',
      ].join('\n');
    const cache = new ParseCache();
    const twin = 'www.example.com www.shop.example.com';
    // Open; Enter in /top/ (a shift); the twin served (only server 2 read again); the Enter undone with an edit further down (a full parse).
    const steps = [text('www.example.com', false, 200), text('www.example.com', true, 200), text(twin, true, 200), text(twin, false, 201)];
    for (const [i, step] of steps.entries()) expect(result(step, cache), `step ${i}`).toBe(result(step));
    expect(cache.get<PolicyMemo>('policy-memo', '')!.stats.shifted).toBeGreaterThan(0);
    expect(result(steps[3])).toContain('origin-www-mismatch');
  }, 60_000);
});

describe('nginx: a scripted editing session (language server) equals a lint from scratch at every keystroke', () => {
  it('typing with Enters, Backspaces, edits inside and between servers, and edits of an included snippet', () => {
    // Keystrokes as an editor sends them: each one a small change of the last text, linted with the
    // session's parse cache (as the language server does), compared with a lint from scratch of that
    // text (no cache, no memo) with the snippet as it is at that keystroke.
    let snippet = SNIPPET_TEXT;
    const read = (path: string) => (path === SNIPPET ? snippet : undefined);
    const lintOf = (text: string, cache?: ParseCache) => {
      const run = () => lint([{ path: MAIN, text }], { host: { readFile: read }, ...(cache ? {} : { policyMemo: false }) });
      const { diagnostics, policies, skipped } = cache ? withParseCache(cache, run) : run();
      return JSON.stringify({ diagnostics, policies: policies.map(({ headerProgram: _program, ...policy }) => policy), skipped });
    };
    const cache = new ParseCache();
    let text = site(16);
    lintOf(text, cache);
    let checked = 0;
    const check = (what: string) => {
      expect(lintOf(text, cache), what).toBe(lintOf(text));
      checked++;
    };
    /** Types `typed` at `at` one character at a time (an Enter for each newline), checking each keystroke. */
    const type = (at: number, typed: string, what: string) => {
      for (let i = 0; i < typed.length; i++) {
        text = text.slice(0, at + i) + typed[i] + text.slice(at + i);
        check(`${what}: after ${JSON.stringify(typed.slice(0, i + 1))}`);
      }
    };
    /** Backspaces `count` characters before `at`, checking each keystroke. */
    const erase = (at: number, count: number, what: string) => {
      for (let i = 0; i < count; i++) {
        text = text.slice(0, at - i - 1) + text.slice(at - i);
        check(`${what}: backspace ${i + 1}`);
      }
    };
    const after = (needle: string, from = 0) => {
      const found = text.indexOf(needle, from);
      expect(found, needle).toBeGreaterThanOrEqual(0);
      return found + needle.length;
    };
    // A line typed into a location in the first half (Enter, a header, Enter), then erased again.
    const inside = after('proxy_pass http://app;', text.indexOf('location /r6/'));
    type(inside, '\n    add_header Access-Control-Max-Age 600 always;\n', 'inside /r6/');
    erase(inside + '\n    add_header Access-Control-Max-Age 600 always;\n'.length, 12, 'erasing in /r6/');
    // Enters and Backspaces between two locations (a blank line at server level), and below the if block.
    const between = after('  }\n', text.indexOf('location /r9/'));
    type(between, '\n\n', 'between /r9/ and /r10/');
    erase(between + 2, 2, 'between /r9/ and /r10/');
    type(after('set $cors ""; }'), '\n', 'after the server-level if');
    // An Enter in the second server's location (the first server moves nothing), and between the servers.
    type(after('location / {', text.indexOf('server_name www.example.com')), '\n    ', 'inside the second server');
    type(text.indexOf('server {', text.indexOf('add_header Access-Control-Expose-Headers')), '\n', 'between the servers');
    // An edit of a location that includes the snippet, then of the snippet itself (no keystroke in this file).
    type(after('include snippets/cors.conf;'), '\n    add_header Access-Control-Allow-Headers X-Token always;', 'beside the include');
    snippet = 'add_header Vary Origin always;\nadd_header Access-Control-Allow-Credentials true always;\n';
    check('the snippet edited');
    type(after('proxy_pass http://app;', text.indexOf('location /r14/')), '\n', 'below, after the snippet changed');
    // A line of the server erased across two locations (a join), then the server_name edited (the project facts).
    erase(text.indexOf('  location /r3/'), 1, 'joining a location line');
    type(after('server_name api'), '2', 'the server name');
    expect(checked).toBeGreaterThan(90);
    expect(cache.get<PolicyMemo>('policy-memo', '')!.stats.shifted).toBeGreaterThan(0);
  }, 300_000);
});
