import type { SyntaxNode } from '@lezer/common';
import { assignmentParts, callArguments, childrenOf, textOf, type ParsedPython } from './parse.js';
import { MAX_HOPS } from './modules.js';
import { evaluate, importedModule, resolveName, type ModuleBindings, type PyValue } from './values.js';

/**
 * `settings.CORS_ORIGINS` where `settings = Settings()` and `class Settings(BaseSettings)` declares
 * `CORS_ORIGINS: list[str] = ["*"]`: pydantic reads the field from the environment variable of the
 * same name (with the class's `env_prefix`, in any case unless `case_sensitive`), and only when that
 * is unset does the written default apply. So the default is a fallback, as `os.getenv("X", "*")` is,
 * and is reported only with that condition (see `PyValue.fallback`). Validators do not run on a
 * default unless `validate_default=True` asks them to, which leaves the value unknown.
 */
const SETTINGS_BASES = new Set(['pydantic.BaseSettings', 'pydantic_settings.BaseSettings', 'pydantic.v1.BaseSettings', 'pydantic.env_settings.BaseSettings']);
const FIELD = new Set(['pydantic.Field', 'pydantic.fields.Field', 'pydantic.v1.Field']);

export interface Located {
  parsed: ParsedPython;
  bindings: ModuleBindings;
  node: SyntaxNode;
}

export function settingsFieldValue(parsed: ParsedPython, object: SyntaxNode, field: string, bindings: ModuleBindings, depth: number): PyValue | undefined {
  if (object.name !== 'VariableName') return undefined;
  // `Config.CORS_ORIGINS` on a plain class of the repository (a Flask config class), not on an instance.
  if (!bindings.values.has(textOf(parsed, object)) && !bindings.ambiguous.has(textOf(parsed, object))) {
    const cls = classNamed(parsed, bindings, textOf(parsed, object), bindings.hops);
    if (cls) {
      const written = classAttribute(cls, field, 0);
      if (!written) return undefined;
      const assigned = new RegExp(`\\b${textOf(parsed, object)}\\s*\\.\\s*${field}\\s*(?:[-+*|]?=)(?!=)`);
      if (assigned.test(parsed.text) || (written.parsed !== parsed && assigned.test(written.parsed.text))) return undefined;
      return evaluate(written.parsed, written.node, written.bindings, depth + 1);
    }
  }
  let instance = boundValue(parsed, bindings, textOf(parsed, object), bindings.hops);
  // `settings = get_settings()` with `def get_settings(): return Settings()` (often under @lru_cache).
  if (instance?.node.name === 'CallExpression') instance = factoryReturn(instance) ?? instance;
  if (!instance || instance.node.name !== 'CallExpression' || instance.node.firstChild?.name !== 'VariableName') return undefined;
  const args = callArguments(instance.parsed, instance.node.getChild('ArgList'));
  // A field given to the constructor is not the default.
  if (args.spread || args.positional.length > 0 || args.keywords.has(field)) return undefined;
  const cls = classNamed(instance.parsed, instance.bindings, textOf(instance.parsed, instance.node.firstChild), instance.bindings.hops);
  if (!cls) return undefined;
  const bases = callArguments(cls.parsed, cls.node.getChild('ArgList')).positional;
  if (!bases.some((base) => SETTINGS_BASES.has(resolveName(cls.parsed, base, cls.bindings) ?? ''))) return plainAttribute(cls, bases, field, textOf(parsed, object), parsed, bindings, depth);
  const declared = fieldDefault(cls, field);
  if (!declared) return undefined;
  const value = evaluate(cls.parsed, declared.node, cls.bindings, depth + 1);
  if (value.kind === 'unknown') return value;
  const className = definedName(cls.parsed, cls.node);
  return { ...value, fallback: value.fallback ?? `the default of ${className}.${field}, used when the environment variable ${declared.env} is unset` };
}

