import type { SyntaxNode } from '@lezer/common';
import { pythonHandSetProfile } from '../../model/profiles.js';
import { matcherAccepts } from '../../model/respond.js';
import { stringTest } from '../js/origin-tests.js';
import { Unknowns } from '../../model/uncertainty.js';
import type { CorsPolicy, CorsRequest, CorsResponse, EmittedHeader, ListSetting, Loc, OriginMatcher, PatternDialect, ResponseHeader, Tri } from '../../model/types.js';
import { formatTemplate, hasFallback } from './options.js';
import { binaryParts, callArguments, childrenOf, dottedName, locOf, textOf, type ParsedPython } from './parse.js';
import { evaluate, regexFlags, stringItems, type ModuleBindings, type PyValue } from './values.js';

/**
 * CORS headers written by hand in Python views and hooks: `response.headers['Access-Control-…'] = …`,
 * `resp.headers.add(…)`, Django's `response['…'] = …`, Tornado's `set_header`, and `headers={…}`
 * dicts. Each function becomes one policy whose program applies the writes in effect for a
 * request: unconditional ones, and those under `if` tests it can decide (`origin in ALLOWED`,
 * `origin == "…"`, `request.method == "OPTIONS"`, `if origin:`), and a lone configuration flag
 * around every write (settleConfiguration). Any other test makes the answer unknown, so nothing is
 * reported from it.
 */

/** `whenAbsent`: what a request without Origin writes (`.get("Origin")` gives None, which Werkzeug and Django send as "None"; `["Origin"]` raises). */
/** `input`: copied from a field the client chooses (the query string, the form body, a cookie), not from Origin: `field` names it. */
type Value = { kind: 'literal'; value: string } | { kind: 'origin'; whenAbsent: string | 'unknown' } | { kind: 'input'; field: string } | { kind: 'unknown' };
type Decision = boolean | 'unknown';
type Test = (request: CorsRequest) => Decision;

interface Write {
  name: string;
  value: Value;
  valueNode: SyntaxNode;
  statement: SyntaxNode;
  mode: 'set' | 'add';
  conditions: Test[];
  /** Allowlist entries from an `origin in [...]` / `origin == "..."` test guarding the write. */
  allowlist?: Array<{ value: string; loc: Loc }>;
  /** What string tests guarding the write admit (`origin.endswith("example.com")`, `"example.com" in origin`), as patterns on the origin. */
  matchers?: OriginMatcher[];
  /** True when some guard could not be read. */
  opaque: boolean;
  /** A lone `if` reading only configuration that guards this write: where it starts, and its entry in `conditions`. */
  configuration?: { at: number; test: Test };
}

const ORIGIN_KEYS = new Set(['origin', 'http_origin']);
/** Calls whose `headers=` are a request's (requests, httpx, aiohttp client sessions, urllib): never a response. */
const CLIENT_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'request', 'stream', 'urlopen', 'fetch', 'ws_connect']);
// `send_header`: http.server's BaseHTTPRequestHandler (the SimpleHTTPRequestHandler-with-CORS script), which writes each call as one header line.
// `append` with a name and a value: Starlette's and Litestar's MutableHeaders (a list's append takes one item).
// `setHeader` and `responseHeaders.addRawHeader`: Twisted's request and Headers (Synapse's set_cors_headers), with bytes names and values.
const HEADER_METHODS = new Set(['add', 'append', 'set', 'setdefault', 'add_header', 'set_header', 'send_header', '__setitem__', 'setHeader', 'addRawHeader']);

export function handSetPolicies(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  // lezer hands out a new node object on each visit: nodes are keyed and compared by position.
  const writes = new Map<number, { fn: SyntaxNode | null; list: Write[] }>();
  // Once per function, not per write: the test may read the function's whole body.
  const optionsOnlyByFunction = new Map<number, boolean>();
  const optionsOnly = (fn: SyntaxNode) => {
    let known = optionsOnlyByFunction.get(fn.from);
    if (known === undefined) optionsOnlyByFunction.set(fn.from, (known = answersOptionsOnly(parsed, fn)));
    return known;
  };
  const record = (write: Omit<Write, 'conditions' | 'opaque' | 'allowlist' | 'matchers'>) => {
    const fn = enclosingFunction(write.statement);
    const guards = guardsOf(parsed, write.statement, fn, bindings);
    if (fn && optionsOnly(fn)) guards.conditions.unshift(OPTIONS_ONLY);
    const group = writes.get(fn?.from ?? -1) ?? { fn, list: [] };
    // `origin if origin in ALLOWED else ALLOWED[0]`: each branch is a write under its side of the test.
    // A local bound once in the view to such a choice (`origin = request.origin if request.origin in allowed else ''`) is that choice.
    const local = write.valueNode.name === 'VariableName' && enclosingFunction(write.valueNode) ? boundValue(parsed, write.valueNode, bindings) : undefined;
    const branches = conditionalBranches(parsed, local?.name === 'ConditionalExpression' ? local : write.valueNode, bindings);
    if (branches) {
      for (const branch of branches) {
        group.list.push({
          ...write,
          valueNode: branch.node,
          value: valueOf(parsed, branch.node, bindings),
          ...guards,
          conditions: [...guards.conditions, branch.decide],
          allowlist: branch.allowlist ?? guards.allowlist,
          matchers: branch.matchers ?? guards.matchers,
        });
      }
    } else group.list.push({ ...write, ...guards });
    writes.set(fn?.from ?? -1, group);
  };
  for (const assignment of parsed.index.assignments) {
    const target = assignment.firstChild;
    if (target?.name !== 'MemberExpression') continue;
    const parts = childrenOf(target);
    if (parts[1]?.name !== '[') continue;
    const name = headerName(parsed, parts[2], bindings);
    const valueNode = childrenOf(assignment).find((child, index, all) => all[index - 1]?.name === 'AssignOp');
    if (name && valueNode) record({ name, valueNode, value: valueOf(parsed, valueNode, bindings), statement: assignment, mode: 'set' });
  }
  for (const call of calls) {
    const callee = dottedName(parsed, call.firstChild) ?? '';
    const method = callee.slice(callee.lastIndexOf('.') + 1);
    const args = callArguments(parsed, call.getChild('ArgList'));
    if (HEADER_METHODS.has(method) && args.positional.length === 2) {
      const name = headerName(parsed, args.positional[0], bindings);
      if (name) record({ name, valueNode: args.positional[1], value: valueOf(parsed, args.positional[1], bindings), statement: call, mode: method === 'add' || method === 'append' || method === 'add_header' || method === 'send_header' || method === 'addRawHeader' ? 'add' : 'set' });
    }
    // WSGI and ASGI header lists of (name, value) pairs: `headers.append(("Access-Control-Allow-Origin", origin))`,
    // `headers.extend([...])`, `start_response("200 OK", [(…), …])`. Each pair is one more header line.
    const pairs = method === 'append' && args.positional.length === 1 ? [args.positional[0]] : (method === 'extend' && args.positional.length === 1) || (callee === 'start_response' && args.positional.length >= 2) ? listItemsOf(args.positional[method === 'extend' ? 0 : 1]) : [];
    for (const pair of pairs) {
      const [key, value] = pair.name === 'TupleExpression' ? childrenOf(pair).filter((child) => !['(', ')', ','].includes(child.name)) : [];
      const name = key && value && childrenOf(pair).filter((child) => !['(', ')', ','].includes(child.name)).length === 2 ? headerName(parsed, key, bindings) : undefined;
      if (name) record({ name, valueNode: value, value: valueOf(parsed, value, bindings), statement: call, mode: 'add' });
    }
  }
  for (const call of calls) {
    // `Response(..., headers={...})`, `resp.headers.update({...})`; not an HTTP client's request (`requests.get(url,
    // headers=…)`, `httpx.post`, `session.request`, `urllib.request.Request`): those headers go to another server.
    const callee = dottedName(parsed, call.firstChild) ?? '';
    const clientCall = CLIENT_METHODS.has(callee.slice(callee.lastIndexOf('.') + 1)) || /(^|\.)Request$/.test(callee);
    const dicts = [clientCall ? undefined : callArguments(parsed, call.getChild('ArgList')).keywords.get('headers')?.value, ...(/\.headers\.(update|extend)$/.test(callee) ? callArguments(parsed, call.getChild('ArgList')).positional : [])];
    for (const written of dicts) {
      // A name bound to the dict: once in the function (`headers = {…}` above the call), else at module level
      // (`headers=CORS_HEADERS`, `response.headers.update(CORS_HEADERS)`), as for proxy-integration records.
      // A dict returned by a helper, a copy, a spread of one, a parameter's default: headerDictEntries.
      for (const [key, valueNode] of headerDictEntries(parsed, written, bindings) ?? []) {
        const name = headerName(parsed, key, bindings);
        if (name) record({ name, valueNode, value: valueOf(parsed, valueNode, bindings), statement: call, mode: 'set' });
      }
    }
  }
  // A WSGI/ASGI header list written out in a function (`headers = [("Vary", "Origin"), …]`, later handed to
  // start_response or appended to): its pairs are headers like the appended ones.
  if (/start_response|http\.response\.start/.test(parsed.text)) {
    parsed.tree.iterate({
      enter: (ref) => {
        if (ref.name !== 'ArrayExpression' || ref.node.parent?.name !== 'AssignStatement' || !enclosingFunction(ref.node)) return;
        const statement = ref.node.parent;
        for (const pair of listItemsOf(ref.node)) {
          const parts = pair.name === 'TupleExpression' ? childrenOf(pair).filter((child) => !['(', ')', ','].includes(child.name)) : [];
          const name = parts.length === 2 ? headerName(parsed, parts[0], bindings) : undefined;
          if (name) record({ name, valueNode: parts[1], value: valueOf(parsed, parts[1], bindings), statement, mode: 'add' });
        }
      },
    });
  }
  // Proxy-integration responses (AWS Lambda behind API Gateway): `return {"statusCode": 200, "headers": {...}}`.
  if (/statusCode/.test(parsed.text)) {
    parsed.tree.iterate({
      enter: (ref) => {
        if (ref.name !== 'DictionaryExpression') return;
        const response = ref.node;
        const entries = dictEntries(response);
        if (!entries.some(([key]) => stringOf(parsed, key, bindings) === 'statusCode')) return;
        const written = entries.find(([key]) => stringOf(parsed, key, bindings) === 'headers')?.[1];
        // The headers inline, or a dict bound to a name: once in the handler (`response_headers = {…}` above
        // every return), else at module level (`"headers": CORS_HEADERS`).
        // every return), else at module level (`"headers": CORS_HEADERS`); a helper's, a copy, a spread, a default.
        if (!enclosingFunction(response)) return;
        for (const [key, valueNode] of headerDictEntries(parsed, written, bindings) ?? []) {
          const name = headerName(parsed, key, bindings);
          if (!name) continue;
          // The runtime serialises the dict as JSON, so True goes out as `true` (Werkzeug would send 'True').
          const value = evaluate(parsed, valueNode, bindings);
          record({ name, valueNode, value: value.kind === 'bool' ? { kind: 'literal', value: String(value.value) } : valueOf(parsed, valueNode, bindings), statement: response, mode: 'set' });
        }
      },
    });
  }
  // Flask and Quart views may return `(body, status, headers)` or `(body, headers)`: the dict (inline, or bound
  // once in the view) is the response's headers.
  if (/^\s*(from|import)\s+(flask|quart)\b/m.test(parsed.text)) {
    parsed.tree.iterate({
      enter: (ref) => {
        if (ref.name !== 'ReturnStatement') return;
        const statement = ref.node;
        let items = childrenOf(statement).filter((child) => child.name !== 'return' && child.name !== ',');
        if (items.length === 1 && items[0].name === 'TupleExpression') items = childrenOf(items[0]).filter((child) => !['(', ')', ','].includes(child.name));
        if (items.length !== 2 && items.length !== 3) return;
        const last = items[items.length - 1];
        const view = enclosingFunction(statement);
        if (!view) return;
        const bound = last.name === 'VariableName' ? boundValue(parsed, last, bindings) : last;
        // Where the headers are written: the dict, when the view builds it (bound above the return, or inline in
        // it); else the return (a module-level dict, a helper's).
        const at = bound?.name === 'DictionaryExpression' && enclosingFunction(bound)?.from === view.from ? bound : statement;
        for (const [key, valueNode] of headerDictEntries(parsed, last, bindings) ?? []) {
          const name = headerName(parsed, key, bindings);
          if (name) record({ name, valueNode, value: valueOf(parsed, valueNode, bindings), statement: at, mode: 'set' });
        }
      },
    });
  }
  const policies: CorsPolicy[] = [];
  const references = referencesByName(parsed);
  for (const { fn, list } of writes.values()) {
    const sorted = list.sort((a, b) => a.statement.from - b.statement.from);
    settleConfiguration(sorted);
    if (fn) guardAtCallSites(parsed, fn, sorted, references, bindings);
    if (sorted.some((write) => write.name.toLowerCase() === 'access-control-allow-origin')) policies.push(buildPolicy(parsed, fn, sorted));
  }
  return policies;
}

