import type { Loc, SourceFile } from '../../model/types.js';
import { jsonErrorOffset, lineStartsOf, offsetsToLoc } from '../offsets.js';
import { policiesOfDocuments, type YamlExtraction } from './extract.js';
import { parseYaml } from './parse.js';

/**
 * CloudFormation and SAM templates, OpenAPI documents and Serverless Framework configs are as
 * often JSON as YAML (`template.json`, `openapi.json`, `serverless.json`). JSON is YAML's flow
 * syntax, so the same reader and the same gateway extractors read them, with a position on every
 * value; what differs is which parser has the last word: `JSON.parse` decides whether the file is
 * valid (as CloudFormation, API Gateway and the Serverless Framework do), so the YAML reader's own
 * complaints — a duplicate key, which JSON parsers settle by keeping the last one, as `get` does —
 * are not reported.
 */

/**
 * Signs that a JSON file configures a gateway this program reads, found without parsing: a
 * CloudFormation resource type of SAM or API Gateway, a Lambda function URL, an API Gateway OpenAPI extension, or a
 * Serverless Framework service. Every other JSON file (package.json, tsconfig.json, lockfiles, data,
 * test fixtures) is skipped here, unparsed.
 */
const SIGNATURES: ReadonlyArray<{ test: RegExp; why: string }> = [
  { test: /"AWS::(Serverless::(Api|HttpApi)|ApiGateway::(Method|RestApi)|ApiGatewayV2::Api)"/, why: 'a CloudFormation/SAM template with an API Gateway resource' },
  { test: /"AWS::Lambda::Url"|"FunctionUrlConfig"/, why: 'a CloudFormation/SAM template with a Lambda function URL' },
  { test: /"x-amazon-apigateway-(cors|integration)"/, why: 'an OpenAPI document with API Gateway extensions' },
];
const SERVERLESS = { service: /"service"\s*:/, provider: /"provider"\s*:\s*\{/ };
/**
 * Gateways that take the same configuration as JSON: Envoy (its YAML is read as proto3 JSON, so a
 * `.json` bootstrap holds the same fields), Kong's declarative file (`kong.json`, with its
 * `_format_version`) and APISIX (an Admin API route or service body, a standalone `apisix.json`).
 * Each needs its CORS settings' own names, so a JSON file of any other kind stays unparsed.
 */
const GATEWAYS: ReadonlyArray<{ tests: RegExp[]; why: string }> = [
  { tests: [/"(allow_origin_string_match|allowOriginStringMatch)"\s*:/], why: 'an Envoy configuration with a CORS policy' },
  { tests: [/"_format_version"\s*:/, /"cors"/], why: 'a Kong declarative configuration with the cors plugin' },
  { tests: [/"plugins"\s*:/, /"cors"\s*:/, /"(allow_origins|allow_origins_by_regex|allow_credential)"\s*:/], why: 'an APISIX configuration with the cors plugin' },
];

export function looksLikeJsonConfig(text: string): { yes: boolean; why: string } {
  // A JSON template is an object: skip the BOM and blanks, cheaply, before any search of the text.
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (text[i] !== '{') return { yes: false, why: 'not a JSON object' };
  for (const { test, why } of SIGNATURES) if (test.test(text)) return { yes: true, why };
  if (SERVERLESS.service.test(text) && SERVERLESS.provider.test(text)) return { yes: true, why: 'a Serverless Framework config' };
  for (const { tests, why } of GATEWAYS) if (tests.every((test) => test.test(text))) return { yes: true, why };
  return { yes: false, why: 'neither a CloudFormation/SAM template with API Gateway resources, an OpenAPI document with API Gateway extensions, a Serverless Framework config nor an Envoy, Kong or APISIX configuration with CORS' };
}

export function extractJsonTemplatePolicies(file: SourceFile): YamlExtraction {
  const error = jsonSyntaxError(file, 'the service reading it refuses the file');
  if (error) return { policies: [], errors: [error], hosts: [] };
  const parsed = parseYaml(file);
  // JSON.parse has the last word on validity, but a document too deep for the reader is not analysed: that is said, not left silent.
  const tooDeep = parsed.errors.filter((problem) => problem.message.startsWith('YAML nested deeper than')).map((problem) => ({ ...problem, message: problem.message.replace(/^YAML/, 'JSON') }));
  return policiesOfDocuments(parsed, tooDeep);
}

/** A parse-error where `JSON.parse` stops, or undefined for valid JSON (a byte-order mark allowed). */
export function jsonSyntaxError(file: SourceFile, consequence: string): { message: string; loc: Loc } | undefined {
  const text = file.text.replace(/^\uFEFF/, ' ');
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const message = String((error as Error).message);
    const at = jsonErrorOffset(text, message);
    const lineStarts = lineStartsOf(text);
    return { message: `not valid JSON (${message.slice(0, 120)}); ${consequence}`, loc: offsetsToLoc(file.path, lineStarts, at, Math.min(at + 1, text.length)) };
  }
}
