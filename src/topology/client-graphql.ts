import type { Node, ObjectExpression } from '@babel/types';
import type { ParsedJs } from '../extract/js/extract.js';
import type { CallSpec } from './client-calls.js';
import { propertyName, readFetchOption, type ClientRequest, type FetchOptionState } from './client-values.js';

/**
 * GraphQL clients: each operation is a POST with `Content-Type: application/json` (so always a
 * preflight), the client's `credentials` (fetch's default `same-origin` otherwise) and its
 * literal headers. The finding goes on the client's URL option. urql sends queries as GET when
 * the URL is short enough (its default since v4): both shapes are kept, and both must fail.
 * Subscriptions over WebSocket are not CORS requests.
 */
const APOLLO = /^(@apollo\/client(\/.*)?|apollo-boost|apollo-link-http|apollo-link-batch-http)$/;
const URQL = /^(urql|@urql\/(core|vue|svelte|preact|solid))$/;

export function graphqlCalls(parsed: ParsedJs): CallSpec[] {
  const imports = parsed.bindings.imports;
  const from = (local: string, modules: RegExp) => {
    const bound = imports.get(local);
    return bound !== undefined && modules.test(bound.module) ? bound.imported : undefined;
  };
  if (![...imports.values()].some(({ module }) => APOLLO.test(module) || URQL.test(module) || module === 'graphql-request')) return [];
  const out: CallSpec[] = [];
  for (const node of parsed.parents.keys()) {
    if ((node.type !== 'NewExpression' && node.type !== 'CallExpression') || node.callee.type !== 'Identifier') continue;
    const local = node.callee.name;
    const args = node.arguments as Node[];
    const apollo = from(local, APOLLO);
    const urql = from(local, URQL);
    const gqlRequest = from(local, /^graphql-request$/);
    if (apollo && ((node.type === 'NewExpression' && ['ApolloClient', 'HttpLink', 'BatchHttpLink'].includes(apollo)) || (node.type === 'CallExpression' && apollo === 'createHttpLink'))) {
      const spec = apolloLink(args[0], apollo === 'ApolloClient' ? 'Apollo Client' : `Apollo ${apollo}`, apollo === 'ApolloClient');
      if (spec) out.push(spec);
    } else if (urql && ((node.type === 'CallExpression' && urql === 'createClient') || (node.type === 'NewExpression' && urql === 'Client'))) {
      const spec = urqlClient(args[0]);
      if (spec) out.push(spec);
    } else if (gqlRequest === 'GraphQLClient' && node.type === 'NewExpression') {
      const spec = graphqlRequestClient(args[0], args[1]);
      if (spec) out.push(spec);
    } else if ((gqlRequest === 'request' || gqlRequest === 'rawRequest') && node.type === 'CallExpression' && args[0]) {
      // `request(url, document, variables)`: a POST with the defaults.
      if (args[0].type !== 'ObjectExpression') out.push({ api: 'graphql-request', urlNode: args[0], requests: [jsonPost([], false)], detail: JSON_DETAIL });
    }
  }
  return out;
}

const JSON_DETAIL = 'a GraphQL POST with Content-Type: application/json';

function jsonPost(headers: string[], credentials: boolean): ClientRequest {
  return { method: 'POST', headers: [...new Set([...headers, 'content-type'])], credentials };
}

/** Reads `credentials` and `headers`; undefined when another option could change the request. */
function readOptions(options: ObjectExpression, keys: { url: string; ignore: string[] }): { url?: Node; credentials: boolean; headers: string[] } | undefined {
  let url: Node | undefined;
  const state: FetchOptionState = { credentials: false, headers: [], contentTypeSet: false };
  for (const property of options.properties) {
    const key = property.type === 'ObjectProperty' && !property.computed ? propertyName(property.key) : undefined;
    if (key === undefined || property.type !== 'ObjectProperty') return undefined;
    const value = property.value as Node;
    if (key === keys.url) url = value;
    else if (key === 'credentials' || key === 'headers') {
      if (readFetchOption(key, value, state) === 'unreadable') return undefined;
    } else if (!keys.ignore.includes(key)) return undefined;
  }
  return { url, credentials: state.credentials, headers: state.headers };
}

