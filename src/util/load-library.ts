import { createRequire } from 'node:module';

/**
 * The libraries cors-lint loads only when an input needs them (a parser per format, the regex
 * engines for scanned patterns). Every such load goes through `loadLibrary`: from the sources and
 * tsc's dist/ it is a plain `require`; the bundled CLI (scripts/bundle.mjs) swaps this module for
 * one that loads its own prebuilt copy of the library through the V8 code cache
 * (src/cli/code-cache.ts), so a run pays for a parser only when a file needs it, and pays less.
 */
export interface Libraries {
  yaml: typeof import('yaml');
  '@babel/parser': typeof import('@babel/parser');
  '@lezer/python': typeof import('@lezer/python');
  '@lezer/common': typeof import('@lezer/common');
  're2js': typeof import('re2js');
  '@eslint-community/regexpp': typeof import('@eslint-community/regexpp');
  'toml-eslint-parser': typeof import('toml-eslint-parser');
}

export type LibraryName = keyof Libraries;

/** The names, for the bundler (one prebuilt copy each). */
export const LIBRARY_NAMES: readonly LibraryName[] = ['yaml', '@babel/parser', '@lezer/python', '@lezer/common', 're2js', '@eslint-community/regexpp', 'toml-eslint-parser'];

const requireHere = createRequire(import.meta.url);

export function loadLibrary<Name extends LibraryName>(name: Name): Libraries[Name] {
  return requireHere(name) as Libraries[Name];
}

/**
 * Names a code path this run took (a format it linted). The bundled CLI swaps this module and
 * hands the name to its code cache (coverCodePath in src/cli/code-cache.ts), which is written
 * again for a path it lacks; from the sources there is no cache and nothing to do.
 */
export function noteCodePath(_tag: string): void {}
