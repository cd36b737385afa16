import type { CorsPolicy, Loc } from '../model/types.js';
import type { ProjectFacts } from './rule.js';
import { activeParseCache } from './parse-cache.js';
import { deadAllowOrigin, shadowedApps } from '../topology/shadowed-apps.js';
import { ignoredByHttpApi } from '../topology/aws-functions.js';

/**
 * Work on a policy remembered by what the policy is made of, not where it is written: an extractor
 * that can name everything a policy is computed from (nginx: the location's block, the levels
 * around it, the file's maps) gives it a key and the positions of the tokens read, in a fixed order.
 * Two policies with the same key differ only in where their tokens are (a location copied to
 * another place in the file; every location below a line typed in the editor), so the policy and
 * each rule's findings are computed once and moved: every position in them is mapped from the
 * tokens of the first to the same tokens of the second.
 *
 * A move that cannot be proven exact is not made, and the work is done again:
 * - a position that is not a token's start or end (or is not among the key's tokens);
 * - a string (a message, a fix, a field of the policy) holding a number that is a line or column
 *   of a token that moved (a message naming "line 12");
 * - a rule that read the project facts (other files and policies): reused only when the facts are the
 *   same but for where they are written, and, when it read where one is (a `loc` of the facts: a
 *   message naming the line of a `server_name`), only when every token is where it was and the facts
 *   are the same to the position (a line typed above every location moves every fact below it);
 * - a policy that topology linked to other layers (`upstreamLayers`, `clientCalls`,
 *   `sameOriginProxies`): never reused.
 *
 * The CLI gets a memo per run (identical locations in one file are computed once); the language
 * server keeps one in its parse cache across edits, bounded (least recently used first out).
 */

/** Part of a key: an opaque string of content and the positions of its tokens (start and end of each, in order). */
export interface KeySegment {
  key: string;
  /** Per token: line, column, endLine, endColumn. */
  points: number[];
  /** The file of each token (one per four numbers of `points`). */
  files: string[];
  /** The last segment this one was compared with and whether they were the same (a level is compared once per run, not once per place in it). */
  compared?: { with: KeySegment; same: boolean };
  /** Where its first token is (placeOf), once made. */
  place?: string;
}

export interface PolicyKey {
  key: string;
  segments: KeySegment[];
}

/** How an extractor names a place: the segments around it, its own (built on demand), and optionally its exact source. */
export interface PlaceKey {
  /** The levels around the place (shared by the places inside them, so made once per run). */
  around: KeySegment[];
  own(): KeySegment;
  /**
   * The place's exact source text with where it starts, when that alone decides its own segment:
   * an unchanged place is found by it, with the segment it had, without reading its tokens.
   */
  exact?: string;
}

interface Finding {
  message: string;
  loc: Loc;
  fix?: { loc: Loc; text: string; title?: string };
}

interface RuleRecord {
  findings: Finding[];
  /** Set when the rule read the project facts: the facts it saw, without their positions. */
  project?: string;
  /** Set when the rule read a position in the project facts: the facts it saw, positions included. */
  projectAt?: string;
  /** Set when the rule read the scope's label or path: the scope it saw. */
  scope?: string;
}

/** One version of a memo entry: the policy (no policy: the place sends no CORS header) and its rules' findings, at `segments`' positions. */
interface Version {
  segments: KeySegment[];
  policy: CorsPolicy | undefined;
  /** The scope's label and path (not in the key: the extractor rebuilds them for each place). */
  scope: string;
  rules: Map<string, RuleRecord>;
  /**
   * Set when `rules` is one Map with another version's (a shift that moved no finding leaves every
   * record as it was): the first record stored copies it (setRecord).
   */
  sharedRules?: boolean;
  /**
   * The last replay of every rule at once at these positions: for these rules, facts object and
   * scope, each record held, and these were the findings (by rule index). Dropped when a record changes.
   */
  replayed?: { ruleIds: string[]; project: ProjectFacts; scope: string; findings: Array<[number, Finding]> };
  /**
   * Set when `rules` holds a record of each of these rules and of no other, none with a finding or a
   * position of the project facts read, each made under these project facts (without their
   * positions: projectShape) and this scope where it read them: every record holds at any positions
   * (a line shift moves nothing), so a shifted policy replays them without reading each. Dropped
   * when a record changes (setRecord).
   */
  empty?: { ruleIds: string[]; shape: string; scope: string };
}

/** How a policy of this run came about: built here, or moved from a version with the same key. */
interface Handle {
  key: string;
  from: Version;
  map: Relocation;
  segments: KeySegment[];
  policy: CorsPolicy;
  /** This policy's scope label and path. */
  scope: string;
  exact?: string;
  /**
   * The version this run leaves behind at its own positions, made when a rule's record is new. Where
   * nothing moved, `from` itself is that version and takes the new records.
   */
  next?: Version;
  /** Made by shiftPolicy: the place moved with its lines, so `from`'s place no longer holds it (its version leaves the memo for `next`). */
  shifted?: boolean;
  /** Made by shiftPolicy: the exact source the place had where it was (its entry leaves the memo with `from`). */
  exactBefore?: string;
}

const TOPOLOGY_FIELDS = new Set(['upstreamLayers', 'clientCalls', 'sameOriginProxies']);
/** About two versions per location of a 1 MB config; each holds a policy and its findings (a few KB). */
const MAX_VERSIONS = 10_000;
const MAX_PLACES = 8_192;

export class PolicyMemo {
  /** Per key, its versions by where the place was (an identical location at 500 places is 500 versions of one key). */
  private readonly entries = new Map<string, Map<string, Version>>();
  /** Exact sources of places (PlaceKey.exact) -> their key and version. */
  private readonly exact = new Map<string, { key: string; version: Version }>();
  private versions = 0;
  /** The project facts of the last run (stableProjectFacts). */
  lastProject: ProjectFacts | undefined;
  /** Counters for tests and the benchmark: policies moved, built, kept (reusePolicy) and shifted (shiftPolicy), rule runs replayed and made. */
  readonly stats = { moved: 0, built: 0, kept: 0, replayed: 0, ran: 0, shifted: 0 };

  /** The version of `key` at the same place if there is one, else the most recent one. */
  get(key: PolicyKey): Version | undefined {
    const byPlace = this.entries.get(key.key);
    if (!byPlace) return undefined;
    // Most recently used last: the first keys are the first out.
    this.entries.delete(key.key);
    this.entries.set(key.key, byPlace);
    return byPlace.get(placeOf(key.segments)) ?? [...byPlace.values()].at(-1);
  }

