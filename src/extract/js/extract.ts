import type { AssignmentExpression, CallExpression, ConditionalExpression, Expression, ExpressionStatement, File, IfStatement, NewExpression, Node, ObjectProperty, Program } from '@babel/types';
import { blankTemplateStatementLines, isCodeTemplate, placeholderTemplateExpressions } from '../../util/delimited.js';
import type { CorsPolicy, Loc, SourceFile } from '../../model/types.js';
import { NEXT_CONFIG, nextConfigHeaderPolicies } from '../platform/next-config.js';
import { cdkPolicies } from './aws-cdk.js';
import { hapiPolicies } from './hapi.js';
import { payloadPolicies } from './payload.js';
import { serverlessConfigPolicies } from './serverless-config.js';
import { findHandSetHeaderPolicies, handSetOwners, mayWriteHeader } from './hand-set.js';
import { middlewarePolicy, type MiddlewareSite } from './middleware.js';
import type { ModuleSource } from '../../engine/modules.js';
import { followCorsLayers, orderExpressLayers, scopeOf } from './express-layers.js';
import { JsProject } from './modules.js';
import { evaluate, locOf, propertyKey, type Bindings } from './values.js';
import { lineStartsOf, positionAt } from '../offsets.js';
import { BudgetExceeded, checkBudget } from '../../util/budget.js';
import { activeParseCache } from '../../engine/parse-cache.js';
import { loadLibrary } from '../../util/load-library.js';
import { BabelStream, MAX_INCREMENTAL_BOUND, type StreamOutcome } from './incremental.js';
import { ParentIndex } from './statement-walk.js';

export { ParentIndex };

type BabelParser = typeof import('@babel/parser');
let babel: BabelParser | undefined;

/** Loaded on first use, so a run over nginx files alone never loads the JS parser. */
function parser(): BabelParser {
  babel ??= loadLibrary('@babel/parser');
  return babel;
}

export interface JsExtraction {
  policies: CorsPolicy[];
  errors: Array<{ message: string; loc: Loc }>;
}

/** Modules whose default (or named `cors`) export builds a CORS middleware, and how it behaves. */
const FACTORY_MODULES: Record<string, { framework: MiddlewareSite['framework']; named?: string; variant?: MiddlewareSite['variant']; optionsAt?: number }> = {
  cors: { framework: 'express-cors' },
  // nextjs-cors runs the cors package on a Next.js API route's req/res: `await NextCors(req, res, options)`.
  'nextjs-cors': { framework: 'express-cors', optionsAt: 2 },
  '@koa/cors': { framework: 'koa-cors' },
  'koa2-cors': { framework: 'koa-cors', variant: 'koa2-cors' },
  // @koa/cors before it was renamed (2.x): it sends the request's Origin back by default.
  kcors: { framework: 'koa-cors', variant: 'kcors' },
  'hono/cors': { framework: 'hono-cors', named: 'cors' },
  '@elysiajs/cors': { framework: 'elysia-cors' },
  '@fastify/cors': { framework: 'fastify-cors' },
  'fastify-cors': { framework: 'fastify-cors' },
};

const ROUTE_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'options', 'head']);

export interface ParsedJs {
  /** Called with the node of an options object this file's CORS call takes from elsewhere (see JsProject). */
  onConsumed?: (node: Node) => void;
  ast: File;
  parents: ParentIndex;
  calls: CallExpression[];
  /** The calls that can write a header (see mayWriteHeader) and that can be a CORS middleware site: subsets of `calls`, in order. */
  headerCalls: CallExpression[];
  /** Calls and constructions that can be a CORS site (see mayBeSite), in order. */
  siteCalls: Array<CallExpression | NewExpression>;
  /** `cors: …` properties of object literals (hapi route options), in order. */
  corsKeys: ObjectProperty[];
  bindings: Bindings;
  file: string;
  text: string;
  /** A `.json` module: its one value (see parseJsonModule). */
  json?: Expression;
  /** The one major version of a package the repository's package.json allows this file (JsProject.packageMajor). */
  packageMajor?: (name: string) => number | undefined;
}

export type BabelPlugin = 'typescript' | 'jsx' | 'decorators-legacy' | 'flow';

/**
 * Syntax that ships in real code bases whatever the file's dialect: decorator auto-accessors
 * (`accessor x = 1`, TypeScript 4.9+) and import assertions written with `assert` (Node 16–20
 * era, `import data from './a.json' assert { type: 'json' }`). Neither is ambiguous with other syntax.
 */
const SYNTAX_PLUGINS = ['decoratorAutoAccessors', ['importAttributes', { deprecatedAssertSyntax: true }]] as const;

/** Babel with error recovery, read as a script when it has no import/export (see below); `.mjs`/`.mts` are modules. */
function babelOptions(path: string, plugins: readonly BabelPlugin[], sourceType: 'unambiguous' | 'script' | 'module') {
  return {
    sourceType,
    plugins: [...plugins, ...SYNTAX_PLUGINS],
    errorRecovery: true,
    allowReturnOutsideFunction: true,
    allowImportExportEverywhere: sourceType !== 'script',
    allowAwaitOutsideFunction: true,
    allowUndeclaredExports: true,
    // Every node's loc names its file (see fileOfNode): values read from another module keep their positions.
    sourceFilename: path,
  };
}

function babelParse(file: SourceFile, plugins: BabelPlugin[]): File {
  const module = /\.m[jt]s$/.test(file.path);
  const options = (sourceType: 'unambiguous' | 'script' | 'module') => babelOptions(file.path, plugins, sourceType);
  const ast = boundedParse(file.text, options(module ? 'module' : 'unambiguous'));
  // 'unambiguous' reads the file as a module first and keeps the strict-mode errors of that reading even when
  // it turns out to be a script (no import/export): a CommonJS file with '\033' is valid sloppy-mode JavaScript.
  if (module || ast.program.sourceType !== 'script' || recoveredErrors(ast).length === 0) return ast;
  const script = boundedParse(file.text, options('script'));
  return recoveredErrors(script).length < recoveredErrors(ast).length ? script : ast;
}

/** Thrown inside streamParse when a stream cannot answer exactly: the caller parses in full. */
const FALLBACK = Symbol('parse in full');

/**
 * The language server's parses of one file: one BabelStream per way babelParse and parseOnce
 * parse (sourceType × plugins), each reparsing only the statements an edit touched (see
 * incremental.ts). `parse` answers exactly what parseOnce answers, or undefined when it cannot.
 */
export class JsParseStreams {
  private readonly streams = new Map<string, BabelStream>();

  constructor(private readonly path: string) {}

