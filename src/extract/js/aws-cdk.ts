import type { CallExpression, NewExpression, Node } from '@babel/types';
import { cdkRestProfile, mockPreflightProgram } from '../../model/frameworks/aws.js';
import type { CorsPolicy, Format, ListSetting, Loc, Located, OriginMatcher, Tri } from '../../model/types.js';
import { httpApiCorsPolicy, httpApiOrigin } from '../aws-cors.js';
import { gatewayPolicy } from '../yaml/policy.js';
import { evaluate, locOf, type Bindings, type JsValue } from './values.js';

/**
 * AWS CDK constructs that configure API Gateway CORS, read from the app's TypeScript/JavaScript:
 *
 * - REST APIs (`aws-apigateway`): `defaultCorsPreflightOptions` of `RestApi`, `LambdaRestApi`,
 *   `StepFunctionsRestApi`, `Resource` and `addResource(path, { … })`, and `addCorsPreflight({ … })`.
 *   All of them become one mock OPTIONS method per resource (the CDK's `Resource.addCorsPreflight`,
 *   semantics in cdkRestProfile); the API's other answers come from its integrations (a Lambda
 *   proxy sets its own headers), which the model cannot see.
 * - HTTP APIs (`aws-apigatewayv2`): `HttpApi`'s `corsPreflight`, which the CDK writes into the API's
 *   CorsConfiguration, and `CfnApi`'s `corsConfiguration` (that resource written directly): the same
 *   settings a template writes (aws-cors.ts).
 *
 * Only constructs whose class comes from a CDK module (by import or require, `aws-cdk-lib` or v1's
 * `@aws-cdk/…`) are read. The CDK's constants (`Cors.ALL_ORIGINS`, `CorsHttpMethod.GET`,
 * `Duration.days(1)`) are known here; props, context values and imports from elsewhere stay unknown.
 */

type Service = 'apigateway' | 'apigatewayv2' | 'core';
interface CdkName {
  service: Service;
  /** The exported name, with the members read off it (`Cors.ALL_ORIGINS`); undefined for the module itself. */
  name?: string;
}

const SERVICE_MODULES: Record<string, Service> = {
  'aws-cdk-lib/aws-apigateway': 'apigateway',
  '@aws-cdk/aws-apigateway': 'apigateway',
  'aws-cdk-lib/aws-apigatewayv2': 'apigatewayv2',
  '@aws-cdk/aws-apigatewayv2': 'apigatewayv2',
  '@aws-cdk/aws-apigatewayv2-alpha': 'apigatewayv2',
  '@aws-cdk/core': 'core',
};
/** `import { aws_apigateway as apigw } from 'aws-cdk-lib'` and `cdk.aws_apigateway`. */
const LIB_NAMESPACES: Record<string, Service> = { aws_apigateway: 'apigateway', aws_apigatewayv2: 'apigatewayv2' };