  set(key: string, version: Version): void {
    let byPlace = this.entries.get(key);
    if (byPlace) this.entries.delete(key);
    else byPlace = new Map();
    this.entries.set(key, byPlace);
    const place = placeOf(version.segments);
    if (byPlace.delete(place)) this.versions--;
    byPlace.set(place, version);
    this.versions++;
    while (byPlace.size > MAX_PLACES) {
      byPlace.delete(byPlace.keys().next().value!);
      this.versions--;
    }
    while (this.versions > MAX_VERSIONS) {
      const [oldest, versions] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.versions -= versions.size;
    }
  }

  get size(): number {
    return this.versions;
  }

  /** Forgets `version` of `key` if it is still the one at its place. */
  drop(key: string, version: Version): void {
    const byPlace = this.entries.get(key);
    const place = placeOf(version.segments);
    if (byPlace?.get(place) === version) {
      byPlace.delete(place);
      this.versions--;
    }
  }

  /** Forgets the entry of `exact` if it still leads to `version`. */
  dropExact(exact: string, version: Version): void {
    if (this.exact.get(exact)?.version === version) this.exact.delete(exact);
  }

  /**
   * Forgets the versions of places in `file` (the language server: its document was closed). A
   * version holds its policy and findings, and an nginx policy its program over the parsed file:
   * the memo kept a closed document's parse alive until newer versions pushed it out (the LSP
   * bench's 2,000-line nginx file: 545 versions, about 8 MB of heap after a full GC). Another file's
   * place that matched one of them builds its own again.
   */
  forgetFile(file: string): void {
    const prefix = `${file}\u0000`;
    for (const [key, byPlace] of this.entries) {
      for (const place of byPlace.keys()) {
        if (!place.startsWith(prefix)) continue;
        byPlace.delete(place);
        this.versions--;
      }
      if (byPlace.size === 0) this.entries.delete(key);
    }
    for (const [exact, entry] of this.exact) if (placeOf(entry.version.segments).startsWith(prefix)) this.exact.delete(exact);
  }

  getExact(exact: string): { key: string; version: Version } | undefined {
    return this.exact.get(exact);
  }

  setExact(exact: string, key: string, version: Version): void {
    this.exact.delete(exact);
    this.exact.set(exact, { key, version });
    while (this.exact.size > MAX_VERSIONS) this.exact.delete(this.exact.keys().next().value!);
  }
}

/** Where the place itself starts (its first token): a hint for the version to move from; positions are compared when moving. */
function placeOf(segments: KeySegment[]): string {
  const own = segments[segments.length - 1];
  // Made once per segment (a version is stored, looked up and dropped by it).
  return (own.place ??= `${own.files[0] ?? ''}\u0000${own.points[0]}:${own.points[1]}`);
}

let active: PolicyMemo | undefined;
const handles = new WeakMap<CorsPolicy, Handle>();

/** Runs a lint run with a memo: the parse cache's (kept across runs) when one is active, else one for this run. */
export function withPolicyMemo<T>(enabled: boolean, work: () => T): T {
  if (!enabled) {
    const saved = active;
    active = undefined;
    try {
      return work();
    } finally {
      active = saved;
    }
  }
  const cache = activeParseCache();
  let memo = cache?.get<PolicyMemo>('policy-memo', '');
  if (!memo) {
    memo = new PolicyMemo();
    cache?.set('policy-memo', '', memo);
  }
  const saved = active;
  active = memo;
  try {
    return work();
  } finally {
    active = saved;
  }
}

export function activePolicyMemo(): PolicyMemo | undefined {
  return active;
}

/**
 * The policy at `key` (undefined: this place has none), from the memo when a version can be moved
 * here exactly, else from `build` (remembered for the next time).
 */
export function memoPolicy(place: PlaceKey | undefined, build: () => CorsPolicy | undefined, finish: (moved: CorsPolicy) => CorsPolicy): CorsPolicy | undefined {
  const memo = active;
  if (!memo || !place) return build();
  let key: PolicyKey | undefined;
  let found: Version | undefined;
  const exact = place.exact !== undefined ? memo.getExact(place.exact) : undefined;
  if (exact && exact.version.segments.length === place.around.length + 1 && place.around.every((segment, i) => same(exact.version.segments[i], segment))) {
    // The same text at the same place, in the same surroundings: the same tokens where they were.
    found = exact.version;
    key = { key: exact.key, segments: [...place.around, found.segments[found.segments.length - 1]] };
  } else {
    const segments = [...place.around, place.own()];
    key = { key: segments.map((segment) => segment.key).join('\u0000'), segments };
    found = memo.get(key);
  }
  if (found) {
    const map = relocation(found.segments, key.segments);
    const moved = found.policy === undefined || !map ? undefined : map.identity ? shallow(found.policy) : (move(found.policy, map) as CorsPolicy | undefined);
    if (map && (found.policy === undefined || moved)) {
      memo.stats.moved++;
      if (!moved) return undefined;
      const policy = watchScope(finish(moved));
      handles.set(policy, { key: key.key, from: found, map, segments: key.segments, policy, scope: scopeText(policy), ...(place.exact !== undefined ? { exact: place.exact } : {}) });
      if (place.exact !== undefined && map.identity) memo.setExact(place.exact, key.key, found);
      return policy;
    }
  }
  memo.stats.built++;
  const built = build();
  const policy = built && watchScope(built);
  // The version keeps a copy: topology links are added to the policy itself later.
  const kept = policy && (move(policy, IDENTITY) as CorsPolicy | undefined);
  const scope = policy ? scopeText(policy) : '';
  const version: Version = { segments: key.segments, policy: kept, scope, rules: new Map() };
  if (!policy || kept) {
    memo.set(key.key, version);
    if (place.exact !== undefined) memo.setExact(place.exact, key.key, version);
  }
  if (policy && kept) handles.set(policy, { key: key.key, from: version, map: IDENTITY, segments: key.segments, policy, scope });
  return policy;
}

/**
 * The language server hands out again a policy object of an earlier run, where the extractor knows
 * nothing it was made from has changed (the same parsed block in the same surroundings: nginx
 * extract.ts): true when it may, and then its handle says it is where its version is, so that its
 * rules' records are replayed as they are. Not for a policy topology linked to others.
 */
