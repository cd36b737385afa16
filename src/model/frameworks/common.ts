import { matcherAccepts } from '../respond.js';
import type { CorsPolicy, CorsRequest, ListSetting, Loc, OriginMatcher } from '../types.js';

/** The first configured matcher that accepts `origin`; `uncertain` when an earlier one could not be judged. */
export function firstMatch(origins: OriginMatcher[], origin: string): { matcher?: OriginMatcher; uncertain: boolean } {
  let uncertain = false;
  for (const matcher of origins) {
    const accepted = matcherAccepts(matcher, origin);
    if (accepted === 'unknown') uncertain = true;
    else if (accepted) return { matcher, uncertain };
  }
  return { uncertain };
}

/** A credentialed request from a browser carries the site's cookies; the model assumes it does. */
export function hasCookie(request: CorsRequest): boolean {
  if (request.extraHeaders && Object.keys(request.extraHeaders).some((name) => name.toLowerCase() === 'cookie')) return true;
  return request.credentials === true && request.preflight !== true;
}

export function listItems(setting: ListSetting, fallback: string[]): string[] | undefined {
  switch (setting.kind) {
    case 'list':
      return setting.items;
    case 'default':
      return fallback;
    case 'wildcard':
      return ['*'];
    default:
      return undefined;
  }
}

export function listLoc(setting: ListSetting): Loc | undefined {
  return 'loc' in setting ? setting.loc : undefined;
}

/** True when something the answer depends on is unknown. */
export function policyUnknowns(policy: CorsPolicy): boolean {
  return (
    policy.credentials?.value === 'unknown' ||
    policy.allowMethods.kind === 'unknown' ||
    policy.allowHeaders.kind === 'unknown' ||
    policy.exposeHeaders.kind === 'unknown' ||
    policy.maxAge?.value === 'unknown'
  );
}
