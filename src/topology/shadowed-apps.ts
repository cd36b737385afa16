import { exactOrigins, probeRequests, PROBE_ORIGIN, sampleOrigins } from '../model/queries.js';
import { respond } from '../model/respond.js';
import { respondThroughLayer } from '../model/stack.js';
import type { CorsPolicy, CorsRequest, UpstreamLayer } from '../model/types.js';
import { ignoredByHttpApi } from './aws-functions.js';
import { unsure } from '../model/uncertainty.js';

/** A proxy layer in front of an app, answering every CORS question for it. */
export interface ShadowingFront {
  outer: CorsPolicy;
  layer: UpstreamLayer;
}

/**
 * App policies whose CORS headers never reach a browser, with the proxies that answer instead.
 * Kept beside the policies (not on them) so a policy never points back at the proxy that holds it.
 */
export const shadowedApps = new WeakMap<CorsPolicy, ShadowingFront[]>();

/**
 * App policies whose Access-Control-Allow-Origin never reaches a browser: every route the
 * repository shows to the app goes through nginx locations that hide it (`proxy_hide_header`,
 * `more_clear_headers`), replace it (`more_set_headers`) or answer the request themselves. What
 * the app alone would grant an origin is then no finding (the proxy's policy is judged instead).
 */
export const deadAllowOrigin = new WeakMap<CorsPolicy, ShadowingFront[]>();

/**
 * The rules that judge an app's Allow-Origin grant or its origin list: moot for an app in
 * `deadAllowOrigin` (no browser sees that header). Rules about the preflight's other headers, the
 * middleware order and the stack itself still run.
 */
export const ALLOW_ORIGIN_RULES = new Set([
  'credentials-reflect-any-origin',
  'credentials-wildcard-origin',
  'insecure-origin-with-credentials',
  'missing-vary-origin',
  'null-origin',
  'origin-not-serialized',
  'origin-regex-unanchored',
  'origin-regex-unescaped-dot',
  'origin-substring-match',
  'origin-typo',
  'origin-wildcard-literal',
  'origin-www-mismatch',
  'reflect-any-origin',
  'wildcard-origin',
]);

/**
 * Whether a rule's findings on this policy are moot: its Allow-Origin never reaches a browser (and
 * no frontend of the repository calls it directly), or it is a Lambda handler's whose every
 * headers API Gateway replaces (aws-functions.ts).
 */
export function allowOriginMoot(policy: CorsPolicy, ruleId: string): boolean {
  if (ignoredByHttpApi.has(policy)) return true;
  return ALLOW_ORIGIN_RULES.has(ruleId) && allowOriginUnseen(policy);
}

/**
 * No browser ever sees this policy's Access-Control-Allow-Origin: API Gateway replaces the
 * handler's headers, or every route to the app hides or replaces it (and no frontend of the
 * repository calls the app directly). `simulate` shows the layer in front instead.
 */
export function allowOriginUnseen(policy: CorsPolicy): boolean {
  return ignoredByHttpApi.has(policy) || (deadAllowOrigin.has(policy) && !(policy.clientCalls?.length ?? 0));
}

/** One way the repository shows to an app: through a proxy layer's policy and its link (outer undefined: a proxy without CORS, or not known), or open (the app publishes a port). */
export interface FrontRoute {
  outer: CorsPolicy | undefined;
  layer?: UpstreamLayer;
  app: CorsPolicy;
  open: boolean;
}

/**
 * Marks an app policy as shadowed when every route the repository shows to it goes through a
 * proxy (an nginx location, a Kong route) that answers every preflight itself and hides or replaces every
 * `Access-Control-*` header the app sends on the other responses. Any other way in leaves the app
 * live: a location without a CORS policy of its own, a Compose `ports:` entry publishing the app
 * (a browser can call it directly), another layer in front of it that is not listed among the fronts.
 */