  private run(text: string, sourceType: 'module' | 'script', plugins: BabelPlugin[]): StreamOutcome {
    const key = `${sourceType}:${plugins.join(',')}`;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = this.newStream(sourceType, plugins);
      // A stream first needed in the middle of an edit starts from the text another stream last parsed whole.
      const seed = [...this.streams.values()].map((other) => other.baseText).find((candidate) => candidate !== undefined && candidate !== text);
      this.streams.set(key, stream);
      if (seed !== undefined) stream.seed(seed);
    }
    const outcome = stream.run(text);
    if (outcome.bound > MAX_INCREMENTAL_BOUND) throw FALLBACK;
    return outcome;
  }

  private newStream(sourceType: 'module' | 'script', plugins: BabelPlugin[]): BabelStream {
    return new BabelStream(() => babelOptions(this.path, plugins, sourceType), sourceType, (input, options, counter) => boundedParse(input, options, counter), plugins);
  }

  /**
   * Starts, from `text` (the document as last linted), every stream a syntax error would need
   * that is not started yet: babelParse's script reading and the Flow retry's two readings (see
   * withFlowRetry). Each is a parse of the whole file, which the first half-typed line otherwise
   * paid at once (three of them, 220-600 ms on the 2,000-line bench file); the language server runs
   * this after publishing an opened document's diagnostics. Returns how many it started.
   */
  prewarm(text: string, isTs: boolean, plugins: BabelPlugin[]): number {
    const module = /\.m[jt]s$/.test(this.path);
    const wanted: Array<['module' | 'script', BabelPlugin[]]> = [];
    if (!module) wanted.push(['script', plugins]);
    if (!isTs && flowRetryIsSafe(text)) {
      wanted.push(['module', ['flow', 'jsx']]);
      if (!module) wanted.push(['script', ['flow', 'jsx']]);
    }
    let started = 0;
    for (const [sourceType, using] of wanted) {
      const key = `${sourceType}:${using.join(',')}`;
      if (this.streams.has(key)) continue;
      const stream = this.newStream(sourceType, using);
      this.streams.set(key, stream);
      stream.run(text);
      started++;
    }
    return started;
  }

  /** babelParse, through the streams. */
  private babelParse(text: string, plugins: BabelPlugin[]): File {
    if (/\.m[jt]s$/.test(this.path)) {
      const outcome = this.run(text, 'module', plugins);
      if ('error' in outcome) throw outcome.error;
      return outcome.ast;
    }
    // Babel's 'unambiguous': the module reading unless it throws (then the script reading, if that does not).
    let ast: File;
    const module = this.run(text, 'module', plugins);
    if ('ast' in module) {
      ast = module.ast;
      ast.program.sourceType = module.esm ? 'module' : 'script';
    } else {
      const script = this.run(text, 'script', plugins);
      if (!('ast' in script)) throw module.error;
      ast = script.ast;
    }
    if (ast.program.sourceType !== 'script' || recoveredErrors(ast).length === 0) return ast;
    const script = this.run(text, 'script', plugins);
    if ('error' in script) throw script.error;
    return recoveredErrors(script.ast).length < recoveredErrors(ast).length ? script.ast : ast;
  }

  /** parseOnce, through the streams; undefined when a stream cannot answer exactly. */
  parse(text: string, isTs: boolean, plugins: BabelPlugin[]): { ast?: File; failure?: unknown } | undefined {
    try {
      return withFlowRetry(text, isTs, plugins, (using) => this.babelParse(text, using), (error) => error === FALLBACK || error instanceof BudgetExceeded);
    } catch (error) {
      if (error === FALLBACK) return undefined;
      throw error;
    }
  }
}

type BabelError = { message: string; pos?: number; loc?: { line: number; column: number; index?: number } };

function recoveredErrors(ast: File): BabelError[] {
  return (ast as unknown as { errors?: BabelError[] }).errors ?? [];
}

/**
 * Babel's flow plugin tests each comment before the first token for an `@flow` pragma with a regex
 * that starts with `\s*`: quadratic in a run of white space inside such a comment (a 40,000-line
 * blank block comment took 25 s). The regex's work is about the sum, over those comments' blank runs,
 * of each run's length squared over two; past this bound (far beyond any real file header) the file
 * is not retried as Flow. Reads only the leading comments.
 */
const MAX_FLOW_PRAGMA_STEPS = 4_000_000;
function flowRetryIsSafe(text: string): boolean {
  let run = 0;
  let steps = 0;
  let i = 0;
  const blank = (code: number) => code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0xfeff || code === 0x2028 || code === 0x2029 || (code >= 0x2000 && code <= 0x200a) || code === 0x1680 || code === 0x202f || code === 0x205f || code === 0x3000;
  const scan = (end: number) => {
    for (; i < end; i++) {
      if (blank(text.charCodeAt(i))) {
        steps += ++run;
        if (steps > MAX_FLOW_PRAGMA_STEPS) return false;
      } else run = 0;
    }
    return true;
  };
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (blank(code)) {
      i++;
      run = 0;
    } else if (text.startsWith('//', i)) {
      run = 0;
      const end = text.indexOf('\n', i);
      if (!scan(end === -1 ? text.length : end)) return false;
    } else if (text.startsWith('/*', i)) {
      run = 0;
      const end = text.indexOf('*/', i + 2);
      if (!scan(end === -1 ? text.length : end + 2)) return false;
    } else return true;
  }
  return true;
}

interface JsParseEntry {
  text: string;
  ast?: File;
  failure?: unknown;
  /** The language server's incremental parses of this file. */
  streams?: JsParseStreams;
}

/**
 * The language server, after linting a JavaScript or TypeScript document it just opened: the
 * parses a syntax error would need are made now, from the text just linted (JsParseStreams.prewarm),
 * so the first half-typed line parses incrementally. Needs the active parse cache; returns how many
 * streams it started (none when the document was not linted as it is).
 */
export function prewarmJsParses(file: SourceFile): number {
  const entry = activeParseCache()?.get<JsParseEntry>('js', file.path);
  if (!entry || entry.text !== file.text) return 0;
  const { isTs, plugins } = jsParseSetup(file.path);
  entry.streams ??= new JsParseStreams(file.path);
  return entry.streams.prewarm(templateFreeSource(file), isTs, plugins);
}

/**
 * The text Babel reads: a code template's Jinja statement lines blanked, its `{{ … }}` code expressions
 * and any EJS/ERB output tag written as code made identifiers, offsets kept.
 */
function templateFreeSource(file: SourceFile): string {
  const blanked = blankTemplateStatementLines(file.text);
  return placeholderTemplateExpressions(blanked, isCodeTemplate(file.path, file.text));
}

/** Babel's tree of a file, or why there is none. */
export function parseOnce(file: SourceFile, isTs: boolean, plugins: BabelPlugin[]): { ast?: File; failure?: unknown } {
  return withFlowRetry(file.text, isTs, plugins, (using) => babelParse(file, using), () => false);
}

/**
 * Flow-typed JavaScript (`// @flow`, `x: string`) is ordinary in JS code bases: when the plain
 * parse fails, Babel's flow plugin gets a second try, and its tree is kept if it parses cleanly.
 * A failed first parse is the result's `failure` unless `passOn` says to throw it; a failed retry
 * keeps the first parse's result, but a time budget (and whatever `passOn` names) still stops the file.
 */
function withFlowRetry(text: string, isTs: boolean, plugins: BabelPlugin[], parse: (plugins: BabelPlugin[]) => File, passOn: (error: unknown) => boolean): { ast?: File; failure?: unknown } {
  let ast: File | undefined;
  let failure: unknown;
  try {
    ast = parse(plugins);
  } catch (error) {
    if (passOn(error)) throw error;
    failure = error;
  }
  if (!isTs && !(failure instanceof TooManySyntaxErrors) && (failure || recoveredErrors(ast!).length > 0) && flowRetryIsSafe(text)) {
    try {
      const flow = parse(['flow', 'jsx']);
      if (recoveredErrors(flow).length === 0) {
        ast = flow;
        failure = undefined;
      }
    } catch (error) {
      if (passOn(error) || error instanceof BudgetExceeded) throw error;
    }
  }
  return { ast, failure };
}

