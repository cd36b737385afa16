/**
 * Python `re` patterns run as JavaScript regexes. The two agree on everything origin allowlists
 * use except a few spellings, translated here: named groups `(?P<n>…)` / `(?P=n)`, `\A` / `\Z`,
 * and global inline flags at the start. `re.match` anchors only the start; `re.fullmatch` both
 * ends; the caller says which. A pattern using anything else Python-only (verbose mode, flags
 * mid-pattern) gives `undefined`: the model then treats the matcher as unknown.
 */
export function translatePythonRegex(source: string, anchoring: 'match' | 'fullmatch'): { source: string; flags: string } | undefined {
  let flags = '';
  let body = source;
  const leading = /^\(\?([aiLmsux]+)\)/.exec(body);
  if (leading) {
    if (leading[1].includes('x')) return undefined;
    if (leading[1].includes('i')) flags += 'i';
    if (leading[1].includes('s')) flags += 's';
    body = body.slice(leading[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const char = body[i];
    if (char === '\\') {
      const next = body[i + 1];
      if (!inClass && next === 'A') out += '^';
      else if (!inClass && next === 'Z') out += '$';
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
      // A `]` first in a Python class is a literal; in JavaScript `[]` is an empty class.
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
  return { source: anchoring === 'fullmatch' ? `^(?:${out})$` : `^(?:${out})`, flags };
}
