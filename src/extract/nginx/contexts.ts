import type { NginxDirective } from './parse.js';
import type { NginxWorkspace } from './workspace.js';

/**
 * nginx's configuration levels (http → server → location → if) with `include` spliced in,
 * the way nginx itself sees them after reading the files.
 */
export interface NginxContext {
  kind: 'fragment' | 'main' | 'http' | 'server' | 'location' | 'if';
  directive?: NginxDirective;
  parent?: NginxContext;
  /** Own directives in order, includes expanded, nested blocks kept as directives. */
  body: NginxDirective[];
  children: Map<NginxDirective, NginxContext>;
  /** An `include` here could not be resolved: what it adds is unknown. */
  hasUnresolvedInclude: boolean;
}

const BLOCK_KINDS: Record<string, NginxContext['kind']> = { http: 'http', server: 'server', location: 'location', if: 'if' };
const MAX_INCLUDE_DEPTH = 16;

/** The kind of context a block directive of this name opens (none: its block is read with it, as a map's). */
export function contextKind(name: string): NginxContext['kind'] | undefined {
  return BLOCK_KINDS[name];
}

export function buildContexts(rootFile: string, workspace: NginxWorkspace): NginxContext | undefined {
  const parsed = workspace.parse(rootFile);
  if (!parsed) return undefined;
  const topNames = new Set(parsed.directives.map((d) => d.name));
  const kind: NginxContext['kind'] = topNames.has('http') || topNames.has('events') ? 'main' : 'fragment';
  return build(kind, undefined, parsed.directives, undefined, workspace, [rootFile]);
}

function build(
  kind: NginxContext['kind'],
  directive: NginxDirective | undefined,
  directives: NginxDirective[],
  parent: NginxContext | undefined,
  workspace: NginxWorkspace,
  includeStack: string[],
): NginxContext {
  // A level with no include and no malformed directive (nearly every location) keeps its parsed
  // list as its body, and one with no child level shares one empty map: the language server builds
  // the whole tree on every keystroke, and a list and a map per location were half of what
  // survived a scavenge on the 2,000-line bench document.
  const plain = directives.every((child) => !child.malformed && (child.name !== 'include' || child.block !== undefined));
  const context: NginxContext = { kind, directive, parent, body: plain ? directives : [], children: NO_CHILDREN, hasUnresolvedInclude: false };
  if (plain) {
    for (const child of directives) addChild(context, child, workspace, includeStack);
    return context;
  }
  const expand = (list: NginxDirective[], stack: string[]) => {
    for (const child of list) {
      if (child.malformed) continue;
      if (child.name === 'include' && !child.block) {
        const targets = child.args.length === 1 ? workspace.resolveInclude(child.file, child.args[0].value) : undefined;
        if (!targets) {
          if (child.args.length === 1 && isStockInclude(child.args[0].value)) continue;
          context.hasUnresolvedInclude = true;
          continue;
        }
        for (const target of targets) {
          if (stack.includes(target) || stack.length > MAX_INCLUDE_DEPTH) {
            context.hasUnresolvedInclude = true;
            continue;
          }
          const included = workspace.parse(target);
          if (included) expand(included.directives, [...stack, target]);
        }
        continue;
      }
      context.body.push(child);
      addChild(context, child, workspace, stack);
    }
  };
  expand(directives, includeStack);
  return context;
}

/** The map of a level with no child level: never written (addChild gives a level its own map before its first child). */
const NO_CHILDREN: Map<NginxDirective, NginxContext> = new Map();

function addChild(context: NginxContext, child: NginxDirective, workspace: NginxWorkspace, stack: string[]): void {
  if (!child.block) return;
  const childKind = contextKind(child.name);
  if (!childKind) return;
  if (context.children === NO_CHILDREN) context.children = new Map();
  context.children.set(child, build(childKind, child, child.block, context, workspace, stack));
}

/**
 * Files nginx and Debian ship that set no response header and no rewrite (FastCGI/uwsgi/SCGI
 * parameters, proxy headers sent upstream, MIME types, charset maps, TLS settings): an include of
 * one that is not in the repository changes nothing cors-lint judges.
 */
const STOCK_INCLUDES = new Set([
  'fastcgi_params',
  'fastcgi.conf',
  'mime.types',
  'proxy_params',
  'uwsgi_params',
  'scgi_params',
  'koi-utf',
  'koi-win',
  'win-utf',
  'snippets/fastcgi-php.conf',
  'snippets/snakeoil.conf',
  'options-ssl-nginx.conf',
]);

export function isStockInclude(pattern: string): boolean {
  const path = pattern.replace(/^\/etc\/nginx\//, '').replace(/^(\.\/)+/, '');
  if (STOCK_INCLUDES.has(path)) return true;
  const base = path.split('/').pop() ?? '';
  // Bare names and /etc/letsencrypt/… are the stock files wherever they are written from.
  return (STOCK_INCLUDES.has(base) && !base.startsWith('snippets/') && base !== 'fastcgi-php.conf') || /^modules-enabled\/\*\.conf$/.test(path);
}

/** Every context below (and including) `root`, depth-first in source order. */
export function allContexts(root: NginxContext): NginxContext[] {
  const out: NginxContext[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const context = stack.pop()!;
    out.push(context);
    if (context.children.size === 0) continue;
    // Children pushed, then reversed in place: the first is popped first (no array per level).
    const first = stack.length;
    for (const child of context.children.values()) stack.push(child);
    for (let i = first, j = stack.length - 1; i < j; i++, j--) [stack[i], stack[j]] = [stack[j], stack[i]];
  }
  return out;
}

export function ancestors(context: NginxContext): NginxContext[] {
  const out: NginxContext[] = [];
  for (let level: NginxContext | undefined = context; level; level = level.parent) out.push(level);
  return out;
}
