import { describe, expect, it } from 'vitest';
import { isCodeTemplate, placeholderTemplateExpressions } from '../src/util/delimited.js';

describe('code template expressions', () => {
  it('turns {{ … }} written as code into a same-length identifier, and leaves strings and comments alone', () => {
    const text = "const PORT = {{ cookiecutter.port }};\nconst a = '{{ x }}'; // {{ y }}\n/* {{ z }} */ const b = `{{ w }}`;\n";
    const out = placeholderTemplateExpressions(text);
    expect(out.length).toBe(text.length);
    expect(out).toBe(`const PORT = ${'_'.repeat('{{ cookiecutter.port }}'.length)};\n` + "const a = '{{ x }}'; // {{ y }}\n/* {{ z }} */ const b = `{{ w }}`;\n");
  });

  it('leaves an unclosed or multi-line {{ alone, in one pass', () => {
    expect(placeholderTemplateExpressions('a = {{ b\n}}')).toBe('a = {{ b\n}}');
    const bomb = '{{'.repeat(200_000);
    const started = process.cpuUsage();
    expect(placeholderTemplateExpressions(bomb)).toBe(bomb);
    const used = process.cpuUsage(started);
    // Quadratic rescanning of 400,000 characters would take minutes; one pass takes milliseconds.
    expect((used.user + used.system) / 1000).toBeLessThan(5_000);
  });

  it('turns EJS/ERB output tags written as code into identifiers in any file, and {{ … }} only in templates', () => {
    const text = "app.use(cors({ origin: <%= origin %>, credentials: <%- creds -%> }));\nconst a = '<%= x %>'; // <%= y %>\nconst s = { style: {{ a: 1 }} };\n";
    const out = placeholderTemplateExpressions(text, false);
    expect(out.length).toBe(text.length);
    expect(out).toBe(`app.use(cors({ origin: ${'_'.repeat('<%= origin %>'.length)}, credentials: ${'_'.repeat('<%- creds -%>'.length)} }));\n` + "const a = '<%= x %>'; // <%= y %>\nconst s = { style: {{ a: 1 }} };\n");
    expect(placeholderTemplateExpressions('a = <%= b\n%>', false)).toBe('a = <%= b\n%>');
    const bomb = '<%='.repeat(200_000);
    const started = process.cpuUsage();
    expect(placeholderTemplateExpressions(bomb, false)).toBe(bomb);
    const used = process.cpuUsage(started);
    expect((used.user + used.system) / 1000).toBeLessThan(5_000);
  });

  it('recognises code templates by their folder, a cookiecutter variable or a Jinja tag', () => {
    expect(isCodeTemplate('{{cookiecutter.slug}}/server.js', 'x')).toBe(true);
    expect(isCodeTemplate('server.js', 'const a = {{ cookiecutter.a }};')).toBe(true);
    expect(isCodeTemplate('server.js', '{% if x %}\n')).toBe(true);
    expect(isCodeTemplate('server.js', "const tpl = '{{ name }}';")).toBe(false);
  });
});
