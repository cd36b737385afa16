import type { Node, ObjectExpression } from '@babel/types';
import { parseJs, type ParsedJs } from '../extract/js/extract.js';
import { locOf } from '../extract/js/values.js';
import type { CorsRequest, Loc, SourceFile } from '../model/types.js';
import type { FrontendProject } from './frontend.js';

/** One browser request the frontend code makes, as far as the code states it exactly. */
export interface ClientCall {
  /** The call expression's callee through the URL argument: where the finding goes. */
  loc: Loc;
  api: string;
  mode: 'development' | 'production';
  url: string;
  /** The request as the browser sends it; several when the code leaves a detail open (an axios body of unknown type), all of which must fail for a finding. */
  requests: Array<Omit<CorsRequest, 'origin'>>;
  /** The `.env` line the base URL came from, when it did. */
  envLine?: { file: string; line: number; name: string };
}

const SAFELISTED_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
const AXIOS_BODY_METHODS = new Set(['post', 'put', 'patch']);
const AXIOS_METHODS = new Set(['get', 'delete', 'head', 'options', 'post', 'put', 'patch']);

/** Quick text test before any parse: only files that call something browser-like with an absolute or env-based URL. */
export function mayHoldClientCalls(text: string): boolean {
  return /\bfetch\s*\(|\baxios\b/.test(text) && /https?:\/\/|import\.meta\.env|process\.env\.(NEXT_PUBLIC_|REACT_APP_|VUE_APP_|VITE_)/.test(text);
}

/**
 * `fetch(url, init)` and axios (`axios.get/post/…`, `axios(config)`, instances from
 * `axios.create({ baseURL, withCredentials, headers })`): method, non-safelisted headers and
 * credentials mode, each only when written as a literal. A call with any part we cannot read is
 * left out, so every call reported is one the code makes exactly as simulated.
 */
export function clientCalls(file: SourceFile, project: FrontendProject): ClientCall[] {
  const { parsed } = parseJs(file);
  if (!parsed) return [];
  if (parsed.bindings.imports.size > 0 && [...parsed.bindings.imports.values()].some(({ module }) => /^(node:|express$|fastify$|koa$|http$|https$)/.test(module))) return [];
  const out: ClientCall[] = [];
  const instances = axiosInstances(parsed);
  for (const call of parsed.calls) {
    const callee = call.callee;
    let spec: { api: string; urlNode: Node | undefined; method: string | undefined; init: ObjectExpression | undefined; base?: AxiosInstance; hasBody?: boolean; bodyNode?: Node } | undefined;
    if (callee.type === 'Identifier' && callee.name === 'fetch') {
      const init = call.arguments[1];
      if (init && init.type !== 'ObjectExpression') continue;
      spec = { api: 'fetch', urlNode: call.arguments[0], method: undefined, init: init as ObjectExpression | undefined };
    } else if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.object.type === 'Identifier') {
      const base = callee.object.name === 'axios' && isAxios(parsed, 'axios') ? axiosDefaults() : instances.get(callee.object.name);
      const method = callee.property.name;
      if (!base || !AXIOS_METHODS.has(method)) continue;
      const hasBody = AXIOS_BODY_METHODS.has(method);
      const config = call.arguments[hasBody ? 2 : 1];
      if (config && config.type !== 'ObjectExpression') continue;
      spec = { api: 'axios', urlNode: call.arguments[0], method: method.toUpperCase(), init: config as ObjectExpression | undefined, base, hasBody, bodyNode: hasBody ? call.arguments[1] : undefined };
    }
    if (!spec || !spec.urlNode) continue;
    const url = resolveUrl(spec.urlNode, parsed, project, spec.base?.baseURL);
    if (!url) continue;
    for (const resolved of url) {
      const full = resolved.url;
      if (!/^https?:\/\//i.test(full)) continue;
      const requests = requestsOf(spec);
      if (!requests) continue;
      out.push({ loc: locOf(spec.urlNode, file.path), api: spec.api, mode: resolved.mode, url: full, requests, envLine: resolved.envLine });
    }
  }
  return out;
}

interface AxiosInstance {
  /** The `baseURL` expression, resolved per mode like a URL. */
  baseURL?: Node;
  withCredentials?: boolean;
  headers: string[];
}

function axiosDefaults(): AxiosInstance {
  return { headers: [] };
}

function isAxios(parsed: ParsedJs, name: string): boolean {
  return parsed.bindings.imports.get(name)?.module === 'axios';
}

/** `const api = axios.create({ baseURL: '…', withCredentials: true, headers: {…} })` with literal options only. */
function axiosInstances(parsed: ParsedJs): Map<string, AxiosInstance> {
  const out = new Map<string, AxiosInstance>();
  if (![...parsed.bindings.imports.values()].some(({ module }) => module === 'axios')) return out;
  for (const [name, node] of parsed.bindings.values) {
    if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.object.type !== 'Identifier' || !isAxios(parsed, node.callee.object.name)) continue;
    if (node.callee.property.type !== 'Identifier' || node.callee.property.name !== 'create') continue;
    const options = node.arguments[0];
    if (options && options.type !== 'ObjectExpression') continue;
    const instance: AxiosInstance = { headers: [] };
    let readable = true;
    for (const property of options?.properties ?? []) {
      if (property.type !== 'ObjectProperty' || property.key.type !== 'Identifier') {
        readable = false;
        continue;
      }
      if (property.key.name === 'baseURL') {
        instance.baseURL = property.value;
      } else if (property.key.name === 'withCredentials') {
        if (property.value.type === 'BooleanLiteral') instance.withCredentials = property.value.value;
        else readable = false;
      } else if (property.key.name === 'headers') {
        const headers = literalHeaders(property.value);
        if (headers) instance.headers = headers.names;
        else readable = false;
      }
    }
    if (readable) out.set(name, instance);
  }
  return out;
}

