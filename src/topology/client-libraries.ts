import type { Node, ObjectExpression } from '@babel/types';
import type { ParsedJs } from '../extract/js/extract.js';
import { isFormBody } from './client-axios.js';
import type { CallSpec } from './client-calls.js';
import { joinUrl, propertyName, readFetchOption, wireMethod, type ClientRequest, type FetchOptionState, type JoinBase } from './client-values.js';

/**
 * The fetch wrappers: ky and ofetch (`$fetch` in Nuxt). Both keep fetch's default credentials
 * mode (`same-origin`: none on a cross-origin call) and send a JSON body with
 * `Content-Type: application/json`, which needs a preflight.
 */

/** What an instance adds to each request; `unreadable` when an option we do not model is set. */
interface Defaults {
  base?: Node;
  credentials?: boolean;
  headers: string[];
  contentTypeSet: boolean;
  unreadable: boolean;
}

function blank(): Defaults {
  return { headers: [], contentTypeSet: false, unreadable: false };
}

interface Library {
  api: string;
  /** Local names bound to the library's default function. */
  roots: string[];
  /** Shortcut methods (`ky.post`), lower case. */
  shortcuts: Set<string>;
  /** Option names that change nothing the CORS check sees, or that `read` handles. */
  known: Set<string>;
  baseKey: string;
  join: JoinBase;
  /** The method as it goes on the wire, or undefined when the library's handling of that spelling is not certain. */
  method(written: string): string | undefined;
  /** Whether the body is sent as JSON: true, false, or undefined when its type is open. */
  jsonBody(options: ObjectExpression, method: string): boolean | undefined;
  /** `X.create(…)` starts fresh; `X.extend(…)` inherits. */
  inherits(factory: string): boolean | undefined;
}

const KY_SHORTCUTS = ['get', 'post', 'put', 'patch', 'head', 'delete'];

/** ky 1.x: `prefixUrl` is joined with one slash and an input starting with `/` throws. */
const kyJoin: JoinBase = (base, url) => (url.startsWith('/') ? undefined : `${base.endsWith('/') ? base : `${base}/`}${url}`);

/** ofetch (ufo's `withBase`): an absolute URL or one already under the base is kept; otherwise joined with one slash. */
const ofetchJoin: JoinBase = (base, url) => {
  if (!base || base === '/' || /^[a-z][a-z\d+.-]*:/i.test(url)) return url;
  const trimmed = base.replace(/\/+$/, '');
  return url.startsWith(trimmed) ? url : joinUrl(trimmed, url);
};

const FETCH_KEYS = ['method', 'headers', 'credentials', 'body', 'mode', 'signal', 'cache', 'redirect', 'referrer', 'referrerPolicy', 'keepalive', 'integrity', 'priority'];

const KY: Omit<Library, 'roots'> = {
  api: 'ky',
  shortcuts: new Set(KY_SHORTCUTS),
  known: new Set([...FETCH_KEYS, 'json', 'prefixUrl', 'searchParams', 'timeout', 'retry', 'hooks', 'throwHttpErrors', 'parseJson', 'stringifyJson', 'onDownloadProgress']),
  baseKey: 'prefixUrl',
  join: kyJoin,
  // ky upper-cases the lower-case names of its shortcuts; fetch then normalises the six standard ones.
  method: (written) => (KY_SHORTCUTS.includes(written) ? written.toUpperCase() : wireMethod(written)),
  jsonBody: (options) => (options.properties.some((p) => p.type === 'ObjectProperty' && propertyName(p.key) === 'json') ? true : false),
  inherits: (factory) => (factory === 'extend' ? true : factory === 'create' ? false : undefined),
};

const OFETCH: Omit<Library, 'roots'> = {
  api: 'ofetch',
  shortcuts: new Set(),
  known: new Set([...FETCH_KEYS, 'baseURL', 'query', 'params', 'retry', 'retryDelay', 'retryStatusCodes', 'timeout', 'responseType', 'parseResponse', 'ignoreResponseError', 'onRequest', 'onRequestError', 'onResponse', 'onResponseError']),
  baseKey: 'baseURL',
  join: ofetchJoin,
  // Only spellings fetch itself normalises: we do not rely on ofetch's own handling of the others.
  method: (written) => (written === written.toUpperCase() || ['delete', 'get', 'head', 'options', 'post', 'put'].includes(written) ? wireMethod(written) : undefined),
  jsonBody: (options, method) => {
    // ofetch serialises a JSON-able body (object, array, string, number, boolean) on POST, PUT, PATCH and DELETE.
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) return false;
    const body = options.properties.find((p) => p.type === 'ObjectProperty' && propertyName(p.key) === 'body');
    if (!body || body.type !== 'ObjectProperty') return false;
    const value = body.value as Node;
    if (/^(ObjectExpression|ArrayExpression|StringLiteral|TemplateLiteral|NumericLiteral|BooleanLiteral)$/.test(value.type)) return true;
    if (isFormBody(value) || value.type === 'NullLiteral') return false;
    return undefined;
  },
  inherits: (factory) => (factory === 'create' ? true : undefined),
};

export function kyCalls(parsed: ParsedJs): CallSpec[] {
  const roots = [...parsed.bindings.imports].filter(([, { module, imported }]) => (module === 'ky' || module === 'ky-universal') && imported === 'default').map(([name]) => name);
  return roots.length > 0 ? libraryCalls(parsed, { ...KY, roots }) : [];
}

