import { posix } from 'node:path';
import type { Node } from '@babel/types';
import type { ModuleSource } from '../../engine/modules.js';
import type { ParsedJs } from './extract.js';
import type { CorsPolicy } from '../../model/types.js';
import { evaluate, fileOfNode, type Bindings, type JsValue } from './values.js';
import { PackageVersions } from './package-versions.js';

/**
 * Values imported from other modules of the repository: `require('./cors-options')`,
 * `import { corsOptions } from '../config/cors'`, `export default {...}`, re-exports. Only relative
 * specifiers are followed (a package or a tsconfig path alias is outside what one file shows),
 * through at most MAX_HOPS modules, and each module is parsed once per lint run. A value keeps the
 * nodes of the file it is written in, so findings land there.
 */
const MAX_HOPS = 3;
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

export class JsProject {
  private readonly parsed = new Map<string, ParsedJs | null>();
  private hops = 0;
  private readonly versions = new PackageVersions((importer, path) => this.source?.read(importer, path));

  /** The one major version of package `name` the nearest package.json above `file` allows (package-versions.ts). */
  packageMajor(file: string, name: string): number | undefined {
    return this.versions.majorFor(file, name);
  }

  constructor(
    private readonly source: ModuleSource | undefined,
    private readonly parse: (path: string, text: string) => ParsedJs | undefined,
  ) {}

  private readonly offered: Array<{ file: string; start: number; build: () => CorsPolicy[] }> = [];
  private readonly taken = new Set<string>();

  /** An options object that is a policy on its own unless some cors() call of the run takes it. */
  offerOptions(node: Node, build: () => CorsPolicy[]): void {
    this.offered.push({ file: fileOfNode(node) ?? '', start: node.start ?? -1, build });
  }

  /** A CORS call took the options object `node` (written in another module). */
  consumed(node: Node): void {
    this.taken.add(`${fileOfNode(node)}:${node.start}`);
  }

  /** The offered options objects no call took, as policies (called once, after every file is extracted). */
  unconsumedOptions(): CorsPolicy[] {
    return this.offered.filter((offer) => !this.taken.has(`${offer.file}:${offer.start}`)).flatMap((offer) => offer.build());
  }

  /** Registers a file parsed as a lint candidate, so modules that import it share its tree. */
  remember(parsed: ParsedJs): void {
    this.parsed.set(parsed.file, parsed);
  }

  parsedOf(file: string): ParsedJs | undefined {
    return this.parsed.get(file) ?? undefined;
  }

  /** The module file a relative specifier names, among the candidates Node and TypeScript try. */
  resolvePath(importer: string, specifier: string): string | undefined {
    if (!this.source || !/^\.\.?(\/|$)/.test(specifier)) return undefined;
    const base = posix.join(posix.dirname(importer), specifier);
    const stem = base.replace(/\.(c|m)?js$/, '');
    // Node's require() also tries `.json` after `.js` (`require('./cors-config')`); an import names it in full.
    const candidates = [base, ...EXTENSIONS.map((ext) => `${stem}${ext}`), `${base}.json`, ...EXTENSIONS.map((ext) => `${base}/index${ext}`)];
    for (const candidate of candidates) {
      if (!/\.((c|m)?[jt]sx?|json)$/.test(candidate)) continue;
      if (this.moduleAt(importer, candidate)) return posix.normalize(candidate);
    }
    return undefined;
  }

  private moduleAt(importer: string, path: string): ParsedJs | undefined {
    const key = posix.normalize(path);
    if (this.parsed.has(key)) {
      // Still record the dependency for the importer.
      this.source?.read(importer, key);
      return this.parsed.get(key) ?? undefined;
    }
    const text = this.source?.read(importer, key);
    if (text === undefined) return undefined;
    const parsed = this.parse(key, text) ?? null;
    this.parsed.set(key, parsed);
    return parsed ?? undefined;
  }

  /** The value `imported` (`default`, a name, or `*`) of the module `specifier` imported by `importer`. */
  importValue(importer: string, specifier: string, imported: string): JsValue | undefined {
    if (this.hops >= MAX_HOPS) return undefined;
    const path = this.resolvePath(importer, specifier);
    const module = path ? this.parsedOf(path) : undefined;
    if (!module) return undefined;
    this.hops++;
    try {
      return this.exportValue(module, imported);
    } finally {
      this.hops--;
    }
  }

