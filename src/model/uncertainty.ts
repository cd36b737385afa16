import type { CorsRequest, CorsResponse } from './types.js';

/**
 * What an answer could not know, and which questions that leaves open. An unknown value silences
 * only what it can change: an unknown Expose-Headers or Max-Age says nothing about Allow-Origin
 * and Allow-Credentials, so the rules about those still judge the response. Unknowns every part
 * of the answer depends on (its status, the origin decision, a handler we cannot see) stay global.
 */

export type UncertaintyFields = Pick<CorsResponse, 'uncertain' | 'unknownHeaders'>;

export const ALLOW_ORIGIN = 'access-control-allow-origin';
export const ALLOW_CREDENTIALS = 'access-control-allow-credentials';
export const ALLOW_METHODS = 'access-control-allow-methods';
export const ALLOW_HEADERS = 'access-control-allow-headers';
export const EXPOSE_HEADERS = 'access-control-expose-headers';
export const MAX_AGE = 'access-control-max-age';
export const VARY = 'vary';

/** What a browser reads to accept an actual response. */
export const GRANT_READS: readonly string[] = [ALLOW_ORIGIN, ALLOW_CREDENTIALS];
/** What a browser reads to accept a preflight answer (its status too, which is always known unless the whole answer is unknown). */
export const PREFLIGHT_READS: readonly string[] = [ALLOW_ORIGIN, ALLOW_CREDENTIALS, ALLOW_METHODS, ALLOW_HEADERS];

/** The headers the browser's verdict on `request` depends on (Allow-Credentials only for a credentialed request). */
export function verdictReads(request: CorsRequest): readonly string[] {
  const reads = request.preflight ? PREFLIGHT_READS : GRANT_READS;
  return request.credentials ? reads : reads.filter((name) => name !== ALLOW_CREDENTIALS);
}

/** Collects the unknowns of one answer. */
export class Unknowns {
  private global = false;
  private readonly names = new Set<string>();

  /** Something the whole answer depends on is unknown (when `when` holds). */
  all(when: boolean | undefined = true): this {
    if (when) this.global = true;
    return this;
  }

  /** This header's value or presence is unknown (when `when` holds). */
  header(name: string, when: boolean | undefined = true): this {
    if (when) this.names.add(name.toLowerCase());
    return this;
  }

  /** A later write decided the header after all (a plain set after an unknown one). */
  known(name: string): this {
    this.names.delete(name.toLowerCase());
    return this;
  }

  /** Takes in another answer's unknowns (a layer whose headers join this one's). */
  add(other: UncertaintyFields): this {
    if (!other.uncertain) return this;
    if (!other.unknownHeaders) this.global = true;
    else for (const name of other.unknownHeaders) this.names.add(name);
    return this;
  }

  get any(): boolean {
    return this.global || this.names.size > 0;
  }

  fields(): UncertaintyFields {
    if (this.global) return { uncertain: true };
    if (this.names.size === 0) return { uncertain: false };
    return { uncertain: true, unknownHeaders: [...this.names].sort() };
  }
}

/**
 * Does `response` leave open something a question reading `reads` (header names) depends on?
 * Without `reads` any unknown counts: callers that have not said what they read stay silent as before.
 */
export function unsure(response: UncertaintyFields, reads?: readonly string[]): boolean {
  if (!response.uncertain) return false;
  if (!response.unknownHeaders || reads === undefined) return true;
  return reads.some((name) => response.unknownHeaders!.includes(name.toLowerCase()));
}

/** The unknowns of several answers taken together. */
export function mergeUncertainty(...responses: UncertaintyFields[]): UncertaintyFields {
  const unknowns = new Unknowns();
  for (const response of responses) unknowns.add(response);
  return unknowns.fields();
}
