import type { SyntaxNode, Tree, TreeFragment } from '@lezer/common';
import { blankTemplateStatementLines, collapseInlineJinjaConditionals, isCodeTemplate, placeholderTemplateExpressions } from '../../util/delimited.js';
import { activeParseCache, changedRange } from '../../engine/parse-cache.js';
import type { Loc, SourceFile } from '../../model/types.js';
import { checkBudget } from '../../util/budget.js';
import { lineStartsOf, offsetsToLoc } from '../offsets.js';
import { loadLibrary } from '../../util/load-library.js';
import { linearStrings, withDocument } from './linear-strings.js';
import { MAX_BRACKET_DEPTH, preParse } from './pre-parse.js';

/**
 * Python parsing with @lezer/python. Chosen over web-tree-sitter (measured in the issue-3 note):
 * it is synchronous, so `lint()` stays a plain function; it starts in ~14 ms, reads ~5 MB/s,
 * recovers from errors with error nodes, and positions are string offsets, so columns are the
 * UTF-16 units editors count. web-tree-sitter needs an async WebAssembly start.
 */
type LezerPython = typeof import('@lezer/python');
let lezer: LezerPython | undefined;
type LezerCommon = typeof import('@lezer/common');
let lezerCommon: LezerCommon | undefined;

/** Loaded on first use, so a run without Python files never loads the parser. */
let parser: LezerPython['parser'] | undefined;
function pythonParser(): LezerPython['parser'] {
  lezer ??= loadLibrary('@lezer/python');
  // Same trees, with a string scan that stays linear on lines of broken strings (see linear-strings.ts).
  parser ??= withGrammarOnlyTermsAnonymous(linearStrings(lezer.parser));
  return parser;
}

/**
 * @lezer/lr guards against overly deep left-associative trees (`a + a + … + a`, which do not deepen
 * its stack) by counting reductions of 2,000+ characters that start where the last one started; past
 * 300 it force-reduces the parse stack, which leaves an error node wherever the parse happens to be.
 * The count skips anonymous node types, but a grammar-only term (one that makes no tree node, such as
 * the one @lezer/python reduces for each comment line between module-level statements) has no node
 * type at all and is counted: a module with more than 300 comment lines after its first 2,000
 * characters (a commented Django settings file) got a false syntax error there, and the statement
 * being read (`CORS_ALLOWED_ORIGINS = [`) was misread. Those terms build no tree, so they cannot make
 * one deep: here they get anonymous node types (ids past the grammar's last node, which no tree
 * holds), and only named nodes are counted, as the guard intends. Left as it is when the parser does
 * not look as expected.
 */
function withGrammarOnlyTermsAnonymous(original: LezerPython['parser']): LezerPython['parser'] {
  const maxTerm = (original as unknown as { maxTerm?: unknown }).maxTerm;
  const types = original.nodeSet.types;
  if (typeof maxTerm !== 'number' || maxTerm < types.length || maxTerm > 10_000 || types.some((type, id) => type.id !== id)) return original;
  lezerCommon ??= loadLibrary('@lezer/common');
  const { NodeSet, NodeType } = lezerCommon;
  const grammarOnly = Array.from({ length: maxTerm + 1 - types.length }, (_, i) => NodeType.define({ id: types.length + i }));
  const configured = original.configure({});
  (configured as { nodeSet: InstanceType<typeof NodeSet> }).nodeSet = new NodeSet([...types, ...grammarOnly]);
  return configured;
}

export interface ParsedPython {
  file: string;
  text: string;
  tree: Tree;
  root: SyntaxNode;
  /** Offsets where each line starts. */
  lineStarts: number[];
  /** Set once a value was read from another module: only then can a node belong to another tree. */
  readsModules?: boolean;
  /** Nodes the extractors look for, collected in the one pass over the tree. */
  index: { calls: SyntaxNode[]; decorators: SyntaxNode[]; imports: SyntaxNode[]; assignments: SyntaxNode[] };
}

const INDEXED: Record<string, keyof ParsedPython['index']> = {
  CallExpression: 'calls',
  Decorator: 'decorators',
  ImportStatement: 'imports',
  AssignStatement: 'assignments',
};

export interface PythonSyntaxError {
  message: string;
  loc: Loc;
}

