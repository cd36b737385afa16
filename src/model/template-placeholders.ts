import type { CorsPolicy, OriginMatcher } from './types.js';

/** Placeholders a project generator or template engine fills in: Jinja/cookiecutter, Handlebars, EJS/ERB. */
const DELIMITERS: ReadonlyArray<readonly [string, string]> = [
  ['{{', '}}'],
  ['{%', '%}'],
  ['<%', '%>'],
];

/**
 * The literal parts of a string written around template placeholders (`https://{{ cookiecutter.domain }}`
 * -> `['https://', '']`), or undefined when it holds none. indexOf scanning: linear.
 */
export function placeholderLiterals(value: string): string[] | undefined {
  if (!value.includes('{{') && !value.includes('{%') && !value.includes('<%')) return undefined;
  const literals: string[] = [];
  let from = 0;
  for (;;) {
    let open = -1;
    let close: string | undefined;
    for (const [start, end] of DELIMITERS) {
      const at = value.indexOf(start, from);
      if (at !== -1 && (open === -1 || at < open)) [open, close] = [at, end];
    }
    const shut = open === -1 ? -1 : value.indexOf(close!, open + 2);
    if (shut === -1) break;
    literals.push(value.slice(from, open));
    from = shut + 2;
  }
  if (literals.length === 0) return undefined;
  literals.push(value.slice(from));
  return literals;
}

/**
 * Code that a generator renders (a cookiecutter or Yeoman template of an app) writes its origins as
 * placeholders: `allow_origins=["https://{{ cookiecutter.domain_name }}"]`. The origin is whatever
 * the project is generated with, so it is unknown; its literal parts can still be judged (a path
 * after the placeholder), as for `https://${DOMAIN}/`.
 */
export function placeholderOriginsUnknown(policies: CorsPolicy[]): CorsPolicy[] {
  for (const policy of policies) {
    if (!policy.origins.some((origin) => origin.kind === 'exact' && placeholderLiterals(origin.value))) continue;
    policy.origins = policy.origins.map((origin): OriginMatcher => {
      if (origin.kind !== 'exact') return origin;
      const literals = placeholderLiterals(origin.value);
      return literals ? { kind: 'unknown', reason: 'a template placeholder, filled in when the project is generated', loc: origin.loc, template: { text: origin.value, literals } } : origin;
    });
  }
  return policies;
}
