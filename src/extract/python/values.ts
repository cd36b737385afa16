import type { SyntaxNode } from '@lezer/common';
import { EvaluationMemo } from '../../util/evaluation-memo.js';
import { settingsFieldValue } from './settings-class.js';
import { assignedWhenUnset, branchWhenUnset, decideWhenUnset, envRead, fallbackValue, truthy, whenUnset } from './environment.js';
import { MAX_HOPS, type PythonModules } from './modules.js';
import { assignmentParts, callArguments, childrenOf, dottedName, inModule, textOf, type CallArguments, type ParsedPython } from './parse.js';

/**
 * Static values of Python expressions, as far as one module shows them. Environment variables,
 * settings helpers, imports and calls are `unknown`, never guessed.
 */
export type PyValue = (
  | { kind: 'string'; value: string; node: SyntaxNode }
  | { kind: 'number'; value: number; node: SyntaxNode }
  | { kind: 'bool'; value: boolean; node: SyntaxNode }
  | { kind: 'none'; node: SyntaxNode }
  /** list, tuple or set; `incomplete` when more entries are added elsewhere (`+= …`, `.append`). */
  | { kind: 'list'; items: PyValue[]; node: SyntaxNode; incomplete?: boolean }
  | {
      kind: 'dict';
      entries: Map<string, { key: SyntaxNode; value: PyValue }>;
      node: SyntaxNode;
      /** Some entries are not in `entries`: a `**spread`, or keys that are not string literals. */
      incomplete?: boolean;
      /** Entries whose key is not a string literal (`re.compile(…)`, a name computed at run time), values still read. */
      computed?: Array<{ key: SyntaxNode; value: PyValue }>;
      /** A `**spread` adds entries nobody can see. */
      spread?: boolean;
    }
  /** `re.compile(pattern[, flags])`. */
  | { kind: 'regex'; pattern: string; ignoreCase: boolean; node: SyntaxNode }
  | {
      kind: 'unknown';
      reason: string;
      node: SyntaxNode;
      /** Set when the value is read from this environment variable. */
      env?: string;
      /** Set for a `datetime.timedelta(…)` of known arguments: its total_seconds(), for the libraries that take one as a max age. */
      seconds?: number;
    }
) & {
  /**
   * Set when the value is a fallback the author wrote for an unset or empty input
   * (`os.getenv("X", "*")`, `os.getenv("X") or "*"`, the `else` of `if os.getenv("X"):`):
   * a possible policy, which only origin options report from; says when it applies.
   */
  fallback?: string;
};

export interface ScopeBindings {
  /** The scope's statements, walked again for names whose value depends on an environment test. */
  statements: SyntaxNode[];
  /** Names assigned exactly once in the scope, outside any block. */
  values: Map<string, SyntaxNode>;
  /** Names assigned more than once, or inside `if`/`try`/`for`: their value depends on run time. */
  ambiguous: Set<string>;
  /** Names whose list or dict is extended after assignment. */
  extended: Set<string>;
}

export interface ModuleBindings extends ScopeBindings {
  /** `name -> dotted module path` from `import x as y` and `from m import x as y`, wherever they appear. */
  imports: Map<string, string>;
  /** True when the module has `from x import *`: any name may come from there. */
  starImport: boolean;
  /** The modules of those star imports, in the order written (`from .base import *` → `.base`). */
  starModules: string[];
  /** `alias -> { module, name }` from `from module import name as alias`; `module` keeps its leading dots. */
  fromImports: Map<string, { module: string; name: string }>;
  /** Other modules of the repository, when the engine offers them, and how many imports were followed to reach this one. */
  modules?: PythonModules;
  hops: number;
  /** Bindings of each function body, read when a name is used inside it (`def create_app(): origins = [...]`). */
  functionScopes: Map<number, ScopeBindings>;
  parsed: ParsedPython;
  /**
   * Values already read in the module that holds them, by node: the entries of a dict imported from
   * another module and spread into a call here (`**cors_options`), whose names only that module binds.
   */
  foreignValues?: Map<SyntaxNode, PyValue>;
}

const MUTATORS = new Set(['append', 'extend', 'insert', 'update', 'add']);

/** Assignments of one scope (module or function body); blocks of `if`/`try`/`with`/`for` run in it too but make a name ambiguous. */
function scopeBindings(parsed: ParsedPython, statements: SyntaxNode[]): ScopeBindings {
  const bindings: ScopeBindings = { statements, values: new Map(), ambiguous: new Set(), extended: new Set() };
  const assignedAt = new Map<string, number>();
  const visit = (list: SyntaxNode[], nested: boolean) => {
    for (const statement of list) {
      switch (statement.name) {
        case 'AssignStatement': {
          const parts = assignmentParts(statement);
          const opIndexes = parts.flatMap((part, index) => (part.name === 'AssignOp' ? [index] : []));
          const targets = opIndexes.map((index) => parts[index - 1]).filter((target) => target?.name === 'VariableName');
          const lastOp = opIndexes[opIndexes.length - 1];
          const value = lastOp === undefined ? undefined : parts[lastOp + 1];
          for (const target of targets) {
            const name = textOf(parsed, target);
            assignedAt.set(name, (assignedAt.get(name) ?? 0) + 1);
            if (nested || assignedAt.get(name)! > 1 || !value || parts.length - lastOp > 2) {
              bindings.ambiguous.add(name);
              bindings.values.delete(name);
            } else bindings.values.set(name, value);
          }
          break;
        }
        case 'UpdateStatement': {
          const target = statement.firstChild;
          if (target?.name === 'VariableName') bindings.extended.add(textOf(parsed, target));
          break;
        }
        case 'ExpressionStatement': {
          const call = statement.firstChild;
          if (call?.name !== 'CallExpression') break;
          const callee = dottedName(parsed, call.firstChild);
          const dot = callee?.lastIndexOf('.') ?? -1;
          if (callee && dot > 0 && MUTATORS.has(callee.slice(dot + 1))) bindings.extended.add(callee.slice(0, dot));
          break;
        }
        case 'IfStatement':
        case 'TryStatement':
        case 'WithStatement':
        case 'ForStatement':
        case 'WhileStatement':
          for (const body of childrenOf(statement).filter((child) => child.name === 'Body')) visit(childrenOf(body), true);
          break;
        case 'StatementGroup':
          visit(childrenOf(statement), nested);
          break;
      }
    }
  };
  visit(statements, false);
  return bindings;
}