/** What a name or member chain refers to in the CDK, if anything. */
function cdkName(node: Node, bindings: Bindings, depth = 0): CdkName | 'lib' | undefined {
  if (depth > 6) return undefined;
  if (node.type === 'Identifier') {
    const imported = bindings.imports.get(node.name);
    if (!imported) return undefined;
    const whole = imported.imported === '*' || imported.imported === 'default';
    if (imported.module === 'aws-cdk-lib') {
      if (whole) return 'lib';
      const service = LIB_NAMESPACES[imported.imported];
      return service ? { service } : { service: 'core', name: imported.imported };
    }
    const service = SERVICE_MODULES[imported.module];
    if (!service) return undefined;
    return whole ? { service } : { service, name: imported.imported };
  }
  if ((node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && !node.computed && node.property.type === 'Identifier') {
    const owner = cdkName(node.object, bindings, depth + 1);
    const property = node.property.name;
    if (owner === undefined) return undefined;
    if (owner === 'lib') return LIB_NAMESPACES[property] ? { service: LIB_NAMESPACES[property] } : { service: 'core', name: property };
    return { service: owner.service, name: owner.name ? `${owner.name}.${property}` : property };
  }
  if (node.type === 'TSAsExpression' || node.type === 'TSNonNullExpression' || node.type === 'ParenthesizedExpression') return cdkName(node.expression, bindings, depth + 1);
  return undefined;
}

const ALL_METHODS = ['OPTIONS', 'GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD'];
const DEFAULT_HEADERS = ['Content-Type', 'X-Amz-Date', 'Authorization', 'X-Api-Key', 'X-Amz-Security-Token', 'X-Amz-User-Agent'];
/** The CDK's constants, by service and name (aws-apigateway `Cors`, aws-apigatewayv2 `CorsHttpMethod`). */
const CONSTANTS: Record<string, string | string[]> = {
  'apigateway:Cors.ALL_ORIGINS': ['*'],
  'apigateway:Cors.ALL_METHODS': ALL_METHODS,
  'apigateway:Cors.DEFAULT_HEADERS': DEFAULT_HEADERS,
  'apigatewayv2:CorsHttpMethod.ANY': '*',
  ...Object.fromEntries(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'].map((method) => [`apigatewayv2:CorsHttpMethod.${method}`, method])),
};
const DURATION_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

/**
 * `evaluate`, and what it leaves unknown that the CDK defines: its constants, `Duration.x(n)`, and
 * the spread of a constant list. Every value keeps the node it was written as.
 */
function cdkValue(value: JsValue, bindings: Bindings): JsValue {
  if (value.kind === 'array') {
    const items: JsValue[] = [];
    for (const item of value.items) {
      if (item.kind === 'unknown' && item.node?.type === 'SpreadElement') {
        const spread = cdkValue(evaluate(item.node.argument, bindings), bindings);
        items.push(...(spread.kind === 'array' ? spread.items : [item]));
      } else items.push(cdkValue(item, bindings));
    }
    return { ...value, items };
  }
  if (value.kind !== 'unknown' || !value.node) return value;
  const node = value.node;
  const named = cdkName(node, bindings);
  if (named && named !== 'lib' && named.name) {
    const constant = CONSTANTS[`${named.service}:${named.name}`];
    if (typeof constant === 'string') return { kind: 'string', value: constant, node };
    if (constant) return { kind: 'array', items: constant.map((item) => ({ kind: 'string', value: item, node })), node };
  }
  if (node.type === 'CallExpression' && node.arguments.length === 1) {
    const callee = cdkName(node.callee, bindings);
    const unit = callee && callee !== 'lib' && callee.service === 'core' ? /^Duration\.(\w+)$/.exec(callee.name ?? '')?.[1] : undefined;
    const amount = unit && DURATION_SECONDS[unit] ? evaluate(node.arguments[0] as Node, bindings) : undefined;
    if (amount?.kind === 'number') return { kind: 'number', value: amount.value * DURATION_SECONDS[unit!], node };
  }
  return value;
}

interface Reader {
  file: string;
  format: Format;
  bindings: Bindings;
}

function option(reader: Reader, options: JsValue, key: string): JsValue | undefined {
  if (options.kind !== 'object') return undefined;
  const value = options.properties.get(key) ?? options.properties.get('*unknown-spread*');
  return value && cdkValue(value, reader.bindings);
}

function locatedBool(reader: Reader, value: JsValue | undefined): Located<Tri> | undefined {
  if (!value) return undefined;
  return { value: value.kind === 'boolean' ? value.value : 'unknown', loc: locOf(value.node, reader.file) };
}

function listSetting(reader: Reader, value: JsValue | undefined, fallback: ListSetting): ListSetting {
  if (!value) return fallback;
  const loc = locOf(value.node, reader.file);
  if (value.kind !== 'array' || !value.items.every((item) => item.kind === 'string')) return { kind: 'unknown', loc };
  const items = value.items.map((item) => (item as { value: string }).value.trim());
  return items.includes('*') ? { kind: 'wildcard', loc } : { kind: 'list', items, loc };
}

function seconds(reader: Reader, value: JsValue | undefined): Located<number | 'unknown'> | undefined {
  if (!value) return undefined;
  return { value: value.kind === 'number' && Number.isInteger(value.value) ? value.value : 'unknown', loc: locOf(value.node, reader.file) };
}

/** The origins as written: each string with its own position, anything computed unknown. */
function originItems(reader: Reader, value: JsValue): Array<{ value: string; loc: Loc } | { unknown: string; loc: Loc }> {
  const items = value.kind === 'array' ? value.items : [value];
  return items.map((item) => (item.kind === 'string' ? { value: item.value, loc: locOf(item.node, reader.file) } : { unknown: item.kind === 'unknown' ? item.reason : 'not a string', loc: locOf(item.node ?? value.node, reader.file) }));
}

/** A REST API's CorsOptions: the mock OPTIONS method `Resource.addCorsPreflight` builds from them. */
function restPreflightPolicy(reader: Reader, options: JsValue, anchor: Node, label: string, kind: 'app' | 'route'): CorsPolicy | undefined {
  const sourceLoc = locOf(anchor, reader.file);
  // Options from props or another package: nothing here is known, and no rule could say anything.
  if (options.kind !== 'object') return undefined;
  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  const originsValue = option(reader, options, 'allowOrigins');
  // allowOrigins is required: without it the options do not compile, and plain JavaScript fails at synth.
  if (!originsValue) return undefined;
  let origins: OriginMatcher[];
  if (originsValue.kind !== 'array') origins = [{ kind: 'unknown', reason: originsValue.kind === 'unknown' ? originsValue.reason : 'not a list', loc: locOf(originsValue.node, reader.file) }];
  else {
    const items = originItems(reader, originsValue);
    origins = items.map((item): OriginMatcher => ('unknown' in item ? { kind: 'unknown', reason: item.unknown, loc: item.loc } : item.value === '*' ? { kind: 'any', loc: item.loc } : { kind: 'exact', value: item.value, loc: item.loc }));
    const star = items.find((item) => 'value' in item && item.value === '*');
    if (items.length === 0) rejected.push({ loc: locOf(originsValue.node, reader.file), message: 'The CDK refuses an empty allowOrigins ("allowOrigins must contain at least one origin"): synth fails' });
    else if (star && items.length > 1) rejected.push({ loc: star.loc, message: `The CDK refuses '*' next to other origins ("Invalid "allowOrigins" - cannot mix "*" with specific origins"): synth fails` });
    if (rejected.length > 0) origins = [];
  }
  const methodsValue = option(reader, options, 'allowMethods');
  let allowMethods = listSetting(reader, methodsValue, { kind: 'list', items: ALL_METHODS, loc: sourceLoc });
  // `ANY` alone stands for every method.
  if (allowMethods.kind === 'list' && allowMethods.items.length === 1 && allowMethods.items[0].toUpperCase() === 'ANY') allowMethods = { kind: 'list', items: ALL_METHODS, loc: allowMethods.loc };
  const disableCache = option(reader, options, 'disableCache');
  const maxAge = disableCache?.kind === 'boolean' && disableCache.value ? { value: -1, loc: locOf(disableCache.node, reader.file) } : seconds(reader, option(reader, options, 'maxAge'));
  const status = option(reader, options, 'statusCode');
  const first = origins[0];
  return mockPolicy(reader, {
    label,
    kind,
    sourceLoc,
    origins,
    credentials: locatedBool(reader, option(reader, options, 'allowCredentials')),
    allowMethods,
    allowHeaders: listSetting(reader, option(reader, options, 'allowHeaders'), { kind: 'list', items: DEFAULT_HEADERS, loc: sourceLoc }),
    exposeHeaders: listSetting(reader, option(reader, options, 'exposeHeaders'), { kind: 'default' }),
    maxAge,
    status: status === undefined ? 204 : status.kind === 'number' ? status.value : undefined,
    vary: first === undefined ? false : first.kind === 'unknown' ? 'unknown' : first.kind !== 'any',
    rejected,
  });
}

interface MockParts {
  label: string;
  kind: 'app' | 'route';
  sourceLoc: Loc;
  origins: OriginMatcher[];
  credentials?: Located<Tri>;
  allowMethods?: ListSetting;
  allowHeaders?: ListSetting;
  exposeHeaders?: ListSetting;
  maxAge?: Located<number | 'unknown'>;
  /** The preflight's status; undefined when computed. */
  status?: number;
  vary: Tri;
  rejected?: CorsPolicy['rejected'];
}

function mockPolicy(reader: Reader, parts: MockParts): CorsPolicy {
  return gatewayPolicy(
    { file: reader.file, format: reader.format },
    {
      profile: cdkRestProfile,
      scope: { kind: parts.kind, label: parts.label },
      sourceLoc: parts.sourceLoc,
      origins: parts.origins,
      // One origin is sent as it is; with more, the request's Origin replaces it when it equals one of them.
      originMode: parts.origins.length === 1 && parts.origins[0].kind === 'exact' ? 'fixed' : 'compare',
      credentials: parts.credentials,
      allowMethods: parts.allowMethods,
      allowHeaders: parts.allowHeaders,
      exposeHeaders: parts.exposeHeaders,
      maxAge: parts.maxAge,
      preflight: parts.status === undefined ? { kind: 'unknown' } : { kind: 'handled', status: parts.status, loc: parts.sourceLoc },
      vary: parts.vary,
      rejected: parts.rejected,
      program: mockPreflightProgram,
    },
  );
}

/** An HTTP API's `corsPreflight` (or a CfnApi's `corsConfiguration`): the API's CorsConfiguration, which API Gateway applies to every route. */
const CDK_REFUSAL = `The CDK refuses allowCredentials with allowOrigins '*' ("CORS preflight - allowCredentials is not supported when allowOrigin is '*'"): synth fails`;
const API_GATEWAY_REFUSAL = `API Gateway refuses allow-credentials with allow-origin '*' ("allow-credentials is not supported if 'allow-origin' is *"): the deploy fails`;

function httpApiPolicy(reader: Reader, options: JsValue, anchor: Node, label: string, refusal: string): CorsPolicy | undefined {
  if (options.kind !== 'object') return undefined;
  const sourceLoc = locOf(anchor, reader.file);
  const originsValue = option(reader, options, 'allowOrigins');
  let origins: OriginMatcher[] = [];
  if (originsValue?.kind === 'array') origins = originItems(reader, originsValue).map((item) => ('unknown' in item ? { kind: 'unknown', reason: item.unknown, loc: item.loc } : httpApiOrigin(item.value, item.loc)));
  else if (originsValue) origins = [{ kind: 'unknown', reason: originsValue.kind === 'unknown' ? originsValue.reason : 'not a list', loc: locOf(originsValue.node, reader.file) }];
  return httpApiCorsPolicy(reader, {
    label,
    sourceLoc,
    origins,
    credentials: locatedBool(reader, option(reader, options, 'allowCredentials')),
    allowMethods: listSetting(reader, option(reader, options, 'allowMethods'), { kind: 'default' }),
    allowHeaders: listSetting(reader, option(reader, options, 'allowHeaders'), { kind: 'default' }),
    exposeHeaders: listSetting(reader, option(reader, options, 'exposeHeaders'), { kind: 'default' }),
    maxAge: seconds(reader, option(reader, options, 'maxAge')),
    refusal,
  });
}

const REST_CONSTRUCTS = new Set(['RestApi', 'LambdaRestApi', 'StepFunctionsRestApi', 'Resource']);

/** The position and name of the construct's id argument (`new RestApi(this, 'OrdersApi', …)`), for labels. */
function constructLabel(call: NewExpression, className: string): string {
  const id = call.arguments[1];
  return id?.type === 'StringLiteral' ? `${className} ${id.value}` : className;
}

export function cdkPolicies(parsed: { file: string; bindings: Bindings; calls: CallExpression[]; siteCalls: Array<CallExpression | NewExpression>; text: string }): CorsPolicy[] {
  // Cheap: a file that names no CDK module has no construct to read.
  if (!/aws-cdk-lib|@aws-cdk\//.test(parsed.text)) return [];
  const reader: Reader = { file: parsed.file, format: /\.(c|m)?tsx?$/.test(parsed.file) ? 'ts' : 'js', bindings: parsed.bindings };
  const out: CorsPolicy[] = [];
  for (const call of parsed.siteCalls) {
    if (call.type !== 'NewExpression') continue;
    const named = cdkName(call.callee as Node, parsed.bindings);
    if (!named || named === 'lib' || !named.name) continue;
    const props = call.arguments[2];
    if (!props || props.type === 'SpreadElement' || props.type === 'ArgumentPlaceholder') continue;
    const options = evaluate(props as Node, parsed.bindings);
    if (named.service === 'apigateway' && REST_CONSTRUCTS.has(named.name)) {
      const cors = options.kind === 'object' ? options.properties.get('defaultCorsPreflightOptions') : undefined;
      const policy = cors && restPreflightPolicy(reader, cdkValue(cors, parsed.bindings), cors.node, constructLabel(call, named.name), named.name === 'Resource' ? 'route' : 'app');
      if (policy) out.push(policy);
    } else if (named.service === 'apigatewayv2' && (named.name === 'HttpApi' || named.name === 'CfnApi')) {
      // CfnApi is the CloudFormation resource itself: its corsConfiguration goes to API Gateway unchecked by the CDK.
      const cfn = named.name === 'CfnApi';
      const cors = options.kind === 'object' ? options.properties.get(cfn ? 'corsConfiguration' : 'corsPreflight') : undefined;
      const policy = cors && httpApiPolicy(reader, cdkValue(cors, parsed.bindings), cors.node, constructLabel(call, named.name), cfn ? API_GATEWAY_REFUSAL : CDK_REFUSAL);
      if (policy) out.push(policy);
    }
  }
  // `resource.addCorsPreflight({ … })` and `resource.addResource('orders', { defaultCorsPreflightOptions })`: any
  // receiver, in a file that imports the REST API module (the method names are the CDK's own).
  if (![...parsed.bindings.imports.values()].some((imported) => SERVICE_MODULES[imported.module] === 'apigateway' || (imported.module === 'aws-cdk-lib' && (imported.imported === '*' || imported.imported === 'default' || imported.imported === 'aws_apigateway')))) return out;
  for (const call of parsed.calls) {
    const callee = call.callee;
    if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier') continue;
    const method = callee.property.name;
    if (method === 'addCorsPreflight' && call.arguments.length === 1 && call.arguments[0].type !== 'SpreadElement') {
      const options = cdkValue(evaluate(call.arguments[0] as Node, parsed.bindings), parsed.bindings);
      const policy = restPreflightPolicy(reader, options, call.arguments[0] as Node, 'addCorsPreflight', 'route');
      if (policy) out.push(policy);
    } else if (method === 'addResource' && call.arguments.length === 2 && call.arguments[1].type !== 'SpreadElement') {
      const options = evaluate(call.arguments[1] as Node, parsed.bindings);
      const cors = options.kind === 'object' ? options.properties.get('defaultCorsPreflightOptions') : undefined;
      const path = evaluate(call.arguments[0] as Node, parsed.bindings);
      const policy = cors && restPreflightPolicy(reader, cdkValue(cors, parsed.bindings), cors.node, `addResource ${path.kind === 'string' ? path.value : ''}`.trim(), 'route');
      if (policy) out.push(policy);
    }
  }
  return out;
}
