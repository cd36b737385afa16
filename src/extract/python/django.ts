import type { SyntaxNode } from '@lezer/common';
import { djangoCorsProfile, djangoCorsProgram } from '../../model/frameworks/django-cors.js';
import type { CorsPolicy, OriginMatcher } from '../../model/types.js';
import { eachOriginEntry, fallbackCredentials, listSetting, locatedTri, maxAgeOf, strict, unknownOrigin } from './options.js';
import { assignedWhenUnset } from './environment.js';
import { childrenOf, dottedName, locOf, textOf, type ParsedPython } from './parse.js';
import { MAX_HOPS } from './modules.js';
import { djangoAuthGate } from './auth-gate.js';
import { handSetPolicies } from './hand-set.js';
import { writeOver } from './app-layers.js';
import { answerOf } from '../../model/layer-overlay.js';
import { evaluate, stringItems, type ModuleBindings, type PyValue } from './values.js';

/** django-cors-headers settings; the first name of each pair wins when both are set (conf.py). */
const ALIASES: Record<string, string[]> = {
  allowedOrigins: ['CORS_ALLOWED_ORIGINS', 'CORS_ORIGIN_WHITELIST'],
  regexes: ['CORS_ALLOWED_ORIGIN_REGEXES', 'CORS_ORIGIN_REGEX_WHITELIST'],
  allowAll: ['CORS_ALLOW_ALL_ORIGINS', 'CORS_ORIGIN_ALLOW_ALL'],
  credentials: ['CORS_ALLOW_CREDENTIALS'],
  methods: ['CORS_ALLOW_METHODS'],
  headers: ['CORS_ALLOW_HEADERS'],
  expose: ['CORS_EXPOSE_HEADERS'],
  maxAge: ['CORS_PREFLIGHT_MAX_AGE'],
  urls: ['CORS_URLS_REGEX'],
};
/** Names only django-cors-headers uses (Flask-CORS config shares CORS_ALLOW_HEADERS and CORS_EXPOSE_HEADERS). */
const DJANGO_ONLY = ['CORS_ALLOWED_ORIGINS', 'CORS_ORIGIN_WHITELIST', 'CORS_ALLOWED_ORIGIN_REGEXES', 'CORS_ORIGIN_REGEX_WHITELIST', 'CORS_ALLOW_ALL_ORIGINS', 'CORS_ORIGIN_ALLOW_ALL', 'CORS_ALLOW_CREDENTIALS', 'CORS_URLS_REGEX', 'CORS_PREFLIGHT_MAX_AGE'];
const MIDDLEWARE_CLASS = 'corsheaders.middleware.CorsMiddleware';
/** Middleware django-cors-headers' README says must come after CorsMiddleware, because it can answer on its own. */
const RESPONDING_MIDDLEWARE = new Set(['django.middleware.common.CommonMiddleware', 'whitenoise.middleware.WhiteNoiseMiddleware']);

/** A position after every statement of the module: where Django reads the settings it ends with. */
const MODULE_END = (parsed: ParsedPython) => ({ from: parsed.text.length, to: parsed.text.length });

interface Setting {
  name: string;
  target: SyntaxNode;
  value: PyValue;
}

/** Every module-level assignment by name, including those inside `if DEBUG:` blocks. */
export function assignments(parsed: ParsedPython): Map<string, SyntaxNode[]> {
  const found = new Map<string, SyntaxNode[]>();
  const visit = (statements: SyntaxNode[]) => {
    for (const statement of statements) {
      if (statement.name === 'AssignStatement' || statement.name === 'UpdateStatement') {
        const target = statement.firstChild;
        if (target?.name === 'VariableName') found.set(textOf(parsed, target), [...(found.get(textOf(parsed, target)) ?? []), target]);
      } else if (['IfStatement', 'TryStatement', 'WithStatement', 'StatementGroup'].includes(statement.name)) {
        for (const child of childrenOf(statement)) visit(child.name === 'Body' ? childrenOf(child) : statement.name === 'StatementGroup' ? [child] : []);
      }
    }
  };
  visit(childrenOf(parsed.root));
  return found;
}