export function moduleBindings(parsed: ParsedPython, modules?: PythonModules, hops = 0): ModuleBindings {
  const bindings: ModuleBindings = { ...scopeBindings(parsed, childrenOf(parsed.root)), imports: new Map(), fromImports: new Map(), starImport: false, starModules: [], functionScopes: new Map(), parsed, modules, hops };
  for (const statement of parsed.index.imports) readImport(parsed, statement, bindings);
  return bindings;
}

/** The scope a name used at `node` is looked up in: its function's, when the function assigns it; else the module's. */
export function scopeFor(node: SyntaxNode, name: string, bindings: ModuleBindings): ScopeBindings {
  for (let parent = node.parent; parent; parent = parent.parent) {
    if (parent.name !== 'FunctionDefinition') continue;
    const body = parent.getChild('Body');
    if (!body) break;
    let scope = bindings.functionScopes.get(body.from);
    if (!scope) {
      scope = scopeBindings(bindings.parsed, childrenOf(body));
      bindings.functionScopes.set(body.from, scope);
    }
    if (scope.values.has(name) || scope.ambiguous.has(name)) return scope;
  }
  return bindings;
}

function readImport(parsed: ParsedPython, statement: SyntaxNode, bindings: ModuleBindings): void {
  const parts = childrenOf(statement);
  const words = parts.map((part) => (part.name === 'VariableName' || part.name === '.' || part.name === 'Ellipsis' ? textOf(parsed, part) : part.name));
  if (words[0] === 'from') {
    const importAt = words.indexOf('import');
    const module = words.slice(1, importAt).join('');
    if (parts.slice(importAt + 1).some((part) => part.name === '*')) {
      bindings.starImport = true;
      bindings.starModules.push(module);
    }
    for (let i = importAt + 1; i < parts.length; i++) {
      if (parts[i].name !== 'VariableName') continue;
      const imported = textOf(parsed, parts[i]);
      const alias = parts[i + 1]?.name === 'as' && parts[i + 2]?.name === 'VariableName' ? textOf(parsed, parts[i + 2]) : imported;
      bindings.imports.set(alias, `${module}.${imported}`);
      bindings.fromImports.set(alias, { module, name: imported });
      if (alias !== imported) i += 2;
    }
    return;
  }
  // import a.b.c [as d], e
  let dotted: string[] = [];
  for (let i = 1; i <= parts.length; i++) {
    const part = parts[i];
    if (!part || part.name === ',') {
      if (dotted.length) bindings.imports.set(dotted[0], dotted[0]);
      dotted = [];
    } else if (part.name === 'as' && parts[i + 1]?.name === 'VariableName') {
      bindings.imports.set(textOf(parsed, parts[i + 1]), dotted.join('.'));
      dotted = [];
      i++;
    } else if (part.name === 'VariableName') dotted.push(textOf(parsed, part));
  }
}

/** The dotted path a name or attribute chain refers to, with imported names expanded (`C` → `fastapi.middleware.cors.CORSMiddleware`). */
export function resolveName(parsed: ParsedPython, node: SyntaxNode | null | undefined, bindings: ModuleBindings): string | undefined {
  const dotted = dottedName(parsed, node);
  if (!dotted) return undefined;
  const [head, ...rest] = dotted.split('.');
  const imported = bindings.imports.get(head);
  return imported ? [imported, ...rest].join('.') : dotted;
}

const MAX_DEPTH = 16;

/** `a - b`, `a * b`, `a // b`, `a + b` on two numbers, as Python computes them; unknown for `//` by zero or a non-finite result. */
function numberArithmetic(operator: string, a: number, b: number, node: SyntaxNode): PyValue {
  if (operator === '//' && b === 0) return { kind: 'unknown', reason: 'expression', node };
  const value = operator === '+' ? a + b : operator === '-' ? a - b : operator === '*' ? a * b : Math.floor(a / b);
  return Number.isFinite(value) ? { kind: 'number', value, node } : { kind: 'unknown', reason: 'expression', node };
}

/**
 * The values of assignments already evaluated in this evaluation, by bindings, assigned node and
 * depth (the depth bound makes the value depend on it). `B = [A, A, …]` or `f"{A}{A}…"` repeated
 * refers to each name many times: evaluated afresh each time, k references per level cost
 * k^levels (32 per level: minutes and gigabytes for a 10-line file).
 */
const boundValues = new EvaluationMemo<ModuleBindings, SyntaxNode, PyValue>();

/** Longer concatenated strings and lists are unknown (doubling concatenations would exhaust memory). */
const MAX_COMPUTED_LENGTH = 65_536;

export function evaluate(parsed: ParsedPython, node: SyntaxNode | null | undefined, bindings: ModuleBindings, depth = 0): PyValue {
  return boundValues.run(() => evaluateNode(parsed, node, bindings, depth));
}

function evaluateBound(parsed: ParsedPython, bound: SyntaxNode, bindings: ModuleBindings, depth: number): PyValue {
  return boundValues.value(bindings, bound, depth, () => evaluateNode(parsed, bound, bindings, depth));
}

