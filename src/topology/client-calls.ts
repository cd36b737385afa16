import type { Node, ObjectExpression } from '@babel/types';
import { parseJs, type ParsedJs } from '../extract/js/extract.js';
import { locOf } from '../extract/js/values.js';
import type { Loc, SourceFile } from '../model/types.js';
import { axiosCalls } from './client-axios.js';
import { graphqlCalls } from './client-graphql.js';
import { kyCalls, ofetchCalls } from './client-libraries.js';
import { readFetchOption, resolveUrl, wireMethod, type ClientRequest, type EnvLine, type FetchOptionState, type JoinBase } from './client-values.js';
import { eventSourceCalls, xhrCalls } from './client-xhr.js';
import type { FrontendProject } from './frontend.js';

/** One browser request the frontend code makes, as far as the code states it exactly. */
export interface ClientCall {
  /** The URL argument (or the client's `uri` option): where the finding goes. */
  loc: Loc;
  /** The API the code calls (`fetch`, `axios`, `ky`, `XMLHttpRequest`, `EventSource`, `Apollo HttpLink`, …). */
  api: string;
  mode: 'development' | 'production';
  url: string;
  /** The request as the browser sends it; several when the code leaves a detail open (an axios body of unknown type), all of which must fail for a finding. */
  requests: ClientRequest[];
  /** The `.env` line the base URL came from, when it did. */
  envLine?: EnvLine;
  /** Where a part of the request comes from that the call site does not show (an interceptor's header, a GraphQL client's JSON POST). */
  detail?: string;
}

/** What a library reader finds at one call site, before the URL is resolved per mode. */
export interface CallSpec {
  api: string;
  urlNode: Node;
  /** The client's base URL and how the library joins it to the call's URL. */
  base?: { node: Node; join: JoinBase };
  requests: ClientRequest[];
  detail?: string;
}

/**
 * Quick text test before any parse: only files that call something browser-like with an absolute or
 * env-based URL. Asked of every JS/TS file a run reads (the shell's sieve): the URL test goes first,
 * it scans at twice the speed of the many-word one (on the bench's 6,000 scripts: 24 ms against 48 ms).
 */
