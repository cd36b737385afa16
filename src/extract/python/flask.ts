import { flaskAuthGate, originGate } from './auth-gate.js';
import type { SyntaxNode } from '@lezer/common';
import { flaskCorsProfile, flaskCorsProgram, probablyRegex, sanicCorsProfile, type FlaskCorsExtras } from '../../model/frameworks/flask-cors.js';
import type { CorsPolicy, FrameworkProfile, ListSetting, Loc, OriginMatcher, PolicyScope } from '../../model/types.js';
import { eachOriginEntry, fallbackCredentials, fallbackOrigin, listSetting, locatedTri, maxAgeOf, strict, triOf, unknownOrigin } from './options.js';
import { callArguments, childrenOf, dottedName, locOf, rangeLoc, textOf, type ParsedPython } from './parse.js';
import { evaluate, importedModule, knownSpread, resolveName, stringItems, type ModuleBindings, type PyValue } from './values.js';
import { classNamed, upperCaseAttributes } from './settings-class.js';
import { ALLOW_CREDENTIALS, ALLOW_ORIGIN, Unknowns } from '../../model/uncertainty.js';

/** Sanic-CORS is Flask-CORS's core ported to Sanic (same options, same answers): one reader, each with its own profile. */
const CORS_NAMES = new Map<string, FrameworkProfile>([
  ['flask_cors.CORS', flaskCorsProfile],
  ['flask_cors.extension.CORS', flaskCorsProfile],
  ['sanic_cors.CORS', sanicCorsProfile],
  ['sanic_cors.extension.CORS', sanicCorsProfile],
]);
const DECORATOR_NAMES = new Map<string, FrameworkProfile>([
  ['flask_cors.cross_origin', flaskCorsProfile],
  ['flask_cors.decorator.cross_origin', flaskCorsProfile],
  ['sanic_cors.cross_origin', sanicCorsProfile],
  ['sanic_cors.decorator.cross_origin', sanicCorsProfile],
]);
const DEFAULT_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

/**
 * Flask-CORS options come in layers, later ones winning: defaults, `app.config['CORS_*']`, the
 * `CORS(...)` arguments, `init_app(...)` arguments, then a resource's own dict. A layer we cannot
 * see (`**kwargs`, `app.config.from_pyfile(...)`, `from_object` of something other than a class found
 * in the repository) makes every option it could set unknown.
 */
interface OptionLayer {
  values: Map<string, PyValue>;
  hiddenAt?: Loc;
}

function merge(base: OptionLayer, over: OptionLayer): OptionLayer {
  if (over.hiddenAt) return { values: new Map(over.values), hiddenAt: over.hiddenAt };
  return { values: new Map([...base.values, ...over.values]), hiddenAt: base.hiddenAt };
}

function keywordLayer(parsed: ParsedPython, args: ReturnType<typeof callArguments>, bindings: ModuleBindings): OptionLayer {
  const values = new Map<string, PyValue>();
  for (const [name, { value }] of args.keywords) values.set(name, evaluate(parsed, value, bindings));
  return { values, hiddenAt: args.spread ? locOf(parsed, args.spread) : undefined };
}

