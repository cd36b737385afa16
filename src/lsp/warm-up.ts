import { TextDocument } from 'vscode-languageserver-textdocument';
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
 * nginx is edited the way the policy memo (engine/policy-memo.ts) sees a line typed in the middle of
 * a long file: each location below it is moved by the line shift (shiftPolicy), its findings with it,
 * and the typed line's location rebuilt; the characters typed after an Enter read only the edited
 * block again and keep the other locations' policies (nginx parse.ts, extract.ts).
 */
export function typeIntoNginx(sample: { path: string; text: string }): PolicyMemo['stats'] | undefined {
  if (!sample.path.endsWith('.conf')) return undefined;
  const cache = new ParseCache();
  for (const text of typedNginxTexts()) withParseCache(cache, () => lint([{ path: sample.path, text }], { host: {} }));
  return cache.get<PolicyMemo>('policy-memo', '')?.stats;
}

/**
 * Locations above and below the one typed into: a file of about 2,000 lines, the size the language
 * server is held to (issue 14). A keystroke's per-location work (extraction, the memo's keep, shift
 * and replay paths, project facts, topology, rules) runs once per location, and V8 compiles a function
 * only once it has run enough (server.ts TIER_UP_FLAGS). With the 24 locations this warm-up had before
 * (typed above them), the first 60 keystrokes into a 2,000-line file still compiled 100-170 functions
 * on V8's background threads (--trace-opt); after this warm-up 71, of which 23 first compiles (the
 * rest compiled again after a deopt). That CPU competes with the keystrokes' own on a busy machine. LSP bench, all formats in one server, 3 interleaved pairs at load
 * 9.4-11.4, before -> after: nginx server CPU p95 44.5 / 55.3 / 58.9 -> 28.3 / 35.0 / 36.6 ms, CPU
 * of the threads other than the lint thread over the 60 keystrokes 525 / 660 / 714 -> 319 / 385 / 447
 * ms, of the lint thread 624 / 657 / 652 -> 439 / 478 / 606 ms; the other formats the same within
 * noise. It runs after the first open's diagnostics (server.ts validate): in idle turns, or at
 * once before the first edit's lint if that comes first.
 */
const NGINX_WARM_UP_LOCATIONS = 240;
/** Characters typed per warm-up step (each step is a lint of the whole file). */
const NGINX_TYPED_STEP = 3;
/**
 * Enters after the typed line, each moving the locations below it. With one, the Enter path
 * (shiftPolicy, shiftCopy's visit, the parse's moved directives, ShiftRelocation) was still compiled
 * at the first real Enter and the keystroke after it (--trace-opt: 24 compiles in those two, 10 with
 * five Enters). LSP bench, nginx alone, 3 interleaved pairs at load 6.0-6.6, one Enter -> five:
 * server CPU p95 28.9 / 42.2 / 36.2 -> 21.2 / 24.2 / 30.8 ms, the keystroke after the first Enter
 * 23.2 / 37.3 / 31.2 -> 26.7 / 24.2 / 22.1 ms.
 */
const NGINX_ENTERS = 5;

/** The nginx documents typeIntoNginx lints, in order: opened, an Enter, a line typed, Enters after it, all of it removed. */
function typedNginxTexts(): string[] {
  const location = (i: number) =>
    `  location /w${i}/ {\n    add_header Access-Control-Allow-Origin ${NGINX_ORIGINS[i % NGINX_ORIGINS.length]} always;\n${i % 5 === 0 ? '    add_header Access-Control-Allow-Credentials true always;\n' : ''}    proxy_pass http://app;\n  }\n`;
  const locations = (from: number, count: number) => Array.from({ length: count }, (_, i) => location(from + i)).join('');
  const above = locations(0, NGINX_WARM_UP_LOCATIONS);
  const below = locations(NGINX_WARM_UP_LOCATIONS, NGINX_WARM_UP_LOCATIONS);
  const typed = '    add_header Access-Control-Expose-Headers X-Request-Id always;';
  const states = ['', '\n'];
  for (let count = NGINX_TYPED_STEP; count < typed.length; count += NGINX_TYPED_STEP) states.push(`\n${typed.slice(0, count)}`);
  states.push(`\n${typed}`);
  for (let enters = 1; enters <= NGINX_ENTERS; enters++) states.push(`\n${typed}${'\n'.repeat(enters)}`);
  states.push('');
  return states.map((state) => `server {\n  server_name www.example.com;\n${above}  location /typed/ {\n    proxy_pass http://app;${state}\n  }\n${below}}\n`);
}

const NGINX_ORIGINS = ['https://app.example.com', 'https://app.exmaple.com', '$http_origin', 'https://example.com'];

/**
 * The warm-up's lints of one sample, each one step: the sample linted three times, then typed into
 * (JS/TS/Python: typedTexts; nginx: typedNginxTexts) with its own parse cache, each text handed to
 * lint() the way the server hands it a document's (serverPath, edited).
 */
