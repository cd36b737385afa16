import type { SyntaxNode } from '@lezer/common';
import { sanicExtProfile, sanicExtProgram } from '../../model/frameworks/sanic-ext.js';
import type { CorsPolicy, ListSetting, Loc, OriginMatcher } from '../../model/types.js';
import { locatedTri, maxAgeOf, strict, unknownOrigin } from './options.js';
import { callArguments, locOf, textOf, type ParsedPython } from './parse.js';
import { evaluate, stringItems, type ModuleBindings, type PyValue } from './values.js';

interface Setting {
  value: PyValue;
  loc: Loc;
}

/**
 * Sanic Extensions' CORS settings written in this file: `app.config.CORS_ORIGINS = …` (any
 * `….config.CORS_*` attribute), `app.config.update({"CORS_ORIGINS": …})`, and the `config` given
 * to `app.extend(config=…)` / `Extend(app, config=…)` (upper- or lower-case keys). Without
 * CORS_ORIGINS it allows no origin, so nothing is reported.
 */
export function sanicExtPolicies(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  const settings = new Map<string, Setting>();
  let anchor: Loc | undefined;
  for (const statement of parsed.index.assignments) {
    const target = statement.firstChild;
    if (target?.name !== 'MemberExpression') continue;
    const match = /\.config\.(CORS_[A-Z_]+)$/.exec(textOf(parsed, target));
    const valueNode = target.nextSibling?.nextSibling;
    if (!match || !valueNode) continue;
    settings.set(match[1], { value: evaluate(parsed, valueNode, bindings), loc: locOf(parsed, valueNode) });
    anchor ??= locOf(parsed, target);
  }
  for (const call of calls) {
    const callee = textOf(parsed, call.firstChild!);
    const args = callArguments(parsed, call.getChild('ArgList'));
    const given = /\.config\.update$/.test(callee) ? args.positional[0] : /(?:^|\.)(?:extend|Extend)$/.test(callee) ? args.keywords.get('config')?.value : undefined;
    if (!given) continue;
    const dict = evaluate(parsed, given, bindings);
    if (dict.kind !== 'dict') continue;
    for (const [key, entry] of dict.entries) {
      const name = key.toUpperCase();
      if (!name.startsWith('CORS_')) continue;
      settings.set(name, { value: entry.value, loc: locOf(parsed, entry.value.node) });
      anchor ??= locOf(parsed, entry.key);
    }
  }
  const originsSetting = settings.get('CORS_ORIGINS');
  if (!originsSetting || !anchor) return [];
  const sendWildcard = settings.get('CORS_SEND_WILDCARD');
  const credentialsSetting = settings.get('CORS_SUPPORTS_CREDENTIALS');
  const credentials = credentialsSetting ? locatedTri(parsed, strict(credentialsSetting.value)) : undefined;
  const origins = originMatchers(parsed, originsSetting, sendWildcard?.value.kind === 'bool' ? sendWildcard.value.value : sendWildcard ? 'unknown' : false);
  const rejected: NonNullable<CorsPolicy['rejected']> = [];
  if (credentials?.value === true && originsSetting.value.kind === 'string' && originsSetting.value.value === '*') {
    rejected.push({ loc: credentials.loc, message: "Sanic Extensions refuses CORS_SUPPORTS_CREDENTIALS with CORS_ORIGINS = '*' (SanicException when the server starts): the app never runs" });
  }
  const list = (name: string): ListSetting => {
    const setting = settings.get(name);
    if (!setting) return { kind: 'default' };
    const value = strict(setting.value)!;
    const items = value.kind === 'string' ? value.value.split(',').map((item) => item.trim()).filter(Boolean) : stringItems(value)?.map((item) => item.value);
    if (!items) return { kind: 'unknown', loc: setting.loc };
    return items.includes('*') ? { kind: 'wildcard', loc: setting.loc } : { kind: 'list', items, loc: setting.loc };
  };
  const maxAgeSetting = settings.get('CORS_MAX_AGE');
  const policy: CorsPolicy = {
    id: `${parsed.file}#sanic-ext@${anchor.line}:${anchor.column}`,
    source: { file: parsed.file, format: 'python', framework: sanicExtProfile.id, loc: anchor },
    scope: { kind: 'app', label: 'Sanic app' },
    origins: rejected.length > 0 ? [] : origins,
    originMode: 'compare',
    credentials,
    allowMethods: list('CORS_METHODS'),
    allowHeaders: list('CORS_ALLOW_HEADERS'),
    exposeHeaders: list('CORS_EXPOSE_HEADERS'),
    maxAge: maxAgeSetting ? maxAgeOf(parsed, strict(maxAgeSetting.value)) : undefined,
    preflight: { kind: 'handled', status: 204, loc: anchor },
    vary: { origin: true },
    errorResponses: true,
    emitted: [],
    profile: sanicExtProfile,
    ...(rejected.length > 0 ? { rejected } : {}),
  };
  policy.headerProgram = sanicExtProgram(policy);
  return [policy];
}

/** `"*"` alone: every origin (sent back, or `*` with CORS_SEND_WILDCARD); a comma-separated string or a list: exact entries; `re.compile(…)`: re.match. */
function originMatchers(parsed: ParsedPython, setting: Setting, sendWildcard: boolean | 'unknown'): OriginMatcher[] {
  const value = setting.value;
  if (value.fallback && !(value.kind === 'string' && value.value === '*')) return [{ kind: 'unknown', reason: value.fallback, loc: setting.loc }];
  if (value.kind === 'string' && value.value.trim() === '*') {
    if (sendWildcard === 'unknown') return [{ kind: 'unknown', reason: 'CORS_SEND_WILDCARD is decided at run time', loc: setting.loc }];
    const why = value.fallback ? { why: value.fallback } : {};
    return [sendWildcard ? { kind: 'any', loc: setting.loc, ...why } : { kind: 'reflect', loc: setting.loc, why: `CORS_ORIGINS '*' sends the request's own origin back while CORS_SEND_WILDCARD is off${value.fallback ? ` (${value.fallback})` : ''}` }];
  }
  const listId = `${setting.loc.line}:${setting.loc.column}`;
  if (value.kind === 'string') return value.value.split(',').map((item) => item.trim()).filter(Boolean).map((item) => ({ kind: 'exact', value: item, loc: setting.loc, listId }));
  if (value.kind === 'regex') return [{ kind: 'pattern', source: value.pattern, flags: value.ignoreCase ? 'i' : '', dialect: 'python-match', loc: setting.loc }];
  if (value.kind !== 'list') return [unknownOrigin(parsed, value)];
  const out: OriginMatcher[] = value.items.map((item): OriginMatcher => {
    const loc = locOf(parsed, item.node);
    if (item.kind === 'string') return { kind: 'exact', value: item.value, loc, listId };
    if (item.kind === 'regex') return { kind: 'pattern', source: item.pattern, flags: item.ignoreCase ? 'i' : '', dialect: 'python-match', loc };
    return unknownOrigin(parsed, item);
  });
  if (value.incomplete) out.push(unknownOrigin(parsed, value, 'the list is extended elsewhere'));
  return out;
}
