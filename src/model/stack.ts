import { respond } from './respond.js';
import { sameStart } from './loc.js';
import { GRANT_READS, mergeUncertainty, unsure } from './uncertainty.js';
import type { CorsPolicy, CorsRequest, CorsResponse, ResponseHeader, UpstreamLayer } from './types.js';

/**
 * What the browser receives from a proxy in front of an app: the proxy answers by itself when it
 * short-circuits (an nginx `return 204` for OPTIONS); otherwise the app's headers pass through,
 * minus those the proxy hides (`proxy_hide_header`, `more_clear_headers`) or replaces
 * (`more_set_headers`, Kong's `set_header` and `clear_header`), and the proxy's `add_header` fields are added next to them.
 */
export function respondThroughLayer(outer: CorsPolicy, layer: UpstreamLayer, request: CorsRequest): CorsResponse {
  const alone = respond(outer, request);
  if (alone.shortCircuit) return alone;
  if (layer.onlyThrough) {
    const via = alone.proxiedBy;
    // Which of the location's proxy_pass lines serves the request is not known: neither is what comes back.
    if (!via) return { ...alone, uncertain: true, unknownHeaders: undefined, maybeHeaders: undefined };
    // Another proxy_pass serves it: this app is not reached, and the answer is the front's alone.
    if (!sameStart(via, layer.onlyThrough)) return alone;
  }
  const back = respond(layer.policy, request);
  // The app's status decides which of the proxy's `add_header` lines apply (those without `always` need a 2xx/3xx).
  const status = back.status ?? request.appStatus ?? 200;
  const front = respond(outer, { ...request, appStatus: status });
  const replaced = new Set(outer.emitted.filter((header) => header.mode === 'set').map((header) => header.name.toLowerCase()));
  if (outer.profile.corsHeadersReplaceUpstream) {
    const added = new Set(outer.emitted.filter((header) => header.mode === 'add').map((header) => header.name.toLowerCase()));
    for (const header of front.headers) if (/^access-control-/i.test(header.name) && !added.has(header.name.toLowerCase())) replaced.add(header.name.toLowerCase());
  }
  if (outer.profile.decidesAllowOrigin && request.origin) replaced.add('access-control-allow-origin');
  const removed = (name: string) => {
    const lower = name.toLowerCase();
    return replaced.has(lower) || layer.hidden.some((hidden) => hidden === lower || (hidden.endsWith('*') && lower.startsWith(hidden.slice(0, -1))));
  };
  return {
    status: front.status ?? status,
    headers: [...back.headers.filter((header) => !removed(header.name)), ...front.headers],
    ...mergeUncertainty(front, back),
    shortCircuit: back.shortCircuit,
  };
}

/**
 * A credentialed grant to any origin that only the chain makes: a front that echoes every origin in
 * Access-Control-Allow-Origin without credentials of its own (nginx `add_header … $http_origin`, an
 * Envoy or APISIX allow-all) in front of an app whose `Access-Control-Allow-Credentials: true`
 * passes through (Express `cors` and Starlette send it whatever the origin), or an app that echoes
 * the origin behind a front that adds Allow-Credentials. Found with a credentialed GET or POST from
 * the probe origin; a pair the front sends alone, or the app alone, is that layer's own finding.
 * `culprit` is the front's header of the pair.
 */
export function chainedCredentialedReflections(outer: CorsPolicy, probeOrigin: string): Array<{ layer: UpstreamLayer; request: CorsRequest; culprit: ResponseHeader; frontSetsOrigin: boolean }> {
  const out: Array<{ layer: UpstreamLayer; request: CorsRequest; culprit: ResponseHeader; frontSetsOrigin: boolean }> = [];
  const named = (response: CorsResponse, name: string) => response.headers.filter((header) => header.name.toLowerCase() === name);
  const pairs = (response: CorsResponse) => {
    const origins = named(response, 'access-control-allow-origin');
    const credentials = named(response, 'access-control-allow-credentials');
    return origins.length === 1 && origins[0].value === probeOrigin && credentials.length === 1 && credentials[0].value.trim().toLowerCase() === 'true' ? { origin: origins[0], credentials: credentials[0] } : undefined;
  };
  const mine = (header: ResponseHeader) => [header.loc, header.writtenAt].some((loc) => loc?.file === outer.source.file);
  for (const layer of outer.upstreamLayers ?? []) {
    for (const method of ['GET', 'POST']) {
      const request: CorsRequest = { origin: probeOrigin, method, credentials: true };
      const chained = respondThroughLayer(outer, layer, request);
      if (unsure(chained, GRANT_READS)) continue;
      const pair = pairs(chained);
      if (!pair) continue;
      const alone = respond(outer, request);
      if (alone.shortCircuit || pairs(alone)) continue;
      const culprit = mine(pair.origin) ? pair.origin : mine(pair.credentials) ? pair.credentials : undefined;
      if (!culprit) continue;
      out.push({ layer, request, culprit, frontSetsOrigin: culprit === pair.origin });
      break;
    }
  }
  return out;
}