/** `app.config['CORS_…'] = …`, `app.config.update(CORS_…=…)`, `from_object(SomeClass)`; other `from_*` hide everything. A config whose app is not created in this file is unknown. */
function configLayer(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): OptionLayer {
  const layer: OptionLayer = { values: new Map() };
  let createsApp = false;
  for (const call of calls) {
    const callee = resolveName(parsed, call.firstChild, bindings) ?? '';
    if (callee === 'flask.Flask' || callee === 'Flask' || callee === 'sanic.Sanic' || callee === 'Sanic') createsApp = true;
    const configCall = /\.config\.(\w+)$/.exec(callee);
    if (!configCall) continue;
    if (configCall[1] === 'update') {
      const args = callArguments(parsed, call.getChild('ArgList'));
      for (const [name, { value }] of args.keywords) if (name.startsWith('CORS_')) layer.values.set(name.slice(5).toLowerCase(), evaluate(parsed, value, bindings));
      for (const positional of args.positional) {
        const dict = evaluate(parsed, positional, bindings);
        if (dict.kind !== 'dict' || dict.incomplete) layer.hiddenAt ??= locOf(parsed, positional);
        else for (const [name, { value }] of dict.entries) if (name.startsWith('CORS_')) layer.values.set(name.slice(5).toLowerCase(), value);
      }
      if (args.spread) layer.hiddenAt ??= locOf(parsed, args.spread);
    } else if (configCall[1] === 'from_object' && fromClass(parsed, call, bindings, layer)) {
      // A class of this repository: its upper-case attributes are the config it copies.
    } else if (configCall[1].startsWith('from_') || configCall[1] === 'setdefault') {
      layer.hiddenAt ??= locOf(parsed, call);
    }
  }
  // A helper of the repository handed the app that fills its config (alerta's `config.init_app(app)`, whose
  // method runs `app.config.update(user_config)`): what it sets is not visible here.
  const checked = new Map<string, boolean>();
  if (!layer.hiddenAt) for (const call of calls) if (fillsConfigElsewhere(parsed, call, bindings, checked)) {
    layer.hiddenAt = locOf(parsed, call);
    break;
  }
  for (const assignment of parsed.index.assignments) {
    const target = assignment.firstChild;
    if (target?.name !== 'MemberExpression') continue;
    const parts = childrenOf(target);
    if (parts[1]?.name !== '[' || !/\.config$/.test(dottedName(parsed, parts[0]) ?? '')) continue;
    const key = evaluate(parsed, parts[2], bindings);
    const value = childrenOf(assignment).find((child, index, all) => all[index - 1]?.name === 'AssignOp');
    if (key.kind === 'string' && key.value.startsWith('CORS_') && value) layer.values.set(key.value.slice(5).toLowerCase(), evaluate(parsed, value, bindings));
  }
  return createsApp ? layer : { values: layer.values, hiddenAt: layer.hiddenAt ?? { file: parsed.file, line: 1, column: 1, endLine: 1, endColumn: 1 } };
}

/** A write to a config inside a function body: `x.config.update(…)`, `x.config.from_pyfile(…)`, `x.config["K"] = …`. */
const CONFIG_WRITE = /\.config\.(?:update|setdefault|from_[a-z_]+)[ \t]*\(|\.config\[[^\]\r\n]{0,200}\][ \t]*=(?!=)/;

/**
 * Whether `call` hands a name (the app) to a function or method defined in the repository whose body writes
 * to a config: `configure(app)`, or `config.init_app(app)` with `config = Config()` of a repository class.
 */
function fillsConfigElsewhere(parsed: ParsedPython, call: SyntaxNode, bindings: ModuleBindings, checked: Map<string, boolean>): boolean {
  const argList = call.getChild('ArgList');
  if (!argList || !childrenOf(argList).some((child) => child.name === 'VariableName')) return false;
  const callee = call.firstChild;
  let definition: Located | undefined;
  if (callee?.name === 'VariableName') definition = repositoryDefinition(parsed, bindings, textOf(parsed, callee), 'FunctionDefinition', bindings.hops);
  else if (callee?.name === 'MemberExpression') {
    const parts = childrenOf(callee);
    const receiver = parts[0];
    const method = parts.at(-1);
    if (receiver?.name !== 'VariableName' || method?.name !== 'PropertyName') return false;
    const cls = instanceClass(parsed, bindings, textOf(parsed, receiver), bindings.hops);
    const body = cls && childrenOf(cls.node.getChild('Body') ?? cls.node);
    const name = textOf(parsed, method);
    const found = body?.map((statement) => (statement.name === 'DecoratedStatement' ? statement.getChild('FunctionDefinition') : statement)).find((statement) => statement?.name === 'FunctionDefinition' && statement.getChild('VariableName') && textOf(cls!.parsed, statement.getChild('VariableName')!) === name);
    if (cls && found) definition = { parsed: cls.parsed, bindings: cls.bindings, node: found };
  }
  if (!definition) return false;
  // Each definition's text is searched once, however many calls hand it a name.
  const key = `${definition.parsed.file}:${definition.node.from}`;
  let writes = checked.get(key);
  if (writes === undefined) checked.set(key, (writes = CONFIG_WRITE.test(textOf(definition.parsed, definition.node))));
  return writes;
}

