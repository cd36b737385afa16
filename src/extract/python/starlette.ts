import { authGateAfter, originGate } from './auth-gate.js';
import { routeBody } from './json-body.js';
import type { SyntaxNode } from '@lezer/common';
import { starletteProfile, starletteProgram } from '../../model/frameworks/starlette.js';
import { matcherAccepts } from '../../model/respond.js';
import type { CorsPolicy, ListSetting, OriginMatcher } from '../../model/types.js';
import { eachOriginEntry, fallbackCredentials, fallbackOrigin, formatTemplate, listSetting, maxAgeOf, strict, unknownOrigin } from './options.js';
import { callArguments, dottedName, locOf, textOf, type ParsedPython } from './parse.js';
import { evaluate, importedModule, knownSpread, resolveName, type ModuleBindings, type PyValue } from './values.js';
import { MAX_HOPS } from './modules.js';

const CORS_CLASSES = new Set(['fastapi.middleware.cors.CORSMiddleware', 'starlette.middleware.cors.CORSMiddleware']);
const MIDDLEWARE_WRAPPERS = new Set(['starlette.middleware.Middleware', 'fastapi.middleware.Middleware']);
/** CORSMiddleware.__init__'s keywords (Starlette 0.47; allow_private_network since 0.45): any other one is a TypeError when the middleware stack is built. */
const KNOWN_OPTIONS = new Set(['app', 'allow_origins', 'allow_methods', 'allow_headers', 'allow_credentials', 'allow_origin_regex', 'allow_private_network', 'expose_headers', 'max_age']);

/** `app.add_middleware(CORSMiddleware, …)`, `Middleware(CORSMiddleware, …)` in `Starlette(middleware=[…])` / `FastAPI(middleware=[…])`, and `CORSMiddleware(app, …)`. */
export function starlettePolicies(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  const policies: CorsPolicy[] = [];
  // The methods an app's routes serve, read once per app (a module adding CORSMiddleware n times asks n times).
  const servedBy = new Map<string, string[]>();
  for (const call of calls) {
    const callee = resolveName(parsed, call.firstChild, bindings);
    if (!callee) continue;
    const args = knownSpread(parsed, callArguments(parsed, call.getChild('ArgList')), bindings);
    if (CORS_CLASSES.has(callee)) {
      // `app = CORSMiddleware(app, allow_origins=[...])` wraps an ASGI app directly.
      policies.push(policyFrom(parsed, call.firstChild!, args, bindings, undefined));
      continue;
    }
    const isAdd = callee.endsWith('.add_middleware');
    if (!isAdd && !MIDDLEWARE_WRAPPERS.has(callee)) continue;
    const cls = args.positional[0] ?? args.keywords.get(isAdd ? 'middleware_class' : 'cls')?.value;
    if (!cls || !CORS_CLASSES.has(resolveName(parsed, cls, bindings) ?? '')) continue;
    const receiver = isAdd ? parsed.text.slice(call.from, call.from + callee.length - '.add_middleware'.length).split('.').pop() : undefined;
    const policy = policyFrom(parsed, cls, args, bindings, receiver);
    // `app.add_middleware(…)` on a plain name: the app whose routes and other middleware this module shows.
    const app = receiver !== undefined && /^\w+$/.test(receiver) ? receiver : undefined;
    if (app && policy.allowMethods.kind === 'default') {
      let served = servedBy.get(app);
      if (!served) servedBy.set(app, (served = routeMethods(parsed, app, bindings)));
      if (served.length > 0) policy.servedMethods = [...served];
    }
    // An auth check added after it runs first and answers preflights itself (auth-gate.ts).
    const gate = app ? authGateAfter(parsed, app, call.to) : undefined;
    if (gate) policy.registeredAfter = { what: 'auth', items: [gate], at: locOf(parsed, call) };
    // An origin check in front of the routes answers other origins itself: which ones the routes answer is that code's to say.
    const gateOfOrigins = app && policy.origins.length > 0 ? originGate(parsed, app) : undefined;
    if (gateOfOrigins) {
      policy.origins = [{ kind: 'unknown', reason: `the middleware ${gateOfOrigins.label} answers ${gateOfOrigins.status} to the origins its own test refuses before the routes run`, loc: gateOfOrigins.loc }];
      policy.headerProgram = starletteProgram(policy);
    }
    policies.push(policy);
  }
  return policies;
}

/** Origins no allowlist names: a pattern accepting all of them admits any site. */
const STRANGERS = ['https://attacker.invalid', 'http://attacker.invalid', 'https://a.b.attacker.invalid:8443'];

/**
 * A pattern written as the fallback for an unset variable (`os.getenv("ORIGIN_REGEX") or r"^https?://.+$"`,
 * or a helper returning it): one that admits any site is reported as a reflection, with why it applies;
 * any other stays unknown (its findings could not say they only hold when the variable is unset).
 */
