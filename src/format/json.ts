import type { Diagnostic } from '../model/types.js';
import { groupByFile } from './group.js';
import { clip } from './sanitize.js';

/** ESLint's JSON shape, with severity as a word. */
export function formatJson(diagnostics: Diagnostic[]): string {
  const files = [...groupByFile(diagnostics)].map(([filePath, list]) => ({
    filePath,
    messages: list.map(({ ruleId, severity, message, line, column, endLine, endColumn, fix }) => ({ ruleId, severity, message: clip(message), line, column, endLine, endColumn, ...(fix ? { fix } : {}) })),
    errorCount: list.filter((d) => d.severity === 'error').length,
    warningCount: list.filter((d) => d.severity === 'warning').length,
    infoCount: list.filter((d) => d.severity === 'info').length,
  }));
  return `${JSON.stringify(files, null, 2)}\n`;
}