export function reusePolicy(policy: CorsPolicy): boolean {
  const memo = active;
  const handle = memo && handles.get(policy);
  if (!handle || linked(policy) || shadowedApps.has(policy)) return false;
  if (handle.map.identity) {
    memo.stats.kept++;
    return true;
  }
  // Moved here by the run that made it: the version that run left at these positions holds the records.
  if (!handle.next) return false;
  memo.stats.kept++;
  handles.set(policy, { key: handle.key, from: handle.next, map: IDENTITY, segments: handle.segments, policy, scope: handle.scope, ...(handle.exact !== undefined ? { exact: handle.exact } : {}) });
  return true;
}

/**
 * An edit that moved the lines after it and nothing else (the language server's nginx reparse:
 * an Enter or Backspace inside one block): in `file`, a position before `line`:`column` (where the
 * edit starts) is where it was, one on a line after `endLine` (where the edited block ended) is
 * `lines` lines further with the same column, and one in between is unknown.
 */
export interface LineShift {
  file: string;
  line: number;
  column: number;
  endLine: number;
  lines: number;
}

/** Where `shift` puts a position of `file` (undefined: inside the edited span, not known). */
function shifted(shift: LineShift, file: string, line: number, column: number): number | undefined {
  if (file !== shift.file || line < shift.line || (line === shift.line && column < shift.column)) return line;
  return line > shift.endLine ? line + shift.lines : undefined;
}

/** Per newer segment: the older one it was last compared with under a shift, the shift, and the answer. */
const shiftCompared = new WeakMap<KeySegment, { with: KeySegment; shift: LineShift; same: boolean }>();

/** Segments with the same content whose every token is where `shift` puts it (each pair compared once per run). */
export function shiftedSegments(before: KeySegment[], after: KeySegment[], shift: LineShift): boolean {
  if (before.length !== after.length) return false;
  for (let i = 0; i < before.length; i++) if (!shiftedSegment(before[i], after[i], shift)) return false;
  return true;
}

function shiftedSegment(before: KeySegment, after: KeySegment, shift: LineShift): boolean {
  const known = shiftCompared.get(after);
  if (known && known.with === before && known.shift === shift) return known.same;
  let equal = before.key === after.key && before.points.length === after.points.length && before.files.length === after.files.length;
  for (let token = 0; equal && token < before.files.length; token++) {
    const file = before.files[token];
    equal = file === after.files[token];
    for (let i = token * 4; equal && i < token * 4 + 4; i += 2) {
      equal = shifted(shift, file, before.points[i], before.points[i + 1]) === after.points[i] && before.points[i + 1] === after.points[i + 1];
    }
  }
  shiftCompared.set(after, { with: before, shift, same: equal });
  return equal;
}

/** Old line numbers of the tokens a shift moves, per segment (a number naming one in a string blocks a shift). */
const movedLinesOf = new WeakMap<KeySegment, { shift: LineShift; lines: Set<number> }>();

function movedLines(segment: KeySegment, shift: LineShift): Set<number> {
  const known = movedLinesOf.get(segment);
  if (known?.shift === shift) return known.lines;
  const lines = new Set<number>();
  for (let token = 0; token < segment.files.length; token++) {
    for (let i = token * 4; i < token * 4 + 4; i += 2) {
      const line = segment.points[i];
      if (shifted(shift, segment.files[token], line, segment.points[i + 1]) !== line) lines.add(line);
    }
  }
  movedLinesOf.set(segment, { shift, lines });
  return lines;
}

/**
 * The language server after an edit that only moved lines (an Enter typed inside one block): the
 * policy a place had in the last run, at the positions `shift` gives, when its key is the same but
 * for those positions. `policy` is the place's last policy; `around` its surroundings' segments now;
 * `span` where the place's own source was (its block, from the name to the closing brace: a
 * position inside it moves with it, whatever token it is). Every other position of the policy and
 * its findings must be a token of the surroundings' key, as for a move. The rules' findings are
 * replayed from the last run's records (moved by the shift) where they hold. `finish` gets the
 * moved policy with the last policy's scope (a line shift leaves the place's scope as it was) and
 * sets what names the new place (its id, its header program). Undefined: build it.
 */
export function shiftPolicy(policy: CorsPolicy, shift: LineShift, around: KeySegment[], span: Loc, finish: (moved: CorsPolicy) => CorsPolicy): CorsPolicy | undefined {
  const memo = active;
  const handle = memo && handles.get(policy);
  if (!memo || !handle || linked(policy) || shadowedApps.has(policy)) return undefined;
  // The records of the policy's own positions (handle.segments): its version, or the one its run left there.
  const from = handle.map.identity ? handle.from : handle.next;
  const before = handle.segments;
  if (!from || before.length !== around.length + 1) return undefined;
  for (let i = 0; i < around.length; i++) if (!shiftedSegment(before[i], around[i], shift)) return undefined;
  // The place's own segment, moved (its tokens lie in its span).
  const own = before[before.length - 1];
  const points: number[] = new Array(own.points.length);
  for (let token = 0; token < own.files.length; token++) {
    for (let i = token * 4; i < token * 4 + 4; i += 2) {
      const line = shifted(shift, own.files[token], own.points[i], own.points[i + 1]);
      if (line === undefined) return undefined;
      points[i] = line;
      points[i + 1] = own.points[i + 1];
    }
  }
  const spanStart = shifted(shift, span.file, span.line, span.column);
  if (spanStart === undefined || shifted(shift, span.file, span.endLine, span.endColumn) === undefined) return undefined;
  const map = new ShiftRelocation(shift, span, before, spanStart !== span.line);
  const moved = shiftCopy(policy, map);
  if (!moved) return undefined;
  memo.stats.shifted++;
  const segments = [...around, { key: own.key, points, files: own.files }];
  // The place's scope is the last run's: the same level kinds (the segments), server name (the
  // caller checks it) and location arguments (its block is a copy). Its watched object is shared
  // (it holds no position), with the text it was read as.
  moved.scope = policy.scope;
  const out = finish(moved);
  handles.set(out, { key: handle.key, from, map, segments, policy: out, scope: handle.scope, shifted: true, ...(handle.exact !== undefined ? { exactBefore: handle.exact } : {}) });
  return out;
}

