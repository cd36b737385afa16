import { posix } from 'node:path';
import type { Format } from '../model/types.js';
import { SERVERLESS_CONFIG } from '../extract/js/serverless-config.js';
import { leadingParents } from './modules.js';

/**
 * Stage two of the content prefilter, run before a file is parsed. Stage one (`FormatSpec.prefilter`)
 * passes any file with a CORS word, so `fetch(url, { mode: 'cors' })` or a comment about CORS
 * costs a full parse; about half the JS/TS/Python files it passes hold no policy. Stage two asks
 * for text that the extractors themselves need before they can produce anything:
 *
 * - JS/TS: an import or require of a CORS middleware package (the extractor recognises a factory
 *   only through such an import, never through a local wrapper), `enableCors`, `NestFactory`
 *   (`{ cors: … }`), the `CorsOptions` type of an exported options object, `socket.io`,
 *   `WebSocketGateway` or `apollo-server` (their `cors` option), a module named for CORS with an
 *   `origin:` key (untyped options of the `cors` package), or a CORS header name
 *   (hand-set headers, header records, NestJS `@Header`). A header name can also come from a
 *   constant in another module (`res.setHeader(ACAO, origin)`): a file whose relative imports
 *   reach a module with a header name (within the extractor's own hop limit) passes too.
 * - Python: exactly the gates of extractPythonPolicies (`CORSMiddleware`, `flask_cors`, `sanic_cors`, `CORS_`,
 *   `aiohttp_cors`, `cors_allowed_origins`, Falcon's `cors_enable`, Litestar's `CORSConfig`, `aws_apigateway` of an AWS CDK app or its
 *   Lambda function URLs (`add_function_url`, `FunctionUrl`, `CfnUrl`), the
 *   Access-Control-Allow-Origin header).
 *
 * A file that fails stage two is not lost: imports are read through the module source, so a file
 * holding the options, an allowlist or Django settings for a CORS file is parsed when that file
 * imports it (and its syntax errors are then reported, as a linted file's are). Topology reads
 * frontend files from the lint inputs on its own, not from this list.
 */

/** A CORS response header name, also when written in two concatenated or templated pieces. */
const HEADER_NAME_SOURCE = String.raw`access-control-|control-allow-|control-expose-|control-max-age`;
const HEADER_NAME = new RegExp(HEADER_NAME_SOURCE, 'i');

const JS_CONSTRUCTS = new RegExp(
  [
    // The factories and option types extract.ts knows, by module name. A bare 'cors' string is also
    // fetch's mode, so that one must follow `from`, `require(` or `import`.
    String.raw`['"\x60](?:@koa\/cors|koa2-cors|kcors|hono\/cors|@fastify\/cors|fastify-cors|nextjs-cors|@elysiajs\/cors)['"\x60]`,
    String.raw`(?:\bfrom|\brequire\s*\(|\bimport\s*\(?)\s*['"]cors['"]`,
    String.raw`\benableCors\b|\bNestFactory\b|\bCorsOptions\b`,
    // Socket.IO servers (and NestJS gateways, which make one) and Apollo Server 2/3 take a `cors` option.
    String.raw`['"\x60](?:socket\.io|apollo-server(?:-express)?)['"\x60]|\bWebSocketGateway\b`,
    // The AWS CDK's constructs (extract/js/aws-cdk.ts reads them only through an import of a CDK module).
    String.raw`['"\x60](?:aws-cdk-lib|@aws-cdk\/)`,
    // hapi's own CORS settings: a server's `routes: { cors }`, a route module's `options: { cors }`.
    String.raw`['"\x60](?:@hapi\/hapi|hapi)['"\x60]|\bcors\s*:\s*(?:true\b|\{|\[)`,
    // Payload CMS's `buildConfig({ cors })`.
    String.raw`\bbuildConfig\b`,
    HEADER_NAME_SOURCE,
  ].join('|'),
  'i',
);

/** extractPythonPolicies looks for each framework only when its name is in the text; nothing else yields a policy. */
const PYTHON_FRAMEWORKS = /CORSMiddleware|flask_cors|sanic_cors|CORS_|aiohttp_cors|cors_allowed_origins|cors_enable|CORSConfig|cors_origins|quart_cors|aws_apigateway|add_function_url|FunctionUrl|CfnUrl/;
const PYTHON_HEADER = /access-control-allow-origin/i;

/** Same as js/modules.ts: the extractor follows relative imports through at most this many modules. */
const MAX_HOPS = 3;
const JS_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** Relative module specifiers of import/export-from/require/import(): enough to find a module, never a parse. */
const RELATIVE_SPECIFIER = /(?:\bfrom|\brequire\s*\(|\bimport\s*\(?)\s*['"](\.\.?(?:\/[^'"\n]{0,300})?)['"]/g;

/** Reads a repository module's text without recording it as anyone's dependency. */
export type PeekModule = (path: string, importer: string) => string | undefined;

/**
 * Whether a file that passed stage one is worth parsing for its own policies. `peek` reads the
 * modules a JS/TS file imports (only consulted when the file's own text says nothing).
 */
export function holdsPolicyConstruct(format: Format, path: string, text: string, peek?: PeekModule): boolean {
  if (format === 'python') return PYTHON_FRAMEWORKS.test(text) || PYTHON_HEADER.test(text);
  if (format === 'js' || format === 'ts') return JS_CONSTRUCTS.test(text) || isCorsOptionsModule(path, text) || SERVERLESS_CONFIG.test(path) || (peek !== undefined && importsHeaderName(path, text, peek));
  // nginx (includes, one workspace) and YAML (only CORS documents are parsed) are already narrow.
  return true;
}

/** `cors.js`, `corsConfig.ts` holding `export default { origin: … }` / `module.exports = { origin: … }`: options of the `cors` package (extract.ts). */
function isCorsOptionsModule(path: string, text: string): boolean {
  return /cors[^/\\]*$/i.test(path) && /\borigin\s*:/.test(text);
}

/** Does a module reachable through relative imports (as the extractor follows them) write a CORS header name? */
function importsHeaderName(path: string, text: string, peek: PeekModule): boolean {
  const seen = new Set<string>([path]);
  let frontier: Array<{ path: string; text: string }> = [{ path, text }];
  for (let hop = 0; hop < MAX_HOPS && frontier.length > 0; hop++) {
    const next: Array<{ path: string; text: string }> = [];
    for (const module of frontier) {
      for (const match of module.text.matchAll(RELATIVE_SPECIFIER)) {
        for (const candidate of moduleCandidates(module.path, match[1])) {
          if (seen.has(candidate)) continue;
          seen.add(candidate);
          const imported = peek(candidate, module.path);
          if (imported === undefined) continue;
          if (HEADER_NAME.test(imported)) return true;
          next.push({ path: candidate, text: imported });
        }
      }
    }
    frontier = next;
  }
  return false;
}

/** The files a relative specifier may name, as JsProject.resolvePath tries them (every one, not only the first that exists). */
function moduleCandidates(importer: string, specifier: string): string[] {
  const base = posix.normalize(posix.join(posix.dirname(importer), specifier));
  if (leadingParents(base) > leadingParents(importer)) return [];
  const stem = base.replace(/\.(c|m)?js$/, '');
  return [base, ...JS_EXTENSIONS.map((ext) => `${stem}${ext}`), ...JS_EXTENSIONS.map((ext) => `${base}/index${ext}`)].filter((candidate) => /\.(c|m)?[jt]sx?$/.test(candidate));
}
