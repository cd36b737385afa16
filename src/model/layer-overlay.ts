import { respond } from './respond.js';
import type { CorsPolicy, CorsRequest, CorsResponse, ResponseHeader } from './types.js';

/** The CORS headers (and Vary) an earlier layer may have set, for an answer that cannot say which it set. */
const LAYER_HEADER_NAMES = ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-allow-headers', 'access-control-expose-headers', 'access-control-max-age', 'vary'];

/**
 * The response of a layer that runs once earlier layers of the same app have set their headers on it:
 * each header it writes replaces theirs (Express `res.header`, Starlette `response.headers[…] =`), and
 * every other one goes out as they set it, so an `Access-Control-Allow-Credentials: true` from cors()
 * stays next to a later middleware's `Access-Control-Allow-Origin: *`. An earlier header the layer may or may not write stays
 * unknown with it; one an earlier layer left unknown stays unknown unless this one writes it.
 * Headers kept from earlier layers are marked, so findings about where a header is written stay theirs.
 */
export function overLayers(own: CorsResponse, earlier: CorsResponse[]): CorsResponse {
  if (own.uncertain && !own.unknownHeaders) return own;
  const written = new Set([...own.headers.map((header) => header.name.toLowerCase()), ...(own.unknownHeaders ?? [])]);
  const kept = new Map<string, ResponseHeader[]>();
  const open = new Set<string>();
  for (const response of earlier) {
    const unknown = response.uncertain ? (response.unknownHeaders ?? LAYER_HEADER_NAMES) : [];
    const byName = new Map<string, ResponseHeader[]>();
    for (const header of response.headers) {
      const name = header.name.toLowerCase();
      if (written.has(name)) continue;
      byName.set(name, [...(byName.get(name) ?? []), { ...header, fromEarlierLayer: true }]);
    }
    // A later layer's header replaces an earlier one's of the same name.
    for (const [name, headers] of byName) {
      kept.set(name, headers);
      open.delete(name);
    }
    for (const name of unknown) {
      if (written.has(name)) continue;
      open.add(name);
      kept.delete(name);
    }
  }
  if (kept.size === 0 && open.size === 0) return own;
  const carried = [...kept.values()].flat();
  const headers = [...own.headers, ...carried];
  if (open.size === 0) return { ...own, headers };
  return { ...own, headers, uncertain: true, unknownHeaders: [...(own.unknownHeaders ?? []), ...open] };
}

/**
 * How the policy answers as it stands now (its program, or its framework's model), kept apart from
 * what a pass linking layers later writes over its program and settings.
 */
export function answerOf(policy: CorsPolicy): (request: CorsRequest) => CorsResponse {
  const now = { ...policy };
  return (request) => respond(now, request);
}
