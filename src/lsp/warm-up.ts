import { lint } from '../engine/lint.js';
import { ParseCache, withParseCache } from '../engine/parse-cache.js';
import type { PolicyMemo } from '../engine/policy-memo.js';
import type { Format } from '../model/types.js';

/**
 * A small document of each format with findings, linted once when the server starts (after it
 * answered `initialize`, between messages): the parsers are loaded and the extractors, rules and
 * fixes compiled before the first real edit, which otherwise paid 50-170 ms of loading and JIT
 * warm-up. The samples go through the same lint() as any document; their results are dropped.
 */
export const WARM_UP_SAMPLES: Partial<Record<Format, { path: string; text: string }>> = {
  nginx: {
    path: 'cors-lint-warm-up/site.conf',
    text: [
      'server {',
      '  server_name api.example.com;',
      '  location /api/ {',
      '    add_header Access-Control-Allow-Origin $http_origin always;',
      '    add_header Access-Control-Allow-Credentials true always;',
      '    if ($request_method = OPTIONS) { return 204; }',
      '    proxy_pass http://app:8080;',
      '  }',
      '}',
      '',
    ].join('\n'),
  },
  js: {
    path: 'cors-lint-warm-up/server.js',
    text: [
      "const express = require('express');",
      "const cors = require('cors');",
      'const app = express();',
      "app.use(cors({ origin: (origin, cb) => cb(null, /example\\.com$/.test(origin)), credentials: true }));",
      "app.get('/items', (req, res) => { res.set('Access-Control-Allow-Origin', req.headers.origin); res.json([]); });",
      'app.listen(3000);',
      '',
    ].join('\n'),
  },
  ts: {
    path: 'cors-lint-warm-up/main.ts',
    text: [
      "import express, { type Request, type Response } from 'express';",
      "import cors, { type CorsOptions } from 'cors';",
      "export const corsOptions: CorsOptions = { origin: ['https://app.example.com', 'http://localhost:3000'], credentials: true };",
      'const app = express();',
      'app.use(cors({ origin: true, credentials: true }));',
      "app.options('/x', (req: Request, res: Response) => res.sendStatus(204));",
      '',
    ].join('\n'),
  },
  python: {
    path: 'cors-lint-warm-up/main.py',
    text: [
      'from fastapi import FastAPI',
      'from fastapi.middleware.cors import CORSMiddleware',
      '',
      'app = FastAPI()',
      'ORIGINS = ["*"]',
      'app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True, allow_origin_regex=r"https://.*\\.example\\.com")',
      '',
      '@app.get("/items")',
      'def items():',
      '    return []',
      '',
    ].join('\n'),
  },
  yaml: {
    path: 'cors-lint-warm-up/ingress.yaml',
    text: [
      'apiVersion: networking.k8s.io/v1',
      'kind: Ingress',
      'metadata:',
      '  name: api',
      '  annotations:',
      '    nginx.ingress.kubernetes.io/enable-cors: "true"',
      '    nginx.ingress.kubernetes.io/cors-allow-origin: "*"',
      '    nginx.ingress.kubernetes.io/cors-allow-credentials: "true"',
      'spec:',
      '  rules:',
      '    - host: api.example.com',
      '',
    ].join('\n'),
  },
};

/**
 * Samples are also edited the way the language server sees it: grown past the size where the
 * incremental parses start (JS/TS: src/extract/js/incremental.ts; Python: Lezer reuses whole
 * subtrees of a large tree only), a line typed into the middle keystroke by keystroke (the
 * half-typed states are syntax errors: an unclosed bracket makes Lezer recover over the rest of the
 * file), so that those paths are compiled, and JS's other streams (script, Flow) exist, before the
 * first real edit. Python's first typed line ran at about twice its later cost per keystroke.
 */
const TYPING: Array<{ test: RegExp; filler: (i: number) => string; line: string; step: number }> = [
  {
    test: /\.[cm]?[jt]sx?$/,
    filler: (i) => `app.get('/w${i}', (req, res) => res.json({ id: ${i} }));\n`,
    line: "app.post('/warm-up', (req, res) => res.status(201).json(req.body));",
    step: 2,
  },
  {
    test: /\.py$/,
    filler: (i) => `@app.get("/w${i}")\ndef w${i}(q: str = None):\n    return {"id": ${i}, "q": q}\n\n`,
    line: 'PAGE_SIZE = int(settings.get("page_size", 50))',
    step: 2,
  },
];

/** The texts of a sample being typed into, one per keystroke (none for a format without typing). */
export function typedTexts(sample: { path: string; text: string }): string[] {
  const typing = TYPING.find((candidate) => candidate.test.test(sample.path));
  if (!typing) return [];
  const fill = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => typing.filler(from + i)).join('');
  const before = `${sample.text}${fill(0, 30)}`;
  const after = fill(30, 60);
  const texts: string[] = [];
  for (let typed = 0; typed <= typing.line.length; typed += typing.step) texts.push(`${before}${typing.line.slice(0, typed)}\n${after}`);
  return texts;
}

function typeInto(sample: { path: string; text: string }): void {
  const cache = new ParseCache();
  for (const text of typedTexts(sample)) withParseCache(cache, () => lint([{ path: sample.path, text }], { host: {} }));
}

/**
 * nginx is edited the way the policy memo (engine/policy-memo.ts) sees a line typed above a run of
 * locations: each is moved by the line shift (shiftPolicy), its findings with it, and the typed
 * line's location rebuilt. Without this the first Enter of a session compiled those paths: 300-470
 * ms on the 2,000-line bench document, where later ones take a fifth of that. The characters typed after it read only the
 * edited block again and keep the other locations' policies (nginx parse.ts, extract.ts).
 */
export function typeIntoNginx(sample: { path: string; text: string }): PolicyMemo['stats'] | undefined {
  if (!sample.path.endsWith('.conf')) return undefined;
  const cache = new ParseCache();
  const location = (i: number, origin: string) => `  location /w${i}/ {\n    add_header Access-Control-Allow-Origin ${origin} always;\n    proxy_pass http://app;\n  }\n`;
  const origins = ['https://app.example.com', 'https://app.exmaple.com', '$http_origin', 'https://example.com'];
  const below = Array.from({ length: 24 }, (_, i) => location(i, origins[i % origins.length])).join('');
  const typed = '    add_header Access-Control-Max-Age 600 always;';
  const states = ['', '\n', '\n    a', '\n    add_header', `\n${typed}`, `\n${typed}\n`, `\n${typed}\n    `];
  for (const state of states) {
    const text = `server {\n  server_name www.example.com;\n  location /top/ {\n    proxy_pass http://app;${state}\n  }\n${below}}\n`;
    withParseCache(cache, () => lint([{ path: sample.path, text }], { host: {} }));
  }
  return cache.get<PolicyMemo>('policy-memo', '')?.stats;
}

/** Lints each sample a few times, one format per turn of the event loop so messages that arrive meanwhile are not held up long. */
export function warmUp(done?: () => void): void {
  const queue = Object.values(WARM_UP_SAMPLES).filter((sample) => sample !== undefined);
  const next = () => {
    const sample = queue.shift();
    if (!sample) {
      done?.();
      return;
    }
    try {
      for (let i = 0; i < 3; i++) lint([sample], { host: {} });
      typeInto(sample);
      typeIntoNginx(sample);
    } catch {
      // A failure here shows again, and is reported, when a real document hits it.
    }
    setImmediate(next);
  };
  setImmediate(next);
}
