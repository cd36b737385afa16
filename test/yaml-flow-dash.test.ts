import { describe, expect, it } from 'vitest';
import { parseYaml } from '../src/extract/yaml/parse.js';

/** PyYAML and go-yaml read a `-` that runs into `,` `]` or `}` in a flow collection as the scalar `-`. */
describe('a lone dash in a flow collection', () => {
  it('is the scalar `-`, with no parse error and its range where it is written', () => {
    const text = '# cors\nA: !Split [-, !Ref B]\nC: [a, -]\nD: {k: -}\n';
    const parsed = parseYaml({ path: 't.yaml', text });
    expect(parsed.errors).toEqual([]);
    const js = parsed.documents[0].doc.toJS() as Record<string, unknown>;
    expect(js).toEqual({ A: ['-', 'B'], C: ['a', '-'], D: { k: '-' } });
    const split = parsed.documents[0].doc.get('A', true) as { items: Array<{ range: number[] }> };
    expect(split.items[0].range[0]).toBe(text.indexOf('[-') + 1);
  });

  it('followed by a blank stays an error, as in PyYAML; a dash in a plain block scalar is left alone', () => {
    expect(parseYaml({ path: 't.yaml', text: '# cors\nA: [- , b]\n' }).errors).toHaveLength(1);
    const parsed = parseYaml({ path: 't.yaml', text: '# cors\npattern: ^([1-5][,-]?)+$\nA: [-, b]\n' });
    expect(parsed.errors).toEqual([]);
    expect(parsed.documents[0].doc.toJS()).toEqual({ pattern: '^([1-5][,-]?)+$', A: ['-', 'b'] });
  });

  it('costs one more parse however many there are', () => {
    // 20,000 dashes: 0.8 s of CPU (main's single parse that reports them: 0.6 s).
    const text = `# cors\nA: [${'-, '.repeat(20_000)}b]\n`;
    const start = process.cpuUsage();
    const parsed = parseYaml({ path: 't.yaml', text });
    const used = process.cpuUsage(start);
    expect(parsed.errors).toEqual([]);
    expect((used.user + used.system) / 1e6).toBeLessThan(6);
  });
});
