import type { CorsPolicy } from '../model/types.js';
import { contentProgramData } from '../model/content-program.js';
import { deadAllowOrigin, shadowedApps } from '../topology/shadowed-apps.js';
import { ignoredByHttpApi } from '../topology/aws-functions.js';
import type { KeySegment } from './policy-memo.js';

/**
 * The key of a built policy by its own content, for extractors that do not name what a policy is
 * made of ahead (JS/TS, Python, YAML): the rules see nothing but the policy and the project facts,
 * so two policies whose content is the same but for where their tokens are get the same findings,
 * moved (policy-memo.ts does the moving, and refuses a move it cannot prove exact). In the
 * language server a keystroke elsewhere in the file rebuilds the same policy: its rules' findings
 * are replayed instead of computing the request matrix again (1.5-7 ms per policy and keystroke).
 *
 * The key is every field of the policy, in order, with each position (a `Loc`) replaced by a
 * placeholder and its numbers kept as the key's points; an origin list's `listId` (its position,
 * compared by the rules only within one policy) by its order in the policy. Left out: `id` (it names the place: the
 * rules never read it), the topology links (a linked policy is never replayed). A policy holding
 * anything that is not plain data (a function, a class instance, a Map) has no key, so that
 * nothing a rule could read is missing from it (nor is a policy topology noted in a side table,
 * shadowedApps); the one exception is a header program that
 * model/content-program.ts vouches is computed from the rest of the policy alone.
 */

const SKIPPED = new Set(['id', 'upstreamLayers', 'clientCalls', 'sameOriginProxies']);
const LOC_KEYS = 'file,line,column,endLine,endColumn';
/** Shared configuration objects (framework profiles): named by identity, never read for positions. */
const sharedIds = new WeakMap<object, number>();
let nextShared = 0;

class NoKey extends Error {}
/** Thrown as one instance: an Error made per policy without a key cost its stack trace each time. */
const NO_KEY = new NoKey();

export function contentSegment(policy: CorsPolicy): KeySegment | undefined {
  // Topology's side table: an app behind a proxy that answers for it (rules read the proxy's policy there).
  if (shadowedApps.has(policy) || deadAllowOrigin.has(policy) || ignoredByHttpApi.has(policy)) return undefined;
  const parts: string[] = ['content'];
  const points: number[] = [];
  const files: string[] = [];
  const seen = new Map<object, number>();
  const listIds = new Map<string, number>();
  const visit = (value: unknown): void => {
    switch (typeof value) {
      case 'string':
        parts.push(JSON.stringify(value));
        return;
      case 'number':
        parts.push(Object.is(value, -0) ? '-0' : String(value));
        return;
      case 'boolean':
        parts.push(value ? 'T' : 'F');
        return;
      case 'undefined':
        parts.push('U');
        return;
      case 'object':
        break;
      default:
        throw NO_KEY;
    }
    if (value === null) {
      parts.push('N');
      return;
    }
    // An object seen before is named by its first visit: sharing is part of the content.
    const earlier = seen.get(value);
    if (earlier !== undefined) {
      parts.push(`&${earlier}`);
      return;
    }
    seen.set(value, seen.size);
    if (Array.isArray(value)) {
      parts.push(`[${value.length}`);
      for (const item of value) visit(item);
      parts.push(']');
      return;
    }
    const prototype = Object.getPrototypeOf(value) as object | null;
    if (prototype !== Object.prototype && prototype !== null) throw NO_KEY;
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    // Accessors and hidden fields could hold what the key does not show.
    if (Object.getOwnPropertyNames(record).length !== keys.length || Object.getOwnPropertySymbols(record).length > 0) throw NO_KEY;
    for (const key of keys) if (Object.getOwnPropertyDescriptor(record, key)!.get) throw NO_KEY;
    if (keys.join() === LOC_KEYS && typeof record.file === 'string' && typeof record.line === 'number' && typeof record.column === 'number' && typeof record.endLine === 'number' && typeof record.endColumn === 'number') {
      parts.push('@');
      points.push(record.line, record.column, record.endLine, record.endColumn);
      files.push(record.file);
      return;
    }
    parts.push('{');
    for (const key of keys) {
      if (value === policy && SKIPPED.has(key)) continue;
      parts.push(JSON.stringify(key));
      const field = record[key];
      if (value === policy && key === 'profile' && field !== null && typeof field === 'object') {
        let id = sharedIds.get(field);
        if (id === undefined) sharedIds.set(field, (id = nextShared++));
        parts.push(`#${id}`);
      } else if (value === policy && key === 'headerProgram' && field !== undefined) {
        const vouched = field !== null && typeof field === 'object' ? contentProgramData(field) : undefined;
        if (!vouched) throw NO_KEY;
        parts.push('#program');
        visit(vouched.data);
      } else if (key === 'listId' && typeof field === 'string') {
        // A list's name is its position; rules only compare names within a policy: named by order.
        let index = listIds.get(field);
        if (index === undefined) listIds.set(field, (index = listIds.size));
        parts.push(`#list${index}`);
      } else visit(field);
    }
    parts.push('}');
  };
  try {
    visit(policy);
  } catch (error) {
    if (error instanceof NoKey) return undefined;
    throw error;
  }
  // A policy without a position has no place to be found at (placeOf reads the first point).
  if (points.length === 0) return undefined;
  return { key: parts.join(' '), points, files };
}
