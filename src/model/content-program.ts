/**
 * Header programs whose answers depend on nothing but their policy's other fields, the request and
 * the plain data given here (content-key.ts reads this): such a policy can be keyed by its content,
 * and its rules' findings replayed in the language server when an edit leaves it as it was.
 */
const programs = new WeakMap<object, { data: unknown }>();

/** Vouches for `program`: it reads its policy and `data` (plain data, positions as Locs), nothing else. */
export function contentProgram<T extends object>(program: T, data?: unknown): T {
  programs.set(program, { data });
  return program;
}

/** What `program` reads besides its policy, or undefined when nobody vouched for it. */
export function contentProgramData(program: object): { data: unknown } | undefined {
  return programs.get(program);
}
