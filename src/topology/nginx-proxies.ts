import { parseNginx, type NginxDirective } from '../extract/nginx/parse.js';
import type { Loc } from '../model/types.js';

/** Each file is parsed once for both readers below, per lint run (keyed by the run's file map). */
const parseCache = new WeakMap<Map<string, string>, Map<string, NginxDirective[]>>();
function parsed(nginxFiles: Map<string, string>, file: string, text: string): NginxDirective[] {
  let files = parseCache.get(nginxFiles);
  if (!files) parseCache.set(nginxFiles, (files = new Map()));
  let directives = files.get(file);
  if (!directives) files.set(file, (directives = parseNginx(text, file).directives));
  return directives;
}

/** One nginx location that hands requests to an upstream, as its config states it. */
export interface ProxiedLocation {
  file: string;
  /** The `location` directive (the key the nginx extractor's policy is found by). */
  locationLoc: Loc;
  proxyPass: { url: string; loc: Loc };
  /** `host:port` pairs the request can go to (an `upstream` block's servers, or the URL's own). */
  targets: Array<{ host: string; port: number | undefined }>;
  /** Header names nginx removes from the upstream's answer (`proxy_hide_header`, `more_clear_headers`), lower case. */
  hidden: string[];
  /**
   * The path every request through this location starts with at the upstream: the URI of
   * `proxy_pass` when it has one (nginx replaces the location's prefix with it), else a prefix
   * location's own path; undefined for a regex location or a computed URI.
   */
  upstreamPrefix: string | undefined;
  /** One of several `proxy_pass` lines of the location (one inside an `if`): which one serves a request is asked of the location's policy. */
  conditional: boolean;
}

/**
 * Reads `proxy_pass` targets and the headers nginx hides from the upstream. Its own small walk
 * over the parse tree: topology only needs three directives, not the rewrite-phase evaluator.
 */
export function proxiedLocations(nginxFiles: Map<string, string>): ProxiedLocation[] {
  const upstreams = new Map<string, Array<{ host: string; port: number | undefined }>>();
  const found: Array<Omit<ProxiedLocation, 'targets'> & { host: string; port: number | undefined }> = [];
  for (const [file, text] of nginxFiles) {
    if (!text.includes('proxy_pass')) continue;
    const directives = parsed(nginxFiles, file, text);
    const literals = literalUrlVariables(directives);
    walk(directives, [], (directive, hiddenAbove) => {
      if (directive.name === 'upstream' && directive.block) {
        const name = directive.args[0]?.value;
        if (!name) return;
        const servers = directive.block.filter((d) => d.name === 'server').map((d) => hostPort(d.args[0]?.value ?? ''));
        upstreams.set(name, servers.filter((s): s is { host: string; port: number | undefined } => s !== undefined));
        return;
      }
      if (directive.name !== 'location' || !directive.block) return;
      const own = hiddenHere(directive.block);
      const hidden = own.length > 0 ? own : hiddenAbove;
      // `if (…) { proxy_pass …; }`: the request goes there when the condition holds (nginx allows no URI part in it).
      const passes = [{ block: directive.block, hidden }, ...directive.block.filter((d) => d.name === 'if' && d.block).map((d) => ({ block: d.block!, hidden: hiddenHere(d.block!).length > 0 ? hiddenHere(d.block!) : hidden }))]
        .map(({ block, hidden }) => ({ proxy: block.find((d) => d.name === 'proxy_pass' && d.args.length === 1), hidden }))
        .filter((pass): pass is { proxy: NginxDirective; hidden: string[] } => pass.proxy !== undefined);
      for (const { proxy, hidden } of passes) {
        // `set $upstream http://api:3000; proxy_pass $upstream;` (re-resolving Docker DNS): the one literal URL the variable holds.
        const url = literals.get(/^\$(\w+)$/.exec(proxy.args[0].value)?.[1] ?? '') ?? proxy.args[0].value;
        const match = /^https?:\/\/([^/$]+)/i.exec(url);
        if (!match) continue;
        const target = hostPort(match[1]);
        if (!target) continue;
        found.push({ file, locationLoc: directive.loc, proxyPass: { url, loc: proxy.loc }, hidden, upstreamPrefix: upstreamPrefix(directive, url), conditional: passes.length > 1 || passes[0].proxy !== directive.block.find((d) => d.name === 'proxy_pass' && d.args.length === 1), ...target });
      }
    });
  }
  return found.map(({ host, port, ...rest }) => ({ ...rest, targets: port === undefined && upstreams.has(host) ? upstreams.get(host)! : [{ host, port }] }));
}

function upstreamPrefix(location: NginxDirective, url: string): string | undefined {
  const uri = /^https?:\/\/[^/]*(\/.*)?$/i.exec(url)?.[1];
  if (uri !== undefined) return uri.includes('$') ? undefined : uri;
  const args = location.args.map((arg) => arg.value);
  const modifier = args.length > 1 ? args[0] : '';
  if (modifier === '' || modifier === '^~' || modifier === '=') return args.at(-1);
  // A case-sensitive regex anchored at the start: every path it matches begins with its literal lead (`~ ^/api/` → '/api/').
  if (modifier === '~') return /^\^(\/[A-Za-z0-9_/-]*)/.exec(args.at(-1) ?? '')?.[1];
  return undefined;
}

/**
 * Variables the file sets exactly once, outside any `if`, to a literal `http(s)://host[:port]` URL
 * (no URI part: nginx then passes the request's URI as it does for a literal URL without one), and
 * that no `map`, `set` in an `if`, or regex capture can change.
 */
