import type { SyntaxNode } from '@lezer/common';
import { assignmentParts, binaryParts, callArguments, childrenOf, textOf, type ParsedPython } from './parse.js';
import { evaluate, resolveName, scopeFor, type ModuleBindings, type PyValue, type ScopeBindings } from './values.js';

/**
 * Environment variables and the fallbacks written for them. Settings often read
 * `os.getenv("ORIGINS") or "*"` or branch on `if os.getenv("ORIGINS"):`; the value the environment
 * supplies is unknowable, but the fallback is what runs wherever the variable is unset, so it is
 * a possible policy. These helpers answer "what does this code give when the variables it reads
 * are unset?", and nothing else: any other run-time input stays unknown.
 */

const GETTERS = new Set(['os.getenv', 'os.environ.get', 'os.environ.setdefault']);
const MAPPINGS = new Set(['os.environ']);
/** Settings libraries' readers: python-decouple's `config`, and the methods of a django-environ / environs `Env()`. */
const DECOUPLE = new Set(['decouple.config', 'decouple.AutoConfig']);
const ENV_CLASSES = new Set(['environ.Env', 'environs.Env']);
const ENV_METHODS = new Set(['str', 'bool', 'list', 'tuple', 'json']);

export interface EnvRead {
  name: string;
  /** The default argument, when one is written. */
  fallback?: SyntaxNode;
  /** `os.environ["X"]`: raises KeyError when unset. */
  required?: boolean;
  /**
   * What the library does to the default: python-decouple casts it (`cast=Csv()` splits at commas,
   * `cast=bool` reads a truth string); django-environ and environs return it as written, so only a
   * default of the method's type is taken (`env.list(..., default=["*"])`).
   */
  cast?: 'csv' | 'bool' | 'none' | { type: 'list' | 'bool' | 'string' };
}

/** `os.getenv("X"[, d])`, `os.environ.get("X"[, d])`, `os.environ["X"]` (also through `from os import getenv, environ`), `config("X", default=…)`, `env.list("X", default=…)`. */
export function envRead(parsed: ParsedPython, node: SyntaxNode | null | undefined, bindings: ModuleBindings): EnvRead | undefined {
  // envRead evaluates the variable's name, which may read the environment again (evaluate ->
  // decideWhenUnset -> valueWhenUnset -> envRead restarts at depth 0): bounded like assignedWhenUnset.
  if (envReadNesting >= MAX_DEPTH) return undefined;
  envReadNesting++;
  try {
    return envReadOnce(parsed, node, bindings);
  } finally {
    envReadNesting--;
  }
}

let envReadNesting = 0;

