import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';
import { credentialsExpected, granted, intendedPreflight, requestMatrix } from '../src/model/matrix.js';
import { simulateFetch } from '../src/model/respond.js';
import { respondThroughLayer } from '../src/model/stack.js';
import type { CorsPolicy, CorsRequest, SourceFile } from '../src/model/types.js';
import { ALLOW_ORIGIN, unsure } from '../src/model/uncertainty.js';
import { allowOriginUnseen } from '../src/topology/shadowed-apps.js';
import { fixtureUnits, ROOT } from './helpers/fixtures.js';

/**
 * `cors-lint simulate` and the rules must not disagree. For every fixture (and every case of
 * ../shared/cases when it is there), each policy's answers are put through `simulateFetch` — what
 * `simulate` prints — and:
 * - an arbitrary site that simulate shows reading a credentialed answer must be reported by a rule
 *   saying so, and such a rule must not fire when simulate shows no such grant;
 * - a request the policy itself asks for (its methods and headers, with credentials when its
 *   answers grant them) that simulate shows blocked at the preflight, for an origin the policy
 *   lets in, must be reported, and preflight-incomplete must not fire without one; for a policy
 *   whose lists ask for nothing, a PUT preflight (credentialed with Authorization and Content-Type
 *   when its answers grant credentials) refused for a missing Allow-Origin or Allow-Credentials counts.
 */

const ATTACKER_RULES = new Set(['credentials-reflect-any-origin', 'null-origin', 'origin-regex-unanchored', 'origin-regex-unescaped-dot', 'origin-substring-match']);
const BLOCKED_RULES = new Set([
  'preflight-incomplete',
  'preflight-unhandled',
  'credentials-wildcard-origin',
  'wildcard-headers-with-credentials',
  'duplicate-allow-origin',
  'nginx-add-header-inheritance',
  'rejected-setting',
]);

const CASES = [join(ROOT, '..', 'shared', 'cases'), join(ROOT, '..', '..', 'shared', 'cases')].find((dir) => existsSync(join(dir, 'manifest.jsonl')));

