import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collapseInlineConditionals, neutralizeTemplates } from '../src/extract/nginx/workspace.js';
import { neutralizeTemplates as neutralizeYamlTemplates, TEMPLATE_CHAR } from '../src/extract/yaml/parse.js';
import { blankTemplateStatementLines, collapseInlineJinjaConditionals } from '../src/util/delimited.js';

/**
 * neutralizeTemplates scans with indexOf instead of lazy regexes, which retried from every opening
 * delimiter and took minutes on a file of unclosed `{{`. The regex form is kept here as the
 * reference: both must give the same text on any input, and the scan must stay linear.
 */
const GO_CONTROL = /^\{\{[-~]?\s*(?:[#/^!]|(?:if|else|end|range|with|define|block|template|break|continue)\b)/;
function reference(text: string): string {
  if (!text.includes('{{') && !text.includes('{%') && !text.includes('{#') && !text.includes('<%')) return text;
  const blank = (match: string) => match.replace(/[^\n]/g, ' ');
  // An expression alone on its line (blanks around it, or a # comment after) is an inserted block: `include $x…;`.
  const alone = (whole: string, offset: number, length: number) => {
    const lineStart = whole.lastIndexOf('\n', offset - 1) + 1;
    const rest = whole.slice(offset + length).split(/[\r\n]/, 1)[0];
    return /^[ \t]*$/.test(whole.slice(lineStart, offset)) && /^[ \t]*(#.*)?$/.test(rest);
  };
  const unknown = (match: string, offset: number, whole: string) =>
    match.includes('\n') ? blank(match) : alone(whole, offset, match.length) && match.length >= 11 ? `include $${'x'.repeat(match.length - 10)};` : `$${'x'.repeat(match.length - 1)}`;
  return text
    // A Go comment runs to its first star-slash when the delimiter follows it; any other action (or a comment whose star-slash lacks it) to the next `}}`.
    .replace(/\{\{(?:-[ \t\r\n])?\/\*(?:(?!\*\/)[\s\S])*\*\/(?:\}\}|[ \t\r\n]-\}\})|\{\{[\s\S]*?\}\}/g, (match, offset: number, whole: string) => (GO_CONTROL.test(match) || /^\{\{-?\s*\/\*/.test(match) || /^\{\{-?\s*\$\w*\s*:?=[^=]/.test(match) ? blank(match) : unknown(match, offset, whole)))
    .replace(/\{%[\s\S]*?%\}/g, blank)
    .replace(/\{#[^\n]*?#\}/g, blank)
    .replace(/<%=[\s\S]*?%>/g, (match, offset: number, whole: string) => unknown(match, offset, whole))
    .replace(/<%[\s\S]*?%>/g, blank);
}

describe('nginx template neutralization', () => {
  it('gives exactly what the regex form gives', () => {
    const piece = fc.constantFrom('{{', '}}', '{{/*', '*/}}', '*/', '{{- /*', ' -}}', '{%', '%}', '{#', '#}', '<%', '<%=', '%>', '{', '}', '#', '%', '=', '<', '\n', ' ', 'if ', 'end', '- ', '/* ', ' */', 'x', '.Values.o', 'add_header A *;', '\r', '\t', ' include "cors" . ', ' proxy ', '$o', ' := ', '$_ = ', '==');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(neutralizeTemplates(text)).toBe(reference(text));
      }),
      { numRuns: 5000, seed: 1 },
    );
  });

  it('is linear on unclosed delimiters', () => {
    for (const unit of ['{{', '<%=', '{#', '{%', '<%', '{{/*', '{{/* }}', '{{/* */']) {
      const started = Date.now();
      neutralizeTemplates(unit.repeat(200_000));
      neutralizeTemplates(`${unit} }}\n`.repeat(50_000) + unit.repeat(100_000));
      expect(Date.now() - started, unit).toBeLessThan(2_000);
    }
  });
});

describe('Jinja statement lines in code and YAML', () => {
  it('blank whole statement and comment lines only, keeping every offset', () => {
    const text = 'a = 1\n{%- if x %}\n  {# note #}  \nb = "{% raw %}"\n{% if a %}{% endif %}\r\n{% unclosed\n';
    const out = blankTemplateStatementLines(text);
    expect(out).toHaveLength(text.length);
    expect(out.split('\n').map((line) => line.trim())).toEqual(['a = 1', '', '', 'b = "{% raw %}"', '', '{% unclosed', '']);
    const yaml = neutralizeYamlTemplates('k: v\n{% if tls %}\n  x: "{% y %}"\n{# c #}\n');
    expect(yaml).toHaveLength('k: v\n{% if tls %}\n  x: "{% y %}"\n{# c #}\n'.length);
    expect(yaml).toBe(`k: v\n${' '.repeat(12)}\n  x: "${TEMPLATE_CHAR.repeat(7)}"\n${' '.repeat(7)}\n`);
  });

  it('an inline conditional in Python code is one unknown name, or only its tags go when it opens its line without else', () => {
    const name = (span: string) => '_'.repeat(span.length);
    const blank = (span: string) => ' '.repeat(span.length);
    const cases: Array<[string, string]> = [
      ['X = {% if a %}False{% else %}True{% endif %}', `X = ${name('{% if a %}False{% else %}True{% endif %}')}`],
      ['    "u": {% if u %}"{{ u }}"{% else %}None{% endif %},', `    "u": ${name('{% if u %}"{{ u }}"{% else %}None{% endif %}')},`],
      ['    {% if m %}"k": "{{ m }}",{% endif %}', `    ${blank('{% if m %}')}"k": "{{ m }}",${blank('{% endif %}')}`],
      ['X = {% if a %}{% if b %}1{% endif %}{% else %}2{% endif %} + 1', `X = ${name('{% if a %}{% if b %}1{% endif %}{% else %}2{% endif %}')} + 1`],
    ];
    for (const [text, expected] of cases) expect(collapseInlineJinjaConditionals(text), text).toBe(expected);
    // Inside a string it stays a placeholder; with else, opening its line, and unclosed, it stays as written.
    for (const text of ['O = ["{% if tls %}https{% else %}http{% endif %}://{{ h }}"]', '{% if a %}A = 1{% else %}A = 2{% endif %}', 'X = {% if a %}1', "# {% if a %}'{% endif %}\nY = {% if b %}1{% else %}2{% endif %}"]) {
      const out = collapseInlineJinjaConditionals(text);
      expect(out).toHaveLength(text.length);
      if (!text.startsWith('#')) expect(out, text).toBe(text);
      else expect(out.split('\n')[1]).toBe(`Y = ${name('{% if b %}1{% else %}2{% endif %}')}`);
    }
  });

  it('stay linear on hostile lines', () => {
    const started = process.cpuUsage();
    for (const unit of ['{% if a %}"{% endif %}', 'x = {% if a %}1{% endif %}', '{% if %}{% else %}', '"{%', '{%%}']) {
      const text = unit.repeat(100_000);
      expect(collapseInlineJinjaConditionals(text)).toHaveLength(text.length);
      collapseInlineJinjaConditionals(`${unit}\n`.repeat(100_000));
    }
    for (const unit of ['{%', '{#', '%}', '{% %}x', '{%%}']) {
      blankTemplateStatementLines(unit.repeat(200_000));
      blankTemplateStatementLines(`${unit}\n`.repeat(100_000));
      neutralizeYamlTemplates(unit.repeat(200_000));
    }
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(5_000);
  });
});

describe('Helm idioms in YAML templates', () => {
  it("a key's `{{- include … | nindent n }}` before deeper lines and a block string's opening template line read as YAML", () => {
    const text = 'metadata:\n  labels: {{- include "l" . | nindent 4 }}\n    a: b\n  name: {{ .N }}\n  x: {{ .X }}\n  y: 1\ndata:\n  c: |-\n  {{- if .A }}\r\n\n    {{- end }}\n    server {}\n';
    const out = neutralizeYamlTemplates(text);
    expect(out).toHaveLength(text.length);
    // Every character that is not a blank or a line break keeps its offset (the breaks of the lines a template blanked may move up).
    for (let i = 0; i < text.length; i++) if (!/\s/.test(out[i]) && out[i] !== TEMPLATE_CHAR) expect(out[i], `offset ${i}`).toBe(text[i]);
    const lines = out.split('\n').map((line) => line.trimEnd());
    expect(lines).toEqual(['metadata:', '  labels:', '    a: b', `  name: ${TEMPLATE_CHAR.repeat(8)}`, `  x: ${TEMPLATE_CHAR.repeat(8)}`, '  y: 1', 'data:', '  c: |-', '', '', '', '    server {}', '']);
    // A plain blank line after a header is left alone, as is a header with an explicit indentation indicator.
    for (const kept of ['c: |\n      \n  x\n', 'c: |2\n  {{- if .A }}\n  x\n']) expect(neutralizeYamlTemplates(kept).split('\n')[0], kept).toBe(kept.split('\n')[0]);
  });

  it('stay linear on hostile lines', () => {
    const started = process.cpuUsage();
    for (const unit of ['k: {{ x }}\n', 'k: {{ x }}\n\n\n', 'k: |\n', 'k: |\n{{ x }}\n', '  k: |\n{{ x }}\n      \n', 'k: {{ x }}\n    a: b\n']) {
      const text = unit.repeat(50_000);
      expect(neutralizeYamlTemplates(text)).toHaveLength(text.length);
    }
    neutralizeYamlTemplates(`k: {{ x }}${'\n'.repeat(200_000)}  y`);
    // Comments never closed, closed without the delimiter, or holding many actions.
    for (const unit of ['{{/* ', '{{/* */ x }}', '{{- /* {{ x }} ', '{{/* {{ x }} */}}\n']) neutralizeYamlTemplates(unit.repeat(100_000));
    neutralizeYamlTemplates(`k: |${' '.repeat(200_000)}x\n{{ x }}\n`);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(5_000);
  });
});

describe('inline conditionals in nginx templates', () => {
  it('become one unknown value inside a directive, and stay blocks elsewhere', () => {
    const x = (span: string) => `$${'x'.repeat(span.length - 1)}`;
    const cases: Array<[string, string]> = [
      ['set $k {{ if ne .K "off" }}true{{ else }}false{{ end }};', `set $k ${x('{{ if ne .K "off" }}true{{ else }}false{{ end }}')};`],
      ['pass http://{% if tls %}a{% else %}b{% endif %}:80;', `pass http://${x('{% if tls %}a{% else %}b{% endif %}')}:80;`],
      ['set $a {{ if x }}{{ if y }}b{{ end }}{{ end }};', `set $a ${x('{{ if x }}{{ if y }}b{{ end }}{{ end }}')};`],
      ['add_header X {{ .H }}{{ if .x }}a{{ end }};', `add_header X {{ .H }}${x('{{ if .x }}a{{ end }}')};`],
    ];
    for (const [text, expected] of cases) expect(collapseInlineConditionals(text), text).toBe(expected);
    for (const text of ['{{ if .x }}add_header A b;{{ end }}', '  add_header A b; {{ if .x }}return 204;{{ end }}', 'location / { {{ if .x }}return 204;{{ end }} }', 'set $a {{ if x }}a\n{{ end }};', 'set $a {{ if x }}a;']) {
      expect(collapseInlineConditionals(text), text).toBe(text);
    }
  });

  it('keeps every offset and stays linear on hostile lines', () => {
    const started = process.cpuUsage();
    for (const unit of ['{{', '{{ if x }}', 'a {{ if x }}', 'a {% if x %}', '{{ end }}', 'a {{ if }}{{ end }}']) {
      const text = unit.repeat(100_000);
      expect(collapseInlineConditionals(text)).toHaveLength(text.length);
      collapseInlineConditionals(`${unit}\n`.repeat(100_000));
    }
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(5_000);
  });
});
