import type { Node, ObjectExpression } from '@babel/types';
import type { ParsedJs } from '../extract/js/extract.js';
import type { CallSpec } from './client-calls.js';
import { axiosJoin, descendants, headerSet, literalHeaders, mentions, propertyName, type ClientRequest } from './client-values.js';

const BODY_METHODS = new Set(['post', 'put', 'patch']);
const METHODS = new Set(['get', 'delete', 'head', 'options', 'post', 'put', 'patch']);

/** What an axios instance (or the global `axios`) adds to each of its requests. */
interface AxiosConfig {
  baseURL?: Node;
  withCredentials?: boolean;
  /** Non-safelisted header names on every request, and whether a Content-Type is set at all. */
  headers: string[];
  contentTypeSet: boolean;
  /** `defaults.headers.post[…]`: headers for one method only. */
  methodHeaders: Map<string, { names: string[]; contentTypeSet: boolean }>;
  /** Where headers and credentials come from when not from the call itself, for the message. */
  sources: Map<string, string>;
  unreadable: boolean;
}

function blankConfig(): AxiosConfig {
  return { headers: [], contentTypeSet: false, methodHeaders: new Map(), sources: new Map(), unreadable: false };
}

/**
 * axios calls `R.get/post/…(url, [data], config)` on the global `axios` or an instance from
 * `axios.create({ baseURL, withCredentials, headers })`, with what the file adds to the
 * instance: `R.defaults.baseURL/withCredentials/headers…` assignments and request interceptors
 * (`R.interceptors.request.use(cfg => { cfg.headers.Authorization = … })`). A header set under a
 * condition that does not look at the request (`if (token)`) counts as sent: the call is blocked
 * whenever it is set. An interceptor or default we cannot read silences the instance.
 */
export function axiosCalls(parsed: ParsedJs): CallSpec[] {
  const axiosNames = [...parsed.bindings.imports].filter(([, { module, imported }]) => module === 'axios' && imported === 'default').map(([name]) => name);
  if (axiosNames.length === 0) return [];
  const configs = new Map<string, AxiosConfig>();
  for (const name of axiosNames) configs.set(name, blankConfig());
  for (const [name, node] of parsed.bindings.values) {
    if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.object.type !== 'Identifier' || !axiosNames.includes(node.callee.object.name)) continue;
    if (propertyName(node.callee.property) !== 'create' || node.callee.computed) continue;
    configs.set(name, createConfig(node.arguments[0] as Node | undefined));
  }
  for (const node of parsed.parents.keys()) {
    if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression') {
      const path = memberPath(node.left);
      const config = path && configs.get(path[0]!);
      if (!config || path[1] !== 'defaults') continue;
      if (node.operator !== '=' || path.includes(undefined)) config.unreadable = true;
      else readDefault(config, path.slice(2) as string[], node.right, `${path[0]}.defaults at ${where(parsed, node)}`);
    } else if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression') {
      const path = memberPath(node.callee);
      const config = path && configs.get(path[0]!);
      if (!config || path.length !== 4 || path[1] !== 'interceptors' || path[2] !== 'request' || path[3] !== 'use') continue;
      readInterceptor(config, node.arguments[0] as Node | undefined, parsed, `the request interceptor at ${where(parsed, node)}`);
    }
  }
  const out: CallSpec[] = [];
  for (const call of parsed.calls) {
    const callee = call.callee;
    const configForm = configCall(call.callee, call.arguments as Node[], configs);
    if (configForm) {
      const spec = configFormSpec(configForm.config, configForm.url, configForm.options);
      if (spec) out.push(spec);
      continue;
    }
    if (callee.type !== 'MemberExpression' || callee.object.type !== 'Identifier' || callee.computed) continue;
    const config = configs.get(callee.object.name);
    const method = propertyName(callee.property);
    if (!config || config.unreadable || !method || !METHODS.has(method)) continue;
    const hasBody = BODY_METHODS.has(method);
    const [url, bodyOrConfig, bodyConfig] = call.arguments as Node[];
    const callConfig = hasBody ? bodyConfig : bodyOrConfig;
    if (!url || (callConfig && callConfig.type !== 'ObjectExpression')) continue;
    const built = axiosRequests(config, method, hasBody ? bodyOrConfig : undefined, callConfig);
    if (!built) continue;
    const base = built.baseURL ?? config.baseURL;
    out.push({ api: 'axios', urlNode: url, base: base ? { node: base, join: axiosJoin } : undefined, requests: built.requests, detail: built.detail });
  }
  return out;
}