/**
 * Notebook exports keep IPython magics (`!pip install`, `%matplotlib inline`) as lines that are
 * not Python; they are blanked in place (same length, so positions stay exact).
 */
function blankNotebookMagics(text: string): string {
  if (!/^# (In\[[\d ]*\]:|%%)|get_ipython\(\)/m.test(text)) return text;
  // A magic ends at any line break Python knows (a lone CR too): blanking past it would join lines and shift every later position.
  return text.replace(/^[ \t]*[!%][^\r\n]*/gm, (line) => ' '.repeat(line.length));
}

/**
 * A bare `yield` (FastAPI's `async def lifespan(app): …; yield`, `x = yield`, `(yield)`) is Python,
 * but lezer's grammar wants a value after the keyword and reports a syntax error. The parser is given
 * `None ` in its place, the same length, so every position stays exact; the text is left as written.
 */
function bareYieldsAsValues(input: string): string {
  if (!input.includes('yield')) return input;
  return input.replace(/(^|[^\w.])yield(?=[ \t]*(?:#|;|\)|\r|\n|$))/g, (_, before: string) => `${before}None `);
}

/**
 * Python 3.14 template strings (PEP 750: `t"…"`, `T'…'`, raw `rt"…"`/`tR'…'`) have the syntax of f-strings,
 * but lezer knows only the f prefix and reads a name followed by a string: a false syntax error. The
 * parser is given `f` for the `t` (same length, positions exact); values are read from the text as
 * written, where a t prefix is no string the extractors decode (a Template is not a str). A `t` right
 * before a quote inside a string or comment is harmless to change: it stays text of the same kind.
 */
function templateStringPrefixes(input: string): string {
  if (!/[tT][rR]?['"]/.test(input)) return input;
  return input.replace(/(?<!\w)(?:[rR][tT]|[tT][rR]?)(?=['"])/g, (prefix) => prefix.replace('t', 'f').replace('T', 'F'));
}

/**
 * The text lezer is given for a file's (template-blanked) text: same length, so every position is one
 * in the text as written (see pre-parse.ts), and the offset of the first bracket nested deeper than
 * CPython allows, if any.
 */
export function lezerInput(text: string): { input: string; tooDeep: number | undefined } {
  // A UTF-8 byte-order mark opening the file is read over by CPython (a Windows editor's "UTF-8 with BOM"); lezer took
  // it for a stray character (a false parse-error at 1:1). A blank in its place keeps every offset.
  const bare = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  // Python ends a file with an implicit newline; lezer wants it after a last line of blanks (offsets are unchanged).
  const { input, tooDeep } = preParse(bareYieldsAsValues(/(^|[\r\n])[ \t\f]+$/.test(bare.slice(-200)) ? `${bare}\n` : bare));
  return { input: templateStringPrefixes(input), tooDeep };
}

/**
 * Which module a syntax tree belongs to. A value read from an imported module keeps its nodes, so
 * positions and text are taken from the module that holds them, whichever file asks.
 */
const owners = new WeakMap<Tree, ParsedPython>();

/** Whether `node` is part of this module's own tree (not of a module a value was imported from). */
export function inModule(parsed: ParsedPython, node: SyntaxNode): boolean {
  return ownerOf(parsed, node) === parsed;
}

function ownerOf(parsed: ParsedPython, node: SyntaxNode): ParsedPython {
  if (!parsed.readsModules) return parsed;
  let root = node;
  while (root.parent) root = root.parent;
  return root.tree === parsed.tree || !root.tree ? parsed : (owners.get(root.tree) ?? parsed);
}

export function parsePython(file: SourceFile): { parsed: ParsedPython; errors: PythonSyntaxError[] } {
  const statementsBlanked = blankTemplateStatementLines(blankNotebookMagics(file.text));
  // A code template (Ansible `settings.py.j2`, cookiecutter, Open edX tutor's settings partials): its inline conditionals become unknown names.
  // EJS/ERB output tags written as code (a Chef or Rails template's `allow_origins=<%= @origins.to_json %>`) become
  // unknown names: `<%` never starts Python code either.
  const text = placeholderTemplateExpressions(isCodeTemplate(file.path, file.text) ? collapseInlineJinjaConditionals(statementsBlanked) : statementsBlanked, false);
  const { input, tooDeep } = lezerInput(text);
  const lineStarts = lineStartsOf(text);
  /** The file read as empty, with one error at `offset` (also replaces the parse cache's tree for this path). */
  const notAnalysed = (message: string, offset: number) => {
    const tree = parseTree(file.path, '');
    const parsed: ParsedPython = { file: file.path, text, tree, root: tree.topNode, lineStarts, index: { calls: [], decorators: [], imports: [], assignments: [] } };
    owners.set(tree, parsed);
    const at = Math.min(offset, Math.max(0, text.length - 1));
    return { parsed, errors: [{ message, loc: rangeLoc(parsed, at, Math.min(text.length, at + 1)) }] };
  };
  // CPython refuses the file ("too many nested parentheses"), and lezer's trees break past a thousand levels.
  if (tooDeep !== undefined) return notAnalysed(`Python syntax error: brackets nested more than ${MAX_BRACKET_DEPTH} deep (Python refuses the file: too many nested parentheses); the file is not analysed`, tooDeep);
  const tree = parseTree(file.path, input);
  const parsed: ParsedPython = { file: file.path, text, tree, root: tree.topNode, lineStarts, index: { calls: [], decorators: [], imports: [], assignments: [] } };
  owners.set(tree, parsed);

  let firstError: number | undefined;
  let errorCount = 0;
  let python2 = false;
  try {
    tree.iterate({
      enter(node) {
        checkBudget();
        const indexed = INDEXED[node.name];
        if (indexed) parsed.index[indexed].push(node.node);
        else if (node.type.isError) {
          errorCount++;
          // An empty error node sits at the next token; the mistake is at the end of the previous one.
          firstError ??= node.to > node.from ? node.from : lastTokenBefore(text, node.from);
        } else if (node.name === 'PrintStatement') python2 = true;
      },
    });
  } catch (error) {
    // lezer's error recovery can build a tree it cannot walk (a TypeError on a node type it lacks)
    // from a file of many broken lines; CPython stops at the first error, so that is what is reported.
    if (!(error instanceof TypeError)) throw error;
    return notAnalysed(`Python syntax error${python2 ? '; this looks like Python 2, and cors-lint reads Python 3' : ''}; too many errors to read the rest of the file: not analysed`, firstError ?? 0);
  }
  const errors: PythonSyntaxError[] = [];
  if (firstError !== undefined) {
    firstError = Math.min(firstError, text.length);
    const more = errorCount > 1 ? ` (and ${errorCount - 1} more)` : '';
    const hint = python2 ? '; this looks like Python 2, and cors-lint reads Python 3' : '';
    const end = Math.min(text.length, firstError + Math.max(1, lineEndAfter(text, firstError) - firstError));
    errors.push({ message: `Python syntax error${more}${hint}; the rest of the file is still read`, loc: rangeLoc(parsed, firstError, end) });
  }
  return { parsed, errors };
}

/** What the language server keeps of a file's last parse (see ParseCache). */
interface PythonTreeEntry {
  input: string;
  tree: Tree;
}

/**
 * Lezer's tree of `input`. With a parse cache active (the language server), the last tree of the
 * same path is reused: as is when the text is unchanged, else as fragments of an incremental
 * parse that re-reads only around the edit (Lezer gives the tree a full parse gives).
 */
function parseTree(path: string, input: string): Tree {
  const cache = activeParseCache();
  const previous = cache?.get<PythonTreeEntry>('python', path);
  if (previous?.input === input) return previous.tree;
  let fragments: readonly TreeFragment[] | undefined;
  if (previous) {
    // Loaded like the parser, on first use: a run without Python files loads neither.
    lezerCommon ??= loadLibrary('@lezer/common');
    fragments = lezerCommon.TreeFragment.applyChanges(lezerCommon.TreeFragment.addTree(previous.tree), [changedRange(previous.input, input)]);
  }
  // Parsed in steps so the time budget is checked while lezer works.
  const parse = pythonParser().startParse(input, fragments);
  const tree = withDocument(input, () => {
    let done: Tree | null;
    while (!(done = parse.advance())) checkBudget();
    return done;
  });
  cache?.set<PythonTreeEntry>('python', path, { input, tree });
  return tree;
}

function lastTokenBefore(text: string, offset: number): number {
  let index = offset - 1;
  while (index >= 0 && /\s/.test(text[index])) index--;
  return Math.max(0, index);
}

function lineEndAfter(text: string, offset: number): number {
  const end = text.indexOf('\n', offset);
  return Math.min(end === -1 ? text.length : end, offset + 1);
}

export function rangeLoc(parsed: ParsedPython, from: number, to: number): Loc {
  // A file ending in a line of blanks is parsed with a newline added (parsePython): a node that runs
  // to the end of the input ends one past the file's text, which is where positions stop.
  const end = parsed.text.length;
  return offsetsToLoc(parsed.file, parsed.lineStarts, Math.min(from, end), Math.min(to, end));
}

export function locOf(parsed: ParsedPython, node: SyntaxNode): Loc {
  return rangeLoc(ownerOf(parsed, node), node.from, node.to);
}

export function textOf(parsed: ParsedPython, node: SyntaxNode): string {
  return ownerOf(parsed, node).text.slice(node.from, node.to);
}

/** Child nodes, punctuation included and comments left out (lezer's Python trees are flat: `ArgList` holds `name = value` as three siblings). */
export function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) if (child.name !== 'Comment') out.push(child);
  return out;
}

/**
 * An assignment's parts without its annotation: `origins: list[str] = ["*"]` (PEP 526) binds like
 * `origins = ["*"]`, but lezer puts a `TypeDef` between the target and the `=`.
 */
export function assignmentParts(statement: SyntaxNode): SyntaxNode[] {
  return childrenOf(statement).filter((child) => child.name !== 'TypeDef');
}

/** A `BinaryExpression`'s operands and operator text, multi-word operators (`not in`, `is not`) joined by one space. */
export function binaryParts(parsed: ParsedPython, parts: SyntaxNode[]): { op: string; left: SyntaxNode; right: SyntaxNode } {
  const op = parts
    .slice(1, -1)
    .map((part) => textOf(parsed, part))
    .join(' ');
  return { op, left: parts[0], right: parts[parts.length - 1] };
}

/** Dotted name of a `VariableName` / `MemberExpression` chain (`fastapi.middleware.cors.CORSMiddleware`), or undefined. */
export function dottedName(parsed: ParsedPython, node: SyntaxNode | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.name === 'VariableName') return textOf(parsed, node);
  if (node.name === 'MemberExpression') {
    const parts = childrenOf(node);
    if (parts.length === 3 && parts[1].name === '.' && parts[2].name === 'PropertyName') {
      const head = dottedName(parsed, parts[0]);
      return head === undefined ? undefined : `${head}.${textOf(parsed, parts[2])}`;
    }
  }
  return undefined;
}

export interface CallArguments {
  positional: SyntaxNode[];
  keywords: Map<string, { name: SyntaxNode; value: SyntaxNode }>;
  /** `*args` or `**kwargs`: options we cannot see. */
  spread?: SyntaxNode;
  /** Every `**mapping` argument's expression, in order (see `knownSpread` in values.ts). */
  mappings?: SyntaxNode[];
}

/** Splits a flat `ArgList` into positional and keyword arguments. */
export function callArguments(parsed: ParsedPython, argList: SyntaxNode | null | undefined): CallArguments {
  const result: CallArguments = { positional: [], keywords: new Map() };
  if (!argList) return result;
  const parts = childrenOf(argList).filter((node) => node.name !== '(' && node.name !== ')');
  let group: SyntaxNode[] = [];
  const flush = () => {
    if (group.length === 0) return;
    if (group.length >= 3 && group[0].name === 'VariableName' && group[1].name === 'AssignOp') {
      result.keywords.set(textOf(parsed, group[0]), { name: group[0], value: group[2] });
    } else if (group[0].name === '*' || group[0].name === '**') {
      result.spread ??= group[0];
      if (group[0].name === '**' && group[1]) (result.mappings ??= []).push(group[1]);
      else result.mappings = undefined;
    } else result.positional.push(group[0]);
    group = [];
  };
  for (const part of parts) {
    if (part.name === ',') flush();
    else group.push(part);
  }
  flush();
  return result;
}