function evaluateNode(parsed: ParsedPython, node: SyntaxNode | null | undefined, bindings: ModuleBindings, depth: number): PyValue {
  if (!node) return { kind: 'unknown', reason: 'missing value', node: parsed.root };
  if (depth > MAX_DEPTH) return { kind: 'unknown', reason: 'too deep', node };
  const foreign = bindings.foreignValues?.get(node);
  if (foreign) return foreign;
  switch (node.name) {
    case 'String':
    case 'FormatString':
    case 'ContinuedString': {
      const value = stringValue(parsed, node);
      return value === undefined ? { kind: 'unknown', reason: 'formatted string', node } : { kind: 'string', value, node };
    }
    case 'Number': {
      const value = Number(textOf(parsed, node).replace(/_/g, ''));
      return Number.isFinite(value) ? { kind: 'number', value, node } : { kind: 'unknown', reason: 'number', node };
    }
    case 'UnaryExpression': {
      const [op, operand] = childrenOf(node);
      const inner = evaluate(parsed, operand, bindings, depth + 1);
      if (op && textOf(parsed, op) === '-' && inner.kind === 'number') return { kind: 'number', value: -inner.value, node };
      return { kind: 'unknown', reason: 'expression', node };
    }
    case 'Boolean':
      return { kind: 'bool', value: textOf(parsed, node) === 'True', node };
    case 'None':
      return { kind: 'none', node };
    case 'ParenthesizedExpression': {
      const inner = childrenOf(node).filter((child) => child.name !== '(' && child.name !== ')');
      return inner.length === 1 ? evaluate(parsed, inner[0], bindings, depth + 1) : { kind: 'unknown', reason: 'expression', node };
    }
    case 'ArrayExpression':
    case 'TupleExpression':
    case 'SetExpression':
      return listValue(parsed, node, bindings, depth);
    case 'DictionaryExpression':
      return dictValue(parsed, node, bindings, depth);
    case 'VariableName': {
      const name = textOf(parsed, node);
      const scope = scopeFor(node, name, bindings);
      if (scope.ambiguous.has(name)) {
        // `if os.getenv("X"): origins = … else: origins = ["*"]`: the branch taken when X is unset is a possible value.
        const unset = assignedWhenUnset(parsed, scope, name, node, bindings);
        const value = unset && evaluate(parsed, unset.node, bindings, depth + 1);
        if (value && value.kind !== 'unknown') return { ...value, fallback: value.fallback ?? unset!.fallback };
        // `if DEBUG: allowed = [...]; if origin in allowed: …`: assigned just before, in the block that uses it.
        const local = assignedInBlock(parsed, name, node);
        if (local) {
          const held = evaluate(parsed, local, bindings, depth + 1);
          if (held.kind !== 'unknown') return scope.extended.has(name) && (held.kind === 'list' || held.kind === 'dict') ? { ...held, incomplete: true } : held;
        }
        return { kind: 'unknown', reason: `'${name}' is assigned in more than one place`, node };
      }
      const bound = scope.values.get(name);
      if (!bound && scope === bindings && bindings.fromImports.has(name)) return importedValue(parsed, name, node, bindings, depth);
      if (!bound || bound.from >= node.from) return { kind: 'unknown', reason: `'${name}' is not defined in this file`, node };
      const value = evaluateBound(parsed, bound, bindings, depth + 1);
      if (scope.extended.has(name) && (value.kind === 'list' || value.kind === 'dict')) return { ...value, incomplete: true };
      return value;
    }
    case 'BinaryExpression': {
      const [left, op, right] = childrenOf(node);
      if (op && textOf(parsed, op) === 'or') return orValue(parsed, left, right, node, bindings, depth);
      // `os.getenv("CORS_ALLOW_ALL", "True") == "True"`: a flag whose value, when the variable is unset, the fallback decides.
      if (op && /^(==|!=|in|not\s+in)$/.test(textOf(parsed, op))) {
        const decision = decideWhenUnset(parsed, node, bindings, depth + 1);
        return decision ? { kind: 'bool', value: decision.value, node, fallback: decision.fallback ?? whenUnset(decision.variables) } : { kind: 'unknown', reason: 'expression', node };
      }
      const operator = op ? textOf(parsed, op) : '';
      if (!['+', '-', '*', '//'].includes(operator)) return { kind: 'unknown', reason: 'expression', node };
      const a = evaluate(parsed, left, bindings, depth + 1);
      const b = evaluate(parsed, right, bindings, depth + 1);
      // `max_age=60 * 60 * 24`: integer arithmetic on known numbers, as Python computes it.
      if (a.kind === 'number' && b.kind === 'number') return numberArithmetic(operator, a.value, b.value, node);
      if (operator !== '+') return { kind: 'unknown', reason: 'expression', node };
      const fallback = a.fallback ?? b.fallback;
      if ((a.kind === 'list' && b.kind === 'list' && a.items.length + b.items.length > MAX_COMPUTED_LENGTH) || (a.kind === 'string' && b.kind === 'string' && a.value.length + b.value.length > MAX_COMPUTED_LENGTH)) return { kind: 'unknown', reason: 'too long', node };
      if (a.kind === 'list' && b.kind === 'list') return { kind: 'list', items: [...a.items, ...b.items], node, incomplete: a.incomplete || b.incomplete, fallback };
      if (a.kind === 'string' && b.kind === 'string') return { kind: 'string', value: a.value + b.value, node, fallback };
      return { kind: 'unknown', reason: 'computed at run time', node };
    }
    case 'ConditionalExpression': {
      // `x if os.getenv("X") else ["*"]`: the branch taken when the variable is unset.
      const [whenTrue, , test, , whenFalse] = childrenOf(node);
      const decision = decideWhenUnset(parsed, test, bindings, depth + 1);
      if (!decision) return { kind: 'unknown', reason: 'chosen at run time', node };
      const value = evaluate(parsed, decision.value ? whenTrue : whenFalse, bindings, depth + 1);
      return value.kind === 'unknown' ? value : { ...value, fallback: value.fallback ?? decision.fallback ?? whenUnset(decision.variables) };
    }
    case 'CallExpression':
      return callValue(parsed, node, bindings, depth);
    case 'MemberExpression': {
      // `ALLOWED[0]`, `ALLOWED[-1]`, `SETTINGS["origin"]`: an entry of a list or dict written in full.
      const [object, open, index, close] = childrenOf(node);
      // `settings.CORS_ORIGINS` of a pydantic settings object: its written default, when the variable is unset.
      if (open?.name === '.' && index?.name === 'PropertyName') return settingsFieldValue(parsed, object, textOf(parsed, index), bindings, depth) ?? { kind: 'unknown', reason: 'computed at run time', node };
      if (open?.name !== '[' || close?.name !== ']') return { kind: 'unknown', reason: 'computed at run time', node };
      const container = evaluate(parsed, object, bindings, depth + 1);
      const key = evaluate(parsed, index, bindings, depth + 1);
      let entry: PyValue | undefined;
      if (container.kind === 'list' && !container.incomplete && key.kind === 'number' && Number.isInteger(key.value)) entry = container.items.at(key.value);
      else if (container.kind === 'dict' && !container.incomplete && key.kind === 'string') entry = container.entries.get(key.value)?.value;
      if (!entry) return { kind: 'unknown', reason: 'computed at run time', node };
      return container.fallback && !entry.fallback ? { ...entry, fallback: container.fallback } : entry;
    }
    case 'ArrayComprehensionExpression':
      return comprehensionValue(parsed, node, bindings, depth) ?? { kind: 'unknown', reason: 'computed at run time', node };
    default:
      return { kind: 'unknown', reason: 'computed at run time', node };
  }
}