function envReadOnce(parsed: ParsedPython, node: SyntaxNode | null | undefined, bindings: ModuleBindings): EnvRead | undefined {
  if (!node) return undefined;
  if (node.name === 'CallExpression') {
    const callee = resolveName(parsed, node.firstChild, bindings);
    if (!callee) return undefined;
    const args = callArguments(parsed, node.getChild('ArgList'));
    const key = evaluate(parsed, args.positional[0] ?? args.keywords.get('key')?.value ?? args.keywords.get('var')?.value ?? args.keywords.get('option')?.value, bindings);
    if (key.kind !== 'string') return undefined;
    if (GETTERS.has(callee)) return { name: key.value, fallback: args.positional[1] ?? args.keywords.get('default')?.value };
    if (DECOUPLE.has(callee)) {
      const cast = args.keywords.get('cast')?.value;
      const castName = cast && (cast.name === 'CallExpression' ? resolveName(parsed, cast.firstChild, bindings) : resolveName(parsed, cast, bindings));
      const kind = !cast ? 'none' : castName === 'decouple.Csv' && callArguments(parsed, cast.getChild('ArgList')).positional.length === 0 && callArguments(parsed, cast.getChild('ArgList')).keywords.size === 0 ? 'csv' : castName === 'bool' ? 'bool' : undefined;
      // A cast we do not model (int, a lambda) could give anything: unknown.
      return { name: key.value, fallback: kind ? args.keywords.get('default')?.value : undefined, cast: kind };
    }
    const method = /^(.*)\.(\w+)$/.exec(callee);
    const receiver = method ? method[1] : callee;
    if (!isEnvInstance(parsed, receiver, bindings)) return undefined;
    const reader = method ? method[2] : '';
    if (method && !ENV_METHODS.has(reader)) return undefined;
    // django-environ's scheme: `environ.Env(CORS_ALLOW_ALL=(bool, True))` gives `env("CORS_ALLOW_ALL")` its cast and default.
    const scheme = schemeEntry(parsed, receiver, key.value, bindings);
    if (!method && args.keywords.has('cast')) return { name: key.value };
    const type = !method ? scheme?.type : reader === 'list' || reader === 'tuple' ? 'list' : reader === 'bool' ? 'bool' : reader === 'json' ? undefined : 'string';
    const fallback = args.keywords.get('default')?.value ?? (scheme && (!method || scheme.type === type) ? scheme.fallback : undefined);
    return { name: key.value, fallback: type ? fallback : undefined, cast: type && { type } };
  }
  if (node.name === 'MemberExpression') {
    const parts = childrenOf(node);
    if (parts[1]?.name !== '[' || !MAPPINGS.has(resolveName(parsed, parts[0], bindings) ?? '')) return undefined;
    const key = evaluate(parsed, parts[2], bindings);
    return key.kind === 'string' ? { name: key.value, required: true } : undefined;
  }
  return undefined;
}

/** `env` bound (once, at module level) to `environ.Env(...)` / `environs.Env()`. */
function isEnvInstance(parsed: ParsedPython, name: string, bindings: ModuleBindings): boolean {
  if (name.includes('.')) return false;
  const bound = bindings.values.get(name);
  return bound?.name === 'CallExpression' && ENV_CLASSES.has(resolveName(parsed, bound.firstChild, bindings) ?? '');
}

const SCHEME_TYPES = new Map<string, 'list' | 'bool' | 'string'>([['bool', 'bool'], ['list', 'list'], ['tuple', 'list'], ['str', 'string']]);

/** `environ.Env(NAME=(bool, True))`: the cast and default django-environ's scheme gives a variable, when written as a (type, default) pair. */
function schemeEntry(parsed: ParsedPython, name: string, variable: string, bindings: ModuleBindings): { type?: 'list' | 'bool' | 'string'; fallback?: SyntaxNode } | undefined {
  const bound = bindings.values.get(name);
  if (bound?.name !== 'CallExpression' || resolveName(parsed, bound.firstChild, bindings) !== 'environ.Env') return undefined;
  const entry = callArguments(parsed, bound.getChild('ArgList')).keywords.get(variable)?.value;
  if (entry?.name !== 'TupleExpression' && entry?.name !== 'ParenthesizedExpression') return undefined;
  const items = childrenOf(entry).filter((child) => !['(', ')', ','].includes(child.name));
  if (items.length !== 2) return undefined;
  const type = SCHEME_TYPES.get(textOf(parsed, items[0]));
  return { type, fallback: items[1] };
}

/** The default of an environment read as the program gets it when the variable is unset, or undefined when that is not knowable. */
export function fallbackValue(parsed: ParsedPython, read: EnvRead, bindings: ModuleBindings, depth = 0): PyValue | undefined {
  if (!read.fallback) return undefined;
  const value = evaluate(parsed, read.fallback, bindings, depth);
  if (value.kind === 'unknown') return undefined;
  const cast = read.cast;
  if (cast === undefined || cast === 'none') return value;
  if (cast === 'csv') {
    if (value.kind !== 'string') return undefined;
    return { kind: 'list', items: value.value.split(',').map((item): PyValue => ({ kind: 'string', value: item.trim(), node: value.node })).filter((item) => item.kind === 'string' && item.value !== ''), node: value.node };
  }
  if (cast === 'bool') {
    if (value.kind === 'bool') return value;
    if (value.kind !== 'string') return undefined;
    const text = value.value.trim().toLowerCase();
    if (['1', 'yes', 'y', 'true', 'on'].includes(text)) return { kind: 'bool', value: true, node: value.node };
    if (['0', 'no', 'n', 'false', 'off', ''].includes(text)) return { kind: 'bool', value: false, node: value.node };
    return undefined;
  }
  const matches = cast.type === 'list' ? value.kind === 'list' : cast.type === 'bool' ? value.kind === 'bool' : value.kind === 'string';
  return matches ? value : undefined;
}