/** Whether a path is TypeScript, and the Babel plugins its first parse uses. */
export function jsParseSetup(path: string): { isTs: boolean; plugins: BabelPlugin[] } {
  const isTs = /\.(c|m)?tsx?$/.test(path);
  // Decorators in JavaScript too (MobX, Ember, Lit with Babel): `@` starts nothing else. The legacy
  // proposal is TypeScript's `experimentalDecorators`, which Nest's parameter decorators need.
  const plugins: BabelPlugin[] = isTs ? ['typescript', 'decorators-legacy'] : ['jsx', 'decorators-legacy'];
  if (/\.tsx$/.test(path)) plugins.push('jsx');
  return { isTs, plugins };
}

/** Syntax trees deeper than this are not read (see parseJs); Babel's own recursion gives out near 1,000 nested calls. */
const MAX_TREE_DEPTH = 2500;

export function parseJs(file: SourceFile, project?: JsProject): { parsed?: ParsedJs; errors: JsExtraction['errors'] } {
  const { isTs, plugins } = jsParseSetup(file.path);
  const lineStarts = lineStartsOf(file.text);
  // The language server lints a file again when another one changes: an unchanged text's parse is reused (see ParseCache).
  const cache = activeParseCache();
  const previous = cache?.get<JsParseEntry>('js', file.path);
  const reuse = previous?.text === file.text && (!previous.ast || cache!.claim(previous.ast));
  // An edited file is parsed incrementally (streams); the same text read twice in one run is parsed anew (see claim).
  const streams = cache && !reuse && previous?.text !== file.text ? (previous?.streams ?? new JsParseStreams(file.path)) : undefined;
  // Jinja statement lines (a cookiecutter template) are blanked for the parser; every offset stays the file's own.
  const source = templateFreeSource(file);
  const parseInput = source === file.text ? file : { ...file, text: source };
  const { ast, failure } = reuse ? previous! : (streams?.parse(source, isTs, plugins) ?? parseOnce(parseInput, isTs, plugins));
  if (cache && !reuse) {
    if (ast) cache.claim(ast);
    cache.set<JsParseEntry>('js', file.path, { text: file.text, ast, failure, streams: streams ?? previous?.streams });
  }
  if (!ast || failure) return { errors: [parseFailure(parseInput, lineStarts, failure)] };
  const errors: JsExtraction['errors'] = [];
  const recovered = recoveredErrors(ast);
  if (recovered.length > 0) {
    const more = recovered.length > 1 ? ` (and ${recovered.length - 1} more syntax error${recovered.length > 2 ? 's' : ''})` : '';
    errors.push({ message: cleanBabelMessage(recovered[0].message) + more, loc: pointLoc(file, lineStarts, recovered[0]) });
  }
  // Babel counts U+2028/U+2029 as line breaks (JavaScript does); editors and every other position here do not.
  const relocate = /[\u2028\u2029]/.test(file.text);
  const calls: CallExpression[] = [];
  const headerCalls: CallExpression[] = [];
  const siteCalls: Array<CallExpression | NewExpression> = [];
  const corsKeys: ObjectProperty[] = [];
  const declared = new Map<string, Node[]>();
  const reassignments = new Map<string, Node[]>();
  const conditionals = new Map<string, Array<Extract<Fact, { kind: 'conditional-assign' }>>>();
  const imports: Bindings['imports'] = new Map();
  let tooDeep: Node | undefined;
  const parents = ParentIndex.of(ast, (top, walk) => {
    if (walk.deepest.depth > MAX_TREE_DEPTH) tooDeep ??= walk.deepest.node;
    if (relocate) for (const node of walk.visited) relocateNode(node, lineStarts);
    // Replayed in the walk's order: the maps keep the insertion order of a walk over the whole file.
    for (const fact of statementFacts(top, walk.visited)) {
      if (fact.kind === 'call') {
        calls.push(fact.node);
        if (fact.header) headerCalls.push(fact.node);
        if (fact.site) siteCalls.push(fact.node);
      }
      else if (fact.kind === 'new') siteCalls.push(fact.node);
      else if (fact.kind === 'cors-key') corsKeys.push(fact.node);
      else if (fact.kind === 'import') imports.set(fact.name, fact.value);
      else if (fact.kind === 'declare') declared.set(fact.name, [...(declared.get(fact.name) ?? []), fact.node]);
      else if (fact.kind === 'conditional-assign') conditionals.set(fact.name, [...(conditionals.get(fact.name) ?? []), fact]);
      else reassignments.set(fact.name, [...(reassignments.get(fact.name) ?? []), fact.node]);
    }
  });
  // Babel reads chains (`a.use(x).use(y)…`, `'a' + 'a' + …`) without recursion, but the readers below recurse
  // down them: 8,000 chained `.use()` calls overflowed the stack (an internal error). Past a depth no code
  // written by hand reaches, the file is reported where the nesting goes past it, as Babel's own overflow is.
  if (tooDeep) return { errors: [{ message: `nesting too deep to analyse (more than ${MAX_TREE_DEPTH} levels); the file is not analysed`, loc: pointLoc(file, lineStarts, { message: '', pos: tooDeep.start ?? 0 }) }] };
  const values = new Map<string, Node>();
  for (const [name, nodes] of declared) if (nodes.length === 1 && !reassignments.has(name)) values.set(name, nodes[0]);
  for (const [name, [choice, ...others]] of conditionals) {
    const value = others.length === 0 ? conditionalValue(choice, declared.get(name), reassignments.get(name) ?? []) : undefined;
    if (value) values.set(name, value);
  }
  // Each candidate reads the whole tree once: a few per file at most (a generated file may have thousands).
  let implicitGlobals = 0;
  for (const [name, nodes] of reassignments) {
    if (values.has(name) || declared.has(name) || imports.has(name) || conditionals.has(name) || nodes.length !== 1) continue;
    if (++implicitGlobals > 8) break;
    const value = implicitGlobalValue(nodes[0], name, parents);
    if (value) values.set(name, value);
  }
  const bindings: Bindings = { values, imports, ...project?.bindingsHooks(file.path) };
  const parsed: ParsedJs = { ast, parents, calls, headerCalls, siteCalls, corsKeys, bindings, file: file.path, text: file.text, onConsumed: project ? (node) => project.consumed(node) : undefined, packageMajor: project ? (name) => project.packageMajor(file.path, name) : undefined };
  project?.remember(parsed);
  return { parsed, errors };
}

/**
 * `allowed = new Set([...])` in sloppy-mode code, with no declaration of the name anywhere in the file: the
 * assignment creates a global, and it is the name's only value when it is the name's one assignment, written
 * as a statement directly in a function body (or the program), the name is no parameter of the functions
 * around it, and the value does not read the name itself.
 */
function implicitGlobalValue(assignment: Node, name: string, parents: ParentIndex): Node | undefined {
  if (assignment.type !== 'AssignmentExpression' || assignment.operator !== '=') return undefined;
  const statement = parents.get(assignment);
  const block = statement && parents.get(statement);
  const owner = block?.type === 'BlockStatement' ? parents.get(block) : block;
  if (statement?.type !== 'ExpressionStatement' || !owner || (block?.type !== 'Program' && !FUNCTION_NODES.has(owner.type))) return undefined;
  for (let at: Node | undefined = owner; at; at = parents.get(at)) {
    if (!FUNCTION_NODES.has(at.type)) continue;
    const params = (at as Extract<Node, { params: unknown }>).params as Node[];
    if (params.some((param) => param.type !== 'Identifier' || param.name === name)) return undefined;
  }
  for (const node of parents.keys()) {
    if (node.type === 'VariableDeclarator' && (node.id.type !== 'Identifier' || node.id.name === name)) return undefined;
    if (node.type === 'Identifier' && node.name === name && node !== assignment.left && withinNode(node, assignment.right)) return undefined;
  }
  return assignment.right;
}