function warmUpSteps(sample: { path: string; text: string }): WarmUpStep[] {
  const steps: WarmUpStep[] = [];
  const path = serverPath(sample.path);
  for (let i = 0; i < 3; i++) steps.push(() => void lint([{ path, text: sample.text }], { host: {} }));
  const nginx = sample.path.endsWith('.conf');
  const typed = nginx ? typedNginxTexts() : typedTexts(sample);
  const cache = new ParseCache();
  let document: TextDocument | undefined;
  for (const text of typed) {
    const step: WarmUpStep = () => {
      document = document ? edited(document, text) : TextDocument.create(`file:///${path}`, '', 1, text);
      const current = document;
      withParseCache(cache, () => lint([{ path, text: current.getText() }], { host: {} }));
    };
    if (nginx) step.large = true;
    steps.push(step);
  }
  return steps;
}

/**
 * A path as the server makes a document's (server.ts pathOf: split and joined again), a new string
 * each time. A literal is an internalized string, and V8's optimized code compares paths as such
 * (Loc.file against a line shift's file, a memo place's file): with the literal, the first Enter of
 * a session deoptimized shiftPolicy, shifted, sameLoc and the functions around them on a "wrong
 * instance type" (--trace-deopt) and compiled them again while the user typed.
 */
function serverPath(path: string): string {
  return path.split('/').join('/');
}

/**
 * `document` changed to `text` the way an editor's keystroke changes the server's copy: one
 * incremental change (the differing middle), applied by TextDocument, whose text is then slices of
 * the last one around the new characters, as the server's is.
 */
function edited(document: TextDocument, text: string): TextDocument {
  const before = document.getText();
  let start = 0;
  const shorter = Math.min(before.length, text.length);
  while (start < shorter && before.charCodeAt(start) === text.charCodeAt(start)) start++;
  let end = 0;
  while (end < shorter - start && before.charCodeAt(before.length - 1 - end) === text.charCodeAt(text.length - 1 - end)) end++;
  const range = { start: document.positionAt(start), end: document.positionAt(before.length - end) };
  return TextDocument.update(document, [{ range, text: text.slice(start, text.length - end) }], document.version + 1);
}

/**
 * What is left of the warm-up, format by format. The language server runs it one lint per step while
 * no document is being edited (server.ts), and all that is left of it at once, the document's own
 * format last, before it lints an edit (an opened document is linted first): a warm-up lint run between two keystrokes delayed the
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
/**
 * One lint of the warm-up. `large`: a lint of the 2,000-line nginx file (typedNginxTexts), which only
 * an nginx document needs before its first lint: another format's first open leaves them to idle
 * turns. All of them at a JavaScript document's first open took its open from 6.5-8.0 s to 12.3-12.7
 * s at load 9 (the LSP bench with JS alone), for a format it had not opened.
 */
type WarmUpStep = (() => void) & { large?: boolean };

export class WarmUpQueue {
  private readonly pending = new Map<Format, WarmUpStep[]>();
  /** The format of the document opened last (prefer): step() runs its steps before other formats' large ones. */
  private preferred: Format | undefined;

  constructor(samples: Partial<Record<Format, { path: string; text: string }>> = WARM_UP_SAMPLES) {
    for (const [format, sample] of Object.entries(samples) as Array<[Format, { path: string; text: string } | undefined]>) {
      if (sample) this.pending.set(format, warmUpSteps(sample));
    }
  }

  /** Whether steps of `format` are left. */
  has(format: Format): boolean {
    return this.pending.has(format);
  }

  get done(): boolean {
    return this.pending.size === 0;
  }

  /**
   * Runs the next step; false when nothing is left. In the order finish() runs them once a document
   * was opened (prefer): other formats' small steps, the document's format, other formats' large
   * steps; before, format by format.
   */
  step(): boolean {
    const format = this.nextFormat();
    if (format === undefined) return false;
    const steps = this.pending.get(format)!;
    const step = steps.shift();
    if (steps.length === 0) this.pending.delete(format);
    if (step) run(step);
    return true;
  }

  private nextFormat(): Format | undefined {
    const preferred = this.preferred;
    if (preferred !== undefined) {
      for (const [format, steps] of this.pending) if (format !== preferred && !steps[0]?.large) return format;
      if (this.pending.has(preferred)) return preferred;
    }
    for (const format of this.pending.keys()) return format;
    return undefined;
  }

  /**
   * A document of `format` was opened and is linted before the warm-up goes on: step() runs the
   * rest in the order finish(format) would.
   */
  prefer(format: Format | undefined): void {
    this.preferred = format;
  }

  /**
   * Runs all that is left, `last`'s steps last (a document of that format is about to be linted),
   * except other formats' large steps, which stay for idle turns (step) or their own format's open.
   */
  finish(last: Format | undefined): void {
    if (this.pending.size === 0) return;
    const own = last && this.pending.get(last);
    if (last) this.pending.delete(last);
    const now: WarmUpStep[] = [];
    for (const [format, steps] of this.pending) {
      const later = steps.filter((step) => step.large);
      now.push(...steps.filter((step) => !step.large));
      if (later.length > 0) this.pending.set(format, later);
      else this.pending.delete(format);
    }
    for (const step of now) run(step);
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