/** Python truthiness of a known value; undefined when it cannot be known. */
export function truthy(value: PyValue): boolean | undefined {
  switch (value.kind) {
    case 'string':
      return value.value.length > 0;
    case 'number':
      return value.value !== 0;
    case 'bool':
      return value.value;
    case 'none':
      return false;
    case 'list':
      return value.incomplete && value.items.length === 0 ? undefined : value.items.length > 0;
    case 'dict':
      return value.incomplete && value.entries.size === 0 ? undefined : value.entries.size > 0;
    case 'regex':
      return true;
    default:
      return undefined;
  }
}

/** The variables a decision read, so the message can say when the fallback applies. */
export interface UnsetDecision {
  value: boolean;
  variables: string[];
  /** When no variable is named but the value came from a fallback evaluated elsewhere (a list built from `os.getenv("X", "")`): its message. */
  fallback?: string;
}

const MAX_DEPTH = 8;

/** The value of an expression when every environment variable it reads is unset: undefined when that is not knowable (or the read raises). */
function valueWhenUnset(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings, variables: string[], depth: number, notes: string[] = []): PyValue | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const read = envRead(parsed, node, bindings);
  if (read) {
    if (read.required) return undefined;
    variables.push(read.name);
    if (!read.fallback) return read.cast === undefined ? { kind: 'none', node } : undefined;
    return fallbackValue(parsed, read, bindings, depth + 1);
  }
  if (node.name === 'VariableName') {
    // A local of the enclosing function (`configured = os.getenv("X")` inside `def setup_cors(app)`) or a module name.
    const name = textOf(parsed, node);
    const scope = scopeFor(node, name, bindings);
    if (scope.ambiguous.has(name)) {
      // `origins = [...]` then `if not origins: origins = "*"`: the value the test sees is the one assigned before it.
      const before = assignedWhenUnset(parsed, scope, name, node, bindings, true);
      return before ? valueWhenUnset(parsed, before.node, bindings, variables, depth + 1, notes) : undefined;
    }
    const bound = scope.values.get(name);
    if (!bound || bound.from >= node.from) return undefined;
    return valueWhenUnset(parsed, bound, bindings, variables, depth + 1, notes);
  }
  if (node.name === 'ParenthesizedExpression') {
    const inner = childrenOf(node).filter((child) => child.name !== '(' && child.name !== ')');
    return inner.length === 1 ? valueWhenUnset(parsed, inner[0], bindings, variables, depth + 1, notes) : undefined;
  }
  const value = evaluate(parsed, node, bindings, depth + 1);
  if (value.fallback) notes.push(value.fallback);
  return value.kind === 'unknown' ? undefined : value;
}

/**
 * The branch of an `if`/`elif`/`else` that runs when the environment variables its tests read are
 * unset (undefined when none does), each decided test's variables and notes added to `variables`
 * and `notes`; 'undecided' at the first test that cannot be decided so.
 */
export function branchWhenUnset(parsed: ParsedPython, statement: SyntaxNode, bindings: ModuleBindings, variables: string[], notes: string[]): SyntaxNode | undefined | 'undecided' {
  const parts = childrenOf(statement);
  for (let i = 0; i < parts.length; i++) {
    if (parts[i].name === 'else') return parts[i + 1];
    if (parts[i].name !== 'if' && parts[i].name !== 'elif') continue;
    const decision = decideWhenUnset(parsed, parts[i + 1], bindings);
    if (!decision) return 'undecided';
    variables.push(...decision.variables);
    if (decision.fallback) notes.push(decision.fallback);
    if (decision.value) return parts[i + 2];
  }
  return undefined;
}

