import type { CallExpression, Node } from '@babel/types';
import { EvaluationMemo } from '../../util/evaluation-memo.js';
import type { Loc } from '../../model/types.js';

/**
 * Static values of JS expressions, as far as one file shows them. Anything computed at run time
 * (environment variables, imports from outside the file, calls) is `unknown`, never guessed.
 */
export type JsValue =
  /** `why`: set when the value is a literal fallback (`process.env.X || '*'`) that applies only in some deployments. */
  | { kind: 'string'; value: string; node: Node; why?: string }
  | { kind: 'boolean'; value: boolean; node: Node; why?: string }
  | { kind: 'number'; value: number; node: Node }
  | { kind: 'regex'; pattern: string; flags: string; node: Node }
  | { kind: 'array'; items: JsValue[]; node: Node; why?: string }
  | { kind: 'object'; properties: Map<string, JsValue>; node: Node }
  | { kind: 'function'; node: Node }
  /** `template`: a template literal's text and its literal parts around the `${…}` (an origin written `https://${DOMAIN}/`). */
  | { kind: 'unknown'; reason: string; node: Node; template?: { text: string; literals: string[] } };

export interface Bindings {
  /** Single, never-reassigned declarations by name. */
  values: Map<string, Node>;
  /** Names bound to imports or requires (module specifier). */
  imports: Map<string, { module: string; imported: string }>;
  /** The value an import names, when the module is a file of the repository (see modules.ts). */
  resolveImport?(module: string, imported: string): JsValue | undefined;
  /** The bindings of another parsed file (a function imported from it is evaluated there). */
  bindingsOf?(file: string): Bindings | undefined;
  /** The text of another parsed file (positions of its nodes are offsets into it). */
  textOf?(file: string): string | undefined;
}

/**
 * The file a parsed node belongs to: values imported from another module keep their own file's
 * positions. Babel writes it into every node's location (`sourceFilename`), which costs nothing;
 * a WeakMap entry per node was a third of a language-server edit (ephemerons slow every GC).
 */
export function fileOfNode(node: Node | null | undefined): string | undefined {
  return node?.loc?.filename ?? undefined;
}

export function locOf(node: Node, file: string): Loc {
  file = fileOfNode(node) ?? file;
  const loc = node.loc!;
  return { file, line: loc.start.line, column: loc.start.column + 1, endLine: loc.end.line, endColumn: loc.end.column + 1 };
}

const MAX_DEPTH = 12;

/** A template literal's literal parts, and its text with each substitution shown as `${…}` (at most 200 characters). */
function templateParts(literals: string[]): { text: string; literals: string[] } {
  const text = literals.join('${…}');
  return { text: text.length > 200 ? `${text.slice(0, 197)}…` : text, literals };
}

/**
 * The values of named declarations already evaluated in this evaluation, by bindings, declaration
 * and depth (the depth bound makes the value depend on it). `const B = `${A}${A}…`` repeated, or
 * `[A, A, …]`, refers to each name many times: evaluated afresh each time, k references per level
 * cost k^levels (32 per level: minutes for a 10-line file).
 */
const boundValues = new EvaluationMemo<Bindings, Node, JsValue>();

/** Longer computed strings are unknown (no header value is this long; doubling concatenations would exhaust memory). */
const MAX_COMPUTED_STRING = 65_536;

export function evaluate(node: Node | null | undefined, bindings: Bindings, depth = 0): JsValue {
  return boundValues.run(() => evaluateNode(node, bindings, depth));
}

function evaluateBound(bound: Node, bindings: Bindings, depth: number): JsValue {
  return boundValues.value(bindings, bound, depth, () => evaluateNode(bound, bindings, depth));
}

