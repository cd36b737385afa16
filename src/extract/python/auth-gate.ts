import type { SyntaxNode } from '@lezer/common';
import type { Loc } from '../../model/types.js';
import { binaryParts, callArguments, childrenOf, dottedName, locOf, textOf, type ParsedPython } from './parse.js';
import { stringValue } from './values.js';

/**
 * Starlette runs the middleware added last first (`add_middleware` inserts at the front of the stack;
 * `@app.middleware("http")` is an `add_middleware(BaseHTTPMiddleware, dispatch=…)`). A middleware
 * added after CORSMiddleware whose dispatch answers a request without credentials itself
 * (`if "authorization" not in request.headers: return JSONResponse(…, status_code=401)`) so answers
 * every preflight, which carries no credentials (Fetch, CORS-preflight fetch), before CORSMiddleware
 * runs: with its 4xx and no CORS headers. Read only where certain: assignments, then the `if`, a
 * response with a literal 4xx `status_code`; an earlier `if request.method == "OPTIONS"` lets
 * preflights through.
 */
export interface PythonAuthGate {
  label: string;
  loc: Loc;
  status: number;
}

const RESPONSES = /(^|\.)(JSONResponse|Response|PlainTextResponse|HTMLResponse|ORJSONResponse|UJSONResponse)$/;

export function authGateAfter(parsed: ParsedPython, receiver: string, after: number): PythonAuthGate | undefined {
  return authGatesOf(parsed, receiver).find((gate) => gate.from >= after)?.gate;
}

/**
 * The auth checks of `receiver` in the module's top-level statements, in order, each with where its
 * statement starts. Found once per module and receiver: a module adding CORSMiddleware n times asks n
 * times, and scanning the statements each time was quadratic (20,000 calls: seconds).
 */
function authGatesOf(parsed: ParsedPython, receiver: string): Array<{ from: number; gate: PythonAuthGate }> {
  let byReceiver = authGates.get(parsed);
  if (!byReceiver) authGates.set(parsed, (byReceiver = new Map()));
  const known = byReceiver.get(receiver);
  if (known) return known;
  const found: Array<{ from: number; gate: PythonAuthGate }> = [];
  byReceiver.set(receiver, found);
  const classes = new Map<string, SyntaxNode>();
  for (let statement = parsed.root.firstChild; statement; statement = statement.nextSibling) {
    if (statement.name === 'ClassDefinition') {
      const name = statement.getChild('VariableName');
      if (name) classes.set(textOf(parsed, name), statement);
    }
  }
  for (let statement = parsed.root.firstChild; statement; statement = statement.nextSibling) {
    if (statement.name === 'DecoratedStatement') {
      const decorator = statement.getChild('Decorator');
      const fn = statement.getChild('FunctionDefinition');
      if (!decorator || !fn) continue;
      const text = textOf(parsed, decorator).replace(/\s+/g, '');
      if (text !== `@${receiver}.middleware("http")` && text !== `@${receiver}.middleware('http')`) continue;
      const gate = gateOf(parsed, fn, 0);
      if (gate) found.push({ from: statement.from, gate });
    } else if (statement.name === 'ExpressionStatement') {
      // `app.add_middleware(AuthMiddleware)` with the class written in this module.
      const call = statement.firstChild;
      if (call?.name !== 'CallExpression' || dottedName(parsed, call.firstChild) !== `${receiver}.add_middleware`) continue;
      const [cls] = callArguments(parsed, call.getChild('ArgList')).positional;
      const definition = cls && cls.name === 'VariableName' ? classes.get(textOf(parsed, cls)) : undefined;
      const dispatch = definition && methodOf(parsed, definition, 'dispatch');
      const gate = dispatch && gateOf(parsed, dispatch, 1);
      if (gate) found.push({ from: statement.from, gate: { ...gate, loc: locOf(parsed, cls!), label: textOf(parsed, cls!) } });
    }
  }
  return found;
}

/** Per module and receiver: the gates found (each function asks once; the answers depend on the module's text alone). */
const authGates = new WeakMap<ParsedPython, Map<string, Array<{ from: number; gate: PythonAuthGate }>>>();
const originGates = new WeakMap<ParsedPython, Map<string, PythonAuthGate | undefined>>();
const flaskAuthGates = new WeakMap<ParsedPython, Map<string, PythonAuthGate | undefined>>();

