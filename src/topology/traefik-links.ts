import type { Node as YamlNode } from 'yaml';
import { lineStartsOf, offsetsToLoc } from '../extract/offsets.js';
import { parseTomlAsYaml } from '../extract/toml.js';
import { entries, get, isMap, isSeq, nodeLoc, parseYamlDocument, valueOf } from '../extract/yaml/parse.js';
import type { CorsPolicy, Loc } from '../model/types.js';
import { isComposeFile, type ComposeService } from './compose.js';

/**
 * One Traefik router in front of code of the repository: the CORS headers middleware it runs
 * (`undefined`: none of its middlewares sets CORS headers), where it sends requests, and the path
 * they keep. A router whose middlewares cannot all be read (one defined in another provider or
 * file, two CORS middlewares) is `unknown`: the app behind it stays judged on its own.
 */
export interface TraefikRoute {
  file: string;
  router: { name: string; loc: Loc };
  middleware: CorsPolicy | undefined | 'unknown';
  /** The Compose service the router reaches: labels on the service itself, or a file provider's `loadBalancer` URL host. */
  target: { service: ComposeService; port: number | undefined } | { host: string; port: number | undefined };
  /** The path every request through the router starts with at the app; undefined when not known. */
  prefix: string | undefined;
}

export const PATH_MIDDLEWARES = /^(stripprefix|stripprefixregex|replacepath|replacepathregex|addprefix)$/i;
const TRAEFIK_PROFILES = new Set(['traefik', 'traefik-custom-headers']);

/** The middleware name a Traefik policy was read from (`middleware cors (labels) customResponseHeaders` → `cors`). */
function middlewareName(policy: CorsPolicy): { name: string; labels: boolean } | undefined {
  const match = /^middleware (\S+)( \(labels\))?(?: customResponseHeaders)?$/.exec(policy.scope.label);
  return match ? { name: match[1], labels: match[2] !== undefined } : undefined;
}

/** `cors`, `cors@docker` → `cors`; another provider's name → undefined. */
function localName(name: string, provider: string): string | undefined {
  const at = name.indexOf('@');
  if (at === -1) return name;
  return name.slice(at + 1).toLowerCase() === provider ? name.slice(0, at) : undefined;
}

/**
 * What a router rule says about the path: `PathPrefix(`/api`)` or `Path(`/api`)` once → that
 * path; no path matcher (`Host(...)` alone) → every path; anything else (regexes, `||`, several
 * matchers) → not known.
 */