/**
 * The repository module `name` is imported from (`from .settings import ORIGINS`), loaded, with its
 * bindings and the name it has there; undefined for a name not imported that way, past MAX_HOPS
 * imports (`hops`, this module's own count unless a caller counts its own), or outside the repository.
 * Reading it marks both modules as reading others (the language server then relints on their edits).
 */
export function importedModule(parsed: ParsedPython, bindings: ModuleBindings, name: string, hops = bindings.hops): { parsed: ParsedPython; bindings: ModuleBindings; name: string } | undefined {
  const imported = bindings.fromImports.get(name);
  if (!imported || !bindings.modules || hops >= MAX_HOPS) return undefined;
  const target = bindings.modules.load(bindings.parsed.file, imported.module);
  if (!target) return undefined;
  parsed.readsModules = true;
  bindings.parsed.readsModules = true;
  return { parsed: target, bindings: bindings.modules.bindingsOf(target, hops + 1), name: imported.name };
}

/**
 * A name imported from another module of the repository (`from .settings import ORIGINS`): its
 * module-level value there, its nodes (and so its positions) in that module. Imports of imports are
 * followed up to MAX_HOPS; a module outside the repository or a name it does not bind plainly stays unknown.
 */
function importedValue(parsed: ParsedPython, name: string, node: SyntaxNode, bindings: ModuleBindings, depth: number): PyValue {
  const unknown: PyValue = { kind: 'unknown', reason: `'${name}' is imported from ${bindings.fromImports.get(name)!.module}`, node };
  const source = importedModule(parsed, bindings, name);
  if (!source) return unknown;
  const { parsed: target, bindings: theirs, name: exported } = source;
  if (theirs.ambiguous.has(exported)) {
    // Their `if os.getenv(…)` fallback is read as it is in the module itself.
    const at = { from: target.text.length } as SyntaxNode;
    const unset = assignedWhenUnset(target, theirs, exported, at, theirs);
    const value = unset && evaluate(target, unset.node, theirs, depth + 1);
    return value && value.kind !== 'unknown' ? { ...value, fallback: value.fallback ?? unset!.fallback } : unknown;
  }
  const bound = theirs.values.get(exported);
  if (bound) return evaluate(target, bound, theirs, depth + 1);
  if (theirs.fromImports.has(exported)) return importedValue(target, exported, node, theirs, depth + 1);
  return unknown;
}

/** Python's `a or b`: `a` when it is truthy, else `b`. When `a` is unknown, a literal `b` is the fallback the author wrote for an unset or empty `a`. */
function orValue(parsed: ParsedPython, left: SyntaxNode, right: SyntaxNode, node: SyntaxNode, bindings: ModuleBindings, depth: number): PyValue {
  const a = evaluate(parsed, left, bindings, depth + 1);
  const truth = truthy(a);
  if (truth === true) return a;
  const b = evaluate(parsed, right, bindings, depth + 1);
  if (truth === false || b.kind === 'unknown') return truth === false ? { ...b, fallback: b.fallback ?? a.fallback } : { kind: 'unknown', reason: 'computed at run time', node };
  const input = a.kind === 'unknown' && a.env ? `the environment variable ${a.env}` : quoteCode(textOf(parsed, left));
  return { ...b, fallback: b.fallback ?? (a.kind === 'unknown' && a.env ? whenUnset([a.env]) : `the fallback used when ${input} is empty or unset`) };
}

function quoteCode(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
}

function listValue(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings, depth: number): PyValue {
  const items: PyValue[] = [];
  let incomplete = false;
  const parts = childrenOf(node).filter((child) => !['[', ']', '(', ')', '{', '}', ','].includes(child.name));
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.name === 'for' || part.name === 'async') return { kind: 'unknown', reason: 'comprehension', node };
    if (part.name === '*') {
      const spread = evaluate(parsed, parts[++i], bindings, depth + 1);
      if (spread.kind === 'list') {
        if (items.length + spread.items.length > MAX_COMPUTED_LENGTH) return { kind: 'unknown', reason: 'too long', node };
        items.push(...spread.items);
        incomplete ||= Boolean(spread.incomplete);
      } else items.push(spread);
      continue;
    }
    items.push(evaluate(parsed, part, bindings, depth + 1));
  }
  return { kind: 'list', items, node, incomplete };
}