/** Every name use of the module, by name: built once, on the first helper that asks. */
function referencesByName(parsed: ParsedPython): () => Map<string, SyntaxNode[]> {
  let byName: Map<string, SyntaxNode[]> | undefined;
  return () => {
    if (byName) return byName;
    byName = new Map();
    parsed.tree.iterate({
      enter: (ref) => {
        if (ref.name !== 'VariableName' && ref.name !== 'PropertyName') return;
        const name = textOf(parsed, ref.node);
        const list = byName!.get(name);
        if (list) list.push(ref.node);
        else byName!.set(name, [ref.node]);
      },
    });
    return byName;
  };
}

/**
 * A module-level helper that echoes the Origin (`def _set_cors_headers(handler)`), called in this module
 * only, each call under a test (`if await check_cors(origin): _set_cors_headers(self)`): its writes happen
 * only when one of those tests holds, as if written under them. The same for a private method
 * (`def _set_cors(self)`, not a dunder) called as `self._set_cors()`. Unchanged when some call is unguarded,
 * when the name is used otherwise than called (handed to a framework, exported by reference), or when
 * nothing here calls it. A test reading only configuration (`if settings.CORS_ENABLED:`) is no guard.
 */
function guardAtCallSites(parsed: ParsedPython, fn: SyntaxNode, writes: Write[], references: () => Map<string, SyntaxNode[]>, bindings: ModuleBindings): void {
  const nameNode = fn.getChild('VariableName');
  const name = nameNode ? textOf(parsed, nameNode) : '';
  const method = fn.parent?.name === 'Body' && fn.parent.parent?.name === 'ClassDefinition' && /^_(?!_)/.test(name);
  if (fn.parent?.name !== 'Script' && !method) return;
  const echoes = writes.some((write) => write.name.toLowerCase() === 'access-control-allow-origin' && write.value.kind === 'origin' && !write.allowlist && !write.matchers);
  if (!echoes || !nameNode) return;
  const uses = (references().get(name) ?? []).filter((use) => use.from !== nameNode.from);
  const sites: Array<ReturnType<typeof guardsOf>> = [];
  for (const use of uses) {
    // A method is reached as `self._name(…)` / `cls._name(…)`; a function by its name.
    const member = method ? use.parent : undefined;
    if (method && (use.name !== 'PropertyName' || member?.name !== 'MemberExpression' || !/^(self|cls)$/.test(textOf(parsed, member.firstChild!)))) return;
    if (!method && use.name !== 'VariableName') continue;
    const callee = member ?? use;
    const call = callee.parent;
    if (call?.name !== 'CallExpression' || call.firstChild?.from !== callee.from || call.firstChild.to !== callee.to) return;
    // A call inside the helper itself (recursion) says nothing of how it is first reached.
    if (call.from >= fn.from && call.to <= fn.to) return;
    const guards = guardsOf(parsed, call, enclosingFunction(call), bindings);
    guards.conditions = guards.conditions.filter((test) => test !== guards.configuration?.test);
    if (guards.conditions.length === 0 && !guards.opaque) return;
    sites.push(guards);
  }
  if (sites.length === 0) return;
  const reached: Test = (request) => {
    let result: Decision = false;
    for (const site of sites) {
      const decisions = site.conditions.map((test) => test(request));
      const holds: Decision = decisions.includes(false) ? false : site.opaque || decisions.includes('unknown') ? 'unknown' : true;
      if (holds === true) return true;
      if (holds === 'unknown') result = 'unknown';
    }
    return result;
  };
  const allowlist = sites.every((site) => site.allowlist && !site.opaque) ? sites.flatMap((site) => site.allowlist!) : undefined;
  // Some sites test patterns, others a list: the list's entries join the patterns as exact matchers.
  const asMatchers = (site: ReturnType<typeof guardsOf>): OriginMatcher[] | undefined => site.matchers ?? site.allowlist?.map((entry): OriginMatcher => ({ kind: 'exact', value: entry.value, loc: entry.loc }));
  const matchers = !allowlist && sites.every((site) => asMatchers(site) && !site.opaque) ? sites.flatMap((site) => asMatchers(site)!) : undefined;
  for (const write of writes) {
    write.conditions = [...write.conditions, reached];
    if (write.value.kind === 'origin' && !write.allowlist && !write.matchers) {
      write.allowlist = allowlist;
      write.matchers = matchers;
    }
  }
}

/** The items of a list or tuple display. */
function listItemsOf(node: SyntaxNode | undefined): SyntaxNode[] {
  if (!node || (node.name !== 'ArrayExpression' && node.name !== 'TupleExpression')) return [];
  return childrenOf(node).filter((child) => !['[', ']', '(', ')', ','].includes(child.name));
}

/** The `key: value` pairs of a dict display, up to its first `**spread` (after one, the pairs cannot be told apart). */
function dictEntries(dict: SyntaxNode): Array<[SyntaxNode, SyntaxNode]> {
  const parts = childrenOf(dict).filter((child) => !['{', '}', ','].includes(child.name));
  const out: Array<[SyntaxNode, SyntaxNode]> = [];
  for (let i = 0; i + 2 < parts.length; i += 3) {
    if (parts[i + 1].name !== ':') break;
    out.push([parts[i], parts[i + 2]]);
  }
  return out;
}

/**
 * The `key: value` pairs of the header dict an expression stands for, in the order a request's dict gets them
 * (a later key replaces an earlier one when the dict is built): a dict display, with `**spread`s of dicts read
 * here flattened in place; a name bound to one (once in the function, else at module level, when the function
 * does not assign it); a parameter's default (`def response(body, headers=CORS_HEADERS)`) when some call here
 * leaves it out, or nothing here calls the function; a copy (`dict(CORS)`, `CORS.copy()`, `copy.copy(CORS)`);
 * and a call of a module-level helper whose one `return` gives such a dict (`def cors_headers(): return {…}`).
 * A spread that reads nothing known ends the pairs, as in dictEntries. Undefined for anything else.
 */
