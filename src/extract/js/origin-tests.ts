import type { Node } from '@babel/types';
import { matcherAccepts } from '../../model/respond.js';
import type { Loc, OriginMatcher } from '../../model/types.js';
import { evaluate, fileOfNode, locOf, returnedExpression, type Bindings, type JsValue } from './values.js';
import { escapeRegex } from '../../util/regex-escape.js';

/**
 * Origin checks as people write them, turned into a condition over the request's Origin:
 * `a || b` / `&&` / `!`, `list.includes(origin)`, `set.has(origin)`, `origin === 'x'`,
 * `origin.endsWith('.example.com')`, `startsWith`, `includes`, `indexOf`, `/re/.test(origin)`,
 * `origin.match(re)`, `list.some((d) => origin.endsWith(d))`, `o instanceof RegExp ? o.test(origin) : o === origin`,
 * `new URL(origin).hostname.endsWith('example.com')`, and calls of small local helpers.
 * The condition is decided per origin, and (when it is an OR of such tests) exposed as origin
 * matchers: string tests become patterns marked `written` so the rules can generate attackers.
 */
export type Cond =
  | { op: 'const'; value: boolean }
  /**
   * `negates`: this is the negation of that unknown condition (kept to simplify `A ∨ (¬A ∧ B)` as `A ∨ B`).
   * `chosen`: a test on what the requester picks (the path it asks for), so a cross-site page can make it hold or fail.
   */
  | { op: 'unknown'; why: string; negates?: Cond; chosen?: true }
  /** The request has an Origin header (`origin`, `!!origin`). */
  | { op: 'has-origin' }
  | { op: 'test'; matcher: OriginMatcher }
  | { op: 'and' | 'or'; args: Cond[] }
  | { op: 'not'; arg: Cond };

export interface OriginScope {
  /** Is this node the request's Origin (a callback parameter, `req.headers.origin`, a variable holding it)? */
  isOrigin(node: Node): boolean;
  bindings: Bindings;
  file: string;
  text: string;
  /** Names bound by an enclosing `some()` callback or a helper's parameters. */
  env?: Map<string, JsValue>;
  /** Local names holding a correct part of the origin's URL (`const { hostname } = new URL(origin)`). */
  urlNames?: Map<string, UrlPart>;
  /** Local names holding a condition (`const ok = list.includes(origin)`). */
  locals?: Map<string, Cond>;
  /** Is this a test on what the requester chooses (the request's path, `c.req.path.startsWith('/api/public/')`)? */
  requestChosen?(node: Node): boolean;
  depth?: number;
}

const TRUE: Cond = { op: 'const', value: true };
const FALSE: Cond = { op: 'const', value: false };
const MAX_DEPTH = 8;
const MAX_ITEMS = 64;

/**
 * Conditions nest at most this deep; a deeper one is unknown (its callback stays undecided). Real
 * origin checks nest a few levels; a generated chain of thousands of branches would otherwise
 * overflow the stack in every walk over it.
 */
const MAX_NESTING = 64;
const nesting = new WeakMap<Cond, number>();

function nested<T extends Extract<Cond, { op: 'and' | 'or' | 'not' }>>(cond: T, children: Cond[]): T | Extract<Cond, { op: 'unknown' }> {
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, nesting.get(child) ?? 0);
  if (deepest + 1 > MAX_NESTING) return { op: 'unknown', why: 'conditions nested too deeply' };
  nesting.set(cond, deepest + 1);
  return cond;
}

export function and(...args: Cond[]): Cond {
  const flat: Cond[] = [];
  for (const arg of args) {
    if (arg.op === 'const') {
      if (!arg.value) return FALSE;
      continue;
    }
    if (arg.op === 'and') flat.push(...arg.args);
    else flat.push(arg);
  }
  return flat.length === 0 ? TRUE : flat.length === 1 ? flat[0] : nested({ op: 'and', args: flat }, flat);
}

export function or(...args: Cond[]): Cond {
  const flat: Cond[] = [];
  for (const arg of args) {
    if (arg.op === 'const') {
      if (arg.value) return TRUE;
      continue;
    }
    if (arg.op === 'or') flat.push(...arg.args);
    else flat.push(arg);
  }
  if (hasComplement(flat)) return TRUE;
  return flat.length === 0 ? FALSE : flat.length === 1 ? flat[0] : nested({ op: 'or', args: flat }, flat);
}

/**
 * `A ∨ ¬A` holds whatever A is, an unknown test included: `if (list.some(…)) return cb(null, true);
 * return cb(null, true)` admits every origin even when the list is imported. Found by identity: an
 * `if` compiles its test once and its else-path carries that very node's negation.
 */
function hasComplement(args: Cond[]): boolean {
  if (args.length < 2) return false;
  const present = new Set(args);
  return args.some((arg) => (arg.op === 'not' && present.has(arg.arg)) || (arg.op === 'unknown' && arg.negates !== undefined && present.has(arg.negates)));
}

export function not(arg: Cond): Cond {
  if (arg.op === 'const') return { op: 'const', value: !arg.value };
  if (arg.op === 'not') return arg.arg;
  if (arg.op === 'unknown') return arg.negates ?? { op: 'unknown', why: arg.why, negates: arg };
  return nested({ op: 'not', arg }, [arg]);
}

function quote(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** `node` without the type casts, non-null assertions and parentheses around it. */
export function unwrap(node: Node): Node {
  let current = node;
  while (current.type === 'TSAsExpression' || current.type === 'TSNonNullExpression' || current.type === 'TypeCastExpression' || current.type === 'ParenthesizedExpression' || current.type === 'TSSatisfiesExpression') {
    current = current.expression;
  }
  return current;
}

function valueOf(node: Node, scope: OriginScope): JsValue {
  const inner = unwrap(node);
  if (inner.type === 'Identifier' && scope.env?.has(inner.name)) return scope.env.get(inner.name)!;
  // `new Set([...])` and `new Set(list)` hold the same strings as the list.
  if (inner.type === 'NewExpression' && inner.callee.type === 'Identifier' && inner.callee.name === 'Set') {
    if (inner.arguments[0]) return valueOf(inner.arguments[0] as Node, scope);
    if (inner.arguments.length === 0) return { kind: 'array', items: [], node: inner };
  }
  // `new Set().add('https://a.example.com').add(…)`: each add() returns the set with one more entry.
  if (inner.type === 'CallExpression' && propertyName(inner.callee as Node) === 'add' && inner.arguments.length === 1 && inner.arguments[0].type !== 'SpreadElement') {
    const set = valueOf((inner.callee as { object: Node }).object, scope);
    const added = set.kind === 'array' && set.items.length < MAX_ITEMS ? valueOf(inner.arguments[0] as Node, scope) : undefined;
    if (set.kind === 'array' && added) return { kind: 'array', items: [...set.items, added], node: inner, ...(set.why ? { why: set.why } : {}) };
  }
  if (inner.type === 'Identifier' && !scope.env?.has(inner.name)) {
    const bound = scope.bindings.values.get(inner.name);
    const shape = bound ? unwrap(bound) : undefined;
    if (shape && (shape.type === 'NewExpression' || (shape.type === 'CallExpression' && propertyName(shape.callee as Node) === 'add'))) return valueOf(bound!, scope);
  }
  return evaluate(inner, scope.bindings);
}

function propertyName(node: Node): string | undefined {
  if (node.type !== 'MemberExpression' && node.type !== 'OptionalMemberExpression') return undefined;
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  return node.property.type === 'StringLiteral' ? node.property.value : undefined;
}

/** `new URL(origin).hostname` / `.host` / `.origin` / `.protocol`, directly or through a local `const url = new URL(origin)`. */
type UrlPart = 'hostname' | 'host' | 'origin' | 'protocol';

/**
 * `origin.trim()`, `origin.toLowerCase()`, `origin.replace(/\/$/, '')`: what a browser sends (lower-case scheme
 * and host, no trailing slash, no spaces) comes out unchanged, so the result is the origin. Returns the value normalized.
 */
function normalizedOrigin(node: Node): Node | undefined {
  if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.computed || node.callee.property.type !== 'Identifier') return undefined;
  const method = node.callee.property.name;
  const args = node.arguments;
  if ((method === 'trim' || method === 'toLowerCase') && args.length === 0) return node.callee.object as Node;
  if (method === 'replace' && args.length === 2 && args[0].type === 'RegExpLiteral' && /^\\\/[+*]?\$$/.test(args[0].pattern) && args[1].type === 'StringLiteral' && args[1].value === '') return node.callee.object as Node;
  return undefined;
}

