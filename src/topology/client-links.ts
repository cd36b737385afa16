import type { CorsPolicy } from '../model/types.js';
import { clientCalls, mayHoldClientCalls } from './client-calls.js';
import { composeServices } from './compose.js';
import { endpointFor, type EndpointIndex } from './endpoints.js';
import { frontendProjectOf, type FrontendProject } from './frontend.js';
import type { ProxyLink, TopologyFiles } from './link.js';
import { nginxLocations, type NginxLocation } from './nginx-proxies.js';
import { linkSameOriginProxies } from './proxy-links.js';

const SCRIPT = /\.(c|m)?[jt]sx?$/;
// Server code inside a frontend project (Next.js API routes, Nuxt/Nitro `server/`, SvelteKit `+server`/`.server` modules,
// Next.js middleware), tests and build configs make no browser calls.
const NOT_BROWSER_CODE =
  /(^|\/)(node_modules|dist|build|test|tests|__tests__|e2e|cypress|server)\/|(^|\/)(pages|app)\/api\/|\.(test|spec|config|server)\.[cm]?[jt]sx?$|(^|\/)(\+server|middleware)\.[cm]?[jt]s$/;

/** A file of frontend code that may make a browser call linkClientCalls reads (a quick text test, no parse). */
export function mayBeFrontendCall(path: string, text: string): boolean {
  // Every start anchor of NOT_BROWSER_CODE is `(^|\/)`, so the path is tested as it is: asked of every
  // script a whole-repository run reads, a `/`-prefixed copy was a new string (flattened for the regexp) per file.
  return SCRIPT.test(path) && !NOT_BROWSER_CODE.test(path) && mayHoldClientCalls(text);
}

/**
 * Attaches each browser call of the repository's frontend code to the policy that answers it
 * (`clientCalls` on that policy). Only calls whose URL, method, headers and credentials mode are
 * all written out, from a frontend project that states its page origin, to an endpoint the
 * repository resolves without ambiguity.
 */
export function linkClientCalls(policies: CorsPolicy[], files: TopologyFiles, proxyLinks: ProxyLink[]): void {
  const servers = policies.filter((policy) => policy.source.format !== 'yaml');
  if (servers.length === 0) return;
  const read = (path: string) => files.texts.get(path) ?? files.read?.(path);
  const projects = new Map<string, FrontendProject | null>();
  const apps = new Map<string, CorsPolicy[]>();
  for (const policy of servers) {
    if (policy.source.format === 'nginx') continue;
    apps.set(policy.source.file, [...(apps.get(policy.source.file) ?? []), policy]);
  }
  let index: EndpointIndex | undefined;
  // Locations are read per host a call names: only the nginx files that may name it are parsed.
  const locations = new Map<string, NginxLocation[]>();
  const locationsFor = (host: string) => {
    let found = locations.get(host);
    if (!found) locations.set(host, (found = nginxLocations(files.nginx, host)));
    return found;
  };
  const indexOf = () => (index ??= { apps, texts: files.texts, services: composeServices(files.yaml), locationsFor, nginxPolicies: servers.filter((policy) => policy.source.format === 'nginx'), proxyLinks, listening: new Map() });
  linkSameOriginProxies(files, read, indexOf, projects);
  const frontendFiles = [...files.texts].filter(([path, text]) => mayBeFrontendCall(path, text));
  if (frontendFiles.length === 0) return;
  for (const [path, text] of frontendFiles.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const project = frontendProjectOf(path, read, files.knownOrigins ?? [], projects);
    if (!project) continue;
    for (const call of clientCalls({ path, text }, project)) {
      const endpoint = endpointFor(call.url, indexOf(), path);
      if (!endpoint) continue;
      const envNote = call.envLine ? ` (${call.envLine.name} from ${call.envLine.file}:${call.envLine.line})` : '';
      const hint = proxyHint(project, call.url, call.mode);
      for (const pageOrigin of project.pageOrigins[call.mode]) {
        // A URL on the page's own origin is a same-origin request: the browser applies no CORS.
        if (sameOrigin(call.url, pageOrigin)) continue;
        (endpoint.policy.clientCalls ??= []).push({
          ...(hint ? { hint } : {}),
          loc: call.loc,
          api: call.api,
          url: call.url,
          pageOrigin,
          mode: call.mode,
          requests: call.requests,
          layer: endpoint.layer,
          via: `${call.url}${envNote} → ${endpoint.via}`,
          ...(call.detail ? { detail: call.detail } : {}),
        });
      }
    }
  }
}

function sameOrigin(url: string, pageOrigin: string): boolean {
  try {
    return new URL(url).origin === new URL(pageOrigin).origin;
  } catch {
    return false;
  }
}

/** When the dev server or the deployment already forwards a path to the server the call goes to, calling that path instead is same-origin. */
function proxyHint(project: FrontendProject, url: string, mode: 'development' | 'production'): string | undefined {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    return undefined;
  }
  const proxy = (project.proxies ?? []).find((candidate) => (candidate.mode === mode || candidate.mode === 'both') && sameOrigin(candidate.target, origin));
  if (!proxy) return undefined;
  return `the ${proxy.kind} already forwards ${proxy.prefix === '/' ? 'requests' : `'${proxy.prefix}'`} to ${proxy.target} (${proxy.loc.file}:${proxy.loc.line}): a relative ${proxy.prefix === '/' ? '' : `'${proxy.prefix}…' `}URL is same-origin and needs no CORS`;
}
