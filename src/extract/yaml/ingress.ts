import type { Node as YamlNode } from 'yaml';
import { ingressNginxProfile, ingressNginxProgram, type IngressCorsValues } from '../../model/frameworks/ingress-nginx.js';
import { respond } from '../../model/respond.js';
import { mergeUncertainty } from '../../model/uncertainty.js';
import type { CorsPolicy, HeaderProgram, Loc, OriginMatcher, ResponseHeader } from '../../model/types.js';
import { nginxInScalar } from './embedded-nginx.js';
import { entries, get, isMap, isScalar, nodeLoc, valueOf, type ParsedYaml } from './parse.js';
import { commaEntries, gatewayPolicy, locatedBool } from './policy.js';
import { excerpt } from '../../util/excerpt.js';

const PREFIX = 'nginx.ingress.kubernetes.io/';
const DEFAULTS: IngressCorsValues = {
  credentials: true,
  methods: 'GET, PUT, POST, DELETE, PATCH, OPTIONS',
  headers: 'DNT,Keep-Alive,User-Agent,X-Requested-With,If-Modified-Since,Cache-Control,Content-Type,Range,Authorization',
  expose: '',
  maxAge: 1728000,
};
/**
 * The validators of internal/ingress/annotations/cors/main.go, rewritten so that V8 runs them in
 * linear time. ingress-nginx runs them on Go's RE2; copied as written (`^([A-Za-z]+,?\s?)+$`) they
 * backtrack exponentially here on a value that fails late (a trailing `;` or `/`). Each rewrite
 * accepts exactly the same strings (test/ingress-validators.test.ts checks them against the
 * originals run on RE2) but no string can be split two ways: every repetition starts with a
 * character the previous one cannot consume. `\s` is Go's `[\t\n\f\r ]`.
 *
 * ORIGIN_ANNOTATION, originally `^(((([a-z]+:\/\/)?(\*\.)?[A-Za-z0-9\-.]*(:\d+)?,?)|null)+|\*)?$`
 * (on the value with spaces removed): every part of an entry is optional and entries need no
 * comma, so the language is any sequence of host characters and commas, `*.`, `:` + a digit, and
 * `://` right after a lower-case letter — or a lone `*`.
 */
const ORIGIN_ANNOTATION = /^(?:\*|(?:[A-Za-z0-9.,-]|\*\.|:\d|(?<=[a-z]):\/\/)*)$/;
/** Originally `^([a-z]+:\/\/(\*\.)?[A-Za-z0-9\-.]*(:\d+)?|\*|null)?$`: already unambiguous. */
const ORIGIN_ENTRY = /^(?:[a-z]+:\/\/(?:\*\.)?[A-Za-z0-9.-]*(?::\d+)?|\*|null)?$/;
/** Originally `^([A-Za-z]+,?\s?)+$`: runs of letters, separated by `,`, one space, or `, `, and optionally ended by one. */
const METHODS = /^[A-Za-z]+(?:(?:,[\t\n\f\r ]?|[\t\n\f\r ])[A-Za-z]+)*(?:,[\t\n\f\r ]?|[\t\n\f\r ])?$/;
/** Originally `^([A-Za-z0-9\-_]+,?\s?)+$`. */
const HEADERS = /^[A-Za-z0-9_-]+(?:(?:,[\t\n\f\r ]?|[\t\n\f\r ])[A-Za-z0-9_-]+)*(?:,[\t\n\f\r ]?|[\t\n\f\r ])?$/;
/** Originally `^(([A-Za-z0-9\-_]+|\*),?\s?)+$`: a `*` joins a run as any other character would. */
const EXPOSE = /^[A-Za-z0-9_*-]+(?:(?:,[\t\n\f\r ]?|[\t\n\f\r ])[A-Za-z0-9_*-]+)*(?:,[\t\n\f\r ]?|[\t\n\f\r ])?$/;
/** The validators, for the test that compares them with ingress-nginx's own. */
export const INGRESS_VALIDATORS = { ORIGIN_ANNOTATION, ORIGIN_ENTRY, METHODS, HEADERS, EXPOSE };

/** The annotation that sets each CORS header (what a template value there leaves unknown). */
const ANNOTATED_HEADERS: Record<string, string> = {
  'cors-allow-credentials': 'access-control-allow-credentials',
  'cors-allow-methods': 'access-control-allow-methods',
  'cors-allow-headers': 'access-control-allow-headers',
  'cors-expose-headers': 'access-control-expose-headers',
  'cors-max-age': 'access-control-max-age',
};