function isUrlPart(name: string | undefined): name is UrlPart {
  return name === 'hostname' || name === 'host' || name === 'origin' || name === 'protocol';
}

/** `new URL(origin)`: the request's origin parsed. */
function isOriginUrl(node: Node, scope: OriginScope): boolean {
  const object = unwrap(node);
  return object.type === 'NewExpression' && object.callee.type === 'Identifier' && object.callee.name === 'URL' && !!object.arguments[0] && scope.isOrigin(object.arguments[0] as Node);
}

/** Node's legacy `url.parse(origin)` and `URL.parse(origin)`: the same host parts, though the legacy object has no `.origin`. */
function isParsedOriginCall(node: Node, scope: OriginScope): boolean {
  const object = unwrap(node);
  if (object.type !== 'CallExpression' || object.callee.type !== 'MemberExpression' || propertyName(object.callee) !== 'parse') return false;
  const receiver = object.callee.object;
  return receiver.type === 'Identifier' && (receiver.name === 'url' || receiver.name === 'URL') && !!object.arguments[0] && scope.isOrigin(object.arguments[0] as Node);
}

function urlPart(node: Node, scope: OriginScope, depth = 0): UrlPart | undefined {
  const inner = unwrap(node);
  if (inner.type === 'Identifier') {
    // A local that holds a part: `const hostname = new URL(origin).hostname`, `const { host } = new URL(origin)`.
    const named = scope.urlNames?.get(inner.name);
    if (named) return named;
    const bound = scope.bindings.values.get(inner.name);
    return bound && depth === 0 && !scope.env?.has(inner.name) ? urlPart(bound, scope, depth + 1) : undefined;
  }
  const part = propertyName(inner);
  if (part !== 'hostname' && part !== 'host' && part !== 'origin' && part !== 'protocol') return undefined;
  let object = unwrap((inner as { object: Node }).object);
  if (object.type === 'Identifier') {
    const bound = scope.bindings.values.get(object.name);
    if (bound) object = unwrap(bound);
  }
  return isOriginUrl(object, scope) || (part !== 'origin' && isParsedOriginCall(object, scope)) ? part : undefined;
}