/** `axios(config)`, `axios(url, config)` and `api.request(config)`: the request written as one config object. */
function configCall(callee: Node, args: Node[], configs: Map<string, AxiosConfig>): { config: AxiosConfig; url?: Node; options: ObjectExpression } | undefined {
  let config: AxiosConfig | undefined;
  if (callee.type === 'Identifier') config = configs.get(callee.name);
  else if (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && !callee.computed && propertyName(callee.property) === 'request') config = configs.get(callee.object.name);
  if (!config || config.unreadable) return undefined;
  const [first, second] = args;
  if (first?.type === 'ObjectExpression' && args.length === 1) return { config, options: first };
  if (callee.type === 'Identifier' && first && first.type !== 'ObjectExpression' && (!second || second.type === 'ObjectExpression')) {
    return { config, url: first, options: (second as ObjectExpression | undefined) ?? ({ type: 'ObjectExpression', properties: [] } as unknown as ObjectExpression) };
  }
  return undefined;
}

function configFormSpec(config: AxiosConfig, urlArg: Node | undefined, options: ObjectExpression): CallSpec | undefined {
  let url = urlArg;
  let method = 'get';
  let data: Node | undefined;
  const rest: ObjectExpression['properties'] = [];
  for (const property of options.properties) {
    const key = property.type === 'ObjectProperty' && !property.computed ? propertyName(property.key) : undefined;
    if (key === 'url' && property.type === 'ObjectProperty') url = property.value as Node;
    else if (key === 'method' && property.type === 'ObjectProperty') {
      // axios lower-cases the method for its own use and sends it upper-cased.
      if (property.value.type !== 'StringLiteral' || !METHODS.has(property.value.value.toLowerCase())) return undefined;
      method = property.value.value.toLowerCase();
    } else if (key === 'data' && property.type === 'ObjectProperty') data = property.value as Node;
    else rest.push(property);
  }
  if (!url || (data && !BODY_METHODS.has(method))) return undefined;
  const built = axiosRequests(config, method, data, { ...options, properties: rest } as ObjectExpression);
  if (!built) return undefined;
  const base = built.baseURL ?? config.baseURL;
  return { api: 'axios', urlNode: url, base: base ? { node: base, join: axiosJoin } : undefined, requests: built.requests, detail: built.detail };
}

function where(parsed: ParsedJs, node: Node): string {
  return `${parsed.file}:${node.loc!.start.line}`;
}

/** `a.b['c'].d` as ['a', 'b', 'c', 'd']; a computed part that is not a string literal is `undefined`. */
function memberPath(node: Node): Array<string | undefined> | undefined {
  const parts: Array<string | undefined> = [];
  let current: Node = node;
  while (current.type === 'MemberExpression' || current.type === 'OptionalMemberExpression') {
    parts.unshift(current.computed ? (current.property.type === 'StringLiteral' ? current.property.value : undefined) : propertyName(current.property));
    current = current.object;
  }
  if (current.type !== 'Identifier') return undefined;
  return [current.name, ...parts];
}

function createConfig(options: Node | undefined): AxiosConfig {
  const config = blankConfig();
  if (!options) return config;
  if (options.type !== 'ObjectExpression') return { ...config, unreadable: true };
  for (const property of options.properties) {
    if (property.type !== 'ObjectProperty' || property.computed) {
      config.unreadable = true;
      continue;
    }
    const key = propertyName(property.key);
    if (key === 'baseURL') config.baseURL = property.value as Node;
    else if (key === 'withCredentials') {
      if (property.value.type === 'BooleanLiteral') config.withCredentials = property.value.value;
      else config.unreadable = true;
    } else if (key === 'headers') {
      const headers = literalHeaders(property.value as Node);
      if (!headers) config.unreadable = true;
      else {
        config.headers.push(...headers.names);
        config.contentTypeSet ||= headers.setsContentType;
      }
    } else if (key === 'transformRequest' || key === 'adapter') config.unreadable = true;
  }
  return config;
}

