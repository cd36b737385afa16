import type { SyntaxNode } from '@lezer/common';
import { engineioProfile, engineioProgram } from '../../model/frameworks/engineio.js';
import type { CorsPolicy, OriginMatcher } from '../../model/types.js';
import { eachOriginEntry, fallbackOrigin, locatedTri, strict, unknownOrigin } from './options.js';
import { callArguments, locOf, type ParsedPython } from './parse.js';
import { evaluate, knownSpread, resolveName, type ModuleBindings } from './values.js';

/** Constructors that hand `cors_allowed_origins` / `cors_credentials` to python-engineio's server. */
const SERVERS = new Set([
  'socketio.Server',
  'socketio.AsyncServer',
  'socketio.server.Server',
  'socketio.async_server.AsyncServer',
  'engineio.Server',
  'engineio.AsyncServer',
  'flask_socketio.SocketIO',
]);

/**
 * `socketio.AsyncServer(cors_allowed_origins='*')`, `SocketIO(app, cors_allowed_origins=[...])`,
 * and Flask-SocketIO's `socketio.init_app(app, cors_allowed_origins=...)` when `socketio` was made
 * by `SocketIO()` in this module. Without `cors_allowed_origins` the server accepts only its own
 * host, and `[]` turns its CORS handling off: neither is a policy.
 */
export function engineioPolicies(parsed: ParsedPython, calls: SyntaxNode[], bindings: ModuleBindings): CorsPolicy[] {
  const policies: CorsPolicy[] = [];
  const flaskSocketIo = new Set<string>();
  for (const call of calls) {
    const callee = resolveName(parsed, call.firstChild, bindings);
    if (callee === 'flask_socketio.SocketIO') {
      const target = call.parent?.name === 'AssignStatement' ? call.parent.firstChild : undefined;
      if (target?.name === 'VariableName') flaskSocketIo.add(parsed.text.slice(target.from, target.to));
    }
    const initApp = call.firstChild?.name === 'MemberExpression' && parsed.text.slice(call.firstChild.from, call.firstChild.to).match(/^(\w+)\.init_app$/);
    if (!(callee && SERVERS.has(callee)) && !(initApp && flaskSocketIo.has(initApp[1]))) continue;
    const args = knownSpread(parsed, callArguments(parsed, call.getChild('ArgList')), bindings);
    const written = args.keywords.get('cors_allowed_origins');
    if (!written && !args.spread) continue;
    const sourceLoc = locOf(parsed, call.firstChild!);
    const origins: OriginMatcher[] = [];
    const value = written ? evaluate(parsed, written.value, bindings) : undefined;
    if (!value) origins.push({ kind: 'unknown', reason: 'options passed with ** are not visible', loc: locOf(parsed, args.spread!) });
    else if (value.kind === 'list' && value.items.length === 0 && !value.fallback && !value.incomplete) continue;
    else if (value.kind === 'string') {
      const fallback = fallbackOrigin(parsed, value, value, locOf(parsed, value.node));
      origins.push(fallback ?? (value.value === '*' ? { kind: 'any', loc: locOf(parsed, value.node) } : { kind: 'exact', value: value.value, loc: locOf(parsed, value.node) }));
    } else if (value.kind === 'list') {
      const listId = `${sourceLoc.line}:${sourceLoc.column}`;
      origins.push(
        ...eachOriginEntry(parsed, value, (entry, loc) => {
          const fallback = fallbackOrigin(parsed, value, entry, loc);
          if (fallback) return fallback;
          if (entry.kind !== 'string') return unknownOrigin(parsed, entry);
          // Only the bare string '*' allows every origin; in a list it is compared like any other entry.
          return { kind: 'exact', value: entry.value, loc, listId };
        }),
      );
    } else if (value.kind !== 'none') origins.push(unknownOrigin(parsed, value));
    else continue;
    const credentialsWritten = args.keywords.get('cors_credentials');
    const credentialsValue = credentialsWritten ? strict(evaluate(parsed, credentialsWritten.value, bindings)) : undefined;
    const credentials = credentialsValue ? locatedTri(parsed, credentialsValue) : args.spread ? { value: 'unknown' as const, loc: locOf(parsed, args.spread) } : undefined;
    const policy: CorsPolicy = {
      id: `${parsed.file}#engineio@${sourceLoc.line}:${sourceLoc.column}`,
      source: { file: parsed.file, format: 'python', framework: engineioProfile.id, loc: sourceLoc },
      scope: { kind: 'router', label: 'Socket.IO server', path: '/socket.io/' },
      origins,
      originMode: 'compare',
      credentials,
      allowMethods: { kind: 'list', items: ['OPTIONS', 'GET', 'POST'], loc: sourceLoc },
      allowHeaders: { kind: 'reflect-request' },
      exposeHeaders: { kind: 'default' },
      maxAge: undefined,
      preflight: { kind: 'handled', status: 200, loc: sourceLoc },
      vary: { origin: false },
      errorResponses: 'unknown',
      emitted: [],
      profile: engineioProfile,
    };
    policy.headerProgram = engineioProgram(policy);
    policies.push(policy);
  }
  return policies;
}