/** How an `if` test decides when the environment variables it reads are unset. Only tests that read one are decided. */
export function decideWhenUnset(parsed: ParsedPython, node: SyntaxNode | undefined, bindings: ModuleBindings, depth = 0): UnsetDecision | undefined {
  if (!node || depth > MAX_DEPTH) return undefined;
  const parts = childrenOf(node);
  if (node.name === 'ParenthesizedExpression' && parts.length === 3) return decideWhenUnset(parsed, parts[1], bindings, depth + 1);
  if (node.name === 'UnaryExpression' && parts[0]?.name === 'not') {
    const inner = decideWhenUnset(parsed, parts[1], bindings, depth + 1);
    return inner && { ...inner, value: !inner.value };
  }
  if (node.name === 'BinaryExpression') {
    const { op, left, right } = binaryParts(parsed, parts);
    if (op === 'and' || op === 'or') {
      const a = decideWhenUnset(parsed, left, bindings, depth + 1);
      const b = decideWhenUnset(parsed, right, bindings, depth + 1);
      // Short-circuit: `False and x` / `True or x` need no second answer.
      if (a && a.value === (op === 'or')) return a;
      if (a && b) return { value: b.value, variables: [...a.variables, ...b.variables], fallback: a.fallback ?? b.fallback };
      return undefined;
    }
    if ((op === 'in' || op === 'not in') && MAPPINGS.has(resolveName(parsed, right, bindings) ?? '')) {
      const key = evaluate(parsed, left, bindings, depth + 1);
      return key.kind === 'string' ? { value: op === 'not in', variables: [key.value] } : undefined;
    }
    // `os.getenv("DEBUG", "false").lower() in ("1", "true")`: the fallback looked up in a written list.
    if (op === 'in' || op === 'not in') {
      const variables: string[] = [];
      const notes: string[] = [];
      const needle = valueWhenUnset(parsed, left, bindings, variables, depth + 1, notes);
      const haystack = evaluate(parsed, right, bindings, depth + 1);
      if (!needle || (variables.length === 0 && notes.length === 0) || haystack.kind !== 'list' || haystack.incomplete || haystack.fallback) return undefined;
      const answers = haystack.items.map((item) => scalarEquals(needle, item));
      if (answers.includes(undefined)) return undefined;
      return { value: answers.includes(true) === (op === 'in'), variables, ...(variables.length === 0 ? { fallback: notes[0] } : {}) };
    }
    if (op === '==' || op === '!=') {
      const variables: string[] = [];
      const notes: string[] = [];
      const a = valueWhenUnset(parsed, left, bindings, variables, depth + 1, notes);
      const b = valueWhenUnset(parsed, right, bindings, variables, depth + 1, notes);
      if (!a || !b || (variables.length === 0 && notes.length === 0)) return undefined;
      const same = scalarEquals(a, b);
      return same === undefined ? undefined : { value: same === (op === '=='), variables, ...(variables.length === 0 ? { fallback: notes[0] } : {}) };
    }
    return undefined;
  }
  const variables: string[] = [];
  const notes: string[] = [];
  const value = valueWhenUnset(parsed, node, bindings, variables, depth + 1, notes);
  const truth = value && truthy(value);
  if (truth === undefined || (variables.length === 0 && notes.length === 0)) return undefined;
  return { value: truth, variables, ...(variables.length === 0 ? { fallback: notes[0] } : {}) };
}

function scalarEquals(a: PyValue, b: PyValue): boolean | undefined {
  if (a.kind === 'none' || b.kind === 'none') return a.kind === b.kind;
  if (a.kind === 'string' && b.kind === 'string') return a.value === b.value;
  if (a.kind === 'number' && b.kind === 'number') return a.value === b.value;
  if (a.kind === 'bool' && b.kind === 'bool') return a.value === b.value;
  if ((a.kind === 'string') !== (b.kind === 'string')) return false;
  return undefined;
}

/** `the fallback used when the environment variable ORIGINS is unset`, for messages. */
export function whenUnset(variables: string[]): string {
  const names = [...new Set(variables)];
  if (names.length === 1) return `the fallback used when the environment variable ${names[0]} is unset`;
  return `the fallback used when the environment variables ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} are unset`;
}

