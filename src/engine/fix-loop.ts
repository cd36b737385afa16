import type { Diagnostic, Fix } from '../model/types.js';
import { applyFixes } from './fix.js';

/**
 * `--fix` without I/O: applies the certain fixes file by file, lints again, and keeps a fix only
 * when its finding is gone and no finding appeared (anywhere: an nginx snippet is judged inside the
 * files that include it). When a file's fixes together fail that test they are tried one at a time,
 * so one bad fix does not cost the others.
 */

export interface RolledBack {
  diagnostic: Diagnostic;
  reason: string;
}

export interface FixOutcome {
  /** Every file's text after the kept fixes (unchanged files included). */
  texts: Map<string, string>;
  /** Files whose text changed. */
  changed: string[];
  fixed: Diagnostic[];
  rolledBack: RolledBack[];
  /** The findings of the last lint (after the kept fixes). */
  diagnostics: Diagnostic[];
}

const key = (d: Diagnostic) => `${d.ruleId}\u0000${d.file}\u0000${d.message}`;

function counts(list: Diagnostic[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of list) out.set(key(d), (out.get(key(d)) ?? 0) + 1);
  return out;
}

/** Undefined when `after` is `before` minus `fixed` (or fewer); else why not. */
function verdict(before: Diagnostic[], fixed: Diagnostic[], after: Diagnostic[]): string | undefined {
  const allowed = counts(before);
  for (const d of fixed) allowed.set(key(d), (allowed.get(key(d)) ?? 0) - 1);
  const fixedKeys = new Set(fixed.map(key));
  for (const [k, n] of counts(after)) {
    if (n <= (allowed.get(k) ?? 0)) continue;
    const sample = after.find((d) => key(d) === k)!;
    return fixedKeys.has(k) ? `the finding is still there after the fix` : `the fix makes a new finding: ${sample.file}:${sample.line}:${sample.column} ${sample.ruleId}`;
  }
  return undefined;
}

export function fixAll(texts: Map<string, string>, before: Diagnostic[], relint: (texts: Map<string, string>) => Diagnostic[]): FixOutcome {
  const current = new Map(texts);
  let diagnostics = before;
  const fixed: Diagnostic[] = [];
  const rolledBack: RolledBack[] = [];
  const changed = new Set<string>();
  const files = [...new Set(before.filter((d) => d.fix && current.has(d.file)).map((d) => d.file))].sort();
  for (const file of files) {
    const candidates = diagnostics.filter((d) => d.file === file && d.fix);
    if (candidates.length === 0) continue;
    const original = current.get(file)!;
    const baseline = diagnostics;
    const attempt = (list: Diagnostic[]): { ok: boolean; reason?: string; text: string; applied: Diagnostic[]; after: Diagnostic[] } => {
      const { text, applied } = applyFixes(original, list.map((d) => d.fix!));
      const appliedSet = new Set<Fix>(applied);
      const used = list.filter((d) => appliedSet.has(d.fix!));
      const trial = new Map(current).set(file, text);
      const after = relint(trial);
      const reason = verdict(baseline, used, after);
      return { ok: reason === undefined, reason, text, applied: used, after };
    };
    const together = attempt(candidates);
    if (together.ok && together.applied.length === candidates.length) {
      current.set(file, together.text);
      diagnostics = together.after;
      fixed.push(...together.applied);
      if (together.text !== original) changed.add(file);
      continue;
    }
    // One at a time (each trial applies the fixes kept so far plus one more to the original text).
    const ordered = [...candidates].sort((a, b) => a.fix!.range[0] - b.fix!.range[0]);
    const kept: Diagnostic[] = [];
    for (const candidate of ordered) {
      // The same edit offered for two findings (one regex, two rules) goes in together.
      const twins = ordered.filter((d) => d.fix!.range[0] === candidate.fix!.range[0] && d.fix!.range[1] === candidate.fix!.range[1] && d.fix!.text === candidate.fix!.text);
      if (twins[0] !== candidate) continue;
      const single = attempt([...kept, ...twins]);
      if (single.ok) {
        kept.push(...twins);
        current.set(file, single.text);
        diagnostics = single.after;
        fixed.push(...twins);
      } else for (const twin of twins) rolledBack.push({ diagnostic: twin, reason: single.reason ?? 'it overlaps another fix' });
    }
    if (current.get(file) !== original) changed.add(file);
  }
  return { texts: current, changed: [...changed].sort(), fixed, rolledBack, diagnostics };
}