function dictValue(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings, depth: number): PyValue {
  const entries = new Map<string, { key: SyntaxNode; value: PyValue }>();
  const computed: Array<{ key: SyntaxNode; value: PyValue }> = [];
  let incomplete = false;
  let spread = false;
  const parts = childrenOf(node).filter((child) => !['{', '}', ','].includes(child.name));
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (part.name === 'for' || part.name === 'async') return { kind: 'unknown', reason: 'comprehension', node };
    if (part.name === '**') {
      // Later entries replace earlier ones: a mapping written in full here (`{**BASE, "allow_credentials": True}`)
      // sets its keys in order; any other may replace every key written before it, which is then unknown.
      const mapping = parts[++i];
      const inner = mapping ? evaluate(parsed, mapping, bindings, depth + 1) : undefined;
      if (inner?.kind === 'dict' && !inner.incomplete && !inner.spread && !inner.computed?.length && !inner.fallback && inModule(parsed, inner.node)) {
        for (const [key, entry] of inner.entries) {
          entries.delete(key);
          entries.set(key, entry);
        }
        continue;
      }
      entries.clear();
      incomplete = true;
      spread = true;
      continue;
    }
    if (parts[i + 1]?.name !== ':') continue;
    const key = evaluate(parsed, part, bindings, depth + 1);
    const value = evaluate(parsed, parts[i + 2], bindings, depth + 1);
    i += 2;
    if (key.kind === 'string') entries.set(key.value, { key: part, value });
    else {
      incomplete = true;
      computed.push({ key: part, value });
    }
  }
  return { kind: 'dict', entries, node, incomplete, computed: computed.length ? computed : undefined, spread };
}

function callValue(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings, depth: number): PyValue {
  const callee = resolveName(parsed, node.firstChild, bindings);
  const args = callArguments(parsed, node.getChild('ArgList'));
  const read = envRead(parsed, node, bindings);
  if (read) {
    const fallback = fallbackValue(parsed, read, bindings, depth + 1);
    if (!fallback || fallback.kind === 'unknown' || fallback.kind === 'none') return { kind: 'unknown', reason: `read from the environment variable ${read.name}`, node, env: read.name };
    return { ...fallback, fallback: fallback.fallback ?? whenUnset([read.name]) };
  }
  // `"a,b".split(",")`, and so `os.getenv("X", "*").split(",")`.
  const method = node.firstChild?.name === 'MemberExpression' ? childrenOf(node.firstChild) : [];
  if (method.length === 3 && method[2].name === 'PropertyName' && STRING_METHODS.has(textOf(parsed, method[2]))) {
    const target = evaluate(parsed, method[0], bindings, depth + 1);
    const result = target.kind === 'string' ? stringMethod(parsed, target, textOf(parsed, method[2]), args, bindings) : undefined;
    if (result) return result;
  }
  // `json.loads(os.getenv("ORIGINS", '["*"]'))`, `ast.literal_eval(os.environ.get("ORIGINS", "['*']"))`: the text's
  // list of strings, string, bool or number, each item at the literal's position (as split pieces are).
  if ((callee === 'json.loads' || callee === 'ast.literal_eval') && args.positional.length === 1 && args.keywords.size === 0 && !args.spread) {
    const text = evaluate(parsed, args.positional[0], bindings, depth + 1);
    const decoded = text.kind === 'string' ? (callee === 'json.loads' ? jsonLiteral(text.value) : pythonLiteral(text.value)) : undefined;
    if (text.kind === 'string' && decoded !== undefined) {
      const fallback = text.fallback;
      const one = (value: string | boolean | number): PyValue =>
        typeof value === 'string' ? { kind: 'string', value, node: text.node, fallback } : typeof value === 'boolean' ? { kind: 'bool', value, node: text.node, fallback } : { kind: 'number', value, node: text.node, fallback };
      return Array.isArray(decoded) ? { kind: 'list', items: decoded.map(one), node: text.node, fallback } : one(decoded);
    }
  }
  if (callee === 're.compile') {
    const pattern = evaluate(parsed, args.positional[0] ?? args.keywords.get('pattern')?.value, bindings, depth + 1);
    const flagsNode = args.positional[1] ?? args.keywords.get('flags')?.value;
    const flags = regexFlags(flagsNode ? textOf(parsed, flagsNode) : '');
    if (pattern.kind !== 'string' || !flags) return { kind: 'unknown', reason: 'regex computed at run time', node };
    return { kind: 'regex', pattern: pattern.value, ignoreCase: flags.ignoreCase, node };
  }
  if ((callee === 'list' || callee === 'tuple' || callee === 'set' || callee === 'frozenset') && args.positional.length === 1 && args.keywords.size === 0) {
    const inner = evaluate(parsed, args.positional[0], bindings, depth + 1);
    if (inner.kind === 'list') return { ...inner, node };
  }
  if (callee === 'dict' && args.positional.length === 0 && !args.spread) {
    const entries = new Map<string, { key: SyntaxNode; value: PyValue }>();
    for (const [name, { name: key, value }] of args.keywords) entries.set(name, { key, value: evaluate(parsed, value, bindings, depth + 1) });
    return { kind: 'dict', entries, node };
  }
  if (callee === 'datetime.timedelta') {
    const seconds = timedeltaSeconds(parsed, args, bindings, depth);
    if (seconds !== undefined) return { kind: 'unknown', reason: 'a datetime.timedelta', node, seconds };
  }
  const returned = node.firstChild?.name === 'VariableName' && args.positional.length === 0 && args.keywords.size === 0 && !args.spread ? localFunctionReturn(parsed, textOf(parsed, node.firstChild), bindings, depth) : undefined;
  if (returned) return returned;
  return { kind: 'unknown', reason: callee ? `${callee}() is computed at run time` : 'computed at run time', node };
}

