import { describe, expect, it } from 'vitest';
import { lint } from '../src/engine/lint.js';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import { prewarmJsParses } from '../src/extract/js/extract.js';
import { incrementalStats } from '../src/extract/js/incremental.js';

/**
 * The language server starts, right after an opened JS/TS document is linted, the parses its first
 * syntax error needs (the script reading and the two Flow readings, extract.ts prewarmJsParses):
 * the first half-typed line then parses incrementally instead of three times in full. The answers
 * must be those of a lint from scratch at every keystroke.
 */

function document(path: string): string {
  const ts = path.endsWith('.ts');
  const head = ts
    ? "import express from 'express';\nimport cors from 'cors';\nconst app = express();\napp.use(cors({ origin: true, credentials: true }));\n"
    : "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com/'], credentials: true }));\n";
  const route = (i: number) => (ts ? `app.get('/r${i}', (req: express.Request, res: express.Response) => res.json({ id: ${i} }));` : `app.get('/r${i}', (req, res) => res.json({ id: ${i} }));`);
  return `${head}${Array.from({ length: 200 }, (_, i) => route(i)).join('\n')}\n`;
}

function result(path: string, text: string, cache?: ParseCache): string {
  const run = () => lint([{ path, text }], { host: {} });
  const { diagnostics, policies } = cache ? withParseCache(cache, run) : run();
  return JSON.stringify({ diagnostics, origins: policies.map((policy) => policy.origins) });
}

describe('JS/TS parses started after a document is opened (language server)', () => {
  for (const path of ['server.js', 'server.ts']) {
    it(`the first syntax error typed into ${path} is parsed incrementally, with the answers of a lint from scratch`, () => {
      const cache = new ParseCache();
      let text = document(path);
      result(path, text, cache);
      const started = withParseCache(cache, () => prewarmJsParses({ path, text }));
      // JS: the script reading and both Flow readings; TS: the script reading (no Flow retry).
      expect(started).toBe(path.endsWith('.ts') ? 1 : 3);
      // Again: nothing left to start.
      expect(withParseCache(cache, () => prewarmJsParses({ path, text }))).toBe(0);
      const fullBefore = incrementalStats.full;
      const anchor = text.indexOf('\n', text.indexOf("app.get('/r100'"));
      const typed = "\napp.post('/items', (req, res) => res.json(req.body));";
      for (let i = 1; i <= typed.length; i++) {
        text = text.slice(0, anchor) + typed.slice(0, i) + text.slice(anchor + i - 1);
        const incremental = result(path, text, cache);
        // The half-typed states (`app.post(` swallows the next line: a syntax error) and the finished line.
        if (i <= 12 || i === typed.length) expect(incremental, `after ${JSON.stringify(typed.slice(0, i))}`).toBe(result(path, text));
      }
      // Without the started streams, `app.post(` parsed the file in full three times (JS) or once (TS).
      expect(incrementalStats.full - fullBefore).toBe(0);
    }, 120_000);
  }

  it('starts nothing for a document that was not linted as it is', () => {
    const cache = new ParseCache();
    const text = document('server.js');
    result('server.js', text, cache);
    expect(withParseCache(cache, () => prewarmJsParses({ path: 'server.js', text: `${text}\n` }))).toBe(0);
    expect(withParseCache(cache, () => prewarmJsParses({ path: 'other.js', text }))).toBe(0);
  });
});
