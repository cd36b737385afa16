import type { Node as YamlNode } from 'yaml';
import { traefikProfile, traefikProgram, type TraefikCustomHeader } from '../../model/frameworks/traefik.js';
import { handSetHeadersProfile } from '../../model/profiles.js';
import type { CorsPolicy, FrameworkProfile, ListSetting, Loc, OriginMatcher, SourceFile } from '../../model/types.js';
import { parseTomlAsYaml } from '../toml.js';
import { routeHeaderPolicy, type RouteHeader } from '../platform/route-headers.js';
import { entries, get, isSeq, nodeLoc, pairOf, stringList, valueOf, type ParsedYaml, type YamlValue } from './parse.js';
import { commaEntries, gatewayPolicy, listEntries, listOption, locatedBool, mappedHeaders, numberOption, partLoc, placeholderTemplate } from './policy.js';

const CRD_GROUPS = /^traefik\.(io|containo\.us)\//;
const CORS_KEYS = ['accessControlAllowOriginList', 'accessControlAllowOriginListRegex', 'accessControlAllowOrigin', 'accessControlAllowCredentials', 'accessControlAllowMethods', 'accessControlAllowHeaders', 'accessControlExposeHeaders', 'accessControlMaxAge'];

/** `Middleware` CRDs (`traefik.io/v1alpha1`, `traefik.containo.us/v1alpha1`) and the file provider's `http.middlewares.<name>.headers`. */
export function traefikPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const apiVersion = valueOf(get(root, 'apiVersion'));
  const kind = valueOf(get(root, 'kind'));
  if (apiVersion.kind === 'string' && CRD_GROUPS.test(apiVersion.value) && kind.kind === 'string' && kind.value === 'Middleware') {
    const name = valueOf(get(root, 'metadata', 'name'));
    const headers = get(root, 'spec', 'headers');
    return headers ? policyFor(parsed, headers, `middleware ${name.kind === 'string' ? name.value : '(unnamed)'}`, false) : [];
  }
  const middlewares = get(root, 'http', 'middlewares');
  return entries(middlewares).flatMap(({ key, value }) => {
    const headers = get(value, 'headers');
    return headers ? policyFor(parsed, headers, `middleware ${key}`, true) : [];
  });
}

/**
 * Traefik's file provider reads its dynamic configuration from TOML as from YAML
 * (`[http.middlewares.cors.headers]` with `accessControlAllowOriginList = [...]`): the same
 * options, read by the same code, from nodes positioned in the TOML. A file Traefik cannot parse is
 * not loaded (the provider logs the error and keeps its last configuration).
 */