/**
 * Where a line shift puts the positions of one place's policy and findings: a position inside the
 * place's own source (`span`) moves with it, whatever token it is; any other must be a token
 * boundary of the surroundings' segments (`before` but its last, the place's own). One object per
 * place (an Enter shifts every location below it).
 */
class ShiftRelocation implements Relocation {
  readonly identity = false;
  constructor(
    private readonly shift: LineShift,
    private readonly span: Loc,
    private readonly before: KeySegment[],
    private readonly spanMoved: boolean,
  ) {}

  /** The new line of a position (its column stays), or undefined when it cannot be moved. */
  line(file: string, line: number, column: number): number | undefined {
    const span = this.span;
    const inside = file === span.file && (line > span.line || (line === span.line && column >= span.column)) && (line < span.endLine || (line === span.endLine && column <= span.endColumn));
    return inside || aroundBoundary(this.before, file, line, column) ? shifted(this.shift, file, line, column) : undefined;
  }

  point(file: string, line: number, column: number): [number, number] | undefined {
    const now = this.line(file, line, column);
    return now === undefined ? undefined : [now, column];
  }

  unstable(value: number): boolean {
    const { span, before, shift } = this;
    if (this.spanMoved && value >= span.line && value <= span.endLine) return true;
    for (let i = 0; i < before.length - 1; i++) if (movedLines(before[i], shift).has(value)) return true;
    return false;
  }
}

/** Deeper than any policy: a cycle (never in a policy) is not walked forever. */
const MAX_DEPTH = 64;

/**
 * move() for a line shift: `map.line` gives a position's new line (its column stays), undefined when
 * it cannot be moved. Parts with no position that moved are shared with `policy`, not copied (a
 * policy's parts are never changed once it is made: only topology adds links, at the top level); a
 * part that changes is cloned with its shape (a spread) and its changed fields set. Only the parts
 * copied are remembered (a part reached twice gets the same copy, as in a fresh policy); an
 * unchanged part reached twice is walked twice and is itself both times.
 */
function shiftCopy(policy: CorsPolicy, map: ShiftRelocation): CorsPolicy | undefined {
  let copies: Map<object, unknown> | undefined;
  const visit = (item: unknown, depth: number): unknown => {
    if (typeof item === 'string') {
      if (!stableString(item, map)) throw new Unmovable();
      return item;
    }
    if (item === null || typeof item !== 'object') {
      if (typeof item === 'function') throw new Unmovable();
      return item;
    }
    if (depth > MAX_DEPTH) throw new Unmovable();
    const done = copies?.get(item);
    if (done !== undefined) return done;
    let out: unknown = item;
    if (Array.isArray(item)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < item.length; i++) {
        const now = visit(item[i], depth + 1);
        if (now !== item[i]) (copy ??= item.slice())[i] = now;
      }
      out = copy ?? item;
    } else {
      if (Object.getPrototypeOf(item) !== Object.prototype) throw new Unmovable();
      const record = item as Record<string, unknown>;
      if (isLoc(record)) {
        let fields = 0;
        // Own enumerable keys (the prototype is Object.prototype, which has none): no array made per object.
        for (const _ in record) fields++;
        if (fields !== 5) throw new Unmovable();
        const line = map.line(record.file, record.line, record.column);
        const endLine = line === undefined ? undefined : map.line(record.file, record.endLine, record.endColumn);
        if (line === undefined || endLine === undefined) throw new Unmovable();
        if (line !== record.line || endLine !== record.endLine) out = { file: record.file, line, column: record.column, endLine, endColumn: record.endColumn };
      } else {
        let copy: Record<string, unknown> | undefined;
        for (const key in record) {
          const value = record[key];
          const now = visit(value, depth + 1);
          if (now !== value) (copy ??= copyRecord(record))[key] = now;
        }
        out = copy ?? item;
      }
    }
    if (out !== item) (copies ??= new Map()).set(item, out);
    return out;
  };
  try {
    const record = policy as unknown as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key in record) {
      // The extractor rebuilds the id, the scope and the header program for the new place.
      if (key === 'id' || key === 'scope' || key === 'headerProgram') out[key] = undefined;
      // `profile` is shared configuration data (the nginx profile), never positions.
      else if (key === 'profile') out[key] = record[key];
      else if (!TOPOLOGY_FIELDS.has(key)) out[key] = visit(record[key], 0);
    }
    return out as unknown as CorsPolicy;
  } catch (error) {
    if (error instanceof Unmovable) return undefined;
    throw error;
  }
}

/**
 * A copy of a part, its keys set one by one in their order on a new object (as shallow() and
 * moveValue() make theirs). A spread copy takes the hidden class of what it copies, and a spread of
 * such a copy a new one, so a policy shifted by each Enter had a new hidden class at each Enter from
 * the second on (every top-level policy, and the parts copied with it), and the code that reads
 * policies was deoptimized ("wrong map") and compiled again at each Enter. Objects built key by key
 * in the same order share one hidden class, whichever Enter made them.
 */
function copyRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in record) out[key] = record[key];
  return out;
}

/** A token boundary of the surroundings (all segments but the place's own). */
function aroundBoundary(segments: KeySegment[], file: string, line: number, column: number): boolean {
  const key = `${file}\u0000${line}:${column}`;
  for (let i = 0; i < segments.length - 1; i++) if (boundaries(segments[i]).has(key)) return true;
  return false;
}

/** Segments with the same content and every token where it was (each pair compared once per run). */
export function sameSegments(before: KeySegment[], after: KeySegment[]): boolean {
  return before.length === after.length && before.every((segment, i) => same(segment, after[i]));
}

/**
 * A policy built without a key ahead (JS/TS, Python, YAML; see content-key.ts): keyed by its own
 * content, so that memoRule and replayRules can replay its rules' findings from a policy with the
 * same content built before (in the language server, the last keystroke's). The policy itself is
 * the one just built; only the rules' records are shared.
 */
export function rememberByContent(policy: CorsPolicy, segmentOf: (policy: CorsPolicy) => KeySegment | undefined): void {
  const memo = active;
  // An nginx policy has its handle from memoPolicy: its content is never walked (a 2,000-line file
  // has 499 of them, and walking each was a third of an nginx keystroke).
  if (!memo || handles.has(policy)) return;
  const segment = segmentOf(policy);
  if (!segment) return;
  const key: PolicyKey = { key: segment.key, segments: [segment] };
  const scope = scopeText(policy);
  const found = memo.get(key);
  const map = found && relocation(found.segments, key.segments);
  if (found && map && found.scope === scope) {
    handles.set(policy, { key: key.key, from: found, map, segments: key.segments, policy, scope });
    return;
  }
  const version: Version = { segments: key.segments, policy: undefined, scope, rules: new Map() };
  memo.set(key.key, version);
  handles.set(policy, { key: key.key, from: version, map: IDENTITY, segments: key.segments, policy, scope });
}

