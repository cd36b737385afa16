import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import { blockFactsReads } from '../src/extract/nginx/program.js';

/**
 * The file facts of an nginx file (the variables some `set` declares, whether a directive holds
 * U+0004) are read block by block and kept by block directive (program.ts blockFacts): an edit in
 * the language server reads the edited block again, not the whole file. A `set` typed or deleted in
 * one location changes what an undeclared variable sent by another location is (empty once some
 * `set` declares it), so a stale fact would show here as a finding that a lint from scratch does not
 * give, or the other way round. The includes of each block are kept by block directive too
 * (workspace.ts includesBelow): an include typed or deleted must be seen.
 */

const MAIN = 'nginx/site.conf';
const SNIPPET = 'nginx/snippets/vars.conf';

function site(count: number): string {
  const locations = Array.from({ length: count }, (_, i) =>
    [
      `  location /r${i}/ {`,
      // Variables a `set` elsewhere may declare: undeclared they are unknown, declared they are empty until set here.
      i % 3 === 0 ? '    add_header Access-Control-Allow-Origin $cors_origin always;' : `    add_header Access-Control-Allow-Origin ${i % 3 === 1 ? '$http_origin' : 'https://app.example.com'} always;`,
      ...(i % 3 === 0 ? ['    add_header Access-Control-Allow-Credentials $cors_creds always;'] : []),
      ...(i % 5 === 2 ? ['    if ($http_origin ~* "^https://(www\\.)?example\\.com$") { set $cors_origin $http_origin; }'] : []),
      ...(i % 7 === 3 ? ['    include snippets/vars.conf;'] : []),
      '    proxy_pass http://app;',
      '  }',
    ].join('\n'),
  );
  return ['server {', '  server_name api.example.com;', ...locations, '}', ''].join('\n');
}

const SNIPPET_TEXT = 'set $cors_creds true;\n';

function result(text: string, cache?: ParseCache): string {
  const read = (path: string) => (path === SNIPPET ? SNIPPET_TEXT : undefined);
  const run = () => lint([{ path: MAIN, text }], { host: { readFile: read }, ...(cache ? {} : { policyMemo: false }) });
  const { diagnostics, policies, skipped } = cache ? withParseCache(cache, run) : run();
  return JSON.stringify({ diagnostics, policies: policies.map(({ headerProgram: _program, ...policy }) => policy), skipped });
}

/** Edits at the start of a line inside a location: a `set` or an `include` typed or a line deleted, a U+0004 typed, Enters. */
const step = fc.record({
  kind: fc.constantFrom('set-origin', 'set-creds', 'include', 'delete-line', 'mark', 'enter', 'type'),
  line: fc.nat({ max: 9999 }).map((n) => n / 10000),
});

function apply(text: string, { kind, line }: { kind: string; line: number }): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  // A line inside the server (not its first or last), where a location's directive or brace stands.
  const index = 2 + Math.floor(line * (starts.length - 5));
  const at = starts[index];
  const next = starts[index + 1] ?? text.length;
  switch (kind) {
    case 'set-origin':
      return `${text.slice(0, at)}    set $cors_origin https://app.example.com;\n${text.slice(at)}`;
    case 'set-creds':
      return `${text.slice(0, at)}    set $cors_creds true;\n${text.slice(at)}`;
    case 'delete-line':
      return `${text.slice(0, at)}${text.slice(next)}`;
    case 'include':
      return `${text.slice(0, at)}    include snippets/vars.conf;\n${text.slice(at)}`;
    case 'mark':
      return `${text.slice(0, at)}    add_header X-Mark "a\u0004b";\n${text.slice(at)}`;
    case 'enter':
      return `${text.slice(0, at)}\n${text.slice(at)}`;
    default:
      return `${text.slice(0, at)}x${text.slice(at)}`;
  }
}

describe('nginx file facts kept by block (language server)', () => {
  it('equal a lint from scratch after random edits that declare, undeclare and mark', () => {
    const base = site(14);
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (edits) => {
        const cache = new ParseCache();
        let text = base;
        result(text, cache);
        for (const edit of edits) {
          text = apply(text, edit);
          expect(result(text, cache)).toBe(result(text));
        }
      }),
      { numRuns: 24, seed: 1403 },
    );
  }, 300_000);

  it('a `set` typed in one location is seen by the others, and a keystroke reads only the blocks around the edit', () => {
    const cache = new ParseCache();
    let text = site(40);
    result(text, cache);
    const anchor = text.indexOf('proxy_pass http://app;', text.indexOf('location /r31/'));
    const typed = 'set $cors_origin https://app.example.com;\n    ';
    for (let i = 1; i <= typed.length; i++) {
      const before = blockFactsReads.count;
      text = text.slice(0, anchor) + typed.slice(0, i) + text.slice(anchor + i - 1);
      const incremental = result(text, cache);
      // The edited location and the server around it (the 39 others are kept).
      expect(blockFactsReads.count - before).toBeLessThanOrEqual(3);
      if (typed[i - 1] === ';' || typed[i - 1] === '\n') expect(incremental, `after ${JSON.stringify(typed.slice(0, i))}`).toBe(result(text));
    }
  }, 120_000);
});