/** One `R.defaults.<path> = value` assignment. */
function readDefault(config: AxiosConfig, path: string[], value: Node, source: string): void {
  const [first, second, third] = path;
  if (first === 'baseURL' && path.length === 1) {
    if (config.baseURL) config.unreadable = true;
    config.baseURL = value;
  } else if (first === 'withCredentials' && path.length === 1) {
    if (value.type !== 'BooleanLiteral') config.unreadable = true;
    else {
      config.withCredentials = value.value;
      config.sources.set('credentials', `withCredentials from ${source}`);
    }
  } else if (first === 'headers' && path.length === 3 && second !== undefined && METHODS.has(second)) {
    const header = headerSet(third, value);
    if (!header) return void (config.unreadable = true);
    const list = config.methodHeaders.get(second) ?? { names: [], contentTypeSet: false };
    if (header.name) list.names.push(header.name);
    list.contentTypeSet ||= header.contentType;
    config.methodHeaders.set(second, list);
    if (header.name) config.sources.set(header.name, source);
  } else if (first === 'headers' && (path.length === 2 || (path.length === 3 && second === 'common'))) {
    const header = headerSet(path[path.length - 1], value);
    if (!header) return void (config.unreadable = true);
    addHeader(config, header, source);
  } else if (first === 'headers' || first === 'transformRequest' || first === 'adapter') {
    config.unreadable = true;
  }
}

function addHeader(config: AxiosConfig, header: { name?: string; contentType: boolean }, source: string): void {
  if (header.name) {
    config.headers.push(header.name);
    config.sources.set(header.name, source);
  }
  config.contentTypeSet ||= header.contentType;
}

/** `R.interceptors.request.use(fn)`: the headers and credentials `fn` sets on the config it is given. */
function readInterceptor(config: AxiosConfig, fnNode: Node | undefined, parsed: ParsedJs, source: string): void {
  let fn = fnNode;
  if (fn?.type === 'Identifier') fn = parsed.bindings.values.get(fn.name);
  if (!fn || (fn.type !== 'ArrowFunctionExpression' && fn.type !== 'FunctionExpression' && fn.type !== 'FunctionDeclaration')) return void (config.unreadable = true);
  const param = fn.params[0];
  if (!param) return;
  if (param.type !== 'Identifier') return void (config.unreadable = true);
  const P = param.name;
  const fail = () => void (config.unreadable = true);
  const headersOf = (object: Node) => {
    if (object.type !== 'ObjectExpression') return fail();
    for (const property of object.properties) {
      if (property.type === 'SpreadElement') {
        const spread = memberPath(property.argument);
        if (!spread || spread.length !== 2 || spread[0] !== P || spread[1] !== 'headers') fail();
        continue;
      }
      const key = property.type === 'ObjectProperty' && !property.computed ? propertyName(property.key) : undefined;
      const header = key !== undefined && property.type === 'ObjectProperty' ? headerSet(key, property.value as Node) : undefined;
      if (!header) return fail();
      addHeader(config, header, source);
    }
  };
  for (const node of descendants(fn.body, parsed)) {
    // A condition on the request itself (its URL, method or headers) decides per call: we cannot tell which.
    const test = node.type === 'IfStatement' || node.type === 'ConditionalExpression' ? node.test : node.type === 'LogicalExpression' ? node.left : node.type === 'SwitchStatement' ? node.discriminant : undefined;
    if (test && mentions(test, P, parsed)) return fail();
    if (node.type === 'AssignmentExpression' && node.left.type === 'MemberExpression') {
      const path = memberPath(node.left);
      if (!path || path[0] !== P) continue;
      if (node.operator !== '=' || path.includes(undefined)) return fail();
      if (path.length === 3 && path[1] === 'headers') {
        const header = headerSet(path[2]!, node.right);
        if (!header) return fail();
        addHeader(config, header, source);
      } else if (path.length === 2 && path[1] === 'headers') headersOf(node.right);
      else if (path.length === 2 && path[1] === 'withCredentials' && node.right.type === 'BooleanLiteral') {
        config.withCredentials = node.right.value;
        config.sources.set('credentials', `withCredentials from ${source}`);
      } else return fail();
    } else if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression') {
      const path = memberPath(node.callee);
      if (path?.[0] === 'Object' && path[1] === 'assign' && node.arguments.length === 2) {
        const target = memberPath(node.arguments[0] as Node);
        if (target?.[0] === P) {
          if (target.length === 2 && target[1] === 'headers') headersOf(node.arguments[1] as Node);
          else return fail();
        }
        continue;
      }
      if (!path || path[0] !== P || path[1] !== 'headers' || path.length !== 3) continue;
      const [name, value] = node.arguments as Node[];
      if (path[2] === 'set' && name?.type === 'StringLiteral' && value) {
        const header = headerSet(name.value, value);
        if (!header) return fail();
        addHeader(config, header, source);
      } else if (path[2] === 'setAuthorization') addHeader(config, { name: 'authorization', contentType: false }, source);
      else if (path[2] === 'setContentType' && name) {
        const header = headerSet('content-type', name);
        if (!header) return fail();
        addHeader(config, header, source);
      } else if (path[2] !== 'get' && path[2] !== 'has' && path[2] !== 'delete') return fail();
    } else if (node.type === 'ReturnStatement' && node.argument?.type === 'ObjectExpression' && nearestFunction(node, parsed) === fn) {
      if (!returned(node.argument)) return fail();
    }
  }
  if (fn.body.type === 'ObjectExpression' && !returned(fn.body)) fail();

  /** `return { ...config, headers: { ...config.headers, Authorization: … } }` */
  function returned(object: ObjectExpression): boolean {
    for (const property of object.properties) {
      if (property.type === 'SpreadElement' && property.argument.type === 'Identifier' && property.argument.name === P) continue;
      const key = property.type === 'ObjectProperty' && !property.computed ? propertyName(property.key) : undefined;
      if (key === 'headers' && property.type === 'ObjectProperty') headersOf(property.value as Node);
      else if (key === 'withCredentials' && property.type === 'ObjectProperty' && property.value.type === 'BooleanLiteral') {
        config.withCredentials = property.value.value;
        config.sources.set('credentials', `withCredentials from ${source}`);
      } else return false;
    }
    return true;
  }
}