/**
 * `settings.cors_origins` where `settings = Settings()` and `class Settings:` (no base but object, no decorator)
 * writes `cors_origins = [...]` once in its body: an instance of a plain class reads the class attribute. Not
 * when the class defines any dunder method (`__init__` may set it, `__getattr__` may answer), when the module
 * assigns the attribute on the instance (`settings.cors_origins = …`), or when the body writes it twice.
 */
function plainAttribute(cls: Located, bases: SyntaxNode[], field: string, instance: string, parsed: ParsedPython, bindings: ModuleBindings, depth: number): PyValue | undefined {
  if (bases.some((base) => textOf(cls.parsed, base) !== 'object') || callArguments(cls.parsed, cls.node.getChild('ArgList')).keywords.size > 0) return undefined;
  const body = cls.node.getChild('Body');
  if (!body) return undefined;
  const written: SyntaxNode[] = [];
  for (const statement of childrenOf(body)) {
    const definition = statement.name === 'DecoratedStatement' ? statement.getChild('FunctionDefinition') : statement;
    if (definition?.name === 'FunctionDefinition' && /^__\w+__$/.test(definedName(cls.parsed, definition) ?? '')) return undefined;
    const parts = statement.name === 'AssignStatement' ? assignmentParts(statement) : [];
    if (parts.length >= 3 && parts[0].name === 'VariableName' && textOf(cls.parsed, parts[0]) === field) written.push(parts[parts.length - 1]);
  }
  if (written.length !== 1) return undefined;
  // `settings.cors_origins = …` (or `+=`) anywhere in the module that uses the instance.
  const assigned = new RegExp(`\\b${instance}\\s*\\.\\s*${field}\\s*(?:[-+*|]?=)(?!=)`);
  if (assigned.test(parsed.text) || (cls.parsed !== parsed && assigned.test(cls.parsed.text))) return undefined;
  void bindings;
  return evaluate(cls.parsed, written[0], cls.bindings, depth + 1);
}

/**
 * The value a class attribute read on the class itself has (`Config.CORS_ORIGINS`): written once at the
 * top of its body, else found the same way in its one base (a repository class too: `class
 * ProductionConfig(Config)`). Undefined when the class takes keywords (a metaclass may answer), has a
 * base that is not `object` or a plain repository class (a pydantic model has no class attribute of a
 * field), more than one base, or writes the name more than once or inside a block of its body.
 */
function classAttribute(cls: Located, field: string, depth: number): Located | undefined {
  if (depth > MAX_HOPS) return undefined;
  const args = callArguments(cls.parsed, cls.node.getChild('ArgList'));
  if (args.keywords.size > 0 || args.spread) return undefined;
  const bases = args.positional.filter((base) => !(base.name === 'VariableName' && textOf(cls.parsed, base) === 'object'));
  if (bases.length > 1) return undefined;
  const body = cls.node.getChild('Body');
  if (!body) return undefined;
  const written: SyntaxNode[] = [];
  for (const statement of childrenOf(body)) {
    const parts = statement.name === 'AssignStatement' ? assignmentParts(statement) : [];
    if (parts.length === 3 && parts[0].name === 'VariableName' && parts[1].name === 'AssignOp' && textOf(cls.parsed, parts[0]) === field) written.push(parts[2]);
  }
  const mentions = textOf(cls.parsed, body).match(new RegExp(`\\b${field}\\s*(?::[^=\\n]*)?(?:[-+*|]?=)(?!=)`, 'g'))?.length ?? 0;
  if (written.length > 1 || mentions !== written.length) return undefined;
  const base = bases[0];
  const parent = base?.name === 'VariableName' ? classNamed(cls.parsed, cls.bindings, textOf(cls.parsed, base), cls.bindings.hops) : undefined;
  // Every class of the chain must be a plain one of the repository, also above the one that writes the name.
  if (base && (!parent || !plainChain(parent, depth + 1))) return undefined;
  if (written.length === 1) return { parsed: cls.parsed, bindings: cls.bindings, node: written[0] };
  return parent && classAttribute(parent, field, depth + 1);
}

