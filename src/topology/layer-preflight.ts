import { browserVerdict } from '../model/browser.js';
import { exactOrigins } from '../model/queries.js';
import { respond } from '../model/respond.js';
import type { CorsPolicy, CorsRequest, Loc } from '../model/types.js';
import { unsure, verdictReads } from '../model/uncertainty.js';

const SIMPLE_METHODS = new Set(['GET', 'HEAD', 'POST', 'OPTIONS']);

/**
 * A proxy that answers the preflight itself decides it for the app behind it. When the app would
 * allow a method its allowed origin asks for but the proxy's own answer refuses it, every such
 * request fails in the browser although the app is configured for it. An app left at its framework's
 * default methods asks only for those of the routes it registers (servedMethods).
 */
export function narrowerProxyPreflights(outer: CorsPolicy): Array<{ loc: Loc; message: string }> {
  const findings: Array<{ loc: Loc; message: string }> = [];
  for (const layer of outer.upstreamLayers ?? []) {
    const inner = layer.policy;
    // Methods the app's author named; with the framework's default list, only those of the routes the app
    // registers (an Express app serving GET alone never sends the PATCH its cors() default allows).
    const methods = inner.allowMethods.kind === 'list' ? inner.allowMethods.items : inner.allowMethods.kind === 'default' ? (inner.profile.defaults.methods ?? []).filter((method) => inner.servedMethods?.some((served) => served.toUpperCase() === method.toUpperCase()) === true) : [];
    const origins = exactOrigins(inner).map((matcher) => matcher.value);
    for (const method of methods.map((m) => m.toUpperCase()).filter((m) => !SIMPLE_METHODS.has(m))) {
      const found = origins.map((origin) => check(outer, layer, { origin, method, preflight: true })).find((finding) => finding !== undefined);
      if (found) {
        findings.push(found);
        break;
      }
    }
  }
  return findings;
}

function check(outer: CorsPolicy, layer: NonNullable<CorsPolicy['upstreamLayers']>[number], request: CorsRequest): { loc: Loc; message: string } | undefined {
  const alone = respond(layer.policy, request);
  if (unsure(alone, verdictReads(request)) || !browserVerdict(request, alone).allowed) return undefined;
  // Only a proxy that answers OPTIONS by itself (an nginx `return 204`) decides for the app; a doubled header is duplicate-allow-origin's.
  // A proxy that answers by itself is the whole response through the stack (respondThroughLayer returns it as is).
  const chained = respond(outer, request);
  if (!chained.shortCircuit || unsure(chained, verdictReads(request))) return undefined;
  const verdict = browserVerdict(request, chained);
  if (verdict.allowed) return undefined;
  const loc = verdict.culprit?.writtenAt ?? verdict.culprit?.loc ?? outer.source.loc;
  const app = layer.via.at(-1)!;
  return {
    loc,
    message: `the proxy answers the preflight for ${request.method} from ${request.origin} itself and the browser refuses it (${verdict.reason}), although the app behind it allows ${request.method} (${app.what} at ${app.loc.file}:${app.loc.line}): let OPTIONS through to the app or answer it with the app's methods`,
  };
}
