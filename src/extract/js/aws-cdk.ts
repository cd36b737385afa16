import type { CallExpression, NewExpression, Node } from '@babel/types';
import type { CorsPolicy, Format } from '../../model/types.js';
import { API_GATEWAY_REFUSAL, CDK_REFUSAL, cdkFunctionUrlPolicy, cdkHttpApiPolicy, cdkRestPreflightPolicy, DURATION_SECONDS, HTTP_CONSTANTS, LAMBDA_CONSTANTS, REST_CONSTANTS, type CdkOptions, type CdkValue } from '../cdk-cors.js';
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
 * - Lambda function URLs (`aws-lambda`): the `cors` of `addFunctionUrl({ … })` (on any receiver, in a
 *   file that imports the Lambda module), `new FunctionUrl(…)` and `new CfnUrl(…)`, answered by Lambda.
 *
 * Only constructs whose class comes from a CDK module (by import or require, `aws-cdk-lib` or v1's
 * `@aws-cdk/…`) are read. The CDK's constants (`Cors.ALL_ORIGINS`, `CorsHttpMethod.GET`,
 * `Duration.days(1)`) are known here; props, context values and imports from elsewhere stay unknown.
 */

type Service = 'apigateway' | 'apigatewayv2' | 'lambda' | 'core';
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
  'aws-cdk-lib/aws-lambda': 'lambda',
  '@aws-cdk/aws-lambda': 'lambda',
  '@aws-cdk/core': 'core',
};
/** `import { aws_apigateway as apigw } from 'aws-cdk-lib'` and `cdk.aws_apigateway`. */
const LIB_NAMESPACES: Record<string, Service> = { aws_apigateway: 'apigateway', aws_apigatewayv2: 'apigatewayv2', aws_lambda: 'lambda' };

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

/** The CDK's constants, by service and name (aws-apigateway `Cors`, aws-apigatewayv2 `CorsHttpMethod`). */
const CONSTANTS: Record<string, string | string[]> = {
  ...Object.fromEntries(Object.entries(REST_CONSTANTS).map(([name, value]) => [`apigateway:${name}`, value])),
  ...Object.fromEntries(Object.entries(HTTP_CONSTANTS).map(([name, value]) => [`apigatewayv2:${name}`, value])),
  ...Object.fromEntries(Object.entries(LAMBDA_CONSTANTS).map(([name, value]) => [`lambda:${name}`, value])),
};

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

/** A value in the shared shape (cdk-cors.ts), the CDK's constants resolved; `parent` places items that have no node of their own. */
function toCdk(reader: Reader, value: JsValue, parent?: Node): CdkValue {
  const loc = locOf(value.node ?? parent, reader.file);
  switch (value.kind) {
    case 'string':
    case 'number':
    case 'boolean':
      return { kind: value.kind, value: value.value, loc } as CdkValue;
    case 'array':
      return { kind: 'list', items: value.items.map((item) => toCdk(reader, item, value.node)), loc };
    case 'unknown':
      return { kind: 'unknown', reason: value.reason, loc };
    default:
      return { kind: 'other', loc };
  }
}

/** An object literal's options (a spread of something unseen may set any of them); undefined when the options are not an object here. */
function cdkOptions(reader: Reader, options: JsValue): CdkOptions | undefined {
  if (options.kind !== 'object') return undefined;
  return {
    get(key) {
      const value = options.properties.get(key) ?? options.properties.get('*unknown-spread*');
      return value && toCdk(reader, cdkValue(value, reader.bindings));
    },
  };
}

/** A REST API's CorsOptions; options from props or another package are not known, and no rule could say anything. */
function restPreflightPolicy(reader: Reader, options: JsValue, anchor: Node, label: string, kind: 'app' | 'route'): CorsPolicy | undefined {
  const known = cdkOptions(reader, options);
  return known && cdkRestPreflightPolicy(reader, known, locOf(anchor, reader.file), label, kind);
}

function httpApiPolicy(reader: Reader, options: JsValue, anchor: Node, label: string, refusal: string): CorsPolicy | undefined {
  const known = cdkOptions(reader, options);
  return known && cdkHttpApiPolicy(reader, known, locOf(anchor, reader.file), label, refusal);
}

function functionUrlPolicy(reader: Reader, options: JsValue, anchor: Node, label: string, written: 'construct' | 'cfn'): CorsPolicy | undefined {
  const known = cdkOptions(reader, options);
  return known && cdkFunctionUrlPolicy(reader, known, locOf(anchor, reader.file), label, written);
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
    } else if (named.service === 'lambda' && (named.name === 'FunctionUrl' || named.name === 'CfnUrl')) {
      const cors = options.kind === 'object' ? options.properties.get('cors') : undefined;
      const policy = cors && functionUrlPolicy(reader, cdkValue(cors, parsed.bindings), cors.node, constructLabel(call, named.name), named.name === 'CfnUrl' ? 'cfn' : 'construct');
      if (policy) out.push(policy);
    }
  }
  // `fn.addFunctionUrl({ cors })`: any receiver (a Function, an Alias, a construct's property), in a file that imports the Lambda module.
  const imports = [...parsed.bindings.imports.values()];
  // The service's own module, or aws-cdk-lib whole or through the service's namespace.
  const importsService = (service: Service, namespace: string) =>
    imports.some((imported) => SERVICE_MODULES[imported.module] === service || (imported.module === 'aws-cdk-lib' && (imported.imported === '*' || imported.imported === 'default' || imported.imported === namespace)));
  if (importsService('lambda', 'aws_lambda')) {
    for (const call of parsed.calls) {
      const callee = call.callee;
      if (callee.type !== 'MemberExpression' || callee.computed || callee.property.type !== 'Identifier' || callee.property.name !== 'addFunctionUrl') continue;
      if (call.arguments.length !== 1 || call.arguments[0].type === 'SpreadElement') continue;
      const options = evaluate(call.arguments[0] as Node, parsed.bindings);
      const cors = options.kind === 'object' ? options.properties.get('cors') : undefined;
      const policy = cors && functionUrlPolicy(reader, cdkValue(cors, parsed.bindings), cors.node, 'addFunctionUrl', 'construct');
      if (policy) out.push(policy);
    }
  }
  // `resource.addCorsPreflight({ … })` and `resource.addResource('orders', { defaultCorsPreflightOptions })`: any
  // receiver, in a file that imports the REST API module (the method names are the CDK's own).
  if (!importsService('apigateway', 'aws_apigateway')) return out;
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
