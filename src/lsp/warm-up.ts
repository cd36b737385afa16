import { lint } from '../engine/lint.js';
import { ParseCache, withParseCache } from '../engine/parse-cache.js';
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
 * JS/TS samples are also edited the way the incremental parse (src/extract/js/incremental.ts) sees
 * it: grown past the size where it starts, a route line typed into the middle keystroke by
 * keystroke (the half-typed states are syntax errors), so that its paths are compiled and its
 * other streams (script, Flow) exist before the first real edit.
 */
const TYPED_LINE = "app.post('/warm-up', (req, res) => res.status(201).json(req.body));";

function typeInto(sample: { path: string; text: string }): void {
  if (!/\.[cm]?[jt]sx?$/.test(sample.path)) return;
  const cache = new ParseCache();
  const routes = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `app.get('/w${from + i}', (req, res) => res.json({ id: ${from + i} }));\n`).join('');
  const before = `${sample.text}${routes(0, 30)}`;
  const after = routes(30, 60);
  for (let typed = 0; typed <= TYPED_LINE.length; typed += 2) {
    const text = `${before}${TYPED_LINE.slice(0, typed)}\n${after}`;
    withParseCache(cache, () => lint([{ path: sample.path, text }], { host: {} }));
  }
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
    } catch {
      // A failure here shows again, and is reported, when a real document hits it.
    }
    setImmediate(next);
  };
  setImmediate(next);
}
