import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { mutate, prng } from '../src/engine/fuzz.js';
import { lezerInput } from '../src/extract/python/parse.js';
import { fixtureSeeds } from '../scripts/fuzz-seeds.js';
import { bareYieldsAsValues, continuationsBeforeBlankLines, continuationsOutsideStrings, oldLezerInput } from './helpers/old-python-pre-parse.js';

/**
 * pre-parse.ts reads a Python file's tokens once and makes every rewrite lezer needs from them; the
 * old scans (helpers/old-python-pre-parse.ts) are the oracle. The one intended difference: a line
 * continuation is handed to lezer as a space only outside strings and comments (the old regex also
 * took a backslash inside a string, turning `'a\` + line break + `#b'` into an unclosed string).
 */
const ROOT = join(import.meta.dirname, '..');

/** Pieces that make the rewrites' constructs and every way of skipping text, in any order. */
const PIECES = [
  'with', 'with ', 'with (', 'async with (', ' as ', 'as', 'x.as', 'except', 'except ', 'except* ', 'lambda', 'lambda x: x', 'case', 'case ', '\ncase ', '  case ',
  'match x:', ':', ':=', ',', ';', '.', '(', ')', '[', ']', '{', '}', '()', '[]', '{}', ' ', '\t', '\f', '\n', '\r\n', '\r', '\\\n', '\\\r\n', '\\\r', '\\', '\\\n\n',
  '\\\n# c\n', '# c', '#', '"', "'", '"""', "'''", '"a"', "'b'", 'f"{x["k"]}"', 'r"\\"', 'rb\'\\\'', 't"x"', 'T', 'Tr', 'rt', '1', '300', '300.', '1.e-3', '1.E+5', '2.j', '1._5', '1_000.',
  '0x1.', '1e5.', '.5', 'x1.', 'e', 'j', '_', 'é', '\u2028', 'yield', 'yield)', 'A', 'B', 'Point', 'open(a)', '=', '|', '\n    ', '#(', '"("', '(((((((((((((((((((((((((((((((((((((((((((((((((((',
];

function soup(random: () => number): string {
  let text = '';
  const count = 1 + Math.floor(random() * 40);
  for (let k = 0; k < count; k++) text += PIECES[Math.floor(random() * PIECES.length)];
  return text;
}

/** Compares one text; returns whether the old chain as it was (regex continuations) gave the same lezer input. */
function compare(text: string, label: string): boolean {
  const now = lezerInput(text);
  // A byte-order mark opening the file is handed to lezer as a space (CPython reads over it, f3a33be); the old scans kept it.
  const read = text.startsWith('\uFEFF') ? ` ${text.slice(1)}` : text;
  const oracle = oldLezerInput(read, continuationsOutsideStrings);
  if (now.input !== oracle.input || now.tooDeep !== oracle.tooDeep) expect({ label, text, input: now.input, tooDeep: now.tooDeep }).toEqual({ label, text, input: oracle.input, tooDeep: oracle.tooDeep });
  const asBefore = oldLezerInput(read);
  if (asBefore.input === now.input) return true;
  // Only the continuation step may explain a difference from the old chain.
  const start = bareYieldsAsValues(/(^|[\r\n])[ \t\f]+$/.test(read.slice(-200)) ? `${read}\n` : read);
  expect(continuationsBeforeBlankLines(start), label).not.toBe(continuationsOutsideStrings(start));
  return false;
}

describe('Python pre-parse rewrites (one token scan)', () => {
  it('hands lezer what the old scans did, on generated token soups', () => {
    const random = prng(89400);
    let differing = 0;
    const count = Number(process.env.PY_PREPARSE_COUNT ?? 20_000);
    for (let n = 0; n < count; n++) if (!compare(soup(random), `soup #${n}`)) differing++;
    // Soups that put a continuation before a blank line inside a string differ (explained in compare); most do not.
    expect(differing).toBeLessThan(count / 2);
  });

  it('hands lezer what the old scans did, on mutated fixtures', () => {
    const seeds = fixtureSeeds(join(ROOT, 'fixtures')).python;
    const random = prng(89401);
    const count = Number(process.env.PY_PREPARSE_MUTATIONS ?? 1_500);
    for (let n = 0; n < count; n++) compare(mutate(seeds[Math.floor(random() * seeds.length)], seeds, 'python', random), `mutation #${n}`);
    for (const [n, seed] of seeds.entries()) expect(compare(seed, `fixture #${n}`)).toBe(true);
  });

  it.runIf(process.env.PY_PREPARSE_DIR)('hands lezer what the old scans did, on the Python files of PY_PREPARSE_DIR', () => {
    const walk = (folder: string): string[] =>
      readdirSync(folder).flatMap((name) => {
        const path = join(folder, name);
        return statSync(path).isDirectory() ? walk(path) : path.endsWith('.py') ? [path] : [];
      });
    const paths = walk(process.env.PY_PREPARSE_DIR!);
    // Each difference from the old chain is explained by the continuation step (checked in compare); they are listed.
    const differing = paths.filter((path) => !compare(readFileSync(path, 'utf8'), path));
    console.log(`${paths.length} files, ${differing.length} differing from the old chain by a continuation inside a string: ${differing.join(', ')}`);
    expect(paths.length).toBeGreaterThan(0);
  });

  it('makes each rewrite in place, keeping the length', () => {
    const cases: Array<[string, string]> = [
      ['with (open(a) as f, open(b) as g):\n    pass\n', 'with (open(a) or f, open(b) or g):\n    pass\n'],
      ['try:\n    x()\nexcept KeyError, ValueError:\n    pass\n', 'try:\n    x()\nexcept KeyError| ValueError:\n    pass\n'],
      ['try:\n    x()\nexcept* A, B,:\n    pass\n', 'try:\n    x()\nexcept* A| B :\n    pass\n'],
      ['match p:\n    case Point():\n        pass\n', 'match p:\n    case Point_ :\n        pass\n'],
      ['x = (300., 1.e-3, 2.j, 1.5, x1.real)\n', 'x = (0300, 01e-3, 02j, 1.5, x1.real)\n'],
      ['x = f(a)\\\n\ny = 1\n', 'x = f(a) \n\ny = 1\n'],
    ];
    for (const [text, input] of cases) expect(lezerInput(text).input).toBe(input);
  });

  it('leaves a backslash that ends a line inside a string alone', () => {
    const text = "from starlette.middleware.cors import CORSMiddleware\nnote = 'a\\\n# b'\napp.add_middleware(CORSMiddleware, allow_origins=['*'], allow_credentials=True)\n";
    expect(lezerInput(text).input).toBe(text);
    const result = lint([{ path: 'app.py', text }]);
    expect(result.diagnostics.filter((d) => d.ruleId === 'parse-error')).toEqual([]);
  });

  it('finds brackets nested deeper than CPython allows, outside strings and comments', () => {
    expect(lezerInput(`x = ${'('.repeat(201)}`).tooDeep).toBe(4 + 200);
    expect(lezerInput(`x = "${'('.repeat(201)}"  # ${'['.repeat(300)}`).tooDeep).toBeUndefined();
  });
});