function headerDictEntries(parsed: ParsedPython, node: SyntaxNode | undefined, bindings: ModuleBindings, depth = 0): Array<[SyntaxNode, SyntaxNode]> | undefined {
  if (!node || depth > 4) return undefined;
  if (node.name === 'ParenthesizedExpression') {
    const inner = childrenOf(node).filter((child) => child.name !== '(' && child.name !== ')');
    return inner.length === 1 ? headerDictEntries(parsed, inner[0], bindings, depth + 1) : undefined;
  }
  if (node.name === 'DictionaryExpression') {
    const parts = childrenOf(node).filter((child) => !['{', '}', ','].includes(child.name));
    const out: Array<[SyntaxNode, SyntaxNode]> = [];
    for (let i = 0; i < parts.length; ) {
      if (parts[i].name === '**') {
        const spread = headerDictEntries(parsed, parts[i + 1], bindings, depth + 1);
        if (!spread) break;
        out.push(...spread);
        i += 2;
      } else if (parts[i + 1]?.name === ':' && parts[i + 2]) {
        out.push([parts[i], parts[i + 2]]);
        i += 3;
      } else break;
    }
    return out;
  }
  if (node.name === 'VariableName') {
    const name = textOf(parsed, node);
    // A parameter's default is read where the function is defined: for a module-level function, the module.
    if (node.parent?.name === 'ParamList') {
      const outer = node.parent.parent ? enclosingFunction(node.parent.parent) : null;
      return outer ? undefined : headerDictEntries(parsed, bindings.values.get(name), bindings, depth + 1);
    }
    const fn = enclosingFunction(node);
    if (fn && parameterOf(parsed, fn, name)) {
      if (assignedIn(parsed, node)) return undefined;
      const fallback = parameterDefault(parsed, fn, name);
      return fallback && defaultReached(parsed, fn, name) ? headerDictEntries(parsed, fallback, bindings, depth + 1) : undefined;
    }
    const bound = fn ? (boundValue(parsed, node, bindings) ?? (assignedIn(parsed, node) ? undefined : bindings.values.get(name))) : bindings.values.get(name);
    return bound ? headerDictEntries(parsed, bound, bindings, depth + 1) : undefined;
  }
  if (node.name !== 'CallExpression') return undefined;
  const callee = dottedName(parsed, node.firstChild) ?? '';
  const args = callArguments(parsed, node.getChild('ArgList'));
  if (args.spread) return undefined;
  // A copy of a dict: `dict(CORS_HEADERS)`, `CORS_HEADERS.copy()`, `copy.copy(…)` / `copy.deepcopy(…)`.
  if ((callee === 'dict' || callee === 'copy.copy' || callee === 'copy.deepcopy') && args.positional.length === 1) return headerDictEntries(parsed, args.positional[0], bindings, depth + 1);
  if (node.firstChild?.name === 'MemberExpression' && args.positional.length === 0 && args.keywords.size === 0) {
    const parts = childrenOf(node.firstChild);
    if (parts.length === 3 && parts[1].name === '.' && textOf(parsed, parts[2]) === 'copy') return headerDictEntries(parsed, parts[0], bindings, depth + 1);
  }
  if (node.firstChild?.name !== 'VariableName') return undefined;
  const helper = moduleFunction(parsed, textOf(parsed, node.firstChild));
  const returns = helper ? returnsOf(helper) : [];
  if (returns.length !== 1) return undefined;
  const returned = childrenOf(returns[0]).filter((child) => child.name !== 'return');
  const entries = returned.length === 1 ? headerDictEntries(parsed, returned[0], bindings, depth + 1) : undefined;
  // A value that is one of the helper's parameters is what this call passes for it (`cors_headers(request.headers.get('Origin'))`).
  return entries?.map(([key, value]) => [key, passedFor(parsed, helper!, value, args) ?? value]);
}

/**
 * What a call passes for the helper parameter that `value` names inside the helper (by position, or by
 * keyword), when the helper never assigns it; undefined otherwise (the default, when the call leaves the
 * parameter out, is headerDictEntries' own case).
 */
function passedFor(parsed: ParsedPython, helper: SyntaxNode, value: SyntaxNode, args: ReturnType<typeof callArguments>): SyntaxNode | undefined {
  if (value.name !== 'VariableName' || enclosingFunction(value)?.from !== helper.from || assignedIn(parsed, value)) return undefined;
  const name = textOf(parsed, value);
  const place = parameterPlace(parsed, helper, name);
  if (place === undefined) return undefined;
  const keyword = args.keywords.get(name)?.value;
  if (keyword) return keyword;
  return place === 'keyword-only' ? undefined : args.positional[place];
}

/**
 * Where parameter `name` of `fn` stands: its place among the positional parameters, or 'keyword-only' after a
 * bare `*` or `*args` / `**kwargs`; undefined when `fn` has no such parameter (a name in a default is not one).
 */
function parameterPlace(parsed: ParsedPython, fn: SyntaxNode, name: string): number | 'keyword-only' | undefined {
  const params = childrenOf(fn.getChild('ParamList') ?? fn).filter((child) => child.name !== '(' && child.name !== ')');
  let position = 0;
  let starred = false;
  for (let i = 0; i < params.length; i++) {
    const param = params[i];
    if (param.name === '*' || param.name === '**') {
      starred = true;
      continue;
    }
    if (param.name !== 'VariableName' || params[i - 1]?.name === 'AssignOp') continue;
    if (textOf(parsed, param) === name) return starred ? 'keyword-only' : position;
    position++;
  }
  return undefined;
}

/** The module-level `def name(…)` (decorated or not), when the module defines that name once and only so. */
function moduleFunction(parsed: ParsedPython, name: string): SyntaxNode | undefined {
  const found: SyntaxNode[] = [];
  for (let statement = parsed.root.firstChild; statement; statement = statement.nextSibling) {
    const definition = statement.name === 'DecoratedStatement' ? statement.getChild('FunctionDefinition') : statement;
    const id = definition?.name === 'FunctionDefinition' ? definition.getChild('VariableName') : statement.name === 'ClassDefinition' ? statement.getChild('VariableName') : null;
    if (id && textOf(parsed, id) === name) found.push(definition!);
  }
  if (found.length !== 1 || found[0].name !== 'FunctionDefinition') return undefined;
  // Rebound elsewhere at module level (`cors_headers = other`): not this definition's value for sure.
  if (parsed.index.assignments.some((assignment) => !enclosingFunction(assignment) && assignment.firstChild?.name === 'VariableName' && textOf(parsed, assignment.firstChild) === name)) return undefined;
  return found[0];
}

/** The `return` statements of a function's own body (not of functions or classes nested in it). */
function returnsOf(fn: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const walk = (node: SyntaxNode) => {
    for (let child = node.firstChild; child; child = child.nextSibling) {
      if (child.name === 'ReturnStatement') out.push(child);
      else if (child.name !== 'FunctionDefinition' && child.name !== 'ClassDefinition' && child.name !== 'LambdaExpression') walk(child);
    }
  };
  const body = fn.getChild('Body');
  if (body) walk(body);
  return out;
}

/** The default value written for parameter `name` (`headers=CORS_HEADERS`), if any. */
function parameterDefault(parsed: ParsedPython, fn: SyntaxNode, name: string): SyntaxNode | undefined {
  const params = childrenOf(fn.getChild('ParamList') ?? fn).filter((child) => child.name !== '(' && child.name !== ')');
  const at = params.findIndex((param) => param.name === 'VariableName' && textOf(parsed, param) === name);
  return at >= 0 && params[at + 1]?.name === 'AssignOp' ? params[at + 2] : undefined;
}

/**
 * Whether a parameter's default is what some call passes: true when a call in this module leaves the parameter
 * out (by position and by keyword), or when nothing here calls the function by name (it is called from other
 * modules, or handed to a framework). False when every call here passes it, or passes `*args` / `**kwargs`.
 */
function defaultReached(parsed: ParsedPython, fn: SyntaxNode, name: string): boolean {
  const id = fn.getChild('VariableName');
  if (!id) return false;
  // The parameter's place among the positional ones; none after a bare `*` or `*args`.
  const place = parameterPlace(parsed, fn, name);
  let position = typeof place === 'number' ? place : undefined;
  // A method is called on its instance: `self` is not among the call's arguments.
  const method = fn.parent?.name === 'Body' && fn.parent.parent?.name === 'ClassDefinition';
  if (method && position !== undefined) position = position > 0 ? position - 1 : undefined;
  const fnName = textOf(parsed, id);
  let calls = 0;
  for (const call of parsed.index.calls) {
    const callee = call.firstChild;
    const calleeName = callee?.name === 'VariableName' ? textOf(parsed, callee) : callee?.name === 'MemberExpression' && method ? textOf(parsed, callee.lastChild!) : undefined;
    if (calleeName !== fnName) continue;
    calls++;
    const args = callArguments(parsed, call.getChild('ArgList'));
    if (args.spread) continue;
    if (!args.keywords.has(name) && (position === undefined || args.positional.length <= position)) return true;
  }
  return calls === 0;
}

function stringOf(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings): string | undefined {
  const value = evaluate(parsed, node, bindings);
  return value.kind === 'string' ? value.value : undefined;
}

/**
 * A handler class's OPTIONS method: Tornado's RequestHandler.options, Django's View.options, Flask's MethodView,
 * aiohttp's web.View and Starlette's HTTPEndpoint dispatch only OPTIONS requests to a method named `options`,
 * Falcon to `on_options`. What it writes goes on preflight answers, never on the GET or POST that follows.
 */
const OPTIONS_METHODS = new Set(['options', 'on_options']);
const OPTIONS_ONLY: Test = (request) => request.preflight === true || request.method.toUpperCase() === 'OPTIONS';