type Spec = { api: string; method: string | undefined; init: ObjectExpression | undefined; base?: AxiosInstance; hasBody?: boolean; bodyNode?: Node };

function requestsOf(spec: Spec): Array<Omit<CorsRequest, 'origin'>> | undefined {
  let method = spec.method ?? 'GET';
  let credentials = spec.api === 'axios' ? spec.base?.withCredentials === true : false;
  const headers = [...(spec.base?.headers ?? [])];
  let contentTypeSet = false;
  for (const property of spec.init?.properties ?? []) {
    if (property.type !== 'ObjectProperty') return undefined;
    const key = property.key.type === 'Identifier' ? property.key.name : property.key.type === 'StringLiteral' ? property.key.value : undefined;
    if (key === undefined) return undefined;
    const value = property.value;
    if (key === 'method') {
      if (value.type !== 'StringLiteral') return undefined;
      method = value.value.toUpperCase();
    } else if (key === 'credentials' && spec.api === 'fetch') {
      if (value.type !== 'StringLiteral') return undefined;
      credentials = value.value === 'include';
    } else if (key === 'withCredentials' && spec.api === 'axios') {
      if (value.type !== 'BooleanLiteral') return undefined;
      credentials = value.value;
    } else if (key === 'headers') {
      const written = literalHeaders(value);
      if (!written) return undefined;
      headers.push(...written.names);
      contentTypeSet ||= written.setsContentType;
    } else if (key === 'mode') {
      // `no-cors` and `same-origin` requests are not CORS requests the server's policy decides.
      if (value.type !== 'StringLiteral' || value.value !== 'cors') return undefined;
    }
  }
  const request = { method, headers: [...new Set(headers)], credentials };
  // axios sends a plain object as JSON (not a safelisted Content-Type), a string as a form: a body of unknown type is either.
  if (spec.api === 'axios' && spec.hasBody && spec.bodyNode && !contentTypeSet) {
    const json = { ...request, headers: [...new Set([...headers, 'content-type'])] };
    if (spec.bodyNode.type === 'ObjectExpression' || spec.bodyNode.type === 'ArrayExpression') return [json];
    if (spec.bodyNode.type !== 'StringLiteral' && spec.bodyNode.type !== 'TemplateLiteral') return [json, request];
  }
  return [request];
}

/** Header names from `{ 'X-Token': … }` or `new Headers({ … })`; a safelisted Content-Type value is left out. */
function literalHeaders(node: Node): { names: string[]; setsContentType: boolean } | undefined {
  const object = node.type === 'NewExpression' && node.callee.type === 'Identifier' && node.callee.name === 'Headers' ? node.arguments[0] : node;
  if (!object || object.type !== 'ObjectExpression') return undefined;
  const names: string[] = [];
  let setsContentType = false;
  for (const property of object.properties) {
    if (property.type !== 'ObjectProperty') return undefined;
    const key = property.key.type === 'Identifier' ? property.key.name : property.key.type === 'StringLiteral' ? property.key.value : undefined;
    if (key === undefined) return undefined;
    const lower = key.toLowerCase();
    if (lower === 'content-type') {
      setsContentType = true;
      if (property.value.type !== 'StringLiteral') return undefined;
      if (SAFELISTED_CONTENT_TYPES.has(property.value.value.split(';')[0].trim().toLowerCase())) continue;
    }
    if (['accept', 'accept-language', 'content-language'].includes(lower)) continue;
    names.push(lower);
  }
  return { names, setsContentType };
}

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

type ResolvedUrl = { url: string; mode: ClientCall['mode']; envLine?: ClientCall['envLine'] };

/** The URL in each mode: literals, template literals and `+` over literals, consts and env values. */
function resolveUrl(node: Node, parsed: ParsedJs, project: FrontendProject, baseURL: Node | undefined): ResolvedUrl[] | undefined {
  const out: ResolvedUrl[] = [];
  for (const mode of ['development', 'production'] as const) {
    const envUsed: Array<NonNullable<ClientCall['envLine']>> = [];
    const env = (name: string) => {
      const value = project.env[mode].get(name);
      if (value) envUsed.push({ file: value.file, line: value.line, name });
      return value?.value;
    };
    let text = stringOf(node, parsed, env, 0);
    if (text === undefined) continue;
    // axios joins a relative URL to the instance's baseURL.
    if (baseURL && !/^https?:\/\//i.test(text)) {
      const base = stringOf(baseURL, parsed, env, 0);
      if (base === undefined) continue;
      text = joinUrl(base, text);
    }
    // A literal URL is the same in both modes; report it once.
    if (envUsed.length === 0 && mode === 'production') continue;
    out.push({ url: text, mode, envLine: envUsed[0] });
  }
  return out.length > 0 ? out : undefined;
}

/** An absolute URL with its path begun, or a relative path (joined to an axios baseURL): the rest cannot change the server. */
const PATH_STARTED = /^(https?:\/\/[^/]+)?\/./;

function stringOf(node: Node, parsed: ParsedJs, env: (name: string) => string | undefined, depth: number): string | undefined {
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
