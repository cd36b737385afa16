import type { SyntaxNode } from '@lezer/common';
import type { CorsPolicy } from '../../model/types.js';
import { API_GATEWAY_REFUSAL, CDK_REFUSAL, cdkFunctionUrlPolicy, cdkHttpApiPolicy, cdkRestPreflightPolicy, DURATION_SECONDS, HTTP_CONSTANTS, LAMBDA_CONSTANTS, REST_CONSTANTS, type CdkOptions, type CdkSource, type CdkValue } from '../cdk-cors.js';
import { hasFallback } from './options.js';
import { callArguments, childrenOf, locOf, textOf, type CallArguments, type ParsedPython } from './parse.js';
import { evaluate, resolveName, type ModuleBindings, type PyValue } from './values.js';

/**
 * AWS CDK constructs that configure API Gateway CORS, read from a Python CDK app: the same
 * constructs as js/aws-cdk.ts (`default_cors_preflight_options` of `RestApi`, `LambdaRestApi`,
 * `StepFunctionsRestApi`, `Resource` and `add_resource(path, …)`, `add_cors_preflight(…)`;
 * `HttpApi`'s `cors_preflight`, `CfnApi`'s `cors_configuration`), with the options written as a
 * `CorsOptions(…)` / `CorsPreflightOptions(…)` / `CfnApi.CorsProperty(…)` call or a dict literal.
 * Lambda function URLs: `cors=` of `add_function_url(…)` (any receiver, in a module that imports the
 * Lambda module), `FunctionUrl(…)` and `CfnUrl(…)`, as `FunctionUrlCorsOptions(…)` /
 * `CfnUrl.CorsProperty(…)` or a dict. What the CDK makes of them is cdk-cors.ts. Only classes whose dotted name resolves into a CDK
 * module (`aws_cdk.aws_apigateway`, `aws_cdk.aws_apigatewayv2`, the v2 alpha module) count;
 * `Cors.*`, `CorsHttpMethod.*` and `Duration.<unit>(n)` are known, anything else stays unknown.
 */

type Service = 'apigateway' | 'apigatewayv2' | 'lambda';

/** The CDK service and the name inside it (`Cors.ALL_ORIGINS`) a dotted path refers to. */
function cdkName(dotted: string | undefined): { service: Service; name: string } | undefined {
  const lambda = dotted && /^aws_cdk\.aws_lambda\.(.+)$/.exec(dotted);
  if (lambda) return { service: 'lambda', name: lambda[1] };
  const match = dotted && /^aws_cdk\.aws_apigateway(v2(?:_alpha)?)?\.(.+)$/.exec(dotted);
  return match ? { service: match[1] ? 'apigatewayv2' : 'apigateway', name: match[2] } : undefined;
}

interface Reader {
  parsed: ParsedPython;
  bindings: ModuleBindings;
  source: CdkSource;
}

/** `aws_cdk.Duration.days(1)` (v1: `aws_cdk.core.Duration`) in seconds. */
function duration(reader: Reader, call: SyntaxNode): number | undefined {
  const unit = /^aws_cdk(?:\.core)?\.Duration\.(\w+)$/.exec(resolveName(reader.parsed, call.firstChild, reader.bindings) ?? '')?.[1];
  if (!unit || !Object.hasOwn(DURATION_SECONDS, unit)) return undefined;
  const args = callArguments(reader.parsed, call.getChild('ArgList'));
  if (args.positional.length !== 1 || args.keywords.size > 0 || args.spread) return undefined;
  const amount = evaluate(reader.parsed, args.positional[0], reader.bindings);
  return amount.kind === 'number' ? amount.value * DURATION_SECONDS[unit] : undefined;
}