function literalUrlVariables(directives: NginxDirective[]): Map<string, string> {
  const sets = new Map<string, { value: string; inIf: boolean }[]>();
  const mapped = new Set<string>();
  const stack: Array<{ list: NginxDirective[]; inIf: boolean }> = [{ list: directives, inIf: false }];
  while (stack.length > 0) {
    const { list, inIf } = stack.pop()!;
    for (const directive of list) {
      if (directive.name === 'set' && directive.args.length === 2) {
        const name = /^\$(\w+)$/.exec(directive.args[0].value)?.[1];
        if (name) sets.set(name, [...(sets.get(name) ?? []), { value: directive.args[1].value, inIf }]);
      }
      if ((directive.name === 'map' || directive.name === 'geo' || directive.name === 'split_clients') && directive.args.length >= 2) mapped.add(directive.args.at(-1)!.value.replace(/^\$/, ''));
      if (directive.block && directive.name !== 'upstream') stack.push({ list: directive.block, inIf: inIf || directive.name === 'if' });
    }
  }
  const out = new Map<string, string>();
  for (const [name, values] of sets) {
    if (values.length !== 1 || values[0].inIf || mapped.has(name) || /^\d+$/.test(name)) continue;
    if (/^https?:\/\/[A-Za-z0-9_.-]+(?::\d+)?$/i.test(values[0].value)) out.set(name, values[0].value);
  }
  return out;
}

/** `proxy_hide_header` is inherited like `add_header`: only by a level that has none of its own. */
function walk(directives: NginxDirective[], hiddenAbove: string[], visit: (directive: NginxDirective, hiddenAbove: string[]) => void): void {
  const stack: Array<{ list: NginxDirective[]; hidden: string[] }> = [{ list: directives, hidden: hiddenAbove }];
  while (stack.length > 0) {
    const { list, hidden } = stack.pop()!;
    const own = hiddenHere(list);
    const inherited = own.length > 0 ? own : hidden;
    for (const directive of list) {
      visit(directive, inherited);
      if (directive.block && directive.name !== 'upstream') stack.push({ list: directive.block, hidden: inherited });
    }
  }
}

function hiddenHere(list: NginxDirective[]): string[] {
  const names: string[] = [];
  for (const directive of list) {
    if (directive.name === 'proxy_hide_header' && directive.args[0]) names.push(directive.args[0].value.toLowerCase());
    // headers-more: `more_clear_headers 'Access-Control-*'` clears upstream headers too.
    if (directive.name === 'more_clear_headers') {
      for (const arg of directive.args) if (!arg.value.startsWith('-')) names.push(arg.value.toLowerCase());
    }
  }
  return names;
}

function hostPort(text: string): { host: string; port: number | undefined } | undefined {
  const match = /^([A-Za-z0-9_.-]+)(?::(\d+))?$/.exec(text.trim());
  if (!match) return undefined;
  return { host: match[1].toLowerCase(), port: match[2] ? Number(match[2]) : undefined };
}

/** Every `location` with the names and ports of its server, to find which one answers a URL. */
export interface NginxLocation {
  file: string;
  locationLoc: Loc;
  /** `= /x`, `/x`, `^~ /x`; regex locations have `regex` set. */
  path: string;
  exact: boolean;
  regex: boolean;
  serverNames: string[];
  listenPorts: number[];
  serverLoc: Loc;
}

/**
 * Every location of every server (in file order), or with `host` (a URL's host name: lower case,
 * ASCII) only those of files that may name it, a superset of the locations whose `serverNames`
 * include it. Parsing every nginx file of a large repository for one frontend URL was most of
 * the topology's cost (2,877 files on the bench's synthetic tree).
 */
export function nginxLocations(nginxFiles: Map<string, string>, host?: string): NginxLocation[] {
  const out: NginxLocation[] = [];
  for (const [file, text] of nginxFiles) {
    if (!/\bserver_name\b/.test(text) || !/\blocation\b/.test(text)) continue;
    if (host !== undefined && !mayName(text, host)) continue;
    const directives = parsed(nginxFiles, file, text);
    const stack: NginxDirective[][] = [directives];
    while (stack.length > 0) {
      for (const directive of stack.pop()!) {
        if (!directive.block) continue;
        if (directive.name !== 'server') {
          if (directive.name === 'http') stack.push(directive.block);
          continue;
        }
        const serverNames = directive.block.filter((d) => d.name === 'server_name').flatMap((d) => d.args.map((a) => a.value.toLowerCase()));
        const listenPorts = directive.block.filter((d) => d.name === 'listen').map((d) => Number(/(?:^|:)(\d+)$/.exec(d.args[0]?.value ?? '')?.[1])).filter(Number.isInteger);
        for (const location of directive.block.filter((d) => d.name === 'location' && d.block)) {
          const args = location.args.map((a) => a.value);
          const modifier = args.length > 1 ? args[0] : '';
          out.push({
            file,
            locationLoc: location.loc,
            path: args.at(-1) ?? '',
            exact: modifier === '=',
            regex: modifier === '~' || modifier === '~*',
            serverNames,
            listenPorts,
            serverLoc: directive.loc,
          });
        }
      }
    }
  }
  return out;
}

/**
 * Whether a server name of this file can be `host`. A name is the text of its token (between the
 * quotes of a quoted one) unless the file has a backslash (an escape); `serverNames` lower-cases it,
 * and lower-casing maps code point by code point (Greek sigma, the one exception, never maps to
 * ASCII), so a name equal to an ASCII host is in the lower-cased text.
 */
function mayName(text: string, host: string): boolean {
  return text.includes('\\') || text.toLowerCase().includes(host);
}
