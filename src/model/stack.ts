import { respond } from './respond.js';
import { sameStart } from './loc.js';
import { mergeUncertainty } from './uncertainty.js';
import type { CorsPolicy, CorsRequest, CorsResponse, UpstreamLayer } from './types.js';

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
