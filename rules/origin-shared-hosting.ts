import { defineRule } from '../src/engine/rule.js';
import { allowOrigin, requestMatrix } from '../src/model/matrix.js';
import { matchOrigin } from '../src/model/pattern-match.js';
import { headersNamed, headerValue } from '../src/model/queries.js';
import { respond } from '../src/model/respond.js';
import type { CorsPolicy, OriginMatcher } from '../src/model/types.js';
import { ALLOW_ORIGIN, unsure } from '../src/model/uncertainty.js';
import { excerpt } from '../src/util/excerpt.js';

/**
 * Domains where anyone can publish a site on a subdomain of their choosing (each is in the private
 * section of the Public Suffix List, https://publicsuffix.org): the ones CORS allowlists name, for
 * preview deployments and static front ends.
 */
const SHARED_HOSTS = [
  'vercel.app',
  'netlify.app',
  'herokuapp.com',
  'github.io',
  'gitlab.io',
  'pages.dev',
  'workers.dev',
  'web.app',
  'firebaseapp.com',
  'appspot.com',
  'azurewebsites.net',
  'azurestaticapps.net',
  'cloudfront.net',
  'amplifyapp.com',
  'onrender.com',
  'fly.dev',
  'railway.app',
  'ngrok.io',
  'ngrok-free.app',
  'ngrok.app',
  'glitch.me',
  'surge.sh',
  'repl.co',
];

/** The tenant an attacker registers: a name of their own on the shared domain. */
const PROBE_LABEL = 'attacker-site';

type Probe = { host: string; origin: string; matcher: OriginMatcher; credentials: boolean };

/** The shared domains the policy's own text names (a pattern's source, an example it admits), so only they are probed. */
function namedHosts(policy: CorsPolicy): string[] {
  const texts = policy.origins.flatMap((matcher) => (matcher.kind === 'pattern' ? [matcher.source.replace(/\\/g, ''), matcher.code ?? '', ...(matcher.samples ?? [])] : []));
  return SHARED_HOSTS.filter((host) => texts.some((text) => text.includes(host)));
}

/**
 * Whether an arbitrary site gets this policy's Allow-Origin on a GET: then the reflect rules speak,
 * not this one. Read from the request matrix's probe cells, which those rules ask too.
 */
function anyOriginGranted(policy: CorsPolicy): boolean {
  const matrix = requestMatrix(policy);
  return matrix.origins.some((origin) => origin.how === 'probe' && (['get', 'get-credentials'] as const).some((row) => allowOrigin(matrix.cell(origin, row)) === origin.origin));
}

function probes(policy: CorsPolicy): Probe[] {
  const hosts = namedHosts(policy);
  if (hosts.length === 0 || anyOriginGranted(policy)) return [];
  const out: Probe[] = [];
  for (const host of hosts) {
    const origin = `https://${PROBE_LABEL}.${host}`;
    for (const credentials of [true, false]) {
      const response = respond(policy, { origin, method: 'GET', credentials });
      if (unsure(response, [ALLOW_ORIGIN]) || headerValue(response, 'Access-Control-Allow-Origin') !== origin) continue;
      const header = headersNamed(response, 'Access-Control-Allow-Origin')[0];
      // The pattern that accepts the probe; else the matcher the header's position names (nginx reports the map value or the `if`).
      const matcher =
        policy.origins.find((m) => m.kind === 'pattern' && matchOrigin(m, origin) === true) ??
        policy.origins.find((m) => header?.loc && m.loc.line === header.loc.line && m.loc.column === header.loc.column);
      if (!matcher || matcher.kind === 'any' || matcher.kind === 'reflect') break;
      out.push({ host, origin, matcher, credentials: credentials && headerValue(response, 'Access-Control-Allow-Credentials') === 'true' });
      break;
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'origin-shared-hosting',
    severity: 'error',
    category: 'security',
    description: 'An origin pattern admits every subdomain of a shared hosting domain (`*.vercel.app`, `*.netlify.app`, `*.github.io`, `*.herokuapp.com` …), where anyone can publish a site.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
    docs: {
      whatItDoes:
        "For each shared hosting domain an origin pattern of the policy names (Vercel, Netlify, GitHub and GitLab Pages, Cloudflare Pages and Workers, Firebase, App Engine, Azure, CloudFront, Amplify, Render, Fly, Railway, ngrok, Glitch, Surge, Replit), asks the model whether a site an attacker could publish there (`https://attacker-site.vercel.app`) gets Access-Control-Allow-Origin. A policy that lets any origin in is left to the reflect rules.",
      why: "On a shared hosting domain the subdomain is not yours: anyone can deploy `attacker-site.vercel.app` or `attacker.github.io` in a minute. A pattern written to let in your preview deployments (`https://.*\\.vercel\\.app`) lets in every other customer's site too, and with credentials those sites read your users' data.",
      examples: [
        {
          format: 'python',
          filename: 'main.py',
          bad: 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origin_regex=r"https://.*\\.vercel\\.app", allow_credentials=True)\n',
          good: 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origin_regex=r"https://myapp-[a-z0-9]+-myteam\\.vercel\\.app", allow_credentials=True)\n',
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: /^https:\\/\\/[a-z0-9-]+\\.netlify\\.app$/, credentials: true }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://myapp.netlify.app'], credentials: true }));\n",
        },
      ],
      references: ['https://publicsuffix.org/list/', 'https://vercel.com/docs/deployments/generated-urls'],
    },
  },
  check(policy, context) {
    const reported = new Set<OriginMatcher>();
    for (const probe of probes(policy)) {
      if (reported.has(probe.matcher)) continue;
      reported.add(probe.matcher);
      const written = probe.matcher.kind !== 'pattern' ? 'the origin check' : probe.matcher.code ? `the check ${excerpt(probe.matcher.code, 120)}` : `origin pattern '${excerpt(probe.matcher.source, 120)}'`;
      context.report({
        loc: probe.matcher.loc,
        message: `${written} lets in every site on ${probe.host}, where anyone can publish one: '${probe.origin}' gets in${probe.credentials ? ' with credentials' : ''}; list your own deployments' origins, or match your project's and team's names in the pattern`,
      });
    }
  },
});

