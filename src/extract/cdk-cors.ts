import { cdkRestProfile, mockPreflightProgram } from '../model/frameworks/aws.js';
import type { CorsPolicy, Format, ListSetting, Loc, Located, OriginMatcher, Tri } from '../model/types.js';
import { httpApiCorsPolicy, httpApiOrigin, lambdaUrlCorsPolicy } from './aws-cors.js';
import { gatewayPolicy } from './yaml/policy.js';

/**
 * AWS CDK CORS options (`CorsOptions` of a REST API, `CorsPreflightOptions` of an HTTP API) as the
 * CDK turns them into API Gateway settings, whatever language the app is written in. Each reader
 * (js/aws-cdk.ts, python/aws-cdk.ts) evaluates its own syntax, the CDK's constants included, into
 * these values; what the CDK makes of them is decided here once.
 */
export type CdkValue =
  | { kind: 'string'; value: string; loc: Loc }
  | { kind: 'number'; value: number; loc: Loc }
  | { kind: 'boolean'; value: boolean; loc: Loc }
  | { kind: 'list'; items: CdkValue[]; loc: Loc }
  | { kind: 'unknown'; reason: string; loc: Loc }
  /** Known, but of no kind an option takes (an object where a list belongs). */
  | { kind: 'other'; loc: Loc };

/** An options object whose keys are known: `get` takes the CDK's camelCase name; undefined when not written (and nothing unseen may set it). */
export interface CdkOptions {
  get(key: string): CdkValue | undefined;
}

export interface CdkSource {
  file: string;
  format: Format;
}