function evaluateNode(node: Node | null | undefined, bindings: Bindings, depth: number): JsValue {
  if (!node) return { kind: 'unknown', reason: 'missing', node: node as unknown as Node };
  if (depth > MAX_DEPTH) return { kind: 'unknown', reason: 'too deep', node };
  switch (node.type) {
    case 'StringLiteral':
      return { kind: 'string', value: node.value, node };
    case 'TemplateLiteral': {
      const literals = node.quasis.map((q) => q.value.cooked ?? q.value.raw);
      if (node.expressions.length === 0) return { kind: 'string', value: literals.join(''), node };
      // `https://${DOMAIN}` with `const DOMAIN = 'app.example.org'`: every substitution known, so the text is.
      const parts = node.expressions.map((expression) => evaluate(expression as Node, bindings, depth + 1));
      if (parts.every((part) => part.kind === 'string' || part.kind === 'number')) {
        const why = parts.flatMap((part) => (part.kind === 'string' && part.why ? [part.why] : []))[0];
        const value = literals.map((literal, index) => literal + (index < parts.length ? String((parts[index] as { value: string | number }).value) : '')).join('');
        if (value.length > MAX_COMPUTED_STRING) return { kind: 'unknown', reason: 'too long', node };
        return { kind: 'string', value, node, ...(why ? { why } : {}) };
      }
      return { kind: 'unknown', reason: 'template with expressions', node, template: templateParts(literals) };
    }
    case 'BinaryExpression':
      return binaryValue(node, bindings, depth);
    case 'BooleanLiteral':
      return { kind: 'boolean', value: node.value, node };
    case 'NumericLiteral':
      return { kind: 'number', value: node.value, node };
    case 'RegExpLiteral':
      return { kind: 'regex', pattern: node.pattern, flags: node.flags, node };
    case 'NewExpression':
    case 'CallExpression':
      if (node.callee.type === 'Identifier' && node.callee.name === 'RegExp') {
        const [source, flags] = node.arguments.map((arg) => evaluate(arg as Node, bindings, depth + 1));
        if (source?.kind === 'string' && (!flags || flags.kind === 'string')) return { kind: 'regex', pattern: source.value, flags: flags?.kind === 'string' ? flags.value : '', node };
      }
      if (node.type === 'CallExpression') {
        const method = stringMethod(node, bindings, depth) ?? configServiceDefault(node, bindings, depth);
        if (method) return method;
      }
      // `corsConfig()`: a small function of this file (or an imported one) that returns a literal.
      if (node.type === 'CallExpression' && node.callee.type === 'Identifier') {
        const fn = evaluate(node.callee, bindings, depth + 1);
        const returned = fn.kind === 'function' ? returnedExpression(fn.node) : undefined;
        if (returned) {
          const file = fileOfNode(fn.node);
          const own = (file && bindings.bindingsOf?.(file)) || bindings;
          const value = evaluate(returned, own, depth + 1);
          if (value.kind !== 'unknown') return value;
        }
      }
      return { kind: 'unknown', reason: 'computed by a call', node };
    case 'ArrayExpression': {
      const items: JsValue[] = [];
      for (const element of node.elements) {
        if (!element) continue;
        if (element.type === 'SpreadElement') {
          const spread = evaluate(element.argument, bindings, depth + 1);
          if (spread.kind === 'array') items.push(...spread.items);
          else items.push({ kind: 'unknown', reason: 'spread of an unknown value', node: element });
        } else {
          items.push(evaluate(element, bindings, depth + 1));
        }
      }
      return { kind: 'array', items, node };
    }
    case 'ObjectExpression': {
      const properties = new Map<string, JsValue>();
      for (const property of node.properties) {
        if (property.type === 'SpreadElement') {
          const spread = evaluate(property.argument, bindings, depth + 1);
          if (spread.kind === 'object') for (const [key, value] of spread.properties) properties.set(key, value);
          else {
            // `{ origin: true, ...options }`: the unknown object may replace every key written before it.
            for (const key of properties.keys()) properties.set(key, { kind: 'unknown', reason: 'may be replaced by a spread of an unknown object', node: property });
            properties.set('*unknown-spread*', { kind: 'unknown', reason: 'spread of an unknown object', node: property });
          }
          continue;
        }
        if (property.computed) continue;
        const key = propertyKey(property.key);
        if (key === undefined) continue;
        if (property.type === 'ObjectMethod') properties.set(key, { kind: 'function', node: property });
        else properties.set(key, evaluate(property.value as Node, bindings, depth + 1));
      }
      return { kind: 'object', properties, node };
    }
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
    case 'FunctionDeclaration':
      return { kind: 'function', node };
    case 'Identifier': {
      if (node.name === 'undefined') return { kind: 'unknown', reason: 'undefined', node };
      const imported = bindings.imports.get(node.name);
      if (imported) return bindings.resolveImport?.(imported.module, imported.imported) ?? { kind: 'unknown', reason: `imported from '${imported.module}'`, node };
      const bound = bindings.values.get(node.name);
      if (!bound) return { kind: 'unknown', reason: `'${node.name}' is not defined in this file`, node };
      const value = evaluateBound(bound, bindings, depth + 1);
      // Keep the position of the literal itself, so a finding lands on the value, not on its use.
      return value;
    }
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
    case 'TSNonNullExpression':
    case 'TypeCastExpression':
    case 'ParenthesizedExpression':
      return evaluate(node.expression, bindings, depth + 1);
    case 'LogicalExpression': {
      if (node.operator === '&&') return { kind: 'unknown', reason: 'computed at run time', node };
      const left = evaluate(node.left, bindings, depth + 1);
      if (left.kind !== 'unknown') {
        const truthy = left.kind === 'string' ? left.value !== '' : left.kind === 'boolean' ? left.value : left.kind === 'number' ? left.value !== 0 : true;
        return node.operator === '??' || truthy ? left : evaluate(node.right, bindings, depth + 1);
      }
      // `process.env.CORS_ORIGIN || '*'`: with the variable unset (the default) the literal applies.
      const variable = envVariable(left.node);
      const right = evaluate(node.right, bindings, depth + 1);
      if (variable && right.kind === 'string') return { ...right, why: `the fallback when ${variable} is unset` };
      // `config.corsOrigin || '*'`, `settings.cors.origins ?? '*'`: a setting read from configuration the file cannot see,
      // whose literal fallback applies wherever it is left empty or unset (as Python's `settings.x or ["*"]` is read).
      const setting = configurationSetting(node.left);
      // Not an empty list (`props.allowedOrigins ?? []`): that says "none given", and what the caller gives is not known.
      if (setting && (right.kind === 'string' || (right.kind === 'array' && right.items.length > 0 && right.items.every((item) => item.kind === 'string')))) {
        return withWhy(right, `the fallback when ${setting} is ${node.operator === '??' ? 'unset' : 'empty or unset'}`);
      }
      return { kind: 'unknown', reason: left.reason, node };
    }
    case 'ConditionalExpression': {
      // `process.env.ORIGINS ? process.env.ORIGINS.split(',') : true`, `origins.length ? origins : '*'` with
      // `origins` built from `(process.env.ORIGINS || '')`: the branch taken while the variable is unset.
      const test = unsetTest(node.test, bindings, depth + 1);
      if (!test) return { kind: 'unknown', reason: 'chosen at run time', node };
      return withWhy(evaluate(test.value ? node.consequent : node.alternate, bindings, depth + 1), test.why);
    }
    case 'MemberExpression': {
      if (isProcessEnv(node)) return { kind: 'unknown', reason: 'environment variable', node };
      // `config.cors`, `settings.corsOptions`: a property of an object written in the repository.
      const key = !node.computed && node.property.type === 'Identifier' ? node.property.name : node.property.type === 'StringLiteral' ? node.property.value : undefined;
      if (key !== undefined && (node.object.type === 'Identifier' || node.object.type === 'MemberExpression')) {
        const object = evaluate(node.object, bindings, depth + 1);
        const value = object.kind === 'object' ? (object.properties.get(key) ?? object.properties.get('*unknown-spread*')) : undefined;
        if (value) return value;
      }
      return { kind: 'unknown', reason: 'property of a run-time value', node };
    }
    default:
      return { kind: 'unknown', reason: `${node.type} is computed at run time`, node };
  }
}

