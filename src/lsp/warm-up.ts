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
  for (const text of typedNginxTexts()) withParseCache(cache, () => lint([{ path: sample.path, text }], { host: {} }));
  return cache.get<PolicyMemo>('policy-memo', '')?.stats;
}

/** The nginx documents typeIntoNginx lints, in order. */
function typedNginxTexts(): string[] {
  const location = (i: number, origin: string) => `  location /w${i}/ {\n    add_header Access-Control-Allow-Origin ${origin} always;\n    proxy_pass http://app;\n  }\n`;
  const origins = ['https://app.example.com', 'https://app.exmaple.com', '$http_origin', 'https://example.com'];
  const below = Array.from({ length: 24 }, (_, i) => location(i, origins[i % origins.length])).join('');
  const typed = '    add_header Access-Control-Max-Age 600 always;';
  const states = ['', '\n', '\n    a', '\n    add_header', `\n${typed}`, `\n${typed}\n`, `\n${typed}\n    `];
  return states.map((state) => `server {\n  server_name www.example.com;\n  location /top/ {\n    proxy_pass http://app;${state}\n  }\n${below}}\n`);
}

/**
 * The warm-up's lints of one sample, each one step: the sample linted three times, then typed into
 * (JS/TS/Python: typedTexts; nginx: typedNginxTexts) with its own parse cache.
 */
function warmUpSteps(sample: { path: string; text: string }): Array<() => void> {
  const steps: Array<() => void> = [];
  for (let i = 0; i < 3; i++) steps.push(() => void lint([sample], { host: {} }));
  const typed = sample.path.endsWith('.conf') ? typedNginxTexts() : typedTexts(sample);
  const cache = new ParseCache();
  for (const text of typed) steps.push(() => void withParseCache(cache, () => lint([{ path: sample.path, text }], { host: {} })));
  return steps;
}

/**
 * What is left of the warm-up, format by format. The language server runs it one lint per step while
 * no document is being edited (server.ts), and all that is left of it at once, the document's own
 * format last, before it lints a document: a warm-up lint run between two keystrokes delayed the
 * second, and another format's warm-up changed what V8 had learnt of the code they share (the memo,
 * the rules) while someone typed. Whole formats in turns from `initialized` on, as before, ran
 * into the first keystrokes whenever the first open was quick; one lint per turn with no wait ran
 * into all of them (the server thread's CPU over the LSP bench's 60 nginx keystrokes 880 -> 1,771
 * ms); finishing only the document's own format left the next format's warm-up to its own open,
 * its compiles running into its keystrokes (JS 943-1,176 ms against 713-1,025). With everything
 * finished at the first document, server-thread CPU over the 60 keystrokes, 3 interleaved runs of
 * the LSP harness at load ~9, before -> after: nginx 850/619/956 -> 661/728/724 ms, JS
 * 1,075/1,016/1,266 -> 878/1,039/898, TS 699/476/647 -> 454/485/511, Python 658/449/556 ->
 * 447/430/506, YAML 287/209/221 -> 210/203/219.
 */
export class WarmUpQueue {
  private readonly pending = new Map<Format, Array<() => void>>();

  constructor(samples: Partial<Record<Format, { path: string; text: string }>> = WARM_UP_SAMPLES) {
    for (const [format, sample] of Object.entries(samples) as Array<[Format, { path: string; text: string } | undefined]>) {
      if (sample) this.pending.set(format, warmUpSteps(sample));
    }
  }

  get done(): boolean {
    return this.pending.size === 0;
  }

  /** Runs the next step of the first format left; false when nothing is left. */
  step(): boolean {
    for (const [format, steps] of this.pending) {
      const step = steps.shift();
      if (steps.length === 0) this.pending.delete(format);
      if (step) run(step);
      return true;
    }
    return false;
  }

  /** Runs all that is left, `last`'s steps last (a document of that format is about to be linted). */
  finish(last: Format | undefined): void {
    if (this.pending.size === 0) return;
    const own = last && this.pending.get(last);
    if (last) this.pending.delete(last);
    const all = [...this.pending.values()].flat();
    this.pending.clear();
    for (const step of all) run(step);
    for (const step of own ?? []) run(step);
  }
}

function run(step: () => void): void {
  try {
    step();
  } catch {
    // A failure here shows again, and is reported, when a real document hits it.
  }
}

/** Runs the whole warm-up, one step per turn of the event loop (tests, benchmarks). */
export function warmUp(done?: () => void): void {
  const queue = new WarmUpQueue();
  const next = () => {
    if (!queue.step()) {
      done?.();
      return;
    }
    setImmediate(next);
  };
  setImmediate(next);
}
