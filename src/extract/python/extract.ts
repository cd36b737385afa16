import type { CorsPolicy, SourceFile } from '../../model/types.js';
import { aiohttpCorsPolicies } from './aiohttp-cors.js';
import { cdkPythonPolicies } from './aws-cdk.js';
import { djangoPolicies } from './django.js';
import { engineioPolicies } from './engineio.js';
import { falconPolicies } from './falcon.js';
import { flaskPolicies } from './flask.js';
import { handSetPolicies } from './hand-set.js';
import { litestarPolicies } from './litestar.js';
import { quartCorsPolicies } from './quart-cors.js';
import { sanicExtPolicies } from './sanic-ext.js';
import { PythonModules, type ModuleReader } from './modules.js';
import { parsePython, type PythonSyntaxError } from './parse.js';
import { starlettePolicies } from './starlette.js';
import { linkFlaskLayers, linkStarletteLayers } from './app-layers.js';
import { moduleBindings } from './values.js';

export interface PythonExtraction {
  policies: CorsPolicy[];
  errors: PythonSyntaxError[];
}

/** The CORS policies of one Python module: Starlette/FastAPI middleware, Flask-CORS, django-cors-headers settings, aiohttp-cors, python-socketio servers, Falcon's CORSMiddleware, Litestar's CORSConfig, AWS CDK API Gateway CORS. */
/** `modules` lets values imported from other modules of the repository be read (`from .settings import ORIGINS`). */
export function extractPythonPolicies(file: SourceFile, modules?: ModuleReader): PythonExtraction {
  const { parsed, errors } = parsePython(file);
  const { calls, decorators } = parsed.index;
  const bindings = moduleBindings(parsed, modules && new PythonModules(modules, file.path));
  // Each framework is only looked for when its name is in the text.
  const text = parsed.text;
  const starlette = text.includes('CORSMiddleware') ? starlettePolicies(parsed, calls, bindings) : [];
  const handSet = /access-control-allow-origin/i.test(text) ? handSetPolicies(parsed, calls, bindings) : [];
  linkStarletteLayers(parsed, handSet, starlette);
  const flask = text.includes('flask_cors') || text.includes('sanic_cors') ? flaskPolicies(parsed, calls, decorators, bindings) : [];
  linkFlaskLayers(parsed, handSet, flask);
  const policies = [
    ...starlette,
    ...flask,
    ...(text.includes('CORS_') ? djangoPolicies(parsed, bindings) : []),
    ...(text.includes('aiohttp_cors') ? aiohttpCorsPolicies(parsed, calls, bindings) : []),
    ...(text.includes('cors_allowed_origins') ? engineioPolicies(parsed, calls, bindings) : []),
    ...(text.includes('falcon') && (text.includes('CORSMiddleware') || text.includes('cors_enable')) ? falconPolicies(parsed, calls, bindings) : []),
    ...(text.includes('quart_cors') ? quartCorsPolicies(parsed, calls, decorators, bindings) : []),
    ...(text.includes('CORSConfig') ? litestarPolicies(parsed, calls, bindings) : []),
    ...(/CORS_ORIGINS|cors_origins/.test(text) && /sanic/i.test(text) && !text.includes('sanic_cors') ? sanicExtPolicies(parsed, calls, bindings) : []),
    ...(/aws_apigateway|add_function_url|FunctionUrl|CfnUrl/.test(text) ? cdkPythonPolicies(parsed, calls, bindings) : []),
    ...handSet,
  ];
  return { policies, errors };
}
