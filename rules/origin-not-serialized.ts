import { defineRule } from '../src/engine/rule.js';
import { analyzeOrigin, malformedScheme, PROBLEM_TEXT, templateProblems, type SerializationProblem } from '../src/model/origin.js';
import { exactOrigins } from '../src/model/queries.js';
import { neverMatchesOrigin } from '../src/model/regex-analysis.js';
import { matcherAccepts } from '../src/model/respond.js';

/**
 * `*` inside an exact entry is `origin-wildcard-literal`'s finding, and so is the whole entry: its other
 * problems (`*.example.com` has no scheme, SAM's `"'*''"` leaves `*'`) would be a second finding on
 * the same token saying again that it matches nothing. A broken scheme is `origin-typo`'s.
 */
const NOT_HERE = new Set<SerializationProblem>(['wildcard']);
/** What django-cors-headers' system check E014 refuses (its matching compares scheme and host only). */
const DJANGO_CHECKED = new Set<SerializationProblem>(['trailing-slash', 'path', 'query', 'fragment']);
const NORMALIZED_AWAY = new Set<SerializationProblem>(['trailing-slash', 'path', 'default-port', 'uppercase']);

/** Two or more origins in one value (`https://a.example.com, https://b.example.com`), split rather than matched so that no run of blanks is tried two ways. */
function severalOrigins(value: string): boolean {
  const parts = value.split(/[\s,]+/).filter(Boolean);
  return parts.length > 1 && parts.every((part) => /^[a-z][a-z0-9+.-]*:\/\/[^/]/i.test(part));
}

/** Code that writes Allow-Origin itself: its literal values are what it sends, not entries of an allowlist. */
const HAND_SET = new Set(['node-headers', 'python-headers']);

/**
 * A value code or an nginx map sends to refuse an origin (`ok ? origin : ''`, `ctx.set(…, 'nothing')`
 * before a loop that copies a listed origin, `map $http_origin $allow { default deny; … }`): empty, or
 * one bare word that names no host. No origin was meant there, and any such value makes the browser
 * refuse, as intended.
 */
function refusalValue(value: string): boolean {
  const text = value.trim();
  return text === '' || (/^[a-z]+$/i.test(text) && text.toLowerCase() !== 'localhost' && text !== 'null');
}

