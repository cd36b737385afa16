import type { Node as YamlNode } from 'yaml';
import { mockPreflightProgram, samRestProfile, serverlessHttpProfile } from '../../model/frameworks/aws.js';
import { httpApiCorsPolicy, httpApiOrigin, lambdaUrlCorsPolicy } from '../aws-cors.js';
import type { CorsPolicy, ListSetting, Loc, OriginMatcher } from '../../model/types.js';
import { entries, get, isMap, isSeq, nodeLoc, pairOf, rangeLoc, stringList, valueOf, type ParsedYaml, type YamlValue } from './parse.js';
import { gatewayPolicy, listOption, locatedBool, numberOption, partLoc } from './policy.js';

/**
 * AWS SAM and CloudFormation (`AWS::Serverless::Api` `Cors`, `AWS::Serverless::HttpApi` and
 * `AWS::ApiGatewayV2::Api` `CorsConfiguration`, their `Globals`) and the Serverless Framework
 * (`http` events' `cors`, `provider.httpApi.cors`, a function URL's `url.cors`). Intrinsic functions (`!Ref`, `!Sub`,
 * `Fn::Join`) and `${…}` variables are resolved at deploy time: unknown.
 */
export function awsPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const out: CorsPolicy[] = [];
  const globalsApi = pairOf(get(root, 'Globals', 'Api'), 'Cors');
  if (globalsApi) out.push(samRestPolicy(parsed, globalsApi.key as YamlNode, globalsApi.value as YamlNode | null, 'Globals.Api'));
  const globalsHttp = pairOf(get(root, 'Globals', 'HttpApi'), 'CorsConfiguration');
  if (globalsHttp) out.push(...httpApiPolicy(parsed, globalsHttp.key as YamlNode, globalsHttp.value as YamlNode | null, 'Globals.HttpApi', 'sam'));
  const globalsUrl = pairOf(get(root, 'Globals', 'Function', 'FunctionUrlConfig'), 'Cors');
  if (globalsUrl) out.push(...lambdaUrlPolicy(parsed, globalsUrl.key as YamlNode, globalsUrl.value as YamlNode | null, 'Globals.Function function URL'));
  for (const { key, value } of entries(get(root, 'Resources'))) {
    const type = valueOf(get(value, 'Type'));
    if (type.kind !== 'string') continue;
    if (type.value === 'AWS::Lambda::Url' || type.value === 'AWS::Serverless::Function') {
      const cors = pairOf(type.value === 'AWS::Lambda::Url' ? get(value, 'Properties') : get(value, 'Properties', 'FunctionUrlConfig'), 'Cors');
      if (cors) out.push(...lambdaUrlPolicy(parsed, cors.key as YamlNode, cors.value as YamlNode | null, `function url ${key}`));
    } else if (type.value === 'AWS::Serverless::Api') {
      const cors = pairOf(get(value, 'Properties'), 'Cors');
      if (cors) out.push(samRestPolicy(parsed, cors.key as YamlNode, cors.value as YamlNode | null, `api ${key}`));
    } else if (type.value === 'AWS::Serverless::HttpApi' || type.value === 'AWS::ApiGatewayV2::Api') {
      const cors = pairOf(get(value, 'Properties'), 'CorsConfiguration');
      if (cors) out.push(...httpApiPolicy(parsed, cors.key as YamlNode, cors.value as YamlNode | null, `http api ${key}`, type.value === 'AWS::Serverless::HttpApi' ? 'sam' : 'cloudformation'));
      else {
        // The inline OpenAPI definition's CORS, which CorsConfiguration overrides when both are given.
        const body = get(value, 'Properties', type.value === 'AWS::Serverless::HttpApi' ? 'DefinitionBody' : 'Body');
        const extension = isMap(body) ? pairOf(body, 'x-amazon-apigateway-cors') : undefined;
        if (extension) out.push(...httpApiPolicy(parsed, extension.key as YamlNode, extension.value as YamlNode | null, `http api ${key}`, 'openapi'));
      }
    }
  }
  // An HTTP API's OpenAPI definition on its own (imported, or read from S3 by a template).
  const openApiCors = get(root, 'openapi') !== undefined || get(root, 'swagger') !== undefined ? pairOf(root, 'x-amazon-apigateway-cors') : undefined;
  if (openApiCors) out.push(...httpApiPolicy(parsed, openApiCors.key as YamlNode, openApiCors.value as YamlNode | null, 'http api definition', 'openapi'));
  if (get(root, 'service') !== undefined && get(root, 'provider') !== undefined) out.push(...serverlessPolicies(parsed, root));
  return out;
}

