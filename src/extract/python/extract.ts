import type { SyntaxNode } from '@lezer/common';
import type { CorsPolicy, SourceFile } from '../../model/types.js';
import { djangoPolicies } from './django.js';
import { flaskPolicies } from './flask.js';
import { parsePython, type PythonSyntaxError } from './parse.js';
import { starlettePolicies } from './starlette.js';
import { moduleBindings } from './values.js';

export interface PythonExtraction {
  policies: CorsPolicy[];
  errors: PythonSyntaxError[];
}

/** The CORS policies of one Python module: Starlette/FastAPI middleware, Flask-CORS, django-cors-headers settings. */
export function extractPythonPolicies(file: SourceFile): PythonExtraction {
  const { parsed, errors } = parsePython(file);
  const calls: SyntaxNode[] = [];
  const decorators: SyntaxNode[] = [];
  parsed.tree.iterate({
    enter(ref) {
      if (ref.name === 'CallExpression') calls.push(ref.node);
      else if (ref.name === 'Decorator') decorators.push(ref.node);
    },
  });
  const bindings = moduleBindings(parsed);
  const policies = [...starlettePolicies(parsed, calls, bindings), ...flaskPolicies(parsed, calls, decorators, bindings), ...djangoPolicies(parsed, bindings)];
  return { policies, errors };
}
