/**
 * Whether an nginx file has anything to do with CORS: a CORS word in it (an Access-Control-*
 * header, $http_origin, a `cors` snippet name), in a file it includes, or in a file that includes
 * it, following includes both ways. The prefilter reads every file with an `include` line, since
 * the included file may send the headers; a file that turns out to have no CORS around it at all
 * holds nothing cors-lint judges.
 */
const CORS_WORD = /access-control-|\$\{?http_origin\b|\bcors/i;

/** A commented-out `# add_header Access-Control-Allow-Origin *;` sends nothing. */
const withoutCommentLines = (text: string) => text.replace(/^[ \t]*#.*$/gm, '');

export function nginxCorsRelevance(
  paths: string[],
  textOf: (path: string) => string | undefined,
  includes: (path: string) => Iterable<string>,
): (path: string) => boolean {
  // Built on the first question: most runs have no syntax error to ask about.
  let edges: Map<string, Set<string>> | undefined;
  const build = () => {
    const built = new Map<string, Set<string>>();
    const link = (a: string, b: string) => {
      let set = built.get(a);
      if (!set) built.set(a, (set = new Set()));
      set.add(b);
    };
    for (const path of paths) {
      for (const target of includes(path)) {
        link(path, target);
        link(target, path);
      }
    }
    return built;
  };
  const answers = new Map<string, boolean>();
  return (start) => {
    edges ??= build();
    const known = answers.get(start);
    if (known !== undefined) return known;
    // The connected files, walked once; every one of them gets the same answer.
    const seen = new Set([start]);
    const queue = [start];
    let found = false;
    for (let i = 0; i < queue.length; i++) {
      const path = queue[i];
      if (!found && CORS_WORD.test(withoutCommentLines(textOf(path) ?? ''))) found = true;
      for (const next of edges.get(path) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
    for (const path of seen) answers.set(path, found);
    return found;
  };
}