/** A SAM REST `Cors` value is an API Gateway mapping: a literal must carry its own single quotes (`"'https://a.example.com'"`). */
function samLiteral(parsed: ParsedYaml, node: YamlNode | null | undefined, what: string, rejected: NonNullable<CorsPolicy['rejected']>): { value: string; loc: Loc } | 'unknown' | undefined {
  if (node === undefined || node === null) return undefined;
  const value = valueOf(node);
  if (value.kind !== 'string') return 'unknown';
  const quoted = /^'(.*)'$/s.exec(value.value.trim());
  if (!quoted) {
    rejected.push({
      loc: nodeLoc(parsed, node),
      message: `SAM passes ${what} to API Gateway as a mapping expression, so a literal needs its own quotes: write "'${value.value}'"; as written the deploy fails with "Invalid mapping expression specified"`,
    });
    return 'unknown';
  }
  return { value: quoted[1], loc: partLoc(parsed, value, quoted[1]) };
}

function samRestPolicy(parsed: ParsedYaml, keyNode: YamlNode, cors: YamlNode | null, label: string): CorsPolicy {
  const sourceLoc = nodeLoc(parsed, keyNode);
  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  const isObject = isMap(cors);
  const originNode = isObject ? get(cors, 'AllowOrigin') : cors;
  const origin = samLiteral(parsed, originNode, 'AllowOrigin', rejected);
  let origins: OriginMatcher[];
  if (origin === 'unknown') origins = [{ kind: 'unknown', reason: 'resolved at deploy time', loc: nodeLoc(parsed, originNode) }];
  else if (origin === undefined || origin.value === '*') origins = [{ kind: 'any', loc: origin?.loc ?? sourceLoc, why: origin ? undefined : "AllowOrigin is not set, and SAM defaults it to '*'" }];
  else origins = [{ kind: 'exact', value: origin.value, loc: origin.loc }];
  const credentials = isObject ? locatedBool(parsed, get(cors, 'AllowCredentials')) : undefined;
  if (credentials?.value === true && origins[0].kind === 'any') {
    rejected.push({ loc: credentials.loc, message: `SAM refuses AllowCredentials: true with AllowOrigin '*' ("Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is "'*'" or not set"): the transform fails` });
    origins = [];
  }
  const samList = (name: string): ListSetting => {
    const node = isObject ? get(cors, name) : undefined;
    if (node === undefined || node === null) return { kind: 'default' };
    const literal = samLiteral(parsed, node, name, rejected);
    if (literal === 'unknown' || literal === undefined) return { kind: 'unknown', loc: nodeLoc(parsed, node) };
    const items = literal.value.split(',').map((item) => item.trim()).filter(Boolean);
    return items.includes('*') ? { kind: 'wildcard', loc: literal.loc } : { kind: 'list', items, loc: literal.loc };
  };
  const maxAge = isObject ? get(cors, 'MaxAge') : undefined;
  const maxAgeLiteral = samLiteral(parsed, maxAge, 'MaxAge', rejected);
  return gatewayPolicy(parsed, {
    profile: samRestProfile,
    scope: { kind: 'app', label },
    sourceLoc,
    origins,
    originMode: 'fixed',
    credentials,
    allowMethods: samList('AllowMethods'),
    allowHeaders: samList('AllowHeaders'),
    maxAge:
      maxAgeLiteral === undefined ? undefined : maxAgeLiteral === 'unknown' ? { value: 'unknown', loc: nodeLoc(parsed, maxAge) } : { value: /^\d+$/.test(maxAgeLiteral.value) ? Number(maxAgeLiteral.value) : 'unknown', loc: maxAgeLiteral.loc },
    preflight: { kind: 'handled', status: 200, loc: sourceLoc },
    vary: false,
    rejected,
    program: mockPreflightProgram,
  });
}

/** HTTP API origins as written in a template: a list of strings, else unknown. */
function httpApiOrigins(parsed: ParsedYaml, node: YamlNode | null | undefined): OriginMatcher[] {
  if (node === undefined || node === null) return [];
  const items = stringList(valueOf(node));
  if (!items) return [{ kind: 'unknown', reason: 'resolved at deploy time', loc: nodeLoc(parsed, node) }];
  return items.map((item) => httpApiOrigin(item.value, nodeLoc(parsed, item.node)));
}