/** `datetime.timedelta`'s parameters in their positional order, with the seconds each unit is. */
const TIMEDELTA_UNITS: ReadonlyArray<[string, number]> = [
  ['days', 86_400],
  ['seconds', 1],
  ['microseconds', 1e-6],
  ['milliseconds', 1e-3],
  ['minutes', 60],
  ['hours', 3_600],
  ['weeks', 604_800],
];

/** total_seconds() of `timedelta(…)` when every argument is a known number; undefined otherwise. */
function timedeltaSeconds(parsed: ParsedPython, args: ReturnType<typeof callArguments>, bindings: ModuleBindings, depth: number): number | undefined {
  if (args.spread || args.positional.length > TIMEDELTA_UNITS.length) return undefined;
  let total = 0;
  const add = (node: SyntaxNode, unit: number): boolean => {
    const value = evaluate(parsed, node, bindings, depth + 1);
    if (value.kind !== 'number') return false;
    total += value.value * unit;
    return true;
  };
  for (const [index, node] of args.positional.entries()) if (!add(node, TIMEDELTA_UNITS[index][1])) return undefined;
  for (const [name, { value }] of args.keywords) {
    const at = TIMEDELTA_UNITS.findIndex(([unit]) => unit === name);
    if (at === -1 || at < args.positional.length || !add(value, TIMEDELTA_UNITS[at][1])) return undefined;
  }
  return Number.isFinite(total) ? total : undefined;
}

/**
 * The value of `name` at `use` when a block that holds the use assigns it plainly (`name = value`) earlier,
 * as one of its own statements, and nothing between that assignment and the use binds the name again:
 * whichever way the enclosing tests went, the use sees that value. Undefined otherwise (a loop target,
 * `+=`, a second assignment on the way, a function boundary crossed).
 */
function assignedInBlock(parsed: ParsedPython, name: string, use: SyntaxNode): SyntaxNode | undefined {
  for (let block = use.parent; block && block.name !== 'FunctionDefinition' && block.name !== 'ClassDefinition'; block = block.parent) {
    if (block.name !== 'Body' && block.name !== 'Script') continue;
    const statements = childrenOf(block);
    let found: SyntaxNode | undefined;
    for (const statement of statements) {
      if (statement.from >= use.from) break;
      const parts = statement.name === 'AssignStatement' ? assignmentParts(statement) : [];
      if (parts.length === 3 && parts[0].name === 'VariableName' && textOf(parsed, parts[0]) === name && parts[1].name === 'AssignOp' && textOf(parsed, parts[1]) === '=') found = statement;
    }
    if (!found) continue;
    // Nothing between the assignment and the use may bind the name again.
    const cursor = parsed.tree.cursorAt(found.to, 1);
    let clean = true;
    do {
      if (cursor.from >= use.from) break;
      if (cursor.from < found.to) continue;
      if ((cursor.name === 'AssignStatement' || cursor.name === 'UpdateStatement' || cursor.name === 'ForStatement' || cursor.name === 'WithStatement') && new RegExp(`(^|[^\\w.])${name}\\b`).test(textOf(parsed, cursor.node).split(/=|\bin\b|\bas\b/)[0] ?? '')) clean = false;
    } while (clean && cursor.next());
    if (!clean) return undefined;
    return assignmentParts(found)[2];
  }
  return undefined;
}

/**
 * What a module-level function of this file without parameters returns (`allow_origin_regex=_cors_origin_regex()`):
 * its body read in order, each `if` decided as it runs when the environment variables it reads are
 * unset (`configured = os.getenv("X", "").strip(); if configured: return configured; return r"^https?://.+$"`),
 * the first `return` reached giving the value (a fallback, when a test read the environment on the way).
 * Undefined when a test cannot be decided and its branch may return, when a loop, `try` or `with` holds
 * a return, or when the name is bound more than once.
 */
function localFunctionReturn(parsed: ParsedPython, name: string, bindings: ModuleBindings, depth: number): PyValue | undefined {
  if (depth > MAX_DEPTH || bindings.values.has(name) || bindings.ambiguous.has(name) || bindings.fromImports.has(name) || bindings.imports.has(name)) return undefined;
  const definitions = childrenOf(parsed.root).filter((statement) => statement.name === 'FunctionDefinition' && textOf(parsed, statement.getChild('VariableName') ?? statement) === name);
  if (definitions.length !== 1) return undefined;
  const definition = definitions[0];
  const params = definition.getChild('ParamList');
  const body = definition.getChild('Body');
  if (!params || !body || childrenOf(params).some((part) => part.name !== '(' && part.name !== ')')) return undefined;
  const variables: string[] = [];
  const notes: string[] = [];
  const hasReturn = (statement: SyntaxNode): boolean => {
    const cursor = statement.cursor();
    do {
      if (cursor.name === 'ReturnStatement') return true;
    } while (cursor.next() && cursor.from < statement.to);
    return false;
  };
  /** The value of the first return reached; 'falls-through' when none is; undefined when that cannot be known. */
  const walk = (statements: SyntaxNode[]): PyValue | 'falls-through' | undefined => {
    for (const statement of statements) {
      switch (statement.name) {
        case 'ReturnStatement': {
          const value = evaluate(parsed, childrenOf(statement)[1], bindings, depth + 1);
          if (value.kind === 'unknown' || value.kind === 'none') return undefined;
          const fallback = value.fallback ?? (variables.length > 0 ? whenUnset(variables) : notes[0]);
          return fallback ? { ...value, fallback } : value;
        }
        case 'IfStatement': {
          const taken = branchWhenUnset(parsed, statement, bindings, variables, notes);
          // An undecided test is harmless only when none of its branches returns.
          if (taken === 'undecided' && hasReturn(statement)) return undefined;
          if (taken !== 'undecided' && taken?.name === 'Body') {
            const inner = walk(childrenOf(taken));
            if (inner !== 'falls-through') return inner;
          }
          break;
        }
        case 'StatementGroup': {
          const inner = walk(childrenOf(statement));
          if (inner !== 'falls-through') return inner;
          break;
        }
        case 'AssignStatement':
        case 'ExpressionStatement':
        case 'PassStatement':
        case 'FunctionDefinition':
        case 'ClassDefinition':
          break;
        default:
          if (hasReturn(statement) || statement.name === 'RaiseStatement') return undefined;
      }
    }
    return 'falls-through';
  };
  const value = walk(childrenOf(body).filter((part) => part.name !== ':'));
  return value === 'falls-through' ? undefined : value;
}