export const ALL_METHODS = ['OPTIONS', 'GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD'];
export const DEFAULT_HEADERS = ['Content-Type', 'X-Amz-Date', 'Authorization', 'X-Api-Key', 'X-Amz-Security-Token', 'X-Amz-User-Agent'];
/** aws-apigateway `Cors` and aws-apigatewayv2 `CorsHttpMethod`, by class and member. */
export const REST_CONSTANTS: Record<string, string[]> = {
  'Cors.ALL_ORIGINS': ['*'],
  'Cors.ALL_METHODS': ALL_METHODS,
  'Cors.DEFAULT_HEADERS': DEFAULT_HEADERS,
};
export const HTTP_CONSTANTS: Record<string, string> = {
  'CorsHttpMethod.ANY': '*',
  ...Object.fromEntries(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'].map((method) => [`CorsHttpMethod.${method}`, method])),
};
/** aws-lambda `HttpMethod`, the methods of a function URL's CORS (`ALL` is `*`). */
export const LAMBDA_CONSTANTS: Record<string, string> = {
  'HttpMethod.ALL': '*',
  ...Object.fromEntries(['GET', 'PUT', 'HEAD', 'POST', 'DELETE', 'PATCH', 'OPTIONS'].map((method) => [`HttpMethod.${method}`, method])),
};
/** `Duration.<unit>(n)` in seconds. */
export const DURATION_SECONDS: Record<string, number> = { seconds: 1, minutes: 60, hours: 3600, days: 86400 };

function locatedBool(value: CdkValue | undefined): Located<Tri> | undefined {
  if (!value) return undefined;
  return { value: value.kind === 'boolean' ? value.value : 'unknown', loc: value.loc };
}

function listSetting(value: CdkValue | undefined, fallback: ListSetting): ListSetting {
  if (!value) return fallback;
  if (value.kind !== 'list' || !value.items.every((item) => item.kind === 'string')) return { kind: 'unknown', loc: value.loc };
  const items = value.items.map((item) => (item as { value: string }).value.trim());
  return items.includes('*') ? { kind: 'wildcard', loc: value.loc } : { kind: 'list', items, loc: value.loc };
}

function seconds(value: CdkValue | undefined): Located<number | 'unknown'> | undefined {
  if (!value) return undefined;
  return { value: value.kind === 'number' && Number.isInteger(value.value) ? value.value : 'unknown', loc: value.loc };
}

function unknownOrigin(value: CdkValue): OriginMatcher {
  return { kind: 'unknown', reason: value.kind === 'unknown' ? value.reason : 'not a string', loc: value.loc };
}

/** A REST API's CorsOptions: the mock OPTIONS method `Resource.addCorsPreflight` builds from them. */
export function cdkRestPreflightPolicy(source: CdkSource, options: CdkOptions, sourceLoc: Loc, label: string, kind: 'app' | 'route'): CorsPolicy | undefined {
  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  const originsValue = options.get('allowOrigins');
  // allowOrigins is required: without it the options do not compile (or synth fails).
  if (!originsValue) return undefined;
  let origins: OriginMatcher[];
  if (originsValue.kind !== 'list') origins = [{ kind: 'unknown', reason: originsValue.kind === 'unknown' ? originsValue.reason : 'not a list', loc: originsValue.loc }];
  else {
    const items = originsValue.items;
    origins = items.map((item): OriginMatcher => (item.kind !== 'string' ? unknownOrigin(item) : item.value === '*' ? { kind: 'any', loc: item.loc } : { kind: 'exact', value: item.value, loc: item.loc }));
    const star = items.find((item) => item.kind === 'string' && item.value === '*');
    if (items.length === 0) rejected.push({ loc: originsValue.loc, message: 'The CDK refuses an empty allowOrigins ("allowOrigins must contain at least one origin"): synth fails' });
    else if (star && items.length > 1) rejected.push({ loc: star.loc, message: `The CDK refuses '*' next to other origins ("Invalid "allowOrigins" - cannot mix "*" with specific origins"): synth fails` });
    if (rejected.length > 0) origins = [];
  }
  let allowMethods = listSetting(options.get('allowMethods'), { kind: 'list', items: ALL_METHODS, loc: sourceLoc });
  // `ANY` alone stands for every method.
  if (allowMethods.kind === 'list' && allowMethods.items.length === 1 && allowMethods.items[0].toUpperCase() === 'ANY') allowMethods = { kind: 'list', items: ALL_METHODS, loc: allowMethods.loc };
  const disableCache = options.get('disableCache');
  const maxAge = disableCache?.kind === 'boolean' && disableCache.value ? { value: -1, loc: disableCache.loc } : seconds(options.get('maxAge'));
  const status = options.get('statusCode');
  const statusCode = status === undefined ? 204 : status.kind === 'number' ? status.value : undefined;
  const first = origins[0];
  const credentials = locatedBool(options.get('allowCredentials'));
  return gatewayPolicy(source, {
    profile: cdkRestProfile,
    scope: { kind, label },
    sourceLoc,
    origins,
    // One origin is sent as it is; with more, the request's Origin replaces it when it equals one of them.
    originMode: origins.length === 1 && origins[0].kind === 'exact' ? 'fixed' : 'compare',
    credentials,
    allowMethods,
    allowHeaders: listSetting(options.get('allowHeaders'), { kind: 'list', items: DEFAULT_HEADERS, loc: sourceLoc }),
    exposeHeaders: listSetting(options.get('exposeHeaders'), { kind: 'default' }),
    maxAge,
    preflight: statusCode === undefined ? { kind: 'unknown' } : { kind: 'handled', status: statusCode, loc: sourceLoc },
    vary: first === undefined ? false : first.kind === 'unknown' ? 'unknown' : first.kind !== 'any',
    rejected,
    program: mockPreflightProgram,
  });
}

/** What refuses credentials with a `*` origin: the CDK's HttpApi at synth, or API Gateway at deploy for a CfnApi written directly. */
export const CDK_REFUSAL = `The CDK refuses allowCredentials with allowOrigins '*' ("CORS preflight - allowCredentials is not supported when allowOrigin is '*'"): synth fails`;
export const API_GATEWAY_REFUSAL = `API Gateway refuses allow-credentials with allow-origin '*' ("allow-credentials is not supported if 'allow-origin' is *"): the deploy fails`;

/** An HTTP API's `corsPreflight` (or a CfnApi's `corsConfiguration`): the API's CorsConfiguration, which API Gateway applies to every route. */
export function cdkHttpApiPolicy(source: CdkSource, options: CdkOptions, sourceLoc: Loc, label: string, refusal: string): CorsPolicy {
  const originsValue = options.get('allowOrigins');
  let origins: OriginMatcher[] = [];
  if (originsValue?.kind === 'list') origins = originsValue.items.map((item) => (item.kind === 'string' ? httpApiOrigin(item.value, item.loc) : unknownOrigin(item)));
  else if (originsValue) origins = [{ kind: 'unknown', reason: originsValue.kind === 'unknown' ? originsValue.reason : 'not a list', loc: originsValue.loc }];
  return httpApiCorsPolicy(source, {
    label,
    sourceLoc,
    origins,
    credentials: locatedBool(options.get('allowCredentials')),
    allowMethods: listSetting(options.get('allowMethods'), { kind: 'default' }),
    allowHeaders: listSetting(options.get('allowHeaders'), { kind: 'default' }),
    exposeHeaders: listSetting(options.get('exposeHeaders'), { kind: 'default' }),
    maxAge: seconds(options.get('maxAge')),
    refusal,
  });
}

/**
 * A Lambda function URL's CORS from the CDK: `FunctionUrlCorsOptions` of `addFunctionUrl` /
 * `new FunctionUrl` (`allowedOrigins`, `allowedMethods`, …), which the CDK renders into the URL's
 * `Cors` with `allowMethods` defaulting to `['*']` and nothing else filled in; or `CfnUrl`'s own
 * `cors` (`allowOrigins`, …), the CloudFormation resource written directly. Neither checks
 * credentials beside `'*'` (aws-lambda/lib/function-url.ts `renderCors`); the CDK refuses a
 * `maxAge` above a day at synth. Lambda answers it all (aws-cors.ts lambdaUrlCorsPolicy).
 */
export function cdkFunctionUrlPolicy(source: CdkSource, options: CdkOptions, sourceLoc: Loc, label: string, written: 'construct' | 'cfn'): CorsPolicy {
  const cfn = written === 'cfn';
  const originsValue = options.get(cfn ? 'allowOrigins' : 'allowedOrigins');
  let origins: OriginMatcher[] = [];
  if (originsValue?.kind === 'list') origins = originsValue.items.map((item) => (item.kind === 'string' ? httpApiOrigin(item.value, item.loc) : unknownOrigin(item)));
  else if (originsValue) origins = [unknownOrigin(originsValue)];
  const maxAge = seconds(options.get('maxAge'));
  const tooLong = !cfn && maxAge !== undefined && maxAge.value !== 'unknown' && maxAge.value > 86400;
  // Synth fails: nothing is deployed, so nothing answers.
  if (tooLong) origins = [];
  const policy = lambdaUrlCorsPolicy(source, {
    label,
    sourceLoc,
    origins,
    credentials: locatedBool(options.get('allowCredentials')),
    allowMethods: listSetting(options.get(cfn ? 'allowMethods' : 'allowedMethods'), cfn ? { kind: 'default' } : { kind: 'wildcard', loc: sourceLoc }),
    allowHeaders: listSetting(options.get(cfn ? 'allowHeaders' : 'allowedHeaders'), { kind: 'default' }),
    exposeHeaders: listSetting(options.get(cfn ? 'exposeHeaders' : 'exposedHeaders'), { kind: 'default' }),
    maxAge: tooLong ? undefined : maxAge,
  });
  if (tooLong) {
    policy.rejected = [...(policy.rejected ?? []), { loc: maxAge.loc, message: `The CDK refuses a function URL maxAge above 86400 seconds ("FunctionUrl CORS maxAge should be less than or equal to 86400 secs (got ${maxAge!.value})"): synth fails` }];
  }
  return policy;
}
