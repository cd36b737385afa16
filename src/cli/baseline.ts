import { createRequire } from 'node:module';
import { lineStarts } from '../engine/fix.js';
import type { Diagnostic } from '../model/types.js';

/** node:crypto (about twenty internal modules) is loaded only by runs that fingerprint findings, not by every cold start. */
const crypto = () => createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');

/**
 * `--baseline FILE`: the findings an existing codebase already has, recorded so that only new
 * ones are reported. A finding's fingerprint is its rule, its file, the text under it (whitespace
 * collapsed) and which occurrence of that text it is in the file, so it survives lines moving
 * above or below it; editing the flagged text itself makes it a new finding, as it should.
 */
export interface BaselineFile {
  version: 1;
  tool: 'cors-lint';
  findings: Array<{ fingerprint: string; ruleId: string; file: string; line: number; message: string }>;
}

export function fingerprints(diagnostics: Diagnostic[], textOf: (file: string) => string | undefined): string[] {
  const startsCache = new Map<string, number[]>();
  const seen = new Map<string, number>();
  const ordered = diagnostics.map((d, index) => ({ d, index })).sort((a, b) => (a.d.file < b.d.file ? -1 : a.d.file > b.d.file ? 1 : 0) || a.d.line - b.d.line || a.d.column - b.d.column);
  const out: string[] = new Array(diagnostics.length);
  for (const { d, index } of ordered) {
    const text = textOf(d.file);
    let token = '';
    if (text !== undefined) {
      if (!startsCache.has(d.file)) startsCache.set(d.file, lineStarts(text));
      const starts = startsCache.get(d.file)!;
      const start = (starts[d.line - 1] ?? 0) + d.column - 1;
      const end = (starts[d.endLine - 1] ?? 0) + d.endColumn - 1;
      token = text.slice(start, Math.min(end, start + 400)).replace(/\s+/g, ' ').trim();
      // A file-level finding (1:1, empty span) is told apart by its message instead.
      if (!token) token = `@${d.message}`;
    } else token = `@${d.message}`;
    const base = `${d.ruleId}\u0000${d.file}\u0000${token}`;
    const occurrence = seen.get(base) ?? 0;
    seen.set(base, occurrence + 1);
    out[index] = crypto().createHash('sha256').update(`${base}\u0000${occurrence}`).digest('hex').slice(0, 32);
  }
  return out;
}

export function renderBaseline(diagnostics: Diagnostic[], prints: string[]): string {
  const file: BaselineFile = {
    version: 1,
    tool: 'cors-lint',
    findings: diagnostics.map((d, i) => ({ fingerprint: prints[i], ruleId: d.ruleId, file: d.file, line: d.line, message: d.message })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Throws with a reason when the text is not a cors-lint baseline. */
export function parseBaseline(text: string): Map<string, number> {
  const data = JSON.parse(text) as Partial<BaselineFile>;
  if (data?.tool !== 'cors-lint' || data.version !== 1 || !Array.isArray(data.findings)) throw new Error('not a cors-lint baseline (expected {"tool": "cors-lint", "version": 1, "findings": [...]})');
  const counts = new Map<string, number>();
  for (const finding of data.findings) {
    if (typeof finding?.fingerprint !== 'string') throw new Error('a finding without a fingerprint');
    counts.set(finding.fingerprint, (counts.get(finding.fingerprint) ?? 0) + 1);
  }
  return counts;
}

/** The findings whose fingerprint the baseline does not hold (each baselined fingerprint absorbs one finding). */
export function newFindings(diagnostics: Diagnostic[], prints: string[], baseline: Map<string, number>): Diagnostic[] {
  const left = new Map(baseline);
  return diagnostics.filter((_, i) => {
    const n = left.get(prints[i]) ?? 0;
    if (n > 0) {
      left.set(prints[i], n - 1);
      return false;
    }
    return true;
  });
}
