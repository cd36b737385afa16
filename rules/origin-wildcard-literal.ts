import { defineRule } from '../src/engine/rule.js';
import { exactOrigins } from '../src/model/queries.js';
import { matcherAccepts } from '../src/model/respond.js';

export default defineRule({
  meta: {
    id: 'origin-wildcard-literal',
    severity: 'error',
    category: 'broken',
    description: '`https://*.example.com` in a list the implementation compares literally: it matches no browser origin.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
    docs: {
      whatItDoes: "Reports an allowlist entry containing `*` where the implementation compares entries as plain strings: Express `cors`, Starlette's `allow_origins`, django-cors-headers' `CORS_ALLOWED_ORIGINS`, Traefik's `accessControlAllowOriginList`, Istio `exact`, nginx `map` keys and fixed values. Also a `*` inside a plain string test (Envoy/Istio `prefix`, `suffix` or `contains`, such as `prefix: https://*.example.com`), which takes it as a character. That includes `*` alone inside an Express `cors` or Hono array (`origin: ['*']`), which is compared like any other entry, and a `*` in django-cors-headers' list (which its system check rejects as corsheaders.E013, and which matches the `null` origin where checks do not run). (Where `*` in a list means every origin, as in Starlette, Traefik, Kong, `@fastify/cors` or an Istio `exact: '*'`, it is not reported here; ingress-nginx and the HTTP API do support one wildcard label, and are not reported.)",
      why: 'Browsers send the concrete origin (`https://app.example.com`); a literal comparison with `https://*.example.com` never succeeds, so every subdomain the author meant to allow is refused. Use the implementation\'s pattern option (a regex anchored at both ends with escaped dots), or list the subdomains.',
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://*.example.com'] }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: [/^https:\\/\\/[a-z0-9-]+\\.example\\.com$/] }));\n",
        },
        {
          format: 'python',
          filename: 'main.py',
          bad: 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origins=["https://*.example.com"])\n',
          good: 'from fastapi import FastAPI\nfrom fastapi.middleware.cors import CORSMiddleware\n\napp = FastAPI()\napp.add_middleware(CORSMiddleware, allow_origin_regex=r"https://[a-z0-9-]+\\.example\\.com")\n',
        },
      ],
      references: ['https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Origin'],
    },
  },
  check(policy, context) {
    for (const matcher of exactOrigins(policy)) {
      if (!matcher.value.includes('*')) continue;
      // Only implementations that compare entries literally produce an exact '*': where '*' means every origin it is an `any` matcher.
      if (matcher.value.trim() === '*' && matcher.comparedBy === 'scheme-and-netloc') {
        // django-cors-headers: urlsplit('*') has no scheme and no host, which its check refuses and which is what `null` gives too
        // (corsheaders/checks.py E013 and middleware._url_in_whitelist, checked with django-cors-headers 3.14).
        context.report({
          loc: matcher.loc,
          message: `'*' in this list is no wildcard for django-cors-headers: its system check rejects it (corsheaders.E013, missing scheme or netloc), so manage.py check, runserver and migrate refuse to start; where checks do not run (gunicorn, uwsgi) it matches no browser origin but the 'null' one; set CORS_ALLOW_ALL_ORIGINS = True (without credentials) if every site may read the responses, or list the origins`,
        });
        continue;
      }
      if (matcher.value.trim() === '*') {
        context.report({ loc: matcher.loc, message: `'*' in this list${matcher.why ? ` (${matcher.why})` : ''} is compared literally by ${policy.profile.name}: no browser sends the Origin '*', so the entry matches nothing and every origin it was meant to allow is refused; list the origins (or give '*' on its own, without credentials, if every site may read the responses)` });
        continue;
      }
      // `*` with stray quotes around it (SAM's `AllowOrigin: "'*''"`, `"'*'"` where no quotes are read): a '*' meant on its own.
      if (/^['"`\s]*\*['"`\s]*$/.test(matcher.value)) {
        context.report({ loc: matcher.loc, message: `'${matcher.value}' is '*' with stray quote characters: it is not the wildcard, and ${policy.profile.name} compares it literally, so it matches no browser origin; remove the extra quotes if '*' (every origin) was meant, or list the origins` });
        continue;
      }
      context.report({ loc: matcher.loc, message: `'${matcher.value}' is compared literally by ${policy.profile.name}, so it matches no browser origin: write a pattern (anchored, dots escaped) or list the subdomains` });
    }
    // `https://*.${DOMAIN}` in a list compared as written: whatever the placeholder holds, the '*' stays a
    // character no browser origin has (smarter-sh's Traefik middleware template, sweep10 yaml/110).
    for (const matcher of policy.origins) {
      if (matcher.kind !== 'unknown' || !matcher.template?.literal || !matcher.template.literals.some((part) => part.includes('*'))) continue;
      const text = matcher.template.text.length > 200 ? `${matcher.template.text.slice(0, 197)}…` : matcher.template.text;
      context.report({
        loc: matcher.loc,
        message: `'${text}' is compared literally by ${policy.profile.name}: whatever its placeholders hold, the '*' stays a character no browser origin contains, so the entry matches nothing; use a regex list (accessControlAllowOriginListRegex, anchored, dots escaped) or list the subdomains`,
      });
    }
    // A plain string test (Envoy/Istio `prefix`/`suffix`/`contains`, `origin.endsWith('*.example.com')`)
    // takes '*' as a character, and no serialized origin contains one: the entry admits nothing.
    for (const matcher of policy.origins) {
      if (matcher.kind !== 'pattern' || !matcher.written || !matcher.source.includes('\\*')) continue;
      const literal = matcher.source.replace(/^\^/, '').replace(/\$$/, '').replace(/\\(.)/g, '$1');
      context.report({
        loc: matcher.loc,
        message: `${matcher.code ?? `the ${matcher.written} '${literal}'`} is a plain string test for ${policy.profile.name}, so its '*' matches only a literal '*', which no browser origin contains: the entry admits nothing; write a regex (anchored, dots escaped) for the subdomains or list them`,
      });
    }
    // A glob (`*.example.com`) where Flask-CORS reads a regex: a leading '*' repeats nothing, `re.match`
    // raises, and their try_match_pattern takes the error for no match (flask_cors/core.py, checked with Flask-CORS 3.0.10).
    for (const matcher of policy.origins) {
      if (matcher.kind !== 'pattern' || !matcher.source.startsWith('*') || policy.profile.id !== 'flask-cors') continue;
      const host = matcher.source.replace(/^\*\.?/, '');
      context.report({
        loc: matcher.loc,
        message: `${policy.profile.name} reads '${matcher.source}' as a regular expression, and its leading '*' repeats nothing: re.match raises an error, which ${policy.profile.name} takes for no match, so no origin ever matches it; write a regex like '^https://[a-z0-9-]+\\.${host.replace(/\./g, '\\.')}$' or list the subdomains`,
      });
    }
    // Flask-CORS reads a string with `*` as a regex: `https://*.example.com` repeats the '/' and lets '.' match anything.
    for (const matcher of policy.origins) {
      if (matcher.kind !== 'pattern' || !/^[a-z]+:\/\/\*\./i.test(matcher.source)) continue;
      const scheme = matcher.source.slice(0, matcher.source.indexOf(':'));
      const host = matcher.source.slice(matcher.source.indexOf('*.') + 2);
      const subdomain = `${scheme}://app.${host}`;
      const lookalike = `${scheme}://x${host}`;
      if (matcherAccepts(matcher, subdomain) !== false || matcherAccepts(matcher, lookalike) !== true) continue;
      context.report({
        loc: matcher.loc,
        message: `${policy.profile.name} reads '${matcher.source}' as a regular expression ('*' repeats the '/' before it, '.' is any character): it matches '${lookalike}' and no subdomain such as '${subdomain}'; write a regex like '^${scheme}://[a-z0-9-]+\\.${host.replace(/\./g, '\\.')}$'`,
      });
    }
  },
});
