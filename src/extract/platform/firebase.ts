import { firebaseHeadersProfile } from '../../model/frameworks/platform.js';
import type { SourceFile } from '../../model/types.js';
import { isMap, pairOf } from '../yaml/parse.js';
import { routeHeaderPolicy } from './route-headers.js';
import { items, keyValueHeaders, openPlatformJson, type PlatformPolicies } from './vercel.js';

/**
 * `firebase.json`: each Hosting site's `headers` (`{ source | glob | regex, headers: [{ key, value }] }`)
 * adds those headers to the site's responses on matching paths, whatever the request (Firebase
 * Hosting, one site or a list of them). Read like vercel.json: `JSON.parse` first (Firebase refuses
 * anything else), then the YAML reader for a position on every value.
 */
export function readFirebaseConfig(file: SourceFile): PlatformPolicies {
  const opened = openPlatformJson(file, 'the Firebase CLI refuses to deploy it');
  if ('done' in opened) return opened.done;
  const out: PlatformPolicies = { policies: [], errors: [] };
  const { json } = opened;
  const { root, loc, str } = json;
  const hosting = pairOf(root, 'hosting')?.value;
  const sites = isMap(hosting) ? [hosting] : items(hosting);
  for (const site of sites) {
    for (const entry of items(pairOf(site, 'headers')?.value)) {
      if (!isMap(entry)) continue;
      const sourceNode = pairOf(entry, 'source')?.value ?? pairOf(entry, 'glob')?.value ?? pairOf(entry, 'regex')?.value;
      const headers = keyValueHeaders(entry, json);
      const policy = routeHeaderPolicy({ file: file.path, format: 'json', profile: firebaseHeadersProfile, path: str(sourceNode), sourceLoc: loc(sourceNode ?? entry), headers });
      if (policy) out.policies.push(policy);
    }
  }
  return out;
}