/** What a string test on the origin (or on its URL host) accepts, as a pattern on the whole origin. */
export function stringTest(method: string, argument: string, target: 'origin' | 'hostname' | 'host', loc: Loc, code: string): OriginMatcher | undefined {
  const escaped = escapeRegex(argument);
  let source: string;
  let written: 'prefix' | 'suffix' | 'contains';
  let sample: string | undefined;
  if (target === 'origin') {
    if (method === 'endsWith') (source = `${escaped}$`), (written = 'suffix');
    else if (method === 'startsWith') (source = `^${escaped}`), (written = 'prefix');
    else if (method === 'includes' || method === 'indexOf' || method === 'search') (source = escaped), (written = 'contains');
    else return undefined;
    const host = argument.replace(/^[a-z]+:\/\//i, '');
    sample = /^[a-z]+:\/\//i.test(argument) ? argument : `https://${host.startsWith('.') ? `x${host}` : host.replace(/^\W+/, '')}`;
  } else {
    // The host part of a browser's Origin: no userinfo, no path; `host` keeps the port, `hostname` does not.
    const port = target === 'hostname' ? '(?::\\d+)?' : '';
    const hostChars = target === 'hostname' ? '[^/:]*' : '[^/]*';
    if (method === 'endsWith') (source = `^[a-z][a-z0-9+.-]*:\\/\\/${hostChars}${escaped}${port}$`), (written = 'suffix');
    else if (method === 'startsWith') (source = `^[a-z][a-z0-9+.-]*:\\/\\/${escaped}`), (written = 'prefix');
    else if (method === 'includes' || method === 'indexOf') (source = `^[a-z][a-z0-9+.-]*:\\/\\/${hostChars}${escaped}`), (written = 'contains');
    else if (method === 'equals') (source = `^[a-z][a-z0-9+.-]*:\\/\\/${escaped}${port}$`), (written = 'suffix');
    else return undefined;
    sample = `https://${argument.startsWith('.') ? `x${argument}` : argument}`;
    if (method === 'equals') return { kind: 'pattern', source, flags: 'i', dialect: 'js-search', loc, code, samples: [sample, sample.replace(/^https:/, 'http:')] };
  }
  // A test that does not look at the scheme admits plain http:// too: offer that origin as well (insecure-origin-with-credentials asks about it).
  // Only for a test that is otherwise sound (a suffix with a dot boundary): a lookalike-domain test is origin-substring-match's finding.
  const schemeFree = sample !== undefined && sample.startsWith('https://') && written === 'suffix' && argument.startsWith('.');
  const samples = sample ? (schemeFree ? [sample, sample.replace(/^https:/, 'http:')] : [sample]) : undefined;
  const matcher: OriginMatcher = { kind: 'pattern', source, flags: '', dialect: 'js-search', loc, written, code, samples };
  if (target === 'origin') literals.set(matcher, { written, literal: argument });
  return matcher;
}

/** The literal of each plain string test on the whole origin, to combine `startsWith(a) && endsWith(b)` into one pattern. */
const literals = new WeakMap<OriginMatcher, { written: 'prefix' | 'suffix' | 'contains'; literal: string }>();

function codeOf(node: Node, scope: OriginScope): string {
  return quote(scope.text.slice(node.start ?? 0, node.end ?? 0));
}

/** Does `node` evaluate to a string the origin is tested against? Returns the string and where it is written. */
function stringArg(node: Node | undefined, scope: OriginScope): { value: string; node: Node } | undefined {
  if (!node) return undefined;
  const value = valueOf(node, scope);
  return value.kind === 'string' ? { value: value.value, node: value.node } : undefined;
}

/** The condition under which `node` (an expression used as a boolean) is true for a request. */
export function compileCondition(node: Node, scope: OriginScope): Cond {
  const depth = scope.depth ?? 0;
  if (depth > MAX_DEPTH) return { op: 'unknown', why: 'too deep' };
  const inner = unwrap(node);
  const loc = locOf(inner, scope.file);
  if (scope.isOrigin(inner)) return { op: 'has-origin' };
  if (scope.requestChosen?.(inner)) return { op: 'unknown', why: 'the request path', chosen: true };
  switch (inner.type) {
    case 'BooleanLiteral':
      return inner.value ? TRUE : FALSE;
    case 'NullLiteral':
      return FALSE;
    case 'Identifier': {
      const local = scope.locals?.get(inner.name);
      if (local) return local;
      const value = valueOf(inner, scope);
      if (value.kind === 'boolean') return value.value ? TRUE : FALSE;
      return { op: 'unknown', why: `'${inner.name}'` };
    }
    case 'UnaryExpression':
      if (inner.operator === '!') return not(compileCondition(inner.argument, { ...scope, depth: depth + 1 }));
      return { op: 'unknown', why: inner.operator };
    case 'LogicalExpression': {
      const left = compileCondition(inner.left, { ...scope, depth: depth + 1 });
      const right = compileCondition(inner.right, { ...scope, depth: depth + 1 });
      if (inner.operator === '&&') return and(left, right);
      if (inner.operator === '||') return or(left, right);
      return { op: 'unknown', why: '??' };
    }
    case 'ConditionalExpression': {
      const test = compileCondition(inner.test, { ...scope, depth: depth + 1 });
      const yes = compileCondition(inner.consequent, { ...scope, depth: depth + 1 });
      const no = compileCondition(inner.alternate, { ...scope, depth: depth + 1 });
      if (test.op === 'const') return test.value ? yes : no;
      return or(and(test, yes), and(not(test), no));
    }
    case 'BinaryExpression':
      return binary(inner, loc, { ...scope, depth: depth + 1 });
    case 'CallExpression':
    case 'OptionalCallExpression':
      return call(inner, loc, { ...scope, depth: depth + 1 });
    default:
      return { op: 'unknown', why: inner.type };
  }
}

function binary(node: Extract<Node, { type: 'BinaryExpression' }>, loc: Loc, scope: OriginScope): Cond {
  const { operator } = node;
  const left = node.left as Node;
  const right = node.right as Node;
  if (operator === 'instanceof') {
    const value = valueOf(left, scope);
    if (right.type === 'Identifier' && right.name === 'RegExp' && value.kind !== 'unknown') return value.kind === 'regex' ? TRUE : FALSE;
    return { op: 'unknown', why: 'instanceof' };
  }
  const equality = ['===', '==', '!==', '!='].includes(operator);
  const positive = operator === '===' || operator === '==';
  if (equality) {
    for (const [a, b] of [
      [left, right],
      [right, left],
    ] as const) {
      if (scope.isOrigin(a)) {
        const other = unwrap(b);
        if (other.type === 'NullLiteral' || (other.type === 'Identifier' && other.name === 'undefined')) return positive ? not({ op: 'has-origin' }) : { op: 'has-origin' };
        const literal = stringArg(b, scope);
        if (literal) {
          const test: Cond = { op: 'test', matcher: { kind: 'exact', value: literal.value, loc: locOf(literal.node, scope.file) } };
          return positive ? test : not(test);
        }
        return { op: 'unknown', why: 'comparison with a run-time value' };
      }
      const part = urlPart(a, scope);
      const literal = part ? stringArg(b, scope) : undefined;
      if (part && literal) {
        const test: Cond =
          part === 'origin'
            ? { op: 'test', matcher: { kind: 'exact', value: literal.value, loc: locOf(literal.node, scope.file) } }
            : part === 'protocol'
              ? { op: 'test', matcher: { kind: 'pattern', source: `^${escapeRegex(literal.value)}\\/\\/`, flags: '', dialect: 'js-search', loc, code: codeOf(node, scope) } }
              : { op: 'test', matcher: stringTest('equals', literal.value, part, locOf(literal.node, scope.file), codeOf(node, scope))! };
        return positive ? test : not(test);
      }
    }
  }
  // `list.includes(origin) !== -1`: the indexOf habit applied to a method that returns a boolean.
  const call = unwrap(left);
  const number = numericLiteral(right);
  if ((call.type === 'CallExpression' || call.type === 'OptionalCallExpression') && BOOLEAN_METHODS.has(propertyName(call.callee as Node) ?? '') && number !== undefined) {
    // `list?.includes(origin)` may be undefined, which compares loosely with no number: only === and !== are decided then.
    const holds = (bool: number) => (call.type === 'OptionalCallExpression' ? undefined : compareNumbers(operator, bool, number));
    // A boolean is never strictly equal to a number; loosely (and in <, >) it is 0 or 1.
    const whenTrue = operator === '===' ? false : operator === '!==' ? true : holds(1);
    const whenFalse = operator === '===' ? false : operator === '!==' ? true : holds(0);
    if (whenTrue !== undefined && whenFalse !== undefined) {
      if (whenTrue === whenFalse) return whenTrue ? TRUE : FALSE;
      const test = compileCondition(call, scope);
      return whenTrue ? test : not(test);
    }
  }
  // `x.indexOf(y) !== -1`, `> -1`, `>= 0`, `=== -1`, `< 0`, `=== 0` (a prefix test).
  if ((call.type === 'CallExpression' || call.type === 'OptionalCallExpression') && propertyName(call.callee as Node) === 'indexOf') {
    if (number === undefined) return { op: 'unknown', why: 'indexOf comparison' };
    const found = (): Cond => contains(call as Extract<Node, { type: 'CallExpression' }>, 'indexOf', loc, scope);
    // `list.indexOf(origin) !== 1` (the -1 mistyped): true for every origin but the one at that position.
    const position = listPosition(call as Extract<Node, { type: 'CallExpression' }>, number, scope);
    if (position && (operator === '===' || operator === '==')) return position.at ?? { op: 'unknown', why: 'indexOf position in a list not known' };
    if (position && (operator === '!==' || operator === '!=')) return everyOriginBut(position, loc);
    if (number === 0 && (operator === '===' || operator === '==')) {
      const object = (call.callee as { object: Node }).object;
      const argument = stringArg(call.arguments[0] as Node, scope);
      if (scope.isOrigin(object) && argument) return testOf(stringTest('startsWith', argument.value, 'origin', loc, codeOf(call, scope)));
      return { op: 'unknown', why: 'indexOf position' };
    }
    if (((operator === '!==' || operator === '!=' || operator === '>') && number === -1) || (operator === '>=' && number === 0)) return found();
    if (((operator === '===' || operator === '==') && number === -1) || (operator === '<' && number === 0)) return not(found());
    return { op: 'unknown', why: 'indexOf comparison' };
  }
  if (call.type === 'CallExpression' && propertyName(call.callee as Node) === 'search' && scope.isOrigin((call.callee as { object: Node }).object)) {
    const test = call_(call, loc, scope);
    if (right.type === 'UnaryExpression' && right.operator === '-' && (operator === '!==' || operator === '!=')) return test;
    if (right.type === 'UnaryExpression' && right.operator === '-' && (operator === '===' || operator === '==')) return not(test);
  }
  return { op: 'unknown', why: `comparison ${operator}` };
}

/**
 * `list.indexOf(origin)` compared with a position `n >= 0`: `at` is the test "the origin is the list's
 * entry n" (its first occurrence), FALSE when no entry can be there, undefined when the list is not
 * known. Undefined altogether when this is not a list searched for the origin at such a position.
 */
function listPosition(call: Extract<Node, { type: 'CallExpression' }>, position: number, scope: OriginScope): { at?: Cond } | undefined {
  const arg = call.arguments[0] as Node | undefined;
  if (!arg || !scope.isOrigin(arg) || !Number.isInteger(position) || position < 0) return undefined;
  const object = (unwrap(call.callee as Node) as { object: Node }).object;
  if (scope.isOrigin(object)) return undefined;
  const list = valueOf(object, scope);
  if (list.kind !== 'array' || list.items.length > MAX_ITEMS || !list.items.every((item) => item.kind === 'string' || item.kind === 'regex')) return {};
  const item = list.items[position];
  // A RegExp entry never equals a string; an entry written earlier too is found there first.
  if (item?.kind !== 'string' || list.items.slice(0, position).some((other) => other.kind === 'string' && other.value === item.value)) return { at: FALSE };
  return { at: { op: 'test', matcher: { kind: 'exact', value: item.value, loc: locOf(item.node, scope.file), listId: `${scope.file}:${list.node.start}` } } };
}

/**
 * `if (list.indexOf(origin))`: a position used as a condition is true unless it is 0, so every origin
 * passes but the list's first entry (an absent one gives -1); `origin.indexOf('x')` alone is true
 * unless the origin starts with 'x'; `list.indexOf(a !== b || c)` looks a boolean up in a list of
 * strings, finds nothing, and -1 is always true.
 */
function indexOfAsCondition(call: Extract<Node, { type: 'CallExpression' }>, loc: Loc, scope: OriginScope): Cond {
  const position = listPosition(call, 0, scope);
  if (position) return everyOriginBut(position, loc);
  const object = (unwrap(call.callee as Node) as { object: Node }).object;
  const arg = call.arguments[0] as Node | undefined;
  const argument = stringArg(arg, scope);
  if (scope.isOrigin(object) && argument) return not(testOf(stringTest('startsWith', argument.value, 'origin', loc, codeOf(call, scope))));
  if (arg && isBooleanValued(arg) && !scope.isOrigin(object)) {
    const list = valueOf(object, scope);
    // Every origin passes, and the finding belongs at this test.
    if (list.kind === 'array' && list.items.every((item) => item.kind === 'string' || item.kind === 'regex')) return { op: 'test', matcher: { kind: 'reflect', loc } };
  }
  return { op: 'unknown', why: 'indexOf used as a condition' };
}

/** An expression whose value is always a boolean: a comparison, a negation, or `||`/`&&` of such. */
function isBooleanValued(node: Node): boolean {
  const inner = unwrap(node);
  if (inner.type === 'UnaryExpression') return inner.operator === '!';
  if (inner.type === 'BinaryExpression') return ['===', '!==', '==', '!=', '<', '>', '<=', '>=', 'in', 'instanceof'].includes(inner.operator);
  if (inner.type === 'LogicalExpression') return inner.operator !== '??' && isBooleanValued(inner.left) && isBooleanValued(inner.right);
  return false;
}

/** Every origin but the list entry at a position (listPosition), tested where `loc` says. */
function everyOriginBut(position: { at?: Cond }, loc: Loc): Cond {
  const everyOrigin: Cond = { op: 'test', matcher: { kind: 'reflect', loc } };
  return position.at ? and(everyOrigin, not(position.at)) : everyOrigin;
}

/** Methods whose result is a boolean (or undefined through `?.`), never a position. */
const BOOLEAN_METHODS = new Set(['includes', 'has', 'startsWith', 'endsWith', 'test', 'some', 'every']);

function numericLiteral(node: Node): number | undefined {
  if (node.type === 'NumericLiteral') return node.value;
  if (node.type === 'UnaryExpression' && node.operator === '-' && node.argument.type === 'NumericLiteral') return -node.argument.value;
  return undefined;
}

/** `a <op> b` for two numbers, under JavaScript's loose and relational operators; undefined for other operators. */
function compareNumbers(operator: string, a: number, b: number): boolean | undefined {
  switch (operator) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return undefined;
  }
}

