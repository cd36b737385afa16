import type { Diagnostic } from '../model/types.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatSarif } from './sarif.js';
import { formatStylish } from './stylish.js';

export const FORMATS = ['stylish', 'json', 'sarif', 'github'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export interface FormatOptions {
  color: boolean;
  version: string;
}

/** Formatters only render; the engine has already sorted and de-duplicated. */
export function formatDiagnostics(format: OutputFormat, diagnostics: Diagnostic[], options: FormatOptions): string {
  switch (format) {
    case 'stylish':
      return formatStylish(diagnostics, options.color);
    case 'json':
      return formatJson(diagnostics);
    case 'sarif':
      return formatSarif(diagnostics, options.version);
    case 'github':
      return formatGithub(diagnostics);
  }
}
