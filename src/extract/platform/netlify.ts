import { netlifyHeadersProfile } from '../../model/frameworks/platform.js';
import type { Loc, SourceFile } from '../../model/types.js';
import { lineStartsOf, offsetsToLoc } from '../offsets.js';
import { routeHeaderPolicy, type RouteHeader } from './route-headers.js';
import type { PlatformRewrite, VercelConfig } from './vercel.js';
import { toml, tooDeepAt, tooDeepMessage, type TomlContent, type TomlKeyValue, type TomlModule, type TomlTable } from '../toml.js';

/**
 * `netlify.toml`: each `[[headers]]` (`for` + `[headers.values]`) is a CORS layer of the deployment
 * when it sets Access-Control-* headers; a `[[redirects]]` with `status = 200` to an absolute URL is a
 * proxy (a rewrite), the path then same-origin for the browser.
 */
export function readNetlifyConfig(file: SourceFile): VercelConfig {
  const out: VercelConfig = { policies: [], rewrites: [], errors: [] };
  const text = file.text;
  const lineStarts = lineStartsOf(text);
  const loc = (node: { range: [number, number] }): Loc => offsetsToLoc(file.path, lineStarts, node.range[0], node.range[1]);
  const deep = tooDeepAt(text);
  if (deep !== undefined) {
    out.errors.push({ message: tooDeepMessage(), loc: offsetsToLoc(file.path, lineStarts, deep, deep + 1) });
    return out;
  }
  let program: ReturnType<TomlModule['parseTOML']>;
  try {
    program = toml().parseTOML(text.replace(/^\uFEFF/, ' '));
  } catch (error) {
    const at = typeof (error as { index?: unknown }).index === 'number' ? Math.min((error as { index: number }).index, text.length) : 0;
    out.errors.push({ message: `netlify.toml is not valid TOML (${String((error as Error).message).slice(0, 120)}); Netlify refuses to deploy it`, loc: offsetsToLoc(file.path, lineStarts, at, Math.min(at + 1, text.length)) });
    return out;
  }
  // Every key/value with its full path (`headers.0.values.Access-Control-Allow-Origin`), inline tables and tables of arrays unfolded.
  const entries: Array<{ path: Array<string | number>; pair: TomlKeyValue }> = [];
  const visit = (base: Array<string | number>, pairs: TomlKeyValue[]) => {
    for (const pair of pairs) {
      const path = [...base, ...pair.key.keys.map((part) => part.name ?? part.value ?? '')];
      entries.push({ path, pair });
      if (pair.value.type === 'TOMLInlineTable') visit(path, pair.value.body ?? []);
      if (pair.value.type === 'TOMLArray') pair.value.elements?.forEach((element, index) => element.type === 'TOMLInlineTable' && visit([...path, index], element.body ?? []));
    }
  };
  for (const top of program.body) {
    for (const node of top.body) {
      if (node.type === 'TOMLTable') visit((node as TomlTable).resolvedKey, (node as TomlTable).body);
      else visit([], [node as TomlKeyValue]);
    }
  }
  const groups = (section: string) => {
    const byIndex = new Map<number, Array<{ rest: Array<string | number>; pair: TomlKeyValue }>>();
    for (const { path, pair } of entries) {
      if (path[0] !== section || typeof path[1] !== 'number') continue;
      byIndex.set(path[1], [...(byIndex.get(path[1]) ?? []), { rest: path.slice(2), pair }]);
    }
    return [...byIndex.values()];
  };
  const stringOf = (node: TomlContent) => (node.type === 'TOMLValue' && node.kind === 'string' && typeof node.value === 'string' ? node.value : undefined);
  for (const group of groups('headers')) {
    const forPair = group.find(({ rest }) => rest.length === 1 && rest[0] === 'for')?.pair;
    const headers: RouteHeader[] = [];
    for (const { rest, pair } of group) {
      if (rest.length !== 2 || rest[0] !== 'values' || typeof rest[1] !== 'string') continue;
      const value = stringOf(pair.value);
      headers.push({ name: rest[1], value: value === undefined ? null : value.replace(/\s*\n\s*/g, ' ').trim(), rawValue: text.slice(pair.value.range[0], Math.min(pair.value.range[1], pair.value.range[0] + 200)), loc: loc(pair), valueLoc: loc(pair.value) });
    }
    const path = forPair ? stringOf(forPair.value) : undefined;
    const policy = routeHeaderPolicy({ file: file.path, format: 'toml', profile: netlifyHeadersProfile, path, sourceLoc: forPair ? loc(forPair.value) : headers[0]?.loc ?? offsetsToLoc(file.path, lineStarts, 0, 0), headers });
    // Conditions (`[headers.conditions]`-style keys) would make the headers apply to some requests only.
    if (policy && !group.some(({ rest }) => rest[0] === 'conditions')) out.policies.push(policy);
  }
  for (const group of groups('redirects')) {
    const field = (name: string) => group.find(({ rest }) => rest.length === 1 && rest[0] === name)?.pair;
    const from = field('from');
    const to = field('to');
    const status = field('status');
    const source = from && stringOf(from.value);
    const destination = to && stringOf(to.value);
    // Only status 200 is a rewrite (proxy); 301/302 send the browser to the other origin, where CORS applies again.
    const isRewrite = status?.value.type === 'TOMLValue' && status.value.value === 200;
    if (source !== undefined && destination !== undefined && isRewrite && !group.some(({ rest }) => rest[0] === 'conditions')) {
      out.rewrites.push({ file: file.path, source, destination, loc: loc(to!.value) } satisfies PlatformRewrite);
    }
  }
  return out;
}
