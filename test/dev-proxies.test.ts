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