function caseUnits(): Array<{ name: string; files: SourceFile[] }> {
  if (!CASES) return [];
  const out: Array<{ name: string; files: SourceFile[] }> = [];
  for (const line of readFileSync(join(CASES, 'manifest.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { id: string; file: string };
    const path = join(CASES, entry.file);
    if (!existsSync(path)) continue;
    const files: SourceFile[] = [];
    const walk = (p: string) => {
      if (statSync(p).isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
      else files.push({ path: relative(CASES, p), text: readFileSync(p, 'utf8') });
    };
    walk(path);
    out.push({ name: `cases/${entry.id}`, files });
  }
  return out;
}

interface Shown {
  attackerCredentialed: boolean;
  /** An arbitrary site's credentialed PUT (or the policy's own preflighted request) clears the preflight: the browser sends it with the user's cookies. */
  attackerPreflightCredentialed: boolean;
  allowedBlockedAtPreflight: boolean;
}

/** What simulate shows for one policy. */
function simulated(policy: CorsPolicy): Shown {
  const matrix = requestMatrix(policy);
  const shown: Shown = { attackerCredentialed: false, attackerPreflightCredentialed: false, allowedBlockedAtPreflight: false };
  for (const origin of matrix.origins.filter((o) => o.how === 'probe')) {
    // The PUT the matrix asks, and the preflight the policy's own lists ask for (Allow-Methods may refuse PUT).
    for (const asked of [{ method: 'PUT', headers: ['Authorization', 'Content-Type'] }, ...(matrix.intended ? [matrix.intended] : [])]) {
      const put = simulateFetch(policy, { origin: origin.origin, method: asked.method, headers: asked.headers, credentials: true, extraHeaders: { Cookie: 'session=1' } });
      if (!put.uncertain && put.preflight?.verdict.allowed && (put.preflight.response.status ?? 200) < 400) shown.attackerPreflightCredentialed = true;
    }
    // A GET, and each method the layer answers in a branch of its own (the matrix asks those too).
    for (const method of ['GET', ...(policy.testedMethods ?? [])]) {
      // Alone, and through each app linked behind this proxy (simulate shows both).
      for (const layer of [undefined, ...(policy.upstreamLayers ?? [])]) {
        const request: CorsRequest = { origin: origin.origin, method, credentials: true, extraHeaders: { Cookie: 'session=1' } };
        const outcome = layer ? simulateFetch(policy, request, undefined, (r) => respondThroughLayer(policy, layer, r)) : simulateFetch(policy, request);
        // Reading the layer's own error page (a deny-guard's 'return 403') is no read of user data: the reflect rules skip it too.
        const ownError = (outcome.actual?.response.status ?? 200) >= 400;
        if (!outcome.uncertain && outcome.allowed && !ownError) shown.attackerCredentialed = true;
      }
    }
  }
  // What the policy asks for, and what the apps behind a proxy ask for (a proxy answering OPTIONS must allow those too).
  const asked = [{ intended: matrix.intended, upstream: false }, ...(policy.upstreamLayers ?? []).map((layer) => ({ intended: intendedPreflight(layer.policy), upstream: true }))];
  for (const { intended, upstream } of asked) {
    if (!intended) continue;
    // A policy that names no origin ('*', reflected) lets the probe in as it would any other.
    const named = matrix.origins.filter((o) => o.role === 'allowed');
    for (const origin of named.length > 0 ? named : matrix.origins.filter((o) => o.how === 'probe')) {
      // Let in on some actual request (a route's own method when it is registered for one); behind a proxy, the app lets it in.
      if (!upstream && !(['get', 'get-credentials', 'intended'] as const).some((row) => !unsure(matrix.cell(origin, row).response, [ALLOW_ORIGIN]) && granted(matrix.cell(origin, row)))) continue;
      const credentials = credentialsExpected(matrix, origin);
      const request: CorsRequest = { origin: origin.origin, method: intended.method, headers: intended.headers, credentials, ...(credentials ? { extraHeaders: { Cookie: 'session=1' } } : {}) };
      const outcome = simulateFetch(policy, request);
      if (!outcome.uncertain && outcome.preflight && !outcome.preflight.verdict.allowed && (outcome.preflight.response.shortCircuit || policy.preflight.kind === 'handled')) shown.allowedBlockedAtPreflight = true;
    }
  }
  // A method list that leaves PUT out refuses the bare PUT preflight on purpose (preflight-incomplete).
  if (!matrix.intended && !(policy.allowMethods.kind === 'list' && !policy.allowMethods.items.some((method) => method === '*' || method.toUpperCase() === 'PUT'))) {
    const named = matrix.origins.filter((o) => o.role === 'allowed');
    for (const origin of named.length > 0 ? named : matrix.origins.filter((o) => o.how === 'probe')) {
      if (!(['get', 'get-credentials'] as const).some((row) => !unsure(matrix.cell(origin, row).response, [ALLOW_ORIGIN]) && granted(matrix.cell(origin, row)))) continue;
      const credentials = credentialsExpected(matrix, origin);
      const request: CorsRequest = credentials ? { origin: origin.origin, method: 'PUT', headers: ['Authorization', 'Content-Type'], credentials, extraHeaders: { Cookie: 'session=1' } } : { origin: origin.origin, method: 'PUT', headers: [], credentials: false };
      const outcome = simulateFetch(policy, request);
      if (!outcome.uncertain && outcome.preflight && !outcome.preflight.verdict.allowed && /Access-Control-Allow-(Origin|Credentials)/.test(outcome.preflight.verdict.reason ?? '') && (outcome.preflight.response.shortCircuit || policy.preflight.kind === 'handled')) shown.allowedBlockedAtPreflight = true;
    }
  }
  return shown;
}

/** Findings are compared over the whole unit: an options object in one module can be reported where it is written. */
function check(files: SourceFile[]): string[] {
  const { diagnostics, policies } = lint(files);
  const problems: string[] = [];
  const shown: Shown = { attackerCredentialed: false, attackerPreflightCredentialed: false, allowedBlockedAtPreflight: false };
  for (const policy of policies) {
    // An app whose Allow-Origin no browser sees (a proxy hides it on every route, API Gateway replaces it): simulate shows the layer in front instead.
    if (allowOriginUnseen(policy)) continue;
    const one = simulated(policy);
    shown.attackerCredentialed ||= one.attackerCredentialed;
    shown.attackerPreflightCredentialed ||= one.attackerPreflightCredentialed;
    shown.allowedBlockedAtPreflight ||= one.allowedBlockedAtPreflight;
    if (one.attackerCredentialed && !diagnostics.some((d) => ATTACKER_RULES.has(d.ruleId))) problems.push(`${policy.id}: simulate grants an arbitrary origin a credentialed read, no rule reports it`);
    if (one.attackerPreflightCredentialed && !diagnostics.some((d) => ATTACKER_RULES.has(d.ruleId))) problems.push(`${policy.id}: simulate lets an arbitrary origin's credentialed PUT through the preflight, no rule reports it`);
    if (one.allowedBlockedAtPreflight && !diagnostics.some((d) => BLOCKED_RULES.has(d.ruleId))) problems.push(`${policy.id}: simulate blocks an allowed origin's own request at the preflight, no rule reports it`);
  }
  // Reported too when only the preflight reflects: the page cannot read, but the browser sends the credentialed PUT.
  if (diagnostics.some((d) => d.ruleId === 'credentials-reflect-any-origin') && !shown.attackerCredentialed && !shown.attackerPreflightCredentialed) problems.push('credentials-reflect-any-origin, but simulate shows no arbitrary origin reading a credentialed answer or clearing a credentialed preflight');
  if (diagnostics.some((d) => d.ruleId === 'preflight-incomplete') && !shown.allowedBlockedAtPreflight) problems.push("preflight-incomplete, but simulate shows no allowed origin's request blocked at a preflight this layer answers");
  return problems;
}

describe('simulate and the rules agree', () => {
  for (const unit of [...fixtureUnits(), ...caseUnits()]) {
    it(unit.name, () => {
      expect(check(unit.files)).toEqual([]);
    });
  }
});

/**
 * The matrix stops answering after MAX_ANSWERS runs of respond() (cells then come back uncertain
 * and rules stay silent). The bound counts runs, so findings never depend on the machine's load;
 * it must also never cut a real configuration short, or findings would be lost.
 */
describe('the answer bound never cuts a real policy short', () => {
  for (const unit of [...fixtureUnits(), ...caseUnits()]) {
    it(unit.name, () => {
      const cut: string[] = [];
      for (const policy of lint(unit.files).policies) {
        const matrix = requestMatrix(policy);
        for (const origin of matrix.origins) for (const row of matrix.rows) matrix.cell(origin, row);
        if (matrix.exhausted()) cut.push(policy.id);
      }
      expect(cut).toEqual([]);
    });
  }
});
