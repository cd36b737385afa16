import type { Diagnostic } from '../model/types.js';
import { safeCommandText } from './sanitize.js';

/**
 * GitHub Actions workflow commands. Written by hand (about ten lines) rather than pulling in
 * @actions/core, an ESM-only 2.2 MB package, for one output format. Every scanned string (file
 * names included) goes through safeCommandText first: no terminal escapes, no `::`, bounded length.
 */
const COMMAND: Record<Diagnostic['severity'], string> = { error: 'error', warning: 'warning', info: 'notice' };

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function formatGithub(diagnostics: Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const properties = [
        `file=${escapeProperty(safeCommandText(d.file))}`,
        `line=${d.line}`,
        `col=${d.column}`,
        `endLine=${d.endLine}`,
        `endColumn=${d.endColumn}`,
        `title=${escapeProperty(`cors-lint (${d.ruleId})`)}`,
      ].join(',');
      return `::${COMMAND[d.severity]} ${properties}::${escapeData(safeCommandText(d.message))}\n`;
    })
    .join('');
}