/** A class whose bases, up to `object`, are each one plain class of the repository taking no keywords. */
function plainChain(cls: Located, depth: number): boolean {
  if (depth > MAX_HOPS) return false;
  const args = callArguments(cls.parsed, cls.node.getChild('ArgList'));
  if (args.keywords.size > 0 || args.spread) return false;
  const bases = args.positional.filter((base) => !(base.name === 'VariableName' && textOf(cls.parsed, base) === 'object'));
  if (bases.length === 0) return true;
  if (bases.length > 1 || bases[0].name !== 'VariableName') return false;
  const parent = classNamed(cls.parsed, cls.bindings, textOf(cls.parsed, bases[0]), cls.bindings.hops);
  return parent !== undefined && plainChain(parent, depth + 1);
}

/** The default written for `field` in the class body, and the environment variable that overrides it. */
function fieldDefault(cls: Located, field: string): { node: SyntaxNode; env: string } | undefined {
  const { parsed } = cls;
  const body = cls.node.getChild('Body');
  if (!body) return undefined;
  let written: SyntaxNode | undefined;
  let prefix = '';
  for (const statement of childrenOf(body)) {
    if (statement.name === 'AssignStatement') {
      const parts = assignmentParts(statement);
      if (parts.length !== 3 || parts[0].name !== 'VariableName') continue;
      const target = textOf(parsed, parts[0]);
      if (target === field) written = parts[2];
      // model_config = SettingsConfigDict(env_prefix="APP_") (pydantic 2)
      if (target === 'model_config' && parts[2].name === 'CallExpression') prefix = stringKeyword(cls, parts[2], 'env_prefix') ?? prefix;
    } else if (statement.name === 'ClassDefinition' && definedName(parsed, statement) === 'Config') {
      // class Config: env_prefix = "APP_" (pydantic 1)
      for (const inner of childrenOf(statement.getChild('Body') ?? statement)) {
        const parts = inner.name === 'AssignStatement' ? assignmentParts(inner) : [];
        if (parts.length === 3 && textOf(parsed, parts[0]) === 'env_prefix' && parts[2].name === 'String') prefix = textOf(parsed, parts[2]).slice(1, -1);
      }
    }
  }
  if (!written) return undefined;
  const caseSensitive = /case_sensitive\s*[=:]\s*True/.test(textOf(parsed, body));
  const variable = (name: string) => (caseSensitive ? name : name.toUpperCase());
  if (written.name === 'CallExpression' && FIELD.has(resolveName(parsed, written.firstChild, cls.bindings) ?? '')) {
    const args = callArguments(parsed, written.getChild('ArgList'));
    if (args.keywords.has('validate_default') || args.keywords.has('default_factory')) return undefined;
    const node = args.keywords.get('default')?.value ?? args.positional[0];
    // `...` marks a required field: there is no default.
    if (!node || textOf(parsed, node) === '...') return undefined;
    const alias = stringKeyword(cls, written, 'validation_alias') ?? stringKeyword(cls, written, 'alias') ?? stringKeyword(cls, written, 'env');
    return { node, env: alias !== undefined ? variable(alias) : variable(`${prefix}${field}`) };
  }
  return { node: written, env: variable(`${prefix}${field}`) };
}

function stringKeyword(cls: Located, call: SyntaxNode, name: string): string | undefined {
  const value = callArguments(cls.parsed, call.getChild('ArgList')).keywords.get(name)?.value;
  if (!value) return undefined;
  const evaluated = evaluate(cls.parsed, value, cls.bindings);
  return evaluated.kind === 'string' ? evaluated.value : undefined;
}

/** The expression a module-level name is bound to, here or in the repository module it is imported from. */
function boundValue(parsed: ParsedPython, bindings: ModuleBindings, name: string, hops: number): Located | undefined {
  if (bindings.ambiguous.has(name)) return undefined;
  const bound = bindings.values.get(name);
  if (bound) return { parsed, bindings, node: bound };
  const target = importedModule(parsed, bindings, name, hops);
  return target && boundValue(target.parsed, target.bindings, target.name, hops + 1);
}

