import type { CallExpression, Node, Statement } from '@babel/types';
import { handSetHeadersProfile } from '../../model/profiles.js';
import { Unknowns } from '../../model/uncertainty.js';
import type { CorsPolicy, CorsRequest, CorsResponse, EmittedHeader, HeaderProgram, ListSetting, Loc, OriginMatcher, ResponseHeader, Tri } from '../../model/types.js';
import { lineLengthsOf } from '../offsets.js';
import type { ParsedJs } from './extract.js';
import { and, compileCondition, conditionMatchers, decide, not, or, type Cond, type OriginScope } from './origin-tests.js';
import { expressBodyIsJsonOnly } from './body-parsers.js';
import { INPUT_OBJECT_MARK, requestInput, requestInputObject } from './request-input.js';
import { evaluate, locOf, propertyKey, stringList, type JsValue } from './values.js';

/**
 * CORS headers written by hand in a Node handler: `res.setHeader('Access-Control-Allow-Origin', …)`,
 * `res.header`, `res.set`, `res.append`, `res.writeHead(status, {…})`, Koa's `ctx.set`, Fastify's
 * `reply.header`, Hono's `c.header`. One policy per function that sets them; a small interpreter
 * runs the function's top-level statements for a request, so rules can ask what it sends.
 */
const SETTERS = new Set(['header', 'set', 'setHeader', 'append', 'appendHeader']);
const CORS_HEADER = /^(access-control-[a-z-]+|vary)$/i;
const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ObjectMethod', 'ClassMethod']);

interface HeaderWrite {
  /** The setter call; for a header record, the assignment or the record's declaration. */
  call: CallExpression | Node;
  name: string;
  nameNode: Node;
  valueNode: Node;
}

/** Methods headerWrites reads: the setters, `writeHead(status, {…})`, `vary(…)`. */
const HEADER_METHODS = new Set([...SETTERS, 'writeHead', 'vary']);

/** A call headerWrites can take (it answers [] for any other): a plain call (a NestJS `@Header` decorator) or a header method. */
export function mayWriteHeader(call: CallExpression): boolean {
  const callee = call.callee;
  return callee.type === 'Identifier' || (callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && HEADER_METHODS.has(callee.property.name));
}

export function findHandSetHeaderPolicies(parsed: ParsedJs): CorsPolicy[] {
  const groups = new Map<Node, HeaderWrite[]>();
  for (const call of parsed.headerCalls) {
    for (const write of headerWrites(call, parsed)) {
      const owner = enclosingFunction(call, parsed) ?? parsed.ast.program;
      groups.set(owner, [...(groups.get(owner) ?? []), write]);
    }
  }
  for (const { owner, writes } of proxyResponses(parsed)) groups.set(owner, [...(groups.get(owner) ?? []), ...writes]);
  for (const { owner, writes } of appliedRecordLoops(parsed)) groups.set(owner, [...(groups.get(owner) ?? []), ...writes]);
  const policies: CorsPolicy[] = [];
  for (const [owner, writes] of groups) {
    if (!writes.some((write) => /^access-control-/i.test(write.name))) continue;
    const sites = callSites(owner, parsed);
    policies.push(buildPolicy(owner, writes, parsed, sites.originParams, sites.gate));
  }
  for (const record of headerRecords(parsed)) policies.push(buildPolicy(record.owner, record.writes, parsed, record.originParams));
  return policies;
}

/**
 * A header record written as an object literal and applied entry by entry: `Object.entries(corsHeaders)
 * .forEach(([key, value]) => response.headers.set(key, value))` or `for (const [k, v] of
 * Object.entries(corsHeaders)) res.setHeader(k, v)` (Next.js's CORS middleware example). Each entry is a
 * write of the loop statement, so the handler's run sends them where the loop stands.
 */