/** A Python value in the shared shape, the CDK's constants resolved; `None` is an option left unset. */
function toCdk(reader: Reader, value: PyValue): CdkValue | undefined {
  const loc = locOf(reader.parsed, value.node);
  // A fallback for an unset variable is not what every deployment gets: unknown, as any environment value.
  if (hasFallback(value)) return { kind: 'unknown', reason: 'read from the environment', loc };
  switch (value.kind) {
    case 'none':
      return undefined;
    case 'string':
    case 'number':
      return { kind: value.kind, value: value.value, loc } as CdkValue;
    case 'bool':
      return { kind: 'boolean', value: value.value, loc };
    case 'list':
      if (value.incomplete) return { kind: 'unknown', reason: 'the list is extended elsewhere', loc };
      return { kind: 'list', items: value.items.map((item) => toCdk(reader, item) ?? { kind: 'other', loc: locOf(reader.parsed, item.node) }), loc };
    case 'unknown': {
      const named = cdkName(resolveName(reader.parsed, value.node, reader.bindings));
      const constant = named && (named.service === 'apigateway' ? REST_CONSTANTS[named.name] : named.service === 'lambda' ? LAMBDA_CONSTANTS[named.name] : HTTP_CONSTANTS[named.name]);
      if (typeof constant === 'string') return { kind: 'string', value: constant, loc };
      if (constant) return { kind: 'list', items: constant.map((item) => ({ kind: 'string', value: item, loc })), loc };
      const seconds = value.node.name === 'CallExpression' ? duration(reader, value.node) : undefined;
      if (seconds !== undefined) return { kind: 'number', value: seconds, loc };
      return { kind: 'unknown', reason: value.reason, loc };
    }
    default:
      return { kind: 'other', loc };
  }
}