export default defineRule({
  meta: {
    id: 'origin-not-serialized',
    severity: 'error',
    category: 'broken',
    description: "An allowed origin that can never equal a browser's `Origin` header: trailing slash, path, query, upper case, default port, missing scheme, whitespace, several origins in one value.",
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml'],
    fixable: true,
    docs: {
      whatItDoes:
        "Checks every origin written as a literal (an allowlist entry, a fixed Allow-Origin value, an nginx `map` key) against the form browsers send: `scheme://host[:port]`, lower case, no default port, no path, no trailing slash. Upper case is not flagged where the implementation compares case-insensitively (nginx `map` keys, Flask-CORS). django-cors-headers compares only scheme and host, so there a path or trailing slash still matches, but its system check (corsheaders.E014) refuses the setting and `manage.py check`, `runserver` and `migrate` stop; the message says so. A value holding several origins (`https://a.example.com, https://b.example.com`), as an allowlist entry or as the Allow-Origin value sent, is reported as such: browsers accept exactly one origin. An origin regex whose every branch, read from its syntax tree, requires a path after the host (`^https://app\\.example\\.com/`) is reported too: it matches no origin.",
      why: "Browsers compare Allow-Origin with their serialized origin byte for byte, and most implementations compare allowlist entries the same way. `https://app.example.com/` never equals `https://app.example.com`, so the origin the author meant to allow is refused and the page gets \"has a value '…' that is not equal to the supplied origin\".",
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com/ always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
        },
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com/', 'https://Admin.example.com:443'] }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com', 'https://admin.example.com'] }));\n",
        },
        {
          format: "python",
          filename: "settings.py",
          bad: "MIDDLEWARE = [\"corsheaders.middleware.CorsMiddleware\"]\nCORS_ALLOWED_ORIGINS = [\"https://app.example.com/\"]\n",
          good: "MIDDLEWARE = [\"corsheaders.middleware.CorsMiddleware\"]\nCORS_ALLOWED_ORIGINS = [\"https://app.example.com\"]\n",
        },
        {
          format: "yaml",
          filename: "middleware.yaml",
          bad: "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n    accessControlAllowOriginList: [\"https://app.example.com/\"]\n    addVaryHeader: true\n",
          good: "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nmetadata:\n  name: cors\nspec:\n  headers:\n    accessControlAllowOriginList: [\"https://app.example.com\"]\n    addVaryHeader: true\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#serializing-a-request-origin', 'https://html.spec.whatwg.org/multipage/browsers.html#ascii-serialisation-of-an-origin'],
    },
  },
  check(policy, context) {
    const caseInsensitive = policy.profile.exactComparison === 'case-insensitive';
    const handSet = HAND_SET.has(policy.profile.id);
    for (const matcher of exactOrigins(policy)) {
      if ((handSet || matcher.sent) && refusalValue(matcher.value)) continue;
      // A host-only entry of django-cors-headers before 3.0 is compared with the Origin's host: the form that version wants.
      if (matcher.comparedBy === 'netloc') continue;
      const { serialized, problems } = analyzeOrigin(matcher.value);
      if (matcher.value.includes('*')) continue;
      const relevant = problems.filter(
        (problem) =>
          !NOT_HERE.has(problem) &&
          !(problem === 'uppercase' && (caseInsensitive || matcher.caseInsensitive)) &&
          // Normalised before comparing: path, trailing slash and default port are dropped (Kong keeps the case, browsers send lower case).
          !(matcher.comparedBy === 'normalized-url' && NORMALIZED_AWAY.has(problem)) &&
          !(matcher.comparedBy === 'kong-url' && NORMALIZED_AWAY.has(problem) && problem !== 'uppercase'),
      );
      if (relevant.length === 0) continue;
      if (malformedScheme(matcher.value)) continue;
      const what = relevant.map((problem) => PROBLEM_TEXT[problem]).join(' and ');
      const target = serialized && serialized !== matcher.value ? `; browsers send '${serialized}'` : '';
      if (matcher.comparedBy === 'scheme-and-netloc' && matcherAccepts(matcher, 'null') === true) {
        // urlsplit gives an empty scheme and host for both this entry and `null`.
        context.report({
          loc: matcher.loc,
          message: `origin '${matcher.value}' ${what}: django-cors-headers compares scheme and host, both empty here as for 'null', so it admits the 'null' origin that sandboxed iframes and file: pages send (and its system check rejects it, corsheaders.E013)`,
        });
        continue;
      }
      if (matcher.comparedBy === 'scheme-and-netloc' && relevant.every((problem) => DJANGO_CHECKED.has(problem))) {
        // django-cors-headers ignores the path when matching but its system check refuses the setting.
        context.report({ loc: matcher.loc, message: `origin '${matcher.value}' ${what}: django-cors-headers' system check rejects it (corsheaders.E014), so manage.py check, runserver and migrate refuse to start${target ? `; write '${serialized}'` : ''}` });
        continue;
      }
      if (severalOrigins(matcher.value)) {
        const text = matcher.value.length > 200 ? `${matcher.value.slice(0, 197)}…` : matcher.value;
        context.report({
          loc: matcher.loc,
          message:
            policy.originMode === 'fixed'
              ? `Access-Control-Allow-Origin is sent as '${text}', a list of origins: browsers accept exactly one origin (or '*'), so every cross-origin request is refused; send the request's own origin when it is on your list (and Vary: Origin)`
              : `origin '${text}' holds several origins in one string, so it can never match a browser's Origin header; list them as separate entries`,
        });
        continue;
      }
      // `'${FRONTEND_URL}'` in code: a plain string, sent as written (only a JS template literal or a Python f-string substitutes).
      const unsubstituted = (policy.source.format === 'js' || policy.source.format === 'ts' || policy.source.format === 'python') && /\$\{[A-Za-z_][\w.]*\}/.test(matcher.value);
      const hint = unsubstituted ? (policy.source.format === 'python' ? "; '${…}' is plain text in a Python string (an f-string writes {name})" : "; '${…}' is plain text in a quoted string: only a backtick template literal substitutes it") : '';
      context.report({ loc: matcher.loc, message: `origin '${matcher.value}' ${what}, so it can never match a browser's Origin header${target}${hint}` });
    }
    // An origin written around placeholders: only what is wrong whatever they hold.
    for (const matcher of policy.origins) {
      if (matcher.kind !== 'unknown' || !matcher.template) continue;
      const problems = templateProblems(matcher.template.literals).filter((problem) => !NOT_HERE.has(problem) && !(problem === 'uppercase' && caseInsensitive));
      if (problems.length === 0) continue;
      const text = matcher.template.text.length > 200 ? `${matcher.template.text.slice(0, 197)}…` : matcher.template.text;
      context.report({ loc: matcher.loc, message: `origin '${text}' ${problems.map((problem) => PROBLEM_TEXT[problem]).join(' and ')} whatever its placeholders hold, so it can never match a browser's Origin header` });
    }
    // A pattern whose every branch requires a path after `scheme://host` (read from its syntax tree) matches no Origin header.
    for (const matcher of policy.origins) {
      if (matcher.kind !== 'pattern' || !neverMatchesOrigin(matcher)) continue;
      const source = matcher.source.length > 120 ? `${matcher.source.slice(0, 120)}…` : matcher.source;
      context.report({ loc: matcher.loc, message: `origin pattern '${source}' requires a path ('/', '?' or '#') after the host, which a browser's Origin header never has: it matches no origin; end the pattern after the host (and port)` });
    }
  },
});