export function rulePrefix(rule: string | undefined): string | undefined {
  if (rule === undefined) return undefined;
  const paths = [...rule.matchAll(/\b(Path|PathPrefix|PathRegexp|PathPrefixRegexp)\s*\(/g)];
  if (paths.length === 0) return /\|\||!/.test(rule) ? undefined : '/';
  if (paths.length > 1 || /\|\||!/.test(rule)) return undefined;
  const literal = /\b(?:Path|PathPrefix)\s*\(\s*[`"']([^`"',]*)[`"']\s*\)/.exec(rule);
  return literal && /^\/[\w./-]*$/.test(literal[1]) ? literal[1] : undefined;
}

/**
 * The middlewares of a router, judged: the one CORS headers policy among them, 'unknown' when one
 * of them is not defined where this provider reads it (or two set CORS headers), and whether one
 * of them rewrites the path.
 */
function judgeMiddlewares(names: string[], provider: string, policies: Map<string, CorsPolicy>, defined: Map<string, Set<string>>): { middleware: CorsPolicy | undefined | 'unknown'; rewritesPath: boolean } {
  let found: CorsPolicy | undefined;
  let rewritesPath = false;
  for (const raw of names) {
    const name = localName(raw.trim(), provider);
    if (name === undefined || !defined.has(name)) return { middleware: 'unknown', rewritesPath: true };
    if ([...defined.get(name)!].some((kind) => PATH_MIDDLEWARES.test(kind))) rewritesPath = true;
    // A chain middleware names others: not followed.
    if ([...defined.get(name)!].some((kind) => /^chain$/i.test(kind))) return { middleware: 'unknown', rewritesPath: true };
    const policy = policies.get(name);
    if (!policy) continue;
    if (found && found !== policy) return { middleware: 'unknown', rewritesPath };
    found = policy;
  }
  return { middleware: found, rewritesPath };
}

interface LabelSet {
  pairs: Array<{ key: string; value: string; loc: Loc }>;
}

/** A Compose service's labels as `key=value` pairs (list form) or a mapping. */
function labelsOf(service: unknown, locOf: (node: unknown) => Loc): LabelSet {
  const pairs: LabelSet['pairs'] = [];
  for (const labels of [get(service, 'labels'), get(service, 'deploy', 'labels')]) {
    if (isSeq(labels)) {
      for (const item of labels.items) {
        const scalar = valueOf(item as YamlNode);
        if (scalar.kind !== 'string' || !scalar.value.includes('=')) continue;
        const at = scalar.value.indexOf('=');
        pairs.push({ key: scalar.value.slice(0, at).trim(), value: scalar.value.slice(at + 1).trim(), loc: locOf(item) });
      }
    } else {
      for (const entry of entries(labels)) {
        const scalar = valueOf(entry.value);
        const value = scalar.kind === 'string' ? scalar.value : scalar.kind === 'bool' || scalar.kind === 'number' ? String(scalar.value) : undefined;
        if (value !== undefined) pairs.push({ key: entry.key.trim(), value: value.trim(), loc: locOf(entry.keyNode) });
      }
    }
  }
  return { pairs };
}

/**
 * Routers of Traefik's Docker provider, from the labels of Compose services built from the
 * repository: a router defined on a service's own labels sends its requests to that service's
 * container (unless it names another service). Middlewares live in one namespace for the whole
 * provider, so one defined on any service of the Compose file counts.
 */
function labelRoutes(file: string, text: string, composeServices: readonly ComposeService[], policies: CorsPolicy[]): TraefikRoute[] {
  const parsed = parseYamlDocument(text, { strict: false, logLevel: 'silent', uniqueKeys: false });
  if (!('doc' in parsed) || parsed.doc.errors.length > 0) return [];
  const root = parsed.doc.contents;
  const lineStarts = lineStartsOf(text);
  const locOf = (node: unknown): Loc => {
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? offsetsToLoc(file, lineStarts, range[0], range[1]) : offsetsToLoc(file, lineStarts, 0, 0);
  };
  const services = entries(get(root, 'services')).map(({ key, value }) => ({ name: key.toLowerCase(), labels: labelsOf(value, locOf) }));
  // Middlewares by name, with what kind each is (`headers`, `stripprefix`, …), over every service of the file.
  const defined = new Map<string, Set<string>>();
  for (const { labels } of services) {
    for (const { key } of labels.pairs) {
      const match = /^traefik\.http\.middlewares\.([^.]+)\.([^.]+)/i.exec(key);
      if (!match) continue;
      const kinds = defined.get(match[1]) ?? new Set<string>();
      kinds.add(match[2].toLowerCase());
      defined.set(match[1], kinds);
    }
  }
  const byName = new Map<string, CorsPolicy>();
  for (const policy of policies) {
    const name = policy.source.file === file ? middlewareName(policy) : undefined;
    if (name?.labels) {
      // Two policies for one name (labels on two services that disagree): not decided.
      if (byName.has(name.name)) defined.set(name.name, new Set(['chain']));
      else byName.set(name.name, policy);
    }
  }
  const exposedByDefault = !/exposedbydefault[=:\s"']*false/i.test(text);
  const out: TraefikRoute[] = [];
  for (const { name, labels } of services) {
    const built = composeServices.find((service) => service.composeFile === file && service.name === name);
    if (!built) continue;
    const label = (key: string) => labels.pairs.find((pair) => pair.key.toLowerCase() === key.toLowerCase());
    const enable = label('traefik.enable')?.value.toLowerCase();
    if (enable !== undefined ? enable !== 'true' : !exposedByDefault) continue;
    const own = new Map<string, number | undefined>();
    for (const { key, value } of labels.pairs) {
      const match = /^traefik\.http\.services\.([^.]+)\.loadbalancer\.server\.port$/i.exec(key);
      if (match) own.set(match[1], /^\d{1,5}$/.test(value) ? Number(value) : undefined);
      else if (/^traefik\.http\.services\.([^.]+)\./i.test(key)) {
        const service = /^traefik\.http\.services\.([^.]+)\./i.exec(key)![1];
        if (!own.has(service)) own.set(service, undefined);
      }
    }
    const routers = new Map<string, { rule?: string; middlewares?: string; service?: string; loc: Loc }>();
    for (const { key, value, loc } of labels.pairs) {
      const match = /^traefik\.http\.routers\.([^.]+)\.(rule|middlewares|service)$/i.exec(key);
      if (!match) continue;
      const router = routers.get(match[1]) ?? { loc };
      router[match[2].toLowerCase() as 'rule' | 'middlewares' | 'service'] = value;
      routers.set(match[1], router);
    }
    for (const [routerName, router] of routers) {
      let port: number | undefined;
      if (router.service !== undefined) {
        const service = localName(router.service, 'docker');
        // A router that sends its requests to another container's (or provider's) service is not this app's route.
        if (service === undefined || !own.has(service)) continue;
        port = own.get(service);
      } else {
        if (own.size > 1) continue;
        port = [...own.values()][0];
      }
      const { middleware, rewritesPath } = judgeMiddlewares(router.middlewares ? router.middlewares.split(',').filter((item) => item.trim() !== '') : [], 'docker', byName, defined);
      out.push({ file, router: { name: routerName, loc: router.loc }, middleware, target: { service: built, port }, prefix: rewritesPath ? undefined : rulePrefix(router.rule) });
    }
  }
  return out;
}

/**
 * Routers of Traefik's file provider (YAML or TOML dynamic configuration): `http.routers.<name>`
 * with its `service`'s `loadBalancer.servers` URLs. Only middlewares defined in the same file are
 * read (the provider may merge a whole folder; a name found nowhere here is unknown).
 */
function fileRoutes(file: string, root: unknown, locOf: (node: unknown) => Loc, policies: CorsPolicy[]): TraefikRoute[] {
  const http = get(root, 'http');
  if (!isMap(http)) return [];
  const defined = new Map<string, Set<string>>();
  for (const { key, value } of entries(get(http, 'middlewares'))) defined.set(key, new Set(entries(value).map((entry) => entry.key.toLowerCase())));
  const byName = new Map<string, CorsPolicy>();
  for (const policy of policies) {
    const name = policy.source.file === file ? middlewareName(policy) : undefined;
    if (name && !name.labels) byName.set(name.name, policy);
  }
  const servers = new Map<string, Array<{ host: string; port: number | undefined }> | undefined>();
  for (const { key, value } of entries(get(http, 'services'))) {
    const list = get(value, 'loadBalancer', 'servers');
    const targets = isSeq(list) ? list.items.map((item) => serverTarget(valueOf(get(item, 'url')))) : [];
    servers.set(key, targets.length > 0 && targets.every((target) => target !== undefined) ? (targets as Array<{ host: string; port: number | undefined }>) : undefined);
  }
  const out: TraefikRoute[] = [];
  for (const { key: routerName, keyNode, value: router } of entries(get(http, 'routers'))) {
    const service = valueOf(get(router, 'service'));
    const local = service.kind === 'string' ? localName(service.value, 'file') : undefined;
    const targets = local !== undefined ? servers.get(local) : undefined;
    if (!targets) continue;
    const listed = get(router, 'middlewares');
    const names = isSeq(listed) ? listed.items.map((item) => valueOf(item as YamlNode)) : [];
    if (listed !== undefined && listed !== null && (!isSeq(listed) || names.some((name) => name.kind !== 'string'))) continue;
    const { middleware, rewritesPath } = judgeMiddlewares(names.map((name) => (name.kind === 'string' ? name.value : '')), 'file', byName, defined);
    const rule = valueOf(get(router, 'rule'));
    const prefix = rewritesPath ? undefined : rulePrefix(rule.kind === 'string' ? rule.value : undefined);
    for (const target of targets) out.push({ file, router: { name: routerName, loc: locOf(keyNode) }, middleware, target, prefix });
  }
  return out;
}

function serverTarget(url: ReturnType<typeof valueOf>): { host: string; port: number | undefined } | undefined {
  if (url.kind !== 'string') return undefined;
  const match = /^(https?):\/\/([A-Za-z0-9_.-]+)(?::(\d{1,5}))?\/?$/i.exec(url.value.trim());
  if (!match) return undefined;
  return { host: match[2].toLowerCase(), port: match[3] ? Number(match[3]) : match[1].toLowerCase() === 'https' ? 443 : 80 };
}

/**
 * Traefik routers of the run that lead to code of the repository: the Docker provider's labels in
 * Compose files, and the file provider's dynamic configuration (YAML, TOML) that holds a CORS
 * middleware. Read only from files that carry an extracted Traefik policy.
 */
export function traefikRoutes(texts: Map<string, string>, composeServices: readonly ComposeService[], policies: CorsPolicy[]): TraefikRoute[] {
  const traefik = policies.filter((policy) => TRAEFIK_PROFILES.has(policy.profile.id));
  const files = [...new Set(traefik.map((policy) => policy.source.file))].sort();
  const out: TraefikRoute[] = [];
  for (const file of files) {
    const text = texts.get(file);
    if (text === undefined) continue;
    if (isComposeFile(file)) {
      if (/traefik\.http\.routers\./i.test(text)) out.push(...labelRoutes(file, text, composeServices, traefik));
      continue;
    }
    if (!/routers/.test(text)) continue;
    if (/\.toml$/i.test(file)) {
      const read = parseTomlAsYaml({ path: file, text }, 'toml');
      if ('error' in read) continue;
      out.push(...fileRoutes(file, read.root, (node) => nodeLoc(read.parsed, node as YamlNode), traefik));
      continue;
    }
    const parsed = parseYamlDocument(text, { strict: false, logLevel: 'silent', uniqueKeys: false });
    if (!('doc' in parsed) || parsed.doc.errors.length > 0) continue;
    const lineStarts = lineStartsOf(text);
    out.push(
      ...fileRoutes(file, parsed.doc.contents, (node) => {
        const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
        return range ? offsetsToLoc(file, lineStarts, range[0], range[1]) : offsetsToLoc(file, lineStarts, 0, 0);
      }, traefik),
    );
  }
  return out;
}

