import { defineRule } from '../src/engine/rule.js';
import { credentialsExpected, granted, requestMatrix, type MatrixCell, type RowId } from '../src/model/matrix.js';
import { headersNamed } from '../src/model/queries.js';
import type { Loc } from '../src/model/types.js';
import { narrowerProxyPreflights } from '../src/topology/layer-preflight.js';
import { ALLOW_ORIGIN, unsure, verdictReads } from '../src/model/uncertainty.js';

/** The header that is wrong; for a missing one, the block that answered (nginx says which), else the policy. */
function placeToChange(cell: MatrixCell, fallback: Loc): Loc {
  const culprit = cell.verdict.culprit;
  if (culprit) return culprit.writtenAt ?? culprit.loc ?? fallback;
  const setting = /Allow-Methods/.test(cell.verdict.reason ?? '') ? 'Access-Control-Allow-Methods' : /Allow-Headers/.test(cell.verdict.reason ?? '') ? 'Access-Control-Allow-Headers' : undefined;
  const sent = setting ? headersNamed(cell.response, setting)[0] : undefined;
  if (sent) return sent.writtenAt ?? sent.loc ?? fallback;
  return cell.response.answeredAt ?? fallback;
}

export default defineRule({
  meta: {
    id: 'preflight-incomplete',
    severity: 'warning',
    category: 'broken',
    description: 'The OPTIONS answer allows the origin but lacks the methods or headers the policy implies, or is not 2xx: the preflight fails.',
    formats: ['nginx', 'js', 'ts', 'python'],
    docs: {
      whatItDoes:
        'Takes the request the policy evidently expects (a method from its route or Allow-Methods that needs a preflight, a non-safelisted header from its Allow-Headers) from an allowed origin, asks the model for the preflight answer, and runs the browser\'s check on it. When the answer grants the origin yet the browser still refuses — a missing or narrower Allow-Methods or Allow-Headers, a non-2xx status — it reports with the message the browser prints.',
      why: 'The actual response may be perfect, but the browser never sends it: it stops at the preflight with "Method PUT is not allowed by Access-Control-Allow-Methods in preflight response" or "Request header field x-token is not allowed…". A common cause is an nginx `if ($request_method = OPTIONS)` block whose own `add_header`s replace the location\'s, or a route-level CORS option narrower than the route.',
      examples: [
        {
          format: 'nginx',
          filename: 'api.conf',
          bad: "location /api/ {\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Methods 'GET, PUT, DELETE' always;\n    proxy_pass http://app;\n}\n",
          good: "location /api/ {\n    if ($request_method = OPTIONS) {\n        add_header Access-Control-Allow-Origin https://app.example.com always;\n        add_header Access-Control-Allow-Methods 'GET, PUT, DELETE' always;\n        return 204;\n    }\n    add_header Access-Control-Allow-Origin https://app.example.com always;\n    add_header Access-Control-Allow-Methods 'GET, PUT, DELETE' always;\n    proxy_pass http://app;\n}\n",
        },
      ],
      references: ['https://fetch.spec.whatwg.org/#cors-preflight-fetch', 'https://developer.mozilla.org/en-US/docs/Glossary/Preflight_request'],
    },
  },
  check(policy, context) {
    for (const finding of narrowerProxyPreflights(policy)) context.report(finding);
    const matrix = requestMatrix(policy);
    // The origins the policy names; an arbitrary one only when it names none (a `*` or reflecting layer), since `*` on actual answers does not make every origin's writes intended.
    const named = matrix.origins.filter((origin) => origin.role === 'allowed');
    const origins = named.length > 0 ? named : matrix.origins.filter((origin) => origin.how === 'probe');
    for (const origin of origins) {
      // Only origins the actual answers let in: refusing a preflight from anyone else is the point.
      const actualRows: RowId[] = matrix.intended ? ['get', 'get-credentials', 'intended'] : ['get', 'get-credentials'];
      if (!actualRows.some((row) => granted(matrix.cell(origin, row)) && !unsure(matrix.cell(origin, row).response, [ALLOW_ORIGIN]))) continue;
      // Without a preflight the policy asks for, the bare one is a PUT; a policy whose own method list leaves PUT out
      // refuses it on purpose (Litestar and Starlette answer it 400), which is no broken preflight.
      if (!matrix.intended && policy.allowMethods.kind === 'list' && !policy.allowMethods.items.some((method) => method === '*' || method.toUpperCase() === 'PUT')) continue;
      const withCredentials = credentialsExpected(matrix, origin);
      // The preflight the policy's own lists ask for counts for every reason; without one, a bare preflight counts for a missing Allow-Origin or Allow-Credentials.
      const rows: Array<{ row: RowId; anyReason: boolean }> = matrix.intended
        ? [{ row: withCredentials ? 'preflight-intended-credentials' : 'preflight-intended', anyReason: true }]
        : [{ row: withCredentials ? 'preflight-put-credentials' : 'preflight-minimal', anyReason: false }];
      for (const { row, anyReason } of rows) {
        const cell = matrix.cell(origin, row);
        const { response, verdict } = cell;
        if (unsure(response, verdictReads(cell.request)) || verdict.allowed) continue;
        // Preflights nobody answers here are preflight-unhandled's finding.
        if (!response.shortCircuit && policy.preflight.kind !== 'handled') continue;
        if (!anyReason && !/Access-Control-Allow-(Origin|Credentials)/.test(verdict.reason ?? '')) continue;
        const missingCredentials = /Allow-Credentials/.test(verdict.reason ?? '') ? ' (the actual responses to this origin send Access-Control-Allow-Credentials: true, so the page sends credentials)' : '';
        const missingList = /Allow-(Methods|Headers)/.test(verdict.reason ?? '') && !verdict.culprit ? ` (the answer has no ${/Allow-Methods/.test(verdict.reason ?? '') ? 'Access-Control-Allow-Methods' : 'Access-Control-Allow-Headers'})` : '';
        // The method came from the app's own routes (Starlette's default allow_methods is GET alone).
        const served = cell.request.method.toUpperCase();
        const routes = served === 'POST' ? 'POST routes that take a JSON body, so the browser preflights them,' : `${served} routes,`;
        const servedMethod = !missingList && policy.servedMethods && policy.allowMethods.kind === 'default' && policy.servedMethods.includes(served) && !(policy.profile.defaults.methods ?? []).some((method) => method.toUpperCase() === served) ? ` (the app serves ${routes} but the methods are left at the default, which does not list ${served === 'POST' ? 'POST' : 'it'})` : '';
        context.report({
          loc: placeToChange(cell, policy.source.loc),
          message: `${cell.row.label} from ${origin.origin} is answered${response.status ? ` ${response.status}` : ''} but refused by the browser${missingList}${missingCredentials}${servedMethod}: ${verdict.reason}`,
        });
        return;
      }
    }
  },
});