function testOf(matcher: OriginMatcher | undefined): Cond {
  return matcher ? { op: 'test', matcher } : { op: 'unknown', why: 'string test' };
}

/** `list.includes(origin)`, `list.indexOf(origin)`, `set.has(origin)`, or `origin.includes('x')` / `origin.indexOf('x')`. */
function contains(node: Extract<Node, { type: 'CallExpression' }>, method: string, loc: Loc, scope: OriginScope): Cond {
  const object = (unwrap(node.callee as Node) as { object: Node }).object;
  const arg = node.arguments[0] as Node | undefined;
  if (arg && scope.isOrigin(arg)) {
    const list = valueOf(object, scope);
    if (list.kind === 'string' && method !== 'has') {
      // `'https://a.example.com,https://b.example.com'.includes(origin)`: a substring of the list accepts, e.g. 'https://a.example.c'.
      return { op: 'test', matcher: { kind: 'pattern', source: `^(?:${escapeRegex(list.value)})`, flags: '', dialect: 'js-search', loc, code: codeOf(node, scope) } };
    }
    if (list.kind !== 'array') return { op: 'unknown', why: 'list not known' };
    const listId = `${scope.file}:${list.node.start}`;
    const tests: Cond[] = [];
    for (const item of list.items.slice(0, MAX_ITEMS)) {
      // A RegExp entry never equals a string: includes/has skip it.
      if (item.kind === 'regex') continue;
      if (item.kind !== 'string') return { op: 'unknown', why: 'list entry not known' };
      tests.push({ op: 'test', matcher: { kind: 'exact', value: item.value, loc: locOf(item.node, scope.file), listId } });
    }
    return list.items.length > MAX_ITEMS ? { op: 'unknown', why: 'long list' } : or(...tests);
  }
  // `allowed.includes('*')`: a question about the list itself, answered by the list written here. A
  // list from a fallback (`(process.env.X || '*').split(',')`) holds it only in some deployments: open.
  const literal = arg && (method === 'includes' || method === 'indexOf') ? stringArg(arg, scope) : undefined;
  if (literal) {
    const list = valueOf(object, scope);
    if (list.kind === 'array' && list.items.every((item) => item.kind === 'string' && !item.why)) return list.items.some((item) => item.kind === 'string' && item.value === literal.value) ? TRUE : FALSE;
    // Not a bare unknown: conditionMatchers would judge the other disjuncts (`|| list.includes(origin)`)
    // on their own and read this list's '*' as an entry compared literally, when it is what this test asks.
    if (list.kind === 'array' || list.kind === 'string') return { op: 'and', args: [{ op: 'unknown', why: 'a list that holds the value only in some deployments' }, { op: 'unknown', why: 'which deployment runs' }] };
  }
  if (scope.isOrigin(object) || urlPart(object, scope)) {
    const target = scope.isOrigin(object) ? 'origin' : urlPart(object, scope);
    if (target !== 'origin' && target !== 'hostname' && target !== 'host') return { op: 'unknown', why: 'URL part' };
    const argument = stringArg(arg, scope);
    if (!argument) return { op: 'unknown', why: 'argument not known' };
    return testOf(stringTest(method, argument.value, target, loc, codeOf(node, scope)));
  }
  return { op: 'unknown', why: `${method} on another value` };
}

/** A regex test: `re.test(origin)`, `origin.match(re)`, `origin.search(re)`. */
function call_(node: Extract<Node, { type: 'CallExpression' }>, loc: Loc, scope: OriginScope): Cond {
  const method = propertyName(unwrap(node.callee as Node))!;
  const object = (unwrap(node.callee as Node) as { object: Node }).object;
  const regexNode = method === 'test' ? object : (node.arguments[0] as Node | undefined);
  const value = regexNode ? valueOf(regexNode, scope) : undefined;
  if (value?.kind === 'regex') return { op: 'test', matcher: { kind: 'pattern', source: value.pattern, flags: value.flags, dialect: 'js-search', loc: locOf(value.node, scope.file) } };
  if (value?.kind === 'string' && method !== 'test') return { op: 'test', matcher: { kind: 'pattern', source: value.value, flags: '', dialect: 'js-search', loc: locOf(value.node, scope.file) } };
  return { op: 'unknown', why: 'regex not known' };
}