function nearestFunction(node: Node, parsed: ParsedJs): Node | undefined {
  for (let current = parsed.parents.get(node); current; current = parsed.parents.get(current)) {
    if (current.type === 'ArrowFunctionExpression' || current.type === 'FunctionExpression' || current.type === 'FunctionDeclaration' || current.type === 'ObjectMethod' || current.type === 'ClassMethod') return current;
  }
  return undefined;
}

/**
 * The request(s) one axios call sends. axios drops Content-Type when there is no body, sends a
 * plain object as JSON and a string as a form: a body of unknown type is either.
 */
function axiosRequests(config: AxiosConfig, method: string, bodyNode: Node | undefined, callConfig: Node | undefined): { requests: ClientRequest[]; baseURL?: Node; detail?: string } | undefined {
  let credentials = config.withCredentials === true;
  const perMethod = config.methodHeaders.get(method);
  const headers = [...config.headers, ...(perMethod?.names ?? [])];
  let contentTypeSet = config.contentTypeSet || (perMethod?.contentTypeSet ?? false);
  let baseURL: Node | undefined;
  let credentialsFromCall = false;
  if (callConfig?.type === 'ObjectExpression') {
    for (const property of callConfig.properties) {
      if (property.type !== 'ObjectProperty' || property.computed) return undefined;
      const key = propertyName(property.key);
      if (key === undefined) return undefined;
      const value = property.value as Node;
      if (key === 'withCredentials') {
        if (value.type !== 'BooleanLiteral') return undefined;
        credentials = value.value;
        credentialsFromCall = true;
      } else if (key === 'headers') {
        const written = literalHeaders(value);
        if (!written) return undefined;
        headers.push(...written.names);
        contentTypeSet ||= written.setsContentType;
      } else if (key === 'baseURL') baseURL = value;
      else if (key === 'transformRequest' || key === 'adapter' || key === 'data') return undefined;
    }
  }
  const withoutBody = [...new Set(headers.filter((name) => name !== 'content-type'))];
  const used = [...new Set(headers)].filter((name) => config.sources.has(name));
  if (credentials && !credentialsFromCall && config.sources.has('credentials')) used.push('credentials');
  const detail = used.length > 0 ? used.map((name) => (name === 'credentials' ? config.sources.get(name)! : `the ${name} header from ${config.sources.get(name)}`)).join('; ') : undefined;
  const request = (names: string[]): ClientRequest => ({ method: method.toUpperCase(), headers: names, credentials });
  if (!bodyNode) return { requests: [request(withoutBody)], baseURL, detail };
  const withBody = [...new Set(headers)];
  if (contentTypeSet) return { requests: [request(withBody)], baseURL, detail };
  const json = request([...new Set([...withBody, 'content-type'])]);
  if (bodyNode.type === 'ObjectExpression' || bodyNode.type === 'ArrayExpression') return { requests: [json], baseURL, detail };
  if (bodyNode.type === 'StringLiteral' || bodyNode.type === 'TemplateLiteral' || isFormBody(bodyNode)) return { requests: [request(withBody)], baseURL, detail };
  return { requests: [json, request(withBody)], baseURL, detail };
}

/** `new FormData()` / `new URLSearchParams()`: the browser picks a safelisted Content-Type. */
export function isFormBody(node: Node): boolean {
  return node.type === 'NewExpression' && node.callee.type === 'Identifier' && (node.callee.name === 'FormData' || node.callee.name === 'URLSearchParams');
}
