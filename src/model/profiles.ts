import type { FrameworkProfile } from './types.js';

/**
 * Framework behaviour as data. Every fact comes from ../shared/semantics.md (which cites the
 * implementation's source); the nginx and Express `cors` profiles are checked against the real
 * servers in test/truth-*.test.ts.
 */

const EXPRESS_DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'];

/** nginx core: headers are whatever `add_header` / `more_set_headers` write (semantics §6). */
export const nginxProfile: FrameworkProfile = {
  id: 'nginx',
  name: 'nginx',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'fixed',
  exactComparison: 'bytes',
  varyOrigin: 'by-config',
  preflight: { trigger: 'config', status: undefined, shortCircuit: false, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://nginx.org/en/docs/http/ngx_http_headers_module.html#add_header',
};

/** npm `cors` 2.8.x (semantics §1). */
export const expressCorsProfile: FrameworkProfile = {
  id: 'express-cors',
  name: 'Express cors',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'fixed',
  exactComparison: 'bytes',
  varyOrigin: 'unless-wildcard',
  preflight: { trigger: 'any-options', status: 204, shortCircuit: true, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: '*', methods: EXPRESS_DEFAULT_METHODS, credentials: false },
  // lib/index.js configureCredentials: `options.credentials === true`.
  credentialsOption: 'strict',
  routeLevelHandlesOptions: false,
  docs: 'https://github.com/expressjs/cors#configuration-options',
};

/** NestJS on the Express platform calls `cors(options)` (semantics §2a). */
export const nestCorsProfile: FrameworkProfile = {
  ...expressCorsProfile,
  id: 'nestjs',
  name: 'NestJS enableCors',
  // On the Fastify platform the same options go to @fastify/cors, which reads credentials as truthy.
  credentialsOption: undefined,
  docs: 'https://docs.nestjs.com/security/cors',
};

/** @fastify/cors 11 (semantics §2b). */
export const fastifyCorsProfile: FrameworkProfile = {
  id: 'fastify-cors',
  name: '@fastify/cors',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'fixed',
  exactComparison: 'bytes',
  varyOrigin: 'unless-string',
  preflight: { trigger: 'options-with-acrm', status: 204, shortCircuit: true, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: '*', methods: ['GET', 'HEAD', 'POST'], credentials: false },
  // index.js addCorsHeaders: `if (corsOptions.credentials)` (11.3.0).
  credentialsOption: 'truthy',
  routeLevelHandlesOptions: true,
  docs: 'https://github.com/fastify/fastify-cors#options',
};

/**
 * @fastify/cors 10 and older (and the unscoped fastify-cors): the same but for the default methods, the
 * Express list (10.1.0 with Fastify 5 on loopback: a DELETE preflight gets `GET,HEAD,PUT,PATCH,POST,DELETE`;
 * 11.0.0 narrowed it to the CORS-safelisted methods).
 */
export const fastifyCors10Profile: FrameworkProfile = {
  ...fastifyCorsProfile,
  name: '@fastify/cors ≤10',
  defaults: { ...fastifyCorsProfile.defaults, methods: EXPRESS_DEFAULT_METHODS },
};

/** @koa/cors 5: `*` with credentials reflects the request origin (semantics §2c). */
export const koaCorsProfile: FrameworkProfile = {
  id: 'koa-cors',
  name: '@koa/cors',
  wildcardWithCredentials: 'reflect',
  singleStringOrigin: 'fixed',
  exactComparison: 'bytes',
  varyOrigin: 'always',
  preflight: { trigger: 'options-with-acrm', status: 204, shortCircuit: true, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: '*', methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH'], credentials: false },
  // index.js: `credentials = !!options.credentials`, then Allow-Credentials and the `*` reflection on that (5.0.0).
  credentialsOption: 'truthy',
  routeLevelHandlesOptions: true,
  docs: 'https://github.com/koajs/cors#corsoptions',
};

/**
 * @koa/cors 3.x and 4.x: as 5, but without an origin option the request's own Origin is sent back
 * (`options.origin || requestOrigin`, read in the 3.4.3 and 4.0.0 tarballs; 5.0.0 changed it to `*`).
 */
export const koaCors4Profile: FrameworkProfile = {
  ...koaCorsProfile,
  name: '@koa/cors ≤4',
  defaults: { ...koaCorsProfile.defaults, origin: 'reflect' },
};

/**
 * koa2-cors 2.0.6 (read in the npm tarball's dist/index.js): the `origin` option, or what its function
 * returns, is sent as written; without the option the request's own Origin is sent (`options.origin ||
 * ctx.get('Origin') || '*'`). Unlike @koa/cors it never turns `*` into the request's origin: with
 * credentials the preflight carries `*` and Allow-Credentials, the actual response `*` alone (it removes
 * Allow-Credentials there), so credentialed requests fail. Vary: Origin on every response.
 */
export const koa2CorsProfile: FrameworkProfile = {
  id: 'koa2-cors',
  name: 'koa2-cors',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'fixed',
  exactComparison: 'bytes',
  varyOrigin: 'always',
  preflight: { trigger: 'options-with-acrm', status: 204, shortCircuit: true, allowHeadersDefault: 'reflect-request' },
  defaults: { origin: 'reflect', methods: ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://github.com/zadzbw/koa2-cors#options',
};

/**
 * kcors 2.2.2 (@koa/cors under its old name, last published 2018; read in the npm tarball's index.js):
 * without an origin option it sends the request's own Origin back, to every origin (`options.origin ||
 * requestOrigin`); an origin option or what its function returns is sent as written, so `*` stays `*`
 * next to Allow-Credentials (it has none of @koa/cors 5's reflection). Vary: Origin on every response;
 * a preflight is an OPTIONS with Access-Control-Request-Method, answered 204.
 */
export const kcorsProfile: FrameworkProfile = {
  ...koaCorsProfile,
  id: 'kcors',
  name: 'kcors',
  wildcardWithCredentials: 'literal',
  defaults: { ...koaCorsProfile.defaults, origin: 'reflect' },
  credentialsOption: undefined,
  docs: 'https://github.com/koajs/cors/tree/2.2.2#options',
};

/** hono/cors 4.13: a string origin is compared, not sent verbatim (semantics §2d). */
export const honoCorsProfile: FrameworkProfile = {
  id: 'hono-cors',
  name: 'Hono cors',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'compare',
  exactComparison: 'bytes',
  varyOrigin: 'unless-wildcard',
  preflight: { trigger: 'any-options', status: 204, shortCircuit: true, allowHeadersDefault: 'reflect-request', varyRequestHeaders: 'with-allow-headers' },
  // Recent Hono 4 lists QUERY too (4.13 checked); test/truth-hono.test.ts checks these against the installed hono.
  defaults: { origin: '*', methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'QUERY'], credentials: false },
  // dist/middleware/cors: `if (opts.credentials) set('Access-Control-Allow-Credentials', 'true')` (4.13).
  credentialsOption: 'truthy',
  routeLevelHandlesOptions: true,
  docs: 'https://hono.dev/docs/middleware/builtin/cors',
};

/** Headers set by hand in a Node handler (`res.setHeader` …): exactly what the code writes. */
export const handSetHeadersProfile: FrameworkProfile = {
  id: 'node-headers',
  name: 'hand-set headers',
  wildcardWithCredentials: 'literal',
  singleStringOrigin: 'fixed',
  exactComparison: 'bytes',
  varyOrigin: 'by-config',
  preflight: { trigger: 'config', status: undefined, shortCircuit: false, allowHeadersDefault: 'none' },
  defaults: { origin: 'none', methods: undefined, credentials: false },
  routeLevelHandlesOptions: true,
  docs: 'https://developer.mozilla.org/en-US/docs/Web/HTTP/CORS',
};

/** Headers set by hand in a Python view or hook (`response.headers[...] = ...`): exactly what the code writes. */
export const pythonHandSetProfile: FrameworkProfile = {
  ...handSetHeadersProfile,
  id: 'python-headers',
  name: 'hand-set headers (Python)',
};

export const profiles: readonly FrameworkProfile[] = [
  expressCorsProfile,
  fastifyCorsProfile,
  handSetHeadersProfile,
  honoCorsProfile,
  kcorsProfile,
  koa2CorsProfile,
  koaCorsProfile,
  nestCorsProfile,
  nginxProfile,
  pythonHandSetProfile,
];
