import type { File, Node } from '@babel/types';
import { changedRange } from '../../engine/parse-cache.js';
import { BudgetExceeded } from '../../util/budget.js';
import { walkStatement } from './statement-walk.js';

/**
 * Incremental Babel parsing for the language server: after an edit, only the top-level statements
 * around the edit are parsed again, and the tree is spliced from the previous tree's statements
 * before them, the new ones, and the previous tree's statements after them (positions shifted).
 *
 * One `BabelStream` stands for one fixed way of parsing (sourceType and plugins), and answers
 * exactly what a full parse of the whole text that way would: the same tree (without comments)
 * and recovered errors, or the same thrown error. It is exact because a top-level statement whose
 * last token is its own `;` (or the `}` of a declaration) ends without looking at what follows,
 * and Babel's state at the start of the next top-level statement is the same as at the start of a
 * file but for three things, each checked: strict mode (no directive prologue allowed), the
 * top-level names in scope (a window declaring a name declared outside it is parsed in full:
 * redeclaration errors depend on both), and `sawUnambiguousESM` (a window that contains `import`
 * or `export`, before or after the edit, is parsed in full). So:
 * - the window starts after such a statement before the edit and ends with such a statement after
 *   it, unchanged, which the window's parse must end at exactly (else the window grows);
 * - a window whose parse throws is parsed again to the end of the file: the full parse reads the
 *   statements before the window the same way, so it throws the same error (a throwing parse
 *   stops at the error, so this costs little);
 * - the error budget (TooManySyntaxErrors at 1,000 constructed errors) is kept exact by bounding
 *   the constructions of a whole-file parse and parsing in full past a safe margin.
 * The base of the next edit is the last text this stream parsed without throwing: while someone
 * types a half-written line (a thrown error on every keystroke), the window is the typed span.
 */

/** What the streams did (tests check that an edit is really parsed incrementally, by counts, not time). */
export const incrementalStats = { incremental: 0, full: 0, statementsParsed: 0 };

type Counter = { count: number };
/** Babel's parse with the engine's bounds (see boundedParse); `counter` counts constructed errors. */
export type BoundedParse = (text: string, options: object, counter: Counter) => File;

export type StreamOutcome = { ast: File; esm: boolean; bound: number; names?: NameCounts } | { error: unknown; bound: number };

interface Base {
  text: string;
  ast: File;
  esm: boolean;
  /** An upper bound of the errors a full parse of `text` constructs. */
  bound: number;
  /** How many top-level statements declare each name, and how many are of a kind not known (see topLevelNames); counted when first needed. */
  names?: NameCounts;
}

interface NameCounts {
  counts: Map<string, number>;
  unknown: number;
}

