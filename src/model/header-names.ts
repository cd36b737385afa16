import type { ResponseHeader } from './types.js';

/** A header name as asked for: its lower case, and whether it is ASCII. */
export interface AskedName {
  lower: string;
  ascii: boolean;
}

/**
 * The lower case of a name asked for, and whether it is ASCII (the names rules and the model ask
 * for are a few constants, so each is worked out once). An ASCII name has no other spelling of
 * another length: the one character whose lower case is longer (U+0130) gives a non-ASCII one.
 */
const ASKED = new Map<string, AskedName>();
export function askedName(name: string): AskedName {
  let entry = ASKED.get(name);
  if (entry === undefined) {
    entry = { lower: name.toLowerCase(), ascii: /^[\x00-\x7f]*$/.test(name) };
    // Bounded: a long language-server session asks only constants, but nothing here may grow without end.
    if (ASKED.size < 256) ASKED.set(name, entry);
  }
  return entry;
}

/**
 * Whether a response header is the one asked for, compared case-insensitively. The header spelled
 * exactly as asked (as the model writes them) is taken at once, and one of another length is never
 * lower-cased: most headers of a response are not the one asked for, and each answer is asked
 * about many times by the rules.
 */
export function isHeaderNamed(header: ResponseHeader, name: string, wanted: AskedName = askedName(name)): boolean {
  if (header.name === name) return true;
  if (wanted.ascii && header.name.length !== name.length) return false;
  return header.name.toLowerCase() === wanted.lower;
}