function linked(policy: CorsPolicy): boolean {
  // An app behind a proxy that hides its Allow-Origin: which rules run depends on the topology (lint.ts).
  if (deadAllowOrigin.has(policy) || ignoredByHttpApi.has(policy)) return true;
  return (policy.upstreamLayers?.length ?? 0) > 0 || (policy.clientCalls?.length ?? 0) > 0 || (policy.sameOriginProxies?.length ?? 0) > 0;
}

/** A record can be replayed for this policy: the facts and the scope it read are the same here. */
function usable(record: RuleRecord | undefined, handle: Handle, project: ProjectFacts): record is RuleRecord {
  if (!record) return false;
  if (record.project !== undefined) {
    if (record.project !== projectShape(project)) return false;
    if (record.projectAt !== undefined && !(handle.map.identity && record.projectAt === projectDigest(project))) return false;
  }
  return record.scope === undefined || record.scope === handle.scope;
}

/**
 * Every rule's findings for a policy that is where it was, or was moved here, replayed at once when
 * each rule has a record that holds here (the common case in an editor: every place but the one
 * being typed in). False when any rule must run (then each goes through memoRule).
 */
export function replayRules(policy: CorsPolicy, ruleIds: string[], project: ProjectFacts, report: (index: number, finding: Finding) => void): boolean {
  const memo = active;
  const handle = memo && handles.get(policy);
  if (!memo || !handle || linked(policy)) return false;
  const rules = handle.from.rules;
  const last = handle.from.replayed;
  // The same rules, facts object and scope as the last replay here (an editor's keystroke elsewhere): its findings again.
  if (handle.map.identity && last && last.project === project && last.scope === handle.scope && sameIds(last.ruleIds, ruleIds)) {
    for (const [index, finding] of last.findings) report(index, finding);
    memo.stats.replayed += ruleIds.length;
    return true;
  }
  // Moved by a line shift, with no record that a position decides (the last shift's summary): the
  // records here are those records, so the version left here shares their Map (as below).
  const empty = handle.from.empty;
  if (!handle.map.identity && !handle.next && empty && empty.scope === handle.scope && sameIds(empty.ruleIds, ruleIds) && empty.shape === projectShape(project)) {
    handle.from.sharedRules = true;
    leave(memo, handle, { segments: handle.segments, policy: handle.policy, scope: handle.scope, rules, sharedRules: true, empty });
    memo.stats.replayed += ruleIds.length;
    return true;
  }
  for (const id of ruleIds) if (!usable(rules.get(id), handle, project)) return false;
  if (handle.map.identity) {
    const findings: Array<[number, Finding]> = [];
    let positionFree = rules.size === ruleIds.length;
    ruleIds.forEach((id, index) => {
      const record = rules.get(id)!;
      if (record.projectAt !== undefined) positionFree = false;
      for (const finding of record.findings) {
        findings.push([index, finding]);
        report(index, finding);
      }
    });
    handle.from.replayed = { ruleIds, project, scope: handle.scope, findings };
    if (positionFree && findings.length === 0) handle.from.empty = { ruleIds, shape: projectShape(project), scope: handle.scope };
  } else {
    // Moved (every location below a line typed): all findings are moved first; if one cannot be,
    // the rules go one by one through memoRule (which runs those it cannot move). A record without
    // findings is the same record here (records are never changed once made).
    const moved: Finding[][] = [];
    let unchanged = rules.size === ruleIds.length;
    for (const id of ruleIds) {
      const findings = rules.get(id)!.findings;
      const here = findings.length === 0 ? findings : moveFindings(findings, handle.map);
      if (!here) return false;
      moved.push(here);
      if (here.length > 0) unchanged = false;
    }
    // No finding to move and no record of another rule (whose findings would be at the old positions):
    // the records here are those records, so the version left here shares their Map.
    if (unchanged && !handle.next) {
      handle.from.sharedRules = true;
      // usable() took no record with a position of the facts (the map is not the identity): a summary for the next shift.
      const summary = { ruleIds, shape: projectShape(project), scope: handle.scope };
      leave(memo, handle, { segments: handle.segments, policy: handle.policy, scope: handle.scope, rules, sharedRules: true, empty: summary });
      memo.stats.replayed += ruleIds.length;
      return true;
    }
    ruleIds.forEach((id, index) => {
      const record = rules.get(id)!;
      for (const finding of moved[index]) report(index, finding);
      keep(memo, handle, id, moved[index] === record.findings ? record : { ...record, findings: moved[index] });
    });
  }
  memo.stats.replayed += ruleIds.length;
  return true;
}

/**
 * Runs one rule on a policy, or replays its findings from the memo when they can be moved here.
 * `run` gets the project facts to hand the rule (a view that notes whether the rule read them) and
 * returns false when the rule did not finish cleanly (its findings are then not remembered).
 */
