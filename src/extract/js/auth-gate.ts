import type { CallExpression, Expression, Node, Statement } from '@babel/types';
import type { Loc } from '../../model/types.js';
import { nameOf, type ParsedJs } from './extract.js';
import { evaluate, locOf, type JsValue } from './values.js';

/**
 * An Express-style middleware that answers a request without credentials itself
 * (`if (!req.headers.authorization) return res.status(401).json(…)`), and so answers every
 * preflight too: a preflight carries no Authorization, no Cookie and none of the page's own
 * headers (Fetch, CORS-preflight fetch), and the browser needs a 2xx. Registered before cors(), it
 * answers OPTIONS first, without CORS headers. Read only where the answer is certain: the test must
 * hold for any request that carries no credentials, the answer be a literal 4xx, and nothing but
 * declarations come before it (in this file, or in the repository module it is imported from); an
 * `if (req.method === 'OPTIONS') return next()` first lets
 * preflights through. `passport.authenticate('jwt' | 'bearer' | 'basic', …)` without a callback
 * answers 401 the same way.
 */
export interface AuthGate {
  label: string;
  loc: Loc;
  status: number;
}

const PASSPORT_STRATEGIES = new Set(['jwt', 'bearer', 'basic', 'headerapikey', 'oauth-bearer']);
/** Request headers a browser may put on a preflight itself (Fetch: the request's own headers are not sent). */
const PREFLIGHT_HEADERS = new Set(['origin', 'access-control-request-method', 'access-control-request-headers', 'user-agent', 'accept', 'accept-language', 'accept-encoding', 'referer', 'host', 'connection', 'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-dest', 'x-forwarded-for', 'x-forwarded-proto', 'x-real-ip', 'content-length']);