function fallbackPattern(parsed: ParsedPython, value: PyValue, why: string): OriginMatcher {
  const loc = locOf(parsed, value.node);
  if (value.kind !== 'string') return unknownOrigin(parsed, value, why);
  const pattern: OriginMatcher = { kind: 'pattern', source: value.value, flags: '', dialect: 'python-fullmatch', loc };
  return STRANGERS.every((origin) => matcherAccepts(pattern, origin) === true) ? { kind: 'reflect', loc, why } : { kind: 'unknown', reason: why, loc };
}

function policyFrom(parsed: ParsedPython, cls: SyntaxNode, args: ReturnType<typeof callArguments>, bindings: ModuleBindings, receiver: string | undefined): CorsPolicy {
  const sourceLoc = locOf(parsed, cls);
  const hidden = args.spread ? locOf(parsed, args.spread) : undefined;
  const option = (name: string): PyValue | undefined => {
    const written = args.keywords.get(name);
    const value = written ? evaluate(parsed, written.value, bindings) : undefined;
    // Only the origins are read from a fallback (see `strict`).
    return name === 'allow_origins' || name === 'allow_origin_regex' ? value : strict(value);
  };
  const list = (name: string): ListSetting => {
    const value = option(name);
    if (!value && hidden) return { kind: 'unknown', loc: hidden };
    return listSetting(parsed, value);
  };

  const origins: OriginMatcher[] = [];
  const allowOrigins = option('allow_origins');
  if (allowOrigins) {
    if (allowOrigins.kind === 'string') {
      // A bare string is searched with `in`, a substring test, not a list membership.
      origins.push(unknownOrigin(parsed, allowOrigins, 'allow_origins is a string, so Starlette tests substrings'));
    } else if (allowOrigins.kind === 'list') {
      const listId = `${sourceLoc.line}:${sourceLoc.column}`;
      origins.push(
        ...eachOriginEntry(parsed, allowOrigins, (entry, loc) => {
          const fallback = fallbackOrigin(parsed, allowOrigins, entry, loc);
          if (fallback) return fallback;
          // Starlette compares exactly: the text around an f-string's fields can still never match.
          if (entry.kind !== 'string') return { ...unknownOrigin(parsed, entry), template: formatTemplate(parsed, entry.node) } as OriginMatcher;
          return entry.value === '*' ? { kind: 'any', loc } : { kind: 'exact', value: entry.value, loc, listId };
        }),
      );
    } else if (allowOrigins.kind !== 'none') origins.push(unknownOrigin(parsed, allowOrigins));
  }
  const regex = option('allow_origin_regex');
  if (regex?.fallback) origins.push(fallbackPattern(parsed, regex, regex.fallback));
  else if (regex && regex.kind === 'string') origins.push({ kind: 'pattern', source: regex.value, flags: '', dialect: 'python-fullmatch', loc: locOf(parsed, regex.node) });
  else if (regex && regex.kind !== 'none') origins.push(unknownOrigin(parsed, regex));
  if (hidden && (!allowOrigins || !regex)) origins.push({ kind: 'unknown', reason: 'options passed with ** are not visible', loc: hidden });

  const credentialsWritten = args.keywords.get('allow_credentials');
  const credentialsValue = credentialsWritten ? evaluate(parsed, credentialsWritten.value, bindings) : undefined;
  const credentials = credentialsValue ? fallbackCredentials(parsed, credentialsValue, origins) : hidden ? { value: 'unknown' as const, loc: hidden } : undefined;
  const maxAgeValue = option('max_age');
  const label = receiver ?? 'app';
  const policy: CorsPolicy = {
    id: `${parsed.file}#${label}@${sourceLoc.line}:${sourceLoc.column}`,
    source: { file: parsed.file, format: 'python', framework: starletteProfile.id, loc: sourceLoc },
    scope: { kind: 'app', label },
    origins,
    originMode: 'compare',
    credentials,
    allowMethods: list('allow_methods'),
    allowHeaders: list('allow_headers'),
    exposeHeaders: list('expose_headers'),
    maxAge: maxAgeValue ? maxAgeOf(parsed, maxAgeValue) : hidden ? { value: 'unknown', loc: hidden } : undefined,
    preflight: { kind: 'handled', status: 200, loc: sourceLoc },
    vary: { origin: true },
    errorResponses: 'unknown',
    emitted: [],
    profile: starletteProfile,
  };
  // `allow_credential=True`, `allow_origin=[...]`: Starlette raises TypeError for an unknown keyword, so the app never answers.
  // Connexion 3's `app.add_middleware(CORSMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION, …)` (its documented
  // CORS recipe) takes `position` itself and passes only the rest to the middleware.
  const connexionPosition = receiver !== undefined && /^[ \t]*(?:from|import)[ \t]+connexion\b/m.test(parsed.text);
  const unknownOptions = [...args.keywords].filter(([name]) => !KNOWN_OPTIONS.has(name) && name !== 'middleware_class' && name !== 'cls' && !(connexionPosition && name === 'position'));
  if (unknownOptions.length > 0) {
    policy.rejected = unknownOptions.map(([name, { name: node }]) => {
      const near = [...KNOWN_OPTIONS].find((known) => known !== 'app' && closeSpelling(name, known));
      return { loc: locOf(parsed, node), message: `CORSMiddleware has no option '${name}'${near ? ` (did you mean '${near}'?)` : ''}: Starlette raises TypeError when it builds the middleware stack, so the app fails to start` };
    });
    policy.origins = [];
  }
  policy.headerProgram = starletteProgram(policy);
  return policy;
}