export function memoRule(policy: CorsPolicy, ruleId: string, project: ProjectFacts, report: (finding: Finding) => void, run: (project: ProjectFacts, report: (finding: Finding) => void) => boolean): void {
  const memo = active;
  const handle = memo && handles.get(policy);
  // One view per project: rules cache what they derive from the facts by the object they get.
  const view = memo ? projectView(project) : project;
  if (!memo || !handle || linked(policy)) {
    run(view, report);
    return;
  }
  const record = handle.from.rules.get(ruleId);
  if (usable(record, handle, project)) {
    // Records are never changed once made: where nothing moved, the version keeps them.
    const moved = handle.map.identity ? record.findings : moveFindings(record.findings, handle.map);
    if (moved) {
      memo.stats.replayed++;
      for (const finding of moved) report(finding);
      if (!handle.map.identity) keep(memo, handle, ruleId, { ...record, findings: moved });
      return;
    }
  }
  memo.stats.ran++;
  const readScope = scopeReads;
  const readProjectBefore = projectReads;
  const readPositionsBefore = projectPositionReads;
  scopeReads = false;
  projectReads = false;
  projectPositionReads = false;
  const findings: Finding[] = [];
  let clean: boolean;
  let scopeRead: boolean;
  let readProject: boolean;
  let readPositions: boolean;
  try {
    clean = run(view, (finding) => {
      findings.push(finding);
      report(finding);
    });
  } finally {
    scopeRead = scopeReads;
    readProject = projectReads;
    readPositions = projectPositionReads;
    scopeReads = readScope;
    projectReads = readProjectBefore;
    projectPositionReads = readPositionsBefore;
  }
  // A rule may keep what it derived from the facts by the view it got (origin-typo's index of
  // known domains): its later runs with that view read the facts without touching them. What a rule
  // read through a view once counts for each of its runs with that view.
  const readers = viewReaders.get(view);
  if (readers) {
    const before = readers.get(ruleId);
    readProject ||= before?.project ?? false;
    readPositions ||= before?.positions ?? false;
    if (readProject && (!before || before.positions !== readPositions || !before.project)) readers.set(ruleId, { project: readProject, positions: readPositions });
  }
  if (!clean) return;
  // A copy: the findings' positions must not change with anything the caller does to them.
  const kept = moveFindings(findings, IDENTITY);
  if (!kept) return;
  keep(memo, handle, ruleId, { findings: kept, ...(readProject ? { project: projectShape(project) } : {}), ...(readPositions ? { projectAt: projectDigest(project) } : {}), ...(scopeRead ? { scope: handle.scope } : {}) });
}