function appliedRecordLoops(parsed: ParsedJs): Array<{ owner: Node; writes: HeaderWrite[] }> {
  const out: Array<{ owner: Node; writes: HeaderWrite[] }> = [];
  // Both shapes go through Object.entries: most files have none, and are done here.
  if (!parsed.text.includes('Object.entries')) return out;
  const entriesOf = (node: Node | undefined): Node | undefined => {
    if (node?.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.object.type !== 'Identifier' || node.callee.object.name !== 'Object') return undefined;
    if (node.callee.property.type !== 'Identifier' || node.callee.property.name !== 'entries') return undefined;
    return node.arguments[0] as Node | undefined;
  };
  const setsHeaders = (body: Node) => /\.(set|append|header|setHeader)\s*\(/.test(parsed.text.slice(body.start ?? 0, body.end ?? 0));
  const add = (loop: Node, recordNode: Node | undefined) => {
    const owner = enclosingFunction(loop, parsed);
    if (!owner || !recordNode) return;
    let record: Node | undefined = recordNode;
    if (record.type === 'Identifier') {
      const name = record.name;
      const body = 'body' in owner && (owner.body as Node)?.type === 'BlockStatement' ? (owner.body as { body: Statement[] }).body : [];
      const local = localInits(body, name);
      record = local.length === 1 ? local[0] : local.length === 0 ? parsed.bindings.values.get(name) : undefined;
    }
    if (record?.type !== 'ObjectExpression') return;
    const writes: HeaderWrite[] = [];
    for (const property of record.properties) {
      if (property.type !== 'ObjectProperty' || property.computed) continue;
      const key = propertyKey(property.key);
      if (key && CORS_HEADER.test(key)) writes.push({ call: loop, name: key, nameNode: property.key, valueNode: property.value as Node });
    }
    if (writes.length > 0) out.push({ owner, writes });
  };
  for (const call of parsed.calls) {
    if (call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier' || call.callee.property.name !== 'forEach') continue;
    const callback = call.arguments[0] as Node | undefined;
    const record = entriesOf(call.callee.object);
    if (record && callback && (callback.type === 'ArrowFunctionExpression' || callback.type === 'FunctionExpression') && setsHeaders(callback.body)) add(call, record);
  }
  // `for (… of Object.entries(record))`: found from the call, not by walking every node (a language
  // server keystroke paid ~150 ms listing the parents of a 2,000-line file).
  for (const call of parsed.calls) {
    const record = entriesOf(call);
    const loop = record ? parsed.parents.get(call) : undefined;
    if (loop?.type === 'ForOfStatement' && loop.right === call && setsHeaders(loop.body)) add(loop, record);
  }
  return out;
}

/**
 * A helper that fills a header record and returns it, applied by its caller (Hono, Workers,
 * Next): `headers['Access-Control-Allow-Origin'] = origin; return headers;` with
 * `for (const [k, v] of Object.entries(corsHeaders(c.req.header('Origin')))) c.res.headers.set(k, v)`,
 * `new Response(body, { headers: corsHeaders(origin) })` or `res.set(corsHeaders(origin))`. Its
 * parameters that receive the request's Origin at the call sites are the origin.
 */
function headerRecords(parsed: ParsedJs): Array<{ owner: Node; writes: HeaderWrite[]; originParams: Set<string> }> {
  const out: Array<{ owner: Node; writes: HeaderWrite[]; originParams: Set<string> }> = [];
  for (const [name, fn] of parsed.bindings.values) {
    if (fn.type !== 'FunctionDeclaration' && fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression') continue;
    if (fn.body.type !== 'BlockStatement') {
      // `const corsHeaders = (origin) => ({ 'Access-Control-Allow-Origin': origin, … })`: the record is the body.
      if (fn.type === 'ArrowFunctionExpression' && fn.body.type === 'ObjectExpression' && !hasStatusCode(fn.body)) {
        const record = appliedRecord(name, fn, recordEntries(fn.body, fn.body, parsed) ?? [], parsed);
        if (record) out.push(record);
      }
      continue;
    }
    const last = fn.body.body[fn.body.body.length - 1];
    if (last?.type === 'ReturnStatement' && last.argument?.type === 'ObjectExpression' && !hasStatusCode(last.argument)) {
      // `return { 'Access-Control-Allow-Origin': event.headers.origin, … }`: the record written in place.
      const literal = last.argument;
      const record = appliedRecord(name, fn, recordEntries(literal, literal, parsed) ?? [], parsed);
      if (record) out.push(record);
      continue;
    }
    if (last?.type !== 'ReturnStatement' || last.argument?.type !== 'Identifier') continue;
    const record = last.argument.name;
    const writes: HeaderWrite[] = [];
    for (const statement of fn.body.body) {
      if (statement.type === 'VariableDeclaration') {
        for (const declarator of statement.declarations) {
          if (declarator.id.type !== 'Identifier' || declarator.id.name !== record || declarator.init?.type !== 'ObjectExpression') continue;
          for (const property of declarator.init.properties) {
            if (property.type !== 'ObjectProperty' || property.computed) continue;
            const key = propertyKey(property.key);
            if (key && CORS_HEADER.test(key)) writes.push({ call: statement, name: key, nameNode: property.key, valueNode: property.value as Node });
          }
        }
      }
    }
    for (const [node] of parsed.parents) {
      if (node.type !== 'AssignmentExpression' || node.operator !== '=' || node.left.type !== 'MemberExpression' || enclosingFunction(node, parsed) !== fn) continue;
      const target = node.left;
      if (target.object.type !== 'Identifier' || target.object.name !== record) continue;
      const key = target.property.type === 'StringLiteral' ? target.property.value : !target.computed && target.property.type === 'Identifier' ? target.property.name : undefined;
      if (key && CORS_HEADER.test(key)) writes.push({ call: node, name: key, nameNode: target.property, valueNode: node.right });
    }
    const applied = appliedRecord(name, fn, writes, parsed);
    if (applied) out.push(applied);
  }
  return out;
}

/**
 * A header record builder's policy input, when its record sets Allow-Origin and some call applies
 * it as response headers; its parameters that every such call passes the request's Origin are the origin.
 */
function appliedRecord(name: string, fn: Extract<Node, { params: unknown }>, writes: HeaderWrite[], parsed: ParsedJs): { owner: Node; writes: HeaderWrite[]; originParams: Set<string> } | undefined {
  if (!writes.some((write) => /^access-control-allow-origin$/i.test(write.name))) return undefined;
  const applied = parsed.calls.filter((call) => call.callee.type === 'Identifier' && call.callee.name === name && appliesRecord(call, parsed));
  if (applied.length === 0) return undefined;
  return { owner: fn, writes, originParams: paramsGivenOrigin(fn, applied, parsed) };
}

/**
 * `setCorsHeaders(res, origin)` called as `setCorsHeaders(res, req.headers.origin)` (or with a local the
 * caller declares from it): the parameters that receive the request's Origin at every call in this file
 * are the Origin inside the helper. A helper never called here keeps its parameters unknown.
 *
 * `gate`: when every such call sits under a test in its caller (`if (allowedOrigins.includes(origin))
 * setCorsHeaders(res, origin)`), the helper runs only for the requests one of those tests lets through.
 * Undefined when some call is unguarded; a name also used otherwise (exported, handed on) adds an unknown way in.
 */
function callSites(fn: Node, parsed: ParsedJs): { originParams: Set<string>; gate?: Cond } {
  const out = new Set<string>();
  if (fn.type !== 'FunctionDeclaration' && fn.type !== 'FunctionExpression' && fn.type !== 'ArrowFunctionExpression') return { originParams: out };
  const parent = parsed.parents.get(fn);
  const name = fn.type === 'FunctionDeclaration' ? fn.id?.name : parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier' ? parent.id.name : undefined;
  if (!name) return { originParams: out };
  const calls = parsed.calls.filter((call) => call.callee.type === 'Identifier' && call.callee.name === name);
  if (calls.length === 0) return { originParams: out };
  return { originParams: paramsGivenOrigin(fn, calls, parsed), gate: callSiteGate(fn, name, calls, parsed) };
}

/** How often each name is written in the file (not as a property after `.`), counted once per file; comments and strings count too. */
const nameCountsByFile = new WeakMap<ParsedJs, Map<string, number>>();
function nameCounts(parsed: ParsedJs): Map<string, number> {
  let counts = nameCountsByFile.get(parsed);
  if (counts) return counts;
  counts = new Map();
  for (const [word] of parsed.text.matchAll(/(?<![\w$.])[A-Za-z_$][\w$]*/g)) counts.set(word, (counts.get(word) ?? 0) + 1);
  nameCountsByFile.set(parsed, counts);
  return counts;
}

/** The OR of the tests each call of the helper `fn` (named `name`) sits under in its caller; see callSites. */
function callSiteGate(fn: Node, name: string, calls: CallExpression[], parsed: ParsedJs): Cond | undefined {
  // An export or a reference handed on may be called elsewhere, with tests not seen here: one more, unknown, way in.
  const declaration = fn.type === 'FunctionDeclaration' ? fn : parsed.parents.get(parsed.parents.get(fn) ?? fn);
  const usedElsewhere = (declaration && parsed.parents.get(declaration)?.type.startsWith('Export')) || nameCounts(parsed).get(name) !== calls.length + 1;
  const sites: Cond[] = usedElsewhere ? [{ op: 'unknown', why: `calls of ${name} elsewhere` }] : [];
  for (const call of calls) {
    const caller = enclosingFunction(call, parsed);
    // A call inside the helper itself (recursion) says nothing of how it is first reached.
    if (!caller || caller === fn || ((call.start ?? 0) >= (fn.start ?? 0) && (call.end ?? 0) <= (fn.end ?? 0))) return undefined;
    const body = 'body' in caller && (caller.body as Node)?.type === 'BlockStatement' ? (caller.body as { body: Statement[] }).body : [];
    const path = pathCondition(call, caller, originScope(requestNamesOf(caller, body).originNames, parsed, body), parsed, body);
    if (!path) {
      if (!guarded(call, parsed)) return undefined;
      sites.push({ op: 'unknown', why: `a test around the call of ${name}` });
    } else sites.push(path);
  }
  return or(...sites);
}

/** The parameters of `fn` (a default value's too) that every one of `calls` passes the request's Origin. */
function paramsGivenOrigin(fn: Extract<Node, { params: unknown }>, calls: CallExpression[], parsed?: ParsedJs): Set<string> {
  const out = new Set<string>();
  fn.params.forEach((param, index) => {
    const target = param.type === 'AssignmentPattern' ? param.left : param;
    if (target.type === 'Identifier' && calls.every((call) => call.arguments[index] && passesOrigin(call.arguments[index] as Node, call, parsed))) out.add(target.name);
  });
  return out;
}

/**
 * The request's Origin as a call's argument: written in place, or a name the calling function
 * declares once from it (`const origin = req.headers.get('origin') || '*'; corsHeaders(origin)`).
 */
function passesOrigin(arg: Node, call: CallExpression, parsed: ParsedJs | undefined): boolean {
  if (isRequestOrigin(arg, new Set())) return true;
  if (!parsed || arg.type !== 'Identifier') return false;
  const caller = enclosingFunction(call, parsed);
  const body = caller && 'body' in caller && (caller.body as Node).type === 'BlockStatement' ? (caller.body as { body: Statement[] }).body : [];
  const inits = localInits(body, arg.name);
  return inits.length === 1 && isRequestOrigin(inits[0], new Set());
}

/** `statusCode` among an object literal's own keys: the shape of a proxy-integration response. */
function hasStatusCode(node: Node): boolean {
  return node.type === 'ObjectExpression' && node.properties.some((property) => property.type === 'ObjectProperty' && !property.computed && propertyKey(property.key) === 'statusCode');
}

/** The Fetch API Response classes: the global `Response` and Next.js's `NextResponse` (from next/server). */
function isFetchResponseClass(node: Node, parsed: ParsedJs): boolean {
  if (node.type !== 'Identifier') return false;
  const imported = parsed.bindings.imports.get(node.name);
  if (node.name === 'NextResponse') return imported?.module === 'next/server';
  // A `Response` imported or declared here is another class (Express's type, a local wrapper).
  return node.name === 'Response' && !imported && !parsed.bindings.values.has(node.name);
}

/**
 * The init object of a Fetch API Response built with its headers written in place: `new Response(body,
 * { status, headers: {…} })`, `new NextResponse(…)`, `Response.json(data, { headers })`,
 * `NextResponse.json(…)`, `NextResponse.next({ headers })`, `NextResponse.rewrite(url, { headers })` (Workers,
 * Next.js route handlers and middleware, Deno, Bun). Undefined for
 * anything else, and for an init without a `headers` entry.
 */
function fetchResponseInit(node: Node, parsed: ParsedJs): Extract<Node, { type: 'ObjectExpression' }> | undefined {
  let init: Node | undefined;
  if (node.type === 'NewExpression' && isFetchResponseClass(node.callee as Node, parsed)) init = node.arguments[1] as Node | undefined;
  else if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && !node.callee.computed && node.callee.property.type === 'Identifier' && isFetchResponseClass(node.callee.object, parsed)) {
    const method = node.callee.property.name;
    const next = node.callee.object.type === 'Identifier' && node.callee.object.name === 'NextResponse';
    // Next.js middleware: `NextResponse.next({ headers })` and `NextResponse.rewrite(url, { headers })` build the
    // middleware's response from the init, and its headers go out on the final response (next/server's
    // NextResponse.next/rewrite). `{ request: { headers } }` changes the request instead and is no `headers` entry.
    if (method === 'json') init = node.arguments[1] as Node | undefined;
    else if (next && method === 'next') init = node.arguments[0] as Node | undefined;
    else if (next && method === 'rewrite') init = node.arguments[1] as Node | undefined;
  }
  if (init?.type !== 'ObjectExpression') return undefined;
  return init.properties.some((property) => property.type === 'ObjectProperty' && !property.computed && propertyKey(property.key) === 'headers') ? init : undefined;
}

/** A response the function hands back as written: a proxy-integration record or a Fetch API Response built with its headers. */
function isResponseConstruct(node: Node, parsed: ParsedJs): boolean {
  return hasStatusCode(node) || fetchResponseInit(node, parsed) !== undefined;
}

/** Is this response (a record or a construction) handed back by its function: returned, passed on, or named and returned later? */
function handedBack(node: Node, parsed: ParsedJs, uses: (name: string) => Node[]): boolean {
  const parent = parsed.parents.get(node);
  if (parent?.type === 'VariableDeclarator' && parent.init === node && parent.id.type === 'Identifier') {
    // `const response = { statusCode, headers }; … return response;` (or `callback(null, response)` in a promise's
    // then). A record only named (a test's `const expectedResult = { statusCode, headers }` compared with
    // `expect(result).toEqual(expectedResult)`) is never sent.
    const fn = enclosingFunction(node, parsed);
    const name = parent.id.name;
    return uses(name).some((use) => use !== parent.id && withinFunction(use, fn, parsed) && namedRecordHandedBack(use, parsed));
  }
  return (
    parent?.type === 'ReturnStatement' ||
    // `callback(null, { statusCode, headers })`, `event.respondWith(new Response(…))`
    (parent?.type === 'CallExpression' && parent.arguments.includes(node as never) && (node.type !== 'ObjectExpression' || handsBackRecord(parent, node, parsed))) ||
    (parent?.type === 'ArrowFunctionExpression' && parent.body === node)
  );
}

/** Is `node` inside `fn` (nested functions included), or anywhere in the module when `fn` is undefined? */
function withinFunction(node: Node, fn: Node | undefined, parsed: ParsedJs): boolean {
  if (!fn) return true;
  for (let at: Node | undefined = node; at; at = parsed.parents.get(at)) if (at === fn) return true;
  return false;
}

/**
 * A use of a record's name that sends it: returned (`return response`, `return Promise.resolve(response)`), an
 * arrow's body, the last argument of the platform's callback (`callback(null, response)`, `resolve(response)`,
 * `context.succeed(response)`), or handed to a Fetch event (`event.respondWith(response)`).
 */
function namedRecordHandedBack(use: Node, parsed: ParsedJs): boolean {
  const parent = parsed.parents.get(use);
  if (parent?.type === 'ReturnStatement' || (parent?.type === 'ArrowFunctionExpression' && parent.body === use)) return true;
  if (parent?.type === 'AwaitExpression') return namedRecordHandedBack(parent, parsed);
  if (parent?.type !== 'CallExpression' || !parent.arguments.includes(use as never)) return false;
  const callee = parent.callee;
  if (callee.type === 'MemberExpression' && !callee.computed && callee.property.type === 'Identifier') {
    if (callee.object.type === 'Identifier' && callee.object.name === 'Promise' && callee.property.name === 'resolve') return namedRecordHandedBack(parent, parsed);
    if (callee.property.name === 'respondWith') return true;
  }
  return handsBackRecord(parent, use, parsed);
}

/**
 * A call that hands a plain `{ statusCode, headers }` record back to the platform: as the last argument of a
 * function the handler was given (`callback(null, response)`, a Promise's `resolve(response)`) or of
 * `context.succeed` / `context.done`. A record handed to any other function is that function's input (a route
 * or mock-integration description in a deploy tool: `mockRoute({ statusCode: 200, headers: {…} })`), not a response.
 */
function handsBackRecord(call: CallExpression, record: Node, parsed: ParsedJs): boolean {
  if (call.arguments[call.arguments.length - 1] !== record) return false;
  const callee = call.callee;
  const name = callee.type === 'Identifier' ? callee.name : callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && callee.property.type === 'Identifier' && ['succeed', 'done'].includes(callee.property.name) ? callee.object.name : undefined;
  if (name === undefined) return false;
  for (let fn = enclosingFunction(call, parsed); fn; fn = enclosingFunction(fn, parsed)) {
    const params = (fn as { params?: Node[] }).params ?? [];
    const named = (param: Node): boolean => (param.type === 'Identifier' && param.name === name) || (param.type === 'AssignmentPattern' && named(param.left));
    if (params.some(named)) return true;
  }
  return false;
}

/** HTTP methods a route module exports handlers under (Next.js app router, SvelteKit, Astro). */
const ROUTE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * The method a function answers when it is exported under an HTTP method's name (`export async function
 * OPTIONS()`, `export const GET = async () => …`): the framework routes only that method to it.
 */
function exportedRouteMethod(owner: Node, parsed: ParsedJs): string | undefined {
  const parent = parsed.parents.get(owner);
  if (optionsRouteHandler(owner, parent)) return 'OPTIONS';
  if (owner.type === 'FunctionDeclaration') return owner.id && ROUTE_METHODS.has(owner.id.name) && parent?.type === 'ExportNamedDeclaration' ? owner.id.name : undefined;
  if ((owner.type === 'ArrowFunctionExpression' || owner.type === 'FunctionExpression') && parent?.type === 'VariableDeclarator' && parent.init === owner && parent.id.type === 'Identifier' && ROUTE_METHODS.has(parent.id.name)) {
    const declaration = parsed.parents.get(parent);
    return declaration && parsed.parents.get(declaration)?.type === 'ExportNamedDeclaration' ? parent.id.name : undefined;
  }
  return undefined;
}


/**
 * A handler registered for OPTIONS alone: `app.options('/items', (req, res) => …)` (Express, Hono, Fastify,
 * koa-router, restify), after any middleware arguments, or `app.route('/items').options(handler)`. The
 * router never calls it for GET or POST, so what it writes answers only preflights (layers/04: the GET
 * of such a path carries no CORS header at all).
 */
function optionsRouteHandler(owner: Node, parent: Node | undefined): boolean {
  if (owner.type !== 'ArrowFunctionExpression' && owner.type !== 'FunctionExpression') return false;
  if (parent?.type !== 'CallExpression' || parent.callee.type !== 'MemberExpression' || parent.callee.computed || parent.callee.property.type !== 'Identifier' || parent.callee.property.name !== 'options') return false;
  const at = parent.arguments.indexOf(owner as (typeof parent.arguments)[number]);
  if (at === -1) return false;
  const path = parent.arguments[0];
  if (at > 0 && (path.type === 'StringLiteral' || path.type === 'TemplateLiteral' || path.type === 'RegExpLiteral' || path.type === 'ArrayExpression')) return true;
  // `app.route('/items').options(handler)`
  const object = parent.callee.object;
  return object.type === 'CallExpression' && object.callee.type === 'MemberExpression' && object.callee.property.type === 'Identifier' && object.callee.property.name === 'route';
}

/**
 * The object literal a name is bound to: a `const` at the top of the enclosing function's body,
 * else a declaration of the module. Undefined for anything else (a parameter, an import, a call).
 */
function objectLiteralOf(name: string, at: Node, parsed: ParsedJs): Node | undefined {
  const fn = enclosingFunction(at, parsed);
  const body = fn && 'body' in fn && (fn.body as Node).type === 'BlockStatement' ? (fn.body as { body: Statement[] }).body : [];
  // A parameter: its default (`(body, status = 200, headers = CORS_HEADERS) => ({ statusCode: status, headers, body })`)
  // when some call in this file leaves it out, or nothing here calls the function; a parameter without one is the caller's.
  const param = fn ? parameterWithDefault(fn, name, parsed) : undefined;
  if (param) {
    if (!param.fallback || param.reassigned) return undefined;
    const fallback = param.fallback.type === 'Identifier' ? parsed.bindings.values.get(param.fallback.name) : param.fallback;
    return fallback?.type === 'ObjectExpression' ? fallback : fallback && headersInit(fallback);
  }
  const local = localInits(body, name);
  const init = local.length === 1 ? local[0] : local.length === 0 ? parsed.bindings.values.get(name) : undefined;
  return init?.type === 'ObjectExpression' ? init : init && headersInit(init);
}

/**
 * Whether `name` is a plain parameter of `fn`, and then its default when that default is what some call passes:
 * a call in this file by the function's name that leaves the parameter out, or no call here by name at all. A
 * parameter after a rest element or inside a pattern is not read (undefined: not a plain parameter); `reassigned`
 * when the body assigns it.
 */
function parameterWithDefault(fn: Node, name: string, parsed: ParsedJs): { fallback?: Node; reassigned: boolean } | undefined {
  if (!('params' in fn)) return undefined;
  const params = fn.params as Node[];
  const at = params.findIndex((param) => (param.type === 'Identifier' && param.name === name) || (param.type === 'AssignmentPattern' && param.left.type === 'Identifier' && param.left.name === name));
  if (at < 0) return undefined;
  const param = params[at];
  const body = 'body' in fn ? (fn.body as Node) : undefined;
  // `headers = { ...headers, … }` in the body: one pass over the body's text, not a walk of the tree per record.
  const escaped = name.replace(/\$/g, '\\$');
  const reassigned = body !== undefined && new RegExp(`(^|[^\\w$.])${escaped}\\s*(\\*\\*|<<|>>>?|&&|\\|\\||\\?\\?|[-+*/%&|^])?=(?!=)`).test(parsed.text.slice(body.start!, body.end!));
  if (param.type !== 'AssignmentPattern') return { reassigned };
  // The function's name: `function respond(…)`, `const respond = (…) => …`.
  const holder = parsed.parents.get(fn);
  const fnName = fn.type === 'FunctionDeclaration' && fn.id ? fn.id.name : holder?.type === 'VariableDeclarator' && holder.id.type === 'Identifier' && holder.init === fn ? holder.id.name : undefined;
  if (!fnName) return { reassigned };
  let calls = 0;
  let omitted = false;
  for (const call of parsed.calls) {
    if (call.callee.type !== 'Identifier' || call.callee.name !== fnName) continue;
    calls++;
    if (call.arguments.some((arg) => arg.type === 'SpreadElement')) continue;
    if (call.arguments.length <= at) omitted = true;
  }
  return { fallback: omitted || calls === 0 ? param.right : undefined, reassigned };
}

/** `new Headers({ … })` (Deno, Bun, Workers): the object literal it starts from. */
function headersInit(node: Node): Node | undefined {
  if (node.type !== 'NewExpression' || node.callee.type !== 'Identifier' || node.callee.name !== 'Headers' || node.arguments.length !== 1) return undefined;
  return node.arguments[0].type === 'ObjectExpression' ? node.arguments[0] : undefined;
}

/**
 * The CORS entries of a proxy response's `headers` (an object literal, a name bound to one, and
 * what they spread in), each written when the response is returned. Undefined when some entry
 * cannot be seen (a spread of something else): the record is then not read at all.
 */
function recordEntries(node: Node, response: Node, parsed: ParsedJs, depth = 0): HeaderWrite[] | undefined {
  const literal = node.type === 'ObjectExpression' ? node : node.type === 'Identifier' && depth < 4 ? objectLiteralOf(node.name, response, parsed) : headersInit(node);
  if (literal?.type !== 'ObjectExpression') return undefined;
  const writes: HeaderWrite[] = [];
  for (const property of literal.properties) {
    if (property.type === 'SpreadElement') {
      const spread = recordEntries(property.argument, response, parsed, depth + 1);
      if (!spread) return undefined;
      writes.push(...spread);
      continue;
    }
    if (property.type !== 'ObjectProperty' || property.computed) continue;
    const key = propertyKey(property.key);
    if (key && CORS_HEADER.test(key)) writes.push({ call: response, name: key, nameNode: property.key, valueNode: property.value as Node });
  }
  return writes;
}

/**
 * Proxy-integration responses, which the platform sends as written (AWS Lambda behind API Gateway,
 * Netlify and Vercel functions): `return { statusCode: 200, headers: { 'Access-Control-Allow-Origin': '*' }, body }`,
 * `callback(null, { statusCode, headers })`, `(body) => ({ statusCode: 200, headers, body })`. Each
 * one is a write of its CORS headers when the function hands it back.
 */
function proxyResponses(parsed: ParsedJs): Array<{ owner: Node; writes: HeaderWrite[] }> {
  if (!/access-control-allow-origin/i.test(parsed.text)) return [];
  const out: Array<{ owner: Node; writes: HeaderWrite[] }> = [];
  // The identifiers of the file by name, gathered once when a named record asks.
  let byName: Map<string, Node[]> | undefined;
  const uses = (name: string): Node[] => {
    if (!byName) {
      byName = new Map();
      for (const [node] of parsed.parents) {
        if (node.type !== 'Identifier') continue;
        const list = byName.get(node.name);
        if (list) list.push(node);
        else byName.set(node.name, [node]);
      }
    }
    return byName.get(name) ?? [];
  };
  const take = (node: Node, init: Extract<Node, { type: 'ObjectExpression' }>) => {
    if (!handedBack(node, parsed, uses)) return;
    const headers = init.properties.find((property) => property.type === 'ObjectProperty' && !property.computed && propertyKey(property.key) === 'headers');
    if (headers?.type !== 'ObjectProperty') return;
    const writes = recordEntries(headers.value as Node, node, parsed);
    const owner = enclosingFunction(node, parsed);
    if (!owner || !writes || !writes.some((write) => /^access-control-/i.test(write.name))) return;
    out.push({ owner, writes });
  };
  if (/statusCode/.test(parsed.text)) {
    for (const [node] of parsed.parents) if (node.type === 'ObjectExpression' && hasStatusCode(node)) take(node, node);
  }
  // Fetch API Responses, found from the file's calls and constructions (no walk over every node).
  if (/Response/.test(parsed.text)) {
    for (const node of parsed.siteCalls) {
      const init = node.type === 'NewExpression' ? fetchResponseInit(node, parsed) : undefined;
      if (init) take(node, init);
    }
    for (const node of parsed.calls) {
      const init = fetchResponseInit(node, parsed);
      if (init) take(node, init);
    }
  }
  return out;
}

/** Is the record a call returns sent as response headers? */
function appliesRecord(call: CallExpression, parsed: ParsedJs): boolean {
  const parent = parsed.parents.get(call);
  if (!parent) return false;
  // Object.entries(record) in a for-of whose body sets headers.
  if (parent.type === 'CallExpression' && parent.callee.type === 'MemberExpression' && parent.callee.object.type === 'Identifier' && parent.callee.object.name === 'Object') {
    const loop = parsed.parents.get(parent);
    if (loop?.type !== 'ForOfStatement' || loop.right !== parent) return false;
    return /\.(set|append|header|setHeader)\s*\(/.test(parsed.text.slice(loop.body.start ?? 0, loop.body.end ?? 0));
  }
  // { headers: record } (new Response, fetch init), res.set(record), res.header(record), res.writeHead(status, record)
  if (parent.type === 'ObjectProperty' && parent.key.type === 'Identifier' && parent.key.name === 'headers') return true;
  // `const headers = corsHeaders(origin); return new NextResponse(null, { headers })`: the name is applied in the same function.
  if (parent.type === 'VariableDeclarator' && parent.init === call && parent.id.type === 'Identifier') {
    const local = parent.id.name;
    const caller = enclosingFunction(call, parsed);
    if (!caller) return false;
    for (const [node, above] of parsed.parents) {
      if (node.type !== 'Identifier' || node.name !== local || enclosingFunction(node, parsed) !== caller) continue;
      if (above.type === 'ObjectProperty' && above.value === node && above.key.type === 'Identifier' && above.key.name === 'headers') return true;
      if (above.type === 'CallExpression' && above.callee.type === 'MemberExpression' && above.callee.property.type === 'Identifier') {
        const method = above.callee.property.name;
        if (((method === 'set' || method === 'header') && above.arguments[0] === node) || (method === 'writeHead' && above.arguments[writeHeadHeadersAt(above)] === node)) return true;
      }
    }
    return false;
  }
  if (parent.type === 'CallExpression' && parent.callee.type === 'MemberExpression' && parent.callee.property.type === 'Identifier') {
    const method = parent.callee.property.name;
    return ((method === 'set' || method === 'header') && parent.arguments[0] === call) || (method === 'writeHead' && parent.arguments[writeHeadHeadersAt(parent)] === call);
  }
  return false;
}

/** Where writeHead takes its headers: `writeHead(status, headers)`, or third after a status message (`writeHead(404, 'Not Found', headers)`). */
function writeHeadHeadersAt(call: CallExpression): number {
  return call.arguments.length >= 3 ? 2 : 1;
}

function headerWrites(call: CallExpression, parsed: ParsedJs): HeaderWrite[] {
  const callee = call.callee;
  if (isNestHeaderDecorator(call, parsed)) {
    const [first, second] = call.arguments as Node[];
    const name = first && second ? evaluate(first, parsed.bindings) : undefined;
    return name?.kind === 'string' && CORS_HEADER.test(name.value) ? [{ call, name: name.value, nameNode: first, valueNode: second }] : [];
  }
  if (callee.type !== 'MemberExpression' || callee.property.type !== 'Identifier') return [];
  const method = callee.property.name;
  const [first, second] = call.arguments as Node[];
  if (SETTERS.has(method) && first && second) {
    const name = evaluate(first, parsed.bindings);
    if (name.kind === 'string' && CORS_HEADER.test(name.value)) return [{ call, name: name.value, nameNode: first, valueNode: second }];
    return [];
  }
  const objectArg = method === 'writeHead' ? (call.arguments[writeHeadHeadersAt(call)] as Node | undefined) : method === 'set' || method === 'header' ? first : undefined;
  if (method === 'vary' && first) return [{ call, name: 'Vary', nameNode: first, valueNode: first }];
  // `const headers = { 'Access-Control-Allow-Origin': '*' }; res.writeHead(200, headers)` (plain Node servers,
  // joplin's clipper server): the record a name is bound to, read as a proxy response's `headers` is, so a
  // spread of something unseen leaves the whole record unread.
  if (objectArg?.type === 'Identifier') return recordEntries(objectArg, call, parsed) ?? [];
  if (objectArg?.type !== 'ObjectExpression') return [];
  const writes: HeaderWrite[] = [];
  for (const property of objectArg.properties) {
    if (property.type !== 'ObjectProperty' || property.computed) continue;
    const key = propertyKey(property.key);
    if (key && CORS_HEADER.test(key)) writes.push({ call, name: key, nameNode: property.key, valueNode: property.value as Node });
  }
  return writes;
}

/** NestJS `@Header(name, value)` on a route handler: the header goes out on that route's (successful) responses. */
function isNestHeaderDecorator(call: CallExpression, parsed: ParsedJs): boolean {
  if (call.callee.type !== 'Identifier' || parsed.parents.get(call)?.type !== 'Decorator') return false;
  const imported = parsed.bindings.imports.get(call.callee.name);
  return imported?.module === '@nestjs/common' && imported.imported === 'Header';
}

type ConditionalNode = Extract<Node, { type: 'ConditionalExpression' }>;

/** `const allowedOrigin = test ? origin : '*'`, declared once at the top of a handler's body. */
function localConditional(body: Statement[], name: string): ConditionalNode | undefined {
  const found = localInits(body, name);
  return found.length === 1 && found[0].type === 'ConditionalExpression' ? found[0] : undefined;
}

/** What `name` is initialised to by the declarations at the top level of a body (`const name = …`), in order. */
function localInits(body: Statement[], name: string): Node[] {
  const found: Node[] = [];
  for (const statement of body) {
    if (statement.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations) if (declarator.id.type === 'Identifier' && declarator.id.name === name && declarator.init) found.push(declarator.init);
  }
  return found;
}

/**
 * A value as the handler's body sees it: `allowedOrigins[0]` or `fallback` where the list or string is a
 * `const` declared once at the top of the body (Next.js middleware keeps its allowlist there); anything
 * else as the module sees it.
 */
function evaluateInBody(node: Node, body: Statement[], parsed: ParsedJs): JsValue {
  const constInit = (name: string): Node | undefined => {
    const inits = localInits(body, name);
    const isConst = body.some((statement) => statement.type === 'VariableDeclaration' && statement.kind === 'const' && statement.declarations.some((d) => d.id.type === 'Identifier' && d.id.name === name));
    return inits.length === 1 && isConst ? inits[0] : undefined;
  };
  if (node.type === 'MemberExpression' && node.computed && node.object.type === 'Identifier' && node.property.type === 'NumericLiteral') {
    const list = constInit(node.object.name);
    if (list?.type === 'ArrayExpression') {
      const item = list.elements[node.property.value];
      if (item && item.type !== 'SpreadElement' && list.elements.every((element) => element?.type !== 'SpreadElement')) return evaluate(item, parsed.bindings);
    }
  }
  if (node.type === 'Identifier') {
    const init = constInit(node.name);
    if (init?.type === 'StringLiteral' || init?.type === 'TemplateLiteral') return evaluate(init, parsed.bindings);
  }
  return evaluate(node, parsed.bindings);
}

/** `return;`, `return false;`, `return 'ok';`, `return null;`, `return undefined;`: a value that is no response and no promise of one. */
function returnsPlainValue(argument: Node | null | undefined): boolean {
  if (!argument) return true;
  if (argument.type === 'Identifier') return argument.name === 'undefined';
  return argument.type === 'BooleanLiteral' || argument.type === 'NumericLiteral' || argument.type === 'StringLiteral' || argument.type === 'NullLiteral';
}

/**
 * `return payload` at the end of a Fastify `onSend` / `preSerialization` hook (`(request, reply, payload) => …`):
 * the body goes on unchanged and the headers the hook set stay on the reply (checked with Fastify 5.12).
 */
function returnsHookPayload(statement: Node, parsed: ParsedJs): boolean {
  if (statement.type !== 'ReturnStatement' || statement.argument?.type !== 'Identifier') return false;
  const hook = enclosingFunction(statement, parsed);
  if (!hook || !('params' in hook)) return false;
  const payload = hook.params[2];
  if (payload?.type !== 'Identifier' || payload.name !== statement.argument.name) return false;
  const call = parsed.parents.get(hook);
  if (call?.type !== 'CallExpression' || call.arguments[1] !== hook || call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier' || call.callee.property.name !== 'addHook') return false;
  const name = call.arguments[0];
  return name?.type === 'StringLiteral' && (name.value === 'onSend' || name.value === 'preSerialization');
}

function enclosingFunction(node: Node, parsed: ParsedJs): Node | undefined {
  for (let current = parsed.parents.get(node); current; current = parsed.parents.get(current)) {
    if (FUNCTION_TYPES.has(current.type)) return current;
  }
  return undefined;
}

/**
 * In a set of origin names, `headers:<name>` marks a variable that holds the request's header
 * object (`const { headers } = req`), so `<name>.origin` is the Origin (no identifier has a ':').
 */
const HEADERS_MARK = 'headers:';
/** Likewise `method:<name>`: a variable holding the request's method (`const { method } = req`). */
const METHOD_MARK = 'method:';

/** `req.headers.origin`, `req.headers['origin']`, `req.get('origin')`, `req.header('Origin')`, `ctx.get('Origin')`, `c.req.header('origin')`. */
export function isRequestOrigin(node: Node, originNames: Set<string>): boolean {
  if (node.type === 'Identifier') return originNames.has(node.name);
  if (node.type === 'TSAsExpression' || node.type === 'TSNonNullExpression' || node.type === 'ParenthesizedExpression') return isRequestOrigin(node.expression, originNames);
  if (node.type === 'LogicalExpression' && (node.operator === '||' || node.operator === '??')) return isRequestOrigin(node.left, originNames);
  // `event.headers?.origin` and `req.headers?.['origin']` read the same header as the plain member.
  if (node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') {
    const property = node.property.type === 'Identifier' && !node.computed ? node.property.name : node.property.type === 'StringLiteral' ? node.property.value : undefined;
    if (property?.toLowerCase() !== 'origin') return false;
    const object = node.object;
    if (object.type === 'Identifier') return originNames.has(`${HEADERS_MARK}${object.name}`);
    return (object.type === 'MemberExpression' || object.type === 'OptionalMemberExpression') && object.property.type === 'Identifier' && !object.computed && /^headers?$/.test(object.property.name);
  }
  if ((node.type === 'CallExpression' || node.type === 'OptionalCallExpression') && (node.callee.type === 'MemberExpression' || node.callee.type === 'OptionalMemberExpression') && node.callee.property.type === 'Identifier') {
    const arg = node.arguments[0];
    return ['get', 'header', 'getHeader'].includes(node.callee.property.name) && arg?.type === 'StringLiteral' && arg.value.toLowerCase() === 'origin';
  }
  return false;
}

/** `req.method`, and API Gateway's `event.httpMethod` (REST APIs; HTTP APIs say `event.requestContext.http.method`). */
function isRequestMethod(node: Node): boolean {
  return node.type === 'MemberExpression' && node.property.type === 'Identifier' && (node.property.name === 'method' || node.property.name === 'httpMethod');
}

/** The request's method as a test reads it: `req.method`, or `req.method.toLowerCase()` / `.toUpperCase()` (restify examples test 'options'). */
function methodAsRead(node: Node): ((method: string) => string) | undefined {
  if (isRequestMethod(node)) return (method) => method;
  if (node.type !== 'CallExpression' || node.arguments.length > 0 || node.callee.type !== 'MemberExpression' || node.callee.property.type !== 'Identifier' || !isRequestMethod(node.callee.object)) return undefined;
  if (node.callee.property.name === 'toLowerCase') return (method) => method.toLowerCase();
  if (node.callee.property.name === 'toUpperCase') return (method) => method.toUpperCase();
  return undefined;
}

/** The response headers a CORS judgement reads, which a proxy's copied upstream headers may hold. */
const COPIED_CORS_HEADERS = ['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials', 'Access-Control-Allow-Methods', 'Access-Control-Allow-Headers', 'Access-Control-Expose-Headers', 'Access-Control-Max-Age', 'Vary'];

interface RunState {
  headers: ResponseHeader[];
  /** Something the whole answer depends on is unknown (a branch we cannot decide, a write we cannot follow). */
  uncertain: boolean;
  /** Headers written with a value we cannot know: only they are open. */
  unknown: Unknowns;
  status?: number;
  ended: boolean;
  passedOn: boolean;
  /** Headers an undecided test sends with this value or not at all (CorsResponse.maybeHeaders). */
  maybe?: ResponseHeader[];
  /** A `return` of a plain value (`return false;` in a `cors(req, res): boolean` helper): the caller goes on as if the function had ended. */
  returned?: boolean;
  /** How many `try` blocks with a `catch` this run is inside, and whether a `throw` in one is on its way to the catch. */
  catching?: number;
  thrown?: boolean;
  /** The call that ended the answer here (`res.end()`, `res.sendStatus(204)`), for CorsResponse.answeredAt. */
  endedBy?: Node;
}

class HandSetProgram implements HeaderProgram {
  /** This run took a branch on the request's method (`if (event.httpMethod === 'OPTIONS')`). */
  private methodDecided = false;
  /** The `Headers` object each header was written to (`const h = new Headers(); h.set(…)`), by the header entry. */
  private readonly headerTargets = new WeakMap<ResponseHeader, string>();

  constructor(
    private readonly body: Statement[],
    private readonly writes: Map<Node, HeaderWrite[]>,
    private readonly originNames: Set<string>,
    private readonly parsed: ParsedJs,
    private readonly attackerInput: (node: Node) => string | undefined = () => undefined,
    /** The handler's own parameters and locals (undefined at module level): a test reading none of them reads configuration. */
    private readonly bound?: Set<string>,
    /** The one method the framework routes to this function (exported as `GET`, `OPTIONS`…), if it is a route module's handler. */
    private readonly routeMethod?: string,
    /** Calls that hand the request on as `next()` does: the wrapped handler of `(fn) => async (req, res) => { …; return fn(req, res) }`. */
    private readonly wrappedHandler?: (call: Node) => boolean,
    /** A helper's call sites' tests (callSites): the requests none of them lets through never run it. */
    private readonly gate?: Cond,
  ) {}

  run(request: CorsRequest): CorsResponse {
    const state: RunState = { headers: [], uncertain: false, unknown: new Unknowns(), ended: false, passedOn: false };
    if (this.gate) {
      // Not called for this request: it writes nothing, and what its caller sends is not its to say. Maybe called: open.
      const called = decide(this.gate, request.origin);
      if (called !== true) return { status: called === false && !request.preflight ? (request.appStatus ?? 200) : undefined, headers: [], uncertain: called !== false || request.preflight === true, shortCircuit: false };
    }
    this.methodDecided = this.routeMethod !== undefined;
    if (this.routeMethod) {
      // Another method never reaches this function: what answers it (another export, the framework's own
      // OPTIONS or 405) is not this policy's to say.
      const method = request.preflight ? 'OPTIONS' : request.method.toUpperCase();
      if (method !== this.routeMethod && !(this.routeMethod === 'GET' && method === 'HEAD')) return { status: undefined, headers: [], uncertain: true, shortCircuit: false };
    }
    // Decorator-set headers (NestJS @Header) apply before the handler's own code runs.
    for (const [call, writes] of this.writes) if (this.parsed.parents.get(call)?.type === 'Decorator') for (const write of writes) this.write(write, request, state);
    this.block(this.body, request, state);
    let status = state.status;
    if (!state.ended) {
      if (state.passedOn || request.preflight) {
        // A later handler answers; for OPTIONS we cannot see which (Express's router, a 404…).
        if (request.preflight) state.uncertain = true;
        status = request.appStatus ?? (request.preflight ? undefined : 200);
      } else {
        status = request.appStatus ?? 200;
      }
    }
    const fields = state.unknown.all(state.uncertain).fields();
    // Only what is still open at the end: a later plain write decided the header after all.
    const maybe = state.maybe?.filter((header) => fields.unknownHeaders?.includes(header.name.toLowerCase()));
    const answeredAt = state.ended && state.endedBy ? this.answerPlace(state.endedBy) : undefined;
    return { status, headers: state.headers, ...fields, ...(maybe?.length ? { maybeHeaders: maybe } : {}), shortCircuit: state.ended && request.preflight === true, ...(answeredAt ? { answeredAt } : {}) };
  }

  private block(statements: Statement[], request: CorsRequest, state: RunState): void {
    for (const statement of statements) {
      if (state.ended || state.returned || state.thrown) return;
      this.statement(statement, request, state);
    }
  }

  private statement(statement: Statement, request: CorsRequest, state: RunState): void {
    switch (statement.type) {
      case 'ExpressionStatement':
        this.expression(statement.expression, request, state);
        return;
      case 'ReturnStatement':
        if (statement.argument) this.expression(statement.argument, request, state);
        // A NestJS handler's return value is the response body (200 unless decorated otherwise).
        // `return next()` / `return await next()`: the next middleware answers, as after `next(); return;`.
        if (!state.ended && state.passedOn) {
          state.returned = true;
          return;
        }
        if (!state.ended && !state.passedOn && (this.isNestHandler() || this.isRecordBuilder() || this.returnsFastifyBody(statement))) state.status ??= request.appStatus ?? 200;
        else if (!state.ended && !state.passedOn && this.returnsWrittenResponse(statement.argument)) {
          // `res.headers.set(…); return res;` (Fetch API: Next.js route handlers and middleware, Workers,
          // Deno): the response handed back is the one these writes went to. Its status is the route's;
          // an OPTIONS request reaches this code only when the handler says so (a method test).
          if (request.preflight && !this.methodDecided) state.uncertain = true;
          state.status ??= request.appStatus ?? (request.preflight ? undefined : 200);
        }
        else if (!state.ended && !state.passedOn && (returnsPlainValue(statement.argument) || returnsHookPayload(statement, this.parsed))) {
          // Nothing is handed back that could carry or change headers: the same as running off the end.
          state.returned = true;
          return;
        } else if (!state.ended && !state.passedOn) state.uncertain = true;
        state.ended = true;
        return;
      case 'BlockStatement':
        this.block(statement.body, request, state);
        return;
      case 'IfStatement': {
        let outcome = this.condition(statement.test, request);
        if (outcome === 'unknown' && request.path === undefined) outcome = this.pathChosen(statement, request);
        if (outcome === 'unknown' && !statement.alternate && this.bound && this.holdsEveryWrite(statement.consequent) && readsOnlyConfiguration(statement.test, this.bound)) {
          // `if (config.cors) { res.setHeader(…) }` around every CORS write: the only configuration in
          // which the handler sends any, judged as a middleware under the same test is. A flag around
          // only some writes (credentials on or off) leaves two configurations, which stay open.
          this.statement(statement.consequent, request, state);
          return;
        }
        if (outcome === 'unknown' && !request.preflight && request.appStatus === undefined && !this.readsOrigin(statement.test)) {
          // A branch that only fails (`if (!process.env.BUCKET) throw new Error(…)`, `if (!file) return { statusCode: 400, body }`)
          // under a test the Origin plays no part in is the failure path, which the successful requests asked about
          // here do not take (as a try's catch): the run goes on past it. Preflights and error statuses still see it open.
          if (this.failsOnly(statement.consequent)) {
            if (statement.alternate) this.statement(statement.alternate, request, state);
            return;
          }
          if (statement.alternate && this.failsOnly(statement.alternate)) {
            this.statement(statement.consequent, request, state);
            return;
          }
        }
        if (outcome === 'unknown') {
          // Branches that only set headers (`if (process.env.CACHE) res.setHeader('Access-Control-Max-Age', …)`)
          // leave just those headers open; a branch that may answer, return or pass on leaves everything open.
          const consequent = this.onlyWrites(statement.consequent);
          const alternate = this.onlyWrites(statement.alternate);
          if (!consequent || !alternate) {
            state.uncertain = true;
            return;
          }
          // A header not yet set, written once on one side, with a value this request decides: that value or nothing.
          const open = state.unknown.fields();
          const settled = !state.uncertain && !(open.uncertain && !open.unknownHeaders);
          const unset = new Set(
            [...consequent, ...alternate].map((write) => write.name.toLowerCase()).filter((name) => settled && !state.headers.some((header) => header.name.toLowerCase() === name) && !open.unknownHeaders?.includes(name)),
          );
          for (const write of [...consequent, ...alternate]) {
            state.headers = state.headers.filter((header) => header.name.toLowerCase() !== write.name.toLowerCase());
            state.unknown.header(write.name);
          }
          for (const write of [...consequent, ...alternate]) {
            if (!unset.has(write.name.toLowerCase()) || [...consequent, ...alternate].filter((other) => other.name.toLowerCase() === write.name.toLowerCase()).length !== 1) continue;
            const trial: RunState = { headers: [], uncertain: false, unknown: new Unknowns(), ended: false, passedOn: false };
            this.write(write, request, trial);
            if (trial.headers.length === 1 && !trial.unknown.any) (state.maybe ??= []).push(trial.headers[0]);
          }
          return;
        }
        const branch = outcome ? statement.consequent : statement.alternate;
        if (branch) this.statement(branch, request, state);
        return;
      }
      case 'ThrowStatement':
        if (this.containsWrite(statement)) state.uncertain = true;
        // Inside a `try` with a `catch`: the catch goes on from here.
        if (state.catching) {
          state.thrown = true;
          return;
        }
        // Otherwise the error ends the run: Lambda and the Fetch platforms answer it themselves (API Gateway's
        // 502, no CORS headers: a proxy response only takes effect when returned); Express's error handler keeps what was set.
        // A proxy handler that throws for OPTIONS (`if (event.httpMethod !== 'GET') throw …`) is one the gateway
        // in front sends only its own routes: whether a preflight reaches it at all is the gateway's to say.
        if (request.preflight && this.answersWithRecords()) state.uncertain = true;
        state.status = 500;
        state.ended = true;
        return;
      case 'TryStatement':
        // The path without an exception: a `catch` answers errors (often with the same headers), which
        // the requests asked about here do not raise, but a `throw` this run reaches in the block.
        if (statement.handler) state.catching = (state.catching ?? 0) + 1;
        this.block(statement.block.body, request, state);
        if (statement.handler) state.catching! -= 1;
        if (state.thrown && statement.handler) {
          state.thrown = false;
          this.block(statement.handler.body.body, request, state);
        }
        if (statement.finalizer && !state.ended && !state.returned && !state.thrown) this.block(statement.finalizer.body, request, state);
        return;
      case 'VariableDeclaration':
        // A header record's initial entries.
        for (const write of this.writes.get(statement) ?? []) this.write(write, request, state);
        return;
      case 'ForOfStatement':
        // `for (const [k, v] of Object.entries(corsHeaders)) res.setHeader(k, v)`: the record's entries.
        if (this.writes.has(statement)) {
          for (const write of this.writes.get(statement)!) this.write(write, request, state);
          return;
        }
        if (this.containsWrite(statement)) state.uncertain = true;
        return;
      default:
        if (this.containsWrite(statement)) state.uncertain = true;
    }
  }

  private expression(node: Node, request: CorsRequest, state: RunState): void {
    if (node.type === 'AwaitExpression') return this.expression(node.argument, request, state);
    if (this.answersWithRecords() || this.carriesWrittenHeaders(node)) {
      const record = this.responseRecord(node);
      if (record) return this.respond(record, request, state, record !== node);
      if (node.type === 'CallExpression') {
        // `callback(null, { statusCode, headers, body })`: the Lambda callback hands the response back.
        for (const arg of node.arguments) {
          const argument = this.responseRecord(arg as Node);
          if (argument) return this.respond(argument, request, state, argument !== arg);
        }
      }
    }
    if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression' && node.left.property.type === 'Identifier' && node.left.property.name === 'status') {
      const value = evaluate(node.right, this.parsed.bindings);
      if (value.kind === 'number') state.status = value.value;
      return;
    }
    if (node.type === 'ObjectExpression' && this.writes.has(node)) {
      // A header record returned in place (`return { 'Access-Control-Allow-Origin': … }`).
      for (const write of this.writes.get(node)!) this.write(write, request, state);
      return;
    }
    if (node.type === 'AssignmentExpression' && this.writes.has(node)) {
      // `headers['Access-Control-Allow-Origin'] = origin` in a header record.
      for (const write of this.writes.get(node)!) this.write(write, request, state);
      return;
    }
    if (node.type === 'SequenceExpression' && this.containsWrite(node)) {
      for (const expression of node.expressions) this.expression(expression, request, state);
      return;
    }
    // `allowed && res.setHeader(…)`, `ok ? res.setHeader(…) : res.setHeader(…)` as statements: the `if` they stand for.
    const branch = expressionBranch(node);
    if (branch && this.containsWrite(node) && !this.containsWrite(branch.test)) {
      this.statement(branch.statement, request, state);
      return;
    }
    if (node.type !== 'CallExpression') {
      if (this.containsWrite(node)) state.uncertain = true;
      // Node's `res.statusCode = 204` on the response the headers go to: the status a later `res.end()` sends.
      else if (node.type === 'AssignmentExpression' && node.operator === '=' && node.left.type === 'MemberExpression' && !node.left.computed && node.left.property.type === 'Identifier' && node.left.property.name === 'statusCode' && node.left.object.type === 'Identifier' && this.writesGoTo(node.left.object.name)) {
        const status = evaluate(node.right, this.parsed.bindings);
        state.status = status.kind === 'number' ? status.value : undefined;
      }
      return;
    }
    // `res.writeHead(200, headers).end()`, `res.header(…).status(204).send()`: a chain's calls run innermost first,
    // so the writes it starts with go out with the answer its last call gives.
    if (node.callee.type === 'MemberExpression' && node.callee.object.type === 'CallExpression' && this.containsWrite(node.callee.object)) {
      this.expression(node.callee.object, request, state);
      const chained = this.writes.get(node);
      if (chained) {
        for (const write of chained) this.write(write, request, state);
        return;
      }
      if (endsAnswer(node, this.parsed, state)) {
        state.endedBy = node;
        return;
      }
      const method = node.callee.property.type === 'Identifier' ? node.callee.property.name : undefined;
      if (method === 'status' || method === 'code') {
        state.status = firstArgumentStatus(node, this.parsed);
        return;
      }
      state.uncertain = true;
      return;
    }
    const writes = this.writes.get(node);
    if (writes) {
      for (const write of writes) this.write(write, request, state);
      if (node.callee.type === 'MemberExpression' && node.callee.property.type === 'Identifier' && node.callee.property.name === 'writeHead') {
        state.status = firstArgumentStatus(node, this.parsed);
      }
      return;
    }
    if (node.callee.type === 'Identifier' && (node.callee.name === 'next' || this.wrappedHandler?.(node))) {
      state.passedOn = true;
      return;
    }
    if (endsAnswer(node, this.parsed, state)) {
      state.endedBy = node;
      return;
    }
    // `messenger.send(event).then(() => callback(null, response)).catch(…)`: a record of this function handed back from
    // a callback it passes on is the answer, once that callback runs.
    const deferred = this.deferredHandBacks().filter((handBack) => handBack.start >= node.start! && handBack.end <= node.end!);
    if (deferred.length > 0) {
      if (deferred.every((handBack) => handBack.record === deferred[0].record)) return this.respond(deferred[0].record, request, state, true);
      state.uncertain = true;
      return;
    }
    if (this.containsWrite(node)) state.uncertain = true;
  }

  private deferred?: Array<{ start: number; end: number; record: Node }>;

  /** Where a record named in this function's body is handed back inside a function nested in it (a promise's then/catch). */
  private deferredHandBacks(): Array<{ start: number; end: number; record: Node }> {
    if (this.deferred) return this.deferred;
    const named = new Map<string, Node>();
    for (const node of this.writes.keys()) {
      const parent = this.parsed.parents.get(node);
      if (!hasStatusCode(node) || parent?.type !== 'VariableDeclarator' || parent.id.type !== 'Identifier') continue;
      const inits = localInits(this.body, parent.id.name);
      if (inits.length === 1 && inits[0] === node) named.set(parent.id.name, node);
    }
    const out: Array<{ start: number; end: number; record: Node }> = [];
    if (named.size > 0 && this.body.length > 0) {
      const from = this.body[0].start!;
      const to = this.body[this.body.length - 1].end!;
      for (const [node] of this.parsed.parents) {
        if (node.type !== 'Identifier' || !named.has(node.name) || node.start! < from || node.end! > to) continue;
        const fn = enclosingFunction(node, this.parsed);
        // Only inside a nested function: a hand-back in the body itself is read where it stands.
        if (!fn || fn.start! < from || !namedRecordHandedBack(node, this.parsed)) continue;
        out.push({ start: node.start!, end: node.end!, record: named.get(node.name)! });
      }
    }
    return (this.deferred = out);
  }

  /** A proxy response or Fetch API Response handed back: its headers and status go out as written, and the function is done. */
  private respond(record: Node, request: CorsRequest, state: RunState, named = false): void {
    const init = fetchResponseInit(record, this.parsed);
    const writes = this.writes.get(record) ?? [];
    const carried = init && !named ? this.headersObjectIn(init) : undefined;
    if (init && !named) {
      // A Response built in the return carries its init's headers, not what was written to another one before;
      // `{ headers: h }` with `const h = new Headers()` carries what was set on h.
      state.headers = carried ? state.headers.filter((header) => this.headerTargets.get(header) === carried) : [];
      if (carried) this.copiedInto(carried, state);
    }
    for (const write of writes) {
      // A named Response (`const res = new Response(…, { headers }); res.headers.set(…); return res`) starts with its
      // init's headers: a later set of the same header on it wins.
      // Likewise a `new Headers({ … })` handed in: what was set on it afterwards wins over its starting entries.
      if (init && (named || carried) && state.headers.some((header) => header.name.toLowerCase() === write.name.toLowerCase())) continue;
      this.write(write, request, state);
    }
    const statusKey = init ? 'status' : 'statusCode';
    const holder = init ?? record;
    const status = holder.type === 'ObjectExpression' ? holder.properties.find((property) => property.type === 'ObjectProperty' && !property.computed && propertyKey(property.key) === statusKey) : undefined;
    const value = status?.type === 'ObjectProperty' ? evaluate(status.value as Node, this.parsed.bindings) : undefined;
    state.status = value?.kind === 'number' ? value.value : (request.appStatus ?? 200);
    state.ended = true;
    // Whether a preflight reaches the function at all is the gateway's routing, not shown here,
    // unless the function itself tells OPTIONS apart.
    if (request.preflight && !this.methodDecided) state.uncertain = true;
  }

  /** A proxy response or Fetch API Response written here, or the name of one declared once in this function's body. */
  private responseRecord(node: Node): Node | undefined {
    if (isResponseConstruct(node, this.parsed)) return node;
    if (node.type !== 'Identifier') return undefined;
    const found = localInits(this.body, node.name);
    return found.length === 1 && isResponseConstruct(found[0], this.parsed) ? found[0] : undefined;
  }

  /** The function answers with proxy responses (`return { statusCode, headers }`) or Fetch API Responses built with their headers. */
  private answersWithRecords(): boolean {
    for (const node of this.writes.keys()) if (isResponseConstruct(node, this.parsed)) return true;
    return false;
  }

  /** The header writes of a statement made of nothing else (no return, status, answer or `next()`), or undefined. */
  private onlyWrites(statement: Statement | null | undefined): HeaderWrite[] | undefined {
    if (!statement || statement.type === 'EmptyStatement') return [];
    if (statement.type === 'BlockStatement') {
      const out: HeaderWrite[] = [];
      for (const inner of statement.body) {
        const writes = this.onlyWrites(inner);
        if (!writes) return undefined;
        out.push(...writes);
      }
      return out;
    }
    if (statement.type === 'IfStatement') {
      const consequent = this.onlyWrites(statement.consequent);
      const alternate = this.onlyWrites(statement.alternate);
      return consequent && alternate ? [...consequent, ...alternate] : undefined;
    }
    if (statement.type !== 'ExpressionStatement') return undefined;
    const expression = statement.expression.type === 'AwaitExpression' ? statement.expression.argument : statement.expression;
    // `if (origin) console.log('CORS from', origin)`: logging neither writes, answers nor passes on.
    if (onlyLogs(expression)) return [];
    // `if (res.methods.indexOf('OPTIONS') === -1) res.methods.push('OPTIONS')` (restify): adding to a list answers nothing.
    if (expression.type === 'CallExpression' && expression.callee.type === 'MemberExpression' && expression.callee.property.type === 'Identifier' && ['push', 'unshift'].includes(expression.callee.property.name) && !this.containsWrite(expression)) return [];
    if (expression.type === 'CallExpression' && expression.callee.type === 'MemberExpression') {
      const { object, property } = expression.callee;
      // writeHead also sets the status; a chain (`res.header(…).status(204)`) may do more than write.
      if ((property.type === 'Identifier' && property.name === 'writeHead') || object.type === 'CallExpression') return undefined;
    }
    return this.writes.get(expression);
  }

  /** A header record's builder: its return hands the record to the caller, which sends it. */
  private isRecordBuilder(): boolean {
    for (const node of this.writes.keys()) if (node.type === 'AssignmentExpression' || node.type === 'VariableDeclaration' || (node.type === 'ObjectExpression' && !hasStatusCode(node))) return true;
    return false;
  }

  /** `return res` where the writes of this function are `res.headers.set(…)` / `res.headers.append(…)`: a Fetch API Response built here. */
  private returnsWrittenResponse(argument: Node | null | undefined): boolean {
    if (argument?.type !== 'Identifier') return false;
    const name = argument.name;
    for (const call of this.writes.keys()) {
      // A record applied in a loop (appliedRecordLoops) whose body writes to `name.headers`.
      const isLoop = call.type === 'ForOfStatement' || (call.type === 'CallExpression' && call.callee.type === 'MemberExpression' && call.callee.property.type === 'Identifier' && call.callee.property.name === 'forEach');
      if (isLoop && new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\.headers\\.(set|append)\\s*\\(`).test(this.parsed.text.slice(call.start ?? 0, call.end ?? 0))) return true;
      if (call.type !== 'CallExpression' || call.callee.type !== 'MemberExpression') continue;
      const target = call.callee.object;
      if (target.type === 'MemberExpression' && !target.computed && target.property.type === 'Identifier' && target.property.name === 'headers' && target.object.type === 'Identifier' && target.object.name === name) return true;
    }
    return false;
  }

  /**
   * `return data` from an async Fastify route handler (`fastify.get(path, async (request, reply) => …)`) whose
   * writes go to its `reply`: Fastify sends the value as the body, with the headers set on the reply, as
   * `reply.send(data)` would (Fastify's Reply docs, "Async-Await and Promises").
   */
  private returnsFastifyBody(statement: Node): boolean {
    if (statement.type !== 'ReturnStatement' || returnsPlainValue(statement.argument)) return false;
    const handler = enclosingFunction(statement, this.parsed);
    if (!handler || !('async' in handler) || !handler.async || !('params' in handler)) return false;
    const reply = handler.params[1];
    if (reply?.type !== 'Identifier') return false;
    const route = this.parsed.parents.get(handler);
    if (route?.type !== 'CallExpression' || route.arguments[route.arguments.length - 1] !== handler || route.callee.type !== 'MemberExpression' || route.callee.property.type !== 'Identifier') return false;
    if (!['get', 'post', 'put', 'delete', 'patch', 'head', 'options', 'all'].includes(route.callee.property.name)) return false;
    return this.writesGoTo(reply.name);
  }

  /** Some header write of this function is a call on `name` (`res.setHeader(…)`, `reply.code(200).header(…)`). */
  private writesGoTo(name: string): boolean {
    for (const call of this.writes.keys()) {
      if (call.type !== 'CallExpression') continue;
      let target: Node = call.callee;
      while (target.type === 'MemberExpression' || target.type === 'CallExpression') target = target.type === 'CallExpression' ? target.callee : target.object;
      if (target.type === 'Identifier' && target.name === name) return true;
    }
    return false;
  }

  /** Where the answer was given: the innermost `if` of this function around the ending call (as nginx names the `if` holding its `return`), else the call. */
  private answerPlace(call: Node): Loc {
    for (let current = this.parsed.parents.get(call); current && !FUNCTION_TYPES.has(current.type); current = this.parsed.parents.get(current)) {
      if (current.type === 'IfStatement') {
        // `if (req.method === 'OPTIONS')`: from the keyword to the end of its test, not the whole block.
        const test = locOf(current.test, this.parsed.file);
        return { ...locOf(current, this.parsed.file), endLine: test.endLine, endColumn: test.endColumn };
      }
    }
    return locOf(call, this.parsed.file);
  }

  private isNestHandler(): boolean {
    for (const call of this.writes.keys()) if (this.parsed.parents.get(call)?.type === 'Decorator') return true;
    return false;
  }

  private write(write: HeaderWrite, request: CorsRequest, state: RunState): void {
    let value: string | undefined;
    let opaque = false;
    // `allowed.includes(origin) ? origin : '*'`: the branch this request takes is the value.
    const valueNode = this.chosenBranch(write.valueNode, request);
    // A client-chosen value: the attacker names their own origin.
    let input = !valueNode || isRequestOrigin(valueNode, this.originNames) ? undefined : this.attackerInput(valueNode);
    // `https://${req.params.site}`: a scheme followed by nothing but a client-chosen value, which names the host.
    const schemed = !input && valueNode?.type === 'TemplateLiteral' && valueNode.expressions.length === 1 && valueNode.quasis[1]?.value.raw === '' ? /^([a-z][a-z0-9+.-]*:\/\/)$/i.exec(valueNode.quasis[0].value.raw)?.[1] : undefined;
    const hostInput = schemed ? this.attackerInput(valueNode!.type === 'TemplateLiteral' ? (valueNode!.expressions[0] as Node) : valueNode!) : undefined;
    if (!valueNode) opaque = true;
    else if (schemed && hostInput) {
      input = hostInput;
      // The caller names its own host after the fixed scheme: its origin, when the schemes agree.
      const origin = request.origin;
      value = origin === undefined ? undefined : origin.toLowerCase().startsWith(schemed.toLowerCase()) ? origin : `${schemed}${origin.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}`;
    } else if (input || isRequestOrigin(valueNode, this.originNames)) value = request.origin;
    else if (valueNode.type === 'NullLiteral') value = 'null';
    else {
      const evaluated = evaluateInBody(valueNode, this.body, this.parsed);
      if (evaluated.kind === 'string' || evaluated.kind === 'number' || evaluated.kind === 'boolean') value = String(evaluated.value);
      else {
        const list = stringList(evaluated);
        if (list) value = list.join(', ');
        else opaque = true;
      }
    }
    if (value === undefined && !opaque) return;
    const setter = write.call.type === 'CallExpression' && write.call.callee.type === 'MemberExpression' && write.call.callee.property.type === 'Identifier' ? write.call.callee.property.name : '';
    const appends = setter === 'append' || setter === 'appendHeader' || setter === 'vary';
    if (!appends) {
      state.headers = state.headers.filter((header) => header.name.toLowerCase() !== write.name.toLowerCase());
      state.unknown.known(write.name);
    }
    // A value we cannot know (an env var, an import): this header is open, the rest of the answer is not.
    if (opaque) state.unknown.header(write.name);
    if (value === undefined) return;
    const header: ResponseHeader = { name: write.name, value, loc: locOf(valueNode ?? write.valueNode, this.parsed.file), ...(input ? { fromInput: input } : {}) };
    const target = write.call.type === 'CallExpression' && write.call.callee.type === 'MemberExpression' && write.call.callee.object.type === 'Identifier' ? write.call.callee.object.name : undefined;
    if (target) this.headerTargets.set(header, target);
    state.headers.push(header);
  }

  /**
   * `for (const [k, v] of upstream.headers) h.set(k, v)`: a proxy copies headers nobody can see into h. A CORS
   * header it does not set by name afterwards may come from there (open); a copy after the named sets leaves all open.
   */
  private copiedInto(name: string, state: RunState): void {
    let copiedAt: number | undefined;
    const named = new Map<string, number>();
    const stack: Node[] = [...this.body];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && node.callee.object.type === 'Identifier' && node.callee.object.name === name && node.callee.property.type === 'Identifier' && (node.callee.property.name === 'set' || node.callee.property.name === 'append')) {
        const key = node.arguments[0];
        if (key?.type === 'StringLiteral') named.set(key.value.toLowerCase(), Math.max(named.get(key.value.toLowerCase()) ?? 0, node.start ?? 0));
        else copiedAt = Math.max(copiedAt ?? 0, node.start ?? 0);
      }
      pushChildNodes(node, stack);
    }
    if (copiedAt === undefined) return;
    for (const header of COPIED_CORS_HEADERS) {
      const setAt = named.get(header.toLowerCase());
      if (setAt === undefined || setAt < copiedAt) {
        state.headers = state.headers.filter((entry) => entry.name.toLowerCase() !== header.toLowerCase());
        state.unknown.header(header);
      }
    }
  }

  /** `new Response(body, { headers: h })` where this function set headers on h, a `new Headers()` of its own. */
  private carriesWrittenHeaders(node: Node): boolean {
    const record = this.responseRecord(node);
    const init = record && fetchResponseInit(record, this.parsed);
    const name = init && this.headersObjectIn(init);
    if (!name) return false;
    for (const writes of this.writes.values()) {
      for (const write of writes) {
        const call = write.call;
        if (call.type === 'CallExpression' && call.callee.type === 'MemberExpression' && call.callee.object.type === 'Identifier' && call.callee.object.name === name) return true;
      }
    }
    return false;
  }

  /**
   * The name in `{ headers: h }` when h is declared once in this function as an empty `new Headers()`
   * (Workers and route handlers fill one with `h.set(…)` and hand it to `new Response`); undefined otherwise.
   */
  private headersObjectIn(init: Extract<Node, { type: 'ObjectExpression' }>): string | undefined {
    const property = init.properties.find((p) => p.type === 'ObjectProperty' && !p.computed && propertyKey(p.key) === 'headers');
    const value = property?.type === 'ObjectProperty' ? property.value : undefined;
    if (value?.type !== 'Identifier') return undefined;
    const name = value.name;
    const declared: Node[] = [];
    const stack: Node[] = [...this.body];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.type === 'VariableDeclarator' && node.id.type === 'Identifier' && node.id.name === name) declared.push(node.init ?? node);
      if (node.type === 'FunctionDeclaration' || node.type === 'FunctionExpression' || node.type === 'ArrowFunctionExpression') continue;
      pushChildNodes(node, stack);
    }
    if (declared.length !== 1) return undefined;
    const made = declared[0];
    // `new Headers({ … })` too: its entries are read as the response's record, the later `h.set(…)` calls on top.
    return made.type === 'NewExpression' && made.callee.type === 'Identifier' && made.callee.name === 'Headers' && (made.arguments.length === 0 || headersInit(made)) ? name : undefined;
  }

  /**
   * The branch of a conditional value (written in place, or in a `const` of the handler's body) that
   * this request takes; undefined when its test cannot be decided.
   */
  private chosenBranch(node: Node, request: CorsRequest): Node | undefined {
    let current = node;
    for (let depth = 0; depth < 8; depth++) {
      if (current.type === 'Identifier' && !this.originNames.has(current.name)) {
        const init = this.localConditional(current.name);
        if (init) current = init;
      }
      if (current.type !== 'ConditionalExpression') return current;
      const outcome = this.condition(current.test, request);
      if (outcome === 'unknown') return undefined;
      current = outcome ? current.consequent : current.alternate;
    }
    return undefined;
  }

  private localConditional(name: string): ConditionalNode | undefined {
    return localConditional(this.body, name);
  }

  private condition(test: Node, request: CorsRequest): boolean | 'unknown' {
    const own = this.ownCondition(test, request);
    if (own !== 'unknown') return own;
    // Origin tests as people write them (endsWith, some(), new URL(origin).hostname…), decided for this origin.
    return decide(compileCondition(test, originScope(this.originNames, this.parsed)), request.origin);
  }

  /**
   * A test on the path the request asks for (`request.nextUrl.pathname.startsWith('/api')`, `url.pathname === '/'`,
   * `publicRoutes.includes(url.pathname)`) is one the requester answers by the URL it picks, as for Hono's origin
   * functions: a cross-site page requests the paths where the CORS headers go out. The `if` is decided for the
   * branch that writes CORS headers (or, when neither does, the one that does not answer before the writes that
   * follow), when one value of its single path test gives that branch whatever else the test reads.
   */
  private pathChosen(statement: Extract<Statement, { type: 'IfStatement' }>, request: CorsRequest): boolean | 'unknown' {
    const atoms: Node[] = [];
    collectPathAtoms(statement.test, (node) => isRequestPath(node, (name) => this.pathBinding(name)), atoms);
    if (atoms.length !== 1) return 'unknown';
    const writesYes = this.containsWrite(statement.consequent);
    const writesNo = statement.alternate ? this.containsWrite(statement.alternate) : false;
    let wanted: boolean | undefined;
    if (writesYes !== writesNo) wanted = writesYes;
    else if (!writesYes) {
      const exitsYes = exitsBlock(statement.consequent);
      const exitsNo = statement.alternate ? exitsBlock(statement.alternate) : false;
      if (exitsYes !== exitsNo) wanted = !exitsYes;
    }
    if (wanted === undefined) return 'unknown';
    for (const value of [true, false]) {
      this.pathAtom = { node: atoms[0], value };
      try {
        if (this.condition(statement.test, request) === wanted) return wanted;
      } finally {
        this.pathAtom = undefined;
      }
    }
    return 'unknown';
  }

  private pathAtom: { node: Node; value: boolean } | undefined;

  /**
   * What a name of this handler holds, for path reads: a single declaration of the file, or a name destructured
   * at the top of the handler (`const { pathname } = request.nextUrl` holds `request.nextUrl.pathname`).
   */
  private pathBinding(name: string): Node | undefined {
    for (const statement of this.body) {
      if (statement.type !== 'VariableDeclaration') continue;
      for (const declarator of statement.declarations) {
        if (declarator.id.type !== 'ObjectPattern' || !declarator.init) continue;
        for (const property of declarator.id.properties) {
          if (property.type === 'ObjectProperty' && !property.computed && property.key.type === 'Identifier' && property.value.type === 'Identifier' && property.value.name === name) {
            return { type: 'MemberExpression', object: declarator.init, property: property.key, computed: false } as Node;
          }
        }
      }
    }
    return this.parsed.bindings.values.get(name);
  }

  private ownCondition(test: Node, request: CorsRequest): boolean | 'unknown' {
    if (this.pathAtom?.node === test) return this.pathAtom.value;
    switch (test.type) {
      case 'UnaryExpression':
        if (test.operator !== '!') return 'unknown';
        return negate(this.condition(test.argument, request));
      case 'LogicalExpression': {
        const left = this.condition(test.left, request);
        const right = this.condition(test.right, request);
        if (test.operator === '&&') return left === false || right === false ? false : left === true && right === true ? true : 'unknown';
        if (test.operator === '||') return left === true || right === true ? true : left === false && right === false ? false : 'unknown';
        return 'unknown';
      }
      case 'BinaryExpression': {
        const equality = ['===', '==', '!==', '!='].includes(test.operator);
        if (equality) {
          const positive = test.operator === '===' || test.operator === '==';
          const sides = [test.left, test.right] as Node[];
          const literal = sides.map((side) => evaluate(side, this.parsed.bindings)).find((value) => value.kind === 'string');
          const other = sides.find((side) => side !== literal?.node);
          if (literal?.kind === 'string' && other) {
            const asRead = other.type === 'Identifier' && this.originNames.has(`${METHOD_MARK}${other.name}`) ? (method: string) => method : methodAsRead(other);
            if (asRead) {
              this.methodDecided = true;
              return (asRead(request.preflight ? 'OPTIONS' : request.method) === literal.value) === positive;
            }
            if (isRequestOrigin(other, this.originNames)) return (request.origin === literal.value) === positive;
          }
        }
        // list.indexOf(origin) !== -1, > -1, >= 0 (`includes(origin) !== -1` is a boolean against a number: origin-tests decides it)
        if (test.left.type === 'CallExpression' && test.left.callee.type === 'MemberExpression' && test.left.callee.property.type === 'Identifier' && test.left.callee.property.name === 'indexOf') {
          const found = this.listContains(test.left, request);
          const right = evaluate(test.right as Node, this.parsed.bindings);
          const rightNumber = right.kind === 'number' ? right.value : test.right.type === 'UnaryExpression' && test.right.operator === '-' && test.right.argument.type === 'NumericLiteral' ? -test.right.argument.value : undefined;
          if (found === 'unknown' || rightNumber === undefined) return 'unknown';
          if ((test.operator === '!==' || test.operator === '!=' || test.operator === '>') && rightNumber === -1) return found;
          if (test.operator === '>=' && rightNumber === 0) return found;
          if ((test.operator === '===' || test.operator === '==') && rightNumber === -1) return !found;
        }
        return 'unknown';
      }
      case 'CallExpression':
        return this.listContains(test, request);
      default:
        if (isRequestOrigin(test, this.originNames)) return Boolean(request.origin);
        if (test.type === 'Identifier') {
          // `const isPreflight = request.method === 'OPTIONS'; if (isPreflight) …` (Next.js's own CORS example):
          // a test named once at the top of the body is that test.
          const init = this.constTest(test.name);
          if (init) {
            this.naming.add(test.name);
            try {
              return this.condition(init, request);
            } finally {
              this.naming.delete(test.name);
            }
          }
        }
        return 'unknown';
    }
  }

  /** Names whose test is being read (a `const a = a …` cannot loop). */
  private readonly naming = new Set<string>();

  /** The initialiser of `const name = …` declared once at the top level of this body and never assigned. */
  private constTest(name: string): Node | undefined {
    if (this.naming.has(name)) return undefined;
    let found: Node | undefined;
    for (const statement of this.body) {
      if (statement.type !== 'VariableDeclaration') continue;
      for (const declarator of statement.declarations) {
        if (declarator.id.type !== 'Identifier' || declarator.id.name !== name) continue;
        if (statement.kind !== 'const' || found || !declarator.init) return undefined;
        found = declarator.init;
      }
    }
    return found;
  }

  /** `allowed.includes(origin)` / `allowed.indexOf(origin)` against a list written in this file. */
  private listContains(call: CallExpression, request: CorsRequest): boolean | 'unknown' {
    if (call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier') return 'unknown';
    if (!['includes', 'indexOf'].includes(call.callee.property.name)) return 'unknown';
    const arg = call.arguments[0] as Node | undefined;
    if (!arg || !isRequestOrigin(arg, this.originNames)) return 'unknown';
    const list = stringList(evaluate(call.callee.object as Node, this.parsed.bindings));
    if (!list) return 'unknown';
    return request.origin !== undefined && list.includes(request.origin);
  }

  private holdsEveryWrite(node: Node): boolean {
    for (const call of this.writes.keys()) if (call.start! < node.start! || call.end! > node.end!) return false;
    return this.writes.size > 0;
  }

  /**
   * A branch that ends in a failure and writes no header of this policy: a `throw`, or a proxy response
   * with a literal 4xx/5xx `statusCode`, after nothing but declarations and logging.
   */
  private failsOnly(statement: Statement): boolean {
    if (this.containsWrite(statement)) return false;
    if (statement.type === 'ThrowStatement') return true;
    if (statement.type === 'ReturnStatement') {
      const record = statement.argument?.type === 'ObjectExpression' ? statement.argument : undefined;
      const status = record?.properties.find((property) => property.type === 'ObjectProperty' && !property.computed && propertyKey(property.key) === 'statusCode');
      return status?.type === 'ObjectProperty' && status.value.type === 'NumericLiteral' && status.value.value >= 400 && status.value.value <= 599;
    }
    if (statement.type !== 'BlockStatement' || statement.body.length === 0) return false;
    const before = statement.body.slice(0, -1);
    return before.every((inner) => inner.type === 'VariableDeclaration' || (inner.type === 'ExpressionStatement' && onlyLogs(inner.expression))) && this.failsOnly(statement.body[statement.body.length - 1]);
  }

  /** Whether the Origin may play a part in `test`: it names the Origin, or a local whose value may (followed four deep). */
  private readsOrigin(test: Node, depth = 0): boolean {
    if (depth > 4 || /origin/i.test(this.parsed.text.slice(test.start!, test.end!))) return true;
    let reads = false;
    visit(test, (node) => {
      if (reads || node.type !== 'Identifier') return;
      if (this.originNames.has(node.name) || isRequestOrigin(node, this.originNames)) reads = true;
      else for (const init of localInits(this.body, node.name)) if (this.readsOrigin(init, depth + 1)) reads = true;
    });
    return reads;
  }

  private containsWrite(node: Node): boolean {
    for (const call of this.writes.keys()) {
      if (call.start! >= node.start! && call.end! <= node.end!) return true;
    }
    return false;
  }
}