/**
 * What a star import of the repository (`from .base import *`, the split-settings layout of
 * cookiecutter-django and most Django projects) binds `name` to: the value the imported module
 * ends with, read there (its own `+=` and star imports included). 'unknown' when a star-imported
 * module is not in the repository or the chain is too long; undefined when none of them sets it.
 */
function inheritedSetting(parsed: ParsedPython, bindings: ModuleBindings, name: string): PyValue | 'unknown' | undefined {
  // The last star import that sets the name wins, as in Python; a module star-imported twice counts once, at its last import.
  for (const module of [...new Set([...bindings.starModules].reverse())]) {
    if (!bindings.modules || bindings.hops >= MAX_HOPS) return 'unknown';
    const target = bindings.modules.load(bindings.parsed.file, module);
    if (!target) return 'unknown';
    parsed.readsModules = true;
    bindings.parsed.readsModules = true;
    const theirs = bindings.modules.bindingsOf(target, bindings.hops + 1);
    const found = settingOf(target, theirs, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** moduleSetting of a star-imported module, once per module, hop count and name: settings modules that star-import several others that star-import others again are read in time linear in their size. */
const settingsRead = new WeakMap<ModuleBindings, Map<string, PyValue | 'unknown' | undefined>>();
function settingOf(parsed: ParsedPython, bindings: ModuleBindings, name: string): PyValue | 'unknown' | undefined {
  let byName = settingsRead.get(bindings);
  if (!byName) settingsRead.set(bindings, (byName = new Map()));
  if (!byName.has(name)) byName.set(name, moduleSetting(parsed, bindings, name));
  return byName.get(name);
}

/**
 * `NAME += [...]`, `NAME.append(x)` and `NAME.extend([...])` written at module level, in order, as
 * lists; undefined when one of them is inside a block or adds what cannot be read.
 */
function moduleAdditions(parsed: ParsedPython, bindings: ModuleBindings, name: string): PyValue[][] | undefined {
  const added: PyValue[][] = [];
  const visit = (statements: SyntaxNode[], nested: boolean): boolean => {
    for (const statement of statements) {
      if (statement.name === 'UpdateStatement' && statement.firstChild?.name === 'VariableName' && textOf(parsed, statement.firstChild) === name) {
        const [, op, value] = childrenOf(statement);
        const items = evaluate(parsed, value, bindings);
        if (nested || textOf(parsed, op) !== '+=' || items.kind !== 'list' || items.incomplete) return false;
        added.push(items.items);
      } else if (statement.name === 'ExpressionStatement' && statement.firstChild?.name === 'CallExpression') {
        const call = statement.firstChild;
        const callee = call.firstChild;
        const [object, dot, method] = callee?.name === 'MemberExpression' ? childrenOf(callee) : [];
        if (object?.name !== 'VariableName' || dot?.name !== '.' || textOf(parsed, object) !== name) continue;
        const args = childrenOf(call.getChild('ArgList') ?? call).filter((child) => !['(', ')', ','].includes(child.name));
        const argument = args.length === 1 ? evaluate(parsed, args[0], bindings) : undefined;
        const verb = method ? textOf(parsed, method) : '';
        if (nested || !argument || argument.kind === 'unknown') return false;
        if (verb === 'append') added.push([argument]);
        else if (verb === 'extend' && argument.kind === 'list' && !argument.incomplete) added.push(argument.items);
        else return false;
      } else if (['IfStatement', 'TryStatement', 'WithStatement', 'ForStatement', 'WhileStatement'].includes(statement.name)) {
        for (const body of childrenOf(statement).filter((child) => child.name === 'Body')) if (!visit(childrenOf(body), true)) return false;
      } else if (statement.name === 'StatementGroup' && !visit(childrenOf(statement), nested)) return false;
    }
    return true;
  };
  return visit(childrenOf(parsed.root), false) ? added : undefined;
}

/**
 * The value a settings module ends with for `name`: its own single assignment, or what it
 * star-imports, followed by the lists it adds at module level. undefined when nothing sets it.
 */
function moduleSetting(parsed: ParsedPython, bindings: ModuleBindings, name: string): PyValue | 'unknown' | undefined {
  if (bindings.ambiguous.has(name)) {
    const unset = assignedWhenUnset(parsed, bindings, name, MODULE_END(parsed), bindings);
    const evaluated = unset && evaluate(parsed, unset.node, bindings);
    return evaluated && evaluated.kind !== 'unknown' && !bindings.extended.has(name) ? { ...evaluated, fallback: evaluated.fallback ?? unset!.fallback } : 'unknown';
  }
  const bound = bindings.values.get(name);
  const base = bound ? evaluate(parsed, bound, bindings) : bindings.extended.has(name) ? inheritedSetting(parsed, bindings, name) : bindings.starImport ? inheritedSetting(parsed, bindings, name) : undefined;
  if (!bindings.extended.has(name) || base === undefined || base === 'unknown') return base;
  const added = base.kind === 'list' && !base.incomplete ? moduleAdditions(parsed, bindings, name) : undefined;
  if (!added || base.kind !== 'list') return base.kind === 'list' ? { ...base, incomplete: true } : 'unknown';
  return { ...base, items: [...base.items, ...added.flat()], fallback: base.fallback };
}

/**
 * A CORS_ORIGIN_WHITELIST written for django-cors-headers before 3.0: every entry a host without a scheme
 * (`'localhost:3000'`, `'example.com'`), as that version's README showed. It compared `urlparse(origin).netloc`
 * with the entries, any scheme passing; 3.0 (2019) made entries need a scheme, and its system check
 * (corsheaders.E013) stops manage.py runserver and migrate on a host-only entry, so a list made only of them
 * is one a project runs on the old version (or on the django-cors-middleware fork, which kept that comparison).
 * The setting's new name (CORS_ALLOWED_ORIGINS, 3.1) is never host-only.
 */
function hostOnlyWhitelist(found: Setting | undefined | 'unknown', allowed: PyValue): boolean {
  if (found === undefined || found === 'unknown' || found.name !== 'CORS_ORIGIN_WHITELIST') return false;
  const entries = stringItems(allowed);
  if (!entries || entries.length === 0) return false;
  return entries.every((entry) => entry.value !== 'null' && !entry.value.includes('://') && /^[A-Za-z0-9.-]+(?::\d+)?$/.test(entry.value)) && entries.some((entry) => /[A-Za-z]/.test(entry.value) || entry.value.includes('.'));
}

/** Mutations of a settings list written in a settings module (`CORS_ALLOWED_ORIGINS.append(…)`). */
const LIST_MUTATORS = new Set(['append', 'extend', 'insert', 'remove']);
const SETTING_NAME = /^[A-Z][A-Z0-9_]*$/;

/**
 * Whether the module reads one of the django-cors-headers names it assigns as its own constant:
 * in a function or class body (a hand-written CORS middleware that keeps `CORS_ALLOWED_ORIGINS = "*"`
 * next to the code that sends it), or at module level in a call or an assignment to a name that is no
 * setting (`app.add_middleware(CORSMiddleware, allow_origins=CORS_ALLOWED_ORIGINS)`). Django reads
 * settings through `django.conf.settings` from other modules; a settings module uses its names only
 * to build other settings (`CSRF_TRUSTED_ORIGINS = CORS_ALLOWED_ORIGINS`), to test them at module
 * level, or to add to its lists. One pass over the tree.
 */
export function readsOwnConstants(parsed: ParsedPython, names: Set<string>): boolean {
  let found = false;
  parsed.root.cursor().iterate((ref) => {
    if (found) return false;
    if (ref.name !== 'VariableName' || !names.has(textOf(parsed, ref.node))) return undefined;
    let node = ref.node;
    for (let parent = node.parent; parent; node = parent, parent = parent.parent) {
      if (parent.name === 'FunctionDefinition' || parent.name === 'ClassDefinition' || parent.name === 'LambdaExpression') {
        found = true;
        return false;
      }
      if (parent.name === 'AssignStatement' || parent.name === 'UpdateStatement') {
        const target = parent.firstChild;
        if (parent.name === 'AssignStatement' && !(target?.name === 'VariableName' && SETTING_NAME.test(textOf(parsed, target)))) found = true;
        return false;
      }
      if (parent.name === 'ExpressionStatement') {
        const call = parent.firstChild;
        const callee = call?.name === 'CallExpression' ? call.firstChild : undefined;
        const calleeName = callee ? dottedName(parsed, callee) : undefined;
        // `NAME.append(…)`: the name is the object of the callee; `print(NAME)` only shows it.
        const ownList = calleeName !== undefined && ref.from === callee!.from && calleeName === `${textOf(parsed, ref.node)}.${calleeName.slice(calleeName.lastIndexOf('.') + 1)}` && LIST_MUTATORS.has(calleeName.slice(calleeName.lastIndexOf('.') + 1));
        if (!ownList && calleeName !== 'print') found = true;
        return false;
      }
      if (parent.name === 'Body' || parent.name === 'Script') return false;
    }
    return false;
  });
  return found;
}

/**
 * Each name occurs in the text only where `assigned` records it as a target: then no other node
 * reads it, and readsOwnConstants, which walks the whole tree (the cost of a settings module, cold,
 * some 4-13 ms each), would find nothing. Every recorded target is an occurrence at its own
 * position, so a name with no more occurrences than targets has none elsewhere (in code, strings or
 * comments). indexOf stops at the first occurrence past the targets: linear in the text per name.
 */
export function onlyAtTargets(parsed: ParsedPython, names: string[], assigned: Map<string, SyntaxNode[]>): boolean {
  for (const name of names) {
    const targets = assigned.get(name)?.length ?? 0;
    let seen = 0;
    for (let at = parsed.text.indexOf(name); at !== -1; at = parsed.text.indexOf(name, at + 1)) if (++seen > targets) return false;
  }
  return true;
}

export function djangoPolicies(parsed: ParsedPython, bindings: ModuleBindings): CorsPolicy[] {
  const assigned = assignments(parsed);
  if (!DJANGO_ONLY.some((name) => assigned.has(name))) return [];
  // The names are this module's own constants (a hand-made middleware, another framework's options), not Django settings.
  const names = DJANGO_ONLY.filter((name) => assigned.has(name));
  if (!onlyAtTargets(parsed, names, assigned) && readsOwnConstants(parsed, new Set(names))) return [];
  const ownName = (name: string) => bindings.values.has(name) || bindings.ambiguous.has(name) || bindings.extended.has(name);
  // Neither written here: the list a star import brings is MIDDLEWARE (MIDDLEWARE_CLASSES is Django < 1.10's name).
  const middlewareName = bindings.values.has('MIDDLEWARE') || (!ownName('MIDDLEWARE_CLASSES') && bindings.starImport) ? 'MIDDLEWARE' : 'MIDDLEWARE_CLASSES';
  const middleware = bindings.values.get(middlewareName);
  let registeredAfter: CorsPolicy['registeredAfter'];
  /** The repository middleware classes listed above CorsMiddleware (outermost first): their response code runs after it. */
  let outerEntries: Array<{ value: string; node: SyntaxNode }> = [];
  // `MIDDLEWARE += [...]`, `MIDDLEWARE.insert(0, ...)`: the list as first written is not the list Django
  // reads; CorsMiddleware named anywhere in the file may be what is added.
  const addedLater = bindings.extended.has(middlewareName) && parsed.text.includes(MIDDLEWARE_CLASS);
  let middlewareValue = middleware && !addedLater ? evaluate(parsed, middleware, bindings) : undefined;
  if (!middleware && !bindings.ambiguous.has(middlewareName) && !bindings.extended.has(middlewareName) && bindings.starImport) {
    // The list `from .base import *` brings, when this module leaves it alone.
    const inherited = moduleSetting(parsed, bindings, middlewareName);
    if (inherited && inherited !== 'unknown' && !(inherited.kind === 'list' && inherited.incomplete)) middlewareValue = inherited;
  }
  if (middlewareValue) {
    const entries = stringItems(middlewareValue);
    // The settings are inert when this file's MIDDLEWARE list is known and lacks CorsMiddleware.
    if (entries && !entries.some((entry) => entry.value === MIDDLEWARE_CLASS)) return [];
    // Middleware above CorsMiddleware that answers by itself (APPEND_SLASH redirects, static files) answers without CORS headers.
    const at = entries?.findIndex((entry) => entry.value === MIDDLEWARE_CLASS) ?? -1;
    // Only a list read in full says which classes run outside CorsMiddleware.
    if (entries && at > 0 && !(middlewareValue.kind === 'list' && middlewareValue.incomplete)) outerEntries = entries.slice(0, at);
    const before = (entries ?? []).slice(0, Math.max(at, 0)).filter((entry) => RESPONDING_MIDDLEWARE.has(entry.value));
    if (before.length > 0) registeredAfter = { what: 'middleware', items: before.map((entry) => ({ label: entry.value, loc: locOf(parsed, entry.node) })), at: locOf(parsed, entries![at].node) };
    // A middleware class of the repository above CorsMiddleware that answers requests without credentials answers preflights too (auth-gate.ts).
    for (const entry of (entries ?? []).slice(0, Math.max(at, 0))) {
      const dot = entry.value.lastIndexOf('.');
      if (dot <= 0 || !bindings.modules || /^(django|corsheaders|whitenoise)\./.test(entry.value)) continue;
      const module = bindings.modules.load(parsed.file, entry.value.slice(0, dot));
      if (!module) continue;
      parsed.readsModules = true;
      const gate = djangoAuthGate(module, entry.value.slice(dot + 1));
      if (gate) {
        registeredAfter = { what: 'auth', items: [{ label: entry.value, loc: locOf(parsed, entry.node), status: gate.status }], at: locOf(parsed, entries![at].node) };
        break;
      }
    }
  }

  const setting = (key: keyof typeof ALIASES): Setting | undefined | 'unknown' => {
    for (const name of ALIASES[key]) {
      const targets = assigned.get(name);
      if (!targets || (bindings.extended.has(name) && !bindings.values.has(name) && !bindings.ambiguous.has(name))) {
        // Not set here, or only added to (`CORS_ALLOWED_ORIGINS += [...]`): what `from .base import *` brings, and the additions.
        if (!bindings.starImport) {
          if (targets) return { name, target: targets[0], value: { kind: 'unknown', reason: `${name} is only extended here`, node: targets[0] } };
          continue;
        }
        const inherited = moduleSetting(parsed, bindings, name);
        if (inherited === 'unknown') return 'unknown';
        if (inherited) return { name, target: targets?.[0] ?? inherited.node, value: inherited };
        continue;
      }
      const value = bindings.values.get(name);
      if (!value || bindings.ambiguous.has(name)) {
        // `if os.environ.get("CORS_ALLOWED_ORIGINS"): … else: CORS_ALLOW_ALL_ORIGINS = True`: Django reads the
        // settings once the module has run, so the value is the one the module ends with when the variables are unset.
        const unset = assignedWhenUnset(parsed, bindings, name, MODULE_END(parsed), bindings);
        const evaluated = unset && evaluate(parsed, unset.node, bindings);
        if (evaluated && evaluated.kind !== 'unknown') return { name, target: targets[0], value: { ...evaluated, fallback: evaluated.fallback ?? unset!.fallback } };
        return { name, target: targets[0], value: { kind: 'unknown', reason: `${name} is assigned in more than one place`, node: targets[0] } };
      }
      if (bindings.extended.has(name)) {
        // `CORS_ALLOWED_ORIGINS = [...]` then `CORS_ALLOWED_ORIGINS += [...]` at module level: both lists.
        const merged = moduleSetting(parsed, bindings, name);
        if (merged && merged !== 'unknown') return { name, target: targets[0], value: merged };
      }
      const evaluated = evaluate(parsed, value, bindings);
      return { name, target: targets[0], value: bindings.extended.has(name) && evaluated.kind === 'list' ? { ...evaluated, incomplete: true } : evaluated };
    }
    return undefined;
  };
  const written = DJANGO_ONLY.flatMap((name) => assigned.get(name) ?? []).sort((a, b) => a.from - b.from);
  const sourceLoc = locOf(parsed, written[0]);
  const valueOf = (key: keyof typeof ALIASES): PyValue | undefined => {
    const found = setting(key);
    if (found === 'unknown') return { kind: 'unknown', reason: 'may be set by a star import', node: written[0] };
    // Only the origin settings and the credentials switch are read from a fallback (see `strict`, `fallbackCredentials`).
    return key === 'allowedOrigins' || key === 'allowAll' || key === 'credentials' ? found?.value : strict(found?.value);
  };

  const origins: OriginMatcher[] = [];
  const allowAllWritten = valueOf('allowAll');
  // A fallback switch counts only as a real bool: django-cors-headers' system check refuses anything else.
  const allowAll = allowAllWritten?.fallback && allowAllWritten.kind !== 'bool' ? strict(allowAllWritten) : allowAllWritten;
  const allowAllValue = allowAll ? locatedTri(parsed, allowAll) : undefined;
  if (allowAllValue?.value === true) origins.push({ kind: 'any', loc: allowAllValue.loc, why: allowAll?.fallback });
  else {
    if (allowAllValue?.value === 'unknown') origins.push(unknownOrigin(parsed, allowAll!));
    const allowed = valueOf('allowedOrigins');
    const listId = `${sourceLoc.line}:${sourceLoc.column}`;
    if (allowed) {
      const comparedBy = hostOnlyWhitelist(setting('allowedOrigins'), allowed) ? 'netloc' : 'scheme-and-netloc';
      origins.push(
        ...eachOriginEntry(parsed, allowed, (entry, loc) => {
          // django-cors-headers has no '*' entry: a fallback list is never reported from.
          if ((entry.fallback ?? allowed.fallback) && entry.kind !== 'string') return unknownOrigin(parsed, entry, 'a fallback for an unset environment variable');
          return entry.kind === 'string' ? { kind: 'exact', value: entry.value, loc, listId, comparedBy } : unknownOrigin(parsed, entry);
        }),
      );
    }
    const regexes = valueOf('regexes');
    if (regexes) {
      origins.push(
        ...eachOriginEntry(parsed, regexes, (entry, loc) => {
          if (entry.kind === 'string') return { kind: 'pattern', source: entry.value, flags: '', dialect: 'python-match', loc };
          if (entry.kind === 'regex') return { kind: 'pattern', source: entry.pattern, flags: entry.ignoreCase ? 'i' : '', dialect: 'python-match', loc };
          return unknownOrigin(parsed, entry);
        }),
      );
    }
  }

  // As for the switch above, a fallback counts only as a real bool (the system check refuses anything else).
  const credentialsWritten = valueOf('credentials');
  const credentialsValue = credentialsWritten?.fallback && credentialsWritten.kind !== 'bool' ? strict(credentialsWritten) : credentialsWritten;
  const urls = valueOf('urls');
  const maxAgeValue = valueOf('maxAge');
  const list = (key: keyof typeof ALIASES) => {
    const value = valueOf(key);
    return value?.kind === 'unknown' ? ({ kind: 'unknown', loc: locOf(parsed, value.node) } as const) : listSetting(parsed, value);
  };
  const policy: CorsPolicy = {
    id: `${parsed.file}#settings@${sourceLoc.line}:${sourceLoc.column}`,
    source: { file: parsed.file, format: 'python', framework: djangoCorsProfile.id, loc: sourceLoc },
    scope: { kind: 'app', label: 'settings', path: urls?.kind === 'string' ? urls.value : undefined },
    origins,
    originMode: 'compare',
    credentials: credentialsValue ? fallbackCredentials(parsed, credentialsValue, origins) : undefined,
    allowMethods: list('methods'),
    allowHeaders: list('headers'),
    exposeHeaders: list('expose'),
    maxAge: maxAgeValue ? maxAgeOf(parsed, maxAgeValue) : undefined,
    preflight: { kind: 'handled', status: 200, loc: sourceLoc },
    vary: { origin: true },
    errorResponses: true,
    emitted: [],
    profile: djangoCorsProfile,
    registeredAfter,
  };
  policy.headerProgram = djangoCorsProgram(policy);
  if (policy.origins.length === 0) return [];
  if (outerEntries.length > 0 && bindings.modules) linkOuterMiddleware(parsed, bindings, outerEntries, policy);
  return [policy];
}

/**
 * Django runs MIDDLEWARE top to bottom on the request and bottom to top on the response, so a class listed
 * above CorsMiddleware handles every response after it, the empty 200 CorsMiddleware answers a preflight with
 * included: a header it sets with `response[name] = value` replaces CorsMiddleware's, the others stay
 * (checked with Django 3.2 + django-cors-headers: a `*` set there goes out with CorsMiddleware's
 * `Access-Control-Allow-Credentials: true`, on GET and on the preflight). The settings' policy answers as
 * that stack does: each repository class above it whose `__call__` or `process_response` writes CORS
 * headers, from the nearest to the outermost, writes over it.
 */
function linkOuterMiddleware(parsed: ParsedPython, bindings: ModuleBindings, entries: Array<{ value: string; node: SyntaxNode }>, policy: CorsPolicy): void {
  const layers: CorsPolicy[] = [];
  for (const entry of [...entries].reverse()) {
    const dot = entry.value.lastIndexOf('.');
    if (dot <= 0 || /^(django|corsheaders|whitenoise)\./.test(entry.value)) continue;
    const module = bindings.modules!.load(parsed.file, entry.value.slice(0, dot));
    if (!module || !/access-control-/i.test(module.text)) continue;
    const cls = classNamed(module, entry.value.slice(dot + 1));
    if (!cls) continue;
    parsed.readsModules = true;
    const first = locOf(module, cls).line;
    const last = module.text.slice(0, cls.to).split('\n').length;
    const written = handSetPolicies(module, module.index.calls, bindings.modules!.bindingsOf(module, bindings.hops + 1)).filter((layer) => {
      const line = layer.source.loc.line;
      return line >= first && line <= last && /^function (__call__|process_response)$/.test(layer.scope.label);
    });
    // One response method writes them; two would each be half of what the class does.
    if (written.length !== 1) continue;
    layers.push(written[0]);
  }
  for (const layer of layers) {
    writeOver(layer, policy, answerOf(policy));
    policy.headerProgram = layer.headerProgram;
    policy.testedOrigins = [...(policy.testedOrigins ?? []), ...layer.origins];
  }
}

function classNamed(module: ParsedPython, name: string): SyntaxNode | undefined {
  for (let statement = module.root.firstChild; statement; statement = statement.nextSibling) {
    const cls = statement.name === 'DecoratedStatement' ? statement.getChild('ClassDefinition') : statement;
    if (cls?.name !== 'ClassDefinition') continue;
    const id = cls.getChild('VariableName');
    if (id && textOf(module, id) === name) return cls;
  }
  return undefined;
}
