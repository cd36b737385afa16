import { netlifyHeadersProfile } from '../../model/frameworks/platform.js';
import type { FrameworkProfile, Loc, SourceFile } from '../../model/types.js';
import { lineStartsOf, offsetsToLoc } from '../offsets.js';
import { routeHeaderPolicy, type RouteHeader } from './route-headers.js';
import type { VercelConfig } from './vercel.js';

/** Cloudflare Pages reads the same `_headers` file as Netlify; the profile names both. */
const headersFileProfile: FrameworkProfile = { ...netlifyHeadersProfile, id: 'headers-file', name: '_headers file (Netlify, Cloudflare Pages)', docs: 'https://docs.netlify.com/routing/headers/#syntax-for-the-headers-file' };

/**
 * A `_headers` file (Netlify, Cloudflare Pages): a path (or URL pattern) line, then its headers
 * as `Name: value` (usually indented), `#` comment lines. Each path block that sets
 * Access-Control-* headers is one policy. Cloudflare's `! Name` detaches a header other blocks
 * set: with a CORS header detached, which blocks answer a request is not read here, so the file
 * gives nothing.
 */
export function readHeadersFile(file: SourceFile): VercelConfig {
  const out: VercelConfig = { policies: [], rewrites: [], errors: [] };
  const text = file.text;
  const lineStarts = lineStartsOf(text);
  const loc = (from: number, to: number): Loc => offsetsToLoc(file.path, lineStarts, from, to);
  const blocks: Array<{ path: string; loc: Loc; headers: RouteHeader[] }> = [];
  let current: (typeof blocks)[number] | undefined;
  for (let index = 0; index < lineStarts.length; index++) {
    const start = lineStarts[index];
    const end = index + 1 < lineStarts.length ? lineStarts[index + 1] : text.length;
    const line = text.slice(start, end).replace(/\r?\n$|\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    // Both platforms trim every line: a path is what starts with '/' (or, on Cloudflare, a URL
    // pattern `https://…`), any other `Name: value` line is a header, indented or not
    // (netlify/build headers-parser line_parser.ts isPathLine; penpot's plugin _headers are unindented).
    if (/^(\/|[^\s:]+:\/\/)/.test(trimmed)) {
      const lead = start + line.length - line.trimStart().length;
      current = { path: trimmed, loc: loc(lead, lead + trimmed.length), headers: [] };
      blocks.push(current);
      continue;
    }
    if (!current) continue;
    const detach = /^\s*!\s*([A-Za-z0-9-]+)\s*$/.exec(line);
    if (detach) {
      if (/^access-control-/i.test(detach[1])) return out;
      continue;
    }
    const match = /^(\s*)([A-Za-z0-9-]+)\s*:[ \t]*/.exec(line);
    if (!match) continue;
    const value = line.slice(match[0].length).trimEnd();
    const nameFrom = start + match[1].length;
    const valueFrom = start + match[0].length;
    current.headers.push({ name: match[2], value, rawValue: value.slice(0, 200), loc: loc(nameFrom, valueFrom + value.length), valueLoc: loc(valueFrom, valueFrom + value.length) });
  }
  for (const block of blocks) {
    const policy = routeHeaderPolicy({ file: file.path, format: 'headers', profile: headersFileProfile, path: block.path, sourceLoc: block.loc, headers: block.headers });
    if (policy) out.policies.push(policy);
  }
  return out;
}