/** The request's path as code reads it: `request.nextUrl.pathname`, `new URL(req.url).pathname`, `url.pathname` of such a URL, `req.path`, `ctx.path`. */
function isRequestPath(node: Node, bound: (name: string) => Node | undefined, depth = 0): boolean {
  if (node.type === 'TSNonNullExpression' || node.type === 'TSAsExpression') return isRequestPath(node.expression, bound, depth);
  if (node.type === 'Identifier') {
    // `const pathname = request.nextUrl.pathname` (or destructured, see the program's pathNames).
    const init = depth === 0 ? bound(node.name) : undefined;
    return !!init && isRequestPath(init, bound, depth + 1);
  }
  if (node.type !== 'MemberExpression' || node.computed || node.property.type !== 'Identifier') return false;
  const property = node.property.name;
  let object: Node = node.object;
  if (object.type === 'Identifier' && property === 'pathname' && depth === 0) object = bound(object.name) ?? object;
  if (property === 'pathname') {
    if (object.type === 'MemberExpression' && !object.computed && object.property.type === 'Identifier' && object.property.name === 'nextUrl') return true;
    if (object.type === 'NewExpression' && object.callee.type === 'Identifier' && object.callee.name === 'URL') return isRequestUrl(object.arguments[0] as Node | undefined);
    return false;
  }
  return (property === 'path' || property === 'originalUrl') && object.type === 'Identifier' && /^(req|request|ctx)$/.test(object.name);
}

