import type { Node, ObjectExpression } from '@babel/types';
import { parseJs } from '../extract/js/extract.js';
import { locOf } from '../extract/js/values.js';
import { readNetlifyConfig } from '../extract/platform/netlify.js';
import { NEXT_CONFIG, nextConfigRewrites } from '../extract/platform/next-config.js';
import { readVercelConfig, type PlatformRewrite } from '../extract/platform/vercel.js';
import type { Loc } from '../model/types.js';
import type { ReadFile } from './frontend.js';
import { NEXT_CONFIGS, VITE_CONFIGS, WEBPACK_CONFIGS } from './proxy-configs.js';

/**
 * A path the page's own server forwards to another origin: Vite `server.proxy`, webpack-dev-server
 * `devServer.proxy`, Next.js `rewrites()`, Vercel `rewrites`, Netlify `status = 200` redirects. The
 * browser calls the page's origin, so a request through it is same-origin: no CORS in the browser.
 */
export interface SameOriginProxy {
  kind: 'Vite dev server' | 'webpack-dev-server' | 'Create React App dev server' | 'Next.js rewrite' | 'Vercel rewrite' | 'Netlify redirect (status 200)';
  /** When the proxy is in front of the pages: the dev server, or the deployment. */
  mode: 'development' | 'production' | 'both';
  /** The path prefix it takes (`/api`), as a browser URL path starts. */
  prefix: string;
  /** Vite and webpack-dev-server take every path that starts with the key (`/api` takes `/apix`); the platforms match whole segments. */
  matches: 'startsWith' | 'segments';
  /** The origin (and path) it forwards to. */
  target: string;
  /** Vite `rewrite` / webpack `pathRewrite`: the path the server sees is computed. */
  pathRewritten?: boolean;
  loc: Loc;
}


/** What a dev-server config states: its port and scheme (each undefined when written as something we cannot read), and its proxies. */
export interface DevServerConfig {
  file: string;
  /** The literal port; 'computed' when the config sets one we cannot read (then the origin is unknown). */
  port: number | 'computed' | undefined;
  https: boolean | 'computed';
  proxies: SameOriginProxy[];
}

function join(dir: string, name: string): string {
  return dir ? `${dir.replace(/\/$/, '')}/${name}` : name;
}

