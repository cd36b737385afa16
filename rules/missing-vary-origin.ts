import { defineRule } from '../src/engine/rule.js';
import { allowOrigin, allowOriginHeader, cellText, requestMatrix, type MatrixCell } from '../src/model/matrix.js';
import { headerValue } from '../src/model/queries.js';
import type { CorsPolicy } from '../src/model/types.js';
import { ALLOW_ORIGIN, unsure, VARY } from '../src/model/uncertainty.js';

/** Middleware that decides Vary itself: say so, since the fix is then outside its options. */
function frameworkNote(policy: CorsPolicy): string {
  if (policy.profile.varyHint) return ` (${policy.profile.varyHint})`;
  if (policy.profile.varyOrigin === 'never') return ` (${policy.profile.name} never sends Vary: Origin; add it to these responses yourself)`;
  if (policy.profile.varyOrigin !== 'by-config' || policy.profile.defaults.origin === 'none') return '';
  if (policy.vary.origin === false) return ` (${policy.profile.name}'s Vary header is turned off here)`;
  return ` (${policy.profile.name} leaves Vary out for this configuration; add 'Vary: Origin' to these responses yourself)`;
}

const variesByOrigin = (cell: MatrixCell) => /(^|,)\s*(origin|\*)\s*(,|$)/i.test(headerValue(cell.response, 'Vary') ?? '');

