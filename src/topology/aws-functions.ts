import { posix } from 'node:path';
import type { CorsPolicy } from '../model/types.js';
import { parseYamlDocument, yaml } from '../extract/yaml/parse.js';

/**
 * Lambda handlers whose own CORS headers never reach a browser: every function that runs the
 * handler's file is invoked only through HTTP API routes whose API has a CORS configuration, and
 * "If you configure CORS for an API, API Gateway ignores CORS headers returned from your backend
 * integration" (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html). What the
 * API sends is judged on the template's policy; the handler's headers are no finding.
 */
export const ignoredByHttpApi = new WeakMap<CorsPolicy, string>();

interface FunctionUse {
  /** Candidate handler files (posix, relative to the lint root), without extension. */
  module: string;
  /** Every event of the function goes to an HTTP API with a CORS configuration. */
  behindCorsApi: boolean;
  /** Where it is stated, for the reason text. */
  where: string;
}

/** API Gateway's own CORS written in code (AWS CDK): the API, not a handler. */
const GATEWAY_PROFILES = new Set(['aws-sam-rest', 'serverless-http', 'aws-http-api', 'aws-cdk-rest']);

const HANDLER_EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.py'];

export function markHttpApiHandlers(policies: CorsPolicy[], yamlFiles: Map<string, string>): void {
  // Any CORS of the handler's own file: a hand-set response record, or an app wrapped for Lambda (serverless-http, Mangum).
  const handlers = policies.filter((policy) => policy.source.format !== 'yaml' && policy.source.format !== 'nginx' && !GATEWAY_PROFILES.has(policy.profile.id));
  if (handlers.length === 0) return;
  const uses: FunctionUse[] = [];
  for (const [file, text] of yamlFiles) {
    if (/\bCorsConfiguration\b/.test(text) && /AWS::Serverless::Function/.test(text)) uses.push(...samFunctions(file, text));
    else if (/^functions:/m.test(text) && /^provider:/m.test(text) && /\bhttpApi\b/.test(text)) uses.push(...serverlessFunctions(file, text));
  }
  if (uses.length === 0) return;
  const byModule = new Map<string, FunctionUse[]>();
  for (const use of uses) byModule.set(use.module, [...(byModule.get(use.module) ?? []), use]);
  for (const policy of handlers) {
    const file = policy.source.file.replace(/\\/g, '/');
    const extension = HANDLER_EXTENSIONS.find((ext) => file.endsWith(ext));
    if (!extension) continue;
    const found = byModule.get(file.slice(0, -extension.length));
    // A file that some other function runs (a REST route, a queue) sends its headers there.
    if (found && found.every((use) => use.behindCorsApi)) ignoredByHttpApi.set(policy, found[0].where);
  }
}

type Yaml = ReturnType<typeof yaml>;

function documentOf(text: string): import('yaml').Document.Parsed | undefined {
  const parsed = parseYamlDocument(text, { strict: false, logLevel: 'silent', uniqueKeys: false });
  return 'doc' in parsed ? parsed.doc : undefined;
}

function scalarText(lib: Yaml, node: unknown): string | undefined {
  return lib.isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
}

/** The module path a handler string names, relative to the code folder: `src/app.handler` → `src/app`; Python `pkg.mod.fn` → `pkg/mod`. */
function handlerModule(handler: string, python: boolean): string | undefined {
  const dot = handler.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const module = handler.slice(0, dot);
  if (/[$\s{}]/.test(module)) return undefined;
  return python && !module.includes('/') ? module.replace(/\./g, '/') : module;
}

