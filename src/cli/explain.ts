import { needsPreflight } from '../model/browser.js';
import { simulateFetch, type FetchOutcome } from '../model/respond.js';
import { requestMatrix } from '../model/matrix.js';
import { respondThroughLayer } from '../model/stack.js';
import { unsure } from '../model/uncertainty.js';
import type { CorsPolicy, CorsRequest, CorsResponse, ListSetting, Loc, OriginMatcher, UpstreamLayer } from '../model/types.js';

/**
 * `cors-lint explain` and `cors-lint simulate`: the policies the linter found, in the words of
 * the model, each value with the line it comes from.
 */

function at(loc: Loc | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.column}` : '';
}

function originText(matcher: OriginMatcher): string {
  switch (matcher.kind) {
    case 'any':
      return `* (any origin)${matcher.why ? ` — ${matcher.why}` : ''}`;
    case 'reflect':
      return 'any origin, echoed back';
    case 'exact':
      return `${matcher.value}${matcher.caseInsensitive ? ' (case-insensitive)' : ''}`;
    case 'pattern':
      return `/${matcher.source}/${matcher.flags} (${matcher.written ?? matcher.dialect})`;
    case 'predicate':
      return `decided by code${matcher.checks.length ? ` (${matcher.checks.map((c) => `${c.method}${c.argument ? `('${c.argument}')` : ''}`).join(', ')})` : ''}`;
    case 'unknown':
      return `unknown (${matcher.reason})`;
  }
}

function listText(setting: ListSetting): string {
  switch (setting.kind) {
    case 'list':
      return setting.items.join(', ') || '(none)';
    case 'wildcard':
      return '*';
    case 'reflect-request':
      return 'echoes the request';
    case 'default':
      return '(implementation default)';
    case 'unknown':
      return 'unknown';
  }
}

export interface ExplainedRow {
  what: string;
  value: string;
  at: string;
}

export interface ExplainedPolicy {
  file: string;
  line: number;
  framework: string;
  scope: string;
  rows: ExplainedRow[];
}

export function explainPolicy(policy: CorsPolicy): ExplainedPolicy {
  const rows: ExplainedRow[] = [];
  const row = (what: string, value: string, loc?: Loc) => rows.push({ what, value, at: at(loc) });
  if (policy.origins.length === 0) row('origins', 'none (no Access-Control-Allow-Origin)');
  for (const matcher of policy.origins) row('origin', originText(matcher), matcher.loc);
  const credentials = policy.credentials;
  row('credentials', credentials ? String(credentials.value) : `${policy.profile.defaults.credentials} (default)`, credentials?.loc);
  row('methods', listText(policy.allowMethods), 'loc' in policy.allowMethods ? policy.allowMethods.loc : undefined);
  row('request headers', listText(policy.allowHeaders), 'loc' in policy.allowHeaders ? policy.allowHeaders.loc : undefined);
  row('exposed headers', listText(policy.exposeHeaders), 'loc' in policy.exposeHeaders ? policy.exposeHeaders.loc : undefined);
  row('max age', policy.maxAge ? String(policy.maxAge.value) : '(not sent)', policy.maxAge?.loc);
  const preflight = policy.preflight;
  row('preflight', preflight.kind === 'handled' ? `answered here${preflight.status ? ` (${preflight.status})` : ''}` : preflight.kind === 'passthrough' ? 'passed on' : preflight.kind === 'unhandled' ? `not answered here${preflight.status ? ` (${preflight.status})` : ''}` : 'decided elsewhere', 'loc' in preflight ? preflight.loc : undefined);
  row('Vary: Origin', varyText(policy), policy.vary.loc);
  return { file: policy.source.file, line: policy.source.loc.line, framework: policy.profile.name, scope: policy.scope.label, rows };
}

/**
 * Whether a GET from an origin the policy lets in (else from any origin) is answered with Vary:
 * Origin, as respond() answers it: the setting alone is not the answer (the cors package sends no
 * Vary with its default '*', Flask-CORS none for one literal origin).
 */
function varyText(policy: CorsPolicy): string {
  const setting = policy.vary.origin === 'unknown' ? 'depends on the request' : policy.vary.origin ? 'sent' : 'not sent';
  const matrix = requestMatrix(policy);
  const origin = (matrix.origins.find((o) => o.role === 'allowed') ?? matrix.origins.find((o) => o.how === 'probe'))?.origin;
  if (!origin) return setting;
  const response = matrix.answer({ origin, method: 'GET' });
  // An answer the model cannot give (origins from the environment) leaves the setting as written.
  if (unsure(response, ['vary'])) return setting;
  return response.headers.some((header) => header.name.toLowerCase() === 'vary' && /(^|,)\s*(origin|\*)\s*(,|$)/i.test(header.value)) ? 'sent' : 'not sent';
}

export function renderExplained(policies: ExplainedPolicy[]): string {
  if (policies.length === 0) return 'No CORS policy found.\n';
  const out: string[] = [];
  for (const policy of policies) {
    out.push(`${policy.file}:${policy.line}  ${policy.framework} — ${policy.scope}`);
    const width = Math.max(...policy.rows.map((r) => r.what.length));
    const valueWidth = Math.min(60, Math.max(...policy.rows.map((r) => r.value.length)));
    for (const r of policy.rows) out.push(`  ${r.what.padEnd(width)}  ${r.value.padEnd(valueWidth)}  ${r.at}`.trimEnd());
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

export interface SimulatedPolicy {
  file: string;
  line: number;
  framework: string;
  scope: string;
  allowed: boolean | 'unknown';
  preflight?: { status?: number; headers: SimulatedHeader[] };
  actual?: { status?: number; headers: SimulatedHeader[] };
  /** The message Chromium prints when the request is blocked. */
  message?: string;
  /** The line to change. */
  change?: string;
}

export interface SimulatedHeader {
  name: string;
  value: string;
  at: string;
  /** The value (or whether the header is sent at all) depends on something cors-lint cannot see. */
  unknown?: true;
}

/** `access-control-max-age` as it is usually written. */
function headerName(lower: string): string {
  return lower.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/** The headers as the model answers them, and the ones it cannot know (the rules judge without them). */
function headerRows(response: CorsResponse): SimulatedHeader[] {
  const rows: SimulatedHeader[] = response.headers.map((h) => ({ name: h.name, value: h.value, at: at(h.writtenAt ?? h.loc) }));
  for (const name of response.unknownHeaders ?? []) rows.push({ name: headerName(name), value: '(unknown)', at: '', unknown: true });
  return rows;
}

/** Policies whose scope covers `path` (all of them when no path is given). */
export function policiesForPath(policies: CorsPolicy[], path: string | undefined, request?: CorsRequest): CorsPolicy[] {
  return policies.filter((policy) => {
    // A route-level policy answers its own methods only (an OPTIONS route only the preflight): GET /cart is not `app.put('/cart', cors())`'s.
    const methods = policy.scope.methods;
    if (request && methods && !methods.includes(request.method.toUpperCase()) && !(methods.includes('OPTIONS') && needsPreflight(request))) return false;
    if (!path) return true;
    const scopePath = policy.scope.path;
    if (!scopePath || scopePath.startsWith('~') || scopePath.startsWith('(')) return true;
    // Express 5 wildcards and optional segments (`/{*splat}`, `/files{/:name}`) start with `{`.
    const prefix = scopePath.replace(/^=\s*/, '').replace(/\*.*$/, '').replace(/\{.*$/, '').replace(/:[^/]+.*$/, '');
    return path.startsWith(prefix);
  });
}

/** With `layer`, the request goes through this proxy to the app behind it, as the browser would see the pair. */
export function simulatePolicy(policy: CorsPolicy, request: CorsRequest, url: string, layer?: UpstreamLayer): SimulatedPolicy {
  const outcome: FetchOutcome = layer ? simulateFetch(policy, request, url, (r) => respondThroughLayer(policy, layer, r)) : simulateFetch(policy, request, url);
  const failed = outcome.preflight && !outcome.preflight.verdict.allowed ? outcome.preflight : outcome.actual && !outcome.actual.verdict.allowed ? outcome.actual : undefined;
  const change = failed?.verdict.culprit?.writtenAt ?? failed?.verdict.culprit?.loc ?? (failed ? policy.source.loc : undefined);
  return {
    file: policy.source.file,
    line: policy.source.loc.line,
    framework: policy.profile.name,
    scope: layer ? `${policy.scope.label} → ${layer.policy.profile.name} ${layer.policy.scope.label} (${at(layer.policy.source.loc)})` : policy.scope.label,
    allowed: outcome.uncertain ? 'unknown' : outcome.allowed,
    preflight: outcome.preflight ? { status: outcome.preflight.response.status, headers: headerRows(outcome.preflight.response) } : undefined,
    actual: outcome.actual ? { status: outcome.actual.response.status, headers: headerRows(outcome.actual.response) } : undefined,
    message: failed?.verdict.message,
    change: change ? at(change) : undefined,
  };
}

export function renderSimulated(results: SimulatedPolicy[], request: CorsRequest): string {
  if (results.length === 0) return 'No CORS policy covers this request.\n';
  const out: string[] = [];
  const what = `${request.method}${request.headers?.length ? ` with ${request.headers.join(', ')}` : ''}${request.credentials ? ', credentials' : ''} from ${request.origin}`;
  for (const result of results) {
    out.push(`${result.file}:${result.line}  ${result.framework} — ${result.scope}`);
    out.push(`  request: ${what}`);
    for (const [label, part] of [['preflight', result.preflight], ['response', result.actual]] as const) {
      if (!part) continue;
      out.push(`  ${label}: ${part.status ?? '(status decided elsewhere)'}`);
      for (const header of part.headers) out.push(`    ${header.name}: ${header.value}${header.at ? `    (${header.at})` : ''}`);
    }
    if (result.allowed === 'unknown') out.push('  result: depends on values cors-lint cannot see');
    else if (result.allowed) out.push('  result: allowed');
    else {
      out.push('  result: blocked');
      out.push(`  ${result.message}`);
      if (result.change) out.push(`  change: ${result.change}`);
    }
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

export interface ExplainedChain {
  steps: Array<{ what: string; at: string }>;
}

/** `explain --topology`: each proxy → app chain the repository states, and each frontend call linked to its server, one line per step. */
export function explainTopology(policies: CorsPolicy[]): ExplainedChain[] {
  const chains: ExplainedChain[] = [];
  for (const policy of policies) {
    for (const layer of policy.upstreamLayers ?? []) {
      chains.push({ steps: [{ what: `${policy.profile.name} ${policy.scope.label}`, at: at(policy.source.loc) }, ...layer.via.map((step) => ({ what: step.what, at: at(step.loc) }))] });
    }
    for (const proxy of policy.sameOriginProxies ?? []) chains.push({ steps: proxy.via.map((step) => ({ what: step.what, at: at(step.loc) })) });
  }
  // The frontend's own calls: browser → the call → (the proxy →) the app that answers it.
  const seen = new Set<string>();
  for (const policy of policies) {
    for (const call of policy.clientCalls ?? []) {
      const key = `${at(call.loc)} ${call.pageOrigin}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const request = call.requests[0];
      const sent = `${request.method}${request.credentials ? ' with credentials' : ''}${request.headers?.length ? ` + ${request.headers.join(', ')}` : ''}`;
      const server = { what: `${policy.profile.name} ${policy.scope.label}`, at: at(policy.source.loc) };
      const behind = call.layer ? call.layer.via.map((step) => ({ what: step.what, at: at(step.loc) })) : [];
      chains.push({ steps: [{ what: `${call.api} ${sent} ${call.url} from the page at ${call.pageOrigin}`, at: at(call.loc) }, server, ...behind] });
    }
  }
  return chains;
}

export function renderTopology(chains: ExplainedChain[]): string {
  if (chains.length === 0) return 'No proxy → app chain found (a link needs nginx proxy_pass to a Compose service, an Ingress → Service → workload whose image is built from a folder of the repository, or a dev-server proxy / Next.js, Vercel or Netlify rewrite to a server the repository runs).\n';
  const out: string[] = [];
  for (const chain of chains) {
    out.push('browser');
    for (const step of chain.steps) out.push(`  → ${step.what}  ${step.at}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
