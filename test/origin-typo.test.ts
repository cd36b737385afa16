import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';

/** Lints one Express allowlist with the known host twice and `origin` once; the lines that origin-typo reports. */
function typoLines(origin: string): number[] {
  const text = `const cors = require('cors');\napp.use(cors({ origin: [\n  'https://example.com',\n  'https://api.example.com',\n  '${origin}',\n] }));\n`;
  return lint([{ path: 'app.js', text }])
    .diagnostics.filter((d) => d.ruleId === 'origin-typo')
    .map((d) => d.line);
}

// The near-miss index keys labels by hashes of their one-letter-deleted and swapped variants; every
// position of the label must be covered, the first and last letters included.
describe('origin-typo near misses at every position of the label', () => {
  const label = 'example';
  const variants: Array<[string, string]> = [];
  for (let i = 0; i < label.length; i++) variants.push([`deleted letter ${i}`, label.slice(0, i) + label.slice(i + 1)]);
  for (let i = 0; i <= label.length; i++) variants.push([`inserted letter at ${i}`, `${label.slice(0, i)}q${label.slice(i)}`]);
  for (let i = 0; i + 1 < label.length; i++) variants.push([`swapped letters ${i} and ${i + 1}`, label.slice(0, i) + label[i + 1] + label[i] + label.slice(i + 2)]);

  it.each(variants)('%s (%s.com) is reported at its line', (_, variant) => {
    // 'exmaple' with a swap of two equal letters is the label itself; every other variant differs.
    expect(typoLines(`https://app.${variant}.com`)).toEqual([5]);
  });

  it('near misses that are not typos stay silent', () => {
    expect(typoLines('https://app.exbmple.com')).toEqual([]); // a substituted letter
    expect(typoLines('https://app.elpmaxe.com')).toEqual([]); // letters swapped far apart
    expect(typoLines('https://app.exmaple.org')).toEqual([]); // another top-level label
    expect(typoLines('https://app.example.com')).toEqual([]); // the same domain, another subdomain
    expect(typoLines('https://app.exam.com')).toEqual([]); // three letters short
  });
});