/** A class defined at the top of this module, or of the repository module it is imported from. */
export function classNamed(parsed: ParsedPython, bindings: ModuleBindings, name: string, hops: number): Located | undefined {
  for (const statement of bindings.statements) {
    if (statement.name === 'ClassDefinition' && definedName(parsed, statement) === name) return { parsed, bindings, node: statement };
  }
  const target = importedModule(parsed, bindings, name, hops);
  return target && classNamed(target.parsed, target.bindings, target.name, hops + 1);
}

/** The name a class or function definition gives; undefined where error recovery left it out (`class{{ x }} Name:` in a template). */
function definedName(parsed: ParsedPython, definition: SyntaxNode): string | undefined {
  const name = definition.getChild('VariableName');
  return name ? textOf(parsed, name) : undefined;
}

/** `get_settings()` where this module (or the repository module it imports it from) defines `def get_settings(): return Settings()`: that call. */
function factoryReturn(call: Located): Located | undefined {
  const callee = call.node.firstChild;
  const argList = call.node.getChild('ArgList');
  if (callee?.name !== 'VariableName' || !argList || childrenOf(argList).length > 2) return undefined;
  return factoryNamed(call.parsed, call.bindings, textOf(call.parsed, callee), call.bindings.hops);
}

function factoryNamed(parsed: ParsedPython, bindings: ModuleBindings, name: string, hops: number): Located | undefined {
  if (!bindings.values.has(name) && bindings.fromImports.has(name)) {
    const target = importedModule(parsed, bindings, name, hops);
    return target && factoryNamed(target.parsed, target.bindings, target.name, hops + 1);
  }
  for (const statement of bindings.statements) {
    const definition = statement.name === 'DecoratedStatement' ? statement.getChild('FunctionDefinition') : statement.name === 'FunctionDefinition' ? statement : null;
    const bodyNode = definition?.getChild('Body');
    if (!definition || !bodyNode || definedName(parsed, definition) !== name) continue;
    const body = childrenOf(bodyNode).filter((node) => node.name !== ':');
    const only = body.length === 1 && body[0].name === 'ReturnStatement' ? body[0].lastChild : null;
    return only?.name === 'CallExpression' ? { parsed, bindings, node: only } : undefined;
  }
  return undefined;
}

/**
 * The upper-case attributes a class and its bases set (`app.config.from_object(Config)` copies
 * exactly those), later classes in the chain winning; undefined when a base cannot be read.
 */
export function upperCaseAttributes(cls: Located, depth = 0): Map<string, { parsed: ParsedPython; bindings: ModuleBindings; node: SyntaxNode }> | undefined {
  if (depth > MAX_HOPS) return undefined;
  const attributes = new Map<string, { parsed: ParsedPython; bindings: ModuleBindings; node: SyntaxNode }>();
  for (const base of callArguments(cls.parsed, cls.node.getChild('ArgList')).positional) {
    if (base.name === 'VariableName' && textOf(cls.parsed, base) === 'object') continue;
    const parent = base.name === 'VariableName' ? classNamed(cls.parsed, cls.bindings, textOf(cls.parsed, base), cls.bindings.hops) : undefined;
    const inherited = parent && upperCaseAttributes(parent, depth + 1);
    if (!inherited) return undefined;
    for (const [name, value] of inherited) attributes.set(name, value);
  }
  for (const statement of childrenOf(cls.node.getChild('Body') ?? cls.node)) {
    const parts = statement.name === 'AssignStatement' ? assignmentParts(statement) : [];
    if (parts.length !== 3 || parts[0].name !== 'VariableName') continue;
    const name = textOf(cls.parsed, parts[0]);
    if (name === name.toUpperCase()) attributes.set(name, { parsed: cls.parsed, bindings: cls.bindings, node: parts[2] });
  }
  return attributes;
}