/** One edit apart (a letter missing, added, changed or two swapped), or the same once an 's' is dropped. */
function closeSpelling(a: string, b: string): boolean {
  if (a === b) return false;
  if (a.replace(/s\b/g, '') === b.replace(/s\b/g, '')) return true;
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  let j = 0;
  while (j < a.length - i && j < b.length - i && a[a.length - 1 - j] === b[b.length - 1 - j]) j++;
  if (a.length - i - j <= 1 && b.length - i - j <= 1) return true;
  return a.length === b.length && a.length - i - j === 2 && a[i] === b[i + 1] && a[i + 1] === b[i];
}

/**
 * The methods of the routes FastAPI registers on `app` (`@app.put("/items/{id}")`), and on the
 * APIRouters included into it (`app.include_router(router)`, also a router of another module of the
 * repository: `from app.api.main import api_router`, `api_router.include_router(items.router)` with
 * `from app.api.routes import items`), whose requests a page sends with a preflight: PUT, PATCH and
 * DELETE, and POST when the route takes a JSON body (json-body.ts; a form POST needs no preflight).
 * Starlette answers their preflights 400 ("Disallowed CORS method") unless allow_methods lists them;
 * its default is `("GET",)`.
 */
function routeMethods(parsed: ParsedPython, app: string, bindings: ModuleBindings): string[] {
  const out = new Set<string>();
  routerMethods(parsed, app, bindings, out, new Set());
  return [...out].sort();
}

/** Routers read at most, across modules (a router tree of a large app). */
const MAX_ROUTERS = 64;

function routerMethods(parsed: ParsedPython, owner: string, bindings: ModuleBindings, out: Set<string>, seen: Set<string>): void {
  const key = `${parsed.file}\0${owner}`;
  if (seen.has(key) || seen.size >= MAX_ROUTERS) return;
  seen.add(key);
  for (const decorator of parsed.index.decorators) {
    const text = textOf(parsed, decorator);
    const match = /^@\s*(\w+)\s*\.\s*(put|patch|delete|post)\s*\(/.exec(text);
    if (!match || match[1] !== owner) continue;
    if (match[2] !== 'post') out.add(match[2].toUpperCase());
    else {
      const fn = decorator.parent?.getChild('FunctionDefinition');
      if (fn && routeBody(parsed, fn, bindings) === 'json') out.add('POST');
    }
  }
  for (const call of parsed.index.calls) {
    if (dottedName(parsed, call.firstChild) !== `${owner}.include_router`) continue;
    const [router] = callArguments(parsed, call.getChild('ArgList')).positional;
    if (router?.name === 'VariableName') {
      const name = textOf(parsed, router);
      // `from .routers import items_router`: the router of another module, under its name there.
      const imported = bindings.fromImports.has(name) ? importedModule(parsed, bindings, name) : undefined;
      if (imported) routerMethods(imported.parsed, imported.name, imported.bindings, out, seen);
      else if (!bindings.fromImports.has(name) && !bindings.imports.has(name)) routerMethods(parsed, name, bindings, out, seen);
    } else if (router?.name === 'MemberExpression') {
      // `items.router`, with `from app.api.routes import items` or `import app.api.routes.items as items`: a module's router.
      const dotted = dottedName(parsed, router);
      const dot = dotted?.lastIndexOf('.') ?? -1;
      if (!dotted || dot <= 0 || dotted.indexOf('.') !== dot) continue;
      const target = moduleNamed(parsed, bindings, dotted.slice(0, dot));
      if (target) routerMethods(target.parsed, dotted.slice(dot + 1), target.bindings, out, seen);
    }
  }
}

/** The repository module a plain name of this module stands for: `from pkg import items`, `import pkg.items as items`. */
function moduleNamed(parsed: ParsedPython, bindings: ModuleBindings, name: string): { parsed: ParsedPython; bindings: ModuleBindings } | undefined {
  if (!bindings.modules || bindings.hops >= MAX_HOPS) return undefined;
  const from = bindings.fromImports.get(name);
  const module = from ? `${from.module}${from.module.endsWith('.') ? '' : '.'}${from.name}` : bindings.imports.get(name);
  if (!module) return undefined;
  const target = bindings.modules.load(parsed.file, module);
  if (!target) return undefined;
  parsed.readsModules = true;
  return { parsed: target, bindings: bindings.modules.bindingsOf(target, bindings.hops + 1) };
}
