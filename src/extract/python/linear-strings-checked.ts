/**
 * Whether linearStrings' self-check (linear-strings.ts) already passed when this copy of the
 * program was built. Here, where @lezer/python is whatever node_modules holds, it did not: the
 * check runs once per process. The bundle (scripts/bundle.mjs) replaces this module with the
 * verdict of running the check at build time on the Lezer it bundles, so a one-file run of the
 * CLI does not parse the broken-string samples again (about 15 ms of a ~130 ms start).
 */
export const CHECKED_AT_BUILD = false;

/**
 * Where the check found the strings tokenizer in that Lezer (its index in the parser's tokenizer
 * list, and the string-content token it accepts), so the bundle does not find it again by a
 * watched parse on every run; undefined here.
 */
export const STRINGS_AT_BUILD: { index: number; content: number } | undefined = undefined;
