import { defineRule } from '../src/engine/rule.js';
import { allowOrigin, allowOriginHeader, cellText, requestMatrix } from '../src/model/matrix.js';
import { headerValue, originNote } from '../src/model/queries.js';
import { GRANT_READS } from '../src/model/uncertainty.js';

export default defineRule({
  meta: {
    id: 'credentials-wildcard-origin',
    severity: 'error',
    category: 'broken',
    description: 'A literal `*` Allow-Origin is sent together with `Access-Control-Allow-Credentials: true`; every credentialed request fails.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml', 'headers'],
    docs: {
      whatItDoes: 'Flags a layer that answers with `Access-Control-Allow-Origin: *` and `Access-Control-Allow-Credentials: true` on the same response.',
      why: "The Fetch standard never accepts `*` for a request whose credentials mode is `include`: the browser blocks it with \"The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'\". The configuration looks permissive but every cookie- or auth-bearing request fails. Most implementations (nginx, Express `cors`, Fastify, Hono, Traefik, and headers set by hand in any language) send the literal `*`; the ones that silently reflect the origin instead are caught by `credentials-reflect-any-origin`.",
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    add_header Access-Control-Allow-Origin * always;\n    add_header Access-Control-Allow-Credentials true always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Credentials true always;\n    add_header Vary Origin always;\n    proxy_pass http://app;\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "import express from 'express';\nimport cors from 'cors';\nconst app = express();\napp.use(cors({ origin: '*', credentials: true }));\n",
          good: "import express from 'express';\nimport cors from 'cors';\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com'], credentials: true }));\n",
        },
        {
          format: "python",
          filename: "views.py",
          bad: "from django.http import JsonResponse\n\n\ndef profile(request):\n    response = JsonResponse({\"name\": request.user.username})\n    response[\"Access-Control-Allow-Origin\"] = \"*\"\n    response[\"Access-Control-Allow-Credentials\"] = \"true\"\n    return response\n",
          good: "from django.http import JsonResponse\n\n\ndef profile(request):\n    response = JsonResponse({\"name\": request.user.username})\n    response[\"Access-Control-Allow-Origin\"] = \"https://app.example.com\"\n    response[\"Access-Control-Allow-Credentials\"] = \"true\"\n    return response\n",
        },
        {
          format: "yaml",
          filename: "ingress.yaml",
          bad: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n",
          good: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: api\n  annotations:\n    nginx.ingress.kubernetes.io/enable-cors: \"true\"\n    nginx.ingress.kubernetes.io/cors-allow-origin: \"https://app.example.com\"\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers \"Vary: Origin\";\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#cors-protocol-and-credentials', 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors/CORSNotSupportingCredentials'],
    },
  },
  check(policy, context) {
    const matrix = requestMatrix(policy);
    const reported = new Set<string>();
    // Every answer to a credentialed request, preflights and single branches included: only those fail on the pair (Starlette answers them with the origin instead of `*`).
    for (const cell of matrix.certain({ roles: ['allowed', 'attacker'], reads: GRANT_READS })) {
      if (!cell.request.credentials || allowOrigin(cell) !== '*' || headerValue(cell.response, 'Access-Control-Allow-Credentials') !== 'true') continue;
      const culprit = allowOriginHeader(cell)!;
      const loc = culprit.loc ?? policy.source.loc;
      const key = `${loc.file}:${loc.line}:${loc.column}`;
      if (reported.has(key)) continue;
      reported.add(key);
      context.report({
        loc,
        message: `Access-Control-Allow-Origin '*' is sent with Access-Control-Allow-Credentials: true (${cellText(cell)}); browsers reject every credentialed request with this combination${originNote(policy, culprit.loc)}`,
      });
    }
  },
});