export function traefikTomlPolicies(file: SourceFile): { policies: CorsPolicy[]; errors: Array<{ message: string; loc: Loc }> } {
  const read = parseTomlAsYaml(file, 'toml');
  if ('error' in read) {
    if (read.tooDeep) return { policies: [], errors: [read.error] };
    // A Helm or Go template of the file is TOML only once rendered.
    if (/\{\{|\$\{/.test(file.text)) return { policies: [], errors: [] };
    return { policies: [], errors: [{ message: `not valid TOML (${read.error.message}); Traefik's file provider refuses to load it`, loc: read.error.loc }] };
  }
  return { policies: traefikPolicies(read.parsed, read.root), errors: [] };
}

/**
 * `customResponseHeaders` set fixed headers on every proxied response, whatever the Origin, like a
 * platform's header rules; OPTIONS goes to the backend. A middleware that also has accessControl*
 * options is one policy of those options with these headers under them (traefikProgram).
 */
const traefikCustomHeadersProfile: FrameworkProfile = {
  ...handSetHeadersProfile,
  id: 'traefik-custom-headers',
  name: 'Traefik customResponseHeaders',
  docs: 'https://doc.traefik.io/traefik/middlewares/http/headers/#customresponseheaders',
};

function customHeaderPolicy(parsed: ParsedYaml, headers: RouteHeader[], sourceLoc: CorsPolicy['source']['loc'], label: string): CorsPolicy[] {
  const policy = routeHeaderPolicy({ file: parsed.file, format: 'yaml', profile: traefikCustomHeadersProfile, path: undefined, sourceLoc, headers });
  if (!policy) return [];
  policy.scope = { kind: 'router', label };
  return [policy];
}

function customResponseHeaders(parsed: ParsedYaml, headers: YamlNode, label: string): CorsPolicy[] {
  const custom = get(headers, 'customResponseHeaders');
  const out = mappedHeaders(parsed, custom, /\$\{|\{\{/);
  const first = entries(custom)[0];
  return first ? customHeaderPolicy(parsed, out, nodeLoc(parsed, first.keyNode), `${label} customResponseHeaders`) : [];
}

/**
 * The file provider (YAML or TOML, decoded by traefik/paerser's file.DecodeContent) fills a list option
 * written as one string by splitting it on commas and trimming each entry, as the Docker labels are
 * (paerser parser/element_fill.go setSlice and makeSlice, read at 368ce2e):
 * `accessControlAllowOriginList: "https://a.example.com,https://b.example.com"` allows both. A
 * Middleware CRD's list is typed by Kubernetes, which refuses a string there.
 */
function fileProviderEntries(parsed: ParsedYaml, node: YamlNode | null | undefined, fileProvider: boolean): Array<{ value: string; loc: Loc }> | undefined {
  const value = valueOf(node);
  if (!fileProvider || value.kind !== 'string') return undefined;
  return commaEntries(parsed, value);
}

function policyFor(parsed: ParsedYaml, headers: YamlNode, label: string, fileProvider: boolean): CorsPolicy[] {
  const present = CORS_KEYS.filter((key) => pairOf(headers, key));
  if (present.length === 0) return customResponseHeaders(parsed, headers, label);
  const sourceLoc = nodeLoc(parsed, pairOf(headers, present[0])!.key as YamlNode);
  const origins: OriginMatcher[] = [];
  const listId = `${sourceLoc.line}:${sourceLoc.column}`;
  for (const key of ['accessControlAllowOriginList', 'accessControlAllowOrigin']) {
    // accessControlAllowOrigin (Traefik v2, deprecated) is one string, not a list.
    const split = key === 'accessControlAllowOriginList' ? fileProviderEntries(parsed, get(headers, key), fileProvider) : undefined;
    if (split) {
      for (const entry of split) origins.push(entry.value === '*' ? { kind: 'any', loc: entry.loc } : { kind: 'exact', value: entry.value, loc: entry.loc, listId });
      continue;
    }
    for (const item of listEntries(get(headers, key))) {
      const loc = nodeLoc(parsed, item.node);
      // Traefik compares the list literally: the text around a placeholder can still never match.
      if ('unknown' in item) {
        const template = placeholderTemplate(item.node);
        origins.push({ kind: 'unknown', reason: item.unknown, loc, ...(template ? { template: { ...template, literal: true } } : {}) });
      }
      else {
        // The file provider trims each entry of a list too (makeSlice's TrimSpace): ' https://a.example.com' matches.
        const value = fileProvider && key === 'accessControlAllowOriginList' ? item.value.trim() : item.value;
        const at = value === item.value ? loc : partLoc(parsed, valueOf(item.node), value);
        if (value) origins.push(value === '*' ? { kind: 'any', loc: at } : { kind: 'exact', value, loc: at, listId });
      }
    }
  }
  const regexes = get(headers, 'accessControlAllowOriginListRegex');
  const splitRegexes = fileProviderEntries(parsed, regexes, fileProvider);
  if (splitRegexes) {
    for (const entry of splitRegexes) origins.push({ kind: 'pattern', source: entry.value, flags: '', dialect: 're2-search', loc: entry.loc });
  } else if (regexes !== undefined && regexes !== null) {
    const items = stringList(valueOf(regexes));
    if (!items) origins.push({ kind: 'unknown', reason: 'computed value', loc: nodeLoc(parsed, regexes) });
    // Go's MatchString searches: the regex matches anywhere in the Origin unless anchored.
    for (const item of items ?? []) {
      const source = fileProvider ? item.value.trim() : item.value;
      if (source) origins.push({ kind: 'pattern', source, flags: '', dialect: 're2-search', loc: source === item.value ? nodeLoc(parsed, item.node) : partLoc(parsed, valueOf(item.node), source) });
    }
  }
  const addVary = locatedBool(parsed, get(headers, 'addVaryHeader'));
  return [
    gatewayPolicy(parsed, {
      profile: traefikProfile,
      scope: { kind: 'router', label },
      sourceLoc,
      origins,
      credentials: locatedBool(parsed, get(headers, 'accessControlAllowCredentials')),
      allowMethods: listOption(parsed, get(headers, 'accessControlAllowMethods'), false),
      allowHeaders: listOption(parsed, get(headers, 'accessControlAllowHeaders'), false),
      exposeHeaders: listOption(parsed, get(headers, 'accessControlExposeHeaders'), false),
      maxAge: numberOption(parsed, get(headers, 'accessControlMaxAge')),
      preflight: { kind: 'handled', status: 200, loc: sourceLoc },
      vary: addVary?.value ?? false,
      errorResponses: true,
      program: (policy) => traefikProgram(policy, addVary?.value ?? false, sourceLoc, customEntries(mappedHeaders(parsed, get(headers, 'customResponseHeaders'), /\$\{|\{\{/))),
    }),
  ];
}

function customEntries(headers: RouteHeader[] | undefined): TraefikCustomHeader[] {
  return (headers ?? []).map((header) => ({ name: header.name, value: header.value, loc: header.valueLoc }));
}

const LABEL = /^traefik\.http\.middlewares\.([^.]+)\.headers\.([A-Za-z]+)$/i;
const CUSTOM_LABEL = /^traefik\.http\.middlewares\.([^.]+)\.headers\.customresponseheaders\.([A-Za-z0-9-]+)$/i;

/**
 * A label value that is one Compose variable with a default, `${CORS_ORIGIN:-*}` or `${CORS_ORIGIN-*}`: Compose puts
 * the default in while the variable is unset (`:-` also while it is empty), so that is the value a deployment
 * without it runs with (as `process.env.X || '*'` is read in JS). Where the default starts in `raw`, or undefined.
 */
function composeDefault(raw: string, from: number): { text: string; at: number; why: string } | undefined {
  const value = raw.slice(from);
  const match = /^\s*\$\{([A-Za-z_][A-Za-z0-9_]*)(:?)-([^$}]*)\}\s*$/.exec(value);
  if (!match || match[3].trim() === '') return undefined;
  const start = from + value.indexOf('${');
  return { text: match[3], at: start + 2 + match[1].length + match[2].length + 1, why: `the fallback when the environment variable ${match[1]} is ${match[2] ? 'unset or empty' : 'unset'}` };
}

interface LabelValue {
  /** Set when the value is a Compose variable's default (composeDefault). */
  why?: string;
  text: string;
  /** The scalar holding it, and where the value starts inside the scalar's value. */
  scalar: YamlValue;
  offset: number;
}

/**
 * Traefik's Docker provider reads the same options from container labels, in Compose files:
 * `traefik.http.middlewares.<name>.headers.accesscontrolalloworiginlist=https://a.example.com,https://b.example.com`
 * (a list of `key=value` strings or a mapping); option names are case-insensitive and lists are comma-separated.
 */
export function traefikLabelPolicies(parsed: ParsedYaml, root: YamlNode): CorsPolicy[] {
  const byMiddleware = new Map<string, Map<string, LabelValue>>();
  const customByMiddleware = new Map<string, RouteHeader[]>();
  for (const { value: service } of entries(get(root, 'services'))) {
    for (const labels of [get(service, 'labels'), get(service, 'deploy', 'labels')]) {
      const pairs: Array<{ key: string; value: LabelValue }> = [];
      if (isSeq(labels)) {
        for (const item of labels.items) {
          let scalar = valueOf(item as YamlNode);
          const raw = (item as { value?: unknown }).value;
          if (scalar.kind === 'unknown' && typeof raw === 'string' && raw.length <= 2000 && raw.includes('=') && !raw.slice(0, raw.indexOf('=')).includes('$')) {
            const fallback = composeDefault(raw, raw.indexOf('=') + 1);
            if (fallback) {
              const key = raw.slice(0, raw.indexOf('='));
              pairs.push({ key: key.trim(), value: { text: fallback.text, scalar: { kind: 'string', value: raw, node: item as YamlNode }, offset: fallback.at, why: fallback.why } });
            }
            continue;
          }
          if (scalar.kind !== 'string' || !scalar.value.includes('=')) continue;
          const key = scalar.value.slice(0, scalar.value.indexOf('='));
          pairs.push({ key: key.trim(), value: { text: scalar.value.slice(key.length + 1), scalar, offset: key.length + 1 } });
        }
      } else {
        for (const entry of entries(labels)) {
          const scalar = valueOf(entry.value);
          const raw = (entry.value as { value?: unknown } | null)?.value;
          const fallback = scalar.kind === 'unknown' && typeof raw === 'string' && raw.length <= 2000 ? composeDefault(raw, 0) : undefined;
          if (fallback) {
            pairs.push({ key: entry.key, value: { text: fallback.text, scalar: { kind: 'string', value: raw as string, node: entry.value as YamlNode }, offset: fallback.at, why: fallback.why } });
            continue;
          }
          const text = scalar.kind === 'string' ? scalar.value : scalar.kind === 'bool' || scalar.kind === 'number' ? String(scalar.value) : undefined;
          if (text !== undefined) pairs.push({ key: entry.key, value: { text, scalar, offset: 0 } });
        }
      }
      for (const { key, value } of pairs) {
        const custom = CUSTOM_LABEL.exec(key);
        if (custom) {
          const list = customByMiddleware.get(custom[1]) ?? [];
          const text = value.text.trim();
          const valueLoc = partLoc(parsed, value.scalar, text, value.offset);
          list.push({ name: custom[2], value: /\$\{|\{\{/.test(text) ? null : text, rawValue: text, loc: nodeLoc(parsed, value.scalar.node), valueLoc });
          customByMiddleware.set(custom[1], list);
          continue;
        }
        const match = LABEL.exec(key);
        if (!match) continue;
        const options = byMiddleware.get(match[1]) ?? new Map<string, LabelValue>();
        options.set(match[2].toLowerCase(), value);
        byMiddleware.set(match[1], options);
      }
    }
  }
  const policies: CorsPolicy[] = [];
  for (const [name, headers] of customByMiddleware) {
    const options = byMiddleware.get(name);
    if (options && CORS_KEYS.some((key) => options.has(key.toLowerCase()))) continue;
    policies.push(...customHeaderPolicy(parsed, headers, headers[0].loc, `middleware ${name} (labels) customResponseHeaders`));
  }
  for (const [name, options] of byMiddleware) {
    const first = [...options.values()][0];
    if (!CORS_KEYS.some((key) => options.has(key.toLowerCase()))) continue;
    const sourceLoc = nodeLoc(parsed, first.scalar.node);
    const listId = `${sourceLoc.line}:${sourceLoc.column}`;
    const parts = (option: string) => {
      const value = options.get(option);
      if (!value) return [];
      let cursor = value.offset;
      return value.text.split(',').flatMap((piece) => {
        const at = cursor + (piece.length - piece.trimStart().length);
        cursor += piece.length + 1;
        const trimmed = piece.trim();
        return trimmed ? [{ value: trimmed, loc: partLoc(parsed, value.scalar, trimmed, at), ...(value.why ? { why: value.why } : {}) }] : [];
      });
    };
    const origins: OriginMatcher[] = [
      ...[...parts('accesscontrolalloworiginlist'), ...parts('accesscontrolalloworigin')].map(({ value, loc, why }): OriginMatcher => {
        const because = why ? { why } : {};
        return value === '*' ? { kind: 'any', loc, ...because } : { kind: 'exact', value, loc, listId, ...because };
      }),
      ...parts('accesscontrolalloworiginlistregex').map(({ value, loc }): OriginMatcher => ({ kind: 'pattern', source: value, flags: '', dialect: 're2-search', loc })),
    ];
    const bool = (option: string) => {
      const value = options.get(option);
      if (!value) return undefined;
      const text = value.text.trim().toLowerCase();
      return { value: text === 'true' ? true : text === 'false' ? false : ('unknown' as const), loc: partLoc(parsed, value.scalar, value.text.trim(), value.offset) };
    };
    const list = (option: string): ListSetting => {
      const items = parts(option);
      if (items.length === 0) return { kind: 'default' };
      return items.some((item) => item.value === '*') ? { kind: 'wildcard', loc: items[0].loc } : { kind: 'list', items: items.map((item) => item.value), loc: items[0].loc };
    };
    const maxAge = options.get('accesscontrolmaxage');
    const addVary = bool('addvaryheader');
    policies.push(
      gatewayPolicy(parsed, {
        profile: traefikProfile,
        scope: { kind: 'router', label: `middleware ${name} (labels)` },
        sourceLoc,
        origins,
        credentials: bool('accesscontrolallowcredentials'),
        allowMethods: list('accesscontrolallowmethods'),
        allowHeaders: list('accesscontrolallowheaders'),
        exposeHeaders: list('accesscontrolexposeheaders'),
        maxAge: maxAge ? { value: /^\d+$/.test(maxAge.text.trim()) ? Number(maxAge.text.trim()) : 'unknown', loc: partLoc(parsed, maxAge.scalar, maxAge.text.trim(), maxAge.offset) } : undefined,
        preflight: { kind: 'handled', status: 200, loc: sourceLoc },
        vary: addVary?.value ?? false,
        errorResponses: true,
        program: (policy) => traefikProgram(policy, addVary?.value ?? false, sourceLoc, customEntries(customByMiddleware.get(name))),
      }),
    );
  }
  return policies;
}