function call(node: Extract<Node, { type: 'CallExpression' | 'OptionalCallExpression' }>, loc: Loc, scope: OriginScope): Cond {
  const callee = unwrap(node.callee as Node);
  if (callee.type === 'Identifier') return helperCall(node, callee.name, scope);
  const method = propertyName(callee);
  if (!method) return { op: 'unknown', why: 'call' };
  const object = (callee as { object: Node }).object;
  const arg = node.arguments[0] as Node | undefined;
  switch (method) {
    case 'includes':
    case 'has':
      return contains(node as Extract<Node, { type: 'CallExpression' }>, method, loc, scope);
    case 'indexOf':
      return indexOfAsCondition(node as Extract<Node, { type: 'CallExpression' }>, loc, scope);
    case 'endsWith':
    case 'startsWith': {
      const target = scope.isOrigin(object) ? 'origin' : urlPart(object, scope);
      if (target !== 'origin' && target !== 'hostname' && target !== 'host') return { op: 'unknown', why: method };
      const argument = stringArg(arg, scope);
      if (!argument) return { op: 'unknown', why: 'argument not known' };
      return testOf(stringTest(method, argument.value, target, loc, codeOf(node, scope)));
    }
    case 'test':
      if (arg && scope.isOrigin(arg)) return call_(node as Extract<Node, { type: 'CallExpression' }>, loc, scope);
      return { op: 'unknown', why: 'test of another value' };
    case 'match':
      if (scope.isOrigin(object)) return call_(node as Extract<Node, { type: 'CallExpression' }>, loc, scope);
      return { op: 'unknown', why: 'match' };
    case 'some':
    case 'find':
    case 'findIndex': {
      if (method === 'findIndex') return { op: 'unknown', why: 'findIndex' };
      const list = valueOf(object, scope);
      const fn = arg ? unwrap(arg) : undefined;
      if (list.kind !== 'array' || !fn || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression')) return { op: 'unknown', why: `${method} over an unknown list` };
      const param = fn.params[0];
      const body = returnedExpression(fn);
      if (param?.type !== 'Identifier' || list.items.length > MAX_ITEMS) return { op: 'unknown', why: method };
      if (!body && fn.body.type !== 'BlockStatement') return { op: 'unknown', why: method };
      const terms: Cond[] = [];
      for (const item of list.items) {
        const env = new Map(scope.env ?? []);
        env.set(param.name, item);
        // A body with statements (`if (o instanceof RegExp) { const ok = o.test(origin); log(…); return ok; }
        // return o === origin;`) is read as a function answering with its returned value, the element bound.
        const term = body ? compileCondition(body, { ...scope, env }) : callbackCondition(fn, { kind: 'return-boolean', firstParamIsOrigin: false }, { ...scope, env });
        if (!term) return { op: 'unknown', why: method };
        terms.push(term);
      }
      return or(...terms);
    }
    default:
      return { op: 'unknown', why: method };
  }
}

/** `isAllowed(origin)` where `isAllowed` is a small function of this file: its returned condition with the origin passed in. */
function helperCall(node: Extract<Node, { type: 'CallExpression' | 'OptionalCallExpression' }>, name: string, scope: OriginScope): Cond {
  const bound = scope.bindings.values.get(name);
  let fn = bound ? unwrap(bound) : undefined;
  // A helper imported from a module of the repository (`import { isAllowedOrigin } from './allowedOrigins.js'`)
  // runs there: its names are that module's.
  let home: Pick<OriginScope, 'bindings' | 'file' | 'text' | 'env' | 'locals' | 'urlNames'> | undefined;
  const imported = bound ? undefined : scope.bindings.imports.get(name);
  if (imported) {
    const value = scope.bindings.resolveImport?.(imported.module, imported.imported);
    const file = value?.kind === 'function' ? fileOfNode(value.node) : undefined;
    const bindings = file ? scope.bindings.bindingsOf?.(file) : undefined;
    const text = file && bindings ? scope.bindings.textOf?.(file) : undefined;
    if (value && file && bindings && text !== undefined) {
      fn = unwrap(value.node);
      home = { bindings, file, text, env: new Map(), locals: new Map(), urlNames: new Map() };
    }
  }
  if (!fn || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression' && fn.type !== 'FunctionDeclaration')) return { op: 'unknown', why: `call of ${name}` };
  const index = node.arguments.findIndex((arg) => arg !== null && scope.isOrigin(arg as Node));
  const param = index === -1 ? undefined : fn.params[index];
  const body = returnedExpression(fn);
  if (param?.type !== 'Identifier' || (!body && fn.body.type !== 'BlockStatement')) return { op: 'unknown', why: `call of ${name}` };
  const outer = scope.isOrigin;
  const paramName = param.name;
  const inner: OriginScope = {
    ...scope,
    ...home,
    env: new Map([...(home?.env ?? scope.env ?? [])].filter(([key]) => key !== paramName)),
    isOrigin: (candidate) => (unwrap(candidate).type === 'Identifier' && (unwrap(candidate) as { name: string }).name === paramName) || outer(candidate),
  };
  if (body) return compileCondition(body, inner);
  // A helper with statements (`if (!origin) return false; if (list.includes(origin)) return true; return …`)
  // answers with what it returns, read as an origin callback's returns are.
  return callbackCondition(fn, { kind: 'return-boolean', firstParamIsOrigin: false }, inner) ?? { op: 'unknown', why: `call of ${name}` };
}

/**
 * The condition for a request carrying `origin` (or none). Conditions share subtrees (each `if` of a
 * chain carries the ones before it), so answers are remembered per node for this origin: a tree walk
 * was exponential in the chain's length (found by the fuzzer: 33 repeated `if (!origin)` never finished).
 */
export function decide(cond: Cond, origin: string | undefined): boolean | 'unknown' {
  const answer = decideWith(cond, origin, new Map(), undefined);
  if (answer !== 'unknown') return answer;
  // Each unknown test is one value, whatever it is: `if (check(origin)) return cb(null, true); return
  // cb(null, true)` admits every origin though check() is imported. Split on the few unknown tests
  // (an unknown and its negation are one test): the same answer under every assignment is the answer.
  const atoms = unknownAtoms(cond);
  if (atoms === undefined || atoms.length === 0) return answer;
  let common: boolean | undefined;
  for (let mask = 0; mask < 1 << atoms.length; mask++) {
    const assigned = new Map(atoms.map((atom, i) => [atom, (mask & (1 << i)) !== 0]));
    const value = decideWith(cond, origin, new Map(), assigned);
    if (value === 'unknown' || (common !== undefined && value !== common)) return 'unknown';
    common = value;
  }
  return common ?? answer;
}

const MAX_SPLIT_ATOMS = 3;

/** The distinct unknown tests of a condition (an unknown's negation counts as that unknown); undefined past MAX_SPLIT_ATOMS. */
function unknownAtoms(cond: Cond): Cond[] | undefined {
  const atoms = new Set<Cond>();
  const seen = new Set<Cond>();
  const visit = (node: Cond): boolean => {
    if (seen.has(node)) return true;
    seen.add(node);
    if (node.op === 'unknown') {
      atoms.add(node.negates ?? node);
      return atoms.size <= MAX_SPLIT_ATOMS;
    }
    if (node.op === 'not') return visit(node.arg);
    if (node.op === 'and' || node.op === 'or') return node.args.every(visit);
    return true;
  };
  return visit(cond) ? [...atoms] : undefined;
}

function decideWith(cond: Cond, origin: string | undefined, memo: Map<Cond, boolean | 'unknown'>, assigned: Map<Cond, boolean> | undefined): boolean | 'unknown' {
  let answer = memo.get(cond);
  if (answer === undefined) {
    answer = decideOnce(cond, origin, memo, assigned);
    memo.set(cond, answer);
  }
  return answer;
}

function decideOnce(cond: Cond, origin: string | undefined, memo: Map<Cond, boolean | 'unknown'>, assigned: Map<Cond, boolean> | undefined): boolean | 'unknown' {
  switch (cond.op) {
    case 'const':
      return cond.value;
    case 'unknown': {
      const value = assigned?.get(cond.negates ?? cond);
      return value === undefined ? 'unknown' : cond.negates ? !value : value;
    }
    case 'has-origin':
      return origin !== undefined && origin !== '';
    case 'test':
      return origin === undefined ? false : matcherAccepts(cond.matcher, origin);
    case 'not': {
      const value = decideWith(cond.arg, origin, memo, assigned);
      return value === 'unknown' ? value : !value;
    }
    case 'and': {
      let unknown = false;
      for (const arg of cond.args) {
        const value = decideWith(arg, origin, memo, assigned);
        if (value === false) return false;
        if (value === 'unknown') unknown = true;
      }
      return unknown ? 'unknown' : true;
    }
    case 'or': {
      let unknown = false;
      for (const arg of cond.args) {
        let value = decideWith(arg, origin, memo, assigned);
        if (value === 'unknown' && arg.op === 'and') {
          // `A ∨ (¬A ∧ B)` is `A ∨ B` (`if (isDev()) allow; else if (check) allow`): the negated earlier
          // disjunct decides nothing, even when A itself cannot be decided.
          const rest = arg.args.filter((part) => !((part.op === 'not' && cond.args.includes(part.arg)) || (part.op === 'unknown' && part.negates && cond.args.includes(part.negates))));
          if (rest.length < arg.args.length) value = decideWith(and(...rest), origin, memo, assigned);
        }
        if (value === true) return true;
        if (value === 'unknown') unknown = true;
      }
      return unknown ? 'unknown' : false;
    }
  }
}

/**
 * Whether an unknown test occurs anywhere in the condition. Conditions share subtrees (each `if` of a
 * chain carries the ones before it, twice), so each node is visited once: a tree walk was exponential
 * in the chain's length (found by the fuzzer: 33 repeated `if (!origin)` never finished).
 */
function hasUnknown(cond: Cond, seen = new Set<Cond>()): boolean {
  if (seen.has(cond)) return false;
  seen.add(cond);
  if (cond.op === 'unknown') return true;
  if (cond.op === 'not') return hasUnknown(cond.arg, seen);
  if (cond.op === 'and' || cond.op === 'or') return cond.args.some((arg) => hasUnknown(arg, seen));
  return false;
}

/**
 * The same condition for a request that carries an Origin (the only requests that get Allow-Origin).
 * Remembered per node: conditions share subtrees, and a tree walk doubled per `if` of a chain
 * (fuzzer, js seed 6004: 33 repeated `if (!origin)` never finished).
 */
function withOrigin(cond: Cond, memo = new Map<Cond, Cond>()): Cond {
  let answer = memo.get(cond);
  if (answer === undefined) {
    answer = withOriginOnce(cond, memo);
    memo.set(cond, answer);
  }
  return answer;
}

function withOriginOnce(cond: Cond, memo: Map<Cond, Cond>): Cond {
  switch (cond.op) {
    case 'has-origin':
      return TRUE;
    case 'not':
      return not(withOrigin(cond.arg, memo));
    case 'and':
      return and(...cond.args.map((arg) => withOrigin(arg, memo)));
    case 'or':
      return or(...cond.args.map((arg) => withOrigin(arg, memo)));
    default:
      return cond;
  }
}

/**
 * A structural key per condition (equal keys, equal conditions), computed once per node from its
 * children's keys: serialising a condition as a tree (JSON.stringify) is exponential when subtrees are shared.
 */
function structuralKeys(): (cond: Cond) => string {
  const keys = new Map<Cond, string>();
  const interned = new Map<string, string>();
  const intern = (text: string): string => {
    let id = interned.get(text);
    if (id === undefined) interned.set(text, (id = `#${interned.size}`));
    return id;
  };
  const key = (cond: Cond): string => {
    let known = keys.get(cond);
    if (known !== undefined) return known;
    switch (cond.op) {
      case 'not':
        known = intern(`not(${key(cond.arg)})`);
        break;
      case 'and':
      case 'or':
        known = intern(`${cond.op}(${cond.args.map(key).join(',')})`);
        break;
      default:
        known = intern(JSON.stringify(cond));
    }
    keys.set(cond, known);
    return known;
  };
  return key;
}

/**
 * The origins a condition admits, as matchers: an OR of tests, each test alone or ANDed with
 * others (combined into one pattern with lookaheads). Undefined when the condition has parts we
 * cannot decide, or a shape matchers cannot express; `reflect` when it admits every origin.
 */
export function conditionMatchers(cond: Cond, loc: Loc): OriginMatcher[] | undefined {
  const simplified = withOrigin(cond);
  if (simplified.op === 'const') return simplified.value ? [{ kind: 'reflect', loc }] : [];
  if (hasUnknown(simplified) && simplified.op !== 'or') return undefined;
  const terms = absorb(simplified.op === 'or' ? simplified.args : [simplified]);
  if (terms.some((term) => term.op === 'const' && term.value)) return [{ kind: 'reflect', loc }];
  const out: OriginMatcher[] = [];
  // `!origin || origin === 'null' || allowed.includes(origin)` with `allowed` imported: the unknown
  // disjunct cannot take back what the known ones admit, so those stay matchers (listed first), and
  // the unknown one becomes an unknown matcher that leaves every other origin undecided.
  let unknown: string | undefined;
  for (const term of terms) {
    if (hasUnknown(term)) {
      if (term.op !== 'unknown') return undefined;
      unknown ??= term.why;
      continue;
    }
    const matcher = termMatcher(term);
    if (!matcher) return undefined;
    if (matcher !== 'never') out.push(matcher);
  }
  if (unknown === undefined) return out;
  if (out.length === 0) return undefined;
  return [...out, { kind: 'unknown', reason: `the callback also admits origins through ${unknown}`, loc }];
}

/**
 * `A ∨ (¬A ∧ B)` is `A ∨ B`: the negated earlier checks that early returns leave on later paths
 * (`if (a) return cb(null, true); if (b) return cb(null, true)`) are dropped when every disjunct
 * they negate is itself one of the terms.
 */
function absorb(input: Cond[]): Cond[] {
  const key = structuralKeys();
  let terms = input;
  for (let round = 0; round < 4; round++) {
    const known = new Set(terms.map(key));
    const covered = (cond: Cond): boolean => (cond.op === 'or' ? cond.args.every(covered) : known.has(key(cond)));
    const next = terms
      .map((term) => (term.op === 'and' ? and(...term.args.filter((part) => !((part.op === 'not' && covered(part.arg)) || (part.op === 'unknown' && part.negates && covered(part.negates))))) : term))
      .flatMap((term) => (term.op === 'or' ? term.args : [term]));
    if (next.map(key).join('\n') === terms.map(key).join('\n')) break;
    terms = next;
  }
  // Absorbing a negated part can leave a term and its complement side by side: together they admit every origin.
  const keys = new Set(terms.map(key));
  if (terms.some((term) => (term.op === 'not' && keys.has(key(term.arg))) || (term.op === 'unknown' && term.negates && keys.has(key(term.negates))))) return [TRUE];
  return terms;
}

function termMatcher(term: Cond): OriginMatcher | 'never' | undefined {
  if (term.op === 'test') return term.matcher;
  if (term.op !== 'and') return undefined;
  const positives: OriginMatcher[] = [];
  const negatives: OriginMatcher[] = [];
  for (const part of term.args) {
    if (part.op === 'test') positives.push(part.matcher);
    else if (part.op === 'not' && part.arg.op === 'test') negatives.push(part.arg.matcher);
    else return undefined;
  }
  // An exact origin ANDed with other tests: it is admitted when the others accept it too.
  const exact = positives.find((m) => m.kind === 'exact');
  if (exact?.kind === 'exact') {
    const others = [...positives.filter((m) => m !== exact).map((m) => matcherAccepts(m, exact.value)), ...negatives.map((m) => (matcherAccepts(m, exact.value) === true ? false : matcherAccepts(m, exact.value) === false ? true : 'unknown'))];
    if (others.includes('unknown')) return undefined;
    return others.every(Boolean) ? exact : 'never';
  }
  // Every origin but a few named ones (`list.indexOf(origin) !== 1`): as open as a reflection.
  const open = positives.find((m) => m.kind === 'reflect');
  if (open && positives.length === 1 && negatives.every((m) => m.kind === 'exact')) return open;
  // `origin.startsWith(a) && origin.endsWith(b)`: one pattern `^a[\s\S]*b$` when a and b cannot overlap. Scanned
  // patterns run on a linear engine without lookaround, so other conjunctions stay undecided.
  if (negatives.length > 0) return undefined;
  const parts = positives.map((m) => literals.get(m));
  const prefixes = parts.filter((p) => p?.written === 'prefix').map((p) => p!.literal);
  const suffixes = parts.filter((p) => p?.written === 'suffix').map((p) => p!.literal);
  if (parts.some((p) => !p || p.written === 'contains')) return undefined;
  const longest = (list: string[], fits: (a: string, b: string) => boolean) => list.reduce<string | undefined>((best, item) => (best === undefined ? item : fits(item, best) ? item : fits(best, item) ? best : undefined), list[0]);
  const prefix = prefixes.length ? longest(prefixes, (a, b) => a.startsWith(b)) : '';
  const suffix = suffixes.length ? longest(suffixes, (a, b) => a.endsWith(b)) : '';
  if (prefix === undefined || suffix === undefined) return 'never';
  for (let k = 1; k <= Math.min(prefix.length, suffix.length); k++) if (prefix.endsWith(suffix.slice(0, k))) return undefined;
  const suffixMatcher = positives.find((m) => literals.get(m)?.written === 'suffix' && literals.get(m)?.literal === suffix);
  const first = suffixMatcher ?? positives[0];
  const samples = positives.flatMap((m) => (m.kind === 'pattern' ? (m.samples ?? []) : [])).filter((sample) => sample.startsWith(prefix) && sample.endsWith(suffix));
  const code = positives.map((m) => (m.kind === 'pattern' ? m.code : undefined)).filter(Boolean).join(' && ');
  const written = suffix ? 'suffix' : 'prefix';
  return { kind: 'pattern', source: `^${escapeRegex(prefix)}[\\s\\S]*${escapeRegex(suffix)}$`, flags: '', dialect: 'js-search', loc: first.loc, written, ...(code ? { code } : {}), ...(samples.length ? { samples } : {}) };
}

/**
 * How an origin callback answers: Node style `(origin, callback) => callback(null, allow)`
 * (cors, @fastify/cors), or by its return value (`@fastify/cors` async functions return a
 * boolean; Hono and Koa return the Allow-Origin value itself, the origin to admit it).
 */
export type CallbackStyle = ({ kind: 'node-callback'; callback: string } | { kind: 'return-boolean' } | { kind: 'return-origin' }) & { firstParamIsOrigin?: boolean };

/** The condition under which the callback admits the request's origin; undefined when its shape is not one we read. */
export function callbackCondition(fn: Node, style: CallbackStyle, scope: OriginScope): Cond | undefined {
  if (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression' && fn.type !== 'FunctionDeclaration' && fn.type !== 'ObjectMethod') return undefined;
  const originNames = new Set<string>();
  const outerIsOrigin = scope.isOrigin;
  const locals = new Map(scope.locals ?? []);
  const urlNames = new Map(scope.urlNames ?? []);
  const inner: OriginScope = {
    ...scope,
    locals,
    urlNames,
    isOrigin: (node) => {
      const unwrapped = unwrap(node);
      if (unwrapped.type === 'Identifier' && originNames.has(unwrapped.name)) return true;
      if (outerIsOrigin(node)) return true;
      const normalized = normalizedOrigin(unwrapped);
      return normalized !== undefined && inner.isOrigin(normalized);
    },
  };
  const allows: Cond[] = [];
  let failed = false;
  /**
   * `let result = fallback; if (test) result = origin; return result;`: what a reassigned local holds, as
   * values each under the condition it holds it (they partition the paths that reach the return).
   */
  const held = new Map<string, Array<{ when: Cond; value: Node }>>();
  const isCallbackCall = (node: Node): node is Extract<Node, { type: 'CallExpression' }> =>
    style.kind === 'node-callback' && node.type === 'CallExpression' && node.callee.type === 'Identifier' && node.callee.name === style.callback;
  const mentionsCallback = (node: Node): boolean => {
    if (style.kind !== 'node-callback') return false;
    const text = scope.text.slice(node.start ?? 0, node.end ?? 0);
    return new RegExp(`\\b${style.callback.replace(/\$/g, '\\$')}\\b`).test(text);
  };

  /** The value handed to the callback or returned: when does it admit the origin? */
  const admitted = (value: Node | undefined, reach: Cond): void => {
    if (!value) return;
    const node = unwrap(value);
    const values = node.type === 'Identifier' ? held.get(node.name) : undefined;
    if (values) {
      for (const { when, value: one } of values) admitted(one, and(reach, when));
      return;
    }
    if (node.type === 'ConditionalExpression') {
      const test = compileCondition(node.test, inner);
      admitted(node.consequent, and(reach, test));
      admitted(node.alternate, and(reach, not(test)));
      return;
    }
    if (inner.isOrigin(node)) {
      allows.push(and(reach, { op: 'has-origin' }));
      return;
    }
    if (node.type === 'NullLiteral' || (node.type === 'Identifier' && node.name === 'undefined')) return;
    if (style.kind === 'return-origin') {
      const literal = stringArg(node, inner);
      if (literal) {
        if (literal.value !== '') allows.push(and(reach, { op: 'test', matcher: { kind: 'exact', value: literal.value, loc: locOf(literal.node, scope.file) } }));
        return;
      }
      // `allowed.find((o) => o === origin)` and the like return the origin when the test passes.
      allows.push(and(reach, compileCondition(node, inner)));
      return;
    }
    allows.push(and(reach, compileCondition(node, inner)));
  };

  /** An expression statement or returned expression: callback calls in it, and the reach after it. */
  const expression = (value: Node, reach: Cond): Cond => {
    const node = unwrap(value.type === 'AwaitExpression' ? value.argument : value);
    if (node.type === 'AssignmentExpression' && node.operator === '=' && node.left.type === 'Identifier' && held.has(node.left.name)) {
      // On the paths that reach here the local now holds the new value; elsewhere what it held before.
      const name = node.left.name;
      const before = held.get(name)!;
      // Reassigned: no longer the origin itself, nor the condition it was first set to.
      originNames.delete(name);
      locals.delete(name);
      if (before.length >= MAX_ITEMS) failed = true;
      held.set(name, [...before.map(({ when, value: old }) => ({ when: and(when, not(reach)), value: old })), { when: reach, value: node.right as Node }]);
      return reach;
    }
    if (isCallbackCall(node)) {
      const error = node.arguments[0] as Node | undefined;
      const errorIsNull = !error || error.type === 'NullLiteral' || (error.type === 'Identifier' && error.name === 'undefined');
      if (errorIsNull) {
        const allow = node.arguments[1] as Node | undefined;
        if (allow && !(allow.type === 'BooleanLiteral' && !allow.value)) admitted(allow, reach);
      }
      return FALSE;
    }
    if (node.type === 'ConditionalExpression' && mentionsCallback(node)) {
      const test = compileCondition(node.test, inner);
      return or(expression(node.consequent, and(reach, test)), expression(node.alternate, and(reach, not(test))));
    }
    if (node.type === 'LogicalExpression' && node.operator !== '??' && mentionsCallback(node.right)) {
      const test = compileCondition(node.left, inner);
      const runs = node.operator === '&&' ? test : not(test);
      return or(expression(node.right, and(reach, runs)), and(reach, not(runs)));
    }
    if (mentionsCallback(node)) failed = true;
    return reach;
  };

  const statements = (list: Node[], reach: Cond): Cond => {
    let current = reach;
    for (const statement of list) {
      if (failed || (current.op === 'const' && !current.value)) return current;
      current = single(statement, current);
    }
    return current;
  };

  const exits = (node: Node): boolean => node.type === 'ReturnStatement' || node.type === 'ThrowStatement' || (node.type === 'BlockStatement' && node.body.length > 0 && exits(node.body[node.body.length - 1]));

  const single = (statement: Node, reach: Cond): Cond => {
    switch (statement.type) {
      case 'VariableDeclaration':
        for (const declarator of statement.declarations) {
          if (declarator.id.type === 'ObjectPattern' && declarator.init && (isOriginUrl(declarator.init, inner) || isParsedOriginCall(declarator.init, inner))) {
            for (const property of declarator.id.properties) {
              const key = property.type === 'ObjectProperty' && property.key.type === 'Identifier' && !property.computed ? property.key.name : undefined;
              if (isUrlPart(key) && (key !== 'origin' || isOriginUrl(declarator.init, inner)) && property.type === 'ObjectProperty' && property.value.type === 'Identifier') urlNames.set(property.value.name, key);
            }
            continue;
          }
          if (declarator.id.type !== 'Identifier' || !declarator.init) continue;
          const part = urlPart(declarator.init, inner);
          if (part) urlNames.set(declarator.id.name, part);
          else urlNames.delete(declarator.id.name);
          // A `let` may be reassigned below: its values are followed (held); until it is, it also reads as before.
          if (inner.isOrigin(declarator.init)) originNames.add(declarator.id.name);
          else if (!part) locals.set(declarator.id.name, compileCondition(declarator.init, inner));
          if (statement.kind !== 'const') held.set(declarator.id.name, [{ when: TRUE, value: declarator.init }]);
        }
        return reach;
      case 'ExpressionStatement':
        return expression(statement.expression, reach);
      case 'ReturnStatement':
        if (statement.argument) {
          if (style.kind === 'node-callback') expression(statement.argument, reach);
          else admitted(statement.argument, reach);
        }
        return FALSE;
      case 'ThrowStatement':
        return FALSE;
      case 'BlockStatement':
        return statements(statement.body, reach);
      case 'IfStatement': {
        const test = compileCondition(statement.test, inner);
        const yes = and(reach, test);
        const no = and(reach, not(test));
        const afterYes = single(statement.consequent, yes);
        const afterNo = statement.alternate ? single(statement.alternate, no) : no;
        // An `if` whose branches neither answer nor exit leaves the reach as it was (r∧t ∨ r∧¬t is r):
        // keeping it unchanged stops a chain of such `if`s from nesting the reach one level per link.
        if (afterYes === yes && afterNo === no) return reach;
        // Keep conditions small: a branch that always exits leaves only the other path.
        if (exits(statement.consequent) && !statement.alternate) return and(reach, not(test));
        return or(afterYes, afterNo);
      }
      case 'TryStatement':
        // An exception (a malformed Origin in `new URL`) goes to the catch block, which in practice refuses.
        return statements(statement.block.body, reach);
      case 'EmptyStatement':
        return reach;
      default:
        if (mentionsCallback(statement) || statement.type === 'ForStatement' || statement.type === 'ForOfStatement' || statement.type === 'WhileStatement') failed = true;
        return reach;
    }
  };

  const params = 'params' in fn ? fn.params : [];
  const first = params[0];
  // Koa passes the context, not the origin: its callbacks read `ctx.get('Origin')` (the scope's isOrigin knows that).
  if (first?.type === 'Identifier' && style.firstParamIsOrigin !== false) originNames.add(first.name);
  const body = fn.body;
  if (body.type === 'BlockStatement') statements(body.body, TRUE);
  else if (style.kind === 'node-callback') expression(body, TRUE);
  else admitted(body, TRUE);
  if (failed) return undefined;
  return onSomeRequest(or(...allows));
}

/**
 * The origins admitted on some request: a test on what the requester chooses (its path) holds for
 * the requests an attacker's page makes to that path and fails for the others, so the callback admits
 * what it admits under either answer (`if (c.req.path.startsWith('/api/public/')) return origin;
 * return allowed.includes(origin) ? origin : null` reflects every origin, on those routes).
 * Conditions on configuration stay unknown: nobody outside picks them.
 */
function onSomeRequest(cond: Cond): Cond {
  const atoms = new Set<Cond>();
  const seen = new Set<Cond>();
  const visit = (node: Cond): void => {
    if (seen.has(node)) return;
    seen.add(node);
    if (node.op === 'unknown') {
      const atom = node.negates ?? node;
      if (atom.op === 'unknown' && atom.chosen) atoms.add(atom);
    } else if (node.op === 'not') visit(node.arg);
    else if (node.op === 'and' || node.op === 'or') node.args.forEach(visit);
  };
  visit(cond);
  if (atoms.size === 0 || atoms.size > MAX_SPLIT_ATOMS) return cond;
  const list = [...atoms];
  const answers: Cond[] = [];
  for (let mask = 0; mask < 1 << list.length; mask++) {
    const assigned = new Map(list.map((atom, i) => [atom, (mask & (1 << i)) !== 0]));
    answers.push(substitute(cond, assigned, new Map()));
  }
  return or(...answers);
}

/** The condition with each assigned unknown (and its negation) replaced by its value; shared subtrees are rebuilt once. */
function substitute(cond: Cond, assigned: Map<Cond, boolean>, memo: Map<Cond, Cond>): Cond {
  const done = memo.get(cond);
  if (done) return done;
  let answer: Cond;
  switch (cond.op) {
    case 'unknown': {
      const value = assigned.get(cond.negates ?? cond);
      answer = value === undefined ? cond : { op: 'const', value: cond.negates ? !value : value };
      break;
    }
    case 'not':
      answer = not(substitute(cond.arg, assigned, memo));
      break;
    case 'and':
      answer = and(...cond.args.map((arg) => substitute(arg, assigned, memo)));
      break;
    case 'or':
      answer = or(...cond.args.map((arg) => substitute(arg, assigned, memo)));
      break;
    default:
      answer = cond;
  }
  memo.set(cond, answer);
  return answer;
}
