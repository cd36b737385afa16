import { compilePattern } from '../../model/respond.js';
import { checkBudget } from '../../util/budget.js';
import type { NginxMap } from './program.js';

/**
 * One rewrite-phase run shared by every concrete Origin (the request matrix asks each location
 * the same request from up to 64 origins).
 *
 * The run is made with a token standing for the Origin. Values built from it (`set $cors
 * $http_origin`, `"$http_origin/x"`) carry the token; wherever the evaluator looks *into* such a
 * value (an `if` test, a map lookup, a regex and its captures, whether a header is empty, whether
 * two request states are the same) it asks the real Origin and records the question and its answer
 * as a decision. Everything else the run does is independent of the Origin, so another Origin that
 * gives the same answers to the same questions gets the same outcomes with its own value put back
 * in place of the token. The recorded runs of one request shape form a decision tree; a new Origin
 * walks it, answering each question for itself, and reaches a leaf (its outcomes) or an unseen
 * branch (then it is run and recorded). A capture of a regex matched against the Origin is a token
 * of its own, bound while the tree is walked.
 *
 * Tokens are delimited by U+0004: the run is only shared when no configuration value and no
 * request field holds one, so a token can never be confused with scanned text.
 */

/** Not NUL: the symbol of an Origin left open (`anyOrigin` runs, program.ts) is NUL-delimited. */
export const TOKEN_MARK = '\u0004';
export const ORIGIN_TOKEN = `${TOKEN_MARK}o${TOKEN_MARK}`;
const TOKEN = /\u0004([^\u0004]*)\u0004/g;

export type Decision =
  /** `if ($x)`: not empty and not "0". */
  | { kind: 'truthy'; value: string }
  /** `if ($x = y)`. */
  | { kind: 'equal'; left: string; right: string }
  /** `if ($x ~ re)`: which tokens its captures become when it matches (`id`). */
  | { kind: 'regex'; value: string; source: string; flags: string; id: number }
  /** `map $x $y`: which entry answers. */
  | { kind: 'map'; map: NginxMap; value: string }
  /** Whether a header value is empty (an empty `add_header` value sends nothing). */
  | { kind: 'empty'; value: string }
  /** Keys that were different with the token in place stay different with the Origin in place. */
  | { kind: 'distinct'; keys: string[][] };

/** The concrete Origin and the captures bound so far. */
export interface Bindings {
  origin: string;
  captures: Map<string, string>;
}

export function hasToken(value: string | null): value is string {
  return value !== null && value.includes(TOKEN_MARK);
}

export function resolve(value: string, bindings: Bindings): string {
  if (value === ORIGIN_TOKEN) return bindings.origin;
  if (!value.includes(TOKEN_MARK)) return value;
  return value.replace(TOKEN, (_, id: string) => (id === 'o' ? bindings.origin : (bindings.captures.get(id) ?? '')));
}

export function captureToken(id: number, group: string): string {
  return `${TOKEN_MARK}c${id}.${group}${TOKEN_MARK}`;
}

/** The entry of a map that answers a concrete key, as nginx picks it: exact (case-insensitive) first, then regexes in order, then `default`. */
export type MapChoice = { kind: 'exact'; entry: NginxMap['exact'][number] } | { kind: 'regex'; index: number } | { kind: 'unknown'; index: number } | { kind: 'default' };

const exactIndex = new WeakMap<NginxMap, Map<string, NginxMap['exact'][number]>>();

/** A map's exact entry for a lower-cased key, from an index built once per map (a find per lookup made 4,000-entry allowlists quadratic). */
export function exactEntry(map: NginxMap, key: string): NginxMap['exact'][number] | undefined {
  let index = exactIndex.get(map);
  if (!index) {
    index = new Map();
    // The first entry with a key wins, as the linear search did.
    for (const entry of map.exact) {
      const lower = entry.key.toLowerCase();
      if (!index.has(lower)) index.set(lower, entry);
    }
    exactIndex.set(map, index);
  }
  return index.get(key);
}

export function mapChoice(map: NginxMap, value: string): MapChoice {
  const exact = exactEntry(map, value.toLowerCase());
  if (exact) return { kind: 'exact', entry: exact };
  for (let index = 0; index < map.regex.length; index++) {
    // A map of n regexes asked about n Origins (each of its entries' examples) is n² tests: bounded by the file's time budget.
    checkBudget();
    const entry = map.regex[index];
    const regex = compiledPattern(entry.pattern, entry.caseInsensitive ? 'i' : '');
    if (!regex) return { kind: 'unknown', index };
    if (regex.test(value)) return { kind: 'regex', index };
  }
  return { kind: 'default' };
}

/**
 * A scanned pattern compiled (or null), with its answers remembered per input: the same origin
 * patterns are run on the same few dozen request origins for every location of a file.
 */
export interface MemoRegex {
  test(input: string): boolean;
  exec(input: string): RegExpExecArray | null;
}

/** By flags, then by the pattern's own source string (a concatenated key was a new string to hash on every one of a run's lookups). */
const memoPatterns = new Map<string, Map<string, MemoRegex | null>>();
let memoPatternCount = 0;
/**
 * Answers remembered across all patterns; past this many, all answers are forgotten (hostile files stay
 * bounded in memory). The compiled patterns are kept: forgetting them too made a chain of 4,000 origin
 * `if`s (156 Origins × 4,000 patterns, ten times the bound) compile every pattern again after each
 * forgetting, 0.8 s of its 8 s.
 */
