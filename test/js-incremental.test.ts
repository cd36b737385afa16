import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import { JsParseStreams, jsParseSetup, parseOnce } from '../src/extract/js/extract.js';
import { INCREMENTAL, incrementalStats } from '../src/extract/js/incremental.js';

/**
 * The language server parses an edited JS/TS file incrementally (src/extract/js/incremental.ts):
 * only the top-level statements an edit touched are parsed again. After any edit sequence — the
 * half-typed, syntax-error states included — the tree (and errors, or the thrown error) must be
 * what a full parse of the same text gives, and the diagnostics those of a lint from scratch.
 */
const ROOT = join(import.meta.dirname, '..');

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (/\.(c|m)?[jt]sx?$/.test(name)) out.push(path);
  }
  return out;
}

const EXPRESS = [
  "const express = require('express');",
  "const cors = require('cors');",
  'const app = express();',
  "app.use(cors({ origin: ['https://app.example.com'], credentials: true }));",
  ...Array.from({ length: 40 }, (_, i) => `app.get('/r${i}', (req, res) => res.json({ id: ${i} }));`),
  'function allowed(origin) {',
  "  return origin.endsWith('.example.com');",
  '}',
  "app.options('/upload', cors({ origin: allowed, credentials: true }));",
  'app.listen(3000);',
  '',
].join('\n');

const NEST = [
  "import { NestFactory } from '@nestjs/core';",
  "import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface';",
  "import { AppModule } from './app.module';",
  'interface Config { origins: string[]; credentials?: boolean }',
  "type Origin = string | RegExp;",
  "const config: Config = { origins: ['https://a.example.com'], credentials: true };",
  'enum Mode { Open, Closed }',
  ...Array.from({ length: 25 }, (_, i) => `export const handler${i} = async (req: Request): Promise<Response> => new Response(String(${i}));`),
  'class Service<T> {',
  '  constructor(private readonly value: T) {}',
  '  get(): T { return this.value; }',
  '}',
  'export const corsOptions: CorsOptions = { origin: config.origins, credentials: config.credentials };',
  'async function bootstrap() {',
  '  const app = await NestFactory.create(AppModule);',
  '  app.enableCors(corsOptions);',
  '  await app.listen(3000);',
  '}',
  'bootstrap();',
  '',
].join('\n');

const JSX = [
  "import React from 'react';",
  ...Array.from({ length: 20 }, (_, i) => `const C${i} = () => <div className="c${i}">{${i}}</div>;`),
  'function App() {',
  '  return <main>{[1, 2].map((n) => <C1 key={n} />)}</main>;',
  '}',
  "fetch('/api', { mode: 'cors', credentials: 'include' });",
  'export default App;',
  '',
].join('\n');

const PIECES = [
  '\n', ' ', ';', '{', '}', '(', ')', '[', ']', "'", '"', '`', '${', '/', '//', '/*', '*/', ',', '=>', '<', '>', '<div>', '</div>', 'x', ':', '?', '.', '\\',
  'const y = 1;', 'let app = 2;', 'var x;', 'function f() {}', 'class A {}', 'if (a) b', 'else', 'await x;', 'import x from "y";', 'export const z = 1;',
  "'use strict';", '#!/usr/bin/env node\n', 'import.meta', 'import.m(', 'type T = {a: 1}', 'interface I {}', 'f<T>(x)', '@flow', '\u2028', '010', 'with (a) {}',
  "app.post('/items', (req, res) => res.status(201).json(req.body));", "origin: '*'", 'credentials: true', 'cors()', 'app.use(', 'return',
];

/** A full parse's outcome, as plain data (the tree without comments, which nothing reads). */
function snapshot(outcome: { ast?: object; failure?: unknown }): string {
  if (outcome.failure || !outcome.ast) {
    const failure = outcome.failure as { message?: string; pos?: number };
    return JSON.stringify({ failure: failure?.message, pos: failure?.pos });
  }
  const errors = ((outcome.ast as { errors?: Array<{ message: string; pos: number }> }).errors ?? []).map((error) => [error.message, error.pos]);
  return JSON.stringify({ errors, ast: outcome.ast }, (key, value) => (key === 'comments' || key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments' || key === 'errors' ? undefined : value));
}

function checkSequence(path: string, initial: string, edits: Array<{ at: number; remove: number; insert: number[]; typed: boolean }>): void {
  const { isTs, plugins } = jsParseSetup(path);
  const streams = new JsParseStreams(path);
  let text = initial;
  const compare = () => {
    const incremental = streams.parse(text, isTs, plugins);
    if (!incremental) return; // the streams declined: the caller parses in full
    expect(snapshot(incremental), `${path} after edits, text:\n${text}`).toBe(snapshot(parseOnce({ path, text }, isTs, plugins)));
  };
  compare();
  for (const { at, remove, insert, typed } of edits) {
    const offset = Math.floor(at * text.length);
    const inserted = insert.map((i) => PIECES[i % PIECES.length]).join('');
    text = text.slice(0, offset) + text.slice(offset + remove);
    if (typed) {
      // Keystroke by keystroke: every half-typed state is parsed.
      for (let i = 1; i <= inserted.length; i++) {
        const state = text.slice(0, offset) + inserted.slice(0, i) + text.slice(offset);
        const saved = text;
        text = state;
        compare();
        text = saved;
      }
    }
    text = text.slice(0, offset) + inserted + text.slice(offset);
    compare();
  }
}

const edits = fc.array(
  fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), remove: fc.nat({ max: 30 }), insert: fc.array(fc.nat({ max: 1000 }), { maxLength: 3 }), typed: fc.boolean() }),
  { minLength: 1, maxLength: 8 },
);