type Located = { parsed: ParsedPython; bindings: ModuleBindings; node: SyntaxNode };

/** A module-level function or class `name` defined here or in the repository module it is imported from. */
export function repositoryDefinition(parsed: ParsedPython, bindings: ModuleBindings, name: string, kind: 'FunctionDefinition' | 'ClassDefinition', hops: number): Located | undefined {
  for (const statement of bindings.statements) {
    const definition = statement.name === 'DecoratedStatement' ? statement.getChild(kind) : statement;
    const id = definition?.name === kind ? definition.getChild('VariableName') : null;
    if (id && textOf(parsed, id) === name) return { parsed, bindings, node: definition! };
  }
  const target = importedModule(parsed, bindings, name, hops);
  return target && repositoryDefinition(target.parsed, target.bindings, target.name, kind, hops + 1);
}

/** The repository class of a module-level `name = Cls(…)`, here or in the module `name` is imported from. */
function instanceClass(parsed: ParsedPython, bindings: ModuleBindings, name: string, hops: number): Located | undefined {
  const value = bindings.ambiguous.has(name) ? undefined : bindings.values.get(name);
  if (value?.name === 'CallExpression' && value.firstChild?.name === 'VariableName') return repositoryDefinition(parsed, bindings, textOf(parsed, value.firstChild), 'ClassDefinition', hops);
  if (value) return undefined;
  const target = importedModule(parsed, bindings, name, hops);
  return target && instanceClass(target.parsed, target.bindings, target.name, hops + 1);
}

/** `app.config.from_object(Config)` with a class found here or in an imported module: its CORS_* attributes join the layer. */
function fromClass(parsed: ParsedPython, call: SyntaxNode, bindings: ModuleBindings, layer: OptionLayer): boolean {
  const args = callArguments(parsed, call.getChild('ArgList'));
  const named = args.positional.length === 1 && !args.spread && args.positional[0].name === 'VariableName' ? args.positional[0] : undefined;
  const cls = named && classNamed(parsed, bindings, textOf(parsed, named), bindings.hops);
  const attributes = cls && upperCaseAttributes(cls);
  if (!attributes) return false;
  for (const [name, where] of attributes) if (name.startsWith('CORS_')) layer.values.set(name.slice(5).toLowerCase(), evaluate(where.parsed, where.node, where.bindings));
  return true;
}

interface FlaskSite {
  anchor: Loc;
  /** The `CORS(app, …)` call, where the site is one. */
  call?: SyntaxNode;
  layers: OptionLayer[];
  scope: PolicyScope;
  decorator: boolean;
  profile: FrameworkProfile;
}