function memoized(memo: WeakMap<ParsedPython, Map<string, PythonAuthGate | undefined>>, parsed: ParsedPython, key: string, find: () => PythonAuthGate | undefined): PythonAuthGate | undefined {
  let byKey = memo.get(parsed);
  if (!byKey) memo.set(parsed, (byKey = new Map()));
  if (byKey.has(key)) return byKey.get(key);
  const gate = find();
  byKey.set(key, gate);
  return gate;
}

/**
 * An origin check in front of the routes: an `@app.middleware("http")` that reads the request's Origin
 * and, under a test of it, answers 4xx itself (`if origin not in ALLOWED: return JSONResponse(status_code=403)`,
 * or only on some paths). Which origins reach the routes, and on which paths, is its code's to say, so
 * CORSMiddleware's grants no longer say who reads the data. Added after CORSMiddleware it runs first
 * (Starlette 0.26.1 over ASGI: 403 with no CORS header on the /api/ paths it guards, while
 * CORSMiddleware still reflects elsewhere); added before, its 403 goes out with CORS headers but
 * the routes still never answer those origins.
 */
export function originGate(parsed: ParsedPython, receiver: string, framework: 'starlette' | 'flask' = 'starlette'): PythonAuthGate | undefined {
  return memoized(originGates, parsed, `${framework}\0${receiver}`, () => findOriginGate(parsed, receiver, framework));
}

function findOriginGate(parsed: ParsedPython, receiver: string, framework: 'starlette' | 'flask'): PythonAuthGate | undefined {
  for (let statement = parsed.root.firstChild; statement; statement = statement.nextSibling) {
    if (statement.name !== 'DecoratedStatement') continue;
    const decorator = statement.getChild('Decorator');
    const fn = statement.getChild('FunctionDefinition');
    if (!decorator || !fn) continue;
    const text = textOf(parsed, decorator).replace(/\s+/g, '');
    // Flask: a `before_request` hook runs before every view, and what it returns (or aborts with) is the answer.
    const hook = framework === 'flask' ? text === `@${receiver}.before_request` : text === `@${receiver}.middleware("http")` || text === `@${receiver}.middleware('http')`;
    if (!hook) continue;
    const gate = originGateOf(parsed, fn, framework === 'flask' ? 'request' : undefined);
    if (gate) return gate;
  }
  return undefined;
}

const MAX_GATE_NODES = 20_000;

function originGateOf(parsed: ParsedPython, fn: SyntaxNode, global?: string): PythonAuthGate | undefined {
  const paramList = fn.getChild('ParamList');
  const body = fn.getChild('Body');
  const name = fn.getChild('VariableName');
  const first = paramList && childrenOf(paramList).find((node) => node.name === 'VariableName');
  const request = global ?? (first ? textOf(parsed, first) : undefined);
  if (!body || !name || !request) return undefined;
  const reads = new Set([`${request}.headers.get("origin")`, `${request}.headers.get('origin')`, `${request}.headers["origin"]`, `${request}.headers['origin']`, `${request}.origin`].map((text) => text.toLowerCase()));
  const readsOrigin = (node: SyntaxNode): boolean => {
    if (node.name !== 'CallExpression' && node.name !== 'MemberExpression') return false;
    if (node.to - node.from > 120) return false;
    return reads.has(textOf(parsed, node).replace(/\s+/g, '').toLowerCase());
  };
  // Names bound to the Origin header, then the `if`s whose test reads it.
  const names = new Set<string>();
  const ifs: SyntaxNode[] = [];
  let visited = 0;
  const cursor = body.cursor();
  do {
    if (++visited > MAX_GATE_NODES) return undefined;
    const node = cursor.node;
    if (node.name === 'AssignStatement') {
      const parts = childrenOf(node);
      if (parts.length === 3 && parts[0].name === 'VariableName' && readsOrigin(parts[2])) names.add(textOf(parsed, parts[0]));
    } else if (node.name === 'IfStatement') ifs.push(node);
  } while (cursor.next() && cursor.from < body.to);
  for (const statement of ifs) {
    const test = childrenOf(statement)[1];
    if (!test || !mentionsOrigin(parsed, test, names, readsOrigin)) continue;
    const status = refusalIn(parsed, statement);
    if (status !== undefined) return { label: textOf(parsed, name), loc: locOf(parsed, name), status };
  }
  return undefined;
}