/** `req.url` / `request.url`: the URL a `new URL(…)` is built from to read its path. */
function isRequestUrl(node: Node | undefined): boolean {
  return node?.type === 'MemberExpression' && !node.computed && node.property.type === 'Identifier' && node.property.name === 'url' && node.object.type === 'Identifier' && /^(req|request)$/.test(node.object.name);
}

/** The tests on the request's path inside a condition (`path === '/x'`, `path.startsWith('/api')`, `/re/.test(path)`, `list.includes(path)`). */
function collectPathAtoms(test: Node, path: (node: Node) => boolean, out: Node[]): void {
  if (test.type === 'UnaryExpression' && test.operator === '!') return collectPathAtoms(test.argument, path, out);
  if (test.type === 'LogicalExpression') {
    collectPathAtoms(test.left, path, out);
    collectPathAtoms(test.right, path, out);
    return;
  }
  const constant = (node: Node) => node.type === 'StringLiteral' || node.type === 'RegExpLiteral';
  if (test.type === 'BinaryExpression' && ['===', '==', '!==', '!='].includes(test.operator)) {
    if ((path(test.left as Node) && constant(test.right)) || (path(test.right) && constant(test.left as Node))) out.push(test);
    return;
  }
  if (test.type === 'CallExpression' && test.callee.type === 'MemberExpression' && test.callee.property.type === 'Identifier' && !test.callee.computed) {
    const args = test.arguments as Node[];
    const method = test.callee.property.name;
    if (['startsWith', 'endsWith', 'includes', 'match'].includes(method) && path(test.callee.object) && args.length === 1 && constant(args[0])) out.push(test);
    else if (method === 'test' && test.callee.object.type === 'RegExpLiteral' && args.length === 1 && path(args[0])) out.push(test);
    else if ((method === 'includes' || method === 'some') && args.length === 1 && path(args[0]) && test.callee.object.type !== 'MemberExpression') out.push(test);
  }
}