export function ofetchCalls(parsed: ParsedJs): CallSpec[] {
  const roots = [...parsed.bindings.imports].filter(([, { module, imported }]) => (module === 'ofetch' || module === 'ohmyfetch') && (imported === 'ofetch' || imported === '$fetch')).map(([name]) => name);
  // Nuxt makes `$fetch` a global: unbound in the file, it is ofetch.
  if (!parsed.bindings.imports.has('$fetch') && !parsed.bindings.values.has('$fetch') && /\$fetch\b/.test(parsed.text)) roots.push('$fetch');
  return roots.length > 0 ? libraryCalls(parsed, { ...OFETCH, roots }) : [];
}

function libraryCalls(parsed: ParsedJs, library: Library): CallSpec[] {
  const instances = new Map<string, Defaults>(library.roots.map((root) => [root, blank()]));
  // Instances in declaration order, so `const b = a.extend(…)` finds `a`.
  const declared = [...parsed.bindings.values].sort(([, a], [, b]) => (a.start ?? 0) - (b.start ?? 0));
  for (const [name, node] of declared) {
    if (node.type !== 'CallExpression' || node.callee.type !== 'MemberExpression' || node.callee.object.type !== 'Identifier' || node.callee.computed) continue;
    const parent = instances.get(node.callee.object.name);
    const factory = propertyName(node.callee.property);
    const inherits = factory ? library.inherits(factory) : undefined;
    if (!parent || inherits === undefined) continue;
    const options = node.arguments[0] as Node | undefined;
    const start: Defaults = inherits ? { ...parent, headers: [...parent.headers] } : blank();
    instances.set(name, options ? withOptions(start, options, library) : start);
  }
  const out: CallSpec[] = [];
  for (const call of parsed.calls) {
    const callee = call.callee;
    let defaults: Defaults | undefined;
    let shortcut: string | undefined;
    if (callee.type === 'Identifier') defaults = instances.get(callee.name);
    else if (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && !callee.computed) {
      shortcut = propertyName(callee.property);
      defaults = shortcut !== undefined && library.shortcuts.has(shortcut) ? instances.get(callee.object.name) : undefined;
    }
    if (!defaults || defaults.unreadable) continue;
    const [url, optionsNode] = call.arguments as Node[];
    if (!url || (optionsNode && optionsNode.type !== 'ObjectExpression')) continue;
    const options = (optionsNode as ObjectExpression | undefined) ?? { type: 'ObjectExpression', properties: [] } as unknown as ObjectExpression;
    const request = libraryRequest(defaults, options, library, shortcut);
    if (!request) continue;
    out.push({ api: library.api, urlNode: url, base: request.base ? { node: request.base, join: library.join } : undefined, requests: request.requests });
  }
  return out;
}

/** Instance defaults from `create`/`extend` options. */
function withOptions(start: Defaults, options: Node, library: Library): Defaults {
  if (options.type !== 'ObjectExpression') return { ...start, unreadable: true };
  const out = { ...start, headers: [...start.headers] };
  for (const property of options.properties) {
    const key = property.type === 'ObjectProperty' && !property.computed ? propertyName(property.key) : undefined;
    if (key === undefined || property.type !== 'ObjectProperty' || !library.known.has(key) || key === 'method' || key === 'json' || key === 'body') return { ...out, unreadable: true };
    const value = property.value as Node;
    if (key === library.baseKey) {
      out.base = value;
      continue;
    }
    // Headers are pushed onto out's own copy; credentials stay unset unless written (a later layer's default then applies).
    const state: FetchOptionState = { credentials: false, headers: out.headers, contentTypeSet: out.contentTypeSet };
    if (readFetchOption(key, value, state) === 'unreadable') return { ...out, unreadable: true };
    if (key === 'credentials') out.credentials = state.credentials;
    out.contentTypeSet = state.contentTypeSet;
  }
  return out;
}

function libraryRequest(defaults: Defaults, options: ObjectExpression, library: Library, shortcut: string | undefined): { requests: ClientRequest[]; base?: Node } | undefined {
  let method = shortcut ? shortcut.toUpperCase() : 'GET';
  let base = defaults.base;
  const state: FetchOptionState = { credentials: defaults.credentials ?? false, headers: [...defaults.headers], contentTypeSet: defaults.contentTypeSet };
  for (const property of options.properties) {
    const key = property.type === 'ObjectProperty' && !property.computed ? propertyName(property.key) : undefined;
    if (key === undefined || property.type !== 'ObjectProperty' || !library.known.has(key)) return undefined;
    const value = property.value as Node;
    if (key === 'method') {
      if (shortcut) continue;
      if (value.type !== 'StringLiteral') return undefined;
      const wire = library.method(value.value);
      if (wire === undefined) return undefined;
      method = wire;
    } else if (key === library.baseKey) base = value;
    else if (readFetchOption(key, value, state) === 'unreadable') return undefined;
  }
  const { credentials, headers, contentTypeSet } = state;
  const json = library.jsonBody(options, method);
  // fetch refuses a body on GET and HEAD: no request is sent.
  if (json === true && (method === 'GET' || method === 'HEAD')) return undefined;
  const request = (names: string[]): ClientRequest => ({ method, headers: [...new Set(names)], credentials });
  if (contentTypeSet || json === false) return { requests: [request(headers)], base };
  if (json === true) return { requests: [request([...headers, 'content-type'])], base };
  return { requests: [request([...headers, 'content-type']), request(headers)], base };
}