function mentionsOrigin(parsed: ParsedPython, test: SyntaxNode, names: Set<string>, readsOrigin: (node: SyntaxNode) => boolean): boolean {
  const cursor = test.cursor();
  do {
    const node = cursor.node;
    if ((node.name === 'VariableName' && names.has(textOf(parsed, node))) || readsOrigin(node)) return true;
  } while (cursor.next() && cursor.from < test.to);
  return false;
}

/** A `return` of a literal 4xx response (or Flask's `abort(403)`) somewhere in the statement's branches. */
function refusalIn(parsed: ParsedPython, statement: SyntaxNode): number | undefined {
  const cursor = statement.cursor();
  do {
    if (cursor.name === 'ReturnStatement' || cursor.name === 'ExpressionStatement') {
      const node = cursor.node;
      const status = node.name === 'ReturnStatement' ? returnedStatus(parsed, node) : abortStatus(parsed, node);
      if (status !== undefined) return status;
    }
  } while (cursor.next() && cursor.from < statement.to);
  return undefined;
}

/** Flask's `abort(403)` as a statement: its literal 4xx or 5xx status. */
function abortStatus(parsed: ParsedPython, statement: SyntaxNode): number | undefined {
  const call = statement.firstChild;
  if (call?.name !== 'CallExpression' || !/^(flask\.)?abort$/.test(dottedName(parsed, call.firstChild) ?? '')) return undefined;
  return errorStatus(parsed, callArguments(parsed, call.getChild('ArgList')).positional[0]);
}

/** A number literal that is a 4xx or 5xx status. */
function errorStatus(parsed: ParsedPython, node: SyntaxNode | undefined): number | undefined {
  const code = node?.name === 'Number' ? Number(textOf(parsed, node)) : undefined;
  return code !== undefined && code >= 400 && code < 600 ? code : undefined;
}

function methodOf(parsed: ParsedPython, cls: SyntaxNode, name: string): SyntaxNode | undefined {
  const body = cls.getChild('Body');
  for (let statement = body?.firstChild; statement; statement = statement.nextSibling) {
    const fn = statement.name === 'DecoratedStatement' ? statement.getChild('FunctionDefinition') : statement;
    const fnName = fn?.name === 'FunctionDefinition' ? fn.getChild('VariableName') : null;
    if (fn && fnName && textOf(parsed, fnName) === name) return fn;
  }
  return undefined;
}

/**
 * Flask runs every `@app.before_request` hook before the view, OPTIONS included, and Flask-CORS adds its
 * headers to whatever comes back: a hook answering a request without credentials (`abort(401)`,
 * `return jsonify(…), 401`) answers every preflight with that status, which the browser refuses
 * whatever headers it carries (checked with Flask 2.2 + Flask-CORS 3.0.10: 401 with Allow-Origin).
 */
export function flaskAuthGate(parsed: ParsedPython, receiver: string): PythonAuthGate | undefined {
  return memoized(flaskAuthGates, parsed, receiver, () => findFlaskAuthGate(parsed, receiver));
}

function findFlaskAuthGate(parsed: ParsedPython, receiver: string): PythonAuthGate | undefined {
  for (let statement = parsed.root.firstChild; statement; statement = statement.nextSibling) {
    if (statement.name !== 'DecoratedStatement') continue;
    const decorator = statement.getChild('Decorator');
    const fn = statement.getChild('FunctionDefinition');
    if (!decorator || !fn || textOf(parsed, decorator).trim() !== `@${receiver}.before_request`) continue;
    const gate = gateOf(parsed, fn, 'request');
    if (gate) return gate;
  }
  return undefined;
}

/**
 * Django runs MIDDLEWARE top-down and a middleware that returns a response stops the request there:
 * the ones below it, CorsMiddleware among them, never see it and add nothing. A repository class
 * listed above CorsMiddleware whose `process_request` (or `__call__`) answers a request without
 * credentials (`if not request.headers.get("Authorization"): return JsonResponse(…, status=401)`)
 * answers every preflight with that status and no CORS headers.
 */
