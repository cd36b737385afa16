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

export function looksLikeJsonConfig(text: string): { yes: boolean; why: string } {
  // A JSON template is an object: skip the BOM and blanks, cheaply, before any search of the text.
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (i < text.length && /\s/.test(text[i])) i++;
  if (text[i] !== '{') return { yes: false, why: 'not a JSON object' };
  for (const { test, why } of SIGNATURES) if (test.test(text)) return { yes: true, why };
  if (SERVERLESS.service.test(text) && SERVERLESS.provider.test(text)) return { yes: true, why: 'a Serverless Framework config' };
  return { yes: false, why: 'neither a CloudFormation/SAM template with API Gateway resources, an OpenAPI document with API Gateway extensions nor a Serverless Framework config' };
}

export function extractJsonTemplatePolicies(file: SourceFile): YamlExtraction {
  const error = jsonSyntaxError(file, 'the service reading it refuses the file');
  if (error) return { policies: [], errors: [error], hosts: [] };
  return policiesOfDocuments(parseYaml(file), []);
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