describe('incremental JS/TS parsing equals a full parse', () => {
  const saved = INCREMENTAL.minText;
  beforeAll(() => {
    INCREMENTAL.minText = 0;
  });
  afterAll(() => {
    INCREMENTAL.minText = saved;
  });

  for (const [path, text, seed] of [['server.js', EXPRESS, 1], ['main.ts', NEST, 2], ['app.jsx', JSX, 3], ['main.mjs', EXPRESS.replace(/require\('(\w+)'\)/g, "await import('$1')"), 4], ['page.tsx', JSX, 5]] as const) {
    it(`${path}: random edit sequences, typed keystroke by keystroke`, () => {
      fc.assert(fc.property(edits, (sequence) => checkSequence(path, text, sequence)), { numRuns: 15, seed });
    }, 120_000);
  }

  it('the JS/TS fixtures: random edit sequences', () => {
    const all = files(join(ROOT, 'fixtures'));
    fc.assert(
      fc.property(fc.nat({ max: all.length - 1 }), edits, (index, sequence) => checkSequence(all[index].slice(ROOT.length + 1), readFileSync(all[index], 'utf8'), sequence)),
      { numRuns: 40, seed: 7 },
    );
  }, 120_000);

  it('fuzz finds kept as cases: `import.m` is no import.meta (the module label stays script)', () => {
    const at = EXPRESS.indexOf("require('cors')") + 'require'.length;
    const inserted = `${EXPRESS.slice(0, at)}import x from "y";import.m${EXPRESS.slice(at)}`;
    const { isTs, plugins } = jsParseSetup('server.js');
    const streams = new JsParseStreams('server.js');
    streams.parse(EXPRESS, isTs, plugins);
    expect(snapshot(streams.parse(inserted, isTs, plugins)!)).toBe(snapshot(parseOnce({ path: 'server.js', text: inserted }, isTs, plugins)));
  });

  it('an edit in a large file is parsed incrementally (a window of statements, not the file)', () => {
    const big = Array.from({ length: 2000 }, (_, i) => `app.get('/r${i}', (req, res) => res.json({ id: ${i} }));`).join('\n');
    const { isTs, plugins } = jsParseSetup('server.js');
    const streams = new JsParseStreams('server.js');
    streams.parse(big, isTs, plugins);
    const before = { ...incrementalStats };
    const middle = big.indexOf("app.get('/r1000'");
    const edited = `${big.slice(0, middle)}x${big.slice(middle)}`;
    const outcome = streams.parse(edited, isTs, plugins)!;
    expect(snapshot(outcome)).toBe(snapshot(parseOnce({ path: 'server.js', text: edited }, isTs, plugins)));
    expect(incrementalStats.incremental).toBeGreaterThan(before.incremental);
    expect(incrementalStats.full).toBe(before.full);
    // Only a few statements were parsed again.
    expect(incrementalStats.statementsParsed - before.statementsParsed).toBeLessThan(10);
  });
});

describe('language server lint of JS/TS equals a lint from scratch', () => {
  const saved = INCREMENTAL.minText;
  beforeAll(() => {
    INCREMENTAL.minText = 0;
  });
  afterAll(() => {
    INCREMENTAL.minText = saved;
  });
  const result = (path: string, text: string, cache?: ParseCache) => {
    const run = () => lint([{ path, text }], { host: {} });
    const { diagnostics, policies } = cache ? withParseCache(cache, run) : run();
    return JSON.stringify({ diagnostics, policies });
  };
  for (const [path, text, seed] of [['server.js', EXPRESS, 11], ['main.ts', NEST, 12]] as const) {
    it(`${path}: diagnostics and policies after random edits`, () => {
      fc.assert(
        fc.property(edits, (sequence) => {
          const cache = new ParseCache();
          let current = text;
          result(path, current, cache);
          for (const { at, remove, insert } of sequence) {
            const offset = Math.floor(at * current.length);
            current = current.slice(0, offset) + insert.map((i) => PIECES[i % PIECES.length]).join('') + current.slice(offset + remove);
            expect(result(path, current, cache)).toBe(result(path, current));
          }
        }),
        { numRuns: 12, seed },
      );
    }, 120_000);
  }
});