function answersOptionsOnly(parsed: ParsedPython, fn: SyntaxNode): boolean {
  const name = fn.getChild('VariableName');
  // A helper that builds its answer with Flask's `make_default_options_response()` (the automatic OPTIONS
  // response, with its Allow header) answers preflights: OctoPrint's `optionsAllowOrigin(request)`.
  const body = fn.getChild('Body');
  if (body && body.to - body.from < 20_000 && /\.make_default_options_response\s*\(/.test(textOf(parsed, body))) return true;
  if (fn.parent?.name === 'DecoratedStatement' && childrenOf(fn.parent).some((decorator) => decorator.name === 'Decorator' && routesOptionsOnly(parsed, decorator))) return true;
  if (!name || !OPTIONS_METHODS.has(textOf(parsed, name))) return false;
  const holder = fn.parent?.name === 'DecoratedStatement' ? fn.parent.parent : fn.parent;
  return holder?.name === 'Body' && holder.parent?.name === 'ClassDefinition';
}

/**
 * A route decorator that sends only OPTIONS to its view: `@app.options("/items")` (FastAPI, Starlette's and
 * Sanic's routers) or `@app.route("/items", methods=["OPTIONS"])` / `api_route` (Flask, Quart, Sanic, FastAPI).
 */
function routesOptionsOnly(parsed: ParsedPython, decorator: SyntaxNode): boolean {
  const args = decorator.getChild('ArgList');
  if (!args || args.to - args.from > 2000) return false;
  const names = childrenOf(decorator).filter((part) => part.name === 'VariableName');
  const method = names.length >= 2 ? textOf(parsed, names[names.length - 1]) : undefined;
  if (method === 'options') return true;
  return (method === 'route' || method === 'api_route') && /\bmethods\s*=\s*[[(]\s*(["'])OPTIONS\1\s*,?\s*[\])]/i.test(textOf(parsed, args));
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let parent = node.parent; parent; parent = parent.parent) if (parent.name === 'FunctionDefinition') return parent;
  return null;
}

function headerName(parsed: ParsedPython, node: SyntaxNode | undefined, bindings: ModuleBindings): string | undefined {
  if (!node) return undefined;
  const value = evaluate(parsed, node, bindings);
  // Response headers only: `Access-Control-Request-*` is what a client sends.
  return value.kind === 'string' && /^(access-control-(allow-|expose-headers$|max-age$)|vary$)/i.test(value.value) ? value.value : undefined;
}

/** `request.headers.get("Origin")`, `request.headers["Origin"]`, `request.META.get("HTTP_ORIGIN")`, `environ["HTTP_ORIGIN"]`, or a local bound to one. */
function isRequestOrigin(parsed: ParsedPython, node: SyntaxNode | undefined, bindings: ModuleBindings, depth = 0): boolean {
  if (!node || depth > 4) return false;
  // `(request.headers['Origin'])`, a value wrapped to fit the line.
  if (node.name === 'ParenthesizedExpression') {
    const inner = childrenOf(node).filter((child) => child.name !== '(' && child.name !== ')');
    return inner.length === 1 && isRequestOrigin(parsed, inner[0], bindings, depth + 1);
  }
  if (node.name === 'CallExpression') {
    const callee = dottedName(parsed, node.firstChild) ?? '';
    const key = callArguments(parsed, node.getChild('ArgList')).positional[0];
    if (key === undefined || !isOriginKey(parsed, key, bindings)) return false;
    // Falcon's `req.get_header('Origin')` reads the request header too (None when absent).
    if (/(^|\.)(headers|META|environ)\.get$/.test(callee) || /(^|\.)req(uest)?\.get_header$/.test(callee)) return true;
    // An ASGI middleware's view of the request headers: `Headers(scope=scope).get("origin")`, or a local bound to it.
    const object = node.firstChild?.name === 'MemberExpression' ? childrenOf(node.firstChild) : [];
    if (object.length === 3 && textOf(parsed, object[2]) === 'get' && isScopeHeaders(parsed, object[0], bindings)) return true;
    // `event["headers"].get("origin")`
    const target = node.firstChild;
    const parts = target?.name === 'MemberExpression' ? childrenOf(target) : [];
    return parts.length === 3 && parts[1].name === '.' && textOf(parsed, parts[2]) === 'get' && isEventHeaders(parsed, parts[0], bindings);
  }
  if (node.name === 'MemberExpression') {
    const parts = childrenOf(node);
    // Werkzeug's `request.origin` (Flask, Quart): the Origin header, None when absent.
    if (parts[1]?.name === '.' && parts.length === 3 && dottedName(parsed, node) === 'request.origin') return true;
    return parts[1]?.name === '[' && (/(^|\.)(headers|META|environ)$/.test(dottedName(parsed, parts[0]) ?? '') || isEventHeaders(parsed, parts[0], bindings)) && isOriginKey(parsed, parts[2], bindings);
  }
  if (node.name === 'VariableName') {
    const assigned = boundValue(parsed, node, bindings);
    return assigned !== undefined && isRequestOrigin(parsed, assigned, bindings, depth + 1);
  }
  return false;
}

/**
 * `urlparse(origin).hostname` / `.netloc` (also `urlsplit`), directly or through a local
 * (`host = urlparse(origin).hostname or ""`): the part of the Origin a string test reads. `netloc`
 * keeps the port; a browser's Origin has no userinfo or path, so it is the host.
 */
function originUrlPart(parsed: ParsedPython, node: SyntaxNode | undefined, bindings: ModuleBindings, depth = 0): 'hostname' | 'host' | undefined {
  if (!node || depth > 4) return undefined;
  if (node.name === 'ParenthesizedExpression') {
    const inner = childrenOf(node).filter((child) => child.name !== '(' && child.name !== ')');
    return inner.length === 1 ? originUrlPart(parsed, inner[0], bindings, depth + 1) : undefined;
  }
  if (node.name === 'VariableName') {
    const assigned = boundValue(parsed, node, bindings);
    return assigned ? originUrlPart(parsed, assigned, bindings, depth + 1) : undefined;
  }
  if (node.name === 'BinaryExpression') {
    // `urlparse(origin).hostname or ""`: the fallback for a missing Origin matches no host test.
    const { op, left, right } = binaryParts(parsed, childrenOf(node));
    return op === 'or' && right?.name === 'String' && /^(['"])\1$/.test(textOf(parsed, right)) ? originUrlPart(parsed, left, bindings, depth + 1) : undefined;
  }
  if (node.name !== 'MemberExpression') return undefined;
  const parts = childrenOf(node);
  if (parts.length !== 3 || parts[1].name !== '.') return undefined;
  const property = textOf(parsed, parts[2]);
  const part = property === 'hostname' ? 'hostname' : property === 'netloc' ? 'host' : undefined;
  return part && isParsedOrigin(parsed, parts[0], bindings, depth + 1) ? part : undefined;
}

/** `urlparse(origin)` / `urllib.parse.urlsplit(origin)`, or a local bound to it. */
function isParsedOrigin(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings, depth: number): boolean {
  if (depth > 4) return false;
  if (node.name === 'VariableName') {
    const assigned = boundValue(parsed, node, bindings);
    return assigned !== undefined && isParsedOrigin(parsed, assigned, bindings, depth + 1);
  }
  if (node.name !== 'CallExpression' || !/(^|\.)(urlparse|urlsplit)$/.test(dottedName(parsed, node.firstChild) ?? '')) return false;
  const argument = callArguments(parsed, node.getChild('ArgList'));
  return argument.positional.length === 1 && !argument.spread && isRequestOrigin(parsed, argument.positional[0], bindings);
}

/** Starlette's or Litestar's `Headers(scope=scope)` / `Headers.from_scope(scope)`, or `dict(scope["headers"])`: the request's headers, read in an ASGI middleware. */
function isScopeHeaders(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings, depth = 0): boolean {
  if (depth > 4) return false;
  if (node.name === 'VariableName') {
    const assigned = boundValue(parsed, node, bindings);
    return assigned !== undefined && isScopeHeaders(parsed, assigned, bindings, depth + 1);
  }
  if (node.name !== 'CallExpression') return false;
  const callee = dottedName(parsed, node.firstChild) ?? '';
  const args = callArguments(parsed, node.getChild('ArgList'));
  // `dict(scope["headers"])`: the raw (name, value) pairs of the request, lower-case byte names.
  if (callee === 'dict' && args.positional.length === 1) {
    const parts = childrenOf(args.positional[0]);
    return args.positional[0].name === 'MemberExpression' && parts[1]?.name === '[' && textOf(parsed, parts[0]) === 'scope' && stringOf(parsed, parts[2], bindings) === 'headers';
  }
  const scope = /(^|\.)Headers\.from_scope$/.test(callee) ? (args.keywords.get('scope')?.value ?? args.positional[0]) : /(^|\.)Headers$/.test(callee) ? args.keywords.get('scope')?.value : undefined;
  return scope?.name === 'VariableName' && textOf(parsed, scope) === 'scope';
}

/** A Lambda event's header dict: `event["headers"]`, `event.get("headers")`, `event.get("headers", {})`. */
function isEventHeaders(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings): boolean {
  if (node.name === 'MemberExpression') {
    const parts = childrenOf(node);
    return parts[1]?.name === '[' && stringOf(parsed, parts[2], bindings) === 'headers';
  }
  if (node.name !== 'CallExpression') return false;
  const key = callArguments(parsed, node.getChild('ArgList')).positional[0];
  return /\.get$/.test(dottedName(parsed, node.firstChild) ?? '') && key !== undefined && stringOf(parsed, key, bindings) === 'headers';
}

/** `request.headers`, `request.META`, or their `.keys()`. */
function isHeaderMapping(parsed: ParsedPython, node: SyntaxNode): boolean {
  if (node.name === 'CallExpression') {
    if (callArguments(parsed, node.getChild('ArgList')).positional.length > 0) return false;
    return /(^|\.)(headers|META)\.keys$/.test(dottedName(parsed, node.firstChild) ?? '');
  }
  return /(^|\.)(headers|META)$/.test(dottedName(parsed, node) ?? '');
}

function whenAbsent(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings, depth = 0): string | 'unknown' {
  if (depth > 4) return 'unknown';
  if (node.name === 'ParenthesizedExpression') {
    const inner = childrenOf(node).filter((child) => child.name !== '(' && child.name !== ')');
    return inner.length === 1 ? whenAbsent(parsed, inner[0], bindings, depth + 1) : 'unknown';
  }
  if (node.name === 'VariableName') {
    const assigned = boundValue(parsed, node, bindings);
    return assigned ? whenAbsent(parsed, assigned, bindings, depth + 1) : 'unknown';
  }
  if (node.name !== 'CallExpression') return 'unknown';
  const fallback = callArguments(parsed, node.getChild('ArgList')).positional[1];
  if (!fallback) return 'None';
  const value = evaluate(parsed, fallback, bindings);
  return value.kind === 'string' ? value.value : value.kind === 'none' ? 'None' : 'unknown';
}

function isOriginKey(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings): boolean {
  const key = evaluate(parsed, node, bindings);
  return key.kind === 'string' && ORIGIN_KEYS.has(key.value.toLowerCase());
}

/** Whether the function around `variable` assigns that name itself (then the module's binding is not what it reads). */
function assignedIn(parsed: ParsedPython, variable: SyntaxNode): boolean {
  const fn = enclosingFunction(variable);
  const name = textOf(parsed, variable);
  return fn !== null && parsed.index.assignments.some((assignment) => assignment.from > fn.from && assignment.to <= fn.to && assignment.firstChild?.name === 'VariableName' && textOf(parsed, assignment.firstChild) === name);
}

/** The value a name is bound to: its one assignment in the enclosing function, or at module level. */
function boundValue(parsed: ParsedPython, variable: SyntaxNode, bindings: ModuleBindings): SyntaxNode | undefined {
  let fn = enclosingFunction(variable);
  const name = textOf(parsed, variable);
  if (!fn) return bindings.values.get(name);
  for (;;) {
    const scope: SyntaxNode = fn;
    const found: SyntaxNode[] = parsed.index.assignments.filter((assignment) => assignment.from > scope.from && assignment.to <= scope.to && assignment.firstChild?.name === 'VariableName' && textOf(parsed, assignment.firstChild) === name);
    if (found.length === 1) return childrenOf(found[0]).find((child, index, all) => all[index - 1]?.name === 'AssignOp');
    // A closure's free name (`def cors_start_response(…)` inside a WSGI middleware's `__call__` reading its `origin`)
    // is the enclosing function's; a name that function does not bind either stays unread.
    const outer: SyntaxNode | null = found.length === 0 && !parameterOf(parsed, scope, name) ? enclosingFunction(scope) : null;
    if (!outer) return undefined;
    fn = outer;
  }
}

/** True when `name` is one of the function's parameters. */
function parameterOf(parsed: ParsedPython, fn: SyntaxNode, name: string): boolean {
  const params = fn.getChild('ParamList');
  return params !== null && childrenOf(params).some((param) => param.name === 'VariableName' && textOf(parsed, param) === name);
}

/** What the client chooses in a request: Flask/Werkzeug, Starlette and Django names of the query string, form body and cookies. */
const INPUT_FIELDS: Record<string, string> = {
  args: 'the query string',
  query_params: 'the query string',
  GET: 'the query string',
  form: 'the request body',
  POST: 'the request body',
  values: 'the query string or body',
  cookies: 'a cookie',
  COOKIES: 'a cookie',
};

/**
 * `request.args.get("allow")`, `request.query_params["allow"]`, `request.GET.get("origin")`, `request.form["site"]`,
 * `request.cookies.get("origin")`, or a local bound to one: a value the caller picks (`?allow=https://attacker.invalid`).
 */
function requestInputOf(parsed: ParsedPython, node: SyntaxNode | undefined, bindings: ModuleBindings, depth = 0): string | undefined {
  if (!node || depth > 4) return undefined;
  const field = (object: SyntaxNode | undefined) => {
    const match = /^(?:self\.)?req(?:uest)?\.(\w+)$/.exec(object ? (dottedName(parsed, object) ?? '') : '');
    return match && Object.hasOwn(INPUT_FIELDS, match[1]) ? INPUT_FIELDS[match[1]] : requestBodyOf(parsed, object, bindings, depth);
  };
  if (node.name === 'CallExpression') {
    const callee = node.firstChild;
    const parts = callee?.name === 'MemberExpression' ? childrenOf(callee) : [];
    if (parts.length !== 3 || parts[1].name !== '.' || textOf(parsed, parts[2]) !== 'get') return undefined;
    return field(parts[0]);
  }
  if (node.name === 'MemberExpression') {
    const parts = childrenOf(node);
    return parts[1]?.name === '[' ? field(parts[0]) : undefined;
  }
  if (node.name === 'VariableName') {
    const assigned = boundValue(parsed, node, bindings);
    return assigned !== undefined ? requestInputOf(parsed, assigned, bindings, depth + 1) : undefined;
  }
  return undefined;
}

/**
 * A parsed request body whose fields the client fills in with a simple (unpreflighted) POST: Starlette's
 * `await request.json()` (json.loads of the body whatever its Content-Type) and `await request.form()`, Django's
 * `json.loads(request.body)`, Flask's `request.get_json(force=True)`, or a local bound to one
 * (`body = await request.json()` … `body["origin"]`).
 */
function requestBodyOf(parsed: ParsedPython, node: SyntaxNode | undefined, bindings: ModuleBindings, depth: number): string | undefined {
  if (!node || depth > 4) return undefined;
  const isRequest = (name: string | undefined, members: RegExp) => name !== undefined && new RegExp(`^(?:self\\.)?req(?:uest)?\\.(?:${members.source})$`).test(name);
  if (node.name === 'AwaitExpression') {
    const call = node.lastChild;
    if (call?.name !== 'CallExpression' || !call.firstChild) return undefined;
    return isRequest(dottedName(parsed, call.firstChild), /json|form/) ? 'the request body' : undefined;
  }
  if (node.name === 'CallExpression') {
    const callee = node.firstChild;
    const name = callee ? dottedName(parsed, callee) : undefined;
    // Flask parses a body as JSON only under a JSON Content-Type, which no simple request has (its preflight carries
    // no body), unless told to with force=True: then a text/plain POST is read too (Werkzeug Request.get_json).
    if (isRequest(name, /get_json/)) return /\bforce\s*=\s*True\b/.test(textOf(parsed, node.getChild('ArgList') ?? node)) ? 'the request body' : undefined;
    // json.loads(request.body)
    if (name === 'json.loads') {
      const arg = childrenOf(node.getChild('ArgList') ?? node).find((part) => part.name === 'MemberExpression');
      return arg && isRequest(dottedName(parsed, arg), /body|data/) ? 'the request body' : undefined;
    }
    return undefined;
  }
  if (node.name === 'VariableName') {
    const assigned = boundValue(parsed, node, bindings);
    return assigned !== undefined ? requestBodyOf(parsed, assigned, bindings, depth + 1) : undefined;
  }
  return undefined;
}

function valueOf(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings): Value {
  if (isRequestOrigin(parsed, node, bindings)) return { kind: 'origin', whenAbsent: whenAbsent(parsed, node, bindings) };
  const input = requestInputOf(parsed, node, bindings);
  if (input) return { kind: 'input', field: input };
  // `request.headers.get("Origin") or "*"`: the Origin when the request has one, the literal otherwise.
  if (node.name === 'BinaryExpression') {
    const { op, left, right } = binaryParts(parsed, childrenOf(node));
    const otherwise = op === 'or' && isRequestOrigin(parsed, left, bindings) ? evaluate(parsed, right, bindings) : undefined;
    if (otherwise?.kind === 'string') return { kind: 'origin', whenAbsent: otherwise.value };
  }
  const value = evaluate(parsed, node, bindings);
  if (value.kind === 'string') return { kind: 'literal', value: value.value };
  if (value.kind === 'bool') return { kind: 'literal', value: value.value ? 'True' : 'False' };
  if (value.kind === 'number') return { kind: 'literal', value: String(value.value) };
  return { kind: 'unknown' };
}

/** The `if` tests a statement sits under (inside its function), as decisions over the request. */
function guardsOf(parsed: ParsedPython, statement: SyntaxNode, fn: SyntaxNode | null, bindings: ModuleBindings): Pick<Write, 'conditions' | 'allowlist' | 'matchers' | 'opaque' | 'configuration'> {
  const conditions: Test[] = [];
  let configuration: Write['configuration'];
  let allowlist: Write['allowlist'];
  let matchers: Write['matchers'];
  let opaque = false;
  let child = statement;
  for (let parent = statement.parent; parent && parent.from !== fn?.from; child = parent, parent = parent.parent) {
    // A `try:` body runs as written (as in JS); its `except`/`else`/`finally` clauses run only on some paths.
    const inTryBody = parent.name === 'TryStatement' && childrenOf(parent).find((part) => part.name === 'Body')?.from === child.from;
    if (parent.name === 'ConditionalExpression' || parent.name === 'ForStatement' || parent.name === 'WhileStatement' || (parent.name === 'TryStatement' && !inTryBody)) opaque = true;
    if (parent.name === 'Body') {
      // `if origin not in ALLOWED: return response` (or `raise …`, `abort(403)`) earlier in the block: the write
      // runs only when that origin test fails. Only origin tests (an allowlist or patterns) and method tests count here.
      for (let sibling = child.prevSibling; sibling; sibling = sibling.prevSibling) {
        const exit = earlyExitTest(parsed, sibling, bindings);
        if (!exit) continue;
        conditions.push((request) => negate(exit.decide(request)));
        allowlist ??= exit.whenFalse?.allowlist;
        matchers ??= exit.whenFalse?.matchers;
      }
      continue;
    }
    if (parent.name !== 'IfStatement') continue;
    const parts = childrenOf(parent);
    const bodyIndex = parts.findIndex((part) => part.from === child.from && part.to === child.to);
    const lone = parts.filter((part) => part.name === 'if' || part.name === 'elif' || part.name === 'else').length === 1;
    // `if CORS_ALLOW_CREDENTIALS:` where the module binds that name once to True or False: settled before any request comes.
    const constant = bodyIndex === 2 && fn && parts[1]?.name === 'VariableName' && !boundNames(parsed, fn).has(textOf(parsed, parts[1])) ? evaluate(parsed, parts[1], bindings) : undefined;
    if (constant?.kind === 'bool' && !constant.fallback && bindings.values.has(textOf(parsed, parts[1])) && !bindings.ambiguous.has(textOf(parsed, parts[1])) && !bindings.extended.has(textOf(parsed, parts[1]))) {
      const holds = constant.value;
      conditions.push(() => holds);
      continue;
    }
    if (lone && bodyIndex === 2 && fn && !configuration && readsOnlyConfiguration(parsed, parts[1], fn)) {
      configuration = { at: parent.from, test: () => 'unknown' };
      conditions.push(configuration.test);
      continue;
    }
    for (let i = 0; i < bodyIndex; i++) {
      if (parts[i].name !== 'if' && parts[i].name !== 'elif') continue;
      const test = readTest(parsed, parts[i + 1], bindings);
      if (test.allowlist && i + 2 === bodyIndex) allowlist = test.allowlist;
      if (test.matchers && i + 2 === bodyIndex) matchers = test.matchers;
      if (i + 2 === bodyIndex) conditions.push(test.decide);
      else conditions.push((request) => negate(test.decide(request)));
    }
  }
  return { conditions, allowlist, matchers, opaque, configuration };
}

/**
 * `if settings.CORS_ENABLED:` around every CORS write of a function: the only configuration in
 * which it sends anything, so it is judged as sent, as a middleware under the same test is. A
 * flag around only some writes (credentials on or off) leaves two configurations: those stay open.
 */
function settleConfiguration(writes: Write[]): void {
  const at = writes[0]?.configuration?.at;
  if (at === undefined || !writes.every((write) => write.configuration?.at === at)) return;
  for (const write of writes) write.conditions = write.conditions.filter((test) => test !== write.configuration!.test);
}

function negate(decision: Decision): Decision {
  return decision === 'unknown' ? 'unknown' : !decision;
}

/** Names through which a request usually reaches code (Flask's `request` and `g` are module globals). */
const REQUEST_WORDS = new Set(['request', 'req', 'environ', 'headers', 'origin', 'response', 'resp', 'g', 'session', 'self', 'cls', 'scope', 'method']);
/** Calls that only look at what they are given. */
const PLAIN_CALLS = /^(hasattr|getattr|isinstance|bool|len|os\.getenv|os\.environ\.get|[\w.]*settings\.get|[\w.]*config\.get)$/;

/**
 * A test that reads only configuration (`settings.CORS_ENABLED`, `os.getenv("CORS") == "1"`,
 * `hasattr(frappe.local, "response")`): no name the function binds or a request usually goes by,
 * and no call but plain lookups.
 */
function readsOnlyConfiguration(parsed: ParsedPython, test: SyntaxNode, fn: SyntaxNode): boolean {
  const bound = boundNames(parsed, fn);
  let only = true;
  test.cursor().iterate((node) => {
    if (node.name === 'VariableName' && (bound.has(textOf(parsed, node.node)) || REQUEST_WORDS.has(textOf(parsed, node.node)))) only = false;
    if (node.name === 'CallExpression' && !PLAIN_CALLS.test(dottedName(parsed, node.node.firstChild) ?? '')) only = false;
    if (node.name === 'LambdaExpression' || node.name === 'AwaitExpression' || node.name === 'AssignmentExpression') only = false;
  });
  return only;
}

/** Names a function binds (parameters, assignment and loop targets), computed once per function: every guarded write asks. */
const boundByFunction = new WeakMap<ParsedPython, Map<number, Set<string>>>();
function boundNames(parsed: ParsedPython, fn: SyntaxNode): Set<string> {
  const byStart = boundByFunction.get(parsed) ?? new Map<number, Set<string>>();
  boundByFunction.set(parsed, byStart);
  let bound = byStart.get(fn.from);
  if (bound) return bound;
  bound = new Set<string>();
  fn.cursor().iterate((node) => {
    if (node.name === 'ParamList' || node.name === 'AssignStatement' || node.name === 'ForStatement') {
      for (const child of childrenOf(node.node)) if (child.name === 'VariableName') bound!.add(textOf(parsed, child));
    }
  });
  byStart.set(fn.from, bound);
  return bound;
}

/** The two branches of a conditional expression (`a if test else b`), each with the decision that picks it; undefined for any other value. */
function conditionalBranches(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings): Array<{ node: SyntaxNode; decide: Test; allowlist?: Write['allowlist']; matchers?: Write['matchers'] }> | undefined {
  if (node.name !== 'ConditionalExpression') return undefined;
  const parts = childrenOf(node);
  if (parts.length !== 5 || parts[1].name !== 'if' || parts[3].name !== 'else') return undefined;
  const test = readTest(parsed, parts[2], bindings);
  return [
    { node: parts[0], decide: test.decide, allowlist: test.allowlist, matchers: test.matchers },
    { node: parts[4], decide: (request) => negate(test.decide(request)) },
  ];
}

/**
 * The test of `if <origin test>: return/raise/abort(…)` with no elif or else, read when it is a test of
 * the origin against an allowlist or patterns (`whenFalse` says what admits the origin past it), or of the
 * request method against a literal.
 */
function earlyExitTest(parsed: ParsedPython, statement: SyntaxNode, bindings: ModuleBindings): ReadTest | undefined {
  if (statement.name !== 'IfStatement') return undefined;
  const parts = childrenOf(statement);
  if (parts.length !== 3 || parts[0].name !== 'if' || parts[2].name !== 'Body') return undefined;
  const body = childrenOf(parts[2]).filter((part) => part.name !== ':');
  const last = body[body.length - 1];
  const exits =
    last?.name === 'ReturnStatement' ||
    last?.name === 'RaiseStatement' ||
    (last?.name === 'ExpressionStatement' && last.firstChild?.name === 'CallExpression' && /^(flask\.)?abort$/.test(dottedName(parsed, last.firstChild.firstChild) ?? ''));
  if (!exits) return undefined;
  const test = readTest(parsed, parts[1], bindings);
  // A method test (`if request.method != "OPTIONS": …; return response`) decides every request, so the writes after it are the preflight's alone.
  return test.whenFalse?.allowlist || test.whenFalse?.matchers || test.method ? test : undefined;
}

interface ReadTest {
  decide: Test;
  allowlist?: Write['allowlist'];
  matchers?: Write['matchers'];
  /** What admits the origin when the test fails (`origin not in ALLOWED`: the list; a negated pattern test: its patterns). */
  whenFalse?: { allowlist?: Write['allowlist']; matchers?: Write['matchers'] };
  /** The test is only whether the request has an Origin (`if origin:`): ANDed with a string test, that test's patterns stand. */
  presence?: boolean;
  /** The test compares the request method with a literal (`request.method != "OPTIONS"`): decided for every request. */
  method?: boolean;
}

function readTest(parsed: ParsedPython, node: SyntaxNode, bindings: ModuleBindings): ReadTest {
  const unknown = { decide: () => 'unknown' as const };
  if (isRequestOrigin(parsed, node, bindings)) return { decide: (request) => Boolean(request.origin), presence: true };
  const parts = childrenOf(node);
  if (node.name === 'UnaryExpression' && parts[0]?.name === 'not') {
    const inner = readTest(parsed, parts[1], bindings);
    return { decide: (request) => negate(inner.decide(request)), whenFalse: inner.allowlist || inner.matchers ? { allowlist: inner.allowlist, matchers: inner.matchers } : undefined };
  }
  if (node.name === 'ParenthesizedExpression' && parts.length === 3) return readTest(parsed, parts[1], bindings);
  if (node.name === 'CallExpression') return stringMethodTest(parsed, node, bindings) ?? regexTest(parsed, node, bindings) ?? anyOverListTest(parsed, node, bindings) ?? unknown;
  if (node.name !== 'BinaryExpression') return unknown;
  const { op, left, right } = binaryParts(parsed, parts);
  if (op === 'and' || op === 'or') {
    const a = readTest(parsed, left, bindings);
    const b = readTest(parsed, right, bindings);
    // Patterns stand for the test when it is one string test, alone, ORed with others, or ANDed with `origin` being present.
    // An exact allowlist ORed with string tests joins them as exact matchers (`origin == "https://example.com" or origin.endswith(".example.com")`).
    const asMatchers = (t: ReadTest): OriginMatcher[] | undefined => t.matchers ?? t.allowlist?.map((entry): OriginMatcher => ({ kind: 'exact', value: entry.value, loc: entry.loc }));
    const matchers =
      op === 'or'
        ? (a.matchers || b.matchers) && asMatchers(a) && asMatchers(b)
          ? [...asMatchers(a)!, ...asMatchers(b)!]
          : undefined
        : a.matchers && b.presence
          ? a.matchers
          : b.matchers && a.presence
            ? b.matchers
            : undefined;
    return {
      decide: (request) => {
        const x = a.decide(request);
        const y = b.decide(request);
        if (op === 'and') return x === false || y === false ? false : x === 'unknown' || y === 'unknown' ? 'unknown' : true;
        return x === true || y === true ? true : x === 'unknown' || y === 'unknown' ? 'unknown' : false;
      },
      allowlist: op === 'and' ? (a.allowlist ?? b.allowlist) : undefined,
      matchers,
    };
  }
  // `"example.com" in origin`: a substring test on the origin.
  if ((op === 'in' || op === 'not in') && isRequestOrigin(parsed, right, bindings)) {
    const needle = evaluate(parsed, left, bindings);
    if (needle.kind !== 'string') return unknown;
    const matcher = stringTest('includes', needle.value, 'origin', locOf(parsed, node), quote(textOf(parsed, node)));
    if (!matcher) return unknown;
    return patternTest([matcher], op === 'in');
  }
  // `"example.com" in urlparse(origin).netloc`, `host == "example.com"`, `host in ALLOWED_HOSTS`: tests on the Origin's host.
  const partIn = op === 'in' || op === 'not in' ? originUrlPart(parsed, right, bindings) : undefined;
  if (partIn) {
    const needle = evaluate(parsed, left, bindings);
    const matcher = needle.kind === 'string' && !needle.fallback ? stringTest('includes', needle.value, partIn, locOf(parsed, node), quote(textOf(parsed, node))) : undefined;
    return matcher ? patternTest([matcher], op === 'in') : unknown;
  }
  const partTested = op === 'in' || op === 'not in' || op === '==' || op === '!=' ? originUrlPart(parsed, left, bindings) : undefined;
  if (partTested) {
    const value = evaluate(parsed, right, bindings);
    const entries = op === 'in' || op === 'not in' ? (value.kind === 'string' ? undefined : stringItems(value)) : value.kind === 'string' && !value.fallback ? [{ value: value.value, node: value.node }] : undefined;
    if (!entries || entries.length === 0 || entries.length > 64) return unknown;
    const matchers = entries.map((entry) => stringTest('equals', entry.value, partTested, locOf(parsed, entry.node), quote(textOf(parsed, node))));
    return matchers.every(Boolean) ? patternTest(matchers as OriginMatcher[], op === 'in' || op === '==') : unknown;
  }
  // `'origin' in request.headers` / `.keys()`, `'HTTP_ORIGIN' in request.META`: whether the request carries an Origin.
  if ((op === 'in' || op === 'not in') && isOriginKey(parsed, left, bindings) && isHeaderMapping(parsed, right)) {
    return { decide: (request) => Boolean(request.origin) === (op === 'in') };
  }
  if (isRequestOrigin(parsed, left, bindings) && (op === 'in' || op === 'not in' || op === '==' || op === '!=')) {
    const value = evaluate(parsed, right, bindings);
    const entries = op === 'in' || op === 'not in' ? (value.kind === 'string' ? undefined : stringItems(value)) : value.kind === 'string' ? [{ value: value.value, node: value.node }] : undefined;
    if (!entries) return unknown;
    const allowed = entries.map((entry) => ({ value: entry.value, loc: locOf(parsed, entry.node) }));
    const positive = op === 'in' || op === '==';
    return { decide: (request) => (request.origin !== undefined && allowed.some((entry) => entry.value === request.origin)) === positive, allowlist: positive ? allowed : undefined, whenFalse: positive ? undefined : { allowlist: allowed } };
  }
  // `'*' in ALLOWED_ORIGINS` with both written in this file: settled before any request comes.
  if (op === 'in' || op === 'not in') {
    const needle = evaluate(parsed, left, bindings);
    const haystack = evaluate(parsed, right, bindings);
    if (needle.kind === 'string' && !needle.fallback && haystack.kind === 'list' && !haystack.incomplete && !hasFallback(haystack) && haystack.items.every((item) => item.kind === 'string')) {
      const found = haystack.items.some((item) => item.kind === 'string' && item.value === needle.value);
      return { decide: () => found === (op === 'in') };
    }
  }
  const asgiType = (op === '==' || op === '!=') && isAsgiTypeRead(parsed, left) ? evaluate(parsed, right, bindings) : undefined;
  if (asgiType?.kind === 'string' && ASGI_TYPES.has(asgiType.value)) {
    // A raw ASGI middleware's send wrapper (`if message["type"] == "http.response.start":`) or its
    // `scope["type"] == "http"` test: the headers of an HTTP response are written at its start message.
    const holds = asgiType.value === 'http' || asgiType.value === 'http.response.start';
    return { decide: () => holds === (op === '==') };
  }
  if (/(^|\.)method$/.test(dottedName(parsed, left) ?? '') && (op === '==' || op === '!=')) {
    const value = evaluate(parsed, right, bindings);
    if (value.kind !== 'string') return unknown;
    return { decide: (request) => ((request.preflight ? 'OPTIONS' : request.method) === value.value.toUpperCase()) === (op === '=='), method: true };
  }
  return unknown;
}

/** The ASGI message and scope types (the ASGI spec's HTTP and lifespan/websocket names) a `["type"]` test compares with. */
const ASGI_TYPES = new Set(['http', 'websocket', 'lifespan', 'http.request', 'http.response.start', 'http.response.body', 'http.disconnect', 'http.response.trailers']);

/** `message["type"]` or `message.get("type")`: the type of an ASGI message or scope. */
function isAsgiTypeRead(parsed: ParsedPython, node: SyntaxNode): boolean {
  const parts = childrenOf(node);
  const key = node.name === 'MemberExpression' && parts[1]?.name === '[' ? parts[2] : node.name === 'CallExpression' && /\.get$/.test(dottedName(parsed, parts[0]) ?? '') ? childrenOf(parts[1])[1] : undefined;
  return key?.name === 'String' && /^["']type["']$/.test(textOf(parsed, key));
}

/** A test passing when one of the patterns accepts the origin (or, negated, when none does); only a positive test stands for the patterns. */
function patternTest(matchers: OriginMatcher[], positive: boolean): ReadTest {
  return {
    decide: (request) => {
      if (request.origin === undefined || request.origin === '') return !positive;
      const answers = matchers.map((matcher) => matcherAccepts(matcher, request.origin!));
      const any = answers.includes(true) ? true : answers.includes('unknown') ? 'unknown' : false;
      return positive ? any : negate(any);
    },
    matchers: positive ? matchers : undefined,
    whenFalse: positive ? undefined : { matchers },
  };
}

/** `origin.endswith("example.com")`, `origin.startswith(("https://a", "https://b"))`: string tests on the origin. */
function stringMethodTest(parsed: ParsedPython, call: SyntaxNode, bindings: ModuleBindings): ReadTest | undefined {
  const [callee, args] = childrenOf(call);
  if (callee?.name !== 'MemberExpression') return undefined;
  const member = childrenOf(callee);
  const method = member[2] ? textOf(parsed, member[2]) : '';
  const jsMethod = method === 'endswith' ? 'endsWith' : method === 'startswith' ? 'startsWith' : undefined;
  if (!jsMethod) return undefined;
  const target = isRequestOrigin(parsed, member[0], bindings) ? 'origin' : originUrlPart(parsed, member[0], bindings);
  if (!target) return undefined;
  const argument = callArguments(parsed, args);
  if (argument.positional.length !== 1 || argument.keywords.size > 0 || argument.spread) return undefined;
  const value = evaluate(parsed, argument.positional[0], bindings);
  const needles = value.kind === 'string' ? [value.value] : value.kind === 'list' && !value.incomplete && value.items.every((item) => item.kind === 'string') ? value.items.map((item) => (item as { value: string }).value) : undefined;
  if (!needles || needles.length === 0 || needles.length > 64) return undefined;
  return stringTests(jsMethod, needles, locOf(parsed, call), quote(textOf(parsed, call)), target);
}

/** One string test on the origin per needle (`endsWith`, `startsWith`, `includes`), passing when one does; undefined when one cannot be read. */
function stringTests(method: string, needles: string[], loc: Loc, code: string, target: 'origin' | 'hostname' | 'host' = 'origin'): ReadTest | undefined {
  const matchers = needles.map((needle) => stringTest(method, needle, target, loc, code));
  return matchers.every(Boolean) ? patternTest(matchers as OriginMatcher[], true) : undefined;
}

const RE_METHODS: Record<string, PatternDialect> = { match: 'python-match', search: 'python-search', fullmatch: 'python-fullmatch' };

/** What a pattern value (a string, `re.compile(…)`, or a list of them) stands for under `re.<method>`; undefined when any is unknown. */
function patternMatchers(value: PyValue, method: string, ignoreCase: boolean, loc: Loc, code: string): OriginMatcher[] | undefined {
  const dialect = RE_METHODS[method];
  if (!dialect) return undefined;
  const items = value.kind === 'list' && !value.incomplete && !hasFallback(value) ? value.items : [value];
  if (items.length === 0 || items.length > 64) return undefined;
  const out: OriginMatcher[] = [];
  for (const item of items) {
    if (item.kind === 'string' && !item.fallback) out.push({ kind: 'pattern', source: item.value, flags: ignoreCase ? 'i' : '', dialect, loc, code });
    else if (item.kind === 'regex') out.push({ kind: 'pattern', source: item.pattern, flags: item.ignoreCase || ignoreCase ? 'i' : '', dialect, loc, code });
    else return undefined;
  }
  return out;
}

/**
 * `re.match(PATTERN, origin)` (also `search`, `fullmatch`, with `re.I`), and `COMPILED.match(origin)`:
 * the origin test is that regex as Python applies it (`match` anchors only the start, `search` nowhere).
 */
function regexTest(parsed: ParsedPython, call: SyntaxNode, bindings: ModuleBindings, loopVariable?: { name: string; value: PyValue }): ReadTest | undefined {
  const [callee, args] = childrenOf(call);
  if (callee?.name !== 'MemberExpression' || !args) return undefined;
  const member = childrenOf(callee);
  const method = member[2] ? textOf(parsed, member[2]) : '';
  if (!RE_METHODS[method]) return undefined;
  const argument = callArguments(parsed, args);
  if (argument.spread) return undefined;
  const valueOf = (node: SyntaxNode) => (loopVariable && node.name === 'VariableName' && textOf(parsed, node) === loopVariable.name ? loopVariable.value : evaluate(parsed, node, bindings));
  const code = quote(textOf(parsed, call));
  const loc = locOf(parsed, call);
  let matchers: OriginMatcher[] | undefined;
  if (dottedName(parsed, member[0]) === 're' || bindings.imports.get(textOf(parsed, member[0])) === 're') {
    const [pattern, target, flags] = argument.positional;
    if (!pattern || !target || argument.keywords.size > 0 || argument.positional.length > 3 || !isRequestOrigin(parsed, target, bindings)) return undefined;
    const flagsRead = regexFlags(flags ? textOf(parsed, flags) : '');
    if (!flagsRead) return undefined;
    matchers = patternMatchers(valueOf(pattern), method, flagsRead.ignoreCase, loc, code);
  } else {
    const [target] = argument.positional;
    if (!target || argument.positional.length !== 1 || argument.keywords.size > 0 || !isRequestOrigin(parsed, target, bindings)) return undefined;
    const compiled = valueOf(member[0]);
    if (compiled.kind !== 'regex' && !(compiled.kind === 'list' && compiled.items.every((item) => item.kind === 'regex'))) return undefined;
    matchers = patternMatchers(compiled, method, false, loc, code);
  }
  return matchers ? patternTest(matchers, true) : undefined;
}

/**
 * `any(origin.endswith(d) for d in ALLOWED)`, `any(d in origin for d in …)`, `any(re.match(p, origin) for p in …)`,
 * `any(p.match(origin) for p in COMPILED)`: the test passes when the origin passes it for one entry of the list.
 */
function anyOverListTest(parsed: ParsedPython, call: SyntaxNode, bindings: ModuleBindings): ReadTest | undefined {
  const [callee, args] = childrenOf(call);
  if (callee?.name !== 'VariableName' || textOf(parsed, callee) !== 'any' || !args) return undefined;
  const parts = childrenOf(args);
  // ( expr for VAR in ITERABLE )
  if (parts.length !== 7 || parts[2].name !== 'for' || parts[3].name !== 'VariableName' || parts[4].name !== 'in') return undefined;
  const [, expression, , variable, , iterable] = parts;
  const name = textOf(parsed, variable);
  const value = evaluate(parsed, iterable, bindings);
  if (value.kind !== 'list' || value.incomplete || hasFallback(value) || value.items.length === 0 || value.items.length > 64) return undefined;
  const isVariable = (node: SyntaxNode | undefined) => node?.name === 'VariableName' && textOf(parsed, node) === name;
  const code = quote(textOf(parsed, call));
  const loc = locOf(parsed, call);
  const strings = value.items.every((item) => item.kind === 'string' && !item.fallback) ? value.items.map((item) => (item as { value: string }).value) : undefined;
  const fromStrings = (method: string) => (strings ? stringTests(method, strings, loc, code) : undefined);
  const exprParts = childrenOf(expression);
  if (expression.name === 'CallExpression' && exprParts[0]?.name === 'MemberExpression') {
    const member = childrenOf(exprParts[0]);
    const method = member[2] ? textOf(parsed, member[2]) : '';
    const argument = exprParts[1] ? callArguments(parsed, exprParts[1]) : undefined;
    const target = method === 'endswith' || method === 'startswith' ? (isRequestOrigin(parsed, member[0], bindings) ? 'origin' : originUrlPart(parsed, member[0], bindings)) : undefined;
    if (target && argument?.positional.length === 1 && argument.keywords.size === 0 && isVariable(argument.positional[0])) {
      return strings ? stringTests(method === 'endswith' ? 'endsWith' : 'startsWith', strings, loc, code, target) : undefined;
    }
    return regexTest(parsed, expression, bindings, { name, value });
  }
  if (expression.name === 'BinaryExpression') {
    const { op, left, right } = binaryParts(parsed, exprParts);
    if (op === 'in' && isVariable(left) && isRequestOrigin(parsed, right, bindings)) return fromStrings('includes');
    if (op === '==' && strings && ((isVariable(left) && isRequestOrigin(parsed, right, bindings)) || (isVariable(right) && isRequestOrigin(parsed, left, bindings)))) {
      const allowed = value.items.map((item) => ({ value: (item as { value: string }).value, loc: locOf(parsed, item.node) }));
      return { decide: (request) => request.origin !== undefined && allowed.some((entry) => entry.value === request.origin), allowlist: allowed };
    }
  }
  return undefined;
}

function quote(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function buildPolicy(parsed: ParsedPython, fn: SyntaxNode | null, writes: Write[]): CorsPolicy {
  const named = (name: string) => writes.filter((write) => write.name.toLowerCase() === name.toLowerCase());
  const loc = (node: SyntaxNode) => locOf(parsed, node);
  const origins: OriginMatcher[] = named('Access-Control-Allow-Origin').flatMap((write): OriginMatcher[] => {
    const valueLoc = loc(write.valueNode);
    if (write.value.kind === 'literal') return [write.value.value.trim() === '*' ? { kind: 'any', loc: valueLoc } : { kind: 'exact', value: write.value.value, loc: valueLoc }];
    // The value is sent as it is: the text around an f-string's fields can still never equal an Origin.
    if (write.value.kind === 'unknown') return [{ kind: 'unknown', reason: 'computed at run time', loc: valueLoc, template: formatTemplate(parsed, write.valueNode) }];
    if (write.value.kind === 'input') return [write.opaque || write.conditions.length > 0 ? { kind: 'predicate', checks: [], loc: valueLoc } : { kind: 'reflect', loc: valueLoc }];
    if (write.allowlist) return write.allowlist.map((entry) => ({ kind: 'exact', value: entry.value, loc: entry.loc }));
    if (write.matchers) return write.matchers;
    if (write.opaque || write.conditions.length > 0) return [{ kind: 'predicate', checks: [], loc: valueLoc }];
    return [{ kind: 'reflect', loc: valueLoc }];
  });
  const credentialWrite = named('Access-Control-Allow-Credentials')[0];
  // 'True' (a Python bool, or the string) is meant as credentials but browsers ignore it: say so where '*' is reported.
  const sentText = credentialWrite?.value.kind === 'literal' ? credentialWrite.value.value.trim() : undefined;
  if (sentText !== undefined && sentText !== 'true' && sentText.toLowerCase() === 'true') {
    const why = `Access-Control-Allow-Credentials goes out as '${sentText}', which browsers do not accept as 'true', so requests with credentials are refused`;
    for (let i = 0; i < origins.length; i++) if (origins[i].kind === 'any') origins[i] = { ...origins[i], why } as OriginMatcher;
  }
  const credentials = credentialWrite
    ? // Browsers accept exactly `true`: Werkzeug and Django send a Python `True` as 'True', which counts as no credentials.
      { value: (credentialWrite.value.kind === 'literal' ? credentialWrite.value.value.trim() === 'true' : 'unknown') as Tri, loc: loc(credentialWrite.valueNode) }
    : undefined;
  const list = (name: string): ListSetting => {
    const write = named(name)[0];
    if (!write) return { kind: 'default' };
    if (write.value.kind !== 'literal') return { kind: 'unknown', loc: loc(write.valueNode) };
    const items = write.value.value.split(',').map((item) => item.trim()).filter(Boolean);
    return items.length === 1 && items[0] === '*' ? { kind: 'wildcard', loc: loc(write.valueNode) } : { kind: 'list', items, loc: loc(write.valueNode) };
  };
  const varyWrite = named('Vary').find((write) => write.value.kind !== 'literal' || /\borigin\b/i.test(write.value.value));
  const emitted: EmittedHeader[] = writes.map((write) => ({
    name: write.name,
    value: write.value.kind === 'literal' ? write.value.value : null,
    rawValue: textOf(parsed, write.valueNode),
    loc: loc(write.statement),
    valueLoc: loc(write.valueNode),
    allStatuses: true,
    mode: write.mode,
  }));
  const nameNode = fn?.getChild('VariableName');
  const sourceLoc = nameNode ? loc(nameNode) : loc(writes[0].statement);
  const label = nameNode ? `function ${textOf(parsed, nameNode)}` : `module level, line ${sourceLoc.line}`;
  const fixed = origins.length === 1 && origins[0].kind === 'exact' && writes.every((write) => write.conditions.length === 0);
  return {
    id: `${parsed.file}#handler@${sourceLoc.line}:${sourceLoc.column}`,
    source: { file: parsed.file, format: 'python', framework: pythonHandSetProfile.id, loc: sourceLoc },
    scope: { kind: 'handler', label },
    origins,
    originMode: fixed ? 'fixed' : 'compare',
    credentials,
    allowMethods: list('Access-Control-Allow-Methods'),
    allowHeaders: list('Access-Control-Allow-Headers'),
    exposeHeaders: list('Access-Control-Expose-Headers'),
    maxAge: undefined,
    preflight: { kind: 'unknown' },
    vary: varyWrite ? { origin: true, loc: loc(varyWrite.valueNode) } : { origin: false },
    errorResponses: 'unknown',
    emitted,
    profile: pythonHandSetProfile,
    headerProgram: { run: (request) => run(writes, request, loc) },
  };
}

/** The writes in effect for one request, applied in source order. */
function run(writes: Write[], request: CorsRequest, loc: (node: SyntaxNode) => Loc): CorsResponse {
  const headers: ResponseHeader[] = [];
  // Who answers a preflight (the framework's automatic OPTIONS, a route, a 405) is not visible here.
  const unknowns = new Unknowns().all(request.preflight === true);
  const maybe: ResponseHeader[] = [];
  const writtenOnce = (name: string) => writes.filter((other) => other.name.toLowerCase() === name.toLowerCase()).length === 1;
  for (const write of writes) {
    const decisions = write.conditions.map((test) => test(request));
    if (decisions.includes(false)) continue;
    // A write under a condition we cannot decide (or in a loop, a `try`, a conditional expression) may
    // or may not happen: its header is open, nothing else (writes only ever add or set headers).
    if (write.opaque || decisions.includes('unknown')) {
      unknowns.header(write.name);
      // The header's only write, under an `if` alone, echoing the Origin: the request's Origin or nothing.
      if (!write.opaque && write.value.kind === 'origin' && request.origin && writtenOnce(write.name)) maybe.push({ name: write.name, value: request.origin, loc: loc(write.valueNode), writtenAt: loc(write.statement) });
      continue;
    }
    let value: string | undefined;
    let fromInput: string | undefined;
    if (write.value.kind === 'literal') value = write.value.value;
    // The caller names the origin it wants granted: an attacker names its own.
    else if (write.value.kind === 'input') {
      value = request.origin;
      fromInput = write.value.field;
      if (value === undefined) unknowns.header(write.name);
    } else if (write.value.kind === 'origin') {
      value = request.origin ?? (write.value.whenAbsent === 'unknown' ? undefined : write.value.whenAbsent);
      if (value === undefined) unknowns.header(write.name);
    }
    else unknowns.header(write.name);
    if (value === undefined) continue;
    if (write.mode === 'set') {
      for (let i = headers.length - 1; i >= 0; i--) if (headers[i].name.toLowerCase() === write.name.toLowerCase()) headers.splice(i, 1);
      unknowns.known(write.name);
    }
    headers.push({ name: write.name, value, loc: loc(write.valueNode), writtenAt: loc(write.statement), ...(fromInput ? { fromInput } : {}) });
  }
  return { status: request.preflight ? undefined : (request.appStatus ?? 200), headers, ...unknowns.fields(), ...(maybe.length ? { maybeHeaders: maybe } : {}), shortCircuit: false };
}