const FUNCTION_NODES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ObjectMethod', 'ClassMethod']);

function withinNode(node: Node, outer: Node): boolean {
  return (node.start ?? -1) >= (outer.start ?? 0) && (node.end ?? -1) <= (outer.end ?? -1);
}

type Fact =
  | { kind: 'call'; node: CallExpression; header: boolean; site: boolean }
  /** `new Server(httpServer, { cors })`: a construction that may be a CORS site. */
  | { kind: 'new'; node: NewExpression }
  | { kind: 'cors-key'; node: ObjectProperty }
  | { kind: 'import'; name: string; value: { module: string; imported: string } }
  | { kind: 'declare'; name: string; node: Node }
  | { kind: 'reassign'; name: string; node: Node }
  /**
   * `if (test) o = a; else o = b;` (also `else if` chains, and one arm only after `let o = b`): the name's value
   * is a choice by the test, read as `test ? a : b` when these are its only assignments (see conditionalValue).
   */
  | { kind: 'conditional-assign'; name: string; statement: IfStatement; assignments: Node[] };

const factsByStatement = new WeakMap<Node, Fact[]>();

/** One statement of an `if` arm: the statement itself, or the only one of a block. */
function soleStatement(node: Node | null | undefined): Node | undefined {
  if (node?.type !== 'BlockStatement') return node ?? undefined;
  return node.body.length === 1 ? node.body[0] : undefined;
}

/** `o = value;` as a statement: the name and the assignment. */
function plainAssignment(node: Node | undefined): { name: string; assignment: Node } | undefined {
  if (node?.type !== 'ExpressionStatement') return undefined;
  const expression = node.expression;
  return expression.type === 'AssignmentExpression' && expression.operator === '=' && expression.left.type === 'Identifier' ? { name: expression.left.name, assignment: expression } : undefined;
}

/** An `if` whose every arm is one assignment to the same name (an `else if` chain too; the last `else` may be missing). */
function assignedBranches(statement: IfStatement, depth = 0): { name: string; assignments: Node[] } | undefined {
  if (depth > 8) return undefined;
  const consequent = plainAssignment(soleStatement(statement.consequent));
  if (!consequent) return undefined;
  if (!statement.alternate) return { name: consequent.name, assignments: [consequent.assignment] };
  const alternate = soleStatement(statement.alternate);
  const rest = alternate?.type === 'IfStatement' ? assignedBranches(alternate, depth + 1) : plainAssignment(alternate) && { name: plainAssignment(alternate)!.name, assignments: [plainAssignment(alternate)!.assignment] };
  return rest && rest.name === consequent.name ? { name: consequent.name, assignments: [consequent.assignment, ...rest.assignments] } : undefined;
}

/**
 * `let o; if (process.env.ORIGINS) o = process.env.ORIGINS.split(','); else o = '*';`, or `let o = '*'; if (…) o = […];`:
 * the name holds `test ? a : b` (an `else if` chain nests), which the value reader decides as it does the
 * written-out conditional (the branch taken with the variable unset). Only when these assignments are the name's
 * only ones and it has at most one declaration, written before the `if`; an arm left out falls back to that
 * declaration's initial value (none: no value).
 */
function conditionalValue(choice: Extract<Fact, { kind: 'conditional-assign' }>, declarations: Node[] | undefined, reassignments: Node[]): Node | undefined {
  if (reassignments.some((node) => !choice.assignments.includes(node))) return undefined;
  if (declarations && declarations.length > 1) return undefined;
  const init = declarations?.[0];
  const build = (statement: IfStatement): Node | undefined => {
    const consequent = (soleStatement(statement.consequent) as ExpressionStatement).expression as AssignmentExpression;
    const alternateStatement = soleStatement(statement.alternate);
    const alternate = alternateStatement?.type === 'IfStatement' ? build(alternateStatement) : alternateStatement ? ((alternateStatement as ExpressionStatement).expression as AssignmentExpression).right : init;
    if (!alternate) return undefined;
    const span = { start: statement.start, end: statement.end, loc: statement.loc };
    return { type: 'ConditionalExpression', test: statement.test, consequent: consequent.right, alternate, ...span } as ConditionalExpression;
  };
  // An initial value written after the `if` is not what the missing arm leaves (another scope's name, most likely).
  if (init && (init.start ?? 0) > (choice.statement.start ?? 0)) return undefined;
  return build(choice.statement);
}

/**
 * What parseJs collects from one top-level statement (calls, imports and requires, declarations,
 * reassignments), in the walk's order; kept with the statement, which an incremental parse reuses.
 */
function statementFacts(top: Node, visited: Node[]): Fact[] {
  const known = factsByStatement.get(top);
  if (known) return known;
  const facts: Fact[] = [];
  for (const node of visited) {
    // Error recovery leaves a hole for a missing argument (`f(, {…})`, reported above); valid code never has one.
    if ((node.type === 'CallExpression' || node.type === 'NewExpression' || node.type === 'OptionalCallExpression') && node.arguments.includes(null as never)) {
      node.arguments = node.arguments.filter((arg) => arg !== null);
    }
    if (node.type === 'CallExpression') facts.push({ kind: 'call', node, header: mayWriteHeader(node), site: mayBeSite(node) });
    if (node.type === 'NewExpression' && node.arguments.length > 0) facts.push({ kind: 'new', node });
    if (node.type === 'ObjectProperty' && !node.computed && propertyKey(node.key) === 'cors') facts.push({ kind: 'cors-key', node });
    if (node.type === 'ImportDeclaration') {
      for (const specifier of node.specifiers) {
        const imported =
          specifier.type === 'ImportSpecifier' ? (specifier.imported.type === 'Identifier' ? specifier.imported.name : specifier.imported.value) : specifier.type === 'ImportNamespaceSpecifier' ? '*' : 'default';
        facts.push({ kind: 'import', name: specifier.local.name, value: { module: node.source.value, imported } });
      }
    }
    if (node.type === 'VariableDeclarator') {
      const required = requiredModule(node.init);
      if (required && node.id.type === 'Identifier') facts.push({ kind: 'import', name: node.id.name, value: { module: required.module, imported: required.property ?? 'default' } });
      else if (required && node.id.type === 'ObjectPattern') {
        for (const property of node.id.properties) {
          if (property.type === 'ObjectProperty' && property.key.type === 'Identifier' && property.value.type === 'Identifier') {
            facts.push({ kind: 'import', name: property.value.name, value: { module: required.module, imported: property.key.name } });
          }
        }
      } else if (node.id.type === 'Identifier' && node.init) {
        facts.push({ kind: 'declare', name: node.id.name, node: node.init });
      }
    }
    if (node.type === 'FunctionDeclaration' && node.id) facts.push({ kind: 'declare', name: node.id.name, node });
    if (node.type === 'AssignmentExpression' && node.left.type === 'Identifier') facts.push({ kind: 'reassign', name: node.left.name, node });
    if (node.type === 'IfStatement') {
      const branches = assignedBranches(node);
      if (branches) facts.push({ kind: 'conditional-assign', name: branches.name, statement: node, assignments: branches.assignments });
    }
  }
  factsByStatement.set(top, facts);
  return facts;
}

