import type { Node } from '@babel/types';
import type { ParsedJs } from '../extract/js/extract.js';
import type { CorsRequest } from '../model/types.js';
import type { FrontendProject } from './frontend.js';

/**
 * What every browser-call reader shares: literal header objects, the URL of a call per bundler
 * mode (literals, consts, `.env` values), how libraries join a base URL, and the method name as
 * the browser puts it on the wire.
 */

export type ClientRequest = Omit<CorsRequest, 'origin'>;

export type EnvLine = { file: string; line: number; name: string };

export type ResolvedUrl = { url: string; mode: 'development' | 'production'; envLine?: EnvLine };

const SAFELISTED_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

export function safelistedContentType(value: string): boolean {
  return SAFELISTED_CONTENT_TYPES.has(value.split(';')[0].trim().toLowerCase());
}

/** `Accept`, `Accept-Language` and `Content-Language` with ordinary values never need a preflight. */
export function safelistedHeaderName(lower: string): boolean {
  return lower === 'accept' || lower === 'accept-language' || lower === 'content-language';
}

export function propertyName(node: Node): string | undefined {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'StringLiteral') return node.value;
  return undefined;
}

/** Header names from `{ 'X-Token': … }` or `new Headers({ … })`; a safelisted Content-Type value is left out. */
export function literalHeaders(node: Node): { names: string[]; setsContentType: boolean } | undefined {
  const object = node.type === 'NewExpression' && node.callee.type === 'Identifier' && node.callee.name === 'Headers' ? node.arguments[0] : node;
  if (!object || object.type !== 'ObjectExpression') return undefined;
  const names: string[] = [];
  let setsContentType = false;
  for (const property of object.properties) {
    if (property.type !== 'ObjectProperty' || property.computed) return undefined;
    const key = propertyName(property.key);
    if (key === undefined) return undefined;
    const header = headerSet(key, property.value as Node);
    if (!header) return undefined;
    setsContentType ||= header.contentType;
    if (header.name) names.push(header.name);
  }
  return { names, setsContentType };
}

/** What the fetch-style options seen so far make of a request: credentials mode and the non-safelisted headers. */
export interface FetchOptionState {
  credentials: boolean;
  headers: string[];
  contentTypeSet: boolean;
}

/**
 * The options every fetch-style API shares, read into `state`: `credentials` ('include' sends
 * cookies), a literal `headers` object, and `mode` (only 'cors' is a CORS request the server's policy
 * decides). 'read' when `key` was one of them, 'unreadable' when its value cannot be known
 * statically, 'other' for any other key (the caller decides what that key means).
 */
export function readFetchOption(key: string, value: Node, state: FetchOptionState): 'read' | 'unreadable' | 'other' {
  if (key === 'credentials') {
    if (value.type !== 'StringLiteral') return 'unreadable';
    state.credentials = value.value === 'include';
    return 'read';
  }
  if (key === 'headers') {
    const written = literalHeaders(value);
    if (!written) return 'unreadable';
    state.headers.push(...written.names);
    state.contentTypeSet ||= written.setsContentType;
    return 'read';
  }
  if (key === 'mode') return value.type === 'StringLiteral' && value.value === 'cors' ? 'read' : 'unreadable';
  return 'other';
}

/**
 * One header the code sets: its lower-case name when it needs a preflight (none for a safelisted
 * one), undefined when a Content-Type value cannot be read.
 */
export function headerSet(name: string, value: Node): { name?: string; contentType: boolean } | undefined {
  const lower = name.toLowerCase();
  if (lower === 'content-type') {
    if (value.type !== 'StringLiteral') return undefined;
    return safelistedContentType(value.value) ? { contentType: true } : { name: lower, contentType: true };
  }
  if (safelistedHeaderName(lower)) return { contentType: false };
  return { name: lower, contentType: false };
}

/**
 * The method as the browser sends it: fetch and XMLHttpRequest upper-case only DELETE, GET, HEAD,
 * OPTIONS, POST and PUT; any other name goes out as written (`'patch'` stays lower case and must
 * be listed so in Access-Control-Allow-Methods).
 */
export function wireMethod(written: string): string {
  const upper = written.toUpperCase();
  return ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT'].includes(upper) ? upper : written;
}

