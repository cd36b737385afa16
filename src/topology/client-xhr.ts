import type { Node } from '@babel/types';
import type { ParsedJs } from '../extract/js/extract.js';
import type { CallSpec } from './client-calls.js';
import { conditional, descendants, headerSet, propertyName, wireMethod } from './client-values.js';

/**
 * `const xhr = new XMLHttpRequest(); xhr.open('PUT', url); xhr.setRequestHeader(…);
 * xhr.withCredentials = true;` in one function. Everything must be written unconditionally with
 * literals; a second `open`, a header or credentials set under a condition, or any use of
 * `xhr.upload` (upload listeners force a preflight) leaves the request unread.
 */
const MAX_XHRS = 50;

export function xhrCalls(parsed: ParsedJs): CallSpec[] {
  if (!parsed.text.includes('XMLHttpRequest') || parsed.bindings.values.has('XMLHttpRequest') || parsed.bindings.imports.has('XMLHttpRequest')) return [];
  const out: CallSpec[] = [];
  let read = 0;
  for (const node of parsed.parents.keys()) {
    if (node.type !== 'NewExpression' || node.callee.type !== 'Identifier' || node.callee.name !== 'XMLHttpRequest') continue;
    // Each one walks its function: a generated file with thousands would cost quadratic time for calls no one reads.
    if (++read > MAX_XHRS) break;
    const declarator = parsed.parents.get(node);
    if (declarator?.type !== 'VariableDeclarator' || declarator.id.type !== 'Identifier') continue;
    const spec = readXhr(declarator.id.name, declarator, parsed);
    if (spec) out.push(spec);
  }
  return out;
}

function scopeOf(node: Node, parsed: ParsedJs): Node {
  let current: Node | undefined = parsed.parents.get(node);
  for (; current; current = parsed.parents.get(current)) {
    if (current.type === 'ArrowFunctionExpression' || current.type === 'FunctionExpression' || current.type === 'FunctionDeclaration' || current.type === 'ObjectMethod' || current.type === 'ClassMethod') return current;
    if (!parsed.parents.get(current)) return current;
  }
  return node;
}

function readXhr(name: string, declarator: Node, parsed: ParsedJs): CallSpec | undefined {
  const scope = scopeOf(declarator, parsed);
  let open: { method: string; url: Node } | undefined;
  let opens = 0;
  let credentials = false;
  const headers: string[] = [];
  for (const node of descendants(scope, parsed)) {
    // Another binding of the same name in this scope: we cannot tell which object a use means.
    if (node !== declarator && node.type === 'VariableDeclarator' && node.id.type === 'Identifier' && node.id.name === name) return undefined;
    if ((node.type === 'ArrowFunctionExpression' || node.type === 'FunctionExpression' || node.type === 'FunctionDeclaration') && node.params.some((param) => param.type === 'Identifier' && param.name === name)) return undefined;
    if (node.type === 'MemberExpression' && node.object.type === 'Identifier' && node.object.name === name && !node.computed && propertyName(node.property) === 'upload') return undefined;
    if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression' && node.left.object.type === 'Identifier' && node.left.object.name === name) {
      if (propertyName(node.left.property) !== 'withCredentials') continue;
      if (node.operator !== '=' || node.right.type !== 'BooleanLiteral' || conditional(node, scope, parsed)) return undefined;
      credentials = node.right.value;
    }
    if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.object.type !== 'Identifier' || node.callee.object.name !== name || node.callee.computed) continue;
    const method = propertyName(node.callee.property);
    const args = node.arguments as Node[];
    if (method === 'open') {
      opens++;
      if (args[0]?.type !== 'StringLiteral' || !args[1] || conditional(node, scope, parsed)) return undefined;
      open = { method: wireMethod(args[0].value), url: args[1] };
    } else if (method === 'setRequestHeader') {
      if (args[0]?.type !== 'StringLiteral' || !args[1] || conditional(node, scope, parsed)) return undefined;
      const header = headerSet(args[0].value, args[1]);
      if (!header) return undefined;
      if (header.name) headers.push(header.name);
    }
  }
  if (!open || opens !== 1) return undefined;
  return { api: 'XMLHttpRequest', urlNode: open.url, requests: [{ method: open.method, headers: [...new Set(headers)], credentials }] };
}

/**
 * `new EventSource(url, { withCredentials: true })`: a CORS-mode GET with no header of the page's
 * own, credentialed only with `withCredentials`. (WebSocket is not read: the browser sends an
 * Origin but no CORS check applies.)
 */
export function eventSourceCalls(parsed: ParsedJs): CallSpec[] {
  if (!parsed.text.includes('EventSource') || parsed.bindings.values.has('EventSource') || parsed.bindings.imports.has('EventSource')) return [];
  const out: CallSpec[] = [];
  for (const node of parsed.parents.keys()) {
    if (node.type !== 'NewExpression' || node.callee.type !== 'Identifier' || node.callee.name !== 'EventSource') continue;
    const [url, init] = node.arguments as Node[];
    if (!url || node.arguments.length > 2) continue;
    let credentials = false;
    if (init) {
      if (init.type !== 'ObjectExpression') continue;
      const readable = init.properties.every((property) => property.type === 'ObjectProperty' && !property.computed && propertyName(property.key) === 'withCredentials' && property.value.type === 'BooleanLiteral');
      if (!readable) continue;
      for (const property of init.properties) if (property.type === 'ObjectProperty' && property.value.type === 'BooleanLiteral') credentials = property.value.value;
    }
    out.push({ api: 'EventSource', urlNode: url, requests: [{ method: 'GET', headers: [], credentials }] });
  }
  return out;
}
