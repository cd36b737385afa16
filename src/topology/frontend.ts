import { posix } from 'node:path';
import { lineStartsOf, offsetsToLoc } from '../extract/offsets.js';
import { devServerConfig, platformProxies, type SameOriginProxy } from './dev-proxies.js';

/**
 * What a frontend project states about where its pages run and which API base URLs it uses:
 * the dev server's origin (Vite, Next.js, Create React App, Vue CLI, Angular, from their config
 * and package.json) and the `.env*` values of each mode, as the tools themselves load them.
 */
export interface FrontendProject {
  dir: string;
  /** Origins the pages are served from, per mode. */
  pageOrigins: { development: string[]; production: string[] };
  /** Environment values per mode, later files overriding earlier ones as Vite and Next.js load them. */
  env: { development: Map<string, EnvValue>; production: Map<string, EnvValue> };
  /** Paths the dev server or the deployment forwards to another origin (same-origin for the browser). */
  proxies?: SameOriginProxy[];
}

export interface EnvValue {
  value: string;
  file: string;
  line: number;
}

export type ReadFile = (path: string) => string | undefined;

const FRONTEND_DEPENDENCIES = /^(react|react-dom|vue|svelte|@sveltejs\/kit|@angular\/core|preact|solid-js|next|nuxt|vite|@vitejs\/plugin-\w+|react-scripts|@vue\/cli-service)$/;
/** Files each mode reads, lowest precedence first (Vite, Next.js and CRA agree on this order). */
const ENV_FILES = { development: ['.env', '.env.local', '.env.development', '.env.development.local'], production: ['.env', '.env.local', '.env.production', '.env.production.local'] };

/** The frontend project a source file belongs to: the nearest folder above it with a package.json naming a frontend framework. */
export function frontendProjectOf(file: string, read: ReadFile, knownOrigins: string[], cache: Map<string, FrontendProject | null>): FrontendProject | undefined {
  for (let dir = posix.dirname(file); ; dir = posix.dirname(dir)) {
    const key = dir === '.' ? '' : dir;
    if (cache.has(key)) return cache.get(key) ?? undefined;
    const packageText = read(join(key, 'package.json'));
    if (packageText !== undefined) {
      const project = readProject(key, packageText, read, knownOrigins);
      cache.set(key, project ?? null);
      return project;
    }
    if (dir === '.' || dir === '/' || dir === '') return undefined;
  }
}

function join(dir: string, name: string): string {
  return dir ? `${dir.replace(/\/$/, '')}/${name}` : name;
}

function readProject(dir: string, packageText: string, read: ReadFile, knownOrigins: string[]): FrontendProject | undefined {
  let manifest: { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; scripts?: Record<string, string> };
  try {
    manifest = JSON.parse(packageText);
  } catch {
    return undefined;
  }
  const dependencies = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies });
  if (!dependencies.some((name) => FRONTEND_DEPENDENCIES.test(name))) return undefined;
  const dev = devServerOrigin(dir, dependencies, manifest.scripts ?? {}, read);
  const development = dev?.origin;
  return {
    dir,
    proxies: [...(dev?.proxies ?? []), ...platformProxies(dir, read)],
    pageOrigins: { development: development ? [development] : [], production: knownOrigins },
    env: { development: readEnv(dir, ENV_FILES.development, read), production: readEnv(dir, ENV_FILES.production, read) },
  };
}

/** The dev server's origin, only where the project states which dev server it runs (and where its config leaves the port readable). */
/** Create React App's `"proxy": "http://localhost:8000"` in package.json: the dev server forwards every request it does not serve itself. */
function craProxy(dir: string, read: ReadFile): SameOriginProxy[] {
  const path = join(dir, 'package.json');
  const text = read(path) ?? '';
  const match = /"proxy"\s*:\s*"(https?:\/\/[^"\\]{1,200})"/.exec(text);
  if (!match) return [];
  const from = match.index + match[0].length - match[1].length - 2;
  const lineStarts = lineStartsOf(text);
  return [{ kind: 'Create React App dev server', mode: 'development', prefix: '/', matches: 'startsWith', target: match[1], loc: offsetsToLoc(path, lineStarts, from, from + match[1].length + 2) }];
}

function devServerOrigin(dir: string, dependencies: string[], scripts: Record<string, string>, read: ReadFile): { origin?: string; proxies: SameOriginProxy[] } | undefined {
  const scriptText = Object.values(scripts).join(' ');
  const portFlag = /(?:--port|-p)[\s=]+(\d{2,5})\b/.exec(scripts.dev ?? scripts.start ?? scripts.serve ?? '')?.[1];
  const vite = devServerConfig(dir, read, 'vite');
  if (vite !== undefined || dependencies.includes('vite')) {
    // A port or scheme the config computes (env, a function of the mode) leaves the origin unknown.
    if (vite && (vite.port === 'computed' || vite.https === 'computed')) return { proxies: vite.proxies };
    const port = portFlag ?? (typeof vite?.port === 'number' ? String(vite.port) : '5173');
    return { origin: `${vite?.https === true ? 'https' : 'http'}://localhost:${port}`, proxies: vite?.proxies ?? [] };
  }
  if (dependencies.includes('next') && /\bnext dev\b/.test(scriptText)) return { origin: `http://localhost:${portFlag ?? '3000'}`, proxies: [] };
  if (dependencies.includes('react-scripts')) return { origin: `http://localhost:${/\bPORT=(\d{2,5})\b/.exec(scriptText)?.[1] ?? '3000'}`, proxies: craProxy(dir, read) };
  if (dependencies.includes('@vue/cli-service')) return { origin: `http://localhost:${portFlag ?? '8080'}`, proxies: [] };
  if (dependencies.includes('@angular/core') && /\bng serve\b/.test(scriptText)) return { origin: `http://localhost:${portFlag ?? '4200'}`, proxies: [] };
  if (dependencies.includes('webpack-dev-server') && /\b(webpack serve|webpack-dev-server)\b/.test(scriptText)) {
    const webpack = devServerConfig(dir, read, 'webpack');
    if (webpack && (webpack.port === 'computed' || webpack.https === 'computed')) return { proxies: webpack.proxies };
    const port = portFlag ?? (typeof webpack?.port === 'number' ? String(webpack.port) : '8080');
    return { origin: `${webpack?.https === true ? 'https' : 'http'}://localhost:${port}`, proxies: webpack?.proxies ?? [] };
  }
  return undefined;
}

/** `KEY=value` lines as dotenv reads them (quotes removed, `#` comments); `${VAR}` expansion makes a value unknown. */
function readEnv(dir: string, files: string[], read: ReadFile): Map<string, EnvValue> {
  const env = new Map<string, EnvValue>();
  for (const name of files) {
    const path = join(dir, name);
    const text = read(path);
    if (text === undefined) continue;
    text.split(/\r\n|\r|\n/).forEach((line, index) => {
      const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
      if (!match) return;
      let value = match[2];
      const quoted = /^(['"`])(.*)\1$/.exec(value);
      value = quoted ? quoted[2] : value.replace(/\s+#.*$/, '');
      if (value.includes('${') || (!quoted && value.includes('$'))) env.delete(match[1]);
      else env.set(match[1], { value, file: path, line: index + 1 });
    });
  }
  return env;
}