export function mayHoldClientCalls(text: string): boolean {
  return (
    // Asked of every script a whole-repository run reads: two substring searches that the first
    // pattern needs ('://' or '.env') turn most files away at a fraction of the regex's cost.
    (text.includes('://') || text.includes('.env')) &&
    /https?:\/\/|import\.meta\.env|process\.env\.(NEXT_PUBLIC_|REACT_APP_|VUE_APP_|VITE_)/.test(text) &&
    /\bfetch\s*\(|\baxios\b|\bky\b|\bofetch\b|\$fetch\b|\bXMLHttpRequest\b|\bEventSource\b|\bApolloClient\b|HttpLink\b|\bGraphQLClient\b|graphql-request|@?urql\b/.test(text)
  );
}

const SERVER_MODULES = /^(node:|express$|fastify$|koa$|http$|https$)/;

/**
 * The browser calls of one frontend file: `fetch`, axios (instances, defaults, request
 * interceptors), ky, ofetch/`$fetch`, XMLHttpRequest, EventSource and the GraphQL clients (Apollo,
 * urql, graphql-request). Method, non-safelisted headers, Content-Type and credentials mode are
 * taken only when written as literals; a call with any part we cannot read is left out, so every
 * call reported is one the code makes exactly as simulated. WebSocket is not read: the browser
 * sends an Origin but applies no CORS check to it.
 */
export function clientCalls(file: SourceFile, project: FrontendProject): ClientCall[] {
  const { parsed } = parseJs(file);
  if (!parsed) return [];
  if ([...parsed.bindings.imports.values()].some(({ module }) => SERVER_MODULES.test(module))) return [];
  // Next.js app-router pages and layouts are server components unless marked 'use client'.
  if (NEXT_SERVER_COMPONENT.test(`/${file.path}`) && !parsed.ast.program.directives.some((d) => d.value.value === 'use client')) return [];
  const specs = [...fetchCalls(parsed), ...axiosCalls(parsed), ...kyCalls(parsed), ...ofetchCalls(parsed), ...xhrCalls(parsed), ...eventSourceCalls(parsed), ...graphqlCalls(parsed)];
  const out: ClientCall[] = [];
  for (const spec of specs) {
    if (onServer(spec.urlNode, parsed)) continue;
    for (const resolved of resolveUrl(spec.urlNode, parsed, project, spec.base) ?? []) {
      if (!/^https?:\/\//i.test(resolved.url)) continue;
      out.push({ loc: locOf(spec.urlNode, file.path), api: spec.api, mode: resolved.mode, url: resolved.url, requests: spec.requests, envLine: resolved.envLine, detail: spec.detail });
    }
  }
  return out.sort((a, b) => a.loc.line - b.loc.line || a.loc.column - b.loc.column);
}

const NEXT_SERVER_COMPONENT = /\/app\/(.*\/)?(page|layout|template|default|not-found|route)\.[cm]?[jt]sx?$/;
/** Functions frameworks run on the server (Next.js data functions, Remix/React Router loaders and actions). */
const SERVER_FUNCTIONS = new Set(['getServerSideProps', 'getStaticProps', 'getStaticPaths', 'getInitialProps', 'generateStaticParams', 'generateMetadata', 'loader', 'action']);

function onServer(node: Node, parsed: ParsedJs): boolean {
  for (let current = parsed.parents.get(node); current; current = parsed.parents.get(current)) {
    const name =
      current.type === 'FunctionDeclaration' ? current.id?.name : current.type === 'VariableDeclarator' && current.id.type === 'Identifier' ? current.id.name : current.type === 'ObjectMethod' || current.type === 'ClassMethod' ? (current.key.type === 'Identifier' ? current.key.name : undefined) : current.type === 'AssignmentExpression' && current.left.type === 'MemberExpression' && current.left.property.type === 'Identifier' ? current.left.property.name : undefined;
    if (name !== undefined && SERVER_FUNCTIONS.has(name)) return true;
  }
  return false;
}

/** `fetch(url, init)` with a literal init (or none). */
function fetchCalls(parsed: ParsedJs): CallSpec[] {
  const out: CallSpec[] = [];
  for (const call of parsed.calls) {
    // A local `fetch` function, or node-fetch/undici, is not the browser's; `window.fetch` and `globalThis.fetch` are.
    const callee = call.callee;
    const global = callee.type === 'MemberExpression' && !callee.computed && callee.object.type === 'Identifier' && ['window', 'globalThis', 'self'].includes(callee.object.name) && callee.property.type === 'Identifier' && callee.property.name === 'fetch';
    if (!global && (callee.type !== 'Identifier' || callee.name !== 'fetch' || parsed.bindings.values.has('fetch') || /^(node-fetch|undici)$/.test(parsed.bindings.imports.get('fetch')?.module ?? ''))) continue;
    const [url, init] = call.arguments;
    if (!url || (init && init.type !== 'ObjectExpression')) continue;
    const request = fetchInit(init as ObjectExpression | undefined, { method: 'GET', headers: [], credentials: false });
    if (request) out.push({ api: 'fetch', urlNode: url as Node, requests: [request] });
  }
  return out;
}

/**
 * A fetch-style init object over `start`: `method`, `headers`, `credentials`, `mode`. Other keys
 * (body, cache, signal, …) do not change what the CORS check sees; a body's own Content-Type only
 * comes from a Blob with a type, which literal code rarely sends.
 */
export function fetchInit(init: ObjectExpression | undefined, start: ClientRequest, options: { methodFrom?: (written: string) => string | undefined } = {}): ClientRequest | undefined {
  let method = start.method;
  const state: FetchOptionState = { credentials: start.credentials ?? false, headers: [...(start.headers ?? [])], contentTypeSet: false };
  for (const property of init?.properties ?? []) {
    if (property.type !== 'ObjectProperty' || property.computed) return undefined;
    const key = property.key.type === 'Identifier' ? property.key.name : property.key.type === 'StringLiteral' ? property.key.value : undefined;
    if (key === undefined) return undefined;
    const value = property.value as Node;
    const read = readFetchOption(key, value, state);
    if (read === 'unreadable') return undefined;
    if (read === 'other' && key === 'method') {
      if (value.type !== 'StringLiteral') return undefined;
      const wire = (options.methodFrom ?? wireMethod)(value.value);
      if (wire === undefined) return undefined;
      method = wire;
    }
  }
  return { method, headers: [...new Set(state.headers)], credentials: state.credentials };
}
