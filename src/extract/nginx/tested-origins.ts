import type { OriginMatcher } from '../../model/types.js';
import { ancestors, type NginxContext } from './contexts.js';
import { copiedFrom, type NginxDirective } from './parse.js';
import { conditionArgs, maskFields, type NginxMap } from './program.js';

/**
 * The origins a location compares `$http_origin` with, wherever the comparison sits: an `if`
 * that only sets a flag, an `if ($http_origin != …) { return 403; }`, a `map $http_origin` read
 * through another variable. `origins` lists only what reaches Allow-Origin directly; the request
 * matrix also asks the layer about these, so an answer that depends on them is seen.
 */
/** Variables a level's own directives read, worked out once per level (a server holds every location's directive). */
const usedCache = new WeakMap<NginxContext, Set<string>>();
/** And once per directive: the language server builds the levels anew on each keystroke, but keeps the directives of blocks an edit left alone. */
const directiveVariables = new WeakMap<NginxDirective, string[]>();

function variablesUsed(context: NginxContext): Set<string> {
  let used = usedCache.get(context);
  if (!used) {
    used = new Set();
    for (const directive of context.body) {
      let names = directiveVariables.get(directive);
      // A block copied with its lines moved (parse.ts) reads what its original reads.
      const original = names ? undefined : copiedFrom.get(directive)?.original;
      if (original) {
        names = directiveVariables.get(original);
        // Kept by the copy too: the entry that leads to its original lasts only until the next parse.
        if (names) directiveVariables.set(directive, names);
      }
      if (!names) {
        names = [];
        for (const arg of directive.args) for (const match of arg.value.matchAll(/\$\{?(\w+)/g)) names.push(match[1]);
        directiveVariables.set(directive, names);
      }
      for (const name of names) used.add(name);
    }
    usedCache.set(context, used);
  }
  return used;
}

export function testedOrigins(target: NginxContext, maps: Map<string, NginxMap>): OriginMatcher[] {
  const out: OriginMatcher[] = [];
  const contexts = new Set<NginxContext>();
  const server = ancestors(target).find((level) => level.kind === 'server');
  for (const level of [target, ...(server && server !== target ? [server] : [])]) {
    const stack = [level];
    while (stack.length > 0) {
      const context = stack.pop()!;
      contexts.add(context);
      for (const child of context.children.values()) if (child.kind === 'if') stack.push(child);
    }
  }
  for (const level of ancestors(target)) contexts.add(level);
  const referenced = new Set<string>();
  for (const context of contexts) {
    for (const name of variablesUsed(context)) referenced.add(name);
    const guard = context.kind === 'if' && context.directive ? conditionArgs(context.directive) : [];
    if (guard.length !== 3 || guard[0].value !== '$http_origin' || /\$\{?\w/.test(guard[2].value)) continue;
    const [, operator, operand] = guard;
    if (operator.value === '=' || operator.value === '!=') out.push({ kind: 'exact', value: operand.value, loc: operand.loc });
    else if (/^!?~\*?$/.test(operator.value)) out.push({ kind: 'pattern', source: operand.value, flags: operator.value.endsWith('*') ? 'i' : '', dialect: 'pcre-search', loc: operand.loc });
  }
  // A map read through another map (`map $origin_ok $acao`) still tests the origin.
  const seen = new Set<string>();
  const queue = [...referenced];
  while (queue.length > 0) {
    const name = queue.shift()!;
    const map = maps.get(name);
    if (!map || seen.has(name)) continue;
    seen.add(name);
    for (const match of map.source.matchAll(/\$\{?(\w+)/g)) queue.push(match[1]);
    if (map.source !== '$http_origin') continue;
    for (const entry of map.exact) out.push({ kind: 'exact', value: entry.key, loc: entry.value.loc, caseInsensitive: true });
    for (const entry of map.regex) out.push({ kind: 'pattern', source: entry.pattern, flags: entry.caseInsensitive ? 'i' : '', dialect: 'pcre-search', loc: entry.keyLoc, ...maskFields(entry.mask) });
  }
  return out;
}

/**
 * The non-simple methods a location's `if`s (its own and its server's) compare `$request_method` with:
 * `if ($request_method = DELETE) { add_header … }`, `if ($request_method ~ (GET|PUT|DELETE)) { … }`.
 * Configs often answer each method in a branch of its own, and the request matrix asks only GET, POST,
 * HEAD and PUT with credentials: a DELETE branch that echoes any origin with credentials went unasked.
 * PUT is asked already; at most three others are added.
 */
const SIMPLE_OR_ASKED = new Set(['GET', 'HEAD', 'POST', 'OPTIONS', 'PUT']);

export function testedMethods(target: NginxContext): string[] {
  const out = new Set<string>();
  const server = ancestors(target).find((level) => level.kind === 'server');
  for (const level of [target, ...(server && server !== target ? [server] : [])]) {
    const stack = [level];
    while (stack.length > 0) {
      const context = stack.pop()!;
      for (const child of context.children.values()) if (child.kind === 'if') stack.push(child);
      const guard = context.kind === 'if' && context.directive ? conditionArgs(context.directive) : [];
      if (guard.length !== 3 || !/^\$(request_method|\{request_method\})$/.test(guard[0].value)) continue;
      const [, operator, operand] = guard;
      const words = operator.value === '=' || operator.value === '!=' ? [operand.value] : /^!?~\*?$/.test(operator.value) ? (operand.value.match(/[A-Za-z]+/g) ?? []) : [];
      for (const word of words) {
        const method = word.toUpperCase();
        if (/^[A-Z]{3,7}$/.test(method) && !SIMPLE_OR_ASKED.has(method) && ['DELETE', 'PATCH', 'PROPFIND', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK'].includes(method)) out.add(method);
      }
    }
  }
  return [...out].sort().slice(0, 3);
}
