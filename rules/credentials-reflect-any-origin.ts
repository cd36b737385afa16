import { defineRule } from '../src/engine/rule.js';
import { allowOriginHeader, answeredWithOwnError, cellText, grantsCredentials, requestMatrix, type MatrixCell } from '../src/model/matrix.js';
import { originNote, PROBE_ORIGIN } from '../src/model/queries.js';
import { chainedCredentialedReflections } from '../src/model/stack.js';
import { GRANT_READS } from '../src/model/uncertainty.js';

/** Requests in credentials mode: actual ones carrying the user's cookies, and their preflights. */
const CREDENTIALED_ROWS = ['get-credentials', 'post-credentials', 'put-credentials', 'intended', 'get-404', 'get-500', 'preflight-put-credentials', 'preflight-intended-credentials'] as const;

export default defineRule({
  meta: {
    id: 'credentials-reflect-any-origin',
    severity: 'error',
    category: 'security',
    description: 'Any origin is reflected in Allow-Origin while credentials are allowed: any website can read users’ authenticated data.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
    docs: {
      whatItDoes:
        'Asks the policy model what the layer answers to a credentialed request from an origin no allowlist contains (`https://attacker.invalid`). If that origin comes back in `Access-Control-Allow-Origin` together with `Access-Control-Allow-Credentials: true`, every origin does. This includes implementations that reflect the origin when configured with `*` plus credentials (@koa/cors, Starlette, Flask-CORS, django-cors-headers with `CORS_ALLOW_ALL_ORIGINS`, Kong). Starlette echoes the origin to requests that carry cookies and to every preflight, which is exactly the credentialed case. Across layers too: a proxy or gateway linked to the app behind it that echoes every origin without credentials of its own (nginx `add_header Access-Control-Allow-Origin $http_origin`, an Envoy or APISIX allow-all) while the app\'s `Access-Control-Allow-Credentials: true` passes through (Express `cors` and Starlette send it whatever the origin), or that adds Allow-Credentials to an app that echoes every origin. Reported on the proxy\'s header of the pair.',
      why: "With a reflected origin and credentials, any page a logged-in user visits can call your API with the user's cookies and read the answer: account data, CSRF tokens, API keys. It is the CORS misconfiguration behind most CORS bug-bounty reports.",
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    add_header Access-Control-Allow-Origin $http_origin always;\n    add_header Access-Control-Allow-Credentials true always;\n    add_header Vary Origin always;\n    proxy_pass http://app;\n}\n",
          good: "map $http_origin $cors_origin {\n    default \"\";\n    \"https://app.example.com\" $http_origin;\n}\nserver {\n    location /api/ {\n        add_header Access-Control-Allow-Origin $cors_origin always;\n        add_header Access-Control-Allow-Credentials true always;\n        add_header Vary Origin always;\n        proxy_pass http://app;\n    }\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: true, credentials: true }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com'], credentials: true }));\n",
        },
        {
          format: "python",
          filename: "main.py",
          bad: "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=[\"*\"], allow_credentials=True)\n",
          good: "from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=[\"https://app.example.com\"], allow_credentials=True)\n",
        },
        {
          format: "yaml",
          filename: "kong.yml",
          bad: "_format_version: \"3.0\"\nplugins:\n  - name: cors\n    config:\n      credentials: true\n",
          good: "_format_version: \"3.0\"\nplugins:\n  - name: cors\n    config:\n      origins: [\"https://app.example.com\", \"https://admin.example.com\"]\n      credentials: true\n",
        },
      ],
      limitations: 'Callbacks that decide in code are only judged when their body is fully understood (for example one that always allows). Values from environment variables are never judged; a literal `*` written as their fallback (Python `os.getenv("ORIGINS") or "*"`, `os.environ.get("ORIGINS", "*")`, the `else` of `if os.getenv("ORIGINS"):`) is, and the message says it applies when the variable is unset.',
      references: ['https://portswigger.net/web-security/cors', 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS#requests_with_credentials'],
    },
  },
  check(policy, context) {
    const matrix = requestMatrix(policy);
    const probes = matrix.origins.filter((origin) => origin.how === 'probe');
    const reported = new Set<string>();
    // And a credentialed request with each method the layer answers in a branch of its own (nginx `if ($request_method = DELETE)`).
    const tested = matrix.rows.filter((row) => row.id.startsWith('tested-')).map((row) => row.id);
    // One finding per Allow-Origin header, told with the first request it grants; a preflight the
    // browser then refuses (PUT where Allow-Methods says 'GET, POST') is the example only when no
    // request the browser lets through reaches that header.
    const witnesses = new Map<string, MatrixCell>();
    for (const cell of matrix.certain({ origins: probes, rows: [...CREDENTIALED_ROWS, ...tested], reads: GRANT_READS })) {
      // A deny-guard's own error page (nginx 'return 403') carries the grant but no user data.
      if (!grantsCredentials(cell) || answeredWithOwnError(cell)) continue;
      const loc = allowOriginHeader(cell)!.loc ?? policy.source.loc;
      const key = `${loc.file}:${loc.line}:${loc.column}`;
      const chosen = witnesses.get(key);
      if (!chosen || (chosen.row.request.preflight && !chosen.verdict.allowed && (!cell.row.request.preflight || cell.verdict.allowed))) witnesses.set(key, cell);
    }
    for (const [key, cell] of witnesses) {
      const culprit = allowOriginHeader(cell)!;
      const loc = culprit.loc ?? policy.source.loc;
      reported.add(key);
      const viaWildcard = policy.profile.wildcardWithCredentials === 'reflect' && policy.origins.some((matcher) => matcher.kind === 'any');
      // Only the preflight reflects (nginx's `if ($request_method = OPTIONS)` block of its own): pages
      // cannot read the answers, but the browser sends the credentialed request the preflight clears.
      const impact = cell.row.request.preflight
        ? `any website can make a logged-in user's browser send credentialed ${cell.request.method} requests here (the preflight is granted to every origin; answer preflights from the same allowlist as the actual responses)`
        : "any website can read users' authenticated responses";
      context.report({
        loc,
        message: `any origin is reflected in Access-Control-Allow-Origin with credentials allowed (${cellText(cell)} gets a credentialed grant): ${impact}${viaWildcard ? ` (${policy.profile.name} reflects the request origin when origin is '*' and credentials are on)` : ''}${originNote(policy, culprit.loc)}${culprit.fromInput ? ` (the value is copied from ${culprit.fromInput}, which the caller chooses)` : ''}`,
      });
    }
    for (const { layer, request, culprit, frontSetsOrigin } of chainedCredentialedReflections(policy, PROBE_ORIGIN)) {
      const loc = culprit.loc ?? culprit.writtenAt ?? policy.source.loc;
      const key = `${loc.file}:${loc.line}:${loc.column}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const chain = layer.via.map((step) => `${step.what} at ${step.loc.file}:${step.loc.line}`).join(' → ');
      const what = frontSetsOrigin
        ? 'this proxy reflects any origin in Access-Control-Allow-Origin and the app behind it sends Access-Control-Allow-Credentials: true'
        : 'the app behind this proxy reflects any origin in Access-Control-Allow-Origin and this proxy adds Access-Control-Allow-Credentials: true';
      context.report({
        loc,
        message: `${what} (${chain}): a credentialed ${request.method} from ${request.origin} gets both, so any website can read users' authenticated responses; check the origin against an allowlist on the layer that sets Access-Control-Allow-Origin`,
      });
    }
  },
});
