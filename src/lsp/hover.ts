import { explainPolicy } from '../cli/explain.js';
import type { CorsPolicy, Loc } from '../model/types.js';

/** The policy whose written parts (the policy itself, an origin, credentials, a list, a header directive) cover a position. */
export function policyAt(policies: CorsPolicy[], file: string, line: number, column: number): CorsPolicy | undefined {
  const covers = (loc: Loc | undefined) =>
    loc !== undefined && loc.file === file && (line > loc.line || (line === loc.line && column >= loc.column)) && (line < loc.endLine || (line === loc.endLine && column <= loc.endColumn));
  return policies.find((policy) => {
    const locs: Array<Loc | undefined> = [
      policy.source.loc,
      policy.credentials?.loc,
      policy.maxAge?.loc,
      ...policy.origins.map((matcher) => matcher.loc),
      ...[policy.allowMethods, policy.allowHeaders, policy.exposeHeaders].map((setting) => ('loc' in setting ? setting.loc : undefined)),
      ...policy.emitted.map((header) => header.loc),
    ];
    return locs.some(covers);
  });
}

/** Markdown for a hover: the effective policy of the scope, in the words of `cors-lint explain`. */
export function describePolicy(policy: CorsPolicy): string {
  const rows = explainPolicy(policy).rows;
  const origins = rows.filter((row) => row.what === 'origin' || row.what === 'origins').map((row) => row.value);
  const others = rows.filter((row) => row.what !== 'origin' && row.what !== 'origins');
  return [
    `**CORS policy** — ${policy.profile.name}, ${policy.scope.label}`,
    '',
    `- Origins: ${origins.join('; ')}`,
    ...others.map((row) => `- ${row.what[0].toUpperCase()}${row.what.slice(1)}: ${row.value}`),
  ].join('\n');
}
