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

/**
 * Where the Go template action (`{{ … }}`) opened at `start` ends (one past its `}}`), or -1 when it is
 * never closed. A comment (`{{/*` or `{{- /*`, up to the closing star-slash and the delimiter after it)
 * is one action even when it holds other actions: text/template's lexer ends a comment at the first
 * star-slash, which must be followed by `}}` or ` -}}` (a Helm chart keeps a block of templating switched
 * off that way). Any other action ends at the next `}}`; so does a comment whose star-slash is not followed
 * by the delimiter (Go refuses that template). `scan` carries the next `}}` and star-slash found between
 * calls made in order, so a scan of a whole text stays linear.
 */
export function goActionEnd(text: string, start: number, scan: { close: number; commentEnd: number } = { close: -1, commentEnd: -1 }): number {
  const from = start + 2;
  const trimmed = text[from] === '-' && /[ \t\r\n]/.test(text[from + 1] ?? '');
  const body = trimmed ? from + 2 : from;
  if (text.startsWith('/*', body)) {
    if (scan.commentEnd !== -2 && scan.commentEnd < body + 2) scan.commentEnd = text.indexOf('*/', body + 2);
    if (scan.commentEnd === -1) scan.commentEnd = -2;
    if (scan.commentEnd >= 0) {
      const after = scan.commentEnd + 2;
      if (text.startsWith('}}', after)) return after + 2;
      if (/[ \t\r\n]/.test(text[after] ?? '') && text.startsWith('-}}', after + 1)) return after + 4;
    }
  }
  if (scan.close !== -2 && scan.close < from) scan.close = text.indexOf('}}', from);
  if (scan.close === -1) scan.close = -2;
  return scan.close < 0 ? -1 : scan.close + 2;
}

/** `replaceDelimited(text, '{{', '}}', fn)` with Go's comments read whole (goActionEnd). */
export function replaceGoActions(text: string, fn: (match: string, start: number) => string): string {
  let out = '';
  let last = 0;
  const scan = { close: -1, commentEnd: -1 };
  for (let start = text.indexOf('{{'); start !== -1; ) {
    const stop = goActionEnd(text, start, scan);
    if (stop === -1) break;
    out += text.slice(last, start) + fn(text.slice(start, stop), start);
    last = stop;
    start = text.indexOf('{{', stop);
  }
  return out + text.slice(last);
}

/**
 * Terraform `templatefile` directives: `%{ for o in origins ~}`, `%{~ endfor ~}`, `%{ if x }`, `%{ else }`,
 * `%{ endif }` (terraform.io "Strings and Templates"). Template control, never a value: a YAML or nginx
 * template read with them in place ends in a parse error ("Plain value cannot start with directive indicator
 * character %"). Only those keywords count, so any other `%{` (a log format, a Lua pattern) stays as written;
 * open and close on one line, one forward scan.
 */
