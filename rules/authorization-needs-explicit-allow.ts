import { defineRule } from '../src/engine/rule.js';
import { granted, requestMatrix } from '../src/model/matrix.js';
import { listTokens } from '../src/model/browser.js';
import { headersNamed, headerValue } from '../src/model/queries.js';
import { respond } from '../src/model/respond.js';
import type { CorsPolicy, CorsResponse } from '../src/model/types.js';
import { ALLOW_HEADERS, ALLOW_ORIGIN, unsure } from '../src/model/uncertainty.js';

export default defineRule({
  meta: {
    id: 'authorization-needs-explicit-allow',
    severity: 'warning',
    category: 'broken',
    description: '`Access-Control-Allow-Headers: *` does not cover `Authorization` under the Fetch standard; Chrome and Firefox still allow it with a deprecation warning.',
    formats: ['nginx', 'js', 'ts', 'python', 'yaml', 'toml'],
    docs: {
      whatItDoes: 'Asks the model for the preflight of a request carrying `Authorization` from an allowed origin. If the answer allows headers only through `*` and does not name `Authorization`, it reports the Allow-Headers setting.',
      why: 'The Fetch standard makes `Authorization` a non-wildcard request header: `*` in Allow-Headers covers every other header but never this one. Chrome and Firefox have not enforced it yet (a real Chromium 156 lets the request through with a deprecation warning that Authorization "will not be covered by the wildcard symbol (*)"), but both announced they will, and browsers that follow the standard refuse the preflight. Listing Authorization costs nothing and keeps working when enforcement lands.',
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Allow-Methods 'GET, POST, PUT' always;\n        add_header Access-Control-Allow-Headers * always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Allow-Methods 'GET, POST, PUT' always;\n        add_header Access-Control-Allow-Headers 'Authorization, *' always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    proxy_pass http://app;\n}\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name', 'https://developer.mozilla.org/en-US/docs/Web/HTTP/Reference/Headers/Access-Control-Allow-Headers'],
    },
  },
  check(policy, context) {
    const matrix = requestMatrix(policy);
    for (const origin of matrix.origins.filter((o) => o.role === 'allowed' || o.how === 'probe')) {
      const cell = matrix.cell(origin, 'preflight-put');
      if (unsure(cell.response, [ALLOW_ORIGIN, ALLOW_HEADERS]) || !granted(cell)) continue;
      if (!wildcardWithoutAuthorization(cell.response)) return;
      const culprit = headersNamed(cell.response, 'Access-Control-Allow-Headers')[0];
      context.report({
        loc: culprit.loc ?? policy.source.loc,
        message: `Access-Control-Allow-Headers '*' does not cover Authorization under the Fetch standard (${witness(policy, cell.row.label, cell.response, origin.origin)} from ${origin.origin}): Chrome and Firefox still allow it but warn that they will stop, and standard-following browsers refuse the preflight; list Authorization explicitly (e.g. 'Authorization, *')`,
      });
      return;
    }
  },
});

/**
 * The request the message names: the matrix's preflight for PUT with Authorization, unless that
 * answer's Allow-Methods leaves PUT out (homarr's `GET, OPTIONS`), where the example could not
 * happen as written. Then the preflight for the first method it allows, with Authorization, when
 * the model answers that one the same way (an allowed origin, '*' without Authorization).
 */
function witness(policy: CorsPolicy, label: string, response: CorsResponse, origin: string | undefined): string {
  const methods = listTokens(headerValue(response, 'Access-Control-Allow-Methods') ?? '').map((token) => token.toUpperCase());
  if (methods.length === 0 || methods.includes('*') || methods.includes('PUT')) return label;
  const method = methods.find((name) => /^[A-Z]+$/.test(name) && name !== 'OPTIONS');
  if (!method) return label;
  const other = respond(policy, { origin, method, headers: ['Authorization'], preflight: true });
  const sameAnswer = !other.uncertain && headerValue(other, 'Access-Control-Allow-Origin') !== undefined && wildcardWithoutAuthorization(other);
  return sameAnswer ? `the preflight for ${method} with Authorization` : label;
}

/** Allow-Headers allows headers through '*' and does not name Authorization. */
function wildcardWithoutAuthorization(response: CorsResponse): boolean {
  const allowHeaders = headerValue(response, 'Access-Control-Allow-Headers');
  if (allowHeaders === undefined) return false;
  const tokens = listTokens(allowHeaders).map((token) => token.toLowerCase());
  return tokens.includes('*') && !tokens.includes('authorization');
}