/**
 * `60 * 60 * 24` (a max age), `'https://' + DOMAIN`, `'http://localhost:' + PORT`: arithmetic on
 * known numbers and concatenation of known strings and numbers, as JavaScript computes them. A
 * division that leaves a fraction stays unknown (the header would carry the fraction's text).
 */
function binaryValue(node: Extract<Node, { type: 'BinaryExpression' }>, bindings: Bindings, depth: number): JsValue {
  const unknown: JsValue = { kind: 'unknown', reason: 'computed at run time', node };
  if (!['+', '-', '*', '/'].includes(node.operator) || node.left.type === 'PrivateName') return unknown;
  const left = evaluate(node.left, bindings, depth + 1);
  const right = evaluate(node.right, bindings, depth + 1);
  if (left.kind === 'number' && right.kind === 'number') {
    const value = node.operator === '+' ? left.value + right.value : node.operator === '-' ? left.value - right.value : node.operator === '*' ? left.value * right.value : left.value / right.value;
    return Number.isFinite(value) && (node.operator !== '/' || Number.isInteger(value)) ? { kind: 'number', value, node } : unknown;
  }
  if (node.operator !== '+') return unknown;
  if ((left.kind === 'string' && (right.kind === 'string' || right.kind === 'number')) || (left.kind === 'number' && right.kind === 'string')) {
    const why = (left.kind === 'string' && left.why) || (right.kind === 'string' && right.why) || undefined;
    if (String(left.value).length + String(right.value).length > MAX_COMPUTED_STRING) return { kind: 'unknown', reason: 'too long', node };
    return { kind: 'string', value: String(left.value) + String(right.value), node, ...(why ? { why } : {}) };
  }
  return unknown;
}

