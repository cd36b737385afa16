import type { Node } from '@babel/types';
import type { ParsedJs } from './extract.js';

/**
 * Whether the Express request body of this file can only come from a JSON request: the file mounts
 * express.json() / bodyParser.json() (without a `type` option) and no parser that reads a body a page
 * sends without a preflight (urlencoded, text, raw, multer, formidable, busboy, express-fileupload,
 * koa-body), and reads no body through a Fetch-style `.json()` / `.formData()` call (Hono, Next: those
 * parse whatever the Content-Type says).
 *
 * express.json() parses only an `application/json` body (its `type` default), a Content-Type a
 * cross-site page sends only after a preflight, and the OPTIONS request carries no body: a value
 * taken from `req.body` cannot be the attacker's choice on a request the browser sends unasked. Express
 * 5.3.0 on 127.0.0.1 (xform12): a text/plain or form POST left req.body undefined (500, no
 * Allow-Origin). A parser set up in another module is not seen: then the body stays the caller's.
 */
const jsonOnlyByFile = new WeakMap<ParsedJs, boolean>();

const OTHER_PARSERS = /^(?:urlencoded|text|raw|multer|formidable|busboy|fileUpload|expressFileUpload|koaBody|bodyParser|formData|parseBody|any|array|fields|single|none)$/;

function nameOf(node: Node): string | undefined {
  if (node.type === 'Identifier') return node.name;
  if ((node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && node.property.type === 'Identifier' && !node.computed) return node.property.name;
  return undefined;
}

function ownerOf(node: Node): string | undefined {
  return (node.type === 'MemberExpression' || node.type === 'OptionalMemberExpression') && node.object.type === 'Identifier' ? node.object.name : undefined;
}

export function expressBodyIsJsonOnly(parsed: ParsedJs): boolean {
  let known = jsonOnlyByFile.get(parsed);
  if (known !== undefined) return known;
  let json = false;
  let other = false;
  for (const call of parsed.calls) {
    const name = nameOf(call.callee);
    if (!name) continue;
    const owner = ownerOf(call.callee);
    if (name === 'json') {
      if (owner === 'express' || owner === 'bodyParser' || owner === 'bodyparser') {
        const options = call.arguments[0];
        // A `type` option can take text/plain or every type: a simple request's body.
        if (options && (options.type !== 'ObjectExpression' || options.properties.some((property) => property.type !== 'ObjectProperty' || (property.key.type === 'Identifier' ? property.key.name : property.key.type === 'StringLiteral' ? property.key.value : 'type') === 'type'))) other = true;
        else json = true;
      } else if (call.arguments.length === 0) other = true; // c.req.json(), request.json(): Fetch-style, any Content-Type
      continue;
    }
    if (OTHER_PARSERS.test(name)) other = true;
  }
  known = json && !other;
  jsonOnlyByFile.set(parsed, known);
  return known;
}
