import type { Diagnostic } from '../model/types.js';

/**
 * `cors-lint-disable-next-line <id>[, <id>] -- reason` and `cors-lint-disable <id>` (whole file),
 * in any comment syntax the supported formats use (`#`, `//`, `/* … *\/`). No id means every rule.
 */
export interface Suppression {
  kind: 'next-line' | 'file';
  ruleIds: string[] | 'all';
  line: number;
  column: number;
  endColumn: number;
  used: Set<string>;
}

const DIRECTIVE = /(#|\/\/|\/\*)\s*(cors-lint-disable-next-line|cors-lint-disable)(?![\w-])([^\n]*)/g;

export function parseSuppressions(text: string): Suppression[] {
  const out: Suppression[] = [];
  if (!text.includes('cors-lint-disable')) return out;
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    DIRECTIVE.lastIndex = 0;
    const match = DIRECTIVE.exec(line);
    if (!match) continue;
    const rest = match[3].replace(/\*\/.*$/, '').split(' -- ')[0].trim();
    const ids = rest
      .split(/[\s,]+/)
      .map((id) => id.trim())
      .filter(Boolean);
    const start = match.index + match[0].indexOf('cors-lint-disable');
    out.push({
      kind: match[2] === 'cors-lint-disable' ? 'file' : 'next-line',
      ruleIds: ids.length > 0 ? ids : 'all',
      line: index + 1,
      column: start + 1,
      endColumn: start + 1 + match[2].length,
      used: new Set(),
    });
  }
  return out;
}

/** The line a next-line suppression covers: the next one that is not itself a comment-only suppression or expectation. */
function coveredLine(suppression: Suppression, lines: string[]): number {
  let line = suppression.line + 1;
  while (line <= lines.length && /^\s*(#|\/\/)\s*cors-lint-(disable|expect)/.test(lines[line - 1] ?? '')) line++;
  return line;
}

export function applySuppressions(diagnostics: Diagnostic[], text: string, knownRuleIds: Set<string>, file: string): Diagnostic[] {
  const suppressions = parseSuppressions(text);
  if (suppressions.length === 0) return diagnostics;
  const lines = text.split('\n');
  const kept = diagnostics.filter((diagnostic) => {
    for (const suppression of suppressions) {
      const ruleMatches = suppression.ruleIds === 'all' || suppression.ruleIds.includes(diagnostic.ruleId);
      if (!ruleMatches) continue;
      if (suppression.kind === 'file' || coveredLine(suppression, lines) === diagnostic.line) {
        suppression.used.add(diagnostic.ruleId);
        return false;
      }
    }
    return true;
  });
  for (const suppression of suppressions) {
    const ids = suppression.ruleIds === 'all' ? ['all'] : suppression.ruleIds;
    for (const id of ids) {
      const unknown = id !== 'all' && !knownRuleIds.has(id);
      if (!unknown && (id === 'all' ? suppression.used.size > 0 : suppression.used.has(id))) continue;
      kept.push({
        ruleId: 'unused-suppression',
        severity: 'warning',
        message: unknown ? `suppression names unknown rule '${id}'` : `suppression of ${id === 'all' ? 'all rules' : `'${id}'`} is unused: nothing was reported ${suppression.kind === 'file' ? 'in this file' : 'on the next line'}`,
        file,
        line: suppression.line,
        column: suppression.column,
        endLine: suppression.line,
        endColumn: suppression.endColumn,
      });
    }
  }
  return kept;
}
