import { ALLOW_CREDENTIALS, Unknowns } from '../uncertainty.js';
import { listAllowOrigin } from './common.js';
import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';

/**
 * Apache APISIX's `cors` plugin, after `apisix/plugins/cors.lua` (semantics §12): `*` sent
 * literally, `**` echoes the request's origin, comma lists compared exactly (untrimmed), regexes
 * searched unanchored, every OPTIONS answered 200, the CORS headers on every response of an
 * allowed origin, and `Vary: Origin` unless Allow-Origin is `*`.
 */
export const apisixProfile: FrameworkProfile = {
  id: 'apisix',
  name: 'APISIX cors plugin',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'unless-wildcard',
  preflight: { trigger: 'any-options', status: 200, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: '*', methods: ['*'], credentials: false },
  routeLevelHandlesOptions: true,
  // header_filter `set_header`s every header it sends (an allowed origin's answer): the app's of the same name are replaced.
  corsHeadersReplaceUpstream: true,
  docs: 'https://apisix.apache.org/docs/apisix/plugins/cors/',
};

export interface ApisixValues {
  methods: string;
  headers: string;
  expose: string | undefined;
  maxAge: number;
}

export function apisixProgram(policy: CorsPolicy, values: ApisixValues): HeaderProgram {
  return { run: (request) => respondApisix(policy, values, request) };
}

function respondApisix(policy: CorsPolicy, values: ApisixValues, request: CorsRequest): CorsResponse {
  const status = request.preflight ? 200 : (request.appStatus ?? 200);
  const headers: ResponseHeader[] = [];
  const origin = request.origin;
  const { header: allowOrigin, uncertain: originUncertain } = listAllowOrigin(policy.origins, origin);
  // `*` is sent literally whatever the credentials: unknown credentials leave only Allow-Credentials open.
  const unknowns = new Unknowns().all(originUncertain);
  if (!allowOrigin) return { status, headers, ...unknowns.fields(), shortCircuit: request.preflight === true };
  unknowns.header(ALLOW_CREDENTIALS, policy.credentials?.value === 'unknown');
  headers.push(allowOrigin);
  if (allowOrigin.value !== '*') headers.push({ name: 'Vary', value: 'Origin' });
  const settingLoc = (setting: CorsPolicy['allowMethods']) => (setting.kind === 'list' || setting.kind === 'wildcard' || setting.kind === 'unknown' ? setting.loc : undefined);
  headers.push({ name: 'Access-Control-Allow-Methods', value: values.methods === '**' ? 'GET,POST,PUT,DELETE,PATCH,HEAD,OPTIONS,CONNECT,TRACE' : values.methods, loc: settingLoc(policy.allowMethods) });
  headers.push({ name: 'Access-Control-Max-Age', value: String(values.maxAge), loc: policy.maxAge?.loc });
  if (values.expose) headers.push({ name: 'Access-Control-Expose-Headers', value: values.expose });
  const allowHeaders = values.headers === '**' ? (request.headers ?? []).join(',') : values.headers;
  if (allowHeaders) headers.push({ name: 'Access-Control-Allow-Headers', value: allowHeaders });
  if (policy.credentials?.value === true) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials.loc });
  return { status, headers, ...unknowns.fields(), shortCircuit: request.preflight === true };
}
