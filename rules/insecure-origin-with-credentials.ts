import { defineRule } from '../src/engine/rule.js';
import { isLoopbackHost, originHost } from '../src/model/origin.js';
import { exactOrigins, headersNamed, headerValue } from '../src/model/queries.js';
import { findBypasses } from '../src/model/bypass.js';
import { matchOrigin, preparePattern } from '../src/model/pattern-match.js';
import { patternExamples } from '../src/model/regex-analysis.js';
import { respond } from '../src/model/respond.js';
import { GRANT_READS, unsure } from '../src/model/uncertainty.js';

export default defineRule({
  meta: {
    id: 'insecure-origin-with-credentials',
    severity: 'warning',
    category: 'security',
    description: 'A plain-`http://` origin that is not loopback is trusted with credentials: anyone on the network path can inject script into it and read users\' data.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'json', 'toml'],
    docs: {
      whatItDoes: 'For each literal `http://` origin (other than `localhost`, `127.0.0.1` and `[::1]`), and each origin pattern whose own text admits `http://` (`^https?://…`, `(http|https)://…`, judged from examples generated from its syntax tree), and each string test that says nothing about the scheme (`origin.endsWith(\'.example.org\')`, an Envoy `suffix`) unless it already lets an attacker domain in, asks the model whether that plain-HTTP origin gets a credentialed grant, and reports the entry if it does.',
      why: 'A page served over plain HTTP can be rewritten by anyone between the user and that server (public Wi-Fi, a compromised router). Script injected there runs with that origin, so trusting it with credentials lets a network attacker read authenticated responses from your HTTPS API.',
      examples: [
        {
          format: 'js',
          filename: 'server.js',
          bad: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com', 'http://legacy.example.com'], credentials: true }));\n",
          good: "const express = require('express');\nconst cors = require('cors');\nconst app = express();\napp.use(cors({ origin: ['https://app.example.com', 'https://legacy.example.com'], credentials: true }));\n",
        },
      ],
      references: ['https://portswigger.net/web-security/cors#breaking-tls-with-poorly-configured-cors'],
    },
  },
  check(policy, context) {
    for (const matcher of exactOrigins(policy)) {
      if (!/^http:\/\//i.test(matcher.value)) continue;
      const host = originHost(matcher.value);
      if (!host || isLoopbackHost(host)) continue;
      const response = respond(policy, { origin: matcher.value, method: 'GET', credentials: true });
      if (unsure(response, GRANT_READS) || headerValue(response, 'Access-Control-Allow-Origin') !== matcher.value || headerValue(response, 'Access-Control-Allow-Credentials') !== 'true') continue;
      const culprit = headersNamed(response, 'Access-Control-Allow-Origin')[0];
      context.report({ loc: matcher.loc ?? culprit.loc, message: `'${matcher.value}' is plain HTTP and is trusted with credentials: a network attacker who injects script into it can read users' authenticated responses; use https://` });
    }
    // A pattern or string test whose own text admits `http://` (`^https?://`, `(http|https)`): the
    // examples generated from its tree include the plain-HTTP origin, which the model must grant.
    // A host-only entry (django-cors-headers before 3.0 compares the Origin's host alone) admits the host under http:// too.
    for (const matcher of exactOrigins(policy)) {
      if (matcher.comparedBy !== 'netloc') continue;
      const origin = `http://${matcher.value}`;
      const host = originHost(origin);
      if (!host || isLoopbackHost(host)) continue;
      const response = respond(policy, { origin, method: 'GET', credentials: true });
      if (unsure(response, GRANT_READS) || headerValue(response, 'Access-Control-Allow-Origin') !== origin || headerValue(response, 'Access-Control-Allow-Credentials') !== 'true') continue;
      context.report({ loc: matcher.loc, message: `host-only entry '${matcher.value}' admits plain-HTTP '${origin}' (django-cors-headers before 3.0 compares the host alone, any scheme), which is trusted with credentials: a network attacker who injects script into it can read users' authenticated responses; write 'https://${matcher.value}' and upgrade django-cors-headers` });
    }
    const bypassed = new Set(findBypasses(policy).map((bypass) => bypass.matcher));
    for (const matcher of policy.origins) {
      if (matcher.kind !== 'pattern') continue;
      // A string test (`origin.endsWith('.example.org')`, an Envoy suffix) says nothing about the scheme:
      // the http twin of each example is tried too, and counts only if the test really accepts it.
      // A string test that already lets an attacker's domain in is origin-substring-match's finding, whose fix (an exact list) covers this too.
      const stringTest = (matcher.written !== undefined || matcher.code !== undefined) && !bypassed.has(matcher);
      // A pattern whose scheme is open (`^.*\.example\.com$`, Istio's `regex: .*\.example\.com`, a
      // `[a-z]+://` class, Kong's regex without ':' that is matched against the host alone) spells
      // `http://` as well as the `https://` of its examples; one that admits any origin is the
      // reflect rules' finding.
      const prepared = preparePattern(matcher);
      const wildcardScheme = !stringTest && !bypassed.has(matcher) && prepared !== null && matchOrigin(matcher, 'https://attacker.invalid') !== true;
      const candidates = patternExamples(matcher).flatMap(({ origin }) =>
        (stringTest || wildcardScheme) && origin.startsWith('https://') && matchOrigin(matcher, `http://${origin.slice(8)}`) === true ? [origin, `http://${origin.slice(8)}`] : [origin],
      );
      for (const origin of candidates) {
        const host = originHost(origin);
        if (!origin.startsWith('http://') || !host || isLoopbackHost(host)) continue;
        const response = respond(policy, { origin, method: 'GET', credentials: true });
        if (unsure(response, GRANT_READS) || headerValue(response, 'Access-Control-Allow-Origin') !== origin || headerValue(response, 'Access-Control-Allow-Credentials') !== 'true') continue;
        const source = matcher.source.length > 120 ? `${matcher.source.slice(0, 120)}…` : matcher.source;
        // A string test from code (`origin.endsWith('.example.org')`) is named as written.
        context.report({ loc: matcher.loc, message: `${matcher.code ? `the check ${matcher.code}` : matcher.hostOnly ? `origin entry '${matcher.hostOnly}' (matched against the host alone, under any scheme)` : `origin pattern '${source}'`} admits plain-HTTP '${origin}', which is trusted with credentials: a network attacker who injects script into it can read users' authenticated responses; require https://` });
        break;
      }
    }
  },
});
