import { defineRule } from '../src/engine/rule.js';

export default defineRule({
  meta: {
    id: 'cors-after-routes',
    severity: 'warning',
    category: 'broken',
    description: 'The CORS middleware is registered after routes (or middleware) that answer first, so their responses carry no CORS headers.',
    formats: ['js', 'ts', 'python'],
    docs: {
      whatItDoes:
        "Express-style: reports `app.use(cors())` (or `router.use(...)`, Koa's `app.use(cors())`) when routes on the same app or router were registered before it in the same function (`app.get('env')` with one argument reads a setting and is not a route), or a router was mounted before it (`app.use('/api', api)` with `api = express.Router()` in the file, Koa's `app.use(router.routes())`); NestJS: `app.enableCors()` after `app.listen()` or `app.init()`, which register every controller route first; an auth check registered before it (for NestFactory.create()'s `cors` option, any `app.use()` before `app.listen()`/`app.init()`, which applies it; for Fastify, an `onRequest` hook added before `register(cors)`) that answers a request without credentials with its own 4xx (`if (!req.headers.authorization) return res.status(401)…`, a missing cookie or session user, `passport.authenticate('jwt')`), which every preflight is, unless it lets OPTIONS through first; or, failing that, a body parser (`express.json()`, `bodyParser.urlencoded()`) that answers malformed bodies with its own 400. Starlette/FastAPI: reports `add_middleware(CORSMiddleware, …)` when a middleware added after it (`@app.middleware(\"http\")`, or `app.add_middleware(Cls)` with `dispatch` written in the module), which Starlette runs first, answers a request without credentials with its own 4xx. Flask-CORS: reports `CORS(app)` when an `@app.before_request` hook answers a request without credentials (`abort(401)`, `return jsonify(…), 401`) without letting OPTIONS through. django-cors-headers: reports `CorsMiddleware` listed after `CommonMiddleware` or WhiteNoise's middleware in `MIDDLEWARE`.",
      why: "Middleware runs in registration order. A route registered before `app.use(cors())` answers the request itself, so the CORS middleware never adds its headers and the browser reports \"No 'Access-Control-Allow-Origin' header is present\" for exactly those routes. In Django, `CommonMiddleware`'s APPEND_SLASH redirect (and WhiteNoise's static files) are answered above CorsMiddleware the same way.",
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.get('/items', (req, res) => res.json([]));\napp.use(cors({ origin: 'https://app.example.com' }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: 'https://app.example.com' }));\napp.get('/items', (req, res) => res.json([]));\n",
        },
        {
          format: 'python',
          filename: 'settings.py',
          bad: 'MIDDLEWARE = [\n    "django.middleware.common.CommonMiddleware",\n    "corsheaders.middleware.CorsMiddleware",\n]\nCORS_ALLOWED_ORIGINS = ["https://app.example.com"]\n',
          good: 'MIDDLEWARE = [\n    "corsheaders.middleware.CorsMiddleware",\n    "django.middleware.common.CommonMiddleware",\n]\nCORS_ALLOWED_ORIGINS = ["https://app.example.com"]\n',
        },
      ],
      references: ['https://expressjs.com/en/guide/using-middleware.html', 'https://github.com/adamchainz/django-cors-headers#setup'],
    },
  },
  check(policy, context) {
    const after = policy.registeredAfter;
    if (!after) return;
    const first = after.items[0];
    const more = after.items.length > 1 ? ` and ${after.items.length - 1} more` : '';
    const message =
      after.what === 'started'
        ? `${first.label} (line ${first.loc.line}) has already registered every controller route and Nest's 404 handler, so this enableCors() puts the cors middleware behind them and no response carries CORS headers: call enableCors() before ${first.label}, or pass { cors } to NestFactory.create()`
        : after.what === 'auth' && policy.profile.id === 'flask-cors'
        ? `${first.label} (line ${first.loc.line}), a before_request hook, runs before every view, OPTIONS included, and answers a request without credentials with ${first.status ?? 'an error'}: Flask-CORS adds its headers to that answer, but a preflight never carries Authorization or cookies and the browser refuses a preflight answered ${first.status ?? 'with an error'}, so every request that needs one is blocked: let OPTIONS through first (if request.method == "OPTIONS": return)`
        : after.what === 'auth' && policy.profile.id === 'django-cors-headers'
        ? `${first.label} (line ${first.loc.line}) comes before CorsMiddleware in MIDDLEWARE and answers a request without credentials with ${first.status ?? 'an error'}; Django does not run the middleware below one that answers, so that answer has no CORS headers, and a preflight never carries Authorization or cookies, so every request that needs one is blocked (and the page cannot read the ${first.status ?? 'error'} either): put CorsMiddleware above it`
        : after.what === 'auth' && policy.source.format === 'python'
        ? `${first.label} (line ${first.loc.line}) is added after CORSMiddleware, and Starlette runs the middleware added last first: it answers a request without credentials with ${first.status ?? 'an error'} and no CORS headers, and a preflight never carries Authorization or cookies, so every request that needs one is blocked (and the page cannot read the ${first.status ?? 'error'} either): add CORSMiddleware after it`
        : after.what === 'auth' && after.deferredTo
        ? `${first.label} (line ${first.loc.line}) is registered before ${after.deferredTo} applies NestFactory.create()'s cors option (Nest adds that cors middleware in app.init()), so it runs first and answers a request without credentials with ${first.status ?? 'an error'} and no CORS headers; a preflight never carries Authorization or cookies, so every request that needs one is blocked (and the page cannot read the ${first.status ?? 'error'} either): call app.enableCors() before app.use(${first.label}) instead`
        : after.what === 'auth'
        ? `${first.label} (line ${first.loc.line}) runs before this CORS middleware and answers a request without credentials with ${first.status ?? 'an error'} and no CORS headers; a preflight never carries Authorization or cookies, so every request that needs one is blocked (and the page cannot read the ${first.status ?? 'error'} either): register the CORS middleware first`
        : after.what === 'routes'
        ? `${first.label} (line ${first.loc.line})${more} is registered before this CORS middleware and answers first, without CORS headers: move the middleware above the routes`
        : policy.source.format !== 'python'
          ? `${first.label} (line ${first.loc.line})${more} runs before this CORS middleware: a malformed request body gets its 400 without CORS headers, which the browser reports as a CORS error instead of the 400; register the CORS middleware first`
          : `CorsMiddleware comes after ${first.label} (line ${first.loc.line})${more}, which can answer by itself (redirects, static files) without CORS headers: put CorsMiddleware as high as possible in MIDDLEWARE`;
    context.report({ loc: after.at, message });
  },
});