function sameIds(a: string[], b: string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Stores a rule's record in the version this run leaves (made and put in the memo on the first record). */
function keep(memo: PolicyMemo, handle: Handle, ruleId: string, record: RuleRecord): void {
  if (handle.map.identity) {
    // Same positions: the version found is this run's too (a record made here is true there).
    setRecord(handle.from, ruleId, record);
    handle.from.replayed = undefined;
    return;
  }
  if (!handle.next) leave(memo, handle, { segments: handle.segments, policy: handle.policy, scope: handle.scope, rules: new Map() });
  setRecord(handle.next!, ruleId, record);
}

/** Makes `version` the one this run leaves at the handle's positions, in the memo. */
function leave(memo: PolicyMemo, handle: Handle, version: Version): void {
  handle.next = version;
  memo.set(handle.key, version);
  if (handle.exact !== undefined) memo.setExact(handle.exact, handle.key, version);
  // A shifted place is no longer where its last version was (its lines moved): that version would
  // stay in the memo for a place that is gone, a few KB per location on every Enter.
  // Its exact source at the old place led there too, and kept it (with its policy and records) until
  // 10,000 newer sources had pushed it out.
  if (handle.shifted && handle.from !== version) {
    memo.drop(handle.key, handle.from);
    if (handle.exactBefore !== undefined) memo.dropExact(handle.exactBefore, handle.from);
  }
}

function setRecord(version: Version, ruleId: string, record: RuleRecord): void {
  version.empty = undefined;
  if (version.sharedRules) {
    version.rules = new Map(version.rules);
    version.sharedRules = false;
  }
  version.rules.set(ruleId, record);
}

/**
 * The project facts of this run, or the last run's object when they are the same to the position
 * (the language server: a keystroke rarely changes them). Rules keep what they derive from the
 * facts by the object (origin-typo's index of known domains, the memo's view and digests): the same
 * object lets all of that carry over instead of being made again on every keystroke.
 */
export function stableProjectFacts(project: ProjectFacts): ProjectFacts {
  const memo = active;
  if (!memo || !activeParseCache()) return project;
  const last = memo.lastProject;
  if (last && sameFacts(last, project)) return last;
  memo.lastProject = project;
  return project;
}

function sameLoc(a: Loc | undefined, b: Loc | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.file === b.file && a.line === b.line && a.column === b.column && a.endLine === b.endLine && a.endColumn === b.endColumn;
}

function sameFacts(a: ProjectFacts, b: ProjectFacts): boolean {
  if (a.servedHosts.size !== b.servedHosts.size || a.writtenOrigins.length !== b.writtenOrigins.length) return false;
  const other = b.servedHosts.entries();
  for (const [host, entry] of a.servedHosts) {
    const [otherHost, otherEntry] = other.next().value!;
    if (host !== otherHost || entry.how !== otherEntry.how || !sameLoc(entry.loc, otherEntry.loc) || fieldCount(entry) !== fieldCount(otherEntry)) return false;
  }
  for (let i = 0; i < a.writtenOrigins.length; i++) {
    const x = a.writtenOrigins[i];
    const y = b.writtenOrigins[i];
    if (x.value !== y.value || !sameLoc(x.loc, y.loc) || fieldCount(x) !== fieldCount(y)) return false;
  }
  return true;
}

/** Object.keys(record).length without the array (compared for every fact on every keystroke). */
function fieldCount(record: object): number {
  let count = 0;
  for (const key in record) if (Object.hasOwn(record, key)) count++;
  return count;
}

const digests = new WeakMap<ProjectFacts, string>();
const shapes = new WeakMap<ProjectFacts, string>();
/** Digests seen, by a short name: records compare names, not the facts' text (tens of KB, once per policy and rule). */
const digestNames = new Map<string, string>();

function digestName(text: string): string {
  let found = digestNames.get(text);
  if (found === undefined) {
    if (digestNames.size >= 256) digestNames.delete(digestNames.keys().next().value!);
    found = `p${nextDigest++}`;
    digestNames.set(text, found);
  }
  return found;
}

/** The project facts to the position. */
function projectDigest(project: ProjectFacts): string {
  let found = digests.get(project);
  if (found === undefined) {
    found = digestName(JSON.stringify([[...project.servedHosts], project.writtenOrigins]));
    digests.set(project, found);
  }
  return found;
}

/**
 * The project facts without their positions: all a rule sees through its view (projectView) unless
 * it reads a `loc`. Whether an entry has a position, and its file, are kept: only lines and columns
 * are left out, so a line typed above a fact leaves this the same.
 */
function projectShape(project: ProjectFacts): string {
  let found = shapes.get(project);
  if (found === undefined) {
    const served = [...project.servedHosts].map(([host, { how, loc }]) => [host, how, loc === undefined ? null : loc.file]);
    const written = project.writtenOrigins.map(({ value, loc }) => [value, loc.file]);
    found = digestName(`shape\u0000${JSON.stringify([served, written])}`);
    shapes.set(project, found);
  }
  return found;
}
let nextDigest = 0;

/** Set when a rule read the project facts through its view since the last reset. */
let projectReads = false;
/** Set when a rule read a position (a `loc`) of the project facts through its view since the last reset. */
let projectPositionReads = false;
const projectViews = new WeakMap<ProjectFacts, ProjectFacts>();
/** Per view, per rule: whether the rule has read the facts, and a position in them, through it. */
const viewReaders = new WeakMap<ProjectFacts, Map<string, { project: boolean; positions: boolean }>>();

/**
 * The facts as rules see them: reading either notes a read of the facts, and reading the `loc` of
 * an entry notes a read of a position (each entry is a copy whose `loc` is a getter, made on first
 * use, once per run).
 */
function projectView(project: ProjectFacts): ProjectFacts {
  let view = projectViews.get(project);
  if (!view) {
    let served: ProjectFacts['servedHosts'] | undefined;
    let written: ProjectFacts['writtenOrigins'] | undefined;
    view = {
      get servedHosts() {
        projectReads = true;
        served ??= new Map([...project.servedHosts].map(([host, entry]) => [host, watchLoc(entry)]));
        return served;
      },
      get writtenOrigins() {
        projectReads = true;
        written ??= project.writtenOrigins.map(watchLoc);
        return written;
      },
    };
    projectViews.set(project, view);
    viewReaders.set(view, new Map());
  }
  return view;
}

function watchLoc<T extends { loc?: Loc }>(entry: T): T {
  if (entry.loc === undefined) return entry;
  const loc = entry.loc;
  const copy = { ...entry };
  Object.defineProperty(copy, 'loc', {
    enumerable: true,
    get() {
      projectPositionReads = true;
      return loc;
    },
  });
  return copy;
}

/** Set when something read a watched scope's label or path since the last reset (memoRule resets it per rule run). */
let scopeReads = false;

/** The policy with its scope's label and path read through getters that note the read. */
function watchScope(policy: CorsPolicy): CorsPolicy {
  const scope = policy.scope;
  const { kind, label, path } = scope;
  const keys = Object.keys(scope).join();
  // Literals keep the field order (and a fast object shape); other shapes are watched field by field.
  if (keys === 'kind,label,path') {
    policy.scope = {
      kind,
      get label() {
        scopeReads = true;
        return label;
      },
      get path() {
        scopeReads = true;
        return path;
      },
    };
    return policy;
  }
  if (keys === 'kind,label') {
    policy.scope = {
      kind,
      get label() {
        scopeReads = true;
        return label;
      },
    };
    return policy;
  }
  const watched = {} as CorsPolicy['scope'];
  for (const field of Object.keys(scope) as Array<keyof CorsPolicy['scope']>) {
    const value = scope[field];
    if (field === 'label' || field === 'path') {
      Object.defineProperty(watched, field, {
        enumerable: true,
        get() {
          scopeReads = true;
          return value;
        },
      });
    } else (watched as unknown as Record<string, unknown>)[field] = value;
  }
  policy.scope = watched;
  return policy;
}

function scopeText(policy: CorsPolicy): string {
  const saved = scopeReads;
  const text = JSON.stringify([policy.scope.label, policy.scope.path ?? null]);
  scopeReads = saved;
  return text;
}



// ---------------------------------------------------------------------------------------------
// Moving positions

interface Relocation {
  identity: boolean;
  /** `file\0line:column` of a token boundary in the old version -> the same boundary now; null when two tokens shared it before and do not now. */
  point(file: string, line: number, column: number): [number, number] | undefined;
  /** A line or column number some token had before and no longer has: a string holding it may name a position. */
  unstable(value: number): boolean;
}

const IDENTITY: Relocation = { identity: true, point: (_file, line, column) => [line, column], unstable: () => false };

const pairs = new WeakMap<KeySegment, WeakMap<KeySegment, SegmentRelocation | null>>();
const SAME_SEGMENT: SegmentRelocation = { identity: true, points: new Map(), unstable: new Set() };

interface SegmentRelocation {
  identity: boolean;
  points: Map<string, [number, number] | null>;
  unstable: Set<number>;
}

/** Token i of `before` is token i of `after` (same key, so the same tokens in the same order). */
function segmentRelocation(before: KeySegment, after: KeySegment): SegmentRelocation | null {
  // Unmoved segments (the common case) are found without a table of pairs.
  if (same(before, after)) return SAME_SEGMENT;
  let byAfter = pairs.get(before);
  if (!byAfter) pairs.set(before, (byAfter = new WeakMap()));
  const cached = byAfter.get(after);
  if (cached !== undefined) return cached;
  let made: SegmentRelocation | null;
  if (before === after) made = SAME_SEGMENT;
  else if (before.points.length !== after.points.length || before.files.length !== after.files.length) made = null;
  else {
    let identity = true;
    for (let i = 0; i < before.points.length && identity; i++) identity = before.points[i] === after.points[i];
    for (let i = 0; i < before.files.length && identity; i++) identity = before.files[i] === after.files[i];
    const points = new Map<string, [number, number] | null>();
    const unstable = new Set<number>();
    if (!identity) {
      for (let token = 0; token < before.files.length; token++) {
        const file = before.files[token];
        if (file !== after.files[token]) {
          made = null;
          byAfter.set(after, null);
          return null;
        }
        for (const at of [0, 2]) {
          const i = token * 4 + at;
          const key = `${file}\u0000${before.points[i]}:${before.points[i + 1]}`;
          const now: [number, number] = [after.points[i], after.points[i + 1]];
          const known = points.get(key);
          if (known === undefined) points.set(key, now);
          else if (known !== null && (known[0] !== now[0] || known[1] !== now[1])) points.set(key, null);
          if (before.points[i] !== now[0]) unstable.add(before.points[i]);
          if (before.points[i + 1] !== now[1]) unstable.add(before.points[i + 1]);
        }
      }
    }
    made = identity ? SAME_SEGMENT : { identity, points, unstable };
  }
  byAfter.set(after, made);
  return made;
}

/** Two segments with the same content and every token where it was (cached on the newer one for the last older one asked). */
function same(before: KeySegment, after: KeySegment): boolean {
  if (before === after) return true;
  if (after.compared?.with === before) return after.compared.same;
  let equal = before.key === after.key && before.points.length === after.points.length && before.files.length === after.files.length;
  for (let i = 0; equal && i < before.points.length; i++) equal = before.points[i] === after.points[i];
  for (let i = 0; equal && i < before.files.length; i++) equal = before.files[i] === after.files[i];
  after.compared = { with: before, same: equal };
  return equal;
}

function relocation(before: KeySegment[], after: KeySegment[]): Relocation | undefined {
  if (before.length !== after.length) return undefined;
  const parts: SegmentRelocation[] = [];
  for (let i = 0; i < before.length; i++) {
    const part = segmentRelocation(before[i], after[i]);
    if (!part) return undefined;
    if (!part.identity) parts.push(part);
  }
  if (parts.length === 0) return IDENTITY;
  // Identical segments keep their tokens where they were: a boundary found there maps to itself.
  const still = before.filter((_, i) => segmentRelocation(before[i], after[i])!.identity).map(boundaries);
  return {
    identity: false,
    point(file, line, column) {
      const key = `${file}\u0000${line}:${column}`;
      let found: [number, number] | undefined = still.some((set) => set.has(key)) ? [line, column] : undefined;
      for (const part of parts) {
        const now = part.points.get(key);
        if (now === undefined) continue;
        if (now === null) return undefined;
        if (found && (found[0] !== now[0] || found[1] !== now[1])) return undefined;
        found = now;
      }
      return found;
    },
    unstable: (value) => parts.some((part) => part.unstable.has(value)),
  };
}

const boundarySets = new WeakMap<KeySegment, Set<string>>();

/** `file\0line:column` of every token start and end of a segment (once per segment). */
function boundaries(segment: KeySegment): Set<string> {
  let found = boundarySets.get(segment);
  if (!found) {
    found = new Set();
    for (let token = 0; token < segment.files.length; token++) {
      found.add(`${segment.files[token]}\u0000${segment.points[token * 4]}:${segment.points[token * 4 + 1]}`);
      found.add(`${segment.files[token]}\u0000${segment.points[token * 4 + 2]}:${segment.points[token * 4 + 3]}`);
    }
    boundarySets.set(segment, found);
  }
  return found;
}

const NUMBER = /\d+/g;

const DIGIT = /\d/;

function stableString(text: string, map: Relocation): boolean {
  if (map.identity || !DIGIT.test(text)) return true;
  for (const match of text.matchAll(NUMBER)) if (map.unstable(Number(match[0]))) return false;
  return true;
}

function isLoc(value: Record<string, unknown>): value is Record<string, unknown> & Loc {
  return typeof value.file === 'string' && typeof value.line === 'number' && typeof value.column === 'number' && typeof value.endLine === 'number' && typeof value.endColumn === 'number';
}

function moveLoc(loc: Loc, map: Relocation): Loc | undefined {
  if (map.identity) return { ...loc };
  const start = map.point(loc.file, loc.line, loc.column);
  const end = start && map.point(loc.file, loc.endLine, loc.endColumn);
  if (!start || !end) return undefined;
  const keys = Object.keys(loc);
  if (keys.length !== 5) return undefined;
  return { file: loc.file, line: start[0], column: start[1], endLine: end[0], endColumn: end[1] };
}

class Unmovable extends Error {}

/**
 * A deep copy of plain data with every position moved. Shared objects stay shared (a loc used by
 * two fields is one object, as in a fresh policy). A class instance other than the policy's header
 * program (rebuilt by the extractor), or a topology link, is not copied.
 */
function move(value: unknown, map: Relocation): unknown {
  const seen = new Map<object, unknown>();
  const visit = (item: unknown): unknown => {
    if (typeof item === 'string') {
      if (!stableString(item, map)) throw new Unmovable();
      return item;
    }
    if (item === null || typeof item !== 'object') {
      if (typeof item === 'function') throw new Unmovable();
      return item;
    }
    const done = seen.get(item);
    if (done !== undefined) return done;
    if (Array.isArray(item)) {
      const out: unknown[] = [];
      seen.set(item, out);
      for (const element of item) out.push(visit(element));
      return out;
    }
    if (Object.getPrototypeOf(item) !== Object.prototype) throw new Unmovable();
    const record = item as Record<string, unknown>;
    if (isLoc(record)) {
      const moved = moveLoc(record, map);
      if (!moved) throw new Unmovable();
      seen.set(item, moved);
      return moved;
    }
    const out: Record<string, unknown> = {};
    seen.set(item, out);
    const top = item === value;
    for (const key of Object.keys(record)) {
      // The extractor rebuilds the id and the scope for the new place (they name it); kept in place.
      if (top && (key === 'id' || key === 'scope')) {
        out[key] = undefined;
        continue;
      }
      if (TOPOLOGY_FIELDS.has(key)) continue;
      // Rebuilt by the extractor for the new place; the key keeps its place in the object.
      if (key === 'headerProgram') {
        out[key] = undefined;
        continue;
      }
      // `profile` is shared configuration data (the nginx profile), never positions.
      out[key] = key === 'profile' ? record[key] : visit(record[key]);
    }
    return out;
  };
  try {
    return visit(value);
  } catch (error) {
    if (error instanceof Unmovable) return undefined;
    throw error;
  }
}

/**
 * Where nothing moved, a new top-level object over the same data (extractors and rules never change
 * a policy's parts once it is made; only topology adds links, at the top level, which are left out).
 */
function shallow(policy: CorsPolicy): CorsPolicy {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(policy)) {
    if (TOPOLOGY_FIELDS.has(key)) continue;
    out[key] = key === 'id' || key === 'scope' || key === 'headerProgram' ? undefined : (policy as unknown as Record<string, unknown>)[key];
  }
  return out as unknown as CorsPolicy;
}

function moveFindings(findings: Finding[], map: Relocation): Finding[] | undefined {
  const out: Finding[] = [];
  for (const finding of findings) {
    if (!stableString(finding.message, map)) return undefined;
    const loc = moveLoc(finding.loc, map);
    if (!loc) return undefined;
    let fix: Finding['fix'];
    if (finding.fix) {
      const fixLoc = moveLoc(finding.fix.loc, map);
      if (!fixLoc || !stableString(finding.fix.text, map) || (finding.fix.title !== undefined && !stableString(finding.fix.title, map))) return undefined;
      fix = { loc: fixLoc, text: finding.fix.text, ...(finding.fix.title !== undefined ? { title: finding.fix.title } : {}) };
    }
    out.push({ message: finding.message, loc, ...(fix ? { fix } : {}) });
  }
  return out;
}
