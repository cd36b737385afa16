import type { Diagnostic } from '../model/types.js';
import { groupByFile } from './group.js';
import { safeText } from './sanitize.js';

const paint = (on: boolean, code: number, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);
const SEVERITY_COLOR: Record<Diagnostic['severity'], number> = { error: 31, warning: 33, info: 36 };

/** ESLint's "stylish" layout: a heading per file, one aligned line per finding, a summary. */
export function formatStylish(diagnostics: Diagnostic[], color: boolean): string {
  if (diagnostics.length === 0) return '';
  let out = '';
  for (const [file, list] of groupByFile(diagnostics)) {
    out += `\n${paint(color, 4, safeText(file))}\n`;
    const positions = list.map((d) => `${d.line}:${d.column}`);
    const width = Math.max(...positions.map((p) => p.length));
    const severityWidth = Math.max(...list.map((d) => d.severity.length));
    for (const [index, d] of list.entries()) {
      const position = paint(color, 2, positions[index].padEnd(width));
      const severity = paint(color, SEVERITY_COLOR[d.severity], d.severity.padEnd(severityWidth));
      out += `  ${position}  ${severity}  ${safeText(d.message)}  ${paint(color, 2, safeText(d.ruleId))}\n`;
    }
  }
  const count = (severity: Diagnostic['severity']) => diagnostics.filter((d) => d.severity === severity).length;
  const errors = count('error');
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const summary = `✖ ${plural(diagnostics.length, 'problem')} (${plural(errors, 'error')}, ${plural(count('warning'), 'warning')}, ${count('info')} info)`;
  out += `\n${paint(color, errors > 0 ? 31 : 33, summary)}\n`;
  return out;
}