/** The JS side of one lint run: modules parsed once, imports resolved through the repository's files. */
export function createJsProject(modules: ModuleSource | undefined): JsProject {
  const project: JsProject = new JsProject(modules, (path, text) => (path.endsWith('.json') ? parseJsonModule(path, text) : parseJs({ path, text }, project).parsed));
  return project;
}

/** Larger than any options file: a JSON module this size is data, not CORS options (and is not parsed). */
const MAX_JSON_MODULE = 256 * 1024;

/**
 * A `.json` module of the repository (`require('./cors-config.json')`, `import options from './cors.json'`):
 * Node and bundlers load it as its one value, so it is read as one expression whose nodes keep the
 * file's own positions, and it is the module's default export (and, through the CommonJS fallback,
 * its top-level keys are its named ones). Strict JSON only: a value Babel reads but JSON.parse
 * refuses (a comment, a trailing comma, a quote of the wrong kind) would make Node throw.
 */
function parseJsonModule(path: string, text: string): ParsedJs | undefined {
  if (text.length > MAX_JSON_MODULE) return undefined;
  const body = text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text;
  try {
    JSON.parse(body);
  } catch {
    return undefined;
  }
  let expression: Expression;
  try {
    expression = parser().parseExpression(body, { sourceFilename: path, sourceType: 'script' }) as Expression;
  } catch {
    return undefined;
  }
  const span = { start: expression.start, end: expression.end, loc: expression.loc };
  const statement = { type: 'ExpressionStatement', expression, ...span } as ExpressionStatement;
  const program = { type: 'Program', body: [statement], directives: [], sourceType: 'script', interpreter: null, ...span } as unknown as Program;
  const ast = { type: 'File', program, comments: [], ...span } as unknown as File;
  const parents = ParentIndex.of(ast, () => {});
  return { ast, parents, calls: [], headerCalls: [], siteCalls: [], corsKeys: [], bindings: { values: new Map(), imports: new Map() }, file: path, text, json: expression };
}

export function extractJsPolicies(file: SourceFile, project?: JsProject): JsExtraction {
  const { parsed, errors } = parseJs(file, project);
  if (!parsed) return { policies: [], errors };
  const sites = findMiddlewareSites(parsed);
  const bySite = new Map<MiddlewareSite, CorsPolicy>();
  for (const site of sites) for (const policy of middlewarePolicy(site, sites, parsed)) bySite.set(site, policy);
  // Express answers a request with the first handler that matches: wire each preflight to it, drop handlers that never answer.
  const policies = orderExpressLayers(sites, bySite, parsed);
  // An exported, typed options object with no consumer in this file is still a policy; it is built at the end
  // of the run unless another file's cors() call took it (then that call's policy reports on it).
  for (const site of exportedOptionSites(parsed, sites)) project?.offerOptions(evaluate(site.options!, parsed.bindings).node, () => middlewarePolicy(site, [site], parsed));
  const handSet = findHandSetHeaderPolicies(parsed);
  // A hand-set middleware after app.use(cors(…)) keeps what cors() set and does not rewrite (its Vary, its preflight).
  followCorsLayers(handSet.flatMap((policy) => (handSetOwners.has(policy) ? [{ policy, owner: handSetOwners.get(policy)! }] : [])), sites, bySite, parsed);
  for (const policy of handSet) {
    const owner = handSetOwners.get(policy);
    if (owner) servedMethodsOfMiddleware(policy, owner, parsed);
  }
  policies.push(...handSet);
  policies.push(...cdkPolicies(parsed));
  policies.push(...hapiPolicies(parsed));
  policies.push(...payloadPolicies(parsed));
  policies.push(...serverlessConfigPolicies(parsed));
  if (NEXT_CONFIG.test(file.path)) policies.push(...nextConfigHeaderPolicies(parsed));
  return { policies, errors };
}

/** Type names that mark an object as the options of a CORS middleware, by the module they come from. */
const OPTION_TYPES: Record<string, { framework: MiddlewareSite['framework']; names: string[] }> = {
  cors: { framework: 'express-cors', names: ['CorsOptions'] },
  '@fastify/cors': { framework: 'fastify-cors', names: ['FastifyCorsOptions'] },
  '@nestjs/common': { framework: 'nestjs', names: ['CorsOptions'] },
  '@nestjs/common/interfaces/external/cors-options.interface': { framework: 'nestjs', names: ['CorsOptions'] },
};

/** `export const corsOptions: CorsOptions = {…}` (or `… satisfies CorsOptions`, `as CorsOptions`) that no CORS call of this file takes. */
function exportedOptionSites(parsed: ParsedJs, sites: MiddlewareSite[]): MiddlewareSite[] {
  const out: MiddlewareSite[] = [];
  const used = new Set(sites.map((site) => (site.options ? evaluate(site.options, parsed.bindings).node : undefined)));
  const exported = new Set<string>();
  for (const statement of parsed.ast.program.body) {
    if (statement.type === 'ExportNamedDeclaration') {
      for (const specifier of statement.specifiers) if (specifier.type === 'ExportSpecifier' && !statement.source) exported.add(specifier.local.name);
      if (statement.declaration?.type === 'VariableDeclaration') for (const d of statement.declaration.declarations) if (d.id.type === 'Identifier') exported.add(d.id.name);
    }
    if (statement.type === 'ExportDefaultDeclaration' && statement.declaration.type === 'Identifier') exported.add(statement.declaration.name);
    if (statement.type === 'ExpressionStatement' && statement.expression.type === 'AssignmentExpression' && statement.expression.right.type === 'Identifier') exported.add(statement.expression.right.name);
  }
  const typeFramework = (type: Node | null | undefined): MiddlewareSite['framework'] | undefined => {
    if (!type) return undefined;
    const reference = type.type === 'TSTypeAnnotation' ? type.typeAnnotation : type;
    if (reference.type !== 'TSTypeReference' || reference.typeName.type !== 'Identifier') return undefined;
    const imported = parsed.bindings.imports.get(reference.typeName.name);
    const known = imported ? OPTION_TYPES[imported.module] : undefined;
    return known && known.names.includes(imported!.imported) ? known.framework : undefined;
  };
  const base = parsed.file.slice(parsed.file.lastIndexOf('/') + 1);
  for (const statement of parsed.ast.program.body) {
    const declaration = statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    if (declaration?.type !== 'VariableDeclaration') continue;
    for (const declarator of declaration.declarations) {
      if (declarator.id.type !== 'Identifier' || !declarator.init || !exported.has(declarator.id.name)) continue;
      const init = declarator.init;
      const framework =
        typeFramework(declarator.id.typeAnnotation as Node | null) ??
        (init.type === 'TSAsExpression' || init.type === 'TSSatisfiesExpression' ? typeFramework(init.typeAnnotation) : undefined) ??
        (CORS_NAME.test(declarator.id.name) || CORS_NAME.test(base) ? untypedCorsOptions(init) : undefined);
      if (!framework) continue;
      const value = evaluate(init, parsed.bindings);
      if (value.kind !== 'object' || used.has(value.node)) continue;
      out.push({ framework, factoryCall: declarator.id, options: init, mount: { kind: 'app', label: `exported ${declarator.id.name}` } });
    }
  }
  // `export default {…}`, `module.exports = {…}`, `exports.corsOptions = {…}`: the object is the export.
  for (const statement of parsed.ast.program.body) {
    let name: string | undefined;
    let object: Node | undefined;
    let at: Node | undefined;
    if (statement.type === 'ExportDefaultDeclaration' && statement.declaration.type === 'ObjectExpression') {
      [name, object, at] = ['default export', statement.declaration, statement.declaration];
    } else if (statement.type === 'ExpressionStatement' && statement.expression.type === 'AssignmentExpression' && statement.expression.right.type === 'ObjectExpression') {
      const target = statement.expression.left;
      const path = target.type === 'MemberExpression' ? nameOf(target) : '';
      if (path === 'module.exports') [name, object, at] = ['module.exports', statement.expression.right, target];
      else if (/^(module\.)?exports\.[A-Za-z_$][\w$]*$/.test(path) && target.type === 'MemberExpression' && target.property.type === 'Identifier') [name, object, at] = [target.property.name, statement.expression.right, target.property];
    }
    if (!name || !object || !at || used.has(object)) continue;
    if (!(CORS_NAME.test(name) || CORS_NAME.test(base))) continue;
    const framework = untypedCorsOptions(object);
    if (framework) out.push({ framework, factoryCall: at, options: object, mount: { kind: 'app', label: `exported ${name}` } });
  }
  return out;
}

