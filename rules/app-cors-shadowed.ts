import { defineRule } from '../src/engine/rule.js';
import { browserVerdict } from '../src/model/browser.js';
import { probeRequests } from '../src/model/queries.js';
import { respond } from '../src/model/respond.js';
import { respondThroughLayer } from '../src/model/stack.js';
import type { CorsRequest } from '../src/model/types.js';
import { narrowerProxyPreflights } from '../src/topology/layer-preflight.js';
import { originsOf, shadowedApps } from '../src/topology/shadowed-apps.js';
import { unsure, verdictReads } from '../src/model/uncertainty.js';

/** How a message names the proxy in front, by its profile. */
const FRONT_NAMES: Record<string, string> = { kong: 'Kong', traefik: 'Traefik', 'traefik-custom-headers': 'Traefik', 'ingress-nginx': 'ingress-nginx' };

export default defineRule({
  meta: {
    id: 'app-cors-shadowed',
    severity: 'info',
    category: 'broken',
    description: "The app's CORS configuration never reaches a browser: the proxy in front answers every preflight and hides or replaces the app's headers, with a different policy.",
    formats: ['js', 'ts', 'python'],
    docs: {
      whatItDoes:
        "Follows each nginx `proxy_pass` to the app behind it (the Compose service built from a folder of the repository, as for the cross-layer `duplicate-allow-origin`). When every route the repository shows to the app goes through nginx locations that answer every preflight themselves (`if ($request_method = OPTIONS) { … return 204; }`) and hide or replace every `Access-Control-*` header the app sends on the other responses (`proxy_hide_header`, `more_set_headers`), the app's own CORS configuration is dead: browsers only ever see nginx's. It is reported, as a note at the app's CORS call, when the two policies disagree — an origin, method or credentials mode one allows and the other refuses — because then the app's configuration misleads whoever edits it.",
      why: "A developer adds an origin to the app's allowlist, deploys, and nothing changes: nginx answers for the app. Or the app is tightened while nginx still lets everything through. Two policies for one API drift apart; only the outer one counts.",
      examples: [
        {
          format: 'js',
          filename: 'api/server.js',
          context: [
            { path: 'example/docker-compose.yml', text: 'services:\n  api:\n    build: ./api\n' },
            {
              path: 'example/nginx/default.conf',
              text: 'map $http_origin $cors_origin {\n    default "";\n    "https://app.example.com" $http_origin;\n    "https://admin.example.com" $http_origin;\n}\n\nserver {\n    listen 80;\n    server_name api.example.com;\n    location /api/ {\n        if ($request_method = OPTIONS) {\n            add_header Access-Control-Allow-Origin $cors_origin always;\n            add_header Access-Control-Allow-Methods "GET, POST, PUT, PATCH, DELETE" always;\n            add_header Vary Origin always;\n            return 204;\n        }\n        proxy_hide_header Access-Control-Allow-Origin;\n        add_header Access-Control-Allow-Origin $cors_origin always;\n        add_header Vary Origin always;\n        proxy_pass http://api:3000;\n    }\n}\n',
            },
          ],
          bad: "const express = require('express');\nconst cors = require('cors');\n\nconst app = express();\n// Looks like admin.example.com is refused; nginx allows it.\napp.use(cors({ origin: 'https://app.example.com' }));\napp.get('/api/items', (req, res) => res.json([]));\napp.listen(3000);\n",
          good: "const express = require('express');\nconst cors = require('cors');\n\nconst app = express();\n// CORS is nginx's job (nginx/default.conf); the app sends no CORS headers of its own.\napp.get('/api/items', (req, res) => res.json([]));\napp.listen(3000);\n",
        },
      ],
      limitations:
        'Only nginx locations, Kong declarative routes (`kong.yml` services whose `url` or `host` names a Compose service) Traefik routers (labels on the app\'s own Compose service, or a file provider\'s `loadBalancer` URL naming it) linked to the app through Compose, and Ingresses (ingress-nginx, or class `kong` with a `KongPlugin`) linked through Service, workload and image are followed; a Traefik router whose middlewares are not all defined in the same Compose file (or dynamic configuration file) leaves the app judged on its own. The app counts as reachable another way, and is never reported, when its Compose service publishes a port, when a location proxying to it has no CORS policy of its own, or when an Ingress without a CORS policy (or a NodePort/LoadBalancer Service) leads to it. When the proxy refuses a preflight the app would allow, `preflight-incomplete` reports that on the proxy instead. Two policies that agree on every origin, method and credentials mode are not reported.',
      references: ['https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_hide_header', 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS'],
    },
  },
  check(policy, context) {
    const fronts = shadowedApps.get(policy);
    if (!fronts) return;
    // A narrower preflight is reported on the proxy by preflight-incomplete: that is the finding to act on.
    if (fronts.some(({ outer }) => narrowerProxyPreflights(outer).length > 0)) return;
    for (const { outer, layer } of fronts) {
      for (const origin of originsOf(outer, policy)) {
        const requests: CorsRequest[] = [...probeRequests(origin), { origin, method: 'DELETE', credentials: true, preflight: true }];
        for (const request of requests) {
          const alone = respond(policy, request);
          const chained = respondThroughLayer(outer, layer, request);
          if (unsure(alone, verdictReads(request)) || unsure(chained, verdictReads(request))) continue;
          const here = browserVerdict(request, alone).allowed;
          if (here === browserVerdict(request, chained).allowed) continue;
          const what = `${request.preflight ? `the preflight for ${request.method}` : `a ${request.method}`}${request.credentials ? ' with credentials' : ''} from ${origin}`;
          const proxy = layer.via[0];
          const front = FRONT_NAMES[outer.profile.id] ?? 'nginx';
          context.report({
            loc: policy.source.loc,
            message: `this CORS configuration never reaches a browser: ${front} (${outer.source.file}:${outer.source.loc.line}, ${proxy.what} at line ${proxy.loc.line}) answers every preflight itself and hides or replaces the app's Access-Control-* headers, so browsers get ${front}'s policy, which differs: ${what} is ${here ? `allowed here but refused through ${front}` : `refused here but allowed through ${front}`}. Change the policy in ${front}, or let ${front} pass CORS through and keep one policy`,
          });
          return;
        }
      }
    }
  },
});