export function djangoAuthGate(module: ParsedPython, className: string): PythonAuthGate | undefined {
  for (let statement = module.root.firstChild; statement; statement = statement.nextSibling) {
    if (statement.name !== 'ClassDefinition') continue;
    const name = statement.getChild('VariableName');
    if (!name || textOf(module, name) !== className) continue;
    for (const method of ['process_request', '__call__']) {
      const fn = methodOf(module, statement, method);
      const gate = fn && gateOf(module, fn, 1);
      if (gate) return gate;
    }
    return undefined;
  }
  return undefined;
}

/** The function's request is its parameter at `index` (0 for a dispatch function, 1 for a method after self), or Flask's global `request`. */
function gateOf(parsed: ParsedPython, fn: SyntaxNode, index: number | 'request'): PythonAuthGate | undefined {
  // Half-typed code (the fuzzer's, an editor's) may lack the parameter list or the body.
  const paramList = fn.getChild('ParamList');
  const body = fn.getChild('Body');
  if (!paramList || !body) return undefined;
  const params = childrenOf(paramList).filter((node) => node.name === 'VariableName');
  const request = index === 'request' ? 'request' : params[index] ? textOf(parsed, params[index]) : undefined;
  const name = fn.getChild('VariableName');
  if (!request || !name) return undefined;
  return gateIn(parsed, body, request, new Set(), name, true);
}

/**
 * The hook's body: assignments, then the `if` that answers. Once, an `if` that only reads the path
 * (`if request.path.startswith("/api/"):`) may wrap the check: preflights to those paths meet it as requests do.
 */
function gateIn(parsed: ParsedPython, block: SyntaxNode, request: string, outer: Set<string>, name: SyntaxNode, pathTest: boolean): PythonAuthGate | undefined {
  const absent = new Set(outer);
  for (const statement of childrenOf(block).filter((node) => node.name !== ':')) {
    if (statement.name === 'AssignStatement') {
      const parts = childrenOf(statement);
      if (parts.length === 3 && parts[0].name === 'VariableName' && absentOnPreflight(parsed, parts[2], request, absent)) absent.add(textOf(parsed, parts[0]));
      continue;
    }
    if (statement.name !== 'IfStatement') return undefined;
    const [, test, body] = childrenOf(statement);
    // An `elif`/`else` after it could answer preflights otherwise.
    if (!test || !body || body.name !== 'Body' || childrenOf(statement).length !== 3 || /OPTIONS/i.test(textOf(parsed, test))) return undefined;
    if (pathTest && readsOnlyPath(parsed, test, request)) return gateIn(parsed, body, request, absent, name, false);
    if (!holdsOnPreflight(parsed, test, request, absent)) return undefined;
    const status = answeredStatus(parsed, body);
    return status === undefined ? undefined : { label: textOf(parsed, name), loc: locOf(parsed, name), status };
  }
  return undefined;
}

/** `request.path.startswith("/api/")` (or `path_info`): a test of the path alone. */
function readsOnlyPath(parsed: ParsedPython, test: SyntaxNode, request: string): boolean {
  if (test.name !== 'CallExpression') return false;
  const callee = dottedName(parsed, test.firstChild) ?? '';
  const args = callArguments(parsed, test.getChild('ArgList')).positional;
  return (callee === `${request}.path.startswith` || callee === `${request}.path_info.startswith`) && args.length === 1 && args[0].name === 'String';
}

function headerAbsent(header: string): boolean {
  const lower = header.toLowerCase();
  return lower === 'authorization' || lower === 'cookie' || lower.startsWith('x-');
}

/** `request.headers.get("Authorization")`, `request.headers["authorization"]`, `request.cookies.get("session")`, a name bound to one. */
function absentOnPreflight(parsed: ParsedPython, node: SyntaxNode, request: string, absent: Set<string>): boolean {
  if (node.name === 'VariableName') return absent.has(textOf(parsed, node));
  if (node.name === 'CallExpression') {
    const callee = dottedName(parsed, node.firstChild);
    const [key] = callArguments(parsed, node.getChild('ArgList')).positional;
    const value = key && (key.name === 'String' ? stringValue(parsed, key) : undefined);
    if (callee === `${request}.headers.get` && value !== undefined) return headerAbsent(value);
    // Django's WSGI environ and cookies: `request.META.get("HTTP_AUTHORIZATION")`, `request.COOKIES.get("sessionid")`.
    if (callee === `${request}.META.get` && value !== undefined) return metaAbsent(value);
    if (callee === `${request}.COOKIES.get` && value !== undefined) return true;
    if (callee === `${request}.cookies.get` && value !== undefined) return true;
    return false;
  }
  if (node.name === 'MemberExpression') {
    const parts = childrenOf(node);
    if (parts[1]?.name !== '[' || !parts[2] || parts[2].name !== 'String') return false;
    const owner = dottedName(parsed, parts[0]);
    const value = stringValue(parsed, parts[2]);
    if (value === undefined) return false;
    return (owner === `${request}.headers` && headerAbsent(value)) || owner === `${request}.cookies` || owner === `${request}.COOKIES` || (owner === `${request}.META` && metaAbsent(value));
  }
  return false;
}