/** Does this statement always answer or leave (return/throw as its last word)? */
function exitsBlock(statement: Statement): boolean {
  if (statement.type === 'ReturnStatement' || statement.type === 'ThrowStatement') return true;
  return statement.type === 'BlockStatement' && statement.body.length > 0 && exitsBlock(statement.body[statement.body.length - 1]);
}

/** The `if` statement a short-circuit or conditional expression statement stands for; positions are the expression's own. */
function expressionBranch(node: Node): { test: Node; statement: Statement } | undefined {
  const at = (inner: Node) => ({ start: inner.start, end: inner.end, loc: inner.loc });
  const wrap = (inner: Node | null): Statement | null => (inner && inner.type !== 'NullLiteral' && !(inner.type === 'Identifier' && inner.name === 'undefined') ? ({ type: 'ExpressionStatement', expression: inner, ...at(inner) } as Statement) : null);
  let test: Node;
  let consequent: Statement | null;
  let alternate: Statement | null = null;
  if (node.type === 'LogicalExpression' && (node.operator === '&&' || node.operator === '||')) {
    test = node.operator === '&&' ? node.left : ({ type: 'UnaryExpression', operator: '!', prefix: true, argument: node.left, ...at(node.left) } as Node);
    consequent = wrap(node.right);
  } else if (node.type === 'ConditionalExpression') {
    test = node.test;
    consequent = wrap(node.consequent);
    alternate = wrap(node.alternate);
  } else return undefined;
  const statement = { type: 'IfStatement', test, consequent: consequent ?? ({ type: 'EmptyStatement', ...at(node) } as Statement), alternate, ...at(node) } as Statement;
  return { test: node.type === 'LogicalExpression' ? node.left : test, statement };
}