export function flaskPolicies(parsed: ParsedPython, calls: SyntaxNode[], decorators: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  const sites: FlaskSite[] = [];
  let config: OptionLayer | undefined;
  const appConfig = () => (config ??= configLayer(parsed, calls, bindings));
  const initCalls = calls.filter((call) => /\.init_app$/.test(dottedName(parsed, call.firstChild) ?? ''));
  for (const call of calls) {
    const profile = CORS_NAMES.get(resolveName(parsed, call.firstChild, bindings) ?? '');
    if (!profile) continue;
    const args = knownSpread(parsed, callArguments(parsed, call.getChild('ArgList')), bindings);
    const ctor = keywordLayer(parsed, args, bindings);
    ctor.values.delete('app');
    const app = args.positional[0] ?? args.keywords.get('app')?.value;
    const anchor = locOf(parsed, call.firstChild!);
    if (app) {
      // A blueprint has no config, so Flask-CORS reads none for it.
      const config = isBlueprint(parsed, app, bindings) ? { values: new Map() } : appConfig();
      sites.push({ anchor, call, layers: [config, ctor], scope: { kind: 'app', label: textOf(parsed, app) }, decorator: false, profile });
      continue;
    }
    const boundTo = assignedName(parsed, call);
    const inits = boundTo ? initCalls.filter((init) => dottedName(parsed, init.firstChild) === `${boundTo}.init_app`) : [];
    for (const init of inits) {
      const initArgs = knownSpread(parsed, callArguments(parsed, init.getChild('ArgList')), bindings);
      const initLayer = keywordLayer(parsed, initArgs, bindings);
      const initApp = initArgs.positional[0] ?? initArgs.keywords.get('app')?.value;
      initLayer.values.delete('app');
      sites.push({ anchor, layers: [appConfig(), ctor, initLayer], scope: { kind: 'app', label: initApp ? textOf(parsed, initApp) : 'app' }, decorator: false, profile });
    }
    if (inits.length === 0) sites.push({ anchor, layers: [appConfig(), ctor], scope: { kind: 'app', label: 'app' }, decorator: false, profile });
  }
  for (const decorator of decorators) {
    const name = decoratorName(parsed, decorator);
    if (!name) continue;
    const [head, ...rest] = name.split('.');
    const profile = DECORATOR_NAMES.get([bindings.imports.get(head) ?? head, ...rest].join('.'));
    if (!profile) continue;
    const nameParts = childrenOf(decorator).filter((node) => node.name === 'VariableName');
    const anchor = rangeLoc(parsed, nameParts[0].from, nameParts[nameParts.length - 1].to);
    const args = knownSpread(parsed, callArguments(parsed, decorator.getChild('ArgList')), bindings);
    sites.push({ anchor, layers: [appConfig(), keywordLayer(parsed, args, bindings)], scope: routeScope(parsed, decorator, bindings), decorator: true, profile });
  }
  const hooks = decorators.filter((decorator) => writesAllowOriginAfterRequest(parsed, decorator));
  return sites.flatMap((site) => {
    const own = policiesFor(parsed, site);
    // A before_request hook that answers requests without credentials answers every preflight too (auth-gate.ts).
    const gate = site.scope.kind === 'app' && /^\w+$/.test(site.scope.label) && site.profile === flaskCorsProfile ? flaskAuthGate(parsed, site.scope.label) : undefined;
    if (gate) for (const policy of own) policy.registeredAfter = { what: 'auth', items: [gate], at: site.anchor };
    // A before_request hook that answers origins its own test refuses: which origins the views answer is its code's to say.
    const originCheck = site.scope.kind === 'app' && /^\w+$/.test(site.scope.label) ? originGate(parsed, site.scope.label, 'flask') : undefined;
    if (originCheck) {
      for (const policy of own) {
        if (policy.origins.length > 0) policy.origins = [{ kind: 'unknown', reason: `the before_request hook ${originCheck.label} answers ${originCheck.status} to the origins its own test refuses before the views run`, loc: originCheck.loc }];
      }
    }
    if (hooks.length > 0) {
      const appended = hooks.length === 1 && site.call ? appendedAfterCors(parsed, hooks[0], site.call) : undefined;
      for (const policy of own) {
        if (appended) appendAllowOrigin(policy, appended);
        else handOverAllowOrigin(policy);
      }
    }
    return own;
  });
}

/**
 * The literal Allow-Origin an after_request hook appends (`response.headers.add(…)`, Werkzeug's
 * add keeps the header already there) on every response, when Flask runs it after Flask-CORS: hooks
 * run in reverse order of registration, so a hook registered before `CORS(app)` in the same block
 * runs after it. Checked with Flask 2.2 + Flask-CORS 3.0.10: GET and OPTIONS then carry both
 * headers (a hook registered after `CORS(app)` runs first, and Flask-CORS then adds nothing).
 */
