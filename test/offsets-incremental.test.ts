import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParseCache, withParseCache } from '../src/engine/parse-cache.js';
import { lineLengthsOf, lineStartsOf } from '../src/extract/offsets.js';

/**
 * In the language server (a parse cache active) a text's line table is made from the last text's:
 * kept before the edited span, scanned inside it, moved after it. It must be the table a scan of
 * the whole text gives, whatever the edit does to `\r`, `\n` and `\r\n` pairs at its edges.
 */
function scanned(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') starts.push(i + 1);
    else if (text[i] === '\r') {
      if (text[i + 1] === '\n') i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

const piece = fc.constantFrom('a', 'bc', '\n', '\r', '\r\n', ' ', 'x\ny', '\r\r\n\n');
const text = fc.array(piece, { minLength: 2000, maxLength: 4000 }).map((pieces) => pieces.join(''));
const edit = fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), remove: fc.nat({ max: 6 }), insert: fc.array(piece, { maxLength: 4 }) });

describe('line tables made from the last text (language server)', () => {
  it('equal a scan of the whole text after random edits around line breaks', () => {
    fc.assert(
      fc.property(text, fc.array(edit, { minLength: 1, maxLength: 8 }), (start, edits) => {
        withParseCache(new ParseCache(), () => {
          let current = start.length >= 8192 ? start : start.repeat(Math.ceil(8192 / Math.max(start.length, 1)));
          expect(lineStartsOf(current)).toEqual(scanned(current));
          for (const { at, remove, insert } of edits) {
            const offset = Math.floor(at * current.length);
            current = current.slice(0, offset) + insert.join('') + current.slice(offset + remove);
            expect(lineStartsOf(current)).toEqual(scanned(current));
            const lengths = lineLengthsOf(current);
            expect(lengths).toEqual(current.split(/\r\n|\r|\n/).map((line) => line.length));
          }
        });
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('a text asked for again gets the same table (no rescan)', () => {
    const big = 'line\r\n'.repeat(3000);
    withParseCache(new ParseCache(), () => {
      const first = lineStartsOf(big);
      expect(lineStartsOf(`${big}`)).toBe(first);
    });
  });
});