/**
 * The string and list methods an origin setting is written with: `'a,b'.split(',')`, `.trim()`,
 * `.toLowerCase()`, `.map((o) => o.trim())`, `.filter(Boolean)` — so that
 * `(process.env.ORIGINS || '*').split(',')` keeps its literal fallback. Items keep the literal's node.
 */
function stringMethod(node: Extract<Node, { type: 'CallExpression' }>, bindings: Bindings, depth: number): JsValue | undefined {
  const callee = node.callee;
  if ((callee.type !== 'MemberExpression' && callee.type !== 'OptionalMemberExpression') || callee.computed || callee.property.type !== 'Identifier') return undefined;
  const name = callee.property.name;
  if (!['split', 'trim', 'toLowerCase', 'map', 'filter'].includes(name)) return undefined;
  const target = evaluate(callee.object as Node, bindings, depth + 1);
  const [first] = node.arguments as Node[];
  if (target.kind === 'string') {
    if (name === 'trim') return { ...target, value: target.value.trim() };
    if (name === 'toLowerCase') return { ...target, value: target.value.toLowerCase() };
    if (name !== 'split' || node.arguments.length !== 1) return undefined;
    const separator = evaluate(first, bindings, depth + 1);
    if (separator.kind !== 'string' || separator.value === '') return undefined;
    let offset = 0;
    return {
      kind: 'array',
      items: target.value.split(separator.value).map((value) => {
        const item = { ...target, value, node: pieceNode(target.node, target.value, offset, value.length) };
        offset += value.length + separator.value.length;
        return item;
      }),
      node,
      ...(target.why ? { why: target.why } : {}),
    };
  }
  // Entries read at run time (`[process.env.FRONTEND_URL, 'https://app.example.com'].filter(Boolean)`) stay unknown
  // entries: trimming or dropping them if empty leaves an entry that may or may not be there, as before.
  if (target.kind !== 'array' || !target.items.every((item) => item.kind === 'string' || item.kind === 'unknown')) return undefined;
  const items = target.items as Array<Extract<JsValue, { kind: 'string' | 'unknown' }>>;
  // Only the callbacks that cannot change an origin's meaning: trimming, lower-casing, dropping empties.
  // A list split from a fallback stays one when it is trimmed or emptied.
  const why = target.why ? { why: target.why } : {};
  if (name === 'map' && node.arguments.length === 1 && callbackCalls(first, ['trim'])) return { kind: 'array', items: items.map((item) => (item.kind === 'string' ? { ...item, value: item.value.trim() } : item)), node, ...why };
  if (name === 'filter' && node.arguments.length === 1 && ((first.type === 'Identifier' && first.name === 'Boolean') || callbackCalls(first, []))) return { kind: 'array', items: items.filter((item) => item.kind !== 'string' || item.value !== ''), node, ...why };
  return undefined;
}