/** `regexp.QuoteMeta`, then the first `*` becomes one DNS label (template.go `buildOriginRegex`). */
function originRegex(origin: string): string {
  const quoted = origin.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
  return `^(${quoted.replace('\\*', '[A-Za-z0-9\\-]+')})$`;
}

export interface IngressExtraction {
  policies: CorsPolicy[];
  errors: Array<{ message: string; loc: Loc }>;
}

export function ingressPolicies(parsed: ParsedYaml, root: YamlNode): IngressExtraction {
  const name = valueOf(get(root, 'metadata', 'name'));
  return annotationPolicies(parsed, get(root, 'metadata', 'annotations'), `ingress ${name.kind === 'string' ? name.value : '(unnamed)'}`);
}

const ENABLE_KEY = `${PREFIX}enable-cors`;
/** Mappings nested deeper than this in a values file are not searched (values files are shallow). */
const MAX_VALUES_DEPTH = 8;

/**
 * ingress-nginx CORS annotations in a Helm values file read without its chart (a deployment
 * repository's values-prod.yaml for a chart kept elsewhere): an `annotations` mapping under an
 * ingress key (`ingress.annotations`, `api.ingress.management.annotations`) that holds the
 * `enable-cors` key, which the chart's Ingress template copies into `metadata.annotations` (the
 * layout `helm create` writes). One switched off (an `enabled: false` on the way down) is never rendered.
 */
export function valuesIngressPolicies(parsed: ParsedYaml, root: YamlNode): IngressExtraction {
  const out: IngressExtraction = { policies: [], errors: [] };
  const visit = (node: unknown, path: string[], depth: number) => {
    if (!isMap(node) || depth > MAX_VALUES_DEPTH) return;
    if (locatedBool(parsed, get(node, 'enabled'))?.value === false) return;
    // Only an ingress's annotations (`ingress.annotations`, `api.ingress.annotations`) reach an Ingress; `podAnnotations` never do.
    if (/annotations$/i.test(path.at(-1) ?? '') && path.some((key) => /ingress/i.test(key)) && entries(node).some((entry) => entry.key === ENABLE_KEY)) {
      const found = annotationPolicies(parsed, node, `ingress annotations ${path.join('.') || '(top level)'}`);
      out.policies.push(...found.policies);
      out.errors.push(...found.errors);
      return;
    }
    // The annotations of a Kubernetes object other than an Ingress configure nothing in ingress-nginx.
    const object = get(node, 'kind') !== undefined;
    for (const entry of entries(node)) if (!(object && entry.key === 'metadata')) visit(entry.value, [...path, entry.key], depth + 1);
  };
  visit(root, [], 0);
  return out;
}

