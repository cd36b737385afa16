import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { lint } from '../src/index.js';

// In a file of its own: other tests load every parser, and the module cache is per test file.
describe('parsers load lazily', () => {
  it('a run never loads the parser of a format it has no candidate files in', () => {
    const loaded = (name: string) => Object.keys(createRequire(import.meta.url).cache).some((key) => key.includes(name));
    expect(loaded('@babel/parser')).toBe(false);
    expect(loaded('@lezer/python')).toBe(false);
    expect(loaded('/yaml/dist/')).toBe(false);
    lint([{ path: 'site.conf', text: 'location / { add_header Access-Control-Allow-Origin * always; }\n' }]);
    // A manifest without a CORS token is not parsed either.
    lint([{ path: 'deploy.yaml', text: 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n' }]);
    expect(loaded('/yaml/dist/')).toBe(false);
    // A Python file without a CORS token is not parsed either.
    lint([{ path: 'util.py', text: 'def add(a, b):\n    return a + b\n' }]);
    expect(loaded('@babel/parser')).toBe(false);
    expect(loaded('@lezer/python')).toBe(false);
    lint([{ path: 'app.js', text: "const cors = require('cors');\napp.use(cors());\n" }]);
    expect(loaded('@babel/parser')).toBe(true);
    expect(loaded('@lezer/python')).toBe(false);
    lint([{ path: 'app.py', text: 'from flask_cors import CORS\nCORS(app)\n' }]);
    expect(loaded('@lezer/python')).toBe(true);
    lint([{ path: 'kong.yml', text: '_format_version: "3.0"\nplugins:\n  - name: cors\n' }]);
    expect(loaded('/yaml/dist/')).toBe(true);
    // netlify.toml's parser only for a netlify.toml with a CORS header.
    expect(loaded('toml-eslint-parser')).toBe(false);
    lint([{ path: 'netlify.toml', text: '[build]\npublish = "dist"\n' }]);
    expect(loaded('toml-eslint-parser')).toBe(false);
    lint([{ path: 'netlify.toml', text: '[[headers]]\nfor = "/*"\n[headers.values]\nAccess-Control-Allow-Origin = "*"\n' }]);
    expect(loaded('toml-eslint-parser')).toBe(true);
  });
});
