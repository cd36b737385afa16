/** Template delimiters (`{% … %}`, `<% … %>`) in scanned text, replaced in linear time. */

/**
 * What `text.replace(/OPEN[\s\S]*?CLOSE/g, fn)` does (or `OPEN[^\n]*?CLOSE` with `oneLine`), in
 * linear time: the regex retries its lazy scan from every OPEN, so a file of 100,000 unclosed `{{`
 * took minutes. Here the next CLOSE and the next line break are found once and reused while the
 * scan moves forward.
 */
export function replaceDelimited(text: string, open: string, close: string, fn: (match: string, start: number) => string, oneLine = false): string {
  let out = '';
  let last = 0;
  let nextClose = -1;
  let nextNewline = -1;
  for (let start = text.indexOf(open); start !== -1; ) {
    const from = start + open.length;
    if (nextClose < from) nextClose = text.indexOf(close, from);
    if (nextClose === -1) break;
    if (oneLine) {
      if (nextNewline < from) {
        nextNewline = text.indexOf('\n', from);
        if (nextNewline === -1) nextNewline = text.length;
      }
      if (nextNewline < nextClose) {
        start = text.indexOf(open, start + 1);
        continue;
      }
    }
    const stop = nextClose + close.length;
    out += text.slice(last, start) + fn(text.slice(start, stop), start);
    last = stop;
    start = text.indexOf(open, stop);
  }
  return out + text.slice(last);
}

/** A line holding only Jinja statements or a Jinja comment: `{% if x %}`, `{%- endif -%}`, `{# note #}`. */
const TEMPLATE_STATEMENT_LINE = /^[ \t]*\{([%#])[^\r\n]*\1\}[ \t]*$/gm;

/**
 * Code templates (cookiecutter projects, Ansible `*.py.j2`) wrap code in Jinja statements on lines
 * of their own, which no JavaScript or Python parser accepts. Those lines become blanks (offsets
 * kept), so the code reads as both branches, as the nginx and YAML readers read their templates.
 * The pattern is anchored at a line start and scans that line once: linear.
 */
export function blankTemplateStatementLines(text: string): string {
  if (!text.includes('{%') && !text.includes('{#')) return text;
  return text.replace(TEMPLATE_STATEMENT_LINE, (line) => ' '.repeat(line.length));
}