const STRING_METHODS = new Set(['split', 'strip', 'lower']);

/**
 * `[o.strip() for o in origins]`, `[o for o in X.split(",") if o]`: the cleaning comprehensions an
 * origin list is written with, over a known list of strings. Only the loop variable, through
 * strip()/lower(), may be produced and tested; anything else is computed at run time.
 */
function comprehensionValue(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings, depth: number): PyValue | undefined {
  const parts = childrenOf(node).filter((part) => part.name !== '[' && part.name !== ']');
  if (parts.length !== 5 && parts.length !== 7) return undefined;
  const [element, forKeyword, variable, inKeyword, iterable, ifKeyword, test] = parts;
  if (forKeyword.name !== 'for' || variable.name !== 'VariableName' || inKeyword.name !== 'in' || (ifKeyword && ifKeyword.name !== 'if')) return undefined;
  const name = textOf(parsed, variable);
  const cleaning = (expression: SyntaxNode): Array<'strip' | 'lower'> | undefined => {
    const methods: Array<'strip' | 'lower'> = [];
    let current = expression;
    while (current.name === 'CallExpression') {
      const [callee, args] = childrenOf(current);
      // `str(origin)` of a string is the string itself.
      if (callee?.name === 'VariableName' && textOf(parsed, callee) === 'str') {
        const inner = callArguments(parsed, args);
        if (inner.positional.length !== 1 || inner.keywords.size > 0 || inner.spread) return undefined;
        current = inner.positional[0];
        break;
      }
      const member = callee?.name === 'MemberExpression' ? childrenOf(callee) : [];
      const method = member[2] ? textOf(parsed, member[2]) : '';
      if (!args || childrenOf(args).length !== 2 || (method !== 'strip' && method !== 'lower')) return undefined;
      methods.unshift(method);
      current = member[0];
    }
    return current.name === 'VariableName' && textOf(parsed, current) === name ? methods : undefined;
  };
  const produce = cleaning(element);
  const filter = test ? cleaning(test) : [];
  if (!produce || !filter) return undefined;
  const source = evaluate(parsed, iterable, bindings, depth + 1);
  // Entries read at run time (`[os.getenv("FRONTEND_URL"), "https://app.example.com"]`) stay unknown entries:
  // cleaning or dropping them leaves an entry that may or may not be there, as before.
  if (source.kind !== 'list' || !source.items.every((item) => item.kind === 'string' || item.kind === 'unknown')) return undefined;
  const apply = (value: string, methods: Array<'strip' | 'lower'>) => methods.reduce((text, method) => (method === 'strip' ? text.trim() : text.toLowerCase()), value);
  const items = (source.items as Array<Extract<PyValue, { kind: 'string' | 'unknown' }>>)
    .filter((item) => item.kind !== 'string' || !test || apply(item.value, filter) !== '')
    .map((item) => (item.kind === 'string' ? { ...item, value: apply(item.value, produce) } : item));
  return { kind: 'list', items, node, incomplete: source.incomplete, fallback: source.fallback };
}

/** `str.split([sep])`, `str.strip()`, `str.lower()` on a known string; the pieces keep the literal's position. */
function stringMethod(parsed: ParsedPython, target: Extract<PyValue, { kind: 'string' }>, method: string, args: ReturnType<typeof callArguments>, bindings: ModuleBindings): PyValue | undefined {
  if (args.spread || args.keywords.size > 0) return undefined;
  const fallback = target.fallback;
  if (method === 'strip' && args.positional.length === 0) return { ...target, value: target.value.trim() };
  if (method === 'lower' && args.positional.length === 0) return { ...target, value: target.value.toLowerCase() };
  if (method !== 'split' || args.positional.length > 1) return undefined;
  const sep = args.positional[0] ? evaluate(parsed, args.positional[0], bindings) : undefined;
  if (sep && (sep.kind !== 'string' || sep.value === '')) return undefined;
  const pieces = sep ? target.value.split(sep.value) : target.value.trim().split(/\s+/).filter(Boolean);
  return { kind: 'list', items: pieces.map((value) => ({ kind: 'string', value, node: target.node, fallback })), node: target.node, fallback };
}

/** The value of a string literal (or implicitly concatenated literals); undefined for f-strings with replacements. */
export function stringValue(parsed: ParsedPython, node: SyntaxNode): string | undefined {
  if (node.name === 'ContinuedString') {
    let out = '';
    for (const part of childrenOf(node)) {
      const value = stringValue(parsed, part);
      if (value === undefined) return undefined;
      out += value;
    }
    return out;
  }
  if (node.name === 'FormatString' && node.firstChild) return undefined;
  return decodeStringLiteral(textOf(parsed, node));
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '\n': '' };