/**
 * The value `name` holds at `use` when the environment variables its `if` tests read are unset:
 * the module (or function) body is walked in order, taking the branch each test selects. Any
 * assignment under a test that does not read the environment, in a loop or `try`, or of another
 * shape leaves it unknown. Undefined also when no environment test was involved: a plain
 * re-assignment stays ambiguous, as before.
 */
export function assignedWhenUnset(parsed: ParsedPython, scope: ScopeBindings, name: string, use: Pick<SyntaxNode, 'from' | 'to'>, bindings: ModuleBindings, plain = false): { node: SyntaxNode; fallback: string } | undefined {
  // evaluate → here → decideWhenUnset → envRead → evaluate starts each lap at depth 0: a chain of
  // names whose `if` tests read each other would recurse until the stack overflows (found by the fuzzer).
  if (unsetNesting >= MAX_DEPTH) return undefined;
  unsetNesting++;
  try {
    return assignedWhenUnsetOnce(parsed, scope, name, use, bindings, plain);
  } finally {
    unsetNesting--;
  }
}

/** How many assignedWhenUnset calls are on the stack (it is reached again through evaluate). */
let unsetNesting = 0;

function assignedWhenUnsetOnce(parsed: ParsedPython, scope: ScopeBindings, name: string, use: Pick<SyntaxNode, 'from' | 'to'>, bindings: ModuleBindings, plain: boolean): { node: SyntaxNode; fallback: string } | undefined {
  const variables: string[] = [];
  const notes: string[] = [];
  let current: SyntaxNode | undefined;
  let failed = false;
  const assigns = (statement: SyntaxNode): boolean => {
    let found = false;
    const cursor = statement.cursor();
    do {
      if ((cursor.name === 'AssignStatement' || cursor.name === 'UpdateStatement') && cursor.node.firstChild?.name === 'VariableName' && textOf(parsed, cursor.node.firstChild) === name) found = true;
    } while (!found && cursor.next() && cursor.from < statement.to);
    return found;
  };
  const walk = (statements: SyntaxNode[]) => {
    for (const statement of statements) {
      if (failed || statement.from >= use.from) return;
      // The use is in this `if`'s own test (`if not origins:`): its value is the one before the statement.
      if (statement.name === 'IfStatement' && use.to <= (statement.getChild('Body')?.from ?? statement.to)) return;
      switch (statement.name) {
        case 'AssignStatement': {
          const parts = assignmentParts(statement);
          const ops = parts.flatMap((part, index) => (part.name === 'AssignOp' ? [index] : []));
          const targets = ops.map((index) => parts[index - 1]);
          if (!targets.some((target) => target?.name === 'VariableName' && textOf(parsed, target) === name)) continue;
          const last = ops[ops.length - 1];
          if (parts.length - last > 2 || targets.some((target) => target?.name !== 'VariableName')) failed = true;
          else current = parts[last + 1];
          break;
        }
        case 'IfStatement': {
          if (!assigns(statement)) continue;
          const taken = branchWhenUnset(parsed, statement, bindings, variables, notes);
          if (taken === 'undecided') {
            failed = true;
            return;
          }
          if (taken?.name === 'Body') walk(childrenOf(taken));
          break;
        }
        case 'StatementGroup':
          walk(childrenOf(statement));
          break;
        case 'FunctionDefinition':
        case 'ClassDefinition':
        case 'DecoratedStatement':
          break;
        default:
          if (assigns(statement)) failed = true;
      }
    }
  };
  walk(scope.statements);
  // Without `plain`, a name re-assigned with no environment test on the way stays ambiguous (evaluate's rule);
  // valueWhenUnset asks with `plain`, already reading the run where the variables are unset.
  if (failed || !current || (variables.length === 0 && notes.length === 0 && !plain)) return undefined;
  return { node: current, fallback: variables.length > 0 ? whenUnset(variables) : (notes[0] ?? '') };
}
