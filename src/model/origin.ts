/**
 * What a browser's `Origin` header can look like, and how a configured origin string differs
 * from it. Browsers send the ASCII serialization of the origin: `scheme://host[:port]`,
 * lower-case scheme and host, no default port, no path, no trailing slash (Fetch §"Serializing
 * a request origin", semantics F4). The WHATWG URL parser built into Node does that serialization.
 */

export type SerializationProblem =
  | 'whitespace'
  | 'missing-scheme'
  | 'trailing-slash'
  | 'path'
  | 'query'
  | 'fragment'
  | 'uppercase'
  | 'default-port'
  | 'wildcard'
  | 'ipv6-unbracketed';

export interface OriginAnalysis {
  /** What a browser would send for the origin the author meant, when that can be worked out. */
  serialized: string | undefined;
  problems: SerializationProblem[];
}

const SCHEME_PREFIX = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };
const KNOWN_SCHEMES = new Set(['http', 'https']);

export function analyzeOrigin(raw: string): OriginAnalysis {
  const problems: SerializationProblem[] = [];
  if (raw === 'null' || raw === '*') return { serialized: raw, problems };
  // An empty entry names no origin (`(process.env.ALLOWED_ORIGINS || '').split(',')` gives ['']): it matches nothing, and nothing was meant.
  if (raw.trim() === '') return { serialized: undefined, problems };
  const text = raw.trim();
  if (text !== raw || /\s/.test(text)) problems.push('whitespace');
  if (!SCHEME_PREFIX.test(text)) {
    problems.push('missing-scheme');
    return { serialized: undefined, problems };
  }
  const scheme = text.slice(0, text.indexOf(':')).toLowerCase();
  if (!KNOWN_SCHEMES.has(scheme)) return { serialized: undefined, problems };
  if (text.includes('*')) {
    problems.push('wildcard');
    return { serialized: undefined, problems };
  }
  const afterScheme = text.slice(text.indexOf('://') + 3);
  const authorityEnd = afterScheme.search(/[/?#]/);
  const authority = authorityEnd === -1 ? afterScheme : afterScheme.slice(0, authorityEnd);
  let url: URL;
  try {
    url = new URL(text.replace(/\s+/g, ''));
  } catch {
    // `http://::1:3000`: an IPv6 address is written in brackets in a URL (and so in the Origin a browser sends,
    // `http://[::1]:3000`); without them the text is no URL at all. Where the port starts cannot be told.
    if (/^[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*$/.test(authority.replace(/^[^@]*@/, ''))) problems.push('ipv6-unbracketed');
    return { serialized: undefined, problems };
  }
  const rest = authorityEnd === -1 ? '' : afterScheme.slice(authorityEnd);
  if (rest === '/') problems.push('trailing-slash');
  else if (rest.startsWith('/')) problems.push('path');
  if (rest.includes('?')) problems.push('query');
  if (rest.includes('#')) problems.push('fragment');
  if (/[A-Z]/.test(text.slice(0, text.indexOf('://')) + authority.replace(/^[^@]*@/, ''))) problems.push('uppercase');
  const portMatch = /:(\d+)$/.exec(authority);
  if (portMatch && DEFAULT_PORTS[url.protocol] === String(Number(portMatch[1]))) problems.push('default-port');
  return { serialized: url.origin, problems };
}

/**
 * Problems an origin written around placeholders has whatever the placeholders hold (each may be
 * any text, even empty): a serialized origin has exactly the two slashes of `://`, no whitespace,
 * `?`, `#` or upper-case letter, and no default port.
 */
export function templateProblems(literals: string[]): SerializationProblem[] {
  const problems: SerializationProblem[] = [];
  const all = literals.join('');
  if (/\s/.test(all)) problems.push('whitespace');
  const slashes = all.split('/').length - 1;
  const last = literals[literals.length - 1] ?? '';
  // An origin never ends in '/', whatever comes before it (`${FRONTEND_URL}/`).
  if ((slashes === 3 || (literals.length > 1 && slashes < 3)) && last.endsWith('/') && !last.endsWith('//')) problems.push('trailing-slash');
  else if (slashes > 2) problems.push('path');
  if (all.includes('?')) problems.push('query');
  if (all.includes('#')) problems.push('fragment');
  if (/[A-Z]/.test(all)) problems.push('uppercase');
  const first = literals[0] ?? '';
  if ((/^https:\/\//i.test(first) && /:443$/.test(last)) || (/^http:\/\//i.test(first) && /:80$/.test(last))) problems.push('default-port');
  return problems;
}

/** The host of an origin-like string, lower-cased, or undefined when it has none. */
export function originHost(raw: string): string | undefined {
  // An IPv6 host keeps its brackets (`http://[::1]:3000` has the host `[::1]`).
  const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(\[[0-9A-Fa-f:.]*\]|[^/?#:\s[]+)/.exec(raw.trim());
  return match ? match[1].toLowerCase() : undefined;
}

/**
 * A host whose traffic never leaves the machine: loopback, and the unspecified addresses `0.0.0.0`
 * and `[::]` (a dev server bound to all interfaces prints `http://0.0.0.0:8000`; a browser that
 * opens it connects to this machine), so no network attacker can inject script into a page there.
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]' || host === '0.0.0.0' || host === '[::]';
}

export const PROBLEM_TEXT: Record<SerializationProblem, string> = {
  whitespace: 'contains whitespace',
  'missing-scheme': 'has no scheme (browsers always send `https://` or `http://`)',
  'trailing-slash': 'has a trailing slash',
  path: 'has a path',
  query: 'has a query string',
  fragment: 'has a fragment',
  uppercase: 'has upper-case letters (browsers send scheme and host in lower case)',
  'default-port': 'names the default port (browsers omit it)',
  wildcard: 'contains `*`, which is compared literally',
  'ipv6-unbracketed': 'has an IPv6 address without brackets (browsers send it as `[…]`, e.g. `http://[::1]:3000`)',
};

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*)(:?)(\/*)/;
const HTTP_MISSPELLINGS = new Set(['htp', 'htps', 'htttp', 'htttps', 'hhtp', 'hhtps', 'ttps', 'ttp', 'httsp', 'htpts', 'hptts', 'htts']);

/** `htps://`, `https:/`, `https:///`, `http//`: a scheme meant to be http(s) that is not. Returns the broken prefix. */
export function malformedScheme(value: string): string | undefined {
  const match = SCHEME.exec(value.trim());
  if (!match) return undefined;
  const [prefix, scheme, colon, slashes] = match;
  const lower = scheme.toLowerCase();
  const isHttp = lower === 'http' || lower === 'https';
  if (!isHttp && !HTTP_MISSPELLINGS.has(lower)) return undefined;
  if (isHttp && colon === ':' && slashes.length === 2) return undefined;
  if (!colon && !slashes) return undefined;
  return prefix;
}