/** Names through which a request usually reaches code, whatever the handler calls its parameters. */
const REQUEST_WORDS = new Set(['req', 'request', 'res', 'response', 'ctx', 'context', 'c', 'event', 'origin', 'headers', 'reply', 'method']);

/** Every name a function binds itself: its parameters and the variables and functions declared in it. */
/**
 * The handler-wrapper idiom (Vercel's `allowCors`, `withCors(handler)`): `const allowCors = (fn) => async (req, res) => { res.setHeader(…); …; return await fn(req, res) }`.
 * A call of a parameter of an enclosing function with this function's own request and response
 * hands the request to the wrapped handler, which answers after the headers written here, as
 * Express's `next()` does.
 */
function wrappedHandlerCall(owner: Node, parsed: ParsedJs): ((call: Node) => boolean) | undefined {
  if (!('params' in owner) || !Array.isArray(owner.params) || owner.params.length < 2 || !owner.params.every((param) => (param as Node).type === 'Identifier')) return undefined;
  const own = (owner.params as Node[]).map((param) => (param as { name: string }).name);
  const wrapped = new Set<string>();
  for (let parent = parsed.parents.get(owner); parent; parent = parsed.parents.get(parent)) {
    if (!FUNCTION_TYPES.has(parent.type) || !('params' in parent) || !Array.isArray(parent.params)) continue;
    for (const param of parent.params as Node[]) if (param.type === 'Identifier' && !own.includes(param.name)) wrapped.add(param.name);
  }
  if (wrapped.size === 0) return undefined;
  return (call) =>
    call.type === 'CallExpression' &&
    call.callee.type === 'Identifier' &&
    wrapped.has(call.callee.name) &&
    call.arguments.length === own.length &&
    call.arguments.every((arg, index) => arg.type === 'Identifier' && arg.name === own[index]);
}