/** `new HttpLink({ uri, credentials, headers })`, `createHttpLink(…)`, `new ApolloClient({ uri, credentials, headers, cache })` (without a `link`). */
function apolloLink(options: Node | undefined, api: string, client: boolean): CallSpec | undefined {
  if (options?.type !== 'ObjectExpression') return undefined;
  const ignore = client ? ['cache', 'name', 'version', 'connectToDevTools', 'devtools', 'defaultOptions', 'ssrMode', 'ssrForceFetchDelay', 'queryDeduplication', 'assumeImmutableResults', 'typeDefs', 'resolvers'] : ['includeExtensions', 'includeUnusedVariables', 'print', 'batchMax', 'batchInterval', 'batchDebounce'];
  const read = readOptions(options, { url: 'uri', ignore });
  if (!read?.url || read.url.type === 'ArrowFunctionExpression' || read.url.type === 'FunctionExpression') return undefined;
  return { api, urlNode: read.url, requests: [jsonPost(read.headers, read.credentials)], detail: JSON_DETAIL };
}

/** `createClient({ url, fetchOptions, preferGetMethod, exchanges })`. */
function urqlClient(options: Node | undefined): CallSpec | undefined {
  if (options?.type !== 'ObjectExpression') return undefined;
  let url: Node | undefined;
  let fetchOptions: { credentials: boolean; headers: string[] } = { credentials: false, headers: [] };
  let postOnly = false;
  for (const property of options.properties) {
    const key = property.type === 'ObjectProperty' && !property.computed ? propertyName(property.key) : undefined;
    if (key === undefined || property.type !== 'ObjectProperty') return undefined;
    const value = property.value as Node;
    if (key === 'url') url = value;
    else if (key === 'fetchOptions') {
      // An object, or a function returning one (read per request, e.g. for a token header).
      const object = value.type === 'ArrowFunctionExpression' && value.body.type === 'ObjectExpression' ? value.body : value;
      if (object.type !== 'ObjectExpression') return undefined;
      const read = readOptions(object, { url: '', ignore: ['cache', 'signal', 'mode', 'redirect', 'referrerPolicy'] });
      if (!read || object.properties.some((p) => p.type === 'ObjectProperty' && propertyName(p.key) === 'mode' && !(p.value.type === 'StringLiteral' && p.value.value === 'cors'))) return undefined;
      fetchOptions = read;
    } else if (key === 'preferGetMethod') {
      if (value.type !== 'BooleanLiteral' && value.type !== 'StringLiteral') return undefined;
      postOnly = value.type === 'BooleanLiteral' && !value.value;
    } else if (key === 'exchanges') {
      // Without fetchExchange (only a subscription exchange over WebSocket) nothing goes over HTTP.
      if (value.type !== 'ArrayExpression' || !value.elements.some((element) => element?.type === 'Identifier' && element.name === 'fetchExchange')) return undefined;
    } else if (!['requestPolicy', 'suspense', 'maskTypename'].includes(key)) return undefined;
  }
  if (!url) return undefined;
  const post = jsonPost(fetchOptions.headers, fetchOptions.credentials);
  const get: ClientRequest = { method: 'GET', headers: [...new Set(fetchOptions.headers)], credentials: fetchOptions.credentials };
  return { api: 'urql', urlNode: url, requests: postOnly ? [post] : [post, get], detail: postOnly ? JSON_DETAIL : `${JSON_DETAIL} for mutations, a GET for queries` };
}

/** `new GraphQLClient(url, { credentials, headers })`. */
function graphqlRequestClient(url: Node | undefined, options: Node | undefined): CallSpec | undefined {
  if (!url) return undefined;
  let read: { credentials: boolean; headers: string[] } = { credentials: false, headers: [] };
  if (options) {
    if (options.type !== 'ObjectExpression') return undefined;
    const found = readOptions(options, { url: '', ignore: ['errorPolicy', 'jsonSerializer', 'signal', 'cache', 'responseMiddleware', 'excludeOperationName'] });
    if (!found) return undefined;
    read = found;
  }
  return { api: 'graphql-request', urlNode: url, requests: [jsonPost(read.headers, read.credentials)], detail: JSON_DETAIL };
}
