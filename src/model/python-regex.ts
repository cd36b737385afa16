/**
 * Regexes written for another engine (Python `re`, nginx's PCRE, Go's RE2) rewritten in
 * JavaScript syntax, so that one parser (regexpp) reads them all. The engines agree on everything
 * origin allowlists use except a few spellings, translated here: named groups `(?P<n>…)` /
 * `(?P=n)`, `\A` / `\Z` / `\z`, global inline flags at the start, and a `]` first in a class (a
 * literal in all three, an empty class in JavaScript). A pattern using anything else engine-only
 * (verbose mode, flags mid-pattern) gives `undefined`: the model then treats the matcher as unknown.
 * The result is only ever parsed or run on the linear-time matcher (pattern-match.ts).
 */
export type RegexSyntax = 'python' | 'pcre' | 're2';

export function translateRegexSyntax(source: string, syntax: RegexSyntax): { source: string; flags: string } | undefined {
  let flags = '';
  let body = source;
  const leading = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (leading) {
    if (leading[1].includes('x')) return undefined;
    // RE2 and PCRE read `(?m)`; Python's `re.M` too. Origins have no line breaks, but keep the meaning.
    for (const flag of 'ism') if (leading[1].includes(flag)) flags += flag;
    body = body.slice(leading[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === '\\') {
      const next = body[i + 1];
      if (!inClass && next === 'A') out += '^';
      // Python's `\Z` and PCRE/RE2's `\z` end the subject; PCRE's `\Z` also allows a final newline, which an Origin never has.
      else if (!inClass && (next === 'Z' || (next === 'z' && syntax !== 'python'))) out += '$';
      else out += char + (next ?? '');
      i++;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      out += char;
      continue;
    }
    if (char === '[') {
      inClass = true;
      out += char;
      if (body[i + 1] === '^') out += body[++i];
      // A `]` first in a class is a literal in Python, PCRE and RE2; in JavaScript `[]` is an empty class.
      if (body[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (char === '(' && body[i + 1] === '?') {
      const rest = body.slice(i);
      const named = /^\(\?P<([A-Za-z_]\w*)>/.exec(rest);
      const backReference = /^\(\?P=([A-Za-z_]\w*)\)/.exec(rest);
      if (named) {
        out += `(?<${named[1]}>`;
        i += named[0].length - 1;
        continue;
      }
      if (backReference) {
        out += `\\k<${backReference[1]}>`;
        i += backReference[0].length - 1;
        continue;
      }
      if (/^\(\?[aiLmsux-]+[:)]/.test(rest)) return undefined;
    }
    out += char;
  }
  return { source: out, flags };
}

/**
 * A Python `re` pattern as a JavaScript regex source. `re.match` anchors only the start;
 * `re.fullmatch` both ends; the caller says which.
 */
export function translatePythonRegex(source: string, anchoring: 'match' | 'fullmatch'): { source: string; flags: string } | undefined {
  const translated = translateRegexSyntax(source, 'python');
  if (!translated) return undefined;
  return { source: anchoring === 'fullmatch' ? `^(?:${translated.source})$` : `^(?:${translated.source})`, flags: translated.flags };
}