/**
 * How a test decides while the environment variables it reads are unset, with the note for messages:
 * `process.env.X` (undefined, falsy), its negation, and the length of a string or list built from a
 * literal fallback (`(process.env.X || '').split(',').filter(Boolean)` is empty). Undefined for any
 * other test, and for one that reads no environment variable.
 */
function unsetTest(test: Node, bindings: Bindings, depth: number): { value: boolean; why: string } | undefined {
  if (depth > MAX_DEPTH) return undefined;
  if (test.type === 'ParenthesizedExpression' || test.type === 'TSNonNullExpression' || test.type === 'TSAsExpression') return unsetTest(test.expression, bindings, depth + 1);
  if (test.type === 'UnaryExpression' && test.operator === '!') {
    const inner = unsetTest(test.argument, bindings, depth + 1);
    return inner && { ...inner, value: !inner.value };
  }
  if ((test.type === 'MemberExpression' || test.type === 'OptionalMemberExpression') && isProcessEnv(test as Node)) return { value: false, why: `the fallback when ${envVariable(test as Node)} is unset` };
  // `const isDev = process.env.NODE_ENV !== 'production'`, then `isDev ? '*' : [...]`.
  if (test.type === 'Identifier' && !bindings.imports.has(test.name)) {
    const bound = bindings.values.get(test.name);
    return bound ? unsetTest(bound, bindings, depth + 1) : undefined;
  }
  // `process.env.NODE_ENV === 'production'` (unset: undefined, so false), `(process.env.X || 'true') === 'true'`.
  if (test.type === 'BinaryExpression' && ['===', '==', '!==', '!='].includes(test.operator)) {
    const [literal, other] = test.right.type === 'StringLiteral' ? [test.right, test.left as Node] : test.left.type === 'StringLiteral' ? [test.left, test.right] : [undefined, undefined];
    if (!literal || !other || literal.type !== 'StringLiteral') return undefined;
    const negated = test.operator === '!==' || test.operator === '!=';
    if ((other.type === 'MemberExpression' || other.type === 'OptionalMemberExpression') && isProcessEnv(other)) return { value: negated, why: `the fallback when ${envVariable(other)} is unset` };
    const value = evaluate(other, bindings, depth + 1);
    if (value.kind !== 'string' || !value.why) return undefined;
    return { value: (value.value === literal.value) !== negated, why: value.why };
  }
  const length = (node: Node): { value: number; why: string } | undefined => {
    if ((node.type !== 'MemberExpression' && node.type !== 'OptionalMemberExpression') || node.computed || node.property.type !== 'Identifier' || node.property.name !== 'length') return undefined;
    const target = evaluate(node.object as Node, bindings, depth + 1);
    if (target.kind === 'array' && target.why && target.items.every((item) => item.kind === 'string')) return { value: target.items.length, why: target.why };
    if (target.kind === 'string' && target.why) return { value: target.value.length, why: target.why };
    return undefined;
  };
  const whole = length(test);
  if (whole) return { value: whole.value > 0, why: whole.why };
  if (test.type === 'BinaryExpression' && test.right.type === 'NumericLiteral') {
    const left = length(test.left as Node);
    const n = test.right.value;
    if (!left) return undefined;
    const holds = { '>': left.value > n, '>=': left.value >= n, '<': left.value < n, '<=': left.value <= n, '===': left.value === n, '==': left.value === n, '!==': left.value !== n, '!=': left.value !== n }[test.operator as string];
    return holds === undefined ? undefined : { value: holds, why: left.why };
  }
  return undefined;
}