function annotationPolicies(parsed: ParsedYaml, annotations: YamlNode | null | undefined, label: string): IngressExtraction {
  const out: IngressExtraction = { policies: [], errors: [] };
  const annotation = (key: string) => entries(annotations).find((entry) => entry.key === PREFIX + key);

  // The location's configuration-snippet runs after the CORS block: its headers join the CORS answer.
  let locationSnippet: SnippetEffect | undefined;
  for (const key of ['configuration-snippet', 'server-snippet']) {
    const snippet = annotation(key);
    if (!snippet?.value || !isScalar(snippet.value)) continue;
    const found = snippetPolicies(parsed, snippet.value, out);
    if (key === 'configuration-snippet') locationSnippet = found;
    else out.policies.push(...(found?.policies ?? []));
  }

  const enable = annotation('enable-cors');
  const enabled = enable && locatedBool(parsed, enable.value);
  // An unknown switch (a template value) means we cannot say whether CORS is on.
  if (!enable || enabled?.value !== true) {
    // Without the CORS block the snippet is the location's whole CORS answer.
    out.policies.push(...(locationSnippet?.policies ?? []));
    return out;
  }
  const enableLoc = nodeLoc(parsed, enable.keyNode);

  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  const origins: OriginMatcher[] = [];
  const originEntry = annotation('cors-allow-origin');
  const originValue = valueOf(originEntry?.value);
  if (!originEntry || originValue.kind === 'null') {
    origins.push({ kind: 'any', loc: enableLoc, why: "cors-allow-origin is not set, and ingress-nginx defaults it to '*'" });
  } else if (originValue.kind !== 'string') {
    origins.push({ kind: 'unknown', reason: originValue.kind === 'unknown' ? originValue.reason : 'not a string', loc: nodeLoc(parsed, originEntry.value) });
  } else if (!ORIGIN_ANNOTATION.test(originValue.value.replace(/\s/g, ''))) {
    const loc = nodeLoc(parsed, originEntry.value);
    const why = `ingress-nginx rejects the whole cors-allow-origin annotation ('${originValue.value}' fails its validation) and falls back to '*'`;
    origins.push({ kind: 'any', loc, why });
    rejected.push({ loc, message: `${why}: every origin is allowed. Write origins as scheme://host[:port], lower-case scheme, no path or trailing slash, separated by commas` });
  } else {
    for (const entry of commaEntries(parsed, originValue)) {
      if (entry.value === '*') {
        origins.splice(0, origins.length, { kind: 'any', loc: entry.loc });
        break;
      }
      if (!ORIGIN_ENTRY.test(entry.value)) {
        rejected.push({ loc: entry.loc, message: `ingress-nginx skips the origin '${entry.value}' (it needs a scheme: scheme://host[:port])` });
        continue;
      }
      origins.push({ kind: 'pattern', source: originRegex(entry.value), flags: 'i', dialect: 'pcre-search', loc: entry.loc });
    }
  }

  const text = (key: string, pattern: RegExp, fallback: string) => {
    const entry = annotation(key);
    const value = valueOf(entry?.value);
    if (value.kind === 'string' && pattern.test(value.value)) return value.value;
    if (value.kind === 'unknown') return undefined;
    // ingress-nginx replaces a value its validator refuses with the default, and says nothing.
    if (value.kind === 'string' && entry?.value) {
      const shown = excerpt(value.value, 120);
      rejected.push({
        loc: nodeLoc(parsed, entry.value),
        message: `ingress-nginx refuses ${key} '${shown}' (it fails the annotation's validation) and silently uses its default${fallback ? ` '${fallback}'` : ' (none)'} instead`,
      });
    }
    return fallback;
  };
  const credentialsEntry = annotation('cors-allow-credentials');
  const credentials = credentialsEntry ? locatedBool(parsed, credentialsEntry.value) : undefined;
  // Say where the credentials of a '*' answer come from when nobody wrote them.
  if (!credentialsEntry && origins.length === 1 && origins[0].kind === 'any') {
    const defaultCredentials = 'cors-allow-credentials is not set, and ingress-nginx turns credentials on by default';
    origins[0] = { ...origins[0], why: origins[0].why ? `${origins[0].why}; ${defaultCredentials}` : defaultCredentials };
  }
  const maxAgeValue = valueOf(annotation('cors-max-age')?.value);
  const values: IngressCorsValues = {
    // An invalid value falls back to the default, true.
    credentials: credentials?.value !== false,
    methods: text('cors-allow-methods', METHODS, DEFAULTS.methods) ?? DEFAULTS.methods,
    headers: text('cors-allow-headers', HEADERS, DEFAULTS.headers) ?? DEFAULTS.headers,
    expose: text('cors-expose-headers', EXPOSE, DEFAULTS.expose) ?? DEFAULTS.expose,
    maxAge: maxAgeValue.kind === 'number' ? maxAgeValue.value : maxAgeValue.kind === 'string' && /^\d+$/.test(maxAgeValue.value) ? Number(maxAgeValue.value) : DEFAULTS.maxAge,
    writtenAt: originEntry ? nodeLoc(parsed, originEntry.keyNode) : enableLoc,
  };
  const unknownAnnotation = (key: string) => valueOf(annotation(key)?.value).kind === 'unknown';
  // A templated annotation leaves its own header unknown, and nothing else.
  values.unknownHeaders = Object.entries(ANNOTATED_HEADERS)
    .filter(([key]) => (key === 'cors-allow-credentials' ? credentials?.value === 'unknown' : unknownAnnotation(key)))
    .map(([, header]) => header);
  const located = (key: string) => {
    const entry = annotation(key);
    return entry?.value ? nodeLoc(parsed, entry.value) : undefined;
  };
  const listOf = (key: string, value: string) => {
    const loc = located(key);
    return loc ? { kind: 'list' as const, items: value.split(',').map((item) => item.trim()).filter(Boolean), loc } : { kind: 'default' as const };
  };
  // With a snippet merged in, the ingress's one policy is the location's answer; the snippet is not analysed again on its own.
  const policy = gatewayPolicy(parsed, {
      profile: ingressNginxProfile,
      scope: { kind: 'location', label },
      sourceLoc: enableLoc,
      origins,
      credentials: credentials?.value === 'unknown' ? credentials : { value: values.credentials, loc: credentials?.loc ?? enableLoc },
      allowMethods: unknownAnnotation('cors-allow-methods') ? { kind: 'unknown', loc: located('cors-allow-methods')! } : listOf('cors-allow-methods', values.methods),
      allowHeaders: unknownAnnotation('cors-allow-headers') ? { kind: 'unknown', loc: located('cors-allow-headers')! } : listOf('cors-allow-headers', values.headers),
      exposeHeaders: unknownAnnotation('cors-expose-headers') ? { kind: 'unknown', loc: located('cors-expose-headers')! } : values.expose ? listOf('cors-expose-headers', values.expose) : { kind: 'default' },
      // The 20-day default is not reported: only a value someone wrote.
      maxAge: located('cors-max-age') ? { value: maxAgeValue.kind === 'unknown' ? 'unknown' : values.maxAge, loc: located('cors-max-age')! } : undefined,
      preflight: { kind: 'handled', status: 204, loc: enableLoc },
      vary: false,
      errorResponses: true,
      rejected,
      program: (policy) => withSnippet(ingressNginxProgram(policy, values), locationSnippet, origins.length === 1 && origins[0].kind === 'any'),
  });
  if (locationSnippet?.policies[0]) policy.emitted.push(...locationSnippet.policies[0].emitted);
  out.policies.push(policy);
  return out;
}