export default defineRule({
  meta: {
    id: 'missing-vary-origin',
    severity: 'warning',
    category: 'broken',
    description: 'Allow-Origin depends on the request Origin but `Vary: Origin` is not sent: shared caches serve one origin’s grant to another.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
    fixable: true,
    docs: {
      whatItDoes:
        "Asks the model for the answer to the same request from several origins. When `Access-Control-Allow-Origin` echoes the request's origin (or differs between origins) and the response has no `Vary: Origin`, it reports the header. Frameworks that add `Vary` themselves (Express `cors`, Fastify, Koa, Hono, Starlette, django-cors-headers, Kong, APISIX) never trigger it; ingress-nginx and Envoy/Istio never add it, and Traefik only with `addVaryHeader: true`, so the message says how to add it there. Flask-CORS adds it only for several origins or a regex, and not at all with `vary_header=False`; for one literal origin it answers foreign origins without Allow-Origin and without Vary, which the rule reports. python-socketio servers never send it either, but they are not reported: Engine.IO clients put a fresh `t=` parameter in every polling URL, so no cache reuses an answer. Hand-set code that copies the Origin only when a check it cannot see passes (`if (allowedOrigins.includes(origin))` with a list from the environment or another package) is reported too: whatever the list holds, the answer is the request's Origin or nothing.",
      why: "A CDN or browser cache that stores the response for `https://a.example.com` will hand it — Allow-Origin and all — to `https://b.example.com`, whose request then fails; or it hands an allowed origin's grant to a page that should not have it. The Fetch standard says to send `Vary: Origin` whenever Allow-Origin is anything but `*` or one fixed origin.",
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "map $http_origin $cors_origin {\n    default \"\";\n    \"https://a.example.com\" $http_origin;\n    \"https://b.example.com\" $http_origin;\n}\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin $cors_origin always;\n        proxy_pass http://app;\n    }\n}\n",
          good: "map $http_origin $cors_origin {\n    default \"\";\n    \"https://a.example.com\" $http_origin;\n    \"https://b.example.com\" $http_origin;\n}\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin $cors_origin always;\n        add_header Vary Origin always;\n        proxy_pass http://app;\n    }\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "const allowed = ['https://a.example.com', 'https://b.example.com'];\nfunction corsHeaders(req, res, next) {\n  if (allowed.includes(req.headers.origin)) {\n    res.setHeader('Access-Control-Allow-Origin', req.headers.origin);\n  }\n  next();\n}\nmodule.exports = corsHeaders;\n",
          good: "const allowed = ['https://a.example.com', 'https://b.example.com'];\nfunction corsHeaders(req, res, next) {\n  res.setHeader('Vary', 'Origin');\n  if (allowed.includes(req.headers.origin)) {\n    res.setHeader('Access-Control-Allow-Origin', req.headers.origin);\n  }\n  next();\n}\nmodule.exports = corsHeaders;\n",
        },
        {
          format: "python",
          filename: "app.py",
          bad: "from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app, origins=[\"https://a.example.com\", \"https://b.example.com\"], vary_header=False)\n",
          good: "from flask import Flask\nfrom flask_cors import CORS\n\napp = Flask(__name__)\nCORS(app, origins=[\"https://a.example.com\", \"https://b.example.com\"])\n",
        },
        {
          format: "yaml",
          filename: "middleware.yaml",
          bad: "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n    accessControlAllowOriginList: [\"https://a.example.com\", \"https://b.example.com\"]\n",
          good: "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n    accessControlAllowOriginList: [\"https://a.example.com\", \"https://b.example.com\"]\n    addVaryHeader: true\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches'],
    },
  },
  check(policy, context) {
    if (policy.profile.varyOrigin === 'undocumented' || policy.profile.uncacheable) return;
    const matrix = requestMatrix(policy);
    const reported = new Set<string>();
    // Every actual request (caches never store preflights): its answers from all origins, compared.
    for (const row of matrix.rows) {
      if (row.request.preflight) continue;
      const answers = matrix.certain({ rows: [row.id], reads: [ALLOW_ORIGIN, VARY] });
      const values = new Set(answers.map((cell) => allowOrigin(cell) ?? ''));
      if (values.size < 2) continue;
      // Each answer that carries an Allow-Origin a cache could hand to another origin.
      for (const cell of answers) {
        if (allowOrigin(cell) === undefined || variesByOrigin(cell)) continue;
        const culprit = allowOriginHeader(cell)!;
        // Copied from the query or body, not from Origin: the URL (or an uncached POST) already tells the answers apart.
        if (culprit.fromInput) continue;
        // An earlier layer's Allow-Origin left in place: the Vary is missing where this layer writes its own.
        if (culprit.fromEarlierLayer) continue;
        const loc = culprit.writtenAt ?? culprit.loc ?? policy.source.loc;
        const key = lineKey(loc);
        if (reported.has(key)) continue;
        reported.add(key);
        const other = answers.find((answer) => (allowOrigin(answer) ?? '') !== allowOrigin(cell));
        const otherText = other ? `, while ${other.origin.origin} gets ${allowOrigin(other) === undefined ? 'none' : `'${allowOrigin(other)}'`}` : '';
        context.report({
          loc,
          message: `Access-Control-Allow-Origin depends on the request's Origin (${cellText(cell)} gets '${allowOrigin(cell)}'${otherText}) but 'Vary: Origin' is not sent: a shared cache can serve one origin's answer to another${frameworkNote(policy)}`,
        });
      }
    }
    // The request's Origin or nothing, as a check we cannot decide chooses (a list read from the
    // environment or another module): whichever origins it lets through, the answer depends on the Origin.
    for (const row of matrix.rows) {
      if (row.request.preflight) continue;
      for (const origin of matrix.origins) {
        const cell = matrix.cell(origin, row);
        const echoed = cell.response.maybeHeaders?.find((header) => header.name.toLowerCase() === ALLOW_ORIGIN && header.value === cell.request.origin);
        if (!echoed || unsure(cell.response, [VARY]) || variesByOrigin(cell) || echoed.fromInput) continue;
        const loc = echoed.writtenAt ?? echoed.loc ?? policy.source.loc;
        const key = lineKey(loc);
        if (reported.has(key)) continue;
        reported.add(key);
        context.report({
          loc,
          message: `Access-Control-Allow-Origin is the request's Origin for the origins a check here lets through and absent for the others (${cellText(cell)} gets '${echoed.value}' or nothing), but 'Vary: Origin' is not sent: a shared cache can serve one origin's answer to another${frameworkNote(policy)}`,
        });
      }
    }
  },
});

/**
 * One finding per line: the branches of one value (`allowed.has(origin) ? origin : ''`,
 * `origin if origin in allowed else ''`) are one header missing its Vary, not one defect per branch.
 */
function lineKey(loc: { file: string; line: number }): string {
  return `${loc.file}:${loc.line}`;
}