/** The option names of each way to write an HTTP API's CORS configuration (the same settings). */
const HTTP_API_NAMES = {
  sam: { origins: 'AllowOrigins', credentials: 'AllowCredentials', methods: 'AllowMethods', headers: 'AllowHeaders', expose: 'ExposeHeaders', maxAge: 'MaxAge' },
  serverless: { origins: 'allowedOrigins', credentials: 'allowCredentials', methods: 'allowedMethods', headers: 'allowedHeaders', expose: 'exposedResponseHeaders', maxAge: 'maxAge' },
  // OpenAPI's x-amazon-apigateway-cors.
  openapi: { origins: 'allowOrigins', credentials: 'allowCredentials', methods: 'allowMethods', headers: 'allowHeaders', expose: 'exposeHeaders', maxAge: 'maxAge' },
} as const;

function httpApiPolicy(parsed: ParsedYaml, keyNode: YamlNode, cors: YamlNode | null, label: string, flavour: 'sam' | 'cloudformation' | 'serverless' | 'openapi'): CorsPolicy[] {
  const sourceLoc = nodeLoc(parsed, keyNode);
  const enabled = valueOf(cors);
  // `CorsConfiguration: true` (SAM) and `cors: true` (Serverless) allow every origin with the default headers.
  if (enabled.kind === 'bool' && !enabled.value) return [];
  const names = HTTP_API_NAMES[flavour === 'cloudformation' ? 'sam' : flavour];
  let origins: OriginMatcher[];
  if (enabled.kind === 'bool') origins = [{ kind: 'any', loc: nodeLoc(parsed, cors), why: "CORS is switched on without origins, which means '*'" }];
  else if (!isMap(cors)) origins = [{ kind: 'unknown', reason: 'resolved at deploy time', loc: nodeLoc(parsed, cors) }];
  else origins = httpApiOrigins(parsed, get(cors, names.origins));
  if (flavour === 'serverless' && enabled.kind === 'map' && get(cors, names.origins) === undefined) origins = [{ kind: 'any', loc: sourceLoc, why: "allowedOrigins is not set, and the Serverless Framework defaults it to '*'" }];
  return [
    httpApiCorsPolicy(
      { file: parsed.file, format: parsed.format ?? 'yaml' },
      {
        label,
        sourceLoc,
        origins,
        credentials: isMap(cors) ? locatedBool(parsed, get(cors, names.credentials)) : undefined,
        allowMethods: isMap(cors) ? listOption(parsed, get(cors, names.methods)) : { kind: 'default' },
        allowHeaders: isMap(cors) ? listOption(parsed, get(cors, names.headers)) : { kind: 'default' },
        exposeHeaders: isMap(cors) ? listOption(parsed, get(cors, names.expose)) : { kind: 'default' },
        maxAge: isMap(cors) ? numberOption(parsed, get(cors, names.maxAge)) : undefined,
        refusal: `API Gateway refuses allow-credentials with allow-origin '*' ("allow-credentials is not supported if 'allow-origin' is *"): the deploy fails`,
      },
    ),
  ];
}

/** A Lambda function URL's `Cors` (CloudFormation `AWS::Lambda::Url`, SAM `FunctionUrlConfig`): the HTTP API's option names. */
function lambdaUrlPolicy(parsed: ParsedYaml, keyNode: YamlNode, cors: YamlNode | null, label: string): CorsPolicy[] {
  if (!isMap(cors)) return [];
  const names = HTTP_API_NAMES.sam;
  return [
    lambdaUrlCorsPolicy(
      { file: parsed.file, format: parsed.format ?? 'yaml' },
      {
        label,
        sourceLoc: nodeLoc(parsed, keyNode),
        origins: httpApiOrigins(parsed, get(cors, names.origins)),
        credentials: locatedBool(parsed, get(cors, names.credentials)),
        allowMethods: listOption(parsed, get(cors, names.methods)),
        allowHeaders: listOption(parsed, get(cors, names.headers)),
        exposeHeaders: listOption(parsed, get(cors, names.expose)),
        maxAge: numberOption(parsed, get(cors, names.maxAge)),
      },
    ),
  ];
}

const SERVERLESS_HEADERS = ['Content-Type', 'X-Amz-Date', 'Authorization', 'X-Api-Key', 'X-Amz-Security-Token', 'X-Amz-User-Agent', 'X-Amzn-Trace-Id'];

function serverlessPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const out: CorsPolicy[] = [];
  const httpApi = pairOf(get(root, 'provider', 'httpApi'), 'cors');
  // Serverless compiles the HTTP API (and its CorsConfiguration) only when some function has an httpApi event (http-api.js returns without routes).
  if (httpApi && !noHttpApiEvents(get(root, 'functions'))) out.push(...httpApiPolicy(parsed, httpApi.key as YamlNode, httpApi.value as YamlNode | null, 'provider.httpApi', 'serverless'));
  for (const { key: fn, value } of entries(get(root, 'functions'))) {
    const urlCors = pairOf(get(value, 'url'), 'cors');
    if (urlCors) out.push(...serverlessUrlPolicy(parsed, urlCors.key as YamlNode, urlCors.value as YamlNode | null, `function ${fn} url`));
    const events = get(value, 'events');
    if (!isSeq(events)) continue;
    for (const event of events.items) {
      const http = get(event, 'http');
      const cors = pairOf(http, 'cors');
      if (!cors) continue;
      const method = valueOf(get(http, 'method'));
      const path = valueOf(get(http, 'path'));
      const label = `function ${fn} ${method.kind === 'string' ? method.value.toUpperCase() : ''} ${path.kind === 'string' ? path.value : ''}`.replace(/\s+/g, ' ').trim();
      const policy = serverlessHttpPolicy(parsed, cors.key as YamlNode, cors.value as YamlNode | null, label, method);
      if (policy) out.push(policy);
    }
  }
  return out;
}

/** Every function is written here and none has an `httpApi` event: an event list or function the file does not spell out is not known. */
function noHttpApiEvents(functions: YamlNode | null | undefined): boolean {
  if (!isMap(functions)) return false;
  for (const { value } of entries(functions)) {
    if (!isMap(value)) return false;
    const events = get(value, 'events');
    if (events === undefined || events === null) continue;
    if (!isSeq(events)) return false;
    for (const event of events.items) {
      const keys = entries(event);
      if (!isMap(event) || event.items.length !== 1 || keys.length !== 1 || keys[0].key === 'httpApi') return false;
    }
  }
  return true;
}

/** What the Serverless Framework writes into a function URL's `Cors` when `url.cors` leaves a setting out (`defaultCors` in compile/functions.js, v3 and v4). */
const SERVERLESS_URL_HEADERS = ['Content-Type', 'X-Amz-Date', 'Authorization', 'X-Api-Key', 'X-Amz-Security-Token', 'X-Amzn-Trace-Id'];

/**
 * `functions.<name>.url.cors`: the Serverless Framework compiles it into the `AWS::Lambda::Url`'s
 * `Cors`. `cors: true` and every setting left out take its defaults (origins `['*']`, methods
 * `['*']`, a fixed header list); a setting written as `null` is left out of the resource; only
 * `allowCredentials: true` sets credentials, and nothing refuses it next to `'*'`, which Lambda then
 * answers by echoing every origin. `url: true` with no `cors` configures no CORS at all.
 */
function serverlessUrlPolicy(parsed: ParsedYaml, keyNode: YamlNode, cors: YamlNode | null, label: string): CorsPolicy[] {
  const enabled = valueOf(cors);
  if (enabled.kind !== 'map' && !(enabled.kind === 'bool' && enabled.value)) return [];
  const sourceLoc = nodeLoc(parsed, keyNode);
  const option = (name: string) => (isMap(cors) ? get(cors, name) : undefined);
  const originsNode = option('allowedOrigins');
  const origins: OriginMatcher[] =
    originsNode === undefined
      ? [{ kind: 'any', loc: enabled.kind === 'bool' ? nodeLoc(parsed, cors) : sourceLoc, why: "allowedOrigins is not set, and the Serverless Framework defaults it to '*'" }]
      : httpApiOrigins(parsed, originsNode);
  const headersNode = option('allowedHeaders');
  const methodsNode = option('allowedMethods');
  const credentials = locatedBool(parsed, option('allowCredentials'));
  return [
    lambdaUrlCorsPolicy(
      { file: parsed.file, format: parsed.format ?? 'yaml' },
      {
        label,
        sourceLoc,
        origins,
        credentials: credentials?.value === false ? undefined : credentials,
        allowMethods: methodsNode === undefined ? { kind: 'wildcard', loc: sourceLoc } : listOption(parsed, methodsNode),
        allowHeaders: headersNode === undefined ? { kind: 'list', items: SERVERLESS_URL_HEADERS, loc: sourceLoc } : listOption(parsed, headersNode),
        exposeHeaders: listOption(parsed, option('exposedResponseHeaders')),
        maxAge: numberOption(parsed, option('maxAge')),
      },
    ),
  ];
}

