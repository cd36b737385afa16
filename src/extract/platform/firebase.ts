import { firebaseHeadersProfile } from '../../model/frameworks/platform.js';
import type { CorsPolicy, Loc, SourceFile } from '../../model/types.js';
import { lineStartsOf, offsetsToLoc } from '../offsets.js';
import { isMap, isScalar, MAX_YAML_DEPTH, pairOf, tooDeep, yaml } from '../yaml/parse.js';
import { routeHeaderPolicy, type RouteHeader } from './route-headers.js';
import { items, routeHeader } from './vercel.js';

/**
 * `firebase.json`: each Hosting site's `headers` (`{ source | glob | regex, headers: [{ key, value }] }`)
 * adds those headers to the site's responses on matching paths, whatever the request (Firebase
 * Hosting, one site or a list of them). Read like vercel.json: `JSON.parse` first (Firebase refuses
 * anything else), then the YAML reader for a position on every value.
 */
export function readFirebaseConfig(file: SourceFile): { policies: CorsPolicy[]; errors: Array<{ message: string; loc: Loc }> } {
  const out: { policies: CorsPolicy[]; errors: Array<{ message: string; loc: Loc }> } = { policies: [], errors: [] };
  const text = file.text.replace(/^\uFEFF/, ' ');
  const lineStarts = lineStartsOf(text);
  try {
    JSON.parse(text);
  } catch (error) {
    const at = Number(/position (\d+)/.exec(String((error as Error).message))?.[1] ?? 0);
    out.errors.push({ message: `firebase.json is not valid JSON (${String((error as Error).message).slice(0, 120)}); the Firebase CLI refuses to deploy it`, loc: offsetsToLoc(file.path, lineStarts, Math.min(at, text.length), Math.min(at + 1, text.length)) });
    return out;
  }
  if (tooDeep(text, MAX_YAML_DEPTH) !== undefined) return out;
  const doc = yaml().parseDocument(text, { strict: false, logLevel: 'silent', uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) return out;
  const loc = (node: unknown): Loc => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? offsetsToLoc(file.path, lineStarts, range[0], range[1]) : offsetsToLoc(file.path, lineStarts, 0, 0);
  };
  const str = (node: unknown): string | undefined => (isScalar(node) && typeof node.value === 'string' ? node.value : undefined);
  const hosting = pairOf(doc.contents, 'hosting')?.value;
  const sites = isMap(hosting) ? [hosting] : items(hosting);
  for (const site of sites) {
    for (const entry of items(pairOf(site, 'headers')?.value)) {
      if (!isMap(entry)) continue;
      const sourceNode = pairOf(entry, 'source')?.value ?? pairOf(entry, 'glob')?.value ?? pairOf(entry, 'regex')?.value;
      const headers: RouteHeader[] = [];
      for (const header of items(pairOf(entry, 'headers')?.value)) {
        const name = str(pairOf(header, 'key')?.value);
        const valueNode = pairOf(header, 'value')?.value;
        if (name === undefined || !isScalar(valueNode)) continue;
        headers.push(routeHeader(name, valueNode, loc(header), loc(valueNode), text));
      }
      const policy = routeHeaderPolicy({ file: file.path, format: 'json', profile: firebaseHeadersProfile, path: str(sourceNode), sourceLoc: loc(sourceNode ?? entry), headers });
      if (policy) out.policies.push(policy);
    }
  }
  return out;
}
