import { matcherAccepts } from '../respond.js';
import type { CorsPolicy, CorsRequest, ListSetting, Loc, OriginMatcher, ResponseHeader } from '../types.js';

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

/**
 * Allow-Origin for gateways that answer a `*` entry with `*` and otherwise echo the origin the
 * first matching entry accepts (Traefik, APISIX, Kong's lists). Without an Origin only `*` applies.
 */
export function listAllowOrigin(origins: OriginMatcher[], origin: string | undefined, writtenAt?: Loc): { header?: ResponseHeader; uncertain: boolean } {
  if (!origin) {
    const wildcard = origins.find((matcher) => matcher.kind === 'any');
    return { header: wildcard && { name: 'Access-Control-Allow-Origin', value: '*', loc: wildcard.loc }, uncertain: false };
  }
  const { matcher, uncertain } = firstMatch(origins, origin);
  if (!matcher) return { uncertain };
  const header: ResponseHeader = matcher.kind === 'any' ? { name: 'Access-Control-Allow-Origin', value: '*', loc: matcher.loc } : { name: 'Access-Control-Allow-Origin', value: origin, loc: matcher.loc, writtenAt };
  return { header, uncertain };
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