export function decodeStringLiteral(literal: string): string | undefined {
  const match = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(literal);
  if (!match) return undefined;
  const [, prefix, quote] = match;
  if (!literal.endsWith(quote) || literal.length < prefix.length + quote.length * 2) return undefined;
  const body = literal.slice(prefix.length + quote.length, literal.length - quote.length);
  if (/[rR]/.test(prefix)) return body;
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])/g, (whole, escape: string) => {
    if (escape in SIMPLE_ESCAPES && !(escape === '0' && whole.length > 2)) return SIMPLE_ESCAPES[escape];
    if (/^[xuU]/.test(escape) && escape.length > 1) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    if (/^[0-7]+$/.test(escape)) return String.fromCodePoint(parseInt(escape, 8));
    return whole;
  });
}

/** Strings of a list-like value (a single string counts as one entry, as the CORS libraries treat it). */
export function stringItems(value: PyValue): Array<{ value: string; node: SyntaxNode }> | undefined {
  if (value.kind === 'string') return [{ value: value.value, node: value.node }];
  if (value.kind !== 'list' || value.incomplete) return undefined;
  const out: Array<{ value: string; node: SyntaxNode }> = [];
  for (const item of value.items) {
    if (item.kind !== 'string') return undefined;
    out.push({ value: item.value, node: item.node });
  }
  return out;
}

/**
 * A call's `**mapping` arguments expanded when each is a dict written in full with string keys
 * (`add_middleware(CORSMiddleware, **CORS_CONFIG)` with `CORS_CONFIG = {"allow_origins": [...]}`,
 * here or imported from a module of the repository): the same call with those keywords, their
 * values where the dict writes them. Otherwise (a `*args`, a mapping computed at run time) the
 * arguments as they are, the spread still hiding what it sets.
 */
export function knownSpread(parsed: ParsedPython, args: CallArguments, bindings: ModuleBindings): CallArguments {
  if (!args.spread || !args.mappings) return args;
  const keywords = new Map(args.keywords);
  for (const mapping of args.mappings) {
    const value = evaluate(parsed, mapping, bindings);
    if (value.kind !== 'dict' || value.incomplete || value.spread || value.computed?.length || value.fallback) return args;
    // The call's readers evaluate each keyword again, with this module's names: an imported dict's
    // entries keep the values its own module gave them.
    const imported = !inModule(parsed, value.node);
    for (const [name, entry] of value.entries) {
      // A key given twice is a TypeError at the call: leave such a call alone.
      if (keywords.has(name)) return args;
      keywords.set(name, { name: entry.key, value: entry.value.node });
      if (imported) (bindings.foreignValues ??= new Map()).set(entry.value.node, entry.value);
    }
  }
  return { positional: args.positional, keywords };
}

/**
 * The flags argument of `re.compile`/`re.match`/…, as written: nothing, or `re.I`/`re.IGNORECASE`
 * (`|`-joined). Any other flag (VERBOSE, MULTILINE, a variable) changes what the pattern means:
 * undefined, and the caller treats the pattern as unknown.
 */
export function regexFlags(text: string): { ignoreCase: boolean } | undefined {
  const compact = text.replace(/\s/g, '');
  if (!/^((re\.)?(I|IGNORECASE)\|?)*$/.test(compact)) return undefined;
  return { ignoreCase: compact !== '' };
}

/** Longer texts are not decoded: no origin list or flag is this long. */
const MAX_LITERAL_TEXT = 16_384;

/** What `json.loads` gives for a JSON list of strings, a string, a bool or a number; undefined for anything else. */
function jsonLiteral(text: string): Array<string> | string | boolean | number | undefined {
  if (text.length > MAX_LITERAL_TEXT) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (Array.isArray(value)) return value.every((item) => typeof item === 'string') ? (value as string[]) : undefined;
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)) ? value : undefined;
}

/**
 * What `ast.literal_eval` gives for a list or tuple of plain string literals (`"['*']"`, `'("https://a.example", )'`),
 * one such string, `True` / `False`, or a decimal integer; undefined for anything else (escapes, prefixes, nesting).
 * One left-to-right pass.
 */
function pythonLiteral(text: string): Array<string> | string | boolean | number | undefined {
  if (text.length > MAX_LITERAL_TEXT) return undefined;
  const source = text.trim();
  if (source === 'True' || source === 'False') return source === 'True';
  if (/^[0-9]{1,9}$/.test(source)) return Number(source);
  let at = 0;
  const space = () => {
    while (at < source.length && /\s/.test(source[at])) at++;
  };
  const string = (): string | undefined => {
    const quote = source[at];
    if (quote !== "'" && quote !== '"') return undefined;
    const end = source.indexOf(quote, at + 1);
    if (end < 0) return undefined;
    const value = source.slice(at + 1, end);
    if (value.includes('\\') || value.includes('\n')) return undefined;
    at = end + 1;
    return value;
  };
  if (source[0] === "'" || source[0] === '"') {
    const value = string();
    return value !== undefined && at === source.length ? value : undefined;
  }
  const close = source[0] === '[' ? ']' : source[0] === '(' ? ')' : undefined;
  if (!close) return undefined;
  at = 1;
  const items: string[] = [];
  for (;;) {
    space();
    if (source[at] === close) break;
    const item = string();
    if (item === undefined) return undefined;
    items.push(item);
    space();
    if (source[at] === ',') at++;
    else if (source[at] !== close) return undefined;
  }
  // `("a")` is a string, not a tuple; `("a",)` and `()` are tuples.
  if (close === ')' && items.length === 1 && !/,\s*\)$/.test(source)) return items[0];
  return at === source.length - 1 ? items : undefined;
}
