import { matcherAccepts } from '../respond.js';
import { Unknowns } from '../uncertainty.js';
import type { CorsPolicy, CorsRequest, CorsResponse, FrameworkProfile, HeaderProgram, ResponseHeader } from '../types.js';

/**
 * ingress-nginx's CORS annotations, after `internal/ingress/annotations/cors/main.go` and the
 * `CORS` define of `nginx.tmpl` (semantics §7): `more_set_headers` on every status, a `~*`
 * end-anchored origin regex, `*` sent literally, credentials on by default, allowed OPTIONS
 * answered 204 without looking at Access-Control-Request-Method, and no Vary.
 */
export const ingressNginxProfile: FrameworkProfile = {
  id: 'ingress-nginx',
  name: 'ingress-nginx',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'compare',
  exactComparison: 'case-insensitive',
  varyOrigin: 'never',
  preflight: { trigger: 'any-options', status: 204, shortCircuit: true, allowHeadersDefault: 'none' },
  defaults: { origin: '*', methods: ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'], credentials: true },
  routeLevelHandlesOptions: true,
  docs: 'https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#enable-cors',
  varyHint: 'ingress-nginx never sends Vary: Origin; add it with a configuration-snippet: more_set_headers "Vary: Origin";',
  // The template writes the CORS block with more_set_headers, which replaces what the upstream sent.
  corsHeadersReplaceUpstream: true,
};

export interface IngressCorsValues {
  credentials: boolean;
  methods: string;
  headers: string;
  expose: string;
  maxAge: number;
  /** The annotation that writes Allow-Origin (where a missing Vary is reported). */
  writtenAt?: import('../types.js').Loc;
  /** Headers (lower case) whose annotation is a template value: what they send is unknown, the rest of the answer is not. */
  unknownHeaders?: string[];
}

export function ingressNginxProgram(policy: CorsPolicy, values: IngressCorsValues): HeaderProgram {
  return { run: (request) => respondIngress(policy, values, request) };
}

function respondIngress(policy: CorsPolicy, values: IngressCorsValues, request: CorsRequest): CorsResponse {
  const wildcard = policy.origins.find((matcher) => matcher.kind === 'any');
  const origin = request.origin ?? '';
  const match = wildcard ?? policy.origins.find((matcher) => origin !== '' && matcherAccepts(matcher, origin) === true);
  if (!match) {
    // Not allowed: nothing is added, and OPTIONS goes on to the backend, whose answer we cannot see.
    // An origin annotation we cannot read (a template) leaves the decision itself open.
    const undecided = origin !== '' && policy.origins.some((matcher) => matcherAccepts(matcher, origin) === 'unknown');
    return { status: request.preflight ? undefined : (request.appStatus ?? 200), headers: [], uncertain: request.preflight === true || undecided, shortCircuit: false };
  }
  const headers: ResponseHeader[] = [{ name: 'Access-Control-Allow-Origin', value: wildcard ? '*' : origin, loc: match.loc, writtenAt: values.writtenAt }];
  if (values.credentials) headers.push({ name: 'Access-Control-Allow-Credentials', value: 'true', loc: policy.credentials?.loc ?? policy.source.loc });
  headers.push({ name: 'Access-Control-Allow-Methods', value: values.methods, loc: 'loc' in policy.allowMethods ? policy.allowMethods.loc : undefined });
  headers.push({ name: 'Access-Control-Allow-Headers', value: values.headers, loc: 'loc' in policy.allowHeaders ? policy.allowHeaders.loc : undefined });
  if (values.expose) headers.push({ name: 'Access-Control-Expose-Headers', value: values.expose });
  headers.push({ name: 'Access-Control-Max-Age', value: String(values.maxAge), loc: policy.maxAge?.loc });
  // `*` goes out literally and preflights get a 204 whatever the other annotations say: a templated one leaves only its header open.
  const unknowns = new Unknowns();
  for (const name of values.unknownHeaders ?? []) unknowns.header(name);
  const known = headers.filter((header) => !values.unknownHeaders?.includes(header.name.toLowerCase()));
  if (request.preflight) return { status: 204, headers: known, ...unknowns.fields(), shortCircuit: true };
  return { status: request.appStatus ?? 200, headers: known, ...unknowns.fields(), shortCircuit: false };
}