/** What a location snippet adds to the ingress's own CORS answer: its CORS policy, or only a Vary header. */
interface SnippetEffect {
  /** The snippet's own policies, reported alone only when the ingress has no CORS block of its own. */
  policies: CorsPolicy[];
  vary?: string;
}

function snippetPolicies(parsed: ParsedYaml, node: YamlNode, out: IngressExtraction): SnippetEffect | undefined {
  const read = nginxInScalar(parsed, node);
  if (!read) return undefined;
  const { policies, errors, from, to } = read;
  for (const error of errors) out.errors.push({ message: `in the nginx snippet: ${error.message}`, loc: error.loc });
  if (policies[0]) return { policies };
  // A snippet without CORS headers gives no policy of its own, but a Vary it sets still joins the answer.
  const vary = /^\s*(?:more_set_headers\s+["']?Vary:\s*([^"';]+)|add_header\s+Vary\s+["']?([^"';\s]+))/im.exec(parsed.text.slice(from, to));
  return vary ? { policies: [], vary: (vary[1] ?? vary[2]).trim() } : undefined;
}

/**
 * The ingress answer with the snippet's headers applied after it (`more_set_headers` replaces,
 * `add_header` adds). With the origin `*`, the CORS block runs `set $http_origin *;`
 * (template.go `buildCorsOriginRegex`), so the snippet reads `*` wherever it reads the Origin.
 */
function withSnippet(program: HeaderProgram, snippet: SnippetEffect | undefined, originOverwritten: boolean): HeaderProgram {
  if (!snippet) return program;
  const { policies, vary } = snippet;
  const policy = policies[0];
  return {
    run(request) {
      const response = program.run(request);
      if (!policy) return vary ? { ...response, headers: [...response.headers, { name: 'Vary', value: vary }] } : response;
      const extra = respond(policy, originOverwritten ? { ...request, origin: '*' } : request);
      // more_set_headers replaces the CORS block's header; add_header sends a second one.
      const replaced = new Set(policy.emitted.filter((header) => header.mode === 'set').map((header) => header.name.toLowerCase()));
      const same = (a: ResponseHeader, b: ResponseHeader) => a.name.toLowerCase() === b.name.toLowerCase();
      // A replacement with the same value changes nothing: the CORS block's header keeps its position and reason.
      const unchanged = extra.headers.filter((added) => replaced.has(added.name.toLowerCase()) && response.headers.some((header) => same(header, added) && header.value === added.value));
      const added = extra.headers.filter((header) => !unchanged.includes(header));
      const headers = response.headers.filter((header) => !(replaced.has(header.name.toLowerCase()) && added.some((other) => same(other, header))));
      // The snippet's unknown headers join the answer's; an unknown snippet answer only matters when it adds something.
      const merged = mergeUncertainty(response, extra.unknownHeaders || extra.headers.length > 0 ? extra : { uncertain: false });
      return { ...response, headers: [...headers, ...added], uncertain: merged.uncertain, unknownHeaders: merged.unknownHeaders };
    },
  };
}