const MAX_MEMO_ANSWERS = 65_536;
/** Compiled patterns kept at most (each file's patterns are compiled once per run). */
const MAX_MEMO_PATTERNS = 65_536;
let memoAnswers = 0;
/** Bumped when the answers are forgotten: a pattern whose answers are of an older generation drops them when next asked. */
let answersGeneration = 0;

export function compiledPattern(source: string, flags: string): MemoRegex | null {
  let byFlags = memoPatterns.get(flags);
  if (!byFlags) memoPatterns.set(flags, (byFlags = new Map()));
  let found = byFlags.get(source);
  if (found === undefined) {
    if (++memoPatternCount > MAX_MEMO_PATTERNS) {
      memoPatternCount = 1;
      for (const patterns of memoPatterns.values()) patterns.clear();
    }
    const regex = compilePattern(source, flags);
    found = regex && memoRegex(regex);
    byFlags.set(source, found);
  }
  return found;
}

/** Counts one more remembered answer, forgetting every pattern's answers when there are too many. */
function remember(): void {
  if (++memoAnswers <= MAX_MEMO_ANSWERS) return;
  memoAnswers = 0;
  answersGeneration++;
}

function memoRegex(regex: NonNullable<ReturnType<typeof compilePattern>>): MemoRegex {
  const tests = new Map<string, boolean>();
  const execs = new Map<string, RegExpExecArray | null>();
  let generation = answersGeneration;
  const current = () => {
    if (generation === answersGeneration) return;
    generation = answersGeneration;
    tests.clear();
    execs.clear();
  };
  return {
    test(input) {
      current();
      let answer = tests.get(input);
      if (answer === undefined) {
        answer = regex.test(input);
        remember();
        tests.set(input, answer);
      }
      return answer;
    },
    exec(input) {
      current();
      let answer = execs.get(input);
      if (answer === undefined) {
        answer = regex.exec(input);
        remember();
        execs.set(input, answer);
      }
      return answer;
    },
  };
}

export function choiceKey(choice: MapChoice): string {
  switch (choice.kind) {
    case 'exact':
      return `x${choice.entry.key.toLowerCase()}`;
    case 'regex':
      return `r${choice.index}`;
    case 'unknown':
      return `u${choice.index}`;
    case 'default':
      return 'd';
  }
}

/** The answer to a decision for the bound Origin, as a branch key; a matching regex binds its captures. */
export function decide(decision: Decision, bindings: Bindings): string {
  switch (decision.kind) {
    case 'truthy': {
      const value = resolve(decision.value, bindings);
      return value !== '' && value !== '0' ? 't' : 'f';
    }
    case 'equal':
      return resolve(decision.left, bindings) === resolve(decision.right, bindings) ? 't' : 'f';
    case 'empty':
      return resolve(decision.value, bindings) === '' ? 't' : 'f';
    case 'map':
      return choiceKey(mapChoice(decision.map, resolve(decision.value, bindings)));
    case 'regex': {
      // Compiled before the decision was recorded: a pattern that does not compile never gets here.
      const match = compiledPattern(decision.source, decision.flags)!.exec(resolve(decision.value, bindings));
      if (!match) return 'n';
      for (let i = 1; i < Math.min(match.length, 10); i++) bindings.captures.set(`c${decision.id}.${i}`, match[i] ?? '');
      for (const [name, value] of Object.entries(match.groups ?? {})) bindings.captures.set(`c${decision.id}.n${name}`, value ?? '');
      return `m${match.length}:${Object.keys(match.groups ?? {}).join(',')}`;
    }
    case 'distinct': {
      const seen = new Set(decision.keys.map((key) => JSON.stringify(key.map((part) => resolve(part, bindings)))));
      return seen.size === decision.keys.length ? 'ok' : 'same';
    }
  }
}

/** A node of a request shape's decision tree: the question asked here, or the outcomes when none is left. */
interface TreeNode<T> {
  decision?: Decision;
  branches: Map<string, TreeNode<T>>;
  leaf?: T;
}

/** The decision tree of one request shape. */
export class DecisionTree<T> {
  private readonly root: TreeNode<T> = { branches: new Map() };
  private leaves = 0;

  /** The recorded runs kept. */
  get leafCount(): number {
    return this.leaves;
  }

  /** The recorded outcomes the bound Origin leads to, with its captures bound; undefined at an unseen branch. */
  find(bindings: Bindings): T | undefined {
    let node = this.root;
    for (;;) {
      if (node.leaf !== undefined) return node.leaf;
      if (!node.decision) return undefined;
      const next = node.branches.get(decide(node.decision, bindings));
      if (!next) return undefined;
      node = next;
    }
  }

  /** Adds a recorded run; false when it does not fit the tree (the run was not deterministic, which would be a bug) or the tree is full. */
  add(decisions: Array<{ decision: Decision; answer: string }>, leaf: T, maxLeaves: number): boolean {
    if (this.leaves >= maxLeaves) return false;
    let node = this.root;
    for (const { decision, answer } of decisions) {
      if (node.leaf !== undefined) return false;
      if (!node.decision) node.decision = decision;
      else if (node.decision.kind !== decision.kind) return false;
      let next = node.branches.get(answer);
      if (!next) {
        next = { branches: new Map() };
        node.branches.set(answer, next);
      }
      node = next;
    }
    if (node.leaf !== undefined || node.decision) return false;
    node.leaf = leaf;
    this.leaves++;
    return true;
  }
}
