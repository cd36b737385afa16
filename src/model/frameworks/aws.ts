import { matcherAccepts } from '../respond.js';
import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';
import { ALLOW_CREDENTIALS, ALLOW_HEADERS, ALLOW_METHODS, EXPOSE_HEADERS, MAX_AGE, Unknowns } from '../uncertainty.js';
import { firstMatch, listItems, listLoc } from './common.js';

/**
 * API Gateway CORS as AWS SAM, CloudFormation and the Serverless Framework configure it
 * (semantics §11). A REST API only gets a generated mock OPTIONS method: actual responses come
 * from the Lambda function, which the model cannot see. An HTTP API answers preflights itself and
 * adds the configured headers to every response (ignoring the backend's), for requests with an
 * Origin.
 */
export const samRestProfile: FrameworkProfile = {
  id: 'aws-sam-rest',
  name: 'API Gateway REST API (SAM Cors)',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'fixed',
  exactComparison: 'bytes',
  varyOrigin: 'never',
  preflight: { trigger: 'any-options', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: '*', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-corsconfiguration.html',
};

export const serverlessHttpProfile: FrameworkProfile = {
  ...samRestProfile,
  id: 'serverless-http',
  name: 'Serverless Framework http cors',
  docs: 'https://www.serverless.com/framework/docs/providers/aws/events/apigateway#enabling-cors',
};

export const httpApiProfile: FrameworkProfile = {
  id: 'aws-http-api',
  name: 'API Gateway HTTP API',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'undocumented',
  preflight: { trigger: 'options-with-acrm', status: 204, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html',
};

/**
 * A Lambda function URL's `Cors` (CloudFormation `AWS::Lambda::Url`, SAM `FunctionUrlConfig`,
 * Serverless `url.cors`): Lambda answers the preflight and "automatically adds the CORS headers to
 * all responses through the function URL", the configured ones taking precedence over the
 * function's (Lambda developer guide, urls-configuration "Cross-origin resource sharing"). With
 * `AllowOrigins: ['*']` and `AllowCredentials: true` the deploy succeeds and the URL echoes any
 * Origin with `Access-Control-Allow-Credentials: true` (probed on a live URL: LeanerCloud/CUDly
 * issue #390, fixed in PR #519). Whether it adds `Vary: Origin` is not documented.
 */
export const lambdaUrlProfile: FrameworkProfile = {
  ...httpApiProfile,
  id: 'aws-lambda-url',
  name: 'Lambda function URL',
  wildcardWithCredentials: 'reflect',
  preflight: { ...httpApiProfile.preflight, status: 200 },
  docs: 'https://docs.aws.amazon.com/lambda/latest/dg/urls-configuration.html#urls-cors',
};

/** A REST API's mock OPTIONS answer: fixed values; any other method is the function's business. */
export function mockPreflightProgram(policy: CorsPolicy): HeaderProgram {
  return {
    run(request: CorsRequest): CorsResponse {
      if (!request.preflight) return { status: undefined, headers: [], uncertain: true, shortCircuit: false };
      const headers: ResponseHeader[] = [];
      const unknowns = new Unknowns();
      const only = policy.origins.length === 1 ? policy.origins[0] : undefined;
      if (only?.kind === 'any') headers.push({ name: 'Access-Control-Allow-Origin', value: '*', loc: only.loc });
      else if (only?.kind === 'exact' && policy.originMode === 'fixed') headers.push({ name: 'Access-Control-Allow-Origin', value: only.value, loc: only.loc });
      else if (request.origin) {
        // Serverless's VTL template echoes an origin that matches one of the configured patterns, else sends the first.
        const match = policy.origins.find((matcher) => matcherAccepts(matcher, request.origin!) === true);
        unknowns.all(policy.origins.some((matcher) => matcher.kind === 'unknown'));
        const first = policy.origins[0];
        if (match) headers.push({ name: 'Access-Control-Allow-Origin', value: request.origin, loc: match.loc });
        else if (first?.kind === 'exact') headers.push({ name: 'Access-Control-Allow-Origin', value: first.value, loc: first.loc });
      }
      if (policy.credentials?.value === true) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials.loc });
      // The mock sends `*` literally whatever the credentials: unknown options leave only their own header open.
      unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
      unknowns.header(ALLOW_METHODS, policy.allowMethods.kind === 'unknown').header(ALLOW_HEADERS, policy.allowHeaders.kind === 'unknown');
      const methods = listItems(policy.allowMethods, []) ?? [];
      if (methods.length) headers.push({ name: 'Access-Control-Allow-Methods', value: methods.join(','), loc: listLoc(policy.allowMethods) });
      const allowHeaders = listItems(policy.allowHeaders, []) ?? [];
      if (allowHeaders.length) headers.push({ name: 'Access-Control-Allow-Headers', value: allowHeaders.join(','), loc: listLoc(policy.allowHeaders) });
      if (policy.maxAge) {
        if (policy.maxAge.value === 'unknown') unknowns.header(MAX_AGE);
        else headers.push({ name: 'Access-Control-Max-Age', value: String(policy.maxAge.value), loc: policy.maxAge.loc });
      }
      // The CDK's mock adds Vary: Origin whenever its first origin is not '*' (SAM's and Serverless's never do).
      if (policy.vary.origin === true) headers.push({ name: 'Vary', value: 'Origin', loc: policy.source.loc });
      return { status: policy.preflight.kind === 'handled' ? policy.preflight.status : 200, headers, ...unknowns.fields(), shortCircuit: true };
    },
  };
}

