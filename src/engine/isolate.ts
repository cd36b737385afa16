import type { Diagnostic, Loc } from '../model/types.js';
import { BudgetExceeded, withBudget } from '../util/budget.js';

/**
 * The boundary around every per-file stage of a lint run (parsing, extraction, rule runs). An
 * exception in one file's stage becomes one located `internal-error` diagnostic for that file and
 * the run goes on with the others; a stage that runs past its time budget is stopped and the file
 * reported as not analysed. A bug or a hostile file never costs the findings of every other file,
 * nor hangs the CLI, the language server or the Action.
 */

export const ISSUES_URL = 'https://github.com/cors-lint/cors-lint/issues';

/** Default per-file, per-stage budget. A 1 MB config lints in well under a second; this only stops runaway work. */
export const DEFAULT_TIME_BUDGET_MS = 10_000;

export class Boundary {
  readonly diagnostics: Diagnostic[] = [];
  readonly skipped: Array<{ path: string; reason: string }> = [];
  private readonly reported = new Set<string>();
  private readonly timedOut = new Set<string>();
  private readonly failed = new Set<string>();

  constructor(
    private readonly budgetMs: number,
    /** Line lengths of a file, to keep an internal-error's own position inside it. */
    private readonly lineLengths: (file: string) => number[] | undefined,
  ) {}

  /**
   * Runs one stage of one file; undefined when it failed (already reported). After a failure or a
   * timeout the file's later stages are not run, so a file gets one internal-error, not one per stage;
   * `always` stages (applying suppressions to what was found) run regardless.
   */
  run<T>(file: string, stage: string, work: () => T, at?: Loc, always = false): T | undefined {
    if (!always && this.gaveUp(file)) return undefined;
    try {
      return withBudget(this.budgetMs, work);
    } catch (error) {
      this.fail(file, stage, error, at);
      this.failed.add(file);
      return undefined;
    }
  }

  /** True when a stage of this file failed or ran out of time (its later stages are not run). */
  gaveUp(file: string): boolean {
    return this.failed.has(file) || this.timedOut.has(file);
  }

  /** Whether a file's stages stopped, and how (a parallel run's shards hand this over with their results). */
  gaveUpHow(file: string): { failed: boolean; timedOut: boolean } {
    return { failed: this.failed.has(file), timedOut: this.timedOut.has(file) };
  }

  /** Takes over what another thread's boundary recorded for one file, as if it had run here. */
  adopt(part: { file: string; failures: Diagnostic[]; skipped: Array<{ path: string; reason: string }>; gaveUp: { failed: boolean; timedOut: boolean } }): void {
    this.diagnostics.push(...part.failures);
    this.skipped.push(...part.skipped);
    if (part.gaveUp.failed) this.failed.add(part.file);
    if (part.gaveUp.timedOut) this.timedOut.add(part.file);
  }

  /** Reports a failure without stopping the file's other stages (one rule failing leaves the other rules). */
  fail(file: string, stage: string, error: unknown, at?: Loc): void {
    if (error instanceof BudgetExceeded) {
      if (this.timedOut.has(file)) return;
      this.timedOut.add(file);
      this.skipped.push({ path: file, reason: `not analysed: ${stage} ran past the time budget of ${error.budgetMs} ms` });
      return;
    }
    this.report(file, stage, describeError(error), at);
  }

  /** An engine-detected bug (a span outside its file): one internal-error per file and stage. */
  report(file: string, stage: string, what: string, at?: Loc): void {
    const key = `${file}\u0000${stage}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const loc = clampLoc(at ?? { file, line: 1, column: 1, endLine: 1, endColumn: 1 }, this.lineLengths(file));
    this.diagnostics.push({
      ruleId: 'internal-error',
      severity: 'error',
      message: `cors-lint failed while ${stage} (${what}); this file's results may be incomplete. This is a bug in cors-lint: please report it at ${ISSUES_URL}`,
      file,
      line: loc.line,
      column: loc.column,
      endLine: loc.endLine,
      endColumn: loc.endColumn,
    });
  }
}

/**
 * The error's class and the first frame of the stack: enough for a bug report, and never the
 * error's message, which can quote scanned content (a property name, a regex source).
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return 'a non-Error value was thrown';
  const name = /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : 'Error';
  if (error instanceof RangeError && error.message === 'Maximum call stack size exceeded') return 'RangeError: stack overflow';
  const frame = error.stack
    ?.split('\n')
    .map((line) => /^\s+at (?:([\w$.<> ]{1,80}) \()?(?:file:\/\/)?[^()]*?([\w.-]{1,80}\.(?:js|ts|mjs|cjs)):(\d+):\d+\)?$/.exec(line))
    .find((match) => match !== null);
  return frame ? `${name}${frame[1] ? ` in ${frame[1]}` : ''} at ${frame[2]}:${frame[3]}` : name;
}

/** A location moved inside the file (a diagnostic outside it would break editors and SARIF consumers). */
export function clampLoc(loc: Loc, lines: number[] | undefined): Loc {
  if (!lines || lines.length === 0) return loc;
  const clampLine = (line: number) => Math.min(Math.max(1, Number.isFinite(line) ? Math.trunc(line) : 1), lines.length);
  const line = clampLine(loc.line);
  const column = Math.min(Math.max(1, Number.isFinite(loc.column) ? Math.trunc(loc.column) : 1), lines[line - 1] + 1);
  let endLine = clampLine(loc.endLine);
  let endColumn = Math.min(Math.max(1, Number.isFinite(loc.endColumn) ? Math.trunc(loc.endColumn) : 1), lines[endLine - 1] + 1);
  if (endLine < line || (endLine === line && endColumn < column)) {
    endLine = line;
    endColumn = column;
  }
  return { file: loc.file, line, column, endLine, endColumn };
}

/** Whether a span lies inside its file and ends after it starts. */
export function insideFile(loc: Loc, lines: number[]): boolean {
  const fits = (line: number, column: number) => Number.isInteger(line) && Number.isInteger(column) && line >= 1 && line <= lines.length && column >= 1 && column <= lines[line - 1] + 1;
  const ordered = loc.endLine > loc.line || (loc.endLine === loc.line && loc.endColumn >= loc.column);
  return fits(loc.line, loc.column) && fits(loc.endLine, loc.endColumn) && ordered;
}
