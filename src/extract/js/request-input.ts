import type { Node } from '@babel/types';
import { unwrap as withoutCasts } from './origin-tests.js';

/**
 * Values the client chooses: the query string, the body, route parameters, cookies and any
 * request header other than Origin. An Allow-Origin taken from one of them grants whatever origin
 * the caller names (`?allow=https://attacker.invalid`), which is a reflection of attacker input.
 */
const INPUT_PROPERTIES = new Set(['query', 'body', 'params', 'cookies', 'signedCookies', 'searchParams']);
/** Objects that stand for the request in Express, Koa, Fastify, Hono and Next handlers. */
const REQUEST_NAMES = /^(req|request|ctx|context|c)$/;
/** Hono `c.req.query('x')`, `c.req.param()`, Koa `ctx.cookies.get()`, `url.searchParams.get()`, Express `req.get('X-Forwarded-Host')`. */
const INPUT_GETTERS = new Set(['query', 'param', 'queries', 'cookie', 'json', 'parseBody', 'formData']);

function propertyName(node: Node): string | undefined {
  if (node.type !== 'MemberExpression' && node.type !== 'OptionalMemberExpression') return undefined;
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.property.type === 'StringLiteral') return node.property.value;
  return undefined;
}

/** Prefix of a `tainted` key naming a local that holds a whole client-chosen object (`const body = await c.req.json()`). */
export const INPUT_OBJECT_MARK = '\u0000input-object:';

/** `node` without the type casts, parentheses and `await` around it (`(request.query as Query)`, `await c.req.json()`). */
function unwrap(node: Node): Node {
  let current = withoutCasts(node);
  while (current.type === 'AwaitExpression') current = withoutCasts(current.argument);
  return current;
}

/** The object a member or call chain starts from (`req` in `(req.query as Q).origin`), casts looked through. */
function chainRoot(node: Node): Node {
  let current: Node = unwrap(node);
  while (current.type === 'MemberExpression' || current.type === 'OptionalMemberExpression' || current.type === 'CallExpression' || current.type === 'OptionalCallExpression') {
    current = unwrap(current.type === 'CallExpression' || current.type === 'OptionalCallExpression' ? current.callee : current.object);
  }
  return current;
}

/** True when `node` is rooted at a request object (`req`, `ctx.request`, `c.req`) or one of `requestNames`. */
function rootedAtRequest(node: Node, requestNames: Set<string>): boolean {
  const current = chainRoot(node);
  return current.type === 'Identifier' && (REQUEST_NAMES.test(current.name) || requestNames.has(current.name));
}

/**
 * A whole object the client fills in, as a destructuring or a local takes it: `req.query`, `ctx.request.body`,
 * `request.query as Query`, Hono's `c.req.query()` (every parameter) and `await c.req.json()`, Fetch's
 * `await request.json()` / `formData()`. What it is (`the query string`), or undefined.
 */
export function requestInputObject(node: Node, requestNames: Set<string> = new Set()): string | undefined {
  const bare = unwrap(node);
  if (bare.type === 'MemberExpression' || bare.type === 'OptionalMemberExpression') {
    const name = propertyName(bare);
    return name && INPUT_PROPERTIES.has(name) && rootedAtRequest(bare, requestNames) ? describe(name) : undefined;
  }
  if ((bare.type === 'CallExpression' || bare.type === 'OptionalCallExpression') && bare.arguments.length === 0) {
    const callee = unwrap(bare.callee);
    const method = propertyName(callee);
    if (!method || !rootedAtRequest(callee, requestNames)) return undefined;
    if (method === 'query' || method === 'queries') return 'the query string';
    if (method === 'json' || method === 'parseBody' || method === 'formData') return 'the request body';
  }
  return undefined;
}

/** A short description of the client-chosen value (`the query string`, `the X-Site request header`), or undefined when `node` is not one. */
export function requestInput(node: Node, tainted: Map<string, string>, requestNames: Set<string> = new Set()): string | undefined {
  switch (node.type) {
    case 'Identifier':
      return tainted.get(node.name);
    case 'TSAsExpression':
    case 'TSSatisfiesExpression':
    case 'TSNonNullExpression':
    case 'TypeCastExpression':
    case 'ParenthesizedExpression':
      return requestInput(node.expression, tainted, requestNames);
    case 'LogicalExpression':
      return requestInput(node.left, tainted, requestNames);
    case 'MemberExpression':
    case 'OptionalMemberExpression': {
      // req.query.allow, req.body.site, req.params.origin, req.cookies.origin, req.headers['x-site']
      const chain: string[] = [];
      let current: Node = node;
      while (current.type === 'MemberExpression' || current.type === 'OptionalMemberExpression') {
        const name = propertyName(current);
        chain.unshift(name ?? '[computed]');
        current = unwrap(current.object);
      }
      // `body.origin` where `const body = await c.req.json()`; `(req.query as Query).origin`.
      if (current.type === 'Identifier' && tainted.has(`${INPUT_OBJECT_MARK}${current.name}`)) return tainted.get(`${INPUT_OBJECT_MARK}${current.name}`);
      const whole = current.type === 'CallExpression' || current.type === 'OptionalCallExpression' ? requestInputObject(current, requestNames) : undefined;
      if (whole) return whole;
      if (!rootedAtRequest(node, requestNames)) return undefined;
      const at = chain.findIndex((name) => INPUT_PROPERTIES.has(name));
      if (at !== -1 && at < chain.length - 1) return describe(chain[at]);
      const headers = chain.findIndex((name) => name === 'headers' || name === 'header');
      if (headers !== -1 && headers === chain.length - 2) {
        const header = chain[headers + 1];
        if (header !== '[computed]' && !['origin', 'host'].includes(header.toLowerCase())) return `the ${header} request header`;
      }
      return undefined;
    }
    case 'CallExpression':
    case 'OptionalCallExpression': {
      const callee = node.callee;
      if (callee.type !== 'MemberExpression' && callee.type !== 'OptionalMemberExpression') return undefined;
      const method = propertyName(callee);
      const arg = node.arguments[0];
      const literal = arg?.type === 'StringLiteral' ? arg.value : undefined;
      if (!method || !rootedAtRequest(callee, requestNames)) {
        // new URL(req.url).searchParams.get('origin')
        if (method === 'get' && propertyName(callee.object as Node) === 'searchParams') return 'the query string';
        return undefined;
      }
      if ((method === 'get' || method === 'header' || method === 'getHeader') && literal !== undefined) {
        if (propertyName(callee.object as Node) === 'cookies') return 'a cookie';
        if (propertyName(callee.object as Node) === 'searchParams' || propertyName(callee.object as Node) === 'query') return 'the query string';
        return ['origin', 'host'].includes(literal.toLowerCase()) ? undefined : `the ${literal} request header`;
      }
      if (INPUT_GETTERS.has(method) && literal !== undefined) return method === 'cookie' ? 'a cookie' : method === 'param' ? 'a route parameter' : method === 'query' || method === 'queries' ? 'the query string' : 'the request body';
      return undefined;
    }
    default:
      return undefined;
  }
}

function describe(property: string): string {
  switch (property) {
    case 'query':
    case 'searchParams':
      return 'the query string';
    case 'body':
      return 'the request body';
    case 'params':
      return 'a route parameter';
    default:
      return 'a cookie';
  }
}
