import type { SyntaxNode } from '@lezer/common';
import { repositoryDefinition } from './flask.js';
import { childrenOf, textOf, type ParsedPython } from './parse.js';
import { resolveName, type ModuleBindings } from './values.js';

/**
 * Does a FastAPI route function take a JSON body? FastAPI reads a parameter as the request body when
 * it is a Pydantic model (or a list of them, or a dict) or is declared with `Body(…)`, and parses that
 * body only from a JSON content type (FastAPI ≥ 0.65.2: any other one is a 422): a page sends it with
 * `Content-Type: application/json`, which is not CORS-safelisted, so the browser preflights the POST.
 * A route with a `Form(…)`/`File(…)` parameter or an `UploadFile` reads a form instead (no preflight).
 * Only what the module shows is read: a model class defined here or in a repository module it is
 * imported from, whose bases reach pydantic's BaseModel or SQLModel.
 */
const MODEL_BASES = new Set(['pydantic.BaseModel', 'pydantic.main.BaseModel', 'pydantic.v1.BaseModel', 'sqlmodel.SQLModel']);
const BODY_MARKERS = new Set(['fastapi.Body', 'fastapi.params.Body']);
const FORM_MARKERS = new Set(['fastapi.Form', 'fastapi.File', 'fastapi.params.Form', 'fastapi.params.File', 'fastapi.UploadFile', 'starlette.datastructures.UploadFile']);
/** Defaults that make a parameter something other than the body. */
const NOT_BODY = new Set(['fastapi.Depends', 'fastapi.Query', 'fastapi.Path', 'fastapi.Header', 'fastapi.Cookie', 'fastapi.Security', 'fastapi.params.Depends', 'fastapi.params.Query', 'fastapi.params.Path', 'fastapi.params.Header', 'fastapi.params.Cookie', 'fastapi.params.Security']);
/** `List[Item]`, `list[Item]`, `Optional[Item]`, `Item | None`: the model inside. Annotations are short; longer ones are not read. */
const WRAPPED = /^(?:(?:typing\.)?(?:List|Optional|Sequence|Set)|list|set)\[\s*(\w+)\s*\]$|^(\w+)\s*\|\s*None$/;
const DICT = /^(?:(?:typing\.)?Dict|dict)(?:\[[^\]]*\])?$/;
const MAX_ANNOTATION = 200;
const MAX_BASE_DEPTH = 6;

/** The decorated function's parameters: each name with its annotation and default, if written. */
function parameters(fn: SyntaxNode): Array<{ annotation?: SyntaxNode; fallback?: SyntaxNode }> {
  const list = fn.getChild('ParamList');
  if (!list) return [];
  const out: Array<{ annotation?: SyntaxNode; fallback?: SyntaxNode }> = [];
  let current: { annotation?: SyntaxNode; fallback?: SyntaxNode } | undefined;
  let afterAssign = false;
  for (const child of childrenOf(list)) {
    if (child.name === 'VariableName' && !afterAssign) {
      current = {};
      out.push(current);
    } else if (child.name === 'TypeDef' && current) current.annotation = child.lastChild ?? undefined;
    else if (child.name === 'AssignOp') afterAssign = true;
    else if (child.name === ',' || child.name === ')') afterAssign = false;
    else if (afterAssign && current && !current.fallback) current.fallback = child;
  }
  return out;
}

function isModelClass(parsed: ParsedPython, bindings: ModuleBindings, name: string, depth: number): boolean {
  if (depth > MAX_BASE_DEPTH) return false;
  const resolved = bindings.imports.get(name);
  if (resolved && MODEL_BASES.has(resolved)) return true;
  const found = repositoryDefinition(parsed, bindings, name, 'ClassDefinition', bindings.hops);
  if (!found) return false;
  const bases = found.node.getChild('ArgList');
  if (!bases) return false;
  for (const base of childrenOf(bases)) {
    if (base.name !== 'VariableName' && base.name !== 'MemberExpression') continue;
    const full = resolveName(found.parsed, base, found.bindings);
    if (full && MODEL_BASES.has(full)) return true;
    if (base.name === 'VariableName' && isModelClass(found.parsed, found.bindings, textOf(found.parsed, base), depth + 1)) return true;
  }
  return false;
}

/** 'json' when the route function reads a JSON body, 'form' when it reads a form or a file, undefined otherwise. */
export function routeBody(parsed: ParsedPython, fn: SyntaxNode, bindings: ModuleBindings): 'json' | 'form' | undefined {
  let json = false;
  for (const { annotation, fallback } of parameters(fn)) {
    const marker = fallback?.name === 'CallExpression' ? resolveName(parsed, fallback.firstChild, bindings) : undefined;
    const annotationText = annotation ? textOf(parsed, annotation) : '';
    if ((marker && FORM_MARKERS.has(marker)) || (annotation?.name === 'VariableName' && FORM_MARKERS.has(resolveName(parsed, annotation, bindings) ?? ''))) return 'form';
    if (marker && NOT_BODY.has(marker)) continue;
    if (marker && BODY_MARKERS.has(marker)) {
      json = true;
      continue;
    }
    if (!annotation || annotationText.length > MAX_ANNOTATION) continue;
    if (DICT.test(annotationText)) {
      json = true;
      continue;
    }
    const wrapped = WRAPPED.exec(annotationText);
    const model = annotation.name === 'VariableName' ? annotationText : wrapped ? (wrapped[1] ?? wrapped[2]) : undefined;
    if (model && isModelClass(parsed, bindings, model, 0)) json = true;
  }
  return json ? 'json' : undefined;
}