/** `corsOptions`, `corsConfig`, `cors.js`, `cors-options.ts`: a name that says CORS. */
const CORS_NAME = /cors/i;
/** The options of the npm `cors` package (Express, NestJS, socket.io and Apollo hand them to it). */
const EXPRESS_CORS_KEYS = new Set(['origin', 'credentials', 'methods', 'allowedHeaders', 'exposedHeaders', 'maxAge', 'optionsSuccessStatus', 'preflightContinue']);

/**
 * An untyped object literal written as the options of the npm `cors` package: an `origin` key and
 * no key that package does not read (Koa's and Hono's `allowMethods`, a spread, a computed key
 * leave it alone: whose options they are is not known).
 */
function untypedCorsOptions(init: Node): MiddlewareSite['framework'] | undefined {
  if (init.type !== 'ObjectExpression') return undefined;
  let origin = false;
  for (const property of init.properties) {
    if ((property.type !== 'ObjectProperty' && property.type !== 'ObjectMethod') || property.computed) return undefined;
    const key = propertyKey(property.key);
    if (!key || !EXPRESS_CORS_KEYS.has(key)) return undefined;
    if (key === 'origin') origin = true;
  }
  return origin ? 'express-cors' : undefined;
}

const SITE_METHODS = new Set(['register', 'enableCors', 'create', 'applyMiddleware', 'getMiddleware']);

/**
 * A call findMiddlewareSites can take: `cors(…)` (any plain call), `x.register(…)`, `x.enableCors(…)`,
 * `NestFactory.create(…)`, or `require('socket.io')(server, {…})`.
 */
function mayBeSite(call: CallExpression): boolean {
  const callee = call.callee;
  return (
    callee.type === 'Identifier' ||
    (callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && SITE_METHODS.has(callee.property.name)) ||
    (callee.type === 'CallExpression' && isRequireOf(callee, ['socket.io']))
  );
}

/**
 * Socket.IO (v3 and later) hands its `cors` option to the Express `cors` package (engine.io's
 * `this.use(require("cors")(opts.cors))`), which answers its long-polling requests and their
 * preflights; NestJS's `@WebSocketGateway({ cors })` passes it on to Socket.IO. Returns the `cors`
 * value of such a server's options, or undefined when this is not one.
 */
function socketIoCors(call: CallExpression | NewExpression, bindings: Bindings): { value: Node; label: string; path: string } | undefined {
  const callee = call.callee;
  const imported = (name: string) => bindings.imports.get(name);
  let label: string | undefined;
  if (callee.type === 'Identifier') {
    const source = imported(callee.name);
    if (source?.module === 'socket.io' && (source.imported === 'Server' || source.imported === 'default')) label = 'Socket.IO server';
    else if (source?.module === '@nestjs/websockets' && source.imported === 'WebSocketGateway' && call.type === 'CallExpression') label = '@WebSocketGateway';
  } else if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === 'Server') {
    const owner = callee.object;
    if ((owner.type === 'Identifier' && imported(owner.name)?.module === 'socket.io') || isRequireOf(owner, ['socket.io'])) label = 'Socket.IO server';
  } else if (callee.type === 'CallExpression' && isRequireOf(callee, ['socket.io'])) {
    label = 'Socket.IO server';
  }
  if (!label) return undefined;
  for (const argument of call.arguments) {
    const options = evaluate(argument as Node, bindings);
    const cors = options.kind === 'object' ? options.properties.get('cors') : undefined;
    if (!cors || options.kind !== 'object') continue;
    // The server answers only under its path (`/socket.io/` unless `path` says otherwise), not the whole app.
    const path = options.properties.get('path');
    return { value: cors.node, label, path: path?.kind === 'string' ? path.value : '/socket.io/' };
  }
  return undefined;
}

/**
 * Apollo Server 2 and 3 hand an explicit `cors` option to the Express `cors` package: in
 * `server.applyMiddleware({ app, cors })` / `getMiddleware({ cors })` of apollo-server-express,
 * and in the constructor of the standalone apollo-server. Only written options are read: what an
 * absent one means changed between versions, and Apollo Server 4 ignores the option.
 */
function apolloCors(call: CallExpression | NewExpression, bindings: Bindings): { value: Node; label: string; path: string } | undefined {
  const callee = call.callee;
  const fromModule = (name: string, module: string) => bindings.imports.get(name)?.module === module && bindings.imports.get(name)?.imported === 'ApolloServer';
  let label: string | undefined;
  if (call.type === 'NewExpression' && callee.type === 'Identifier' && fromModule(callee.name, 'apollo-server')) label = 'ApolloServer';
  else if (call.type === 'CallExpression' && callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && (callee.property.name === 'applyMiddleware' || callee.property.name === 'getMiddleware')) {
    if ([...bindings.imports.values()].some((source) => source.module === 'apollo-server-express' && source.imported === 'ApolloServer')) label = `${nameOf(callee.object)}.${callee.property.name}()`;
  }
  const options = label ? call.arguments[0] : undefined;
  if (!label || options?.type !== 'ObjectExpression') return undefined;
  const value = evaluate(options, bindings);
  const cors = value.kind === 'object' ? value.properties.get('cors') : undefined;
  const path = value.kind === 'object' ? value.properties.get('path') : undefined;
  // The standalone server mounts its middleware at `/`; applyMiddleware at `/graphql` unless told.
  const defaultPath = call.type === 'NewExpression' ? '/' : '/graphql';
  return cors ? { value: cors.node, label, path: path?.kind === 'string' ? path.value : defaultPath } : undefined;
}

/**
 * routing-controllers' `createExpressServer({ cors })` and `useExpressServer(app, { cors })`: its Express driver
 * registers `cors()` (for `cors: true`) or `cors(options)` on the app before any route or middleware
 * (ExpressDriver.initialize). Returns the `cors` value, or undefined when this is not such a call or has none.
 */
function routingControllersCors(call: CallExpression, bindings: Bindings): { value: Node; label: string } | undefined {
  const callee = call.callee;
  if (callee.type !== 'Identifier') return undefined;
  const source = bindings.imports.get(callee.name);
  if (source?.module !== 'routing-controllers') return undefined;
  const at = source.imported === 'createExpressServer' ? 0 : source.imported === 'useExpressServer' ? 1 : -1;
  const argument = at >= 0 ? (call.arguments[at] as Node | undefined) : undefined;
  if (!argument) return undefined;
  const options = evaluate(argument, bindings);
  const cors = options.kind === 'object' ? options.properties.get('cors') : undefined;
  return cors ? { value: cors.node, label: `${source.imported}()` } : undefined;
}

