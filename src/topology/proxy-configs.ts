/** Config files that state a same-origin proxy (dev-proxies.ts): kept by the streaming shell (inputs.ts) with no parser loaded to decide it. */
export const VITE_CONFIGS = ['vite.config.ts', 'vite.config.js', 'vite.config.mjs', 'vite.config.mts', 'vite.config.cjs'];
export const WEBPACK_CONFIGS = ['webpack.config.js', 'webpack.config.ts', 'webpack.config.cjs', 'webpack.config.mjs', 'webpack.dev.js', 'webpack.config.dev.js'];
export const NEXT_CONFIGS = ['next.config.js', 'next.config.mjs', 'next.config.ts', 'next.config.cjs'];

const PROXY_CONFIG = new RegExp(`(^|/)(${[...VITE_CONFIGS, ...WEBPACK_CONFIGS, ...NEXT_CONFIGS, 'vercel.json', 'netlify.toml'].map((name) => name.replace(/\./g, '\\.')).join('|')})$`);

export function isProxyConfig(path: string): boolean {
  // Asked of every script a whole-repository run reads: a path without a backslash is not copied.
  return PROXY_CONFIG.test(path.includes('\\') ? path.replace(/\\/g, '/') : path);
}