function appendedAfterCors(parsed: ParsedPython, hook: SyntaxNode, call: SyntaxNode): { value: string; loc: Loc } | undefined {
  const decorated = hook.parent;
  let statement: SyntaxNode | null = call;
  while (statement && statement.parent && statement.parent !== decorated?.parent) statement = statement.parent;
  if (!decorated || !statement || statement.parent !== decorated.parent || decorated.to > statement.from) return undefined;
  const body = decorated.getChild('FunctionDefinition')?.getChild('Body');
  for (const line of body ? childrenOf(body) : []) {
    if (line.name !== 'ExpressionStatement' || line.to - line.from > 300) continue;
    const text = textOf(parsed, line);
    const match = /^\w+\.headers\.add(?:_header)?\(\s*(['"])access-control-allow-origin\1\s*,\s*(['"])([^'"\\\n]*)\2\s*,?\s*\)$/i.exec(text);
    if (!match) continue;
    const quoted = `${match[2]}${match[3]}${match[2]}`;
    const at = line.from + text.lastIndexOf(quoted);
    return { value: match[3], loc: rangeLoc(parsed, at, at + quoted.length) };
  }
  return undefined;
}

/** Flask-CORS's answer followed by the hook's appended Allow-Origin (when Flask-CORS sent one; alone, the hook is its own hand-set policy). */
function appendAllowOrigin(policy: CorsPolicy, appended: { value: string; loc: Loc }): void {
  const own = policy.headerProgram!;
  policy.headerProgram = {
    run: (request) => {
      const answer = own.run(request);
      const unknowns = new Unknowns().add(answer).header(ALLOW_CREDENTIALS).fields();
      if (!answer.headers.some((header) => header.name.toLowerCase() === ALLOW_ORIGIN)) return { ...answer, ...unknowns };
      return { ...answer, headers: [...answer.headers, { name: 'Access-Control-Allow-Origin', value: appended.value, loc: appended.loc }], ...unknowns };
    },
  };
}

/** `@app.after_request` on a function of this module that writes Access-Control-Allow-Origin. */
function writesAllowOriginAfterRequest(parsed: ParsedPython, decorator: SyntaxNode): boolean {
  if (!/\.after_request$/.test(decoratorName(parsed, decorator) ?? '')) return false;
  const decorated = decorator.parent;
  return decorated !== null && /access-control-allow-origin/i.test(parsed.text.slice(decorated.from, decorated.to));
}

/**
 * An after_request hook that writes Access-Control-Allow-Origin runs on the same responses as
 * Flask-CORS: Flask-CORS leaves a response alone once it carries that header (a hook registered after
 * it runs first), and a hook that runs later replaces it. Which origin and credentials go out is then
 * the hook's doing, judged as its own hand-set policy; Flask-CORS's other headers stay as modelled.
 */
/** Flask-CORS's own answer before an after_request hook took Allow-Origin over (app-layers.ts links a hook that runs after it). */
export const flaskCorsOwnAnswer = new WeakMap<CorsPolicy, NonNullable<CorsPolicy['headerProgram']>>();

function handOverAllowOrigin(policy: CorsPolicy): void {
  const own = policy.headerProgram!;
  flaskCorsOwnAnswer.set(policy, own);
  policy.headerProgram = {
    run: (request) => {
      const answer = own.run(request);
      return { ...answer, ...new Unknowns().add(answer).header(ALLOW_ORIGIN).header(ALLOW_CREDENTIALS).fields() };
    },
  };
}

/** The dotted name after `@` (lezer keeps decorator names as flat `VariableName . VariableName` siblings). */
function decoratorName(parsed: ParsedPython, decorator: SyntaxNode): string | undefined {
  const parts = childrenOf(decorator).filter((node) => node.name === 'VariableName' || node.name === '.');
  return parts.length ? parts.map((node) => textOf(parsed, node)).join('') : undefined;
}

