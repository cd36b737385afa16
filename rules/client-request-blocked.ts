import { defineRule } from '../src/engine/rule.js';
import { simulateFetch } from '../src/model/respond.js';
import { respondThroughLayer } from '../src/model/stack.js';

const INITIATORS: Record<string, string> = { axios: 'XMLHttpRequest', XMLHttpRequest: 'XMLHttpRequest', EventSource: 'resource' };

export default defineRule({
  meta: {
    id: 'client-request-blocked',
    severity: 'error',
    category: 'broken',
    description: "A browser call in the repository's frontend code is blocked by the CORS policy of the server it goes to.",
    formats: ['js', 'ts'],
    docs: {
      whatItDoes:
        "Finds the browser calls of the frontend (a package with React, Vue, Svelte, Angular, Next.js or Vite): `fetch`; axios (the global `axios` and `axios.create` instances with `baseURL`, `withCredentials` and `headers`, `defaults` assignments, and request interceptors that set headers or credentials); ky (`ky.get/post/…`, `ky.create`/`extend` with `prefixUrl`, `credentials`, `headers`, `json`); ofetch and Nuxt's `$fetch` (`ofetch.create` with `baseURL`, JSON bodies); `XMLHttpRequest` (`open`, `setRequestHeader`, `withCredentials` in one function); `new EventSource(url, { withCredentials })` (a GET); and GraphQL clients — Apollo (`new ApolloClient({ uri, credentials })`, `HttpLink`, `createHttpLink`), urql (`createClient({ url, fetchOptions })`) and graphql-request (`new GraphQLClient(url, { credentials, headers })`, `request(url, …)`), whose operations are POSTs with `Content-Type: application/json` and so always preflighted. The URL is resolved through literals, consts and the `.env*` files the bundler loads (`import.meta.env.VITE_*`, `process.env.NEXT_PUBLIC_*`, `REACT_APP_*`) and linked to the server policy that answers it (an app listening on that `localhost` port, a Compose service publishing it, or the nginx `server_name` and `location` — through the app behind it when nginx proxies). The exact request (method as the browser spells it, non-safelisted headers, Content-Type, credentials mode) is simulated from the page's origin: the dev server's (`localhost:5173` for Vite unless configured) and, for production URLs, `knownOrigins`. A blocked call is reported at its URL (a GraphQL client at its `uri`/`url` option) with the console message Chromium prints and the server line to change.",
      why: "The developer otherwise finds out in the browser console, after a deploy or a long debugging session: the API allows `GET, POST` but the page sends `PUT`, the page sends `credentials: 'include'` to a server that answers `*`, the page's dev origin is not in the allowlist.",
      examples: [
        {
          format: 'ts',
          filename: 'web/src/api.ts',
          context: [
            { path: 'example/web/package.json', text: '{ "devDependencies": { "vite": "^7.0.0" }, "dependencies": { "react": "^19.0.0" } }\n' },
            { path: 'example/web/.env.development', text: 'VITE_API_URL=http://localhost:8080\n' },
            { path: 'example/api/server.js', text: "const cors = require('cors');\nconst app = require('express')();\napp.use(cors({ origin: 'http://localhost:5173', methods: ['GET', 'POST'] }));\napp.listen(8080);\n" },
          ],
          bad: "export function saveOrder(order: { id: string }) {\n  return fetch(`${import.meta.env.VITE_API_URL}/orders/${order.id}`, {\n    method: 'PUT',\n    headers: { 'Content-Type': 'application/json' },\n    body: JSON.stringify(order),\n  });\n}\n",
          good: "export function saveOrder(order: { id: string }) {\n  return fetch(`${import.meta.env.VITE_API_URL}/orders/${order.id}`, {\n    method: 'POST',\n    headers: { 'Content-Type': 'application/json' },\n    body: JSON.stringify(order),\n  });\n}\n",
        },
      ],
      limitations:
        "Only calls whose URL, method, headers and credentials mode are written as literals (or consts and `.env` values) are simulated, and only when the server is found without ambiguity (one app on the port, one nginx location without competing regex locations). A part the code leaves open silences the call: an axios interceptor that looks at the request (`if (config.url …)`) or is imported, an XMLHttpRequest header set under a condition or with upload listeners (they force a preflight), an Apollo client built from a `link` chain or with `useGETForQueries`, a urql client without `fetchExchange`. A header an interceptor or `defaults` sets under a condition that does not look at the request (`if (token)`) counts as sent: the call is blocked whenever it is set. When the body type of an axios or ofetch call is open (JSON or a form), and for urql's GET queries next to its POST mutations, every shape must fail. Interceptors and defaults in another file than the calls are not seen. WebSocket connections are never reported: the browser sends an `Origin` header but applies no CORS check, so the server alone decides (check `Origin` there). Server-side code of a frontend project is left out (`pages/api`, `app/api`, Next.js server components without `'use client'`, `getServerSideProps`/`getStaticProps`, Remix `loader`/`action`, Nuxt `server/`, SvelteKit `+server`/`.server` modules). A call with a relative URL, or an absolute one on the page's own origin, is same-origin and never checked; the dev server's origin comes from its config only when the port is written as a literal. When the dev server (Vite `server.proxy`, webpack `devServer.proxy`, Create React App `proxy`) or the deployment (Next.js `rewrites()`, Vercel `rewrites`, Netlify status-200 redirects) already forwards a path to the server a blocked call goes to, the message says so: calling that path instead is same-origin.",
      references: ['https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CORS/Errors', 'https://vite.dev/guide/env-and-mode'],
    },
  },
  check(policy, context) {
    const reported = new Set<string>();
    for (const call of policy.clientCalls ?? []) {
      const key = `${call.loc.file}:${call.loc.line}:${call.loc.column}`;
      if (reported.has(key)) continue;
      const path = new URL(call.url).pathname;
      const layer = call.layer;
      const outcomes = call.requests.map((sent) => {
        const request = { ...sent, origin: call.pageOrigin, path };
        return layer ? simulateFetch(policy, request, call.url, (r) => respondThroughLayer(policy, layer, r)) : simulateFetch(policy, request, call.url);
      });
      if (outcomes.some((outcome) => outcome.uncertain || outcome.allowed)) continue;
      const outcome = outcomes[0];
      const failed = outcome.preflight && !outcome.preflight.verdict.allowed ? outcome.preflight : outcome.actual;
      if (!failed) continue;
      const change = failed.verdict.culprit?.writtenAt ?? failed.verdict.culprit?.loc ?? (layer ? layer.policy.source.loc : policy.source.loc);
      reported.add(key);
      const when = call.mode === 'development' ? `from the dev server ${call.pageOrigin}` : `from ${call.pageOrigin} (knownOrigins)`;
      // Chromium names what made the request: XMLHttpRequest for axios and XHR, 'resource' for EventSource.
      const initiator = INITIATORS[call.api] ?? 'fetch';
      const consoleText = failed.verdict.message?.replace(/^Access to fetch at /, `Access to ${initiator} at `);
      const detail = call.detail ? `; ${call.detail}` : '';
      context.report({
        loc: call.loc,
        message: `this ${call.api} ${call.api.startsWith('Apollo') || call.api === 'urql' || call.api === 'graphql-request' ? 'client' : 'call'} is blocked by the browser ${when}: ${consoleText} (request to ${call.via}${detail}; change ${change.file}:${change.line})${call.hint ? `; ${call.hint}` : ''}`,
      });
    }
  },
});