function boundNames(owner: Node): Set<string> {
  const names = new Set<string>();
  const bindAll = (pattern: Node | null | undefined) => visit(pattern, (node) => (node.type === 'Identifier' ? names.add(node.name) : undefined));
  if ('params' in owner && Array.isArray(owner.params)) for (const param of owner.params) bindAll(param as Node);
  visit('body' in owner ? (owner.body as Node) : undefined, (node) => {
    if (node.type === 'VariableDeclarator') bindAll(node.id);
    else if ((node.type === 'FunctionDeclaration' || node.type === 'ClassDeclaration') && node.id) names.add(node.id.name);
    else if (node.type === 'CatchClause') bindAll(node.param);
  });
  return names;
}

/** Calls `fn` on `node` and every node under it. A plain key walk: these are small subtrees, and it keeps @babel/types' runtime out of the load. */
function visit(node: Node | null | undefined, fn: (node: Node) => void): void {
  if (!node || typeof node.type !== 'string') return;
  fn(node);
  for (const key of Object.keys(node)) {
    if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments' || key === 'extra') continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) for (const item of value) visit(item as Node, fn);
    else if (value && typeof value === 'object') visit(value as Node, fn);
  }
}

const CONFIGURATION_NODES = new Set(['Identifier', 'MemberExpression', 'OptionalMemberExpression', 'LogicalExpression', 'BinaryExpression', 'UnaryExpression', 'StringLiteral', 'NumericLiteral', 'BooleanLiteral', 'NullLiteral', 'ParenthesizedExpression']);

/**
 * A test that reads only configuration (`config.cors`, `process.env.CORS === 'on'`, `!DISABLE_CORS`):
 * no call, and no name the handler binds or a request usually goes by.
 */