/** axios `combineURLs`: one slash between the base and a relative path. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export type JoinBase = (base: string, url: string) => string | undefined;

/** axios: an absolute URL ignores the base, a relative one is appended to it. */
export const axiosJoin: JoinBase = (base, url) => (/^https?:\/\//i.test(url) ? url : joinUrl(base, url));

export type StringEnv = (name: string) => string | undefined;

/**
 * The URL in each mode: literals, template literals and `+` over literals, consts and env values,
 * joined to the client's base URL (`join` says how the library does it).
 */
export function resolveUrl(node: Node, parsed: ParsedJs, project: FrontendProject, base?: { node: Node; join: JoinBase }): ResolvedUrl[] | undefined {
  const out: ResolvedUrl[] = [];
  for (const mode of ['development', 'production'] as const) {
    const envUsed: EnvLine[] = [];
    const env = (name: string) => {
      const value = project.env[mode].get(name);
      if (value) envUsed.push({ file: value.file, line: value.line, name });
      return value?.value;
    };
    let text = stringOf(node, parsed, env, 0);
    if (text === undefined) continue;
    if (base) {
      const prefix = stringOf(base.node, parsed, env, 0);
      if (prefix === undefined) continue;
      text = base.join(prefix, text);
      if (text === undefined) continue;
    }
    // A literal URL is the same in both modes; report it once.
    if (envUsed.length === 0 && mode === 'production') continue;
    out.push({ url: text, mode, envLine: envUsed[0] });
  }
  return out.length > 0 ? out : undefined;
}

/** An absolute URL with its path begun, or a relative path (joined to a base URL): the rest cannot change the server. */
const PATH_STARTED = /^(https?:\/\/[^/]+)?\/./;

export function stringOf(node: Node, parsed: ParsedJs, env: StringEnv, depth: number): string | undefined {
  if (depth > 8) return undefined;
  switch (node.type) {
    case 'StringLiteral':
      return node.value;
    case 'TemplateLiteral': {
      let text = '';
      for (let i = 0; i < node.quasis.length; i++) {
        text += node.quasis[i].value.cooked ?? node.quasis[i].value.raw;
        const expression = node.expressions[i];
        if (!expression) continue;
        const part = stringOf(expression as Node, parsed, env, depth + 1);
        if (part === undefined) {
          // A dynamic tail after the path starts (`/orders/${id}`) does not change where the request goes.
          if (PATH_STARTED.test(text)) return `${text}x`;
          return undefined;
        }
        text += part;
      }
      return text;
    }
    case 'BinaryExpression': {
      if (node.operator !== '+' || node.left.type === 'PrivateName') return undefined;
      const left = stringOf(node.left, parsed, env, depth + 1);
      if (left === undefined) return undefined;
      const right = stringOf(node.right, parsed, env, depth + 1);
      if (right === undefined) return PATH_STARTED.test(left) ? `${left}x` : undefined;
      return left + right;
    }
    case 'Identifier': {
      const bound = parsed.bindings.values.get(node.name);
      return bound && bound.type !== 'FunctionDeclaration' ? stringOf(bound, parsed, env, depth + 1) : undefined;
    }
    case 'MemberExpression': {
      const name = envName(node);
      return name ? env(name) : undefined;
    }
    case 'LogicalExpression': {
      // `import.meta.env.VITE_API ?? 'http://localhost:8080'`: the env value when set, else the literal.
      if (node.operator !== '||' && node.operator !== '??') return undefined;
      return stringOf(node.left, parsed, env, depth + 1) ?? stringOf(node.right, parsed, env, depth + 1);
    }
    case 'TSAsExpression':
    case 'TSNonNullExpression':
    case 'TSSatisfiesExpression':
      return stringOf(node.expression, parsed, env, depth + 1);
    default:
      return undefined;
  }
}

/** `import.meta.env.VITE_X` or `process.env.NEXT_PUBLIC_X` (the prefixes bundlers expose to the browser). */
function envName(node: Node): string | undefined {
  if (node.type !== 'MemberExpression' || node.computed || node.property.type !== 'Identifier') return undefined;
  const name = node.property.name;
  const object = node.object;
  if (object.type !== 'MemberExpression' || object.property.type !== 'Identifier' || object.property.name !== 'env') return undefined;
  const root = object.object;
  if (root.type === 'MetaProperty' && name.startsWith('VITE_')) return name;
  if (root.type === 'Identifier' && root.name === 'process' && /^(NEXT_PUBLIC_|REACT_APP_|VUE_APP_|VITE_)/.test(name)) return name;
  return undefined;
}

/** The statements and expressions under `root`, not entering nested functions when `shallow`. */
export function* descendants(root: Node, parsed: ParsedJs): Generator<Node> {
  // The parse records every node's parent: walk children by scanning the node's own keys.
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    yield node;
    for (const key of Object.keys(node) as Array<keyof Node>) {
      if (key === 'loc' || key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments' || key === 'extra') continue;
      const value = node[key] as unknown;
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) if (isNode(value[i]) && parsed.parents.has(value[i])) stack.push(value[i]);
      } else if (isNode(value) && parsed.parents.has(value)) stack.push(value);
    }
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/** Whether `node` sits under a condition, loop or `try` between it and `root`. */
export function conditional(node: Node, root: Node, parsed: ParsedJs): boolean {
  for (let current = parsed.parents.get(node); current && current !== root; current = parsed.parents.get(current)) {
    if (/^(IfStatement|ConditionalExpression|LogicalExpression|SwitchStatement|ForStatement|ForInStatement|ForOfStatement|WhileStatement|DoWhileStatement|TryStatement|CatchClause)$/.test(current.type)) return true;
  }
  return false;
}

export function mentions(node: Node, name: string, parsed: ParsedJs): boolean {
  for (const inner of descendants(node, parsed)) if (inner.type === 'Identifier' && inner.name === name) return true;
  return false;
}