function findMiddlewareSites(parsed: ParsedJs): MiddlewareSite[] {
  const { bindings, parents } = parsed;
  const factoryOf = (callee: Node): MiddlewareSite['framework'] | undefined => {
    if (callee.type !== 'Identifier') return undefined;
    const imported = bindings.imports.get(callee.name);
    if (!imported) return undefined;
    const known = FACTORY_MODULES[imported.module];
    if (!known) return undefined;
    if (known.named ? imported.imported !== known.named : imported.imported !== 'default' && imported.imported !== 'cors') return undefined;
    return known.framework;
  };
  const sites: MiddlewareSite[] = [];
  const fastifyAdapter = /\bFastifyAdapter\b/.test(parsed.text);
  for (const call of parsed.siteCalls) {
    // A server that hands its `cors` option to the Express cors package (Socket.IO, Apollo Server 2/3).
    const serverCors = socketIoCors(call, bindings) ?? apolloCors(call, bindings);
    if (serverCors) {
      const value = serverCors.value;
      // `cors: false` (Socket.IO's default, Apollo's opt-out) sends nothing; `cors: true` is the package's defaults.
      if (value.type === 'BooleanLiteral' && !value.value) continue;
      const options = value.type === 'BooleanLiteral' ? undefined : value;
      sites.push({ framework: 'express-cors', factoryCall: call, options, anchor: value, mount: { kind: 'router', label: serverCors.label, path: serverCors.path } });
      continue;
    }
    if (call.type === 'NewExpression') continue;
    const controllersCors = routingControllersCors(call, bindings);
    if (controllersCors) {
      const value = controllersCors.value;
      if (value.type === 'BooleanLiteral' && !value.value) continue;
      sites.push({ framework: 'express-cors', factoryCall: call, options: value.type === 'BooleanLiteral' ? undefined : value, anchor: value, mount: { kind: 'app', label: controllersCors.label } });
      continue;
    }
    const callee = call.callee;
    // cors(options) / cors() — Express cors, Koa, Hono
    const framework = factoryOf(callee);
    if (framework && framework !== 'fastify-cors') {
      const known = callee.type === 'Identifier' ? FACTORY_MODULES[bindings.imports.get(callee.name)!.module] : undefined;
      const variant = known?.variant;
      const optionsAt = known?.optionsAt ?? 0;
      // A handler that calls it answers every method of its route file itself, preflights included.
      const mount: MiddlewareSite['mount'] = optionsAt > 0 ? { kind: 'app', label: 'NextCors' } : mountOf(call, parents, bindings);
      const packageName = callee.type === 'Identifier' ? bindings.imports.get(callee.name)!.module : undefined;
      sites.push({ framework, ...(variant ? { variant } : {}), packageName, factoryCall: call, options: call.arguments[optionsAt] as Node | undefined, mount });
      continue;
    }
    if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') continue;
    const method = callee.property.name;
    // fastify.register(fastifyCors, options)
    if (method === 'register' && call.arguments[0] && (factoryOf(call.arguments[0] as Node) === 'fastify-cors' || isRequireOf(call.arguments[0] as Node, ['@fastify/cors', 'fastify-cors']))) {
      const plugin = call.arguments[0] as Node;
      const packageName = plugin.type === 'Identifier' ? bindings.imports.get(plugin.name)?.module : requiredModule(plugin)?.module;
      sites.push({ framework: 'fastify-cors', packageName, factoryCall: call, options: call.arguments[1] as Node | undefined, mount: { kind: 'app', label: nameOf(callee.object) } });
      continue;
    }
    // app.enableCors(options) — NestJS
    if (method === 'enableCors') {
      sites.push({ framework: fastifyAdapter ? 'fastify-cors' : 'nestjs', factoryCall: call, options: call.arguments[0] as Node | undefined, mount: { kind: 'app', label: nameOf(callee.object) } });
      continue;
    }
    // NestFactory.create(AppModule, { cors: true | options })
    if (method === 'create' && callee.object.type === 'Identifier' && callee.object.name === 'NestFactory') {
      // The options inline, or in a variable of this file (`const appOptions = { cors: true }; NestFactory.create(AppModule, appOptions)`).
      const optionsArg = call.arguments.find((arg) => arg?.type === 'ObjectExpression') ?? call.arguments.slice(1).map((arg) => evaluate(arg as Node, bindings)).find((value) => value.kind === 'object' && value.node.type === 'ObjectExpression' && parents.has(value.node))?.node;
      const corsProperty = optionsArg?.type === 'ObjectExpression' ? optionsArg.properties.find((p) => p.type === 'ObjectProperty' && p.key.type === 'Identifier' && p.key.name === 'cors') : undefined;
      if (corsProperty?.type === 'ObjectProperty') {
        const value = corsProperty.value as Node;
        if (value.type === 'BooleanLiteral' && !value.value) continue;
        sites.push({
          framework: fastifyAdapter ? 'fastify-cors' : 'nestjs',
          factoryCall: call,
          options: value.type === 'BooleanLiteral' ? undefined : value,
          anchor: corsProperty,
          mount: { kind: 'app', label: 'NestFactory.create' },
        });
      }
    }
  }
  return sites;
}

/** Where a `cors()` call is mounted: `app.use(cors())`, `router.use('/api', cors())`, `app.delete('/x', cors(), h)`, or via a variable. */
function mountOf(call: CallExpression, parents: ParentIndex, bindings: Bindings): MiddlewareSite['mount'] {
  let user: Node = call;
  let parent = parents.get(call);
  if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') {
    const name = parent.id.name;
    // Find where the variable is passed to use/route; the first such call decides.
    for (const [node, holder] of parents) {
      if (node.type === 'Identifier' && node.name === name && holder.type === 'CallExpression' && holder.arguments.includes(node as never)) {
        user = node;
        parent = holder;
        break;
      }
    }
  }
  if (parent?.type === 'CallExpression' && parent.callee.type === 'MemberExpression' && parent.callee.property.type === 'Identifier' && parent.arguments.includes(user as never)) {
    const method = parent.callee.property.name;
    const owner = nameOf(parent.callee.object);
    const pathArg = parent.arguments[0];
    const path = pathArg && pathArg !== user ? pathArg : undefined;
    const pathText = path?.type === 'StringLiteral' ? path.value : path ? '(computed path)' : undefined;
    if (method === 'use') return { kind: owner.toLowerCase().includes('router') ? 'router' : 'app', label: owner, path: pathText, useCall: parent };
    if (ROUTE_METHODS.has(method)) {
      return { kind: 'route', label: owner, path: pathText, method: method === 'del' ? 'DELETE' : method.toUpperCase(), routeCall: parent };
    }
  }
  void bindings;
  return { kind: 'app', label: 'cors()' };
}

export function nameOf(node: Node): string {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression' && node.property.type === 'Identifier') return `${nameOf(node.object)}.${node.property.name}`;
  if (node.type === 'ThisExpression') return 'this';
  if (node.type === 'CallExpression') return `${nameOf(node.callee)}()`;
  return 'app';
}

function requiredModule(node: Node | null | undefined): { module: string; property?: string } | undefined {
  if (!node) return undefined;
  if (node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'StringLiteral') {
    return { module: node.arguments[0].value };
  }
  // `fastify.register(import('@fastify/cors'), …)`: Fastify takes the module's promise (its documented form).
  if (node.type === 'CallExpression' && node.callee.type === 'Import' && node.arguments[0]?.type === 'StringLiteral') return { module: node.arguments[0].value };
  if (node.type === 'MemberExpression' && node.property.type === 'Identifier') {
    const inner = requiredModule(node.object);
    if (inner) return { module: inner.module, property: node.property.name };
  }
  if (node.type === 'AwaitExpression' || node.type === 'TSAsExpression') return requiredModule(node.type === 'AwaitExpression' ? node.argument : node.expression);
  return undefined;
}

