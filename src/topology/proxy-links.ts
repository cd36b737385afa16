import { posix } from 'node:path';
import type { CorsPolicy } from '../model/types.js';
import { platformProxies, type SameOriginProxy } from './dev-proxies.js';
import { isProxyConfig } from './proxy-configs.js';
import { endpointFor, type EndpointIndex } from './endpoints.js';
import { frontendProjectOf, type FrontendProject } from './frontend.js';

/**
 * Links each same-origin proxy of the repository (dev server `proxy`, Next.js/Vercel/Netlify
 * rewrites) to the server policy its target resolves to, as `explain --topology` shows it. Targets
 * resolve as frontend calls do (an app on a localhost port, a Compose service publishing it, an
 * nginx server_name + location); anything else stays unlinked.
 */
export function linkSameOriginProxies(files: { texts: Map<string, string>; knownOrigins?: string[] }, read: (path: string) => string | undefined, index: () => EndpointIndex, projects: Map<string, FrontendProject | null>): void {
  const dirs = [...new Set([...files.texts.keys()].filter(isProxyConfig).map((path) => posix.dirname(path.replace(/\\/g, '/'))))].sort();
  for (const dir of dirs) {
    const key = dir === '.' ? '' : dir;
    const project = frontendProjectOf(key ? `${key}/package.json` : 'package.json', read, files.knownOrigins ?? [], projects);
    const proxies: SameOriginProxy[] = project?.dir === key ? (project.proxies ?? []) : platformProxies(key, read);
    for (const proxy of proxies) {
      const url = targetUrl(proxy);
      if (!url) continue;
      const endpoint = endpointFor(url, index(), proxy.loc.file);
      if (!endpoint) continue;
      (endpoint.policy.sameOriginProxies ??= []).push({
        via: [
          { what: `${proxy.kind}: '${proxy.prefix}' → ${proxy.target} (same origin as the page: no CORS for calls through it)`, loc: proxy.loc },
          { what: `${endpoint.via} (${endpoint.policy.profile.name} ${endpoint.policy.scope.label})`, loc: endpoint.policy.source.loc },
        ],
      });
    }
  }
}

/** The URL a request through the proxy reaches: the target's origin and its literal path (parameters cut), or the proxied prefix. */
function targetUrl(proxy: SameOriginProxy): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(proxy.target);
  } catch {
    return undefined;
  }
  // A rewritten path only keeps the server: enough on a loopback port, not for an nginx location.
  if (proxy.pathRewritten && !['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname)) return undefined;
  const literal = /^[^:*($?]*/.exec(parsed.pathname)?.[0] ?? '/';
  const path = literal !== '/' ? literal : proxy.matches === 'startsWith' ? proxy.prefix : '/';
  return `${parsed.origin}${path}`;
}