function isBlueprint(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings): boolean {
  if (node.name !== 'VariableName') return false;
  const bound = bindings.values.get(textOf(parsed, node));
  if (bound?.name !== 'CallExpression') return false;
  const callee = resolveName(parsed, bound.firstChild, bindings);
  return callee === 'flask.Blueprint' || callee === 'flask.blueprints.Blueprint';
}

function assignedName(parsed: ParsedPython, call: SyntaxNode): string | undefined {
  const parent = call.parent;
  if (parent?.name !== 'AssignStatement') return undefined;
  const target = parent.firstChild;
  return target?.name === 'VariableName' ? textOf(parsed, target) : undefined;
}

/** The route a `@cross_origin` view serves, from a sibling `@app.route("/x", methods=[…])` / `@bp.get("/x")`. */
function routeScope(parsed: ParsedPython, decorator: SyntaxNode, bindings: ModuleBindings): PolicyScope {
  const statement = decorator.parent;
  const fn = statement?.getChild('FunctionDefinition')?.getChild('VariableName');
  const label = fn ? `view ${textOf(parsed, fn)}` : 'view';
  for (const sibling of statement ? childrenOf(statement) : []) {
    if (sibling.name !== 'Decorator' || sibling.from === decorator.from) continue;
    const name = decoratorName(parsed, sibling) ?? '';
    const verb = /\.(route|get|post|put|patch|delete)$/.exec(name);
    if (!verb) continue;
    const args = callArguments(parsed, sibling.getChild('ArgList'));
    const path = args.positional[0] ? evaluate(parsed, args.positional[0], bindings) : undefined;
    const methodsNode = args.keywords.get('methods')?.value;
    const methods = verb[1] === 'route' ? (methodsNode ? stringItemsOf(parsed, methodsNode, bindings) : ['GET']) : [verb[1].toUpperCase()];
    const routePath = path?.kind === 'string' ? path.value : undefined;
    return { kind: 'route', label: routePath ? `${label} ${routePath}` : label, path: routePath, methods: methods?.map((m) => m.toUpperCase()) };
  }
  return { kind: 'route', label };
}

function stringItemsOf(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings): string[] | undefined {
  const value = evaluate(parsed, node, bindings);
  return stringItems(value)?.map((item) => item.value);
}

function policiesFor(parsed: ParsedPython, site: FlaskSite): CorsPolicy[] {
  const merged = site.layers.reduce(merge, { values: new Map() });
  const resources = merged.values.get('resources');
  if (site.decorator || !resources) return [policyFor(parsed, site, merged, site.scope)];
  // Keys may be compiled regexes or computed paths: the path is then unknown, but the resource's options are not.
  if (resources.kind === 'dict' && !resources.spread) {
    const out: CorsPolicy[] = [];
    const keyed = [
      ...[...resources.entries].map(([path, { value }]) => ({ path: path as string | undefined, label: path, value })),
      ...(resources.computed ?? []).map(({ key, value }) => ({ path: undefined, label: textOf(parsed, key).replace(/\s+/g, ' ').slice(0, 80), value })),
    ];
    for (const { path, label, value } of keyed) {
      const scope: PolicyScope = { kind: 'router', label: `${site.scope.label} ${label}`, path };
      if (value.kind !== 'dict') {
        out.push(policyFor(parsed, site, { values: merged.values, hiddenAt: locOf(parsed, value.node) }, scope));
        continue;
      }
      const own: OptionLayer = { values: new Map([...value.entries].map(([name, entry]) => [name, entry.value])), hiddenAt: value.incomplete ? locOf(parsed, value.node) : undefined };
      out.push(policyFor(parsed, site, merge(merged, own), scope));
    }
    return out;
  }
  const paths = stringItems(resources);
  if (paths) return paths.map((path) => policyFor(parsed, site, merged, { kind: 'router', label: `${site.scope.label} ${path.value}`, path: path.value }));
  return [policyFor(parsed, site, { values: merged.values, hiddenAt: locOf(parsed, resources.node) }, site.scope)];
}