function join(base: string, ...parts: string[]): string | undefined {
  const joined = posix.normalize(posix.join(base, ...parts));
  return joined.startsWith('../') || joined === '..' ? undefined : joined.replace(/^\.\//, '');
}

/** SAM: `AWS::Serverless::Function` resources (with `Globals.Function`) and the `HttpApi` events that invoke them. */
function samFunctions(file: string, text: string): FunctionUse[] {
  const lib = yaml();
  const doc = documentOf(text);
  if (!doc) return [];
  const dir = posix.dirname(file.replace(/\\/g, '/'));
  const resources = doc.get('Resources', true);
  if (!lib.isMap(resources)) return [];
  const globalsFunction = doc.getIn(['Globals', 'Function'], true);
  const globalsCors = doc.getIn(['Globals', 'HttpApi', 'CorsConfiguration'], true);
  const corsApis = new Set<string>();
  for (const pair of resources.items) {
    const name = scalarText(lib, pair.key);
    if (!name || !lib.isMap(pair.value)) continue;
    const type = scalarText(lib, pair.value.get('Type', true));
    const properties = pair.value.get('Properties', true);
    // A CorsConfiguration of `false` turns CORS off; anything else configures it.
    const cors = lib.isMap(properties) ? properties.get('CorsConfiguration', true) : undefined;
    if (type === 'AWS::Serverless::HttpApi' && cors !== undefined && !(lib.isScalar(cors) && cors.value === false)) corsApis.add(name);
  }
  const implicitHasCors = globalsCors !== undefined && !(lib.isScalar(globalsCors) && globalsCors.value === false);
  const out: FunctionUse[] = [];
  for (const pair of resources.items) {
    const name = scalarText(lib, pair.key);
    if (!name || !lib.isMap(pair.value) || scalarText(lib, pair.value.get('Type', true)) !== 'AWS::Serverless::Function') continue;
    const properties = pair.value.get('Properties', true);
    if (!lib.isMap(properties)) continue;
    const property = (key: string) => properties.get(key, true) ?? (lib.isMap(globalsFunction) ? globalsFunction.get(key, true) : undefined);
    const handler = scalarText(lib, property('Handler'));
    const runtime = scalarText(lib, property('Runtime')) ?? '';
    const codeUriNode = property('CodeUri');
    const codeUri = codeUriNode === undefined ? '.' : scalarText(lib, codeUriNode);
    if (!handler || codeUri === undefined || /^s3:|\$\{|^\s*$/.test(codeUri) || lib.isMap(codeUriNode)) continue;
    const module = handlerModule(handler, runtime.startsWith('python'));
    const path = module && join(dir, codeUri, module);
    if (!path) continue;
    const events = properties.get('Events', true);
    let behindCorsApi = lib.isMap(events) && events.items.length > 0;
    if (lib.isMap(events)) {
      for (const event of events.items) {
        const eventType = lib.isMap(event.value) ? scalarText(lib, event.value.get('Type', true)) : undefined;
        const eventProperties = lib.isMap(event.value) ? event.value.get('Properties', true) : undefined;
        const apiId = lib.isMap(eventProperties) ? eventProperties.get('ApiId', true) : undefined;
        const api = apiId === undefined ? undefined : refName(lib, apiId);
        const toCorsApi = eventType === 'HttpApi' && (apiId === undefined ? implicitHasCors : api !== undefined && corsApis.has(api));
        if (!toCorsApi) behindCorsApi = false;
      }
    }
    out.push({ module: path, behindCorsApi, where: `${file}: function ${name}` });
  }
  return out;
}

/** `!Ref Name` or `{ Ref: Name }`. */
function refName(lib: Yaml, node: unknown): string | undefined {
  if (lib.isScalar(node) && node.tag === '!Ref' && typeof node.value === 'string') return node.value;
  if (lib.isMap(node) && node.items.length === 1) return scalarText(lib, node.get('Ref', true));
  return undefined;
}

/** Serverless Framework: `functions` whose every event is an `httpApi` route, with `provider.httpApi.cors` set. */
function serverlessFunctions(file: string, text: string): FunctionUse[] {
  const lib = yaml();
  const doc = documentOf(text);
  if (!doc) return [];
  const dir = posix.dirname(file.replace(/\\/g, '/'));
  const cors = doc.getIn(['provider', 'httpApi', 'cors'], true);
  const apiHasCors = cors !== undefined && cors !== null && !(lib.isScalar(cors) && (cors.value === false || cors.value === null));
  const runtime = scalarText(lib, doc.getIn(['provider', 'runtime'], true)) ?? '';
  const functions = doc.get('functions', true);
  if (!lib.isMap(functions)) return [];
  const out: FunctionUse[] = [];
  for (const pair of functions.items) {
    const name = scalarText(lib, pair.key);
    if (!name || !lib.isMap(pair.value)) continue;
    const handler = scalarText(lib, pair.value.get('handler', true));
    const ownRuntime = scalarText(lib, pair.value.get('runtime', true)) ?? runtime;
    const module = handler && handlerModule(handler, ownRuntime.startsWith('python'));
    const path = module && join(dir, module);
    if (!path) continue;
    const events = pair.value.get('events', true);
    let behindCorsApi = apiHasCors && lib.isSeq(events) && events.items.length > 0;
    if (lib.isSeq(events)) for (const event of events.items) if (!(lib.isMap(event) && event.items.length === 1 && scalarText(lib, event.items[0].key) === 'httpApi')) behindCorsApi = false;
    out.push({ module: path, behindCorsApi, where: `${file}: function ${name}` });
  }
  return out;
}