/** A value chosen by an environment test keeps the note of when it applies (its own, if it has one). */
/** Names that hold the request, the response or a handler's context: a property of one is run-time data, not configuration. */
const RUN_TIME_ROOTS = /^(req|request|res|response|reply|ctx|context|c|event|origin|headers|args|params|body|query|window|document|this)$/;

/**
 * `config.corsOrigin`, `settings.cors.origins`, `env.CORS_ORIGIN`: a property path, written without calls or computed keys,
 * of a name that is no request, response or handler context. Its text, for messages; undefined otherwise.
 */
function configurationSetting(node: Node): string | undefined {
  const parts: string[] = [];
  let current: Node = node;
  while (current.type === 'MemberExpression' || current.type === 'OptionalMemberExpression') {
    if (current.computed || current.property.type !== 'Identifier') return undefined;
    parts.unshift(current.property.name);
    current = current.object;
  }
  if (parts.length === 0 || current.type !== 'Identifier' || RUN_TIME_ROOTS.test(current.name)) return undefined;
  return [current.name, ...parts].join('.');
}

function withWhy(value: JsValue, why: string): JsValue {
  if (value.kind === 'string' || value.kind === 'boolean') return { ...value, why: value.why ?? why };
  if (value.kind === 'array') return { ...value, why: value.why ?? why, items: value.items.map((item) => (item.kind === 'string' ? { ...item, why: item.why ?? why } : item)) };
  return value;
}

/**
 * A node spanning `length` characters at `offset` of a one-line string literal written without
 * escapes, so a finding on one entry of `'a,b'.split(',')` lands on that entry; otherwise the literal.
 */
function pieceNode(literal: Node, value: string, offset: number, length: number): Node {
  const raw = (literal as { extra?: { raw?: unknown } }).extra?.raw;
  const loc = literal.loc;
  if (literal.type !== 'StringLiteral' || typeof raw !== 'string' || raw.length !== value.length + 2 || !loc || loc.start.line !== loc.end.line) return literal;
  // Blanks around an entry (`'a, b'`) are not part of it.
  const piece = value.slice(offset, offset + length);
  const from = offset + (piece.length - piece.trimStart().length);
  const to = offset + piece.trimEnd().length;
  if (to <= from) return literal;
  // Babel columns are 0-based and the literal starts at its quote.
  const at = (i: number) => ({ line: loc.start.line, column: loc.start.column + 1 + i, index: literal.start! + 1 + i });
  return { ...literal, start: literal.start! + 1 + from, end: literal.start! + 1 + to, loc: { ...loc, start: at(from), end: at(to) } } as Node;
}

/** `(o) => o.trim()` / `(o) => o` (with `methods` empty): a one-parameter arrow returning its parameter, through those methods only. */
function callbackCalls(fn: Node | undefined, methods: string[]): boolean {
  if (!fn || fn.type !== 'ArrowFunctionExpression' || fn.params.length !== 1 || fn.params[0].type !== 'Identifier') return false;
  const param = fn.params[0].name;
  let body = returnedExpression(fn);
  // `o.trim()`, and `o?.trim()` for lists whose entries may be undefined (an unset variable).
  while (body && (body.type === 'CallExpression' || body.type === 'OptionalCallExpression') && body.arguments.length === 0 && (body.callee.type === 'MemberExpression' || body.callee.type === 'OptionalMemberExpression') && !body.callee.computed && body.callee.property.type === 'Identifier' && methods.includes(body.callee.property.name)) body = body.callee.object;
  return body?.type === 'Identifier' && body.name === param;
}