function readsOnlyConfiguration(test: Node, bound: Set<string>): boolean {
  let only = true;
  visit(test, (node) => {
    if (!CONFIGURATION_NODES.has(node.type)) only = false;
    else if ((node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && node.computed) only = false;
  });
  if (!only) return false;
  // The names read: each member chain's root (a property name is not a variable).
  const roots: string[] = [];
  const rootsOf = (node: Node): void => {
    if (node.type === 'Identifier') roots.push(node.name);
    else if (node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') rootsOf(node.object);
    else if (node.type === 'LogicalExpression' || node.type === 'BinaryExpression') {
      rootsOf(node.left as Node);
      rootsOf(node.right);
    } else if (node.type === 'UnaryExpression') rootsOf(node.argument);
    else if (node.type === 'ParenthesizedExpression') rootsOf(node.expression);
  };
  rootsOf(test);
  return roots.length > 0 && roots.every((name) => !bound.has(name) && !REQUEST_WORDS.has(name));
}

/** `console.log(…)`, `logger.debug(…)`: a call on a logger whose arguments run no code of their own. */
function onlyLogs(expression: Node): boolean {
  if (expression.type !== 'CallExpression' || expression.callee.type !== 'MemberExpression' || expression.callee.object.type !== 'Identifier') return false;
  if (!/^(console|logger|log)$/.test(expression.callee.object.name)) return false;
  let runsCode = false;
  for (const arg of expression.arguments) visit(arg as Node, (node) => {
    if (node.type === 'CallExpression' || node.type === 'AssignmentExpression' || FUNCTION_TYPES.has(node.type)) runsCode = true;
  });
  return !runsCode;
}

function negate(value: boolean | 'unknown'): boolean | 'unknown' {
  return value === 'unknown' ? value : !value;
}

/** The status a call's first argument names (`res.status(204)`, `res.writeHead(200, …)`); undefined when it is not a known number. */
function firstArgumentStatus(call: CallExpression, parsed: ParsedJs): number | undefined {
  const status = evaluate(call.arguments[0] as Node, parsed.bindings);
  return status.kind === 'number' ? status.value : undefined;
}

/** Whether `call` ends the answer (endingStatus); if so, the run's status becomes its status ('keep': the one set so far, else 200). */
function endsAnswer(call: CallExpression, parsed: ParsedJs, state: RunState): boolean {
  const ending = endingStatus(call, parsed);
  if (ending === undefined) return false;
  state.status = ending === 'keep' ? (state.status ?? 200) : ending;
  state.ended = true;
  return true;
}

/** `res.sendStatus(204)`, `res.status(204).end()`, `res.end()`, `res.send(…)`, `res.json(…)`, `reply.code(204).send()`, `c.body(null, 204)`. */
function endingStatus(call: CallExpression, parsed: ParsedJs): number | 'keep' | undefined {
  if (call.callee.type !== 'MemberExpression' || call.callee.property.type !== 'Identifier') return undefined;
  const method = call.callee.property.name;
  // `NextResponse.json(…)`, `Response.json(…)`: a new Fetch API Response, not the one the headers were written to.
  if (call.callee.object.type === 'Identifier' && (call.callee.object.name === 'NextResponse' || call.callee.object.name === 'Response')) return undefined;
  const number = (node: Node | undefined) => {
    const value = node ? evaluate(node, parsed.bindings) : undefined;
    return value?.kind === 'number' ? value.value : undefined;
  };
  if (method === 'sendStatus') return number(call.arguments[0] as Node) ?? 'keep';
  if (['end', 'send', 'json', 'text', 'body'].includes(method)) {
    const inner = call.callee.object;
    if (inner.type === 'CallExpression' && inner.callee.type === 'MemberExpression' && inner.callee.property.type === 'Identifier' && ['status', 'code'].includes(inner.callee.property.name)) {
      return number(inner.arguments[0] as Node) ?? 'keep';
    }
    if (method === 'body' || method === 'text') return number(call.arguments[1] as Node) ?? 'keep';
    return 'keep';
  }
  return undefined;
}

/** The function (or program) each hand-set policy was read from, for the pass that places it among cors() layers. */
export const handSetOwners = new WeakMap<CorsPolicy, Node>();

function buildPolicy(owner: Node, writes: HeaderWrite[], parsed: ParsedJs, originParams: Set<string> = new Set(), gate?: Cond): CorsPolicy {
  const policy = buildPolicyOnce(owner, writes, parsed, originParams, gate);
  handSetOwners.set(policy, owner);
  return policy;
}

function buildPolicyOnce(owner: Node, writes: HeaderWrite[], parsed: ParsedJs, originParams: Set<string>, callGate?: Cond): CorsPolicy {
  const file = parsed.file;
  const byCall = new Map<Node, HeaderWrite[]>();
  for (const write of writes) byCall.set(write.call, [...(byCall.get(write.call) ?? []), write]);
  const body: Statement[] =
    owner.type === 'Program'
      ? owner.body
      : 'body' in owner && owner.body && (owner.body as Node).type === 'BlockStatement'
        ? (owner.body as { body: Statement[] }).body
        : owner.type === 'ArrowFunctionExpression' && owner.body.type !== 'BlockStatement'
          ? // `(body) => ({ statusCode: 200, headers, body })`: the expression is what the function returns.
            [{ type: 'ReturnStatement', argument: owner.body, start: owner.body.start, end: owner.body.end, loc: owner.body.loc } as Statement]
          : [];
  const { originNames, requestNames, tainted } = requestNamesOf(owner, body, originParams);
  // An Express body parsed only from JSON is not the choice of a page's unpreflighted request (body-parsers.ts).
  const bodyIsJsonOnly = expressBodyIsJsonOnly(parsed);
  const attackerInput = (node: Node) => {
    if (isRequestOrigin(node, originNames)) return undefined;
    const input = requestInput(node, tainted, requestNames);
    return input === 'the request body' && bodyIsJsonOnly ? undefined : input;
  };
  // The call sites' tests bound a helper that echoes the Origin: elsewhere they would only narrow what it sends.
  const gate = callGate && writes.some((write) => write.name.toLowerCase() === 'access-control-allow-origin' && isRequestOrigin(write.valueNode, originNames)) ? callGate : undefined;
  const program = new HandSetProgram(body, byCall, originNames, parsed, attackerInput, owner.type === 'Program' ? undefined : boundNames(owner), exportedRouteMethod(owner, parsed), wrappedHandlerCall(owner, parsed), gate);
  // A header record shared by several proxy responses is one setting, not one per response.
  const distinct = writes.filter((write, index) => writes.findIndex((other) => other.valueNode === write.valueNode && other.name === write.name) === index);
  const emitted: EmittedHeader[] = distinct.map((write) => {
    const value = evaluate(write.valueNode, parsed.bindings);
    return {
      name: write.name,
      // Node, Express and fetch's Headers all send a number or a boolean as its text (`86400`, `true`).
      value: value.kind === 'string' ? value.value : value.kind === 'number' || value.kind === 'boolean' ? String(value.value) : null,
      rawValue: parsed.text.slice(write.valueNode.start!, write.valueNode.end!),
      loc: locOf(write.call, file),
      valueLoc: locOf(write.valueNode, file),
      allStatuses: true,
      mode: 'set',
    };
  });
  const named = (name: string) => distinct.filter((write) => write.name.toLowerCase() === name.toLowerCase());
  const literalMatcher = (node: Node): OriginMatcher => {
    const loc = locOf(node, file);
    if (node.type === 'NullLiteral') return { kind: 'exact', value: 'null', loc };
    const value = evaluateInBody(node, body, parsed);
    if (value.kind === 'string') return value.value.trim() === '*' ? { kind: 'any', loc, ...(value.why ? { why: value.why } : {}) } : { kind: 'exact', value: value.value, loc };
    return { kind: 'unknown', reason: value.kind === 'unknown' ? value.reason : 'computed', loc };
  };
  const origins: OriginMatcher[] = named('Access-Control-Allow-Origin').flatMap((write): OriginMatcher | OriginMatcher[] => {
    const loc = locOf(write.valueNode, file);
    // `allowed.includes(origin) ? origin : '*'`: the origin branch admits what its test admits, the other sends its literal.
    const conditional = write.valueNode.type === 'ConditionalExpression' ? write.valueNode : write.valueNode.type === 'Identifier' && !originNames.has(write.valueNode.name) ? localConditional(body, write.valueNode.name) : undefined;
    if (conditional) {
      const test = compileCondition(conditional.test, originScope(originNames, parsed, body));
      return ([[conditional.consequent, test], [conditional.alternate, not(test)]] as const).flatMap(([branch, when]): OriginMatcher[] => {
        if (!isRequestOrigin(branch, originNames)) return [literalMatcher(branch)];
        return conditionMatchers(when, locOf(branch, file)) ?? [{ kind: 'predicate', checks: [], loc: locOf(branch, file) }];
      });
    }
    // A value the caller picks (`?allow=`, a body field, a cookie) grants whatever origin they name, as echoing Origin does.
    const input = attackerInput(write.valueNode);
    if (isRequestOrigin(write.valueNode, originNames) || input) {
      // The conditions on the way to the write (enclosing ifs, early returns), read as origin tests.
      const inside = input ? undefined : pathCondition(write.call, owner, originScope(originNames, parsed, body), parsed, body);
      const path = gate && !input ? (inside ? and(gate, inside) : gate) : inside;
      const matchers = path ? conditionMatchers(path, loc) : undefined;
      if (matchers) return matchers;
      if (!guarded(write.call, parsed) && !path) return { kind: 'reflect', loc };
      return (input ? undefined : guardAllowlist(write.call, originNames, parsed)) ?? { kind: 'predicate', checks: [], loc };
    }
    // Node, Express, Koa and Hono all send `null` as the text 'null'.
    return literalMatcher(write.valueNode);
  });
  const credentialWrite = named('Access-Control-Allow-Credentials')[0];
  const credentialValue = credentialWrite ? evaluate(credentialWrite.valueNode, parsed.bindings) : undefined;
  const credentials = credentialWrite
    ? { value: (credentialValue?.kind === 'string' ? credentialValue.value === 'true' : credentialValue?.kind === 'boolean' ? credentialValue.value : 'unknown') as Tri, loc: locOf(credentialWrite.valueNode, file) }
    : undefined;
  const list = (name: string): ListSetting => {
    const write = named(name)[0];
    if (!write) return { kind: 'default' };
    const loc = locOf(write.valueNode, file);
    const items = stringList(evaluate(write.valueNode, parsed.bindings));
    if (!items) return { kind: 'unknown', loc };
    return items.length === 1 && items[0] === '*' ? { kind: 'wildcard', loc } : { kind: 'list', items, loc };
  };
  const varyWrite = named('Vary').find((write) => {
    const value = evaluate(write.valueNode, parsed.bindings);
    return value.kind !== 'string' || /\borigin\b/i.test(value.value);
  });
  const ownerLoc = locOf(owner.type === 'Program' ? writes[0].call : owner, file);
  const sourceLoc = owner.type === 'Program' ? ownerLoc : { ...ownerLoc, endLine: ownerLoc.line, endColumn: ownerLoc.line === ownerLoc.endLine ? ownerLoc.endColumn : lineEnd(parsed.text, ownerLoc.line) };
  const fnName = functionName(owner, parsed);
  const fixed = origins.length === 1 && origins[0].kind === 'exact';
  return {
    id: `${file}#handler@${sourceLoc.line}:${sourceLoc.column}`,
    source: { file, format: /\.(c|m)?tsx?$/.test(file) ? 'ts' : 'js', framework: handSetHeadersProfile.id, loc: sourceLoc },
    scope: { kind: 'handler', label: fnName ? `function ${fnName}` : `handler at line ${sourceLoc.line}` },
    origins,
    originMode: fixed ? 'fixed' : 'compare',
    credentials,
    allowMethods: list('Access-Control-Allow-Methods'),
    allowHeaders: list('Access-Control-Allow-Headers'),
    exposeHeaders: list('Access-Control-Expose-Headers'),
    maxAge: undefined,
    preflight: { kind: 'unknown' },
    vary: varyWrite ? { origin: true, loc: locOf(varyWrite.valueNode, file) } : { origin: false },
    errorResponses: true,
    emitted,
    profile: handSetHeadersProfile,
    headerProgram: program,
  };
}

/**
 * The names a handler's code reaches the request through: locals and parameters holding its Origin
 * (`const origin = req.headers.origin`, `const { origin } = req.headers`), its method, the request
 * itself, and values the client chose (`const requested = req.query.allow`), with what they are.
 */
function requestNamesOf(owner: Node, body: Statement[], originParams: Set<string> = new Set()): { originNames: Set<string>; requestNames: Set<string>; tainted: Map<string, string> } {
  const originNames = new Set<string>(originParams);
  const requestNames = new Set<string>();
  const firstParam = 'params' in owner && Array.isArray(owner.params) ? (owner.params[0] as Node | undefined) : undefined;
  if (firstParam?.type === 'Identifier') requestNames.add(firstParam.name);
  const tainted = new Map<string, string>();
  if (firstParam?.type === 'ObjectPattern') destructureRequest(firstParam, 'request', originNames, requestNames);
  for (const statement of body) {
    if (statement.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations) {
      if (declarator.id.type === 'ObjectPattern' && declarator.init) {
        const source = requestObjectKind(declarator.init, originNames, requestNames);
        if (source) destructureRequest(declarator.id, source, originNames, requestNames);
        // `const { origin } = req.query`, `const { site } = await c.req.json()`: each name holds a value the client chose.
        else {
          const input = inputObjectOf(declarator.init, tainted, requestNames);
          if (input) for (const name of patternNames(declarator.id)) tainted.set(name, input);
        }
        continue;
      }
      if (declarator.id.type !== 'Identifier' || !declarator.init) continue;
      const object = inputObjectOf(declarator.init, tainted, requestNames);
      if (object) tainted.set(`${INPUT_OBJECT_MARK}${declarator.id.name}`, object);
      else if (isRequestOrigin(declarator.init, originNames)) originNames.add(declarator.id.name);
      else if (isRequestMethod(declarator.init)) originNames.add(`${METHOD_MARK}${declarator.id.name}`);
      else {
        const input = requestInput(declarator.init, tainted, requestNames);
        if (input) tainted.set(declarator.id.name, input);
      }
    }
  }
  return { originNames, requestNames, tainted };
}

/** A whole client-chosen object (`req.query`, `await c.req.json()`) or a local already bound to one. */
function inputObjectOf(node: Node, tainted: Map<string, string>, requestNames: Set<string>): string | undefined {
  if (node.type === 'Identifier') return tainted.get(`${INPUT_OBJECT_MARK}${node.name}`);
  return requestInputObject(node, requestNames);
}

/** The names a destructuring pattern binds at its top level (`{ origin, site: s = '' }` -> origin, s). */
function patternNames(pattern: Extract<Node, { type: 'ObjectPattern' }>): string[] {
  return pattern.properties.flatMap((property) => {
    if (property.type === 'RestElement') return [];
    const target = property.value.type === 'AssignmentPattern' ? property.value.left : property.value;
    return target.type === 'Identifier' ? [target.name] : [];
  });
}

/** Is `node` the request (`req`, Koa's `ctx.req` / `ctx.request`) or its header object (`req.headers`, `ctx.request.header`, a `headers` taken from the request)? */
function requestObjectKind(node: Node, originNames: Set<string>, requestNames: Set<string>): 'request' | 'headers' | undefined {
  if (node.type === 'Identifier') return requestNames.has(node.name) ? 'request' : originNames.has(`${HEADERS_MARK}${node.name}`) ? 'headers' : undefined;
  if (node.type !== 'MemberExpression' || node.computed || node.property.type !== 'Identifier') return undefined;
  if (/^headers?$/.test(node.property.name)) return 'headers';
  return node.property.name === 'req' || node.property.name === 'request' ? 'request' : undefined;
}

/** `const { origin } = req.headers`, `const { headers } = req`, `const { headers: { origin: o } } = ctx.request`, `({ headers }, res) => …`. */
function destructureRequest(pattern: Extract<Node, { type: 'ObjectPattern' }>, kind: 'request' | 'headers', originNames: Set<string>, requestNames: Set<string>): void {
  for (const property of pattern.properties) {
    if (property.type !== 'ObjectProperty' || property.computed) continue;
    const key = propertyKey(property.key);
    const target = property.value.type === 'AssignmentPattern' ? property.value.left : property.value;
    if (kind === 'headers' && key?.toLowerCase() === 'origin' && target.type === 'Identifier') originNames.add(target.name);
    if (kind === 'request' && (key === 'headers' || key === 'header')) {
      if (target.type === 'Identifier') originNames.add(`${HEADERS_MARK}${target.name}`);
      else if (target.type === 'ObjectPattern') destructureRequest(target, 'headers', originNames, requestNames);
    }
    if (kind === 'request' && (key === 'req' || key === 'request') && target.type === 'ObjectPattern') destructureRequest(target, 'request', originNames, requestNames);
    if (kind === 'request' && key === 'method' && target.type === 'Identifier') originNames.add(`${METHOD_MARK}${target.name}`);
  }
}

function originScope(originNames: Set<string>, parsed: ParsedJs, body?: Statement[]): OriginScope {
  const scope: OriginScope = { isOrigin: (node) => isRequestOrigin(node, originNames), bindings: parsed.bindings, file: parsed.file, text: parsed.text };
  return body ? { ...scope, locals: namedTests(body, scope) } : scope;
}

/**
 * `const isAllowedOrigin = allowedOrigins.includes(origin)` at the top of a handler (Next.js's own
 * CORS middleware example): the name stands for its test where an `if` reads it. Only tests (a
 * comparison, `!`, `&&` / `||`, a call such as includes / some / test), each declared once with
 * `const`: a value like `const origin = req.headers.origin ?? ''` stays a value.
 */
function namedTests(body: Statement[], scope: OriginScope): Map<string, Cond> {
  const locals = new Map<string, Cond>();
  const seen = new Set<string>();
  for (const statement of body) {
    if (statement.type !== 'VariableDeclaration') continue;
    for (const declarator of statement.declarations) {
      if (declarator.id.type !== 'Identifier') continue;
      const name = declarator.id.name;
      const init = declarator.init;
      const isTest =
        statement.kind === 'const' &&
        !!init &&
        ((init.type === 'BinaryExpression' && ['===', '==', '!==', '!=', '>', '>=', '<', '<='].includes(init.operator)) ||
          (init.type === 'UnaryExpression' && init.operator === '!') ||
          (init.type === 'LogicalExpression' && init.operator !== '??') ||
          (init.type === 'CallExpression' && init.callee.type === 'MemberExpression' && init.callee.property.type === 'Identifier' && ['includes', 'some', 'test', 'startsWith', 'endsWith', 'has'].includes(init.callee.property.name)));
      if (seen.has(name)) locals.delete(name);
      else if (isTest) locals.set(name, compileCondition(init!, { ...scope, locals }));
      seen.add(name);
    }
  }
  return locals;
}

const exits = (node: Node): boolean =>
  node.type === 'ReturnStatement' || node.type === 'ThrowStatement' || (node.type === 'BlockStatement' && node.body.length > 0 && exits(node.body[node.body.length - 1]));

/**
 * What must hold for `node` to run, from the top of `owner`: the tests of enclosing `if`s and
 * `?:` / `&&`, and the negation of every earlier `if (…) return` in the blocks on the way.
 * Undefined when nothing guards it.
 */
function pathCondition(node: Node, owner: Node, scope: OriginScope, parsed: ParsedJs, body: Statement[] = []): Cond | undefined {
  const parts: Cond[] = [];
  let child = node;
  for (let parent = parsed.parents.get(node); parent; parent = parsed.parents.get(child)) {
    if (parent === owner) break;
    if (parent.type === 'IfStatement' && child !== parent.test) {
      // A test of the request's method picks which requests run the write, not which origins it admits.
      if (readsMethodOnly(parent.test, body)) {
        child = parent;
        continue;
      }
      const test = compileCondition(parent.test, scope);
      parts.push(child === parent.consequent ? test : not(test));
    } else if (parent.type === 'ConditionalExpression' && child !== parent.test) {
      const test = compileCondition(parent.test, scope);
      parts.push(child === parent.consequent ? test : not(test));
    } else if (parent.type === 'LogicalExpression' && child === parent.right && parent.operator !== '??') {
      const test = compileCondition(parent.left, scope);
      parts.push(parent.operator === '&&' ? test : not(test));
    } else if (parent.type === 'BlockStatement' || parent.type === 'Program') {
      for (const sibling of parent.body) {
        if (sibling === child) break;
        if (sibling.type === 'IfStatement' && !sibling.alternate && exits(sibling.consequent) && !readsMethodOnly(sibling.test, body)) parts.push(not(compileCondition(sibling.test, scope)));
      }
    }
    if (FUNCTION_TYPES.has(parent.type)) break;
    child = parent;
  }
  return parts.length > 0 ? and(...parts) : undefined;
}

/** `req.method === 'OPTIONS'`, its negation, or a `const isPreflight = …` of the handler's body naming such a test. */
function readsMethodOnly(test: Node, body: Statement[], depth = 0): boolean {
  if (depth > 4) return false;
  if (test.type === 'UnaryExpression' && test.operator === '!') return readsMethodOnly(test.argument, body, depth + 1);
  if (test.type === 'BinaryExpression' && ['===', '==', '!==', '!='].includes(test.operator)) {
    const [left, right] = [test.left as Node, test.right];
    return (methodAsRead(left) !== undefined && right.type === 'StringLiteral') || (methodAsRead(right) !== undefined && left.type === 'StringLiteral');
  }
  if (test.type === 'Identifier') {
    const inits = localInits(body, test.name);
    const declaredConst = body.some((statement) => statement.type === 'VariableDeclaration' && statement.kind === 'const' && statement.declarations.some((d) => d.id.type === 'Identifier' && d.id.name === test.name));
    return inits.length === 1 && declaredConst && readsMethodOnly(inits[0], body, depth + 1);
  }
  return false;
}

function guarded(call: Node, parsed: ParsedJs): boolean {
  for (let current = parsed.parents.get(call); current && !FUNCTION_TYPES.has(current.type); current = parsed.parents.get(current)) {
    if (current.type === 'IfStatement' || current.type === 'ConditionalExpression' || current.type === 'LogicalExpression') return true;
  }
  return false;
}

/** `if (allowed.includes(origin)) res.setHeader(…, origin)`: the list written in this file is an exact allowlist. */
function guardAllowlist(call: Node, originNames: Set<string>, parsed: ParsedJs): OriginMatcher[] | undefined {
  let guard: Node | undefined;
  for (let current = parsed.parents.get(call); current && !FUNCTION_TYPES.has(current.type); current = parsed.parents.get(current)) {
    if (current.type === 'IfStatement') {
      guard = current.test;
      break;
    }
  }
  if (!guard) return undefined;
  // `allowed.includes('*') || allowed.includes(origin)`: a '*' in the list lets every origin through,
  // so the list's entries are not the allowlist (and its '*' is no entry compared literally).
  let asksForLiteral = false;
  visit(guard, (node) => {
    if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && node.callee.property.type === 'Identifier' && ['includes', 'indexOf'].includes(node.callee.property.name) && node.arguments[0]?.type === 'StringLiteral') asksForLiteral = true;
  });
  if (asksForLiteral) return undefined;
  const stack: Node[] = [guard];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'UnaryExpression' || node.type === 'LogicalExpression' || node.type === 'BinaryExpression') {
      stack.push(...(node.type === 'UnaryExpression' ? [node.argument] : [node.left as Node, node.right]));
      continue;
    }
    if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.property.type !== 'Identifier') continue;
    if (!['includes', 'indexOf'].includes(node.callee.property.name) || !node.arguments[0] || !isRequestOrigin(node.arguments[0] as Node, originNames)) continue;
    const list = evaluate(node.callee.object as Node, parsed.bindings);
    if (list.kind !== 'array' || !list.items.every((item) => item.kind === 'string')) return undefined;
    const listId = `${parsed.file}:${list.node.start}`;
    return list.items.map((item) => ({ kind: 'exact', value: (item as { value: string }).value, loc: locOf(item.node, parsed.file), listId }));
  }
  return undefined;
}

function functionName(owner: Node, parsed: ParsedJs): string | undefined {
  if ((owner.type === 'FunctionDeclaration' || owner.type === 'FunctionExpression') && owner.id) return owner.id.name;
  if ((owner.type === 'ClassMethod' || owner.type === 'ObjectMethod') && owner.key.type === 'Identifier') return owner.key.name;
  const parent = parsed.parents.get(owner);
  if (parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier') return parent.id.name;
  return undefined;
}

function lineEnd(text: string, line: number): number {
  // The shared line table: a CRLF file's '\r' is part of the break, not of the line (a span past it is outside the file).
  return (lineLengthsOf(text)[line - 1] ?? 0) + 1;
}

/** Every child node of `node` (comments and positions aside), pushed for a depth-first walk. */
function pushChildNodes(node: Node, stack: Node[]): void {
  for (const key of Object.keys(node) as Array<keyof Node>) {
    if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments') continue;
    const child = node[key] as unknown;
    const items: unknown[] = Array.isArray(child) ? child : [child];
    for (const item of items) {
      if (item && typeof item === 'object' && typeof (item as { type?: unknown }).type === 'string') stack.push(item as Node);
    }
  }
}
