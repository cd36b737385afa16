import { posix } from 'node:path';

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
  const development = devServerOrigin(dir, dependencies, manifest.scripts ?? {}, read);
  return {
    dir,
    pageOrigins: { development: development ? [development] : [], production: knownOrigins },
    env: { development: readEnv(dir, ENV_FILES.development, read), production: readEnv(dir, ENV_FILES.production, read) },
  };
}

/** The dev server's origin, only where the project states which dev server it runs. */
function devServerOrigin(dir: string, dependencies: string[], scripts: Record<string, string>, read: ReadFile): string | undefined {
  const viteConfig = ['vite.config.ts', 'vite.config.js', 'vite.config.mjs', 'vite.config.mts'].map((name) => read(join(dir, name))).find((text) => text !== undefined);
  const scriptText = Object.values(scripts).join(' ');
  const portFlag = /(?:--port|-p)[\s=]+(\d{2,5})\b/.exec(scripts.dev ?? scripts.start ?? scripts.serve ?? '')?.[1];
  if (viteConfig !== undefined || dependencies.includes('vite')) {
    const server = /\bserver\s*:\s*\{([^}]*)\}/.exec(viteConfig ?? '')?.[1] ?? '';
    const port = /\bport\s*:\s*(\d{2,5})\b/.exec(server)?.[1] ?? portFlag ?? '5173';
    const https = /\bhttps\s*:\s*(true|\{)/.test(server);
    return `${https ? 'https' : 'http'}://localhost:${port}`;
  }
  if (dependencies.includes('next') && /\bnext dev\b/.test(scriptText)) return `http://localhost:${portFlag ?? '3000'}`;
  if (dependencies.includes('react-scripts')) return `http://localhost:${/\bPORT=(\d{2,5})\b/.exec(scriptText)?.[1] ?? '3000'}`;
  if (dependencies.includes('@vue/cli-service')) return `http://localhost:${portFlag ?? '8080'}`;
  if (dependencies.includes('@angular/core') && /\bng serve\b/.test(scriptText)) return `http://localhost:${portFlag ?? '4200'}`;
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