/** `allowOrigins` → `allow_origins`: the Python binding's keyword for a CDK property. */
function snake(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Keyword arguments as options; a `**spread` may set any of them. */
function keywordOptions(reader: Reader, args: CallArguments): CdkOptions {
  return {
    get(key) {
      const written = args.keywords.get(snake(key));
      if (written) return toCdk(reader, evaluate(reader.parsed, written.value, reader.bindings));
      return args.spread ? { kind: 'unknown', reason: 'options passed with ** are not visible', loc: locOf(reader.parsed, args.spread) } : undefined;
    },
  };
}

/** The options an expression holds: a dict literal or a call of one of `classes` (by CDK name); undefined when not known here. */
function optionsOf(reader: Reader, node: SyntaxNode, classes: string[]): CdkOptions | undefined {
  // `cors = apigw.CorsOptions(…)` assigned once, in the module or the function that uses it: the call is what the name holds.
  const value = evaluate(reader.parsed, node, reader.bindings);
  const call = node.name === 'CallExpression' ? node : value.kind === 'unknown' && value.node.name === 'CallExpression' ? value.node : undefined;
  if (call) {
    const named = cdkName(resolveName(reader.parsed, call.firstChild, reader.bindings));
    return named && classes.includes(named.name) ? keywordOptions(reader, callArguments(reader.parsed, call.getChild('ArgList'))) : undefined;
  }
  if (value.kind !== 'dict' || hasFallback(value)) return undefined;
  const unseen = value.incomplete ? locOf(reader.parsed, value.node) : undefined;
  return {
    get(key) {
      const entry = value.entries.get(snake(key));
      if (entry) return toCdk(reader, entry.value);
      return unseen && { kind: 'unknown', reason: 'entries not visible here', loc: unseen };
    },
  };
}

const REST_CONSTRUCTS = new Set(['RestApi', 'LambdaRestApi', 'StepFunctionsRestApi', 'Resource']);
const REST_OPTIONS = ['CorsOptions'];

function label(reader: Reader, args: CallArguments, className: string): string {
  const id = args.positional[1] && evaluate(reader.parsed, args.positional[1], reader.bindings);
  return id?.kind === 'string' ? `${className} ${id.value}` : className;
}

/** The method name of `receiver.method(…)`, whatever the receiver. */
function methodName(reader: Reader, call: SyntaxNode): string | undefined {
  const callee = call.firstChild;
  if (callee?.name !== 'MemberExpression') return undefined;
  const parts = childrenOf(callee);
  const last = parts[parts.length - 1];
  return parts.length === 3 && parts[1].name === '.' && last.name === 'PropertyName' ? textOf(reader.parsed, last) : undefined;
}

export function cdkPythonPolicies(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  const reader: Reader = { parsed, bindings, source: { file: parsed.file, format: 'python' } };
  const out: CorsPolicy[] = [];
  // `add_resource`/`add_cors_preflight` are the CDK's own names, read on any receiver in a module that imports the REST API module.
  const restModule = [...bindings.imports.values()].some((module) => module === 'aws_cdk' || /^aws_cdk\.aws_apigateway(\.|$)/.test(module));
  const lambdaModule = [...bindings.imports.values()].some((module) => module === 'aws_cdk' || /^aws_cdk\.aws_lambda(\.|$)/.test(module));
  for (const call of calls) {
    const named = cdkName(resolveName(parsed, call.firstChild, bindings));
    const args = callArguments(parsed, call.getChild('ArgList'));
    if (named?.service === 'apigateway' && REST_CONSTRUCTS.has(named.name)) {
      const written = args.keywords.get('default_cors_preflight_options');
      const options = written && optionsOf(reader, written.value, REST_OPTIONS);
      const policy = options && cdkRestPreflightPolicy(reader.source, options, locOf(parsed, written.value), label(reader, args, named.name), named.name === 'Resource' ? 'route' : 'app');
      if (policy) out.push(policy);
    } else if (named?.service === 'apigatewayv2' && (named.name === 'HttpApi' || named.name === 'CfnApi')) {
      // CfnApi is the CloudFormation resource itself: its cors_configuration goes to API Gateway unchecked by the CDK.
      const cfn = named.name === 'CfnApi';
      const written = args.keywords.get(cfn ? 'cors_configuration' : 'cors_preflight');
      const options = written && optionsOf(reader, written.value, cfn ? ['CfnApi.CorsProperty'] : ['CorsPreflightOptions']);
      if (options) out.push(cdkHttpApiPolicy(reader.source, options, locOf(parsed, written.value), label(reader, args, named.name), cfn ? API_GATEWAY_REFUSAL : CDK_REFUSAL));
    } else if (named?.service === 'lambda' && (named.name === 'FunctionUrl' || named.name === 'CfnUrl')) {
      const cfn = named.name === 'CfnUrl';
      const written = args.keywords.get('cors');
      const options = written && optionsOf(reader, written.value, cfn ? ['CfnUrl.CorsProperty'] : ['FunctionUrlCorsOptions']);
      if (options) out.push(cdkFunctionUrlPolicy(reader.source, options, locOf(parsed, written.value), label(reader, args, named.name), cfn ? 'cfn' : 'construct'));
    } else if (lambdaModule && !named && methodName(reader, call) === 'add_function_url') {
      const written = args.keywords.get('cors');
      const options = written && optionsOf(reader, written.value, ['FunctionUrlCorsOptions']);
      if (options) out.push(cdkFunctionUrlPolicy(reader.source, options, locOf(parsed, written.value), 'add_function_url', 'construct'));
    } else if (restModule && !named) {
      const method = methodName(reader, call);
      if (method === 'add_cors_preflight' && args.positional.length === 0 && (args.keywords.size > 0 || args.spread)) {
        const policy = cdkRestPreflightPolicy(reader.source, keywordOptions(reader, args), locOf(parsed, call.getChild('ArgList') ?? call), 'add_cors_preflight', 'route');
        if (policy) out.push(policy);
      } else if (method === 'add_resource') {
        const written = args.keywords.get('default_cors_preflight_options');
        const options = written && optionsOf(reader, written.value, REST_OPTIONS);
        const path = args.positional[0] && evaluate(parsed, args.positional[0], bindings);
        const policy = options && cdkRestPreflightPolicy(reader.source, options, locOf(parsed, written.value), `add_resource ${path?.kind === 'string' ? path.value : ''}`.trim(), 'route');
        if (policy) out.push(policy);
      }
    }
  }
  return out;
}
