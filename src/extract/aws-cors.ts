import { httpApiProfile, httpApiProgram, lambdaUrlProfile } from '../model/frameworks/aws.js';
import { analyzeOrigin } from '../model/origin.js';
import type { CorsPolicy, Format, ListSetting, Loc, Located, OriginMatcher, Tri } from '../model/types.js';
import { gatewayPolicy } from './yaml/policy.js';

/**
 * API Gateway HTTP API CORS, however it is written: a template's `CorsConfiguration` (YAML or
 * JSON), OpenAPI's `x-amazon-apigateway-cors`, Serverless `provider.httpApi.cors`, the CDK's
 * `HttpApi` `corsPreflight`. Each reader turns its own syntax into these settings; what API Gateway
 * does with them (semantics §11b) is decided here once.
 */
export interface HttpApiCorsSettings {
  label: string;
  sourceLoc: Loc;
  origins: OriginMatcher[];
  credentials?: Located<Tri>;
  allowMethods: ListSetting;
  allowHeaders: ListSetting;
  exposeHeaders: ListSetting;
  maxAge?: Located<number | 'unknown'>;
  /** What refuses credentials with a `*` origin, and how it says so (API Gateway at deploy, the CDK at synth). */
  refusal: string;
}

/** An HTTP API origin: `*`, `https://*` / `http://*` for every origin of that scheme, or an exact origin. */
export function httpApiOrigin(value: string, loc: Loc): OriginMatcher {
  if (value === '*') return { kind: 'any', loc };
  const scheme = /^(https?):\/\/\*$/.exec(value);
  if (scheme) return { kind: 'pattern', source: `^${scheme[1]}://`, flags: '', dialect: 'js-search', loc };
  return { kind: 'exact', value, loc };
}

export function httpApiCorsPolicy(source: { file: string; format: Format }, settings: HttpApiCorsSettings): CorsPolicy {
  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  let origins = settings.origins;
  if (settings.credentials?.value === true && origins.some((matcher) => matcher.kind === 'any')) {
    rejected.push({ loc: settings.credentials.loc, message: settings.refusal });
    origins = [];
  }
  return answeredLikeHttpApi(source, settings, { profile: httpApiProfile, origins, preflightStatus: 204, rejected });
}

/** A policy API Gateway's HTTP API program answers (an HTTP API's or a function URL's settings): every response, and the preflight with `preflightStatus`. */
function answeredLikeHttpApi(
  source: { file: string; format: Format },
  settings: Omit<HttpApiCorsSettings, 'refusal'>,
  how: { profile: CorsPolicy['profile']; origins: OriginMatcher[]; preflightStatus: number; rejected?: NonNullable<CorsPolicy['rejected']> },
): CorsPolicy {
  return gatewayPolicy(source, {
    profile: how.profile,
    scope: { kind: 'app', label: settings.label },
    sourceLoc: settings.sourceLoc,
    origins: how.origins,
    credentials: settings.credentials,
    allowMethods: settings.allowMethods,
    allowHeaders: settings.allowHeaders,
    exposeHeaders: settings.exposeHeaders,
    maxAge: settings.maxAge,
    preflight: { kind: 'handled', status: how.preflightStatus, loc: settings.sourceLoc },
    vary: 'unknown',
    errorResponses: true,
    ...(how.rejected ? { rejected: how.rejected } : {}),
    program: httpApiProgram,
  });
}

/**
 * A Lambda function URL's CORS settings (lambdaUrlProfile): answered like an HTTP API's (preflight
 * and every response), except that `*` with credentials echoes every origin instead of failing the
 * deploy. How Lambda compares an entry that is not a serialized origin (a trailing slash, a path,
 * upper case) is not documented: such an entry is unknown rather than judged.
 */
export function lambdaUrlCorsPolicy(source: { file: string; format: Format }, settings: Omit<HttpApiCorsSettings, 'refusal'>): CorsPolicy {
  const reflects = settings.credentials?.value === true;
  const origins = settings.origins.map((matcher): OriginMatcher => {
    if (matcher.kind === 'any' && reflects) {
      const echo = "Lambda echoes every Origin when AllowOrigins is '*' and AllowCredentials is true";
      return { kind: 'reflect', loc: matcher.loc, why: matcher.why ? `${matcher.why}; ${echo}` : echo };
    }
    if (matcher.kind === 'exact' && analyzeOrigin(matcher.value).problems.length > 0) return { kind: 'unknown', reason: 'how Lambda compares an origin that is not serialized is not documented', loc: matcher.loc };
    return matcher;
  });
  return answeredLikeHttpApi(source, settings, { profile: lambdaUrlProfile, origins, preflightStatus: 200 });
}