/** `HTTP_AUTHORIZATION`, `HTTP_X_API_KEY`: a request header in WSGI's environ. */
function metaAbsent(key: string): boolean {
  return key.startsWith('HTTP_') && headerAbsent(key.slice(5).replace(/_/g, '-'));
}

function holdsOnPreflight(parsed: ParsedPython, test: SyntaxNode, request: string, absent: Set<string>): boolean {
  const parts = childrenOf(test);
  if (test.name === 'ParenthesizedExpression' && parts.length === 3) return holdsOnPreflight(parsed, parts[1], request, absent);
  if (test.name === 'UnaryExpression' && parts[0]?.name === 'not') return absentOnPreflight(parsed, parts[1], request, absent);
  if (test.name !== 'BinaryExpression') return false;
  const { op, left, right } = binaryParts(parsed, parts);
  if (op === 'or') return holdsOnPreflight(parsed, left, request, absent) || holdsOnPreflight(parsed, right, request, absent);
  if (op === 'and') return holdsOnPreflight(parsed, left, request, absent) && holdsOnPreflight(parsed, right, request, absent);
  if (op === 'is' && right.name === 'None') return absentOnPreflight(parsed, left, request, absent);
  if (op === '==' && right.name === 'None') return absentOnPreflight(parsed, left, request, absent);
  if (op === 'not in' && left.name === 'String') {
    const value = stringValue(parsed, left);
    const owner = dottedName(parsed, right);
    return value !== undefined && ((owner === `${request}.headers` && headerAbsent(value)) || owner === `${request}.cookies` || owner === `${request}.COOKIES` || (owner === `${request}.META` && metaAbsent(value)));
  }
  return false;
}

/**
 * `return JSONResponse(…, status_code=401)`, `return Response(status_code=403)`; Flask's `abort(401)`,
 * `return jsonify(…), 401`, `return "…", 403`: the literal 4xx, or undefined.
 */
function answeredStatus(parsed: ParsedPython, body: SyntaxNode): number | undefined {
  const statements = childrenOf(body).filter((node) => node.name !== ':');
  if (statements.length !== 1) return undefined;
  return statements[0].name === 'ExpressionStatement' ? abortStatus(parsed, statements[0]) : returnedStatus(parsed, statements[0]);
}

function returnedStatus(parsed: ParsedPython, statement: SyntaxNode): number | undefined {
  if (statement.name !== 'ReturnStatement') return undefined;
  // `return body, 401` (lezer lists the tuple's items in the statement), `return (body, 401)`.
  const items = childrenOf(statement).filter((node) => node.name !== 'return' && node.name !== ',');
  if (items.length >= 2) return errorStatus(parsed, items[1]);
  const returned = items[0];
  if (returned?.name === 'TupleExpression') {
    const inner = childrenOf(returned).filter((node) => node.name !== ',' && node.name !== '(' && node.name !== ')');
    return inner.length >= 2 ? errorStatus(parsed, inner[1]) : undefined;
  }
  const call = returned;
  if (call?.name !== 'CallExpression') return undefined;
  const callee = dottedName(parsed, call.firstChild) ?? '';
  const keywords = callArguments(parsed, call.getChild('ArgList')).keywords;
  // Django: `HttpResponseForbidden(…)`, `JsonResponse(…, status=401)`, `HttpResponse(status=401)`.
  if (/(^|\.)HttpResponseForbidden$/.test(callee)) return 403;
  if (/(^|\.)(HttpResponse|JsonResponse)$/.test(callee)) return errorStatus(parsed, keywords.get('status')?.value);
  if (!RESPONSES.test(callee)) return undefined;
  return errorStatus(parsed, keywords.get('status_code')?.value);
}
