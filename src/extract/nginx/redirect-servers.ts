import { parseNginx, type NginxDirective } from './parse.js';

/** The statuses of `return code URL` that send the browser elsewhere. */
const REDIRECTS = new Set(['301', '302', '303', '307', '308']);

/**
 * The names of servers that only redirect: `server { server_name www.example.com; return 301
 * https://example.com$request_uri; }`. A server-level `return` runs in the rewrite phase before any
 * location is searched, so every request to these names gets the redirect and no page is ever served
 * from them (no `Origin` of theirs reaches an API). Only a plain `return` counts, with no `if` or
 * `rewrite` before it that could end the request differently. Keys are `line:name` of each name
 * in its `server_name` directive (lower-cased, quotes dropped), as the server-name scan reads them.
 */
export function redirectOnlyServerNames(text: string, file: string): Set<string> {
  const out = new Set<string>();
  // Cheap test first: most nginx files have no server-level redirect at all.
  if (!/\breturn\s+(?:30[12378]\s|["']?https?:\/\/)/.test(text)) return out;
  const visit = (directives: NginxDirective[], depth: number) => {
    if (depth > 3) return;
    for (const directive of directives) {
      if (directive.name === 'http' && directive.block) visit(directive.block, depth + 1);
      if (directive.name !== 'server' || !directive.block || !redirectsEverything(directive.block)) continue;
      for (const names of directive.block) {
        if (names.name !== 'server_name' || names.malformed) continue;
        for (const arg of names.args) out.add(`${arg.loc.line}:${arg.value.toLowerCase()}`);
      }
    }
  };
  visit(parseNginx(text, file).directives, 0);
  return out;
}

function redirectsEverything(block: NginxDirective[]): boolean {
  for (const directive of block) {
    if (directive.name === 'if' || directive.name === 'rewrite' || directive.name === 'include') return false;
    if (directive.name !== 'return' || directive.malformed) continue;
    const [first, second] = directive.args;
    if (first && second) return REDIRECTS.has(first.value);
    return first !== undefined && /^https?:\/\//.test(first.value);
  }
  return false;
}