export function isRequireOf(node: Node, modules: string[]): boolean {
  const required = requiredModule(node);
  return required !== undefined && modules.includes(required.module);
}

function cleanBabelMessage(message: string): string {
  return message.replace(/\s*\(\d+:\d+\)\s*$/, '');
}

/** Past this many recovered errors a file is garbage, not code being edited; Babel keeps recovering (10,000 repeated labels made 50 million errors). */
const MAX_RECOVERED_ERRORS = 1000;

class TooManySyntaxErrors extends Error {}

function isBabelError(error: unknown): error is BabelError {
  return error instanceof SyntaxError && typeof (error as BabelError).pos === 'number';
}

/**
 * Babel with error recovery, bounded. Babel creates each recovered error with `new SyntaxError()`
 * and gives no hook to stop, so for the duration of the (synchronous) parse the global is a
 * subclass that counts errors, checks the time budget and aborts past MAX_RECOVERED_ERRORS; stack
 * traces are off meanwhile (capturing one per recovered error was most of the cost).
 */
function boundedParse(text: string, options: object, counter = { count: 0 }): File {
  const original = globalThis.SyntaxError;
  const stackLimit = Error.stackTraceLimit;
  const Counted = class SyntaxError extends original {
    constructor(message?: string) {
      super(message);
      if (++counter.count > MAX_RECOVERED_ERRORS) throw new TooManySyntaxErrors();
      checkBudget();
    }
  };
  globalThis.SyntaxError = Counted as SyntaxErrorConstructor;
  Error.stackTraceLimit = 0;
  try {
    return parser().parse(text, options) as unknown as File;
  } finally {
    globalThis.SyntaxError = original;
    Error.stackTraceLimit = stackLimit;
  }
}

/** A parse that produced no tree, as one parse-error; anything but a syntax error is a bug, left to the engine's boundary. */
function parseFailure(file: SourceFile, lineStarts: number[], failure: unknown): { message: string; loc: Loc } {
  // Report the first error (a parse without recovery stops there) and leave the file unanalysed. Bounded as the
  // recovering parse is: TypeScript's speculative parses of `f<T>(` make errors without end on unclosed calls
  // (`a.get<string>('A', a.get<string>('B', …` 30 deep: 2^n of them, minutes of CPU), none of them the first error.
  const firstError = (): BabelError | undefined => {
    try {
      boundedParse(file.text, { sourceType: 'unambiguous', plugins: /\.(c|m)?tsx?$/.test(file.path) ? ['typescript'] : ['jsx'] });
    } catch (first) {
      if (isBabelError(first)) return first;
      if (first instanceof BudgetExceeded) throw first;
    }
    return undefined;
  };
  if (failure instanceof TooManySyntaxErrors) {
    const first = firstError();
    if (first) return { message: `${cleanBabelMessage(first.message)} (and more than ${MAX_RECOVERED_ERRORS} further syntax errors; the file is not analysed)`, loc: pointLoc(file, lineStarts, first) };
    return { message: `more than ${MAX_RECOVERED_ERRORS} syntax errors; the file is not analysed`, loc: pointLoc(file, lineStarts, { message: '' }) };
  }
  // @babel/parser's error recovery can itself fail on malformed input (a TypeError in the TypeScript
  // plugin on `async (a,, b) => 1`, fuzz ts seed 9029): the file's first syntax error is the finding.
  if (failure instanceof TypeError) {
    const first = firstError();
    if (first) return { message: `${cleanBabelMessage(first.message)} (the parser's error recovery failed after it; the file is not analysed)`, loc: pointLoc(file, lineStarts, first) };
    return { message: "the JavaScript parser failed on this file's syntax; the file is not analysed", loc: pointLoc(file, lineStarts, { message: '' }) };
  }
  // Babel's recursion overflows the stack on deeply nested input.
  if (failure instanceof RangeError) return { message: 'nesting too deep to parse; the file is not analysed', loc: pointLoc(file, lineStarts, { message: '' }) };
  if (!isBabelError(failure)) throw failure;
  return { message: cleanBabelMessage(failure.message), loc: pointLoc(file, lineStarts, failure) };
}

/** A one-character span at a Babel error, from its offset through the shared line table. */
function pointLoc(file: SourceFile, lineStarts: number[], error: BabelError): Loc {
  const offset = Math.min(Math.max(0, error.loc?.index ?? error.pos ?? 0), file.text.length);
  const { line, column } = positionAt(lineStarts, offset);
  const lineEnd = line < lineStarts.length ? lineStarts[line] : file.text.length;
  const hasChar = offset < lineEnd && file.text[offset] !== '\n' && file.text[offset] !== '\r';
  return { file: file.path, line, column, endLine: line, endColumn: column + (hasChar ? 1 : 0) };
}

/** Recomputes a node's line/column from its offsets with the shared line table. */
function relocateNode(node: Node, lineStarts: number[]): void {
  if (!node.loc || typeof node.start !== 'number' || typeof node.end !== 'number') return;
  const start = positionAt(lineStarts, node.start);
  const end = positionAt(lineStarts, node.end);
  node.loc = { ...node.loc, start: { line: start.line, column: start.column - 1, index: node.start }, end: { line: end.line, column: end.column - 1, index: node.end } };
}

export { locOf };

const PREFLIGHTED_VERBS: Record<string, string> = { put: 'PUT', patch: 'PATCH', delete: 'DELETE', del: 'DELETE' };

/**
 * A hand-written middleware mounted on a whole app (`app.use((req, res, next) => …)`) that writes no
 * Access-Control-Allow-Methods: the PUT, PATCH and DELETE routes the same app registers in the same function
 * are what a page calls, and their preflights fail without that header (Fetch: a method that is not
 * CORS-safelisted must be listed), whoever answers the OPTIONS.
 */
function servedMethodsOfMiddleware(policy: CorsPolicy, owner: Node, parsed: ParsedJs): void {
  if (policy.emitted.some((header) => /^access-control-allow-methods$/i.test(header.name))) return;
  const use = parsed.parents.get(owner);
  if (use?.type !== 'CallExpression' || use.callee.type !== 'MemberExpression' || use.callee.object.type !== 'Identifier' || use.callee.property.type !== 'Identifier' || use.callee.property.name !== 'use') return;
  const args = use.arguments;
  if (args[args.length - 1] !== owner || (args.length === 2 && !(args[0].type === 'StringLiteral' && (args[0].value === '/' || args[0].value === '*'))) || args.length > 2) return;
  const app = use.callee.object.name;
  const scope = scopeOf(use, parsed);
  const served = new Set<string>();
  for (const call of parsed.calls) {
    const callee = call.callee;
    if (callee.type !== 'MemberExpression' || callee.object.type !== 'Identifier' || callee.object.name !== app || callee.property.type !== 'Identifier') continue;
    const method = PREFLIGHTED_VERBS[callee.property.name];
    if (!method || call.arguments.length < 2 || call.arguments[0]?.type !== 'StringLiteral' || scopeOf(call, parsed) !== scope) continue;
    served.add(method);
  }
  if (served.size > 0) policy.servedMethods = [...served].sort();
}