function policyFor(parsed: ParsedPython, site: FlaskSite, options: OptionLayer, scope: PolicyScope): CorsPolicy {
  const anchorLoc = site.anchor;
  const hidden = options.hiddenAt;
  // Only the origins are read from a fallback (see `strict`).
  const option = (name: string): PyValue | undefined => (name === 'origins' ? options.values.get(name) : strict(options.values.get(name)));
  const unknownAt = (name: string): Loc | undefined => (option(name) ? undefined : hidden);

  const originsValue = option('origins');
  let origins: OriginMatcher[];
  if (!originsValue) origins = hidden ? [{ kind: 'unknown', reason: 'origins may be set where cors-lint cannot see', loc: hidden }] : [{ kind: 'any', loc: anchorLoc }];
  else origins = flaskOrigins(parsed, originsValue, anchorLoc);

  const credentialsValue = options.values.get('supports_credentials');
  const credentials = credentialsValue ? fallbackCredentials(parsed, credentialsValue, origins) : hidden ? { value: 'unknown' as const, loc: hidden } : undefined;
  const sendWildcardValue = option('send_wildcard');
  const varyValue = option('vary_header');
  const alwaysSendValue = option('always_send');
  const methodsValue = option('methods');
  const allowHeadersValue = option('allow_headers');
  const exposeValue = option('expose_headers');
  const extras: FlaskCorsExtras = {
    sendWildcard: sendWildcardValue ? { value: triOf(sendWildcardValue), loc: locOf(parsed, sendWildcardValue.node) } : { value: hidden && !sendWildcardMoot(credentials, origins) ? 'unknown' : false },
    varyHeader: varyValue ? { value: triOf(varyValue), loc: locOf(parsed, varyValue.node) } : { value: hidden ? 'unknown' : true },
    alwaysSend: alwaysSendValue ? { value: triOf(alwaysSendValue), loc: locOf(parsed, alwaysSendValue.node) } : { value: hidden ? 'unknown' : true },
    methods: methodsValue ? serialized(methodsValue, true) : hidden ? undefined : DEFAULT_METHODS,
    allowHeaders: allowHeadersValue ? stringItems(allowHeadersValue)?.map((item) => item.value) : hidden ? undefined : ['*'],
    exposeHeaders: exposeValue ? serialized(exposeValue, false) : undefined,
  };
  const maxAgeValue = option('max_age');
  const policy: CorsPolicy = {
    id: `${parsed.file}#${scope.label}@${anchorLoc.line}:${anchorLoc.column}`,
    source: { file: parsed.file, format: 'python', framework: site.profile.id, loc: anchorLoc },
    scope,
    origins,
    originMode: 'compare',
    credentials,
    allowMethods: methodsSetting(parsed, methodsValue, unknownAt('methods')),
    allowHeaders: unknownAt('allow_headers') ? { kind: 'unknown', loc: hidden! } : listSetting(parsed, allowHeadersValue),
    exposeHeaders: unknownAt('expose_headers') ? { kind: 'unknown', loc: hidden! } : listSetting(parsed, exposeValue),
    maxAge: maxAgeValue ? maxAgeOf(parsed, maxAgeValue, { timedelta: true }) : hidden ? { value: 'unknown', loc: hidden } : undefined,
    preflight: { kind: 'handled', status: 200, loc: anchorLoc },
    vary: { origin: extras.varyHeader.value === true ? 'unknown' : extras.varyHeader.value },
    errorResponses: true,
    emitted: [],
    profile: site.profile,
  };
  policy.headerProgram = flaskCorsProgram(policy, extras);
  if (policy.allowMethods.kind === 'default' && scope.kind === 'app' && /^\w+$/.test(scope.label)) {
    const served = flaskRouteMethods(parsed, scope.label);
    if (served.length > 0) policy.servedMethods = served;
  }
  return policy;
}

const PREFLIGHTED = ['PUT', 'PATCH', 'DELETE'];