export function markShadowedApps(policies: CorsPolicy[], frontRoutes: FrontRoute[], frontPolicies: CorsPolicy[]): void {
  const routes = new Map<CorsPolicy, Array<ShadowingFront | undefined>>();
  for (const { outer, layer, app, open } of frontRoutes) {
    const list = routes.get(app) ?? [];
    list.push(outer && layer && !open ? { outer, layer } : undefined);
    routes.set(app, list);
  }
  const fronts = new Set(frontPolicies);
  // An Ingress (or another layer we did not list) in front of the same app is another way in.
  const behindOthers = new Set<CorsPolicy>();
  for (const policy of policies) if (!fronts.has(policy)) for (const layer of policy.upstreamLayers ?? []) behindOthers.add(layer.policy);
  for (const [app, list] of routes) {
    if (list.some((route) => route === undefined)) continue;
    if (behindOthers.has(app)) continue;
    const found = list as ShadowingFront[];
    if (found.every(({ outer, layer }) => shadows(outer, layer))) shadowedApps.set(app, found);
    if (found.every(({ outer, layer }) => hidesAllowOrigin(outer, layer))) deadAllowOrigin.set(app, found);
  }
}

/** The origins both layers name, samples of their patterns, and a foreign one. */
export function originsOf(outer: CorsPolicy, inner: CorsPolicy): string[] {
  return [...new Set([...exactOrigins(outer).map((m) => m.value), ...exactOrigins(inner).map((m) => m.value), ...sampleOrigins(outer), ...sampleOrigins(inner), PROBE_ORIGIN])];
}

function corsHeaderCount(headers: Array<{ name: string }>, only?: RegExp): number {
  return headers.filter((header) => (only ?? /^access-control-/i).test(header.name)).length;
}

/** No answer through the proxy carries the app's Access-Control-Allow-Origin: the proxy answers itself, or hides or replaces the header. */
function hidesAllowOrigin(outer: CorsPolicy, layer: UpstreamLayer): boolean {
  // `proxy_hide_header` (or `more_clear_headers`) drops the header from every upstream answer, whatever its method or status.
  if (layer.hidden.some((name) => name === 'access-control-allow-origin' || (name.endsWith('*') && 'access-control-allow-origin'.startsWith(name.slice(0, -1))))) return true;
  const allowOrigin = /^access-control-allow-origin$/i;
  for (const origin of originsOf(outer, layer.policy)) {
    const requests: CorsRequest[] = [...probeRequests(origin), { origin, method: 'DELETE', credentials: true, preflight: true }];
    for (const request of requests) {
      const front = respond(outer, request);
      // A proxy that passes the request on (Traefik's customResponseHeaders on a preflight) knows its answer only with the app's: asked below.
      if (front.shortCircuit) {
        if (unsure(front, [])) return false;
        continue;
      }
      const back = respond(layer.policy, request);
      const chained = respondThroughLayer(outer, layer, request);
      if (back.uncertain || chained.uncertain) return false;
      if (corsHeaderCount(back.headers, allowOrigin) === 0) continue;
      const own = respond(outer, { ...request, appStatus: back.status ?? request.appStatus ?? 200 });
      if (own.uncertain || corsHeaderCount(chained.headers, allowOrigin) !== corsHeaderCount(own.headers, allowOrigin)) return false;
    }
  }
  return true;
}

/** Every preflight is answered by the proxy itself, and no Access-Control-* header of the app survives on the other answers. */
function shadows(outer: CorsPolicy, layer: UpstreamLayer): boolean {
  for (const origin of originsOf(outer, layer.policy)) {
    const requests: CorsRequest[] = [...probeRequests(origin), { origin, method: 'DELETE', credentials: true, preflight: true }];
    for (const request of requests) {
      const front = respond(outer, request);
      // A preflight asks only whether the proxy answers it itself; other answers count every CORS header, so any unknown one counts.
      if (unsure(front, request.preflight ? [] : undefined)) return false;
      if (request.preflight) {
        if (!front.shortCircuit) return false;
        continue;
      }
      if (front.shortCircuit) continue;
      const back = respond(layer.policy, request);
      const chained = respondThroughLayer(outer, layer, request);
      if (back.uncertain || chained.uncertain) return false;
      // The chain is the app's surviving headers followed by the proxy's own: the proxy's alone, for the app's status.
      const own = respond(outer, { ...request, appStatus: back.status ?? request.appStatus ?? 200 });
      if (corsHeaderCount(chained.headers) !== corsHeaderCount(own.headers)) return false;
    }
  }
  return true;
}
