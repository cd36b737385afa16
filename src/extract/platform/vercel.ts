import type { Node as YamlNode, Scalar } from 'yaml';
import { vercelHeadersProfile } from '../../model/frameworks/platform.js';
import type { CorsPolicy, Loc, SourceFile } from '../../model/types.js';
import { lineStartsOf, offsetsToLoc } from '../offsets.js';
import { jsonSyntaxError } from '../yaml/json.js';
import { isMap, isScalar, isSeq, MAX_YAML_DEPTH, pairOf, tooDeep, yaml } from '../yaml/parse.js';
import { routeHeaderPolicy, type RouteHeader } from './route-headers.js';

/** A path rule of a platform config that forwards to another URL (a proxy) rather than answering. */
export interface PlatformRewrite {
  file: string;
  /** The path pattern as written. */
  source: string;
  destination: string;
  loc: Loc;
}

export interface VercelConfig {
  policies: CorsPolicy[];
  rewrites: PlatformRewrite[];
  errors: Array<{ message: string; loc: Loc }>;
}

/**
 * `vercel.json`: `headers` (`{ source, headers: [{ key, value }] }`) and the older `routes`
 * (`{ src, headers: { name: value } }`) are CORS layers in front of the deployment; `rewrites` (and
 * `routes` with a `dest` URL) forward a path to another origin. JSON is read with the YAML reader
 * (JSON is YAML's flow syntax) for a position on every value, after `JSON.parse` has said it is JSON.
 * A rule with `has`/`missing` conditions applies only to some requests: it is left out.
 */
export function readVercelConfig(file: SourceFile): VercelConfig {
  const out: VercelConfig = { policies: [], rewrites: [], errors: [] };
  const json = readPlatformJson(file, 'Vercel refuses to deploy it');
  if ('error' in json) {
    if (json.error) out.errors.push(json.error);
    return out;
  }
  const { root, loc, str, text } = json;
  for (const entry of items(pairOf(root, 'headers')?.value)) {
    if (!isMap(entry) || pairOf(entry, 'has') || pairOf(entry, 'missing')) continue;
    const sourceNode = pairOf(entry, 'source')?.value;
    const headers = keyValueHeaders(entry, json);
    const policy = routeHeaderPolicy({ file: file.path, format: 'json', profile: vercelHeadersProfile, path: str(sourceNode), sourceLoc: loc(sourceNode ?? entry), headers });
    if (policy) out.policies.push(policy);
  }
  for (const route of items(pairOf(root, 'routes')?.value)) {
    if (!isMap(route) || pairOf(route, 'has') || pairOf(route, 'missing')) continue;
    const srcNode = pairOf(route, 'src')?.value;
    const headersNode = pairOf(route, 'headers')?.value;
    if (isMap(headersNode)) {
      const headers: RouteHeader[] = [];
      for (const pair of headersNode.items) {
        const name = str(pair.key);
        if (name === undefined || !isScalar(pair.value)) continue;
        headers.push(routeHeader(name, pair.value, loc({ range: [(pair.key as Scalar).range![0], (pair.value as Scalar).range![1], 0] }), loc(pair.value), text));
      }
      const policy = routeHeaderPolicy({ file: file.path, format: 'json', profile: vercelHeadersProfile, path: str(srcNode), sourceLoc: loc(srcNode ?? route), headers });
      if (policy) out.policies.push(policy);
    }
    const dest = str(pairOf(route, 'dest')?.value);
    if (dest !== undefined && /^https?:\/\//i.test(dest) && str(srcNode) !== undefined) out.rewrites.push({ file: file.path, source: str(srcNode)!, destination: dest, loc: loc(pairOf(route, 'dest')!.value) });
  }
  for (const rewrite of items(pairOf(root, 'rewrites')?.value)) {
    if (!isMap(rewrite) || pairOf(rewrite, 'has') || pairOf(rewrite, 'missing')) continue;
    const source = str(pairOf(rewrite, 'source')?.value);
    const destinationNode = pairOf(rewrite, 'destination')?.value;
    const destination = str(destinationNode);
    if (source !== undefined && destination !== undefined) out.rewrites.push({ file: file.path, source, destination, loc: loc(destinationNode) });
  }
  return out;
}

/** What a platform config reader gives: its policies and the file's one parse-error, if any. */
export interface PlatformPolicies {
  policies: CorsPolicy[];
  errors: Array<{ message: string; loc: Loc }>;
}

/**
 * readPlatformJson for a reader that only gives policies: the parsed file, or the result to return
 * at once (with the parse-error, when the platform would refuse the file).
 */
export function openPlatformJson(file: SourceFile, refusal: string): { json: Extract<PlatformJson, { root: unknown }> } | { done: PlatformPolicies } {
  const json = readPlatformJson(file, refusal);
  if ('error' in json) return { done: { policies: [], errors: json.error ? [json.error] : [] } };
  return { json };
}

/** A platform's JSON config with a position for every value, or why it is not read (`error` undefined: too deep or not YAML-readable, nothing to say). */
export type PlatformJson =
  | { root: unknown; text: string; loc: (node: unknown) => Loc; str: (node: unknown) => string | undefined }
  | { error: { message: string; loc: Loc } | undefined };

/**
 * `JSON.parse` decides whether the file is JSON (the platform refuses anything else: one
 * parse-error, at the position the parser names); the YAML reader then gives every value its range.
 */
export function readPlatformJson(file: SourceFile, refusal: string): PlatformJson {
  const invalid = jsonSyntaxError(file, refusal);
  if (invalid) return { error: invalid };
  const text = file.text.replace(/^\uFEFF/, ' ');
  const lineStarts = lineStartsOf(text);
  if (tooDeep(text, MAX_YAML_DEPTH) !== undefined) return { error: undefined };
  const doc = yaml().parseDocument(text, { strict: false, logLevel: 'silent', uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) return { error: undefined };
  const loc = (node: unknown): Loc => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    return range ? offsetsToLoc(file.path, lineStarts, range[0], range[1]) : offsetsToLoc(file.path, lineStarts, 0, 0);
  };
  const str = (node: unknown): string | undefined => (isScalar(node) && typeof node.value === 'string' ? node.value : undefined);
  return { root: doc.contents, text, loc, str };
}

/** An entry's `headers: [{ "key": …, "value": … }]` list, as vercel.json and firebase.json write it. */
export function keyValueHeaders(entry: unknown, json: Extract<PlatformJson, { root: unknown }>): RouteHeader[] {
  const headers: RouteHeader[] = [];
  for (const header of items(pairOf(entry, 'headers')?.value)) {
    const name = json.str(pairOf(header, 'key')?.value);
    const valueNode = pairOf(header, 'value')?.value;
    if (name === undefined || !isScalar(valueNode)) continue;
    headers.push(routeHeader(name, valueNode, json.loc(header), json.loc(valueNode), json.text));
  }
  return headers;
}

export function items(node: unknown): YamlNode[] {
  return isSeq(node) ? (node.items.filter((item) => item !== null) as YamlNode[]) : [];
}

export function routeHeader(name: string, valueNode: Scalar, entryLoc: Loc, valueLoc: Loc, text: string): RouteHeader {
  const value = typeof valueNode.value === 'string' ? valueNode.value : typeof valueNode.value === 'number' || typeof valueNode.value === 'boolean' ? String(valueNode.value) : null;
  const range = valueNode.range!;
  return { name, value, rawValue: text.slice(range[0], Math.min(range[1], range[0] + 200)), loc: entryLoc, valueLoc };
}