/**
 * The CDK's `CorsOptions` (`defaultCorsPreflightOptions`, `addCorsPreflight`) on a REST API: a mock
 * OPTIONS method (aws-apigateway `Resource.addCorsPreflight`) whose Allow-Origin is the first
 * origin, replaced by the request's Origin when it equals one of the others; `Vary: Origin` unless
 * the first origin is '*'; 204 unless `statusCode` says otherwise. Nothing guards '*' with
 * credentials: both headers are sent.
 */
export const cdkRestProfile: FrameworkProfile = {
  ...samRestProfile,
  id: 'aws-cdk-rest',
  name: 'API Gateway REST API (CDK CorsOptions)',
  varyOrigin: 'unless-wildcard',
  singleStringOrigin: 'fixed',
  preflight: { ...samRestProfile.preflight, status: 204 },
  docs: 'https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_apigateway.CorsOptions.html',
};

/** An HTTP API: `*`, exact origins, and `https://*` / `http://*` for any origin of that scheme. */
export function httpApiProgram(policy: CorsPolicy): HeaderProgram {
  return {
    run(request: CorsRequest): CorsResponse {
      const headers: ResponseHeader[] = [];
      const origin = request.origin;
      const status = request.preflight ? (policy.preflight.kind === 'handled' ? policy.preflight.status : 204) : (request.appStatus ?? 200);
      if (!origin) return { status: request.preflight ? undefined : status, headers, uncertain: request.preflight === true, shortCircuit: false };
      const unknowns = new Unknowns();
      const wildcard = policy.origins.find((matcher) => matcher.kind === 'any');
      const found = wildcard ? { matcher: wildcard, uncertain: false } : firstMatch(policy.origins, origin);
      const match = found.matcher;
      unknowns.all(found.uncertain);
      if (match) {
        // `*` is sent literally whatever the credentials: an unknown option leaves only its own header open.
        unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
        headers.push({ name: 'Access-Control-Allow-Origin', value: wildcard ? '*' : origin, loc: match.loc });
        if (policy.credentials?.value === true) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials.loc });
        if (request.preflight) {
          unknowns.header(ALLOW_METHODS, policy.allowMethods.kind === 'unknown').header(ALLOW_HEADERS, policy.allowHeaders.kind === 'unknown').header(MAX_AGE, policy.maxAge?.value === 'unknown');
          const methods = listItems(policy.allowMethods, []) ?? [];
          if (methods.length) headers.push({ name: 'Access-Control-Allow-Methods', value: methods.includes('*') ? request.method : methods.join(','), loc: listLoc(policy.allowMethods) });
          const allowHeaders = listItems(policy.allowHeaders, []) ?? [];
          const allowed = allowHeaders.includes('*') ? (request.headers ?? []) : allowHeaders;
          if (allowed.length) headers.push({ name: 'Access-Control-Allow-Headers', value: allowed.join(','), loc: listLoc(policy.allowHeaders) });
          if (typeof policy.maxAge?.value === 'number') headers.push({ name: 'Access-Control-Max-Age', value: String(policy.maxAge.value), loc: policy.maxAge.loc });
        } else {
          unknowns.header(EXPOSE_HEADERS, policy.exposeHeaders.kind === 'unknown');
          const expose = listItems(policy.exposeHeaders, []) ?? [];
          if (expose.length) headers.push({ name: 'Access-Control-Expose-Headers', value: expose.join(','), loc: listLoc(policy.exposeHeaders) });
        }
      }
      return { status, headers, ...unknowns.fields(), shortCircuit: request.preflight === true };
    },
  };
}