/**
 * The PUT, PATCH and DELETE routes this module registers on the app (`@app.put(…)`,
 * `@app.route(…, methods=["PUT"])`): the methods a page sends an app left at Flask-CORS's default
 * methods (a proxy in front that answers preflights itself is judged on these). Read from the
 * decorator's opening text only, with linear patterns.
 */
function flaskRouteMethods(parsed: ParsedPython, app: string): string[] {
  const out = new Set<string>();
  for (const decorator of parsed.index.decorators) {
    const text = textOf(parsed, decorator).slice(0, 2000);
    const head = /^@\s*(\w+)\s*\.\s*(put|patch|delete|route)\s*\(/.exec(text);
    if (!head || head[1] !== app) continue;
    if (head[2] !== 'route') {
      out.add(head[2].toUpperCase());
      continue;
    }
    const methods = /\bmethods\s*=\s*[[(]([^\])]*)[\])]/.exec(text);
    for (const item of methods?.[1].split(',') ?? []) {
      const method = item.trim().replace(/^["']|["']$/g, '').toUpperCase();
      if (PREFLIGHTED.includes(method)) out.add(method);
    }
  }
  return [...out].sort();
}

/**
 * A `send_wildcard` hidden in the app's config cannot change what a running app answers when
 * credentials are on: with `'*'` among the origins Flask-CORS refuses the pair at start-up
 * (serialize_options raises ValueError, checked with Debian's 3.0.10), and without `'*'` the option
 * is never read. Nor without any `'*'` at all.
 */
function sendWildcardMoot(credentials: CorsPolicy['credentials'], origins: OriginMatcher[]): boolean {
  if (credentials?.value === true) return true;
  return origins.every((matcher) => matcher.kind !== 'any' && matcher.kind !== 'unknown');
}

/** `'*'` and `'.*'` allow everything; strings with regex characters are regexes run with `re.match` (start-anchored, case-insensitive); others compare case-insensitively. */
function flaskOrigins(parsed: ParsedPython, value: PyValue, anchorLoc: Loc): OriginMatcher[] {
  const listId = `${anchorLoc.line}:${anchorLoc.column}`;
  if (value.kind === 'unknown') return [unknownOrigin(parsed, value)];
  return eachOriginEntry(parsed, value, (entry, loc) => {
    const fallback = fallbackOrigin(parsed, value, entry, loc);
    if (fallback) return fallback;
    if (entry.kind === 'regex') return { kind: 'pattern', source: entry.pattern, flags: entry.ignoreCase ? 'i' : '', dialect: 'python-match', loc };
    if (entry.kind !== 'string') return unknownOrigin(parsed, entry);
    if (entry.value === '*' || entry.value === '.*') return { kind: 'any', loc };
    if (probablyRegex(entry.value)) return { kind: 'pattern', source: entry.value, flags: 'i', dialect: 'python-match', loc };
    return { kind: 'exact', value: entry.value, loc, caseInsensitive: true, listId };
  });
}

/** `methods="GET, PUT"` is one string to Flask-CORS (it tests the requested method as a substring of it); the model wants the names. */
function methodsSetting(parsed: ParsedPython, value: PyValue | undefined, hiddenAt: Loc | undefined): ListSetting {
  if (hiddenAt) return { kind: 'unknown', loc: hiddenAt };
  if (value?.kind === 'string') return { kind: 'list', items: value.value.split(',').map((m) => m.trim().toUpperCase()).filter(Boolean), loc: locOf(parsed, value.node) };
  if (value && !serialized(value, true)) return { kind: 'unknown', loc: locOf(parsed, value.node) };
  return listSetting(parsed, value);
}

/** Flask-CORS's `flexible_str`: lists are sorted and joined with ", "; methods are upper-cased. */
function serialized(value: PyValue, upper: boolean): string | undefined {
  const items = stringItems(value);
  if (!items) return undefined;
  const text = value.kind === 'string' ? value.value : items.map((item) => item.value).sort().join(', ');
  return upper ? text.toUpperCase() : text;
}