/** Vite's `server` (and webpack's `devServer`) object of the config in `dir`, read from its syntax tree. */
export function devServerConfig(dir: string, read: ReadFile, tool: 'vite' | 'webpack'): DevServerConfig | undefined {
  for (const name of tool === 'vite' ? VITE_CONFIGS : WEBPACK_CONFIGS) {
    const path = join(dir, name);
    const text = read(path);
    if (text === undefined) continue;
    const { parsed } = parseJs({ path, text });
    if (!parsed) return { file: path, port: 'computed', https: 'computed', proxies: [] };
    const servers = [...parsed.parents.keys()].filter(
      (node): node is Extract<Node, { type: 'ObjectProperty' }> => node.type === 'ObjectProperty' && !node.computed && keyName(node.key) === (tool === 'vite' ? 'server' : 'devServer'),
    );
    if (servers.length === 0) return { file: path, port: undefined, https: false, proxies: [] };
    // Two server blocks (per mode, per command): which one runs is decided at run time.
    if (servers.length > 1 || servers[0].value.type !== 'ObjectExpression') return { file: path, port: 'computed', https: 'computed', proxies: [] };
    const server = servers[0].value;
    const property = (object: ObjectExpression, key: string) => object.properties.find((p) => p.type !== 'SpreadElement' && !p.computed && keyName(p.key) === key) as Extract<Node, { type: 'ObjectProperty' }> | undefined;
    const spread = server.properties.some((p) => p.type === 'SpreadElement');
    const portNode = property(server, 'port')?.value;
    const port = portNode === undefined ? (spread ? 'computed' : undefined) : portNode.type === 'NumericLiteral' ? portNode.value : portNode.type === 'StringLiteral' && /^\d+$/.test(portNode.value) ? Number(portNode.value) : 'computed';
    const httpsNode = property(server, 'https')?.value ?? (tool === 'webpack' ? property(server, 'server')?.value : undefined);
    const https =
      httpsNode === undefined ? (spread ? 'computed' : false) : httpsNode.type === 'BooleanLiteral' ? httpsNode.value : httpsNode.type === 'ObjectExpression' ? true : httpsNode.type === 'StringLiteral' ? httpsNode.value === 'https' || httpsNode.value === 'spdy' : 'computed';
    const kind = tool === 'vite' ? 'Vite dev server' : 'webpack-dev-server';
    const proxies: SameOriginProxy[] = [];
    const proxyNode = property(server, 'proxy')?.value;
    const add = (prefix: string, targetNode: Node | undefined, at: Node, options?: ObjectExpression) => {
      if (targetNode?.type !== 'StringLiteral' || !/^https?:\/\//i.test(targetNode.value)) return;
      // Vite reads a key starting with `^` as a regex, webpack a `*` glob: no plain prefix.
      if (!prefix.startsWith('/') || /[\^*?()[\]]/.test(prefix)) return;
      const pathRewritten = options !== undefined && (property(options, 'rewrite') !== undefined || property(options, 'pathRewrite') !== undefined);
      proxies.push({ kind, mode: 'development', prefix, matches: 'startsWith', target: targetNode.value, loc: locOf(at, path), ...(pathRewritten ? { pathRewritten } : {}) });
    };
    if (proxyNode?.type === 'ObjectExpression') {
      for (const entry of proxyNode.properties) {
        if (entry.type !== 'ObjectProperty' || entry.computed) continue;
        const prefix = keyName(entry.key);
        if (prefix === undefined) continue;
        const value = entry.value;
        const options = value.type === 'ObjectExpression' ? value : undefined;
        add(prefix, options ? property(options, 'target')?.value : value, options ? (property(options, 'target')?.value ?? options) : value, options);
      }
    } else if (proxyNode?.type === 'ArrayExpression') {
      // webpack-dev-server 5: `[{ context: ['/api', '/auth'], target }]`.
      for (const element of proxyNode.elements) {
        if (element?.type !== 'ObjectExpression') continue;
        const target = property(element, 'target')?.value;
        const context = property(element, 'context')?.value;
        const prefixes = context?.type === 'StringLiteral' ? [context.value] : context?.type === 'ArrayExpression' && context.elements.every((e) => e?.type === 'StringLiteral') ? context.elements.map((e) => (e as { value: string }).value) : [];
        for (const prefix of prefixes) add(prefix, target, target ?? element, element);
      }
    }
    return { file: path, port, https, proxies };
  }
  return undefined;
}

/** The deployment's and Next.js's rewrites to another origin, in the frontend project folder. */
export function platformProxies(dir: string, read: ReadFile): SameOriginProxy[] {
  const out: SameOriginProxy[] = [];
  const push = (kind: SameOriginProxy['kind'], mode: SameOriginProxy['mode'], rewrites: PlatformRewrite[]) => {
    for (const rewrite of rewrites) {
      const prefix = pathPrefix(rewrite.source);
      if (prefix === undefined || !/^https?:\/\//i.test(rewrite.destination)) continue;
      out.push({ kind, mode, prefix, matches: 'segments', target: rewrite.destination, loc: rewrite.loc });
    }
  };
  for (const name of NEXT_CONFIGS) {
    const path = join(dir, name);
    const text = read(path);
    if (text === undefined || !NEXT_CONFIG.test(path)) continue;
    const { parsed } = parseJs({ path, text });
    // `next dev` and `next start` both apply them.
    if (parsed) push('Next.js rewrite', 'both', nextConfigRewrites(parsed));
    break;
  }
  const vercel = read(join(dir, 'vercel.json'));
  if (vercel !== undefined) push('Vercel rewrite', 'production', readVercelConfig({ path: join(dir, 'vercel.json'), text: vercel }).rewrites);
  const netlify = read(join(dir, 'netlify.toml'));
  if (netlify !== undefined) push('Netlify redirect (status 200)', 'production', readNetlifyConfig({ path: join(dir, 'netlify.toml'), text: netlify }).rewrites);
  return out;
}

/** `/api/:path*`, `/api/(.*)`, `/api/*`: the literal part before the first parameter or wildcard, when it is a path of its own. */
function pathPrefix(source: string): string | undefined {
  const literal = /^\/[^:*(\\[?{]*/.exec(source)?.[0];
  if (literal === undefined) return undefined;
  return literal === source || literal.endsWith('/') ? literal.replace(/(.)\/$/, '$1') : undefined;
}

function keyName(key: Node): string | undefined {
  return key.type === 'Identifier' ? key.name : key.type === 'StringLiteral' ? key.value : undefined;
}

/** The proxy a URL path goes through; the longest matching prefix when several do. */
export function proxyFor(proxies: SameOriginProxy[], path: string): SameOriginProxy | undefined {
  const takes = (proxy: SameOriginProxy) => (proxy.matches === 'startsWith' ? path.startsWith(proxy.prefix) : proxy.prefix === '/' || path === proxy.prefix || path.startsWith(`${proxy.prefix}/`));
  return proxies.filter(takes).sort((a, b) => b.prefix.length - a.prefix.length)[0];
}