export function authGate(mounted: Node | undefined | null, parsed: ParsedJs, kind: 'middleware' | 'fastify-hook' = 'middleware'): AuthGate | undefined {
  if (!mounted) return undefined;
  if (mounted.type === 'CallExpression') return kind === 'middleware' ? passportGate(mounted, parsed) : undefined;
  let fn: Node | undefined = mounted;
  let label = 'the middleware';
  if (mounted.type === 'Identifier') {
    // A function of this file, or one a module of the repository exports (`const { requireAuth } = require('./auth')`).
    const bound = parsed.bindings.imports.has(mounted.name) ? functionNode(evaluate(mounted, parsed.bindings)) : parsed.bindings.values.get(mounted.name);
    if (!bound) return undefined;
    fn = bound;
    label = mounted.name;
  }
  if (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression' && fn.type !== 'FunctionDeclaration') return undefined;
  const [req, res] = fn.params.map((param) => (param.type === 'Identifier' ? param.name : undefined));
  // Express middleware takes (req, res, next); a Fastify hook (request, reply) and maybe done.
  if (!req || !res || fn.params.length < (kind === 'middleware' ? 3 : 2) || fn.body.type !== 'BlockStatement') return undefined;
  const absent = new Set<string>();
  for (const statement of fn.body.body) {
    if (statement.type === 'VariableDeclaration') {
      for (const declarator of statement.declarations) {
        if (declarator.id.type === 'Identifier' && declarator.init && absentOnPreflight(declarator.init, req, absent)) absent.add(declarator.id.name);
      }
      continue;
    }
    if (statement.type !== 'IfStatement') return undefined;
    // `if (req.method === 'OPTIONS') return next();`: preflights pass.
    if (mentionsOptions(statement.test)) return undefined;
    if (!holdsOnPreflight(statement.test, req, absent)) return undefined;
    const status = answeredStatus(statement.consequent, res, kind);
    if (status === undefined) return undefined;
    return { label, loc: locOf(mounted, parsed.file), status };
  }
  return undefined;
}

function passportGate(call: CallExpression, parsed: ParsedJs): AuthGate | undefined {
  if (nameOf(call.callee) !== 'passport.authenticate' || call.arguments.length === 0 || call.arguments.length > 2) return undefined;
  const strategy = call.arguments[0];
  if (strategy.type !== 'StringLiteral' || !PASSPORT_STRATEGIES.has(strategy.value)) return undefined;
  if (call.arguments[1] && call.arguments[1].type !== 'ObjectExpression') return undefined;
  return { label: `passport.authenticate('${strategy.value}')`, loc: locOf(call, parsed.file), status: 401 };
}

function mentionsOptions(node: Node): boolean {
  let found = false;
  const visit = (n: Node | null | undefined, depth: number): void => {
    if (!n || found || depth > 12) return;
    if (n.type === 'StringLiteral' && n.value.toUpperCase() === 'OPTIONS') found = true;
    if (n.type === 'BinaryExpression' || n.type === 'LogicalExpression') {
      visit(n.left, depth + 1);
      visit(n.right, depth + 1);
    } else if (n.type === 'UnaryExpression') visit(n.argument, depth + 1);
    else if (n.type === 'CallExpression') for (const argument of n.arguments) visit(argument, depth + 1);
  };
  visit(node, 0);
  return found;
}

/** A value a request without credentials does not have: its Authorization or Cookie header, a cookie, a custom header, the session's or passport's user. */
function absentOnPreflight(node: Node, req: string, absent: Set<string>): boolean {
  switch (node.type) {
    case 'Identifier':
      return absent.has(node.name);
    case 'TSNonNullExpression':
    case 'TSAsExpression':
    case 'ParenthesizedExpression':
      return absentOnPreflight(node.expression, req, absent);
    case 'OptionalCallExpression':
      return absentChain(node, req, absent);
    case 'OptionalMemberExpression':
      return absentChain(node, req, absent) || memberAbsent(node, req);
    case 'MemberExpression':
      return memberAbsent(node, req);
    case 'CallExpression': {
      // `req.get('Authorization')`, `req.header('authorization')`.
      const callee = nameOf(node.callee);
      const [argument] = node.arguments;
      if ((callee === `${req}.get` || callee === `${req}.header`) && node.arguments.length === 1 && argument.type === 'StringLiteral') return headerAbsent(argument.value);
      return false;
    }
    case 'LogicalExpression':
      // `req.headers.authorization || req.cookies.token`: absent when both are.
      return node.operator === '||' && absentOnPreflight(node.left, req, absent) && absentOnPreflight(node.right, req, absent);
    default:
      return false;
  }
}

/** `req.headers.authorization`, `req.headers['x-api-key']`, `req.cookies.token`, `req.cookies?.token`, `req.session.user`, `req.user`. */
function memberAbsent(node: Extract<Node, { type: 'MemberExpression' | 'OptionalMemberExpression' }>, req: string): boolean {
  const key = !node.computed && node.property.type === 'Identifier' ? node.property.name : node.property.type === 'StringLiteral' ? node.property.value : undefined;
  if (key === undefined) return false;
  const owner = nameOf(node.object);
  if (owner === `${req}.headers`) return headerAbsent(key);
  if (owner === `${req}.cookies` || owner === `${req}.signedCookies` || owner === `${req}.session`) return true;
  return owner === req && key === 'user';
}

function headerAbsent(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'authorization' || lower === 'cookie' || (!PREFLIGHT_HEADERS.has(lower) && !lower.startsWith('sec-') && !lower.startsWith('access-control-'));
}

/** `req.headers.authorization?.split(' ')[1]`: undefined as a whole when what comes before a `?.` is absent. */
function absentChain(node: Node, req: string, absent: Set<string>): boolean {
  let current: Node = node;
  for (let depth = 0; depth < 12; depth++) {
    if (current.type === 'OptionalMemberExpression') {
      if (current.optional && absentOnPreflight(current.object, req, absent)) return true;
      current = current.object;
    } else if (current.type === 'OptionalCallExpression') {
      if (current.optional && absentOnPreflight(current.callee, req, absent)) return true;
      current = current.callee;
    } else return false;
  }
  return false;
}

/** The test holds for a request without credentials: `!token`, `token === undefined`, `!a || …`, `typeof token === 'undefined'`. */
function holdsOnPreflight(test: Expression, req: string, absent: Set<string>): boolean {
  switch (test.type) {
    case 'UnaryExpression':
      return test.operator === '!' && absentOnPreflight(test.argument, req, absent);
    case 'LogicalExpression':
      if (test.operator === '||') return holdsOnPreflight(test.left, req, absent) || holdsOnPreflight(test.right, req, absent);
      if (test.operator === '&&') return holdsOnPreflight(test.left, req, absent) && holdsOnPreflight(test.right, req, absent);
      return false;
    case 'BinaryExpression': {
      const { left, right, operator } = test;
      if (operator !== '===' && operator !== '==') return false;
      const isUndefined = (n: Node) => (n.type === 'Identifier' && n.name === 'undefined') || (operator === '==' && n.type === 'NullLiteral');
      if (isUndefined(right)) return absentOnPreflight(left, req, absent);
      if (isUndefined(left)) return absentOnPreflight(right as Node, req, absent);
      const typeofUndefined = (a: Node, b: Node) => a.type === 'UnaryExpression' && a.operator === 'typeof' && b.type === 'StringLiteral' && b.value === 'undefined' && absentOnPreflight(a.argument, req, absent);
      return typeofUndefined(left, right) || typeofUndefined(right, left as Node);
    }
    case 'ParenthesizedExpression':
      return holdsOnPreflight(test.expression, req, absent);
    default:
      return false;
  }
}

/**
 * `return res.status(401).json(…)`, `return res.sendStatus(403)`, `{ res.status(401).send(); return; }`; a Fastify
 * hook's `return reply.code(401).send(…)` or `{ reply.code(401).send(…); return reply; }`: the literal 4xx status, or undefined.
 */
function answeredStatus(consequent: Statement, res: string, kind: 'middleware' | 'fastify-hook'): number | undefined {
  const statements = consequent.type === 'BlockStatement' ? consequent.body : [consequent];
  if (statements.length === 0 || statements.length > 2) return undefined;
  const [first, second] = statements;
  let answer: Node | null | undefined;
  const returnsNothing = (statement: Statement) => statement.type === 'ReturnStatement' && (!statement.argument || (kind === 'fastify-hook' && statement.argument.type === 'Identifier' && statement.argument.name === res));
  if (statements.length === 1 && first.type === 'ReturnStatement') answer = first.argument;
  else if (statements.length === 2 && first.type === 'ExpressionStatement' && returnsNothing(second)) answer = first.expression;
  if (!answer || answer.type !== 'CallExpression') return undefined;
  let status: number | undefined;
  // Walk the chain: res.status(401).json(x), res.sendStatus(401), res.status(401).end().
  for (let call: Node = answer, depth = 0; call.type === 'CallExpression' && depth < 6; depth++) {
    const callee: Node = call.callee;
    if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') return undefined;
    const method = callee.property.name;
    if ((method === 'status' || method === 'sendStatus' || (kind === 'fastify-hook' && method === 'code')) && callee.object.type === 'Identifier' && callee.object.name === res) {
      const [code] = call.arguments;
      if (code?.type === 'NumericLiteral') status = code.value;
      break;
    }
    if (!['json', 'send', 'end', 'jsonp', 'set', 'type'].includes(method)) return undefined;
    call = callee.object;
  }
  return status !== undefined && status >= 400 && status < 600 ? status : undefined;
}

function functionNode(value: JsValue): Node | undefined {
  return value.kind === 'function' ? value.node : undefined;
}
