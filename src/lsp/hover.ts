import type { CorsPolicy, ListSetting, Loc, OriginMatcher } from '../model/types.js';

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

function origin(matcher: OriginMatcher): string {
  switch (matcher.kind) {
    case 'any':
      return `\`*\`${matcher.why ? ` (${matcher.why})` : ''}`;
    case 'reflect':
      return 'any origin, echoed back';
    case 'exact':
      return `\`${matcher.value}\`${matcher.caseInsensitive ? ' (case-insensitive)' : ''}`;
    case 'pattern':
      return `\`${matcher.source}\` (${matcher.dialect}${matcher.flags ? `, ${matcher.flags}` : ''})`;
    case 'predicate':
      return 'decided by code';
    case 'unknown':
      return `unknown (${matcher.reason})`;
  }
}

function list(setting: ListSetting): string {
  switch (setting.kind) {
    case 'list':
      return setting.items.map((item) => `\`${item}\``).join(', ') || 'none';
    case 'wildcard':
      return '`*`';
    case 'reflect-request':
      return 'echoes the request';
    case 'default':
      return 'the default';
    case 'unknown':
      return 'unknown';
  }
}

/** Markdown for a hover: the effective policy of the scope. */
export function describePolicy(policy: CorsPolicy): string {
  const credentials = policy.credentials === undefined ? (policy.profile.defaults.credentials ? 'yes (default)' : 'no') : policy.credentials.value === 'unknown' ? 'unknown' : policy.credentials.value ? 'yes' : 'no';
  const preflight =
    policy.preflight.kind === 'handled'
      ? `answered here${policy.preflight.status ? ` with ${policy.preflight.status}` : ''}`
      : policy.preflight.kind === 'passthrough'
        ? 'passed on to the next layer'
        : policy.preflight.kind === 'unhandled'
          ? `not answered here${policy.preflight.status ? ` (${policy.preflight.status})` : ''}`
          : 'decided elsewhere';
  return [
    `**CORS policy** — ${policy.profile.name}, ${policy.scope.label}`,
    '',
    `- Origins: ${policy.origins.length ? policy.origins.map(origin).join('; ') : 'none (no Allow-Origin)'}`,
    `- Credentials: ${credentials}`,
    `- Methods: ${list(policy.allowMethods)}`,
    `- Request headers: ${list(policy.allowHeaders)}`,
    `- Exposed headers: ${list(policy.exposeHeaders)}`,
    `- Max age: ${policy.maxAge ? String(policy.maxAge.value) : 'not set'}`,
    `- Preflight: ${preflight}`,
    `- Vary: Origin: ${policy.vary.origin === 'unknown' ? 'depends on the request' : policy.vary.origin ? 'sent' : 'not sent'}`,
  ].join('\n');
}