  private exportValue(module: ParsedJs, imported: string): JsValue | undefined {
    const exports = moduleExports(module);
    if (imported === '*') {
      const properties = new Map<string, JsValue>();
      for (const [name, node] of exports.named) properties.set(name, evaluate(node, module.bindings));
      return { kind: 'object', properties, node: module.ast.program };
    }
    const node = imported === 'default' ? exports.default : exports.named.get(imported);
    if (node) return evaluate(node, module.bindings);
    // CommonJS: `module.exports = { corsOptions }` read through a named import or a destructured require.
    if (imported !== 'default' && exports.default) {
      const whole = evaluate(exports.default, module.bindings);
      if (whole.kind === 'object') return whole.properties.get(imported);
    }
    // `export { corsOptions } from './options'`
    const from = exports.reexports.get(imported);
    if (from) return this.importValue(module.file, from.module, from.imported);
    // Babel/TypeScript interop: a default import of a CommonJS module with named exports only.
    if (imported === 'default' && exports.named.size > 0) return this.exportValue(module, '*');
    return undefined;
  }

  /** Hooks for values.ts: imports of this file resolved through the project. */
  bindingsHooks(file: string): Pick<Bindings, 'resolveImport' | 'bindingsOf' | 'textOf'> {
    return {
      resolveImport: (specifier, imported) => this.importValue(file, specifier, imported),
      bindingsOf: (other) => this.parsedOf(other)?.bindings,
      textOf: (other) => this.parsedOf(other)?.text,
    };
  }
}

interface ModuleExports {
  default?: Node;
  named: Map<string, Node>;
  reexports: Map<string, { module: string; imported: string }>;
}

const exportCache = new WeakMap<ParsedJs, ModuleExports>();

/** What a module exports, from its top-level statements (ESM and CommonJS). */
export function moduleExports(module: ParsedJs): ModuleExports {
  const cached = exportCache.get(module);
  if (cached) return cached;
  const out: ModuleExports = { named: new Map(), reexports: new Map() };
  if (module.json) out.default = module.json;
  for (const statement of module.ast.program.body) {
    if (statement.type === 'ExportDefaultDeclaration') out.default = statement.declaration as Node;
    else if (statement.type === 'ExportNamedDeclaration') {
      const declaration = statement.declaration;
      if (declaration?.type === 'VariableDeclaration') {
        for (const declarator of declaration.declarations) if (declarator.id.type === 'Identifier' && declarator.init) out.named.set(declarator.id.name, declarator.init);
      } else if ((declaration?.type === 'FunctionDeclaration' || declaration?.type === 'ClassDeclaration') && declaration.id) out.named.set(declaration.id.name, declaration);
      for (const specifier of statement.specifiers) {
        if (specifier.type !== 'ExportSpecifier') continue;
        const exported = specifier.exported.type === 'Identifier' ? specifier.exported.name : specifier.exported.value;
        if (statement.source) out.reexports.set(exported, { module: statement.source.value, imported: specifier.local.name });
        else out.named.set(exported, specifier.local);
      }
    } else if (statement.type === 'ExpressionStatement' && statement.expression.type === 'AssignmentExpression' && statement.expression.operator === '=') {
      const { left, right } = statement.expression;
      if (left.type !== 'MemberExpression') continue;
      const property = left.property.type === 'Identifier' && !left.computed ? left.property.name : left.property.type === 'StringLiteral' ? left.property.value : undefined;
      const object = left.object;
      // module.exports = X
      if (object.type === 'Identifier' && object.name === 'module' && property === 'exports') out.default = right;
      // exports.name = X, module.exports.name = X
      else if (property && ((object.type === 'Identifier' && object.name === 'exports') || (object.type === 'MemberExpression' && object.object.type === 'Identifier' && object.object.name === 'module' && object.property.type === 'Identifier' && object.property.name === 'exports'))) {
        out.named.set(property, right);
      }
    }
  }
  exportCache.set(module, out);
  return out;
}
