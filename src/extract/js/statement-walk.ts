import type { File, Node } from '@babel/types';
import { checkBudget } from '../../util/budget.js';

/**
 * The walk over a Babel tree that records each node's parent, done once per top-level statement
 * and kept with it: the language server's incremental parse (incremental.ts) reuses the statements
 * an edit did not touch, and with them their walk. The order is the one of an iterative walk over
 * the whole program (a stack, children pushed last-first): some lookups rely on it ("the first use
 * of this variable").
 */
const SKIPPED_KEYS = new Set(['loc', 'start', 'end', 'leadingComments', 'trailingComments', 'innerComments', 'extra', 'range', 'comments', 'tokens', 'errors']);

const PARENT = Symbol('parent');
/** The program-level node (statement, directive, interpreter) a node is under. */
const TOP = Symbol('top-level node');
type Indexed = Node & { [PARENT]?: Node; [TOP]?: Node };

export interface StatementWalk {
  /** The statement and every node below it, in the order the walk visits them (depth first). */
  visited: Node[];
  /** The nodes below the statement, in the order the walk meets them as children (see ParentIndex). */
  discovered: Node[];
  /** The first node met at the walk's greatest depth, and that depth (the statement is at depth 0). */
  deepest: { node: Node; depth: number };
}

const walks = new WeakMap<Node, StatementWalk>();

/** The children of `node` as the walk pushes them: keys in order, each array last-first. */
function eachChild(node: Node, push: (child: Node) => void): void {
  for (const key of Object.keys(node)) {
    if (SKIPPED_KEYS.has(key)) continue;
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        const child = value[i] as Node | null;
        if (child && typeof child.type === 'string') push(child);
      }
    } else if (value && typeof (value as Node).type === 'string') push(value as Node);
  }
}

/** The walk of one program-level node (iterative: deeply nested input must not overflow the stack), kept with it. */
export function walkStatement(top: Node): StatementWalk {
  const known = walks.get(top);
  if (known) return known;
  const visited: Node[] = [];
  const discovered: Node[] = [];
  const stack: Node[] = [top];
  // Each stacked node's depth, beside it: the tree's depth decides whether the recursive readers may walk it (parseJs).
  const depths: number[] = [0];
  let deepest = { node: top, depth: 0 };
  (top as Indexed)[TOP] = top;
  while (stack.length > 0) {
    checkBudget();
    const node = stack.pop()!;
    const depth = depths.pop()!;
    if (depth > deepest.depth) deepest = { node, depth };
    visited.push(node);
    eachChild(node, (child) => {
      (child as Indexed)[PARENT] = node;
      (child as Indexed)[TOP] = top;
      discovered.push(child);
      stack.push(child);
      depths.push(depth + 1);
    });
  }
  const walk = { visited, discovered, deepest };
  walks.set(top, walk);
  return walk;
}

/**
 * Each node's parent in one tree: a Map's `get`, and its iteration (the order the walk met the
 * nodes). The parent is kept on the node under a symbol, which no one else sees (a 150,000-entry
 * Map per parse cost a language-server edit a fifth of the walk, and its GC); a node belongs to
 * this tree when its program-level node does (a node of another module's tree has no parent here).
 */
export class ParentIndex {
  /** The walk's order, built when first asked for (most lint runs only ask for parents). */
  private order?: Node[];

  private constructor(
    private readonly pushed: Node[],
    private readonly walks: StatementWalk[],
    private readonly tops: Set<Node>,
  ) {}

  /** Walks `ast` (each program-level node's walk reused when known) and calls `visit` with each program-level node and its walk, in the walk's order. */
  static of(ast: File, visit: (top: Node, walk: StatementWalk) => void): ParentIndex {
    const program = ast.program;
    // The program's children in the order the walk pushes them; it pops them in reverse.
    const pushed: Node[] = [];
    eachChild(program, (child) => pushed.push(child));
    const walks: StatementWalk[] = [];
    for (let i = pushed.length - 1; i >= 0; i--) {
      const top = pushed[i] as Indexed;
      top[PARENT] = program;
      const walk = walkStatement(top);
      visit(top, walk);
      walks.push(walk);
    }
    return new ParentIndex(pushed, walks, new Set(pushed));
  }

  private ordered(): Node[] {
    if (!this.order) {
      const order = [...this.pushed];
      for (const walk of this.walks) for (const node of walk.discovered) order.push(node);
      this.order = order;
    }
    return this.order;
  }

  /** The parent, for a node of this tree (a node of another module's tree has none here). */
  get(child: Node): Node | undefined {
    const top = (child as Indexed)[TOP];
    return top !== undefined && this.tops.has(top) ? (child as Indexed)[PARENT] : undefined;
  }

  /** Whether `node` is a node of this tree below its root (as Map#has). */
  has(child: Node): boolean {
    const top = (child as Indexed)[TOP];
    return top !== undefined && this.tops.has(top);
  }

  /** The nodes in the order the walk met them (as Map#keys). */
  keys(): IterableIterator<Node> {
    return this.ordered().values();
  }

  *[Symbol.iterator](): IterableIterator<[Node, Node]> {
    for (const node of this.ordered()) yield [node, (node as Indexed)[PARENT]!];
  }
}
