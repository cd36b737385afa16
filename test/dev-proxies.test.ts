import { describe, expect, it } from 'vitest';
import { devServerConfig, platformProxies, proxyFor } from '../src/topology/dev-proxies.js';
import { frontendProjectOf } from '../src/topology/frontend.js';

const reader = (files: Record<string, string>) => (path: string) => files[path];

describe('same-origin proxies of a frontend project', () => {
  it('Vite server.proxy: string and object targets, a port after the proxy block, regex keys left out', () => {
    const config = devServerConfig('web', reader({
      'web/vite.config.ts': "export default defineConfig({\n  server: {\n    proxy: {\n      '/api': { target: 'http://localhost:3000', changeOrigin: true, rewrite: (p) => p.replace(/^\\/api/, '') },\n      '/auth': 'http://localhost:4000',\n      '^/fallback/.*': 'http://localhost:5000',\n    },\n    port: 5174,\n    https: true,\n  },\n});\n",
    }), 'vite');
    expect(config).toMatchObject({ port: 5174, https: true });
    expect(config!.proxies.map((p) => [p.prefix, p.target, p.loc.line])).toEqual([['/api', 'http://localhost:3000', 4], ['/auth', 'http://localhost:4000', 5]]);
    expect(config!.proxies.map((p) => p.pathRewritten ?? false)).toEqual([true, false]);
  });

  it('webpack devServer.proxy: the array form of webpack-dev-server 5 and the object form of 4', () => {
    const v5 = devServerConfig('', reader({ 'webpack.config.js': "module.exports = { devServer: { port: 8081, proxy: [{ context: ['/api', '/ws'], target: 'http://localhost:3000' }] } };\n" }), 'webpack');
    expect(v5!.proxies.map((p) => p.prefix)).toEqual(['/api', '/ws']);
    expect(v5!.port).toBe(8081);
    const v4 = devServerConfig('', reader({ 'webpack.config.js': "module.exports = { devServer: { server: 'https', proxy: { '/api': { target: 'http://localhost:3000', pathRewrite: { '^/api': '' } } } } };\n" }), 'webpack');
    expect(v4).toMatchObject({ port: undefined, https: true });
    expect(v4!.proxies.map((p) => p.target)).toEqual(['http://localhost:3000']);
  });

  it('a port the config computes leaves the dev origin unknown (the default is not assumed)', () => {
    const files = {
      'web/package.json': '{ "devDependencies": { "vite": "^7.0.0" }, "dependencies": { "react": "^19.0.0" } }',
      'web/vite.config.ts': 'export default { server: { port: Number(process.env.PORT), proxy: { "/api": "http://localhost:3000" } } };\n',
    };
    const project = frontendProjectOf('web/src/a.ts', reader(files), [], new Map());
    expect(project!.pageOrigins.development).toEqual([]);
    expect(project!.proxies!.map((p) => p.prefix)).toEqual(['/api']);
    const literal = frontendProjectOf('web/src/a.ts', reader({ ...files, 'web/vite.config.ts': 'export default { server: { proxy: { "/api": { target: "http://localhost:3000" } }, port: 5180 } };\n' }), [], new Map());
    expect(literal!.pageOrigins.development).toEqual(['http://localhost:5180']);
  });

  it('Next.js, Vercel and Netlify rewrites to another origin; a path rewrite inside the app is no proxy', () => {
    const proxies = platformProxies('site', reader({
      'site/next.config.js': "module.exports = { rewrites: async () => [{ source: '/api/:path*', destination: 'https://api.example.com/:path*' }, { source: '/blog', destination: '/news' }] };\n",
      'site/vercel.json': '{ "rewrites": [{ "source": "/v/(.*)", "destination": "https://v.example.com/$1" }] }',
      'site/netlify.toml': '[[redirects]]\nfrom = "/n/*"\nto = "https://n.example.com/:splat"\nstatus = 200\n',
    }));
    expect(proxies.map((p) => [p.kind, p.mode, p.prefix])).toEqual([
      ['Next.js rewrite', 'both', '/api'],
      ['Vercel rewrite', 'production', '/v'],
      ['Netlify redirect (status 200)', 'production', '/n'],
    ]);
    expect(proxyFor(proxies, '/api/orders')?.target).toBe('https://api.example.com/:path*');
    expect(proxyFor(proxies, '/apix')).toBeUndefined();
  });
});

describe('explain --topology shows same-origin proxies with the server behind them', () => {
  it('Vite proxy → the Express app on the target port, Next.js rewrite → the app on its port', async () => {
    const { cli } = await import('./helpers/cli.js');
    const { join } = await import('node:path');
    const { FIXTURES } = await import('./helpers/fixtures.js');
    const vite = await cli(['explain', '--topology'], join(FIXTURES, 'client-request-blocked', 'compose-nginx-express-vite'));
    expect(vite.stdout).toContain("→ Vite dev server: '/api' → http://localhost:3000 (same origin as the page: no CORS for calls through it)  web/vite.config.ts:8:25");
    expect(vite.stdout).toMatch(/→ an app listening on 3000 \(api\/server\.js\) \(Express cors app\)  api\/server\.js:5:9/);
    const next = await cli(['explain', '--topology'], join(FIXTURES, 'client-request-blocked', 'next-rewrites-direct-call'));
    expect(next.stdout).toContain("→ Next.js rewrite: '/api' → http://localhost:4000/:path*");
    expect(next.stdout).toContain('server/index.js:5:9');
  });
});

describe('a call on the page’s own origin is same-origin', () => {
  it('is never judged, while the same call from another page origin is', async () => {
    const { lint } = await import('../src/index.js');
    const files = [
      { path: 'nginx/site.conf', text: 'server {\n  listen 443 ssl;\n  server_name app.example.com;\n  location /api/ {\n    add_header Access-Control-Allow-Origin https://partner.example.com always;\n    return 200;\n  }\n}\n' },
      { path: 'web/package.json', text: '{ "dependencies": { "react": "^19.0.0" }, "devDependencies": { "vite": "^7.0.0" } }' },
      { path: 'web/.env.production', text: 'VITE_API=https://app.example.com\n' },
      { path: 'web/src/orders.ts', text: "export const save = () => fetch(`${import.meta.env.VITE_API}/api/orders`, { method: 'PUT', headers: { 'Content-Type': 'application/json' } });\n" },
    ];
    const blocked = (knownOrigins: string[]) => lint(files, { config: { rules: {}, ignores: [], knownOrigins } }).diagnostics.filter((d) => d.ruleId === 'client-request-blocked').length;
    expect(blocked(['https://app.example.com'])).toBe(0);
    expect(blocked(['https://www.example.com'])).toBe(1);
  });
});