const TERRAFORM_DIRECTIVE = /^%\{~?[ \t]*(?:for|endfor|if|else|endif)\b/;

export function replaceTerraformDirectives(text: string, fn: (match: string, start: number) => string): string {
  if (!text.includes('%{')) return text;
  return replaceDelimited(text, '%{', '}', (match, start) => (TERRAFORM_DIRECTIVE.test(match) ? fn(match, start) : match), true);
}

/** A line holding only Jinja statements or a Jinja comment: `{% if x %}`, `{%- endif -%}`, `{# note #}`. */
const TEMPLATE_STATEMENT_LINE = /^[ \t]*\{([%#])[^\r\n]*\1\}[ \t]*$/gm;

/**
 * Code templates (cookiecutter projects, Ansible `*.py.j2`, Yeoman generators) wrap code in Jinja or EJS statements on lines
 * of their own, which no JavaScript or Python parser accepts. Those lines become blanks (offsets
 * kept), so the code reads as both branches, as the nginx and YAML readers read their templates.
 * The pattern is anchored at a line start and scans that line once: linear.
 */
export function blankTemplateStatementLines(text: string): string {
  const jinja = text.includes('{%') || text.includes('{#') ? text.replace(TEMPLATE_STATEMENT_LINE, (line) => ' '.repeat(line.length)) : text;
  return jinja.includes('<%') ? jinja.replace(EJS_SCRIPTLET_LINE, (line) => ' '.repeat(line.length)) : jinja;
}

/**
 * A line holding one EJS scriptlet or comment (Yeoman generators' `<%_ if (https) { _%>`, `<% } %>`,
 * `<%# note %>`), not an output tag (`<%=`, `<%-` print a value). Anchored at a line start; the body
 * cannot hold `%>`, so each line is scanned once.
 */
const EJS_SCRIPTLET_LINE = /^[ \t]*<%[_#]?(?![=-])(?:[^%\r\n]|%(?!>))*[-_]?%>[ \t]*$/gm;

/**
 * A code template's `{{ … }}` expressions written as code (`const PORT = {{ cookiecutter.port }};`)
 * become identifiers of the same length (`_____…`), so a JavaScript parser reads the file with every
 * offset unchanged. Those inside a string, a template literal or a comment stay as written: an
 * origin written `'https://{{ domain }}'` is read as a placeholder there. One pass over the text.
 *
 * EJS and ERB output tags written as code (`origin: <%= origin %>`, `<%- JSON.stringify(hosts) %>`,
 * a Yeoman generator's or a Rails app's `server.js`) become identifiers the same way, whatever the
 * file: `<%` can never start code in JavaScript (nor in Python, whose templates this serves too: its `#`
 * comments and triple-quoted strings are not told apart, which only changes text nobody reads as code).
 * `braces: false` leaves `{{ … }}` alone (a file that is no Jinja template may hold JSX's `style={{ … }}`).
 */
export function placeholderTemplateExpressions(text: string, braces = true): string {
  const ejs = text.includes('<%=') || text.includes('<%-');
  if (!(braces && text.includes('{{')) && !ejs) return text;
  let out = '';
  let last = 0;
  let quote = '';
  let comment: '' | 'line' | 'block' = '';
  // The next closing delimiter and line break are found once and reused while the scan moves on (linear).
  let nextBraceClose = 0;
  let nextTagClose = 0;
  let nextNewline = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (comment === 'line') {
      if (ch === '\n') comment = '';
      continue;
    }
    if (comment === 'block') {
      if (ch === '*' && text[i + 1] === '/') {
        comment = '';
        i++;
      }
      continue;
    }
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote || (ch === '\n' && quote !== '`')) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '/' && text[i + 1] === '/') comment = 'line';
    else if (ch === '/' && text[i + 1] === '*') comment = 'block';
    else if ((braces && ch === '{' && text[i + 1] === '{') || (ejs && ch === '<' && text[i + 1] === '%' && (text[i + 2] === '=' || text[i + 2] === '-'))) {
      if (nextNewline !== -1 && nextNewline < i + 2) nextNewline = text.indexOf('\n', i + 2);
      let close: number;
      if (ch === '{') {
        if (nextBraceClose !== -1 && nextBraceClose < i + 2) nextBraceClose = text.indexOf('}}', i + 2);
        close = nextBraceClose;
      } else {
        if (nextTagClose !== -1 && nextTagClose < i + 3) nextTagClose = text.indexOf('%>', i + 3);
        close = nextTagClose;
      }
      if (close === -1 || (nextNewline !== -1 && nextNewline < close)) continue;
      out += text.slice(last, i) + '_'.repeat(close + 2 - i);
      last = close + 2;
      i = close + 1;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/** A file written as a code template: under a cookiecutter folder, or holding Jinja tags. */
export function isCodeTemplate(path: string, text: string): boolean {
  return path.includes('{{') || /\{\{\s*cookiecutter\./.test(text) || /\{%-?\s*(?:if|for|set|raw|include)\b/.test(text);
}

/**
 * A Jinja conditional written inside one line of a code template renders one value
 * (`CORS_ALLOW_INSECURE = {% if HTTPS %}False{% else %}True{% endif %}`, `"user": {% if U %}"{{ U }}"{% else %}None{% endif %},`):
 * it becomes an identifier of its length, a name whose value the reader does not know, where the two
 * branches side by side would be a syntax error. A conditional without `else` that opens its line
 * (`{% if M %}"authMechanism": "{{ M }}",{% endif %}`) wraps code that may be there: only its tags are
 * blanked. Offsets are kept; each line is scanned once with indexOf.
 */
export function collapseInlineJinjaConditionals(text: string): string {
  if (!text.includes('{%')) return text;
  let out = '';
  let lineStart = 0;
  for (;;) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    out += line.includes('{%') ? collapseJinjaLine(line) : line;
    if (newline === -1) return out;
    out += '\n';
    lineStart = newline + 1;
  }
}

function collapseJinjaLine(line: string): string {
  let out = '';
  let last = 0;
  let depth = 0;
  let spanStart = -1;
  let branches = false;
  let tags: Array<[number, number]> = [];
  const insideQuotes = quoteTracker(line);
  for (let start = line.indexOf('{%'); start !== -1; ) {
    const stop = line.indexOf('%}', start + 2);
    if (stop === -1) break;
    const end = stop + 2;
    const word = /^[-+]?\s*(\w+)/.exec(line.slice(start + 2, Math.min(stop, start + 26)))?.[1] ?? '';
    if (word === 'if') {
      if (depth === 0) {
        spanStart = start;
        branches = false;
        tags = [];
      }
      depth++;
    } else if ((word === 'else' || word === 'elif') && depth === 1) branches = true;
    if (depth > 0) tags.push([start, end]);
    if (word === 'endif' && depth > 0 && --depth === 0) {
      const opensLine = line.slice(0, spanStart).trim() === '';
      // Inside a string (`"{% if tls %}https{% else %}http{% endif %}://{{ HOST }}"`) it stays a placeholder of that string.
      if (insideQuotes(spanStart)) {
        // left as written
      } else if (!opensLine) {
        out += line.slice(last, spanStart) + '_'.repeat(end - spanStart);
        last = end;
      } else if (!branches) {
        for (const [from, to] of tags) {
          out += line.slice(last, from) + ' '.repeat(to - from);
          last = to;
        }
      }
    }
    start = line.indexOf('{%', end);
  }
  return out + line.slice(last);
}

/**
 * Whether a position of `line` lies inside a '…' or "…" string opened earlier on the line (a backslash
 * escapes one character; after a `#` comment, never): asked for positions in increasing order, it reads
 * each character once.
 */
function quoteTracker(line: string): (at: number) => boolean {
  let quote = '';
  let comment = false;
  let i = 0;
  return (at) => {
    for (; i < at && !comment; i++) {
      const ch = line[i];
      if (quote && ch === '\\') i++;
      else if (quote && ch === quote) quote = '';
      else if (!quote && (ch === '"' || ch === "'")) quote = ch;
      else if (!quote && ch === '#') comment = true;
    }
    return quote !== '' && !comment;
  };
}
