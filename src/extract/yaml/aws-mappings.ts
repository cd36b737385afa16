import type { Node as YamlNode } from 'yaml';
import { samRestProfile } from '../../model/frameworks/aws.js';
import type { CorsPolicy, CorsRequest, FrameworkProfile } from '../../model/types.js';
import { routeHeaderPolicy, type RouteAnswer, type RouteHeader } from '../platform/route-headers.js';
import { entries, get, isMap, isSeq, nodeLoc, valueOf, type ParsedYaml } from './parse.js';
import { partLoc } from './policy.js';

/**
 * API Gateway REST headers written by hand as integration-response mappings: CloudFormation's
 * `AWS::ApiGateway::Method` `Integration.IntegrationResponses[].ResponseParameters`, and OpenAPI's
 * `x-amazon-apigateway-integration.responses.*.responseParameters` (a bare definition, or the
 * `Body`/`DefinitionBody` of a RestApi or SAM Api). The classic use is the mock OPTIONS method that
 * answers preflights. A value is a mapping expression (semantics: API Gateway parameter mapping): a
 * static value needs its own single quotes (`"'*'"`); `integration.response.*`, `stageVariables.*`
 * and `context.*` are known only at run time. Proxy integrations pass the backend's headers through
 * and cannot map, so they are not read.
 *
 * Gateway responses (`AWS::ApiGateway::GatewayResponse`, `x-amazon-apigateway-gateway-responses`)
 * are not read: they go only on the gateway's own error pages, which carry no user data.
 */
export const apiGatewayMappingProfile: FrameworkProfile = {
  ...samRestProfile,
  id: 'aws-rest-mappings',
  name: 'API Gateway REST integration responses',
  preflight: { ...samRestProfile.preflight, trigger: 'config' },
  docs: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/request-response-data-mappings.html',
};

const RUNTIME_SOURCE = /^(integration\.response\.(header|multivalueheader)\.[^\s.]+|integration\.response\.body(\..+)?|stageVariables\.\w+|context\.[\w.]+)$/;
const PROXY = /^(AWS|HTTP)_PROXY$/i;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'x-amazon-apigateway-any-method'];

export function apiGatewayMappingPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const out: CorsPolicy[] = [];
  if (get(root, 'openapi') !== undefined || get(root, 'swagger') !== undefined) out.push(...openApiPolicies(parsed, root));
  for (const { key, value } of entries(get(root, 'Resources'))) {
    const type = valueOf(get(value, 'Type'));
    if (type.kind !== 'string') continue;
    const properties = get(value, 'Properties');
    if (type.value === 'AWS::ApiGateway::Method') out.push(...cloudFormationMethod(parsed, key, properties));
    else if (type.value === 'AWS::ApiGateway::RestApi' || type.value === 'AWS::Serverless::Api') {
      const body = get(properties, type.value === 'AWS::Serverless::Api' ? 'DefinitionBody' : 'Body');
      if (isMap(body)) out.push(...openApiPolicies(parsed, body));
    }
  }
  return out;
}

function cloudFormationMethod(parsed: ParsedYaml, logicalId: string, properties: YamlNode | null | undefined): CorsPolicy[] {
  const integration = get(properties, 'Integration');
  const kind = valueOf(get(integration, 'Type'));
  if (kind.kind === 'string' && PROXY.test(kind.value)) return [];
  const method = valueOf(get(properties, 'HttpMethod'));
  const responses = get(integration, 'IntegrationResponses');
  if (!isSeq(responses)) return [];
  return responses.items.flatMap((response) =>
    mappingPolicy(parsed, {
      parameters: get(response, 'ResponseParameters'),
      method: method.kind === 'string' ? method.value.toUpperCase() : undefined,
      status: get(response, 'StatusCode'),
      selective: get(response, 'SelectionPattern') !== undefined,
      label: `method ${logicalId}`,
    }),
  );
}

function openApiPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const out: CorsPolicy[] = [];
  for (const { key: path, value: item } of entries(get(root, 'paths'))) {
    for (const { key: operation, value } of entries(item)) {
      if (!METHODS.includes(operation.toLowerCase())) continue;
      const integration = get(value, 'x-amazon-apigateway-integration');
      const kind = valueOf(get(integration, 'type'));
      if (kind.kind === 'string' && PROXY.test(kind.value)) continue;
      const method = operation.toLowerCase() === 'x-amazon-apigateway-any-method' ? 'ANY' : operation.toUpperCase();
      for (const { key: selection, value: response } of entries(get(integration, 'responses'))) {
        out.push(
          ...mappingPolicy(parsed, {
            parameters: get(response, 'responseParameters'),
            method,
            status: get(response, 'statusCode'),
            selective: selection !== 'default',
            label: `${method} ${path}`,
            path,
          }),
        );
      }
    }
  }
  return out;
}

interface Mapping {
  parameters: YamlNode | null | undefined;
  /** The method's HTTP method (`ANY` for all), or undefined when it is computed. */
  method: string | undefined;
  status: YamlNode | null | undefined;
  /** True for a response chosen by a selection pattern (an error mapping) rather than the default one. */
  selective: boolean;
  label: string;
  path?: string;
}

function mappingPolicy(parsed: ParsedYaml, mapping: Mapping): CorsPolicy[] {
  const headers: RouteHeader[] = [];
  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  for (const { key, keyNode, value } of entries(mapping.parameters)) {
    const name = /^method\.response\.header\.(.+)$/i.exec(key)?.[1];
    if (!name) continue;
    const scalar = valueOf(value);
    const loc = nodeLoc(parsed, keyNode);
    const valueLoc = nodeLoc(parsed, value ?? keyNode);
    const text = scalar.kind === 'string' ? scalar.value.trim() : undefined;
    const quoted = text === undefined ? null : /^'(.*)'$/s.exec(text);
    // The finding goes on the static value itself, inside its quotes.
    if (quoted) headers.push({ name, value: quoted[1], rawValue: scalar.kind === 'string' ? scalar.value : '', loc, valueLoc: quoted[1] ? partLoc(parsed, scalar, quoted[1]) : valueLoc });
    else {
      if (text !== undefined && !RUNTIME_SOURCE.test(text) && /^access-control-/i.test(name)) {
        rejected.push({ loc: valueLoc, message: `API Gateway reads ${name} as a mapping expression, so a static value needs its own quotes: write "'${text.slice(0, 80)}'"; as written the deploy fails with "Invalid mapping expression specified"` });
      }
      headers.push({ name, value: null, rawValue: text ?? '', loc, valueLoc });
    }
  }
  const first = entries(mapping.parameters)[0];
  if (!first || !headers.some((header) => /^access-control-allow-origin$/i.test(header.name))) return [];
  const statusValue = valueOf(mapping.status);
  const status = statusValue.kind === 'number' ? statusValue.value : statusValue.kind === 'string' && /^\d{3}$/.test(statusValue.value.trim()) ? Number(statusValue.value) : undefined;
  const answers = answersFor(mapping.method, status, mapping.selective);
  const sourceLoc = nodeLoc(parsed, first.keyNode);
  const policy = routeHeaderPolicy({
    file: parsed.file,
    format: 'yaml',
    profile: apiGatewayMappingProfile,
    path: mapping.path,
    sourceLoc,
    headers,
    answers,
    preflight: mapping.method === 'OPTIONS' && status !== undefined && !mapping.selective ? { kind: 'handled', status, loc: sourceLoc } : { kind: 'unknown' },
    scope: { kind: 'route', label: mapping.label, path: mapping.path, methods: mapping.method ? [mapping.method] : undefined },
  });
  if (!policy) return [];
  if (rejected.length > 0) policy.rejected = rejected;
  return [policy];
}

/**
 * Which requests this integration response answers: the default response answers its method's
 * successful requests (a mock OPTIONS method: the preflights), a selection-pattern response the
 * backend errors with its status. Anything else is another method's or response's answer.
 */
function answersFor(method: string | undefined, status: number | undefined, selective: boolean): RouteAnswer {
  return (request: CorsRequest) => {
    if (method === undefined || status === undefined) return undefined;
    const asked = request.preflight ? 'OPTIONS' : request.method.toUpperCase();
    // An ANY method's mock would answer OPTIONS too, but whether a template there tells preflights apart is not known.
    if (method !== asked && !(method === 'ANY' && !request.preflight)) return undefined;
    const backend = request.appStatus ?? 200;
    if (selective ? backend !== status : backend < 200 || backend > 299) return undefined;
    return { status };
  };
}