function countNames(statements: Node[]): NameCounts {
  const counts = new Map<string, number>();
  let unknown = 0;
  for (const statement of statements) {
    const names = topLevelNames(statement);
    if (!names) unknown++;
    else for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return { counts, unknown };
}

/** Past this bound the stream parses in full: the 1,000-error cut of a whole-file parse (and of unambiguous's second try) stays exact. */
export const MAX_INCREMENTAL_BOUND = 300;
/** Files shorter than `minText` characters are parsed in full (a splice does not pay); tests lower it. */
export const INCREMENTAL = { minText: 2000 };

const SEMICOLON_ENDED = new Set(['ExpressionStatement', 'VariableDeclaration', 'ReturnStatement', 'ThrowStatement', 'BreakStatement', 'ContinueStatement', 'EmptyStatement', 'DebuggerStatement', 'TSTypeAliasDeclaration']);
const BRACE_ENDED = new Set(['FunctionDeclaration', 'ClassDeclaration', 'TSInterfaceDeclaration', 'TSEnumDeclaration']);

/** A top-level statement that ends without looking at the token after it. */
function closedStatement(statement: Node, text: string, offset = 0): boolean {
  const last = text.charCodeAt(statement.end! - 1 - offset);
  if (SEMICOLON_ENDED.has(statement.type)) return last === 59;
  if (BRACE_ENDED.has(statement.type)) return last === 125;
  return false;
}

const MODULE_SYNTAX = /import|export/;

/**
 * Whether a window (its old or its new text) can be parsed apart: no `import`/`export` unless one
 * comes before it (Babel's sawUnambiguousESM is the file's), and no HTML-like comment (`-->` opens
 * one at the start of a line or of the input, so a window's first token would read differently).
 */
function spliceable(window: string, esmBefore: boolean): boolean {
  return (esmBefore || !MODULE_SYNTAX.test(window)) && !window.includes('-->') && !window.includes('<!--');
}

/** Whether one of the statements up to `last` is an import or export declaration. */
function hasModuleStatement(body: Node[], last: number): boolean {
  for (let i = 0; i <= last; i++) if (MODULE_DECLARATIONS.has(body[i].type)) return true;
  return false;
}

export class BabelStream {
  private base?: Base;

  constructor(
    private readonly options: () => object,
    private readonly sourceType: 'module' | 'script',
    private readonly parse: BoundedParse,
    private readonly plugins: readonly string[],
  ) {}

  /** The text of the last parse that did not throw (a seed for another stream that has none). */
  get baseText(): string | undefined {
    return this.base?.text;
  }

  /**
   * Parses `seed` in full to start from, when this stream has no base yet. Not prepared (see
   * prepare): a stream first needed at a syntax error mostly parses texts that throw, which never
   * splice; the walks, shift plans and names are made when a splice first asks for them (at the
   * first error of a 2,000-line file the three new streams' preparation cost 150 ms and its garbage).
   */
  seed(seed: string): void {
    if (this.base) return;
    const outcome = this.full(seed);
    if ('ast' in outcome) this.base = { text: seed, ast: outcome.ast, esm: outcome.esm, bound: outcome.bound };
  }

  run(text: string): StreamOutcome {
    const base = this.base;
    if (base && base.text === text) return { ast: base.ast, esm: base.esm, bound: base.bound, names: base.names };
    const incremental = base && this.incremental(base, text);
    const outcome = incremental || this.full(text);
    if (incremental) incrementalStats.incremental++;
    if ('ast' in outcome) this.base = { text, ast: outcome.ast, esm: outcome.esm, bound: outcome.bound, names: outcome.names };
    if (!incremental && 'ast' in outcome) this.prepare(this.base!);
    return outcome;
  }

  /**
   * After a full parse (a document opened), what the first edit would otherwise compute: the
   * statements' walks and shift plans, the names they declare.
   */
  private prepare(base: Base): void {
    if (base.text.length < INCREMENTAL.minText) return;
    base.names ??= countNames(base.ast.program.body as Node[]);
    for (const statement of base.ast.program.body) planOf(statement);
  }

  private full(text: string): StreamOutcome {
    incrementalStats.full++;
    const counter = { count: 0 };
    try {
      const ast = this.parse(text, this.options(), counter);
      return { ast, esm: MODULE_SYNTAX.test(text) && hasModuleSyntax(ast), bound: counter.count };
    } catch (error) {
      if (error instanceof BudgetExceeded) throw error;
      return { error, bound: counter.count };
    }
  }

  private incremental(base: Base, text: string): StreamOutcome | undefined {
    if (base.bound > MAX_INCREMENTAL_BOUND || text.length < INCREMENTAL.minText || /[\u2028\u2029]/.test(text) || /[\u2028\u2029]/.test(base.text)) return undefined;
    // Flow reads a `@flow` / `@noflow` pragma from the file's first comment; a window would read its own.
    if (this.plugins.includes('flow') && /@(no)?flow/.test(text)) return undefined;
    const program = base.ast.program;
    if (program.directives.length > 0 || program.interpreter) return undefined;
    const body = program.body as Node[];
    const { fromA, toA, toB } = changedRange(base.text, text);
    const delta = text.length - base.text.length;
    // The window starts after the last closed statement that ends at or before the edit.
    let left = upperBound(body, fromA) - 1;
    while (left >= 0 && !closedStatement(body[left], base.text)) left--;
    const startA = left >= 0 ? body[left].end! : 0;
    // The window is parsed after a block comment as long as the text before it, on one line, with that
    // line numbered and its start placed where the window's first line starts: every offset, line and
    // column Babel computes is the file's (its startIndex option misses some tokenizer errors' offsets).
    const blank = startA >= 4 ? `/*${'x'.repeat(startA - 4)}*/` : ' '.repeat(startA);
    const start = left >= 0 ? { startLine: body[left].loc!.end.line, startColumn: body[left].loc!.end.column - startA, startIndex: 0 } : {};
    const options = { ...this.options(), ...start };
    // Babel's sawUnambiguousESM (the module reading's label) is the file's: unchanged when an import or export comes before the window.
    const esmBefore = this.sourceType === 'script' || hasModuleStatement(body, left);
    // ... and ends with a closed statement that starts after it (its text unchanged).
    let right = lowerBoundStart(body, toA);
    void toB;
    for (let attempt = 0; attempt < 4; attempt++) {
      while (right < body.length && !closedStatement(body[right], base.text)) right++;
      if (right >= body.length) break;
      const endA = body[right].end!;
      const window = text.slice(startA, endA + delta);
      if (!spliceable(window, esmBefore) || !spliceable(base.text.slice(startA, endA), esmBefore)) return undefined;
      const counter = { count: 0 };
      let parsed: File;
      try {
        parsed = this.parse(blank + window, options, counter);
      } catch (error) {
        if (error instanceof BudgetExceeded) throw error;
        break; // to the end of the file
      }
      const last = parsed.program.body[parsed.program.body.length - 1] as Node | undefined;
      const aligned = last && last.start === body[right].start! + delta && last.end === endA + delta && closedStatement(last, text);
      if (aligned && parsed.program.directives.length === 0 && !parsed.program.interpreter) {
        incrementalStats.statementsParsed += parsed.program.body.length;
        const names = this.namesAfter(base, body.slice(left + 1, right + 1), parsed.program.body as Node[]);
        if (!names) return undefined;
        dropBlankComment(parsed, startA);
        return { ast: splice(base, text, parsed, left, right, delta), esm: base.esm, bound: base.bound + counter.count, names };
      }
      right += 2 ** (attempt + 1);
    }
    // The window runs to the end of the file.
    const window = text.slice(startA);
    if (!spliceable(window, esmBefore) || !spliceable(base.text.slice(startA), esmBefore)) return undefined;
    const counter = { count: 0 };
    let parsed: File;
    try {
      parsed = this.parse(blank + window, options, counter);
    } catch (error) {
      if (error instanceof BudgetExceeded) throw error;
      // The statements before the window parsed without throwing, the same way (names in scope change
      // only which errors are recovered): the full parse throws this error.
      return { error, bound: base.bound + counter.count };
    }
    if (parsed.program.directives.length > 0 || parsed.program.interpreter) return undefined;
    incrementalStats.statementsParsed += parsed.program.body.length;
    const names = this.namesAfter(base, body.slice(left + 1), parsed.program.body as Node[]);
    if (!names) return undefined;
    dropBlankComment(parsed, startA);
    return { ast: spliceToEnd(base, parsed, left), esm: base.esm, bound: base.bound + counter.count, names };
  }

  /**
   * The name counts of the spliced tree, or undefined when the names declared at top level by the
   * window's statements (the old ones, `removed`, and the new ones, `added`) are also declared
   * outside the window (a redeclaration error depends on both). A statement of a kind not known
   * counts as declaring any name.
   */
  private namesAfter(base: Base, removed: Node[], added: Node[]): NameCounts | undefined {
    base.names ??= countNames(base.ast.program.body as Node[]);
    const old = countNames(removed);
    const now = countNames(added);
    if (now.unknown > 0) return undefined;
    const inside = new Set([...old.counts.keys(), ...now.counts.keys()]);
    if (inside.size > 0 && base.names.unknown - old.unknown > 0) return undefined;
    for (const name of inside) if ((base.names.counts.get(name) ?? 0) - (old.counts.get(name) ?? 0) > 0) return undefined;
    // The counts move to the new tree (the base is not used again).
    const { counts } = base.names;
    for (const [name, count] of old.counts) counts.set(name, counts.get(name)! - count);
    for (const [name, count] of now.counts) counts.set(name, (counts.get(name) ?? 0) + count);
    return { counts, unknown: base.names.unknown - old.unknown };
  }

}

/** The window's first statement (or the program) carries the blank comment: dropped, it would keep the whole input alive. */
function dropBlankComment(window: File, start: number): void {
  const first = window.program.body[0] as Node | undefined;
  if (first?.leadingComments?.[0] && first.leadingComments[0].start! < start) first.leadingComments = first.leadingComments.slice(1);
  if (window.program.innerComments?.[0] && window.program.innerComments[0].start! < start) window.program.innerComments = window.program.innerComments.slice(1);
  window.comments = [];
}

/** The first index whose statement ends after `offset` (statements are sorted). */
function upperBound(body: Node[], offset: number): number {
  let lo = 0;
  let hi = body.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (body[mid].end! <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index whose statement starts at or after `offset`. */
function lowerBoundStart(body: Node[], offset: number): number {
  let lo = 0;
  let hi = body.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (body[mid].start! < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

type Position = { line: number; column: number; index: number };
type BabelError = { pos?: number; loc?: Position; clone?: (overrides: { loc: Position }) => BabelError };

function errorsOf(ast: File): BabelError[] {
  return ((ast as unknown as { errors?: BabelError[] }).errors ?? []) as BabelError[];
}

function errorPos(error: BabelError): number {
  return error.loc?.index ?? error.pos ?? 0;
}

interface Shift {
  /** Offsets at or after this (old text) move. */
  from: number;
  delta: number;
  lines: number;
  /** The old line of `from`, whose later columns move by `columns`. */
  line: number;
  columns: number;
  stamp: symbol;
}

function shiftedCopy(position: Position, shift: Shift): Position {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(position) as object) as Position, position);
  copy.column = position.line === shift.line ? position.column + shift.columns : position.column;
  copy.line = position.line + shift.lines;
  copy.index = position.index + shift.delta;
  return copy;
}

const STAMP = Symbol('shifted');


const SKIPPED = new Set(['loc', 'start', 'end', 'leadingComments', 'trailingComments', 'innerComments', 'extra', 'range', 'comments', 'tokens', 'errors']);

/** What a shift of one top-level statement touches: its nodes, its position objects (Babel shares them between nodes), the nodes whose `extra` keeps positions. */
interface ShiftPlan {
  nodes: Node[];
  /** Position objects no other statement's plan holds: moved without a stamp. */
  positions: Position[];
  /** Position objects another statement's plan holds too: moved once per shift, by their stamp. */
  shared: Position[];
  /** Set when another plan found one of `positions`: they are sorted again before the next shift. */
  dirty?: boolean;
  extras: Node[];
}

const plans = new WeakMap<Node, ShiftPlan>();
/**
 * The plan that holds a position object alone, or SHARED once a second plan holds it. A
 * keystroke shifts every statement below the edit (a thousand in the bench file): most positions
 * belong to one statement, and stamping each (a symbol property read and written) was a third of
 * the shift.
 */
const positionPlans = new WeakMap<Position, ShiftPlan>();
const SHARED: ShiftPlan = { nodes: [], positions: [], shared: [], extras: [] };

function planOf(statement: Node): ShiftPlan {
  let plan = plans.get(statement);
  if (!plan) {
    const nodes = walkStatement(statement).visited;
    const positions = new Set<Position>();
    const extras: Node[] = [];
    for (const node of nodes) {
      if (node.loc) {
        positions.add(node.loc.start as Position);
        positions.add(node.loc.end as Position);
      }
      const extra = node.extra as Record<string, unknown> | undefined;
      if (extra && (extra.parenStart !== undefined || extra.trailingComma !== undefined || extra.trailingCommaLoc !== undefined)) {
        extras.push(node);
        if (extra.trailingCommaLoc) positions.add(extra.trailingCommaLoc as Position);
      }
    }
    const made: ShiftPlan = { nodes, positions: [], shared: [], extras };
    for (const position of positions) {
      const holder = positionPlans.get(position);
      if (holder === undefined) {
        positionPlans.set(position, made);
        made.positions.push(position);
        continue;
      }
      made.shared.push(position);
      if (holder !== SHARED) {
        positionPlans.set(position, SHARED);
        holder.dirty = true;
      }
    }
    plan = made;
    plans.set(statement, plan);
  }
  if (plan.dirty) {
    // Positions a later plan found too move to `shared`.
    plan.dirty = false;
    const alone: Position[] = [];
    for (const position of plan.positions) (positionPlans.get(position) === plan ? alone : plan.shared).push(position);
    plan.positions = alone;
  }
  return plan;
}

/** Moves every node of `roots` (and the positions Babel keeps in `extra`) by `shift`. */
function shiftNodes(roots: Node[], shift: Shift): void {
  const { delta, line, columns, lines, stamp } = shift;
  for (const root of roots) {
    const plan = planOf(root);
    for (const node of plan.nodes) {
      node.start! += delta;
      node.end! += delta;
    }
    for (const position of plan.positions) {
      if (position.line === line) position.column += columns;
      position.line += lines;
      position.index += delta;
    }
    for (const position of plan.shared as Array<Position & { [STAMP]?: symbol }>) {
      // A position object shared with another statement moves once.
      if (position[STAMP] === stamp) continue;
      position[STAMP] = stamp;
      if (position.line === line) position.column += columns;
      position.line += lines;
      position.index += delta;
    }
    for (const node of plan.extras) {
      const extra = node.extra as Record<string, unknown>;
      if (typeof extra.parenStart === 'number') extra.parenStart += delta;
      if (typeof extra.trailingComma === 'number') extra.trailingComma += delta;
    }
  }
}

function cloneShallow<T extends object>(node: T): T {
  return Object.assign(Object.create(Object.getPrototypeOf(node) as object) as T, node);
}

function withErrors(ast: File, errors: BabelError[]): void {
  (ast as unknown as { errors: BabelError[] }).errors = errors;
}

/** base's statements before the window, the window's, and base's after it, moved to their new offsets. */
function splice(base: Base, text: string, window: File, left: number, right: number, delta: number): File {
  const body = base.ast.program.body as Node[];
  const startA = left >= 0 ? body[left].end! : 0;
  const endA = body[right].end!;
  const oldEnd = body[right].loc!.end as Position;
  const newEnd = window.program.body[window.program.body.length - 1].loc!.end as Position;
  const shift: Shift = { from: endA, delta, lines: newEnd.line - oldEnd.line, line: oldEnd.line, columns: newEnd.column - oldEnd.column, stamp: Symbol('shift') };
  // Errors first: a recovered error may share its position object with a node about to move.
  const errors: BabelError[] = [];
  for (const error of errorsOf(base.ast)) if (errorPos(error) < startA) errors.push(error);
  errors.push(...errorsOf(window));
  for (const error of errorsOf(base.ast)) {
    if (errorPos(error) < endA) continue;
    errors.push(error.loc && error.clone ? error.clone({ loc: shiftedCopy(error.loc, shift) }) : error);
  }
  // The program's and the file's ends may be a statement's position object, about to move.
  const programEnd = shiftedCopy(base.ast.program.loc!.end as Position, shift);
  const fileEnd = shiftedCopy(base.ast.loc!.end as Position, shift);
  const suffix = body.slice(right + 1);
  if (delta !== 0 || shift.lines !== 0 || shift.columns !== 0) shiftNodes(suffix, shift);
  const file = cloneShallow(base.ast);
  const program = cloneShallow(base.ast.program);
  program.body = [...body.slice(0, left + 1), ...window.program.body, ...suffix] as typeof program.body;
  program.end = base.ast.program.end! + delta;
  program.loc = { ...base.ast.program.loc!, end: programEnd } as typeof program.loc;
  if (base.ast.program.extra) program.extra = { ...base.ast.program.extra, topLevelAwait: topLevelAwait(base, window, [...body.slice(0, left + 1), ...suffix], startA, endA) };
  file.program = program;
  file.end = base.ast.end! + delta;
  file.loc = { ...base.ast.loc!, end: fileEnd } as typeof file.loc;
  file.comments = [];
  withErrors(file, errors);
  void text;
  return file;
}

/** base's statements before the window and the window's, which runs to the end of the file. */
function spliceToEnd(base: Base, window: File, left: number): File {
  const body = base.ast.program.body as Node[];
  const startA = left >= 0 ? body[left].end! : 0;
  const errors = [...errorsOf(base.ast).filter((error) => errorPos(error) < startA), ...errorsOf(window)];
  const file = cloneShallow(base.ast);
  const program = cloneShallow(base.ast.program);
  program.body = [...body.slice(0, left + 1), ...window.program.body] as typeof program.body;
  program.end = window.program.end;
  program.loc = { ...base.ast.program.loc!, end: window.program.loc!.end } as typeof program.loc;
  if (base.ast.program.extra) program.extra = { ...base.ast.program.extra, topLevelAwait: topLevelAwait(base, window, body.slice(0, left + 1), startA, base.text.length) };
  file.program = program;
  file.end = window.end;
  file.loc = { ...base.ast.loc!, end: window.loc!.end } as typeof file.loc;
  file.comments = [];
  withErrors(file, errors);
  return file;
}

/**
 * Babel's `program.extra.topLevelAwait` (module readings) of the spliced tree: the window's, or
 * the statements' outside it: the base's when the old window has no `await`, else theirs, one by one.
 */
function topLevelAwait(base: Base, window: File, outside: Node[], startA: number, endA: number): boolean {
  if (window.program.extra?.topLevelAwait) return true;
  if (!base.ast.program.extra?.topLevelAwait) return false;
  if (!base.text.slice(startA, endA).includes('await')) return true;
  return outside.some(awaitsAtTopLevel);
}

const FUNCTION_LIKE = /Function|Method|StaticBlock|ClassProperty|ClassPrivateProperty|ClassAccessorProperty/;
const topLevelAwaits = new WeakMap<Node, boolean>();

/** Whether a statement has an `await` (or `for await`, `await using`) outside any function: what sets Babel's hasTopLevelAwait. */
function awaitsAtTopLevel(statement: Node): boolean {
  let known = topLevelAwaits.get(statement);
  if (known === undefined) {
    known = false;
    const { visited } = walkStatement(statement);
    const parents = new Map<Node, Node>();
    for (const node of visited) for (const key in node) {
      const value = (node as unknown as Record<string, unknown>)[key];
      if (key === 'loc' || key === 'extra' || !value || typeof value !== 'object') continue;
      for (const child of Array.isArray(value) ? value : [value]) if (child && typeof (child as Node).type === 'string') parents.set(child as Node, node);
    }
    for (const node of visited) {
      const awaits = node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node.await) || (node.type === 'VariableDeclaration' && (node.kind as string) === 'await using');
      if (!awaits) continue;
      let inFunction = false;
      for (let up = parents.get(node); up && !inFunction; up = parents.get(up)) inFunction = FUNCTION_LIKE.test(up.type);
      if (!inFunction) {
        known = true;
        break;
      }
    }
    topLevelAwaits.set(statement, known);
  }
  return known;
}

const MODULE_DECLARATIONS = new Set(['ImportDeclaration', 'ExportNamedDeclaration', 'ExportDefaultDeclaration', 'ExportAllDeclaration']);

/** Babel's `sawUnambiguousESM`: an import or export declaration (anywhere, see allowImportExportEverywhere) or `import.meta`. */
function hasModuleSyntax(ast: File): boolean {
  const stack: Node[] = [ast.program];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (MODULE_DECLARATIONS.has(node.type)) return true;
    if (node.type === 'MetaProperty' && node.meta.name === 'import' && node.property.name === 'meta') return true;
    for (const key in node) {
      if (SKIPPED.has(key)) continue;
      const value = (node as unknown as Record<string, unknown>)[key];
      if (Array.isArray(value)) {
        for (const child of value) if (child && typeof (child as Node).type === 'string') stack.push(child as Node);
      } else if (value && typeof (value as Node).type === 'string') stack.push(value as Node);
    }
  }
  return false;
}

const namesCache = new WeakMap<Node, readonly string[] | null>();

/** The names a top-level statement declares in the program's scope (a superset), or null for a kind not known here. */
export function topLevelNames(statement: Node): readonly string[] | null {
  let names = namesCache.get(statement);
  if (names === undefined) {
    const out: string[] = [];
    names = declares(statement, out) ? out : null;
    namesCache.set(statement, names);
  }
  return names;
}

const NO_DECLARATION = new Set(['ExpressionStatement', 'EmptyStatement', 'ReturnStatement', 'ThrowStatement', 'BreakStatement', 'ContinueStatement', 'DebuggerStatement', 'ExportAllDeclaration', 'TSExportAssignment', 'TSNamespaceExportDeclaration']);

function declares(node: Node | null | undefined, out: string[]): boolean {
  if (!node) return true;
  if (NO_DECLARATION.has(node.type)) return true;
  switch (node.type) {
    case 'VariableDeclaration':
      return node.declarations.every((declarator) => patternNames(declarator.id, out));
    case 'BlockStatement':
      return node.body.every((statement) => declares(statement, out));
    case 'IfStatement':
      return declares(node.consequent, out) && declares(node.alternate, out);
    case 'ForStatement':
      return (node.init?.type !== 'VariableDeclaration' || declares(node.init, out)) && declares(node.body, out);
    case 'ForInStatement':
    case 'ForOfStatement':
      return (node.left.type !== 'VariableDeclaration' || declares(node.left, out)) && declares(node.body, out);
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'LabeledStatement':
    case 'WithStatement':
      return declares(node.body, out);
    case 'TryStatement':
      return declares(node.block, out) && declares(node.handler?.body, out) && declares(node.finalizer, out);
    case 'SwitchStatement':
      return node.cases.every((c) => c.consequent.every((statement) => declares(statement, out)));
    case 'ImportDeclaration':
      for (const specifier of node.specifiers) out.push(specifier.local.name);
      return true;
    case 'ExportNamedDeclaration':
      return declares(node.declaration, out);
    case 'ExportDefaultDeclaration':
      return node.declaration.type === 'FunctionDeclaration' || node.declaration.type === 'ClassDeclaration' || node.declaration.type === 'TSDeclareFunction' ? declares(node.declaration, out) : true;
  }
  // Declarations with a name: functions, classes, TypeScript's and Flow's declarations.
  const id = (node as { id?: Node | null }).id;
  if (id === null && (node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration' || node.type === 'TSDeclareFunction')) return true;
  if (id?.type === 'Identifier') {
    out.push(id.name);
    return true;
  }
  if (id?.type === 'StringLiteral') {
    out.push(id.value);
    return true;
  }
  return false;
}

function patternNames(node: Node | null | undefined, out: string[]): boolean {
  if (!node) return true;
  switch (node.type) {
    case 'Identifier':
      out.push(node.name);
      return true;
    case 'ObjectPattern':
      return node.properties.every((property) => (property.type === 'RestElement' ? patternNames(property.argument, out) : patternNames(property.value as Node, out)));
    case 'ArrayPattern':
      return node.elements.every((element) => patternNames(element, out));
    case 'AssignmentPattern':
      return patternNames(node.left, out);
    case 'RestElement':
      return patternNames(node.argument, out);
    default:
      return false;
  }
}