/** `cors: true` or `{ origin | origins, headers, allowCredentials, maxAge }` on an `http` event: a mock OPTIONS method. */
/**
 * `${env:CORS_ORIGIN, '*'}`, a whole value: the Serverless Framework resolves it to the environment variable, or to
 * the literal fallback while the variable is unset (as `process.env.CORS_ORIGIN || '*'` is read in JS). One origin only.
 */
function envFallback(parsed: ParsedYaml, node: YamlNode): { value: string; loc: Loc; why: string } | undefined {
  const text = (node as { value?: unknown }).value;
  const range = node.range;
  if (typeof text !== 'string' || text.length > 300 || !range) return undefined;
  const match = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\s*,\s*(?:'([^'$,{}]*)'|"([^"$,{}]*)")\s*\}$/.exec(text);
  if (!match) return undefined;
  const value = (match[2] ?? match[3]).trim();
  if (!value) return undefined;
  const raw = parsed.text.slice(range[0], range[1]);
  const at = raw.indexOf(value, raw.indexOf(','));
  const loc = at === -1 ? nodeLoc(parsed, node) : rangeLoc(parsed, range[0] + at, range[0] + at + value.length);
  return { value, loc, why: `the fallback when the environment variable ${match[1]} is unset` };
}

function serverlessHttpPolicy(parsed: ParsedYaml, keyNode: YamlNode, cors: YamlNode | null, label: string, method: YamlValue): CorsPolicy | undefined {
  const enabled = valueOf(cors);
  if (enabled.kind === 'bool' && !enabled.value) return undefined;
  const sourceLoc = nodeLoc(parsed, keyNode);
  let origins: OriginMatcher[] = [{ kind: 'any', loc: enabled.kind === 'bool' ? nodeLoc(parsed, cors) : sourceLoc, why: "the Serverless Framework's default origin is '*'" }];
  if (isMap(cors)) {
    const node = get(cors, 'origins') ?? get(cors, 'origin');
    const fallback = node !== undefined && node !== null ? envFallback(parsed, node) : undefined;
    if (fallback) origins = [fallback.value === '*' ? { kind: 'any', loc: fallback.loc, why: fallback.why } : { kind: 'exact', value: fallback.value, loc: fallback.loc, why: fallback.why }];
    else if (node !== undefined && node !== null) {
      const items = stringList(valueOf(node))?.flatMap((item) => item.value.split(',').map((value) => ({ value: value.trim(), node: item.node })));
      if (!items) origins = [{ kind: 'unknown', reason: 'resolved at deploy time', loc: nodeLoc(parsed, node) }];
      else {
        // With several origins, a response template echoes the one that matches (`.` literal, the first `*` any text, whole-string match).
        origins = items.map(({ value, node: itemNode }): OriginMatcher => {
          const loc = nodeLoc(parsed, itemNode);
          if (value === '*') return { kind: 'any', loc };
          if (items.length === 1) return { kind: 'exact', value, loc };
          return { kind: 'pattern', source: value.replace(/\./g, '\\.').replace('*', '.+'), flags: '', dialect: 're2-full', loc };
        });
      }
    }
  } else if (enabled.kind !== 'bool') return undefined;
  const headersNode = isMap(cors) ? get(cors, 'headers') : undefined;
  return gatewayPolicy(parsed, {
    profile: serverlessHttpProfile,
    scope: { kind: 'route', label },
    sourceLoc,
    origins,
    originMode: origins.length === 1 && origins[0].kind === 'exact' ? 'fixed' : 'compare',
    credentials: isMap(cors) ? locatedBool(parsed, get(cors, 'allowCredentials')) : undefined,
    allowMethods: { kind: 'list', items: ['OPTIONS', ...(method.kind === 'string' ? [method.value.toUpperCase()] : [])], loc: sourceLoc },
    allowHeaders: headersNode === undefined ? { kind: 'list', items: SERVERLESS_HEADERS, loc: sourceLoc } : listOption(parsed, headersNode),
    maxAge: isMap(cors) ? numberOption(parsed, get(cors, 'maxAge')) : undefined,
    preflight: { kind: 'handled', status: 200, loc: sourceLoc },
    vary: false,
    program: mockPreflightProgram,
  });
}