/**
 * NestJS `configService.get('CORS_ORIGIN', '*')` in a file that uses @nestjs/config: the variable's
 * value, or the literal default while it is unset, reported only with that condition (as
 * `process.env.CORS_ORIGIN || '*'` is). Only upper-case keys, which name environment variables;
 * a namespaced key (`cors.origin`) comes from a config factory and stays unknown.
 */
function configServiceDefault(node: CallExpression, bindings: Bindings, depth: number): JsValue | undefined {
  const callee = node.callee;
  if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier' || callee.property.name !== 'get' || node.arguments.length !== 2) return undefined;
  const [key, fallback] = node.arguments;
  if (key.type !== 'StringLiteral' || !/^[A-Z][A-Z0-9_]*$/.test(key.value)) return undefined;
  if (![...bindings.imports.values()].some((source) => source.module === '@nestjs/config')) return undefined;
  const value = evaluate(fallback as Node, bindings, depth + 1);
  return value.kind === 'string' ? { ...value, why: `the default when ${key.value} is unset` } : undefined;
}

/** The environment variable an expression reads (`process.env.X`, `process.env['X']`, `process.env.X?.trim()`), if any. */
function envVariable(node: Node | undefined): string | undefined {
  const stack: Node[] = node ? [node] : [];
  for (let steps = 0; stack.length > 0 && steps < 50; steps++) {
    const current = stack.pop()!;
    if ((current.type === 'MemberExpression' || current.type === 'OptionalMemberExpression') && isProcessEnv(current as Node)) {
      const property = (current as { property: Node }).property;
      return property.type === 'Identifier' ? property.name : property.type === 'StringLiteral' ? property.value : 'the variable';
    }
    if (current.type === 'MemberExpression' || current.type === 'OptionalMemberExpression') stack.push(current.object);
    else if (current.type === 'CallExpression' || current.type === 'OptionalCallExpression') stack.push(current.callee as Node);
    else if (current.type === 'TSAsExpression' || current.type === 'TSNonNullExpression' || current.type === 'ParenthesizedExpression') stack.push(current.expression);
  }
  return undefined;
}

function isProcessEnv(node: Node): boolean {
  return (
    node.type === 'MemberExpression' &&
    node.object.type === 'MemberExpression' &&
    node.object.object.type === 'Identifier' &&
    node.object.object.name === 'process' &&
    node.object.property.type === 'Identifier' &&
    node.object.property.name === 'env'
  );
}

/** An object property's key as written (`a:` or `'a':`); undefined for a computed or numeric one. */
export function propertyKey(key: Node): string | undefined {
  return key.type === 'Identifier' ? key.name : key.type === 'StringLiteral' ? key.value : undefined;
}

export function stringList(value: JsValue): string[] | undefined {
  if (value.kind === 'string') return value.value.split(',').map((item) => item.trim()).filter(Boolean);
  if (value.kind === 'array' && value.items.every((item) => item.kind === 'string')) return value.items.map((item) => (item as { value: string }).value.trim());
  return undefined;
}

/** The one expression a small function returns: an arrow's body, or a block that is a single `return`. */
export function returnedExpression(fn: Node): Node | undefined {
  if (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression' && fn.type !== 'FunctionDeclaration') return undefined;
  if (fn.body.type !== 'BlockStatement') return fn.body;
  const statements = fn.body.body;
  if (statements.length !== 1 || statements[0].type !== 'ReturnStatement' || !statements[0].argument) return undefined;
  return statements[0].argument;
}
