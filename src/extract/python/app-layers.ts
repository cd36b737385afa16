import type { SyntaxNode } from '@lezer/common';
import { answerOf, overLayers } from '../../model/layer-overlay.js';
import type { CorsPolicy, CorsRequest, CorsResponse, Loc } from '../../model/types.js';
import { flaskCorsOwnAnswer } from './flask.js';
import { callArguments, dottedName, locOf, textOf, type ParsedPython } from './parse.js';

/**
 * Starlette (FastAPI too) puts each middleware added later outside the ones added before it:
 * `add_middleware` inserts at the front of `user_middleware`, and `@app.middleware("http")` adds a
 * BaseHTTPMiddleware the same way. So a hand-written `@app.middleware("http")` that sets CORS headers
 * on `call_next`'s response, written after `app.add_middleware(CORSMiddleware, …)`, rewrites what
 * CORSMiddleware sent, preflights included (checked with Starlette 0.26.1 + FastAPI: a `*` set outside
 * keeps CORSMiddleware's `Access-Control-Allow-Credentials: true`, on the preflight too).
 * Only module-level registrations on one app name are linked.
 */
export function linkStarletteLayers(parsed: ParsedPython, handSet: CorsPolicy[], starlette: CorsPolicy[]): void {
  if (handSet.length === 0 || starlette.length === 0) return;
  const middlewares = new Map<string, { receiver: string; at: number }>();
  const corsLayers = new Map<string, { receiver: string; at: number }>();
  for (let statement = parsed.root.firstChild; statement; statement = statement.nextSibling) {
    if (statement.name === 'DecoratedStatement') {
      const decorator = statement.getChild('Decorator');
      const name = statement.getChild('FunctionDefinition')?.getChild('VariableName');
      const receiver = decorator && /^@(\w+)\.middleware\((["'])http\2\)$/.exec(textOf(parsed, decorator).replace(/\s+/g, ''))?.[1];
      if (receiver && name) middlewares.set(key(locOf(parsed, name)), { receiver, at: statement.from });
    } else if (statement.name === 'ExpressionStatement') {
      const call = statement.firstChild;
      const callee = call?.name === 'CallExpression' ? (dottedName(parsed, call.firstChild) ?? '') : '';
      const receiver = /^(\w+)\.add_middleware$/.exec(callee)?.[1];
      const cls: SyntaxNode | undefined = receiver ? callArguments(parsed, call!.getChild('ArgList')).positional[0] : undefined;
      if (receiver && cls) corsLayers.set(key(locOf(parsed, cls)), { receiver, at: statement.from });
    }
  }
  const layers = starlette.flatMap((policy) => {
    const found = corsLayers.get(key(policy.source.loc));
    return found ? [{ policy, ...found, answer: answerOf(policy) }] : [];
  });
  for (const policy of handSet) {
    const middleware = middlewares.get(key(policy.source.loc));
    if (!middleware) continue;
    const cors = layers.filter((layer) => layer.receiver === middleware.receiver);
    // One CORSMiddleware per app is what anyone writes; with more, which answers is left as it was.
    if (cors.length !== 1) continue;
    const [layer] = cors;
    // Inside CORSMiddleware the function's writes reach only the origins it refuses (it writes over them for the
    // others and answers every preflight itself): judged alone, as before.
    if (middleware.at < layer.at) continue;
    // Outside: CORSMiddleware's answer (its preflight status too), with the function's writes over it.
    writeOver(policy, layer.policy, layer.answer);
  }
}

/**
 * Flask runs `after_request` hooks in reverse order of registration, so a hook registered before
 * `CORS(app)` in the same block runs after Flask-CORS on every response, its preflight answers
 * included: a header the hook sets replaces Flask-CORS's, the others stay (checked with Flask 2.2 +
 * Flask-CORS 3.0.10: a hook setting `*` before `CORS(app, supports_credentials=True)` sends `*` with
 * `Access-Control-Allow-Credentials: true` on GET and OPTIONS). A hook registered after it runs
 * first, and Flask-CORS then adds nothing: that hook is judged alone.
 */
export function linkFlaskLayers(parsed: ParsedPython, handSet: CorsPolicy[], flask: CorsPolicy[]): void {
  if (handSet.length === 0 || flask.length === 0) return;
  const hooks = new Map<string, { receiver: string; statement: SyntaxNode }>();
  for (const decorator of parsed.index.decorators) {
    const statement = decorator.parent;
    const name = statement?.getChild('FunctionDefinition')?.getChild('VariableName');
    const receiver = /^@(\w+)\.after_request$/.exec(textOf(parsed, decorator).replace(/\s+/g, ''))?.[1];
    if (statement?.name === 'DecoratedStatement' && name && receiver) hooks.set(key(locOf(parsed, name)), { receiver, statement });
  }
  if (hooks.size === 0) return;
  const corsCalls = new Map<string, SyntaxNode>();
  for (const call of parsed.index.calls) if (call.firstChild) corsCalls.set(key(locOf(parsed, call.firstChild)), call);
  for (const policy of handSet) {
    const hook = hooks.get(key(policy.source.loc));
    if (!hook) continue;
    const layers = flask.filter((layer) => {
      const call = layer.scope.kind === 'app' && layer.scope.label === hook.receiver ? corsCalls.get(key(layer.source.loc)) : undefined;
      let statement: SyntaxNode | null | undefined = call;
      while (statement && statement.parent && statement.parent.from !== hook.statement.parent?.from) statement = statement.parent;
      return !!statement && statement.parent?.from === hook.statement.parent?.from && statement.parent?.name === hook.statement.parent?.name && hook.statement.to <= statement.from;
    });
    if (layers.length !== 1) continue;
    const [layer] = layers;
    // Flask-CORS's answer before the hook took Allow-Origin over: the hook's writes go over that.
    const own = flaskCorsOwnAnswer.get(layer);
    writeOver(policy, layer, own ? (request) => own.run(request) : answerOf(layer));
  }
}

/** `policy`'s writes over the answer of `inner`, which answers its preflights (status included). */
export function writeOver(policy: CorsPolicy, innerPolicy: CorsPolicy, inner: (request: CorsRequest) => CorsResponse): void {
  const own = answerOf(policy);
  policy.preflight = innerPolicy.preflight;
  // The origins the inner layer lets in are the ones whose answers carry its headers: ask them too.
  policy.testedOrigins = [...(policy.testedOrigins ?? []), ...innerPolicy.origins];
  policy.headerProgram = {
    run: (request) => {
      const answer = inner(request);
      // The outer code runs on the inner layer's preflight answer like on any response to an OPTIONS request.
      const mine = request.preflight ? own({ ...request, preflight: false, method: 'OPTIONS' }) : own(request);
      const written = overLayers(mine, [answer]);
      return request.preflight ? { ...written, status: answer.status, shortCircuit: answer.shortCircuit } : written;
    },
  };
}

function key(loc: Loc): string {
  return `${loc.line}:${loc.column}`;
}
