import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModuleInsideRoot } from '../src/cli/project.js';
import { lint } from '../src/index.js';

/** Modules of the repository read for a linted file: through the host, confined to the scanned root, recorded as dependencies. */
describe('cross-module reads', () => {
  it('reads a module inside the root and nothing outside it', () => {
    const outside = mkdtempSync(join(tmpdir(), 'cors-lint-outside-'));
    writeFileSync(join(outside, 'secret.js'), 'module.exports = 1;\n');
    const root = mkdtempSync(join(tmpdir(), 'cors-lint-root-'));
    mkdirSync(join(root, 'config'));
    writeFileSync(join(root, 'config', 'cors.js'), "module.exports = { origin: 'https://shop.example.net' };\n");
    symlinkSync(join(outside, 'secret.js'), join(root, 'linked.js'));
    expect(readModuleInsideRoot([root], root, 'config/cors.js')).toContain('shop.example.net');
    expect(readModuleInsideRoot([root], root, '../secret.js')).toBeUndefined();
    expect(readModuleInsideRoot([root], root, join(outside, 'secret.js'))).toBeUndefined();
    expect(readModuleInsideRoot([root], root, 'linked.js')).toBeUndefined();
    expect(readModuleInsideRoot([root], root, 'config/missing.js')).toBeUndefined();
  });

  it('asks the host for an imported module that is not a lint input, reports in it, and records the dependency', () => {
    const asked: string[] = [];
    const server = "const cors = require('cors');\nconst options = require('../config/cors');\nrequire('express')().use(cors(options));\n";
    const module = "module.exports = {\n  origin: 'shop.example.net',\n};\n";
    const result = lint([{ path: 'src/server.js', text: server }], {
      host: {
        readModule(path) {
          asked.push(path);
          return path === 'config/cors.js' ? module : undefined;
        },
      },
    });
    expect(asked).toContain('config/cors.js');
    expect(asked.every((path) => !path.startsWith('..'))).toBe(true);
    expect(result.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.ruleId}`)).toEqual(['config/cors.js:2:11 origin-not-serialized']);
    expect(result.dependencies).toEqual({ 'src/server.js': ['config/cors.js'] });
  });

  it('follows a bounded number of hops and never a cycle', () => {
    const files = [
      { path: 'a.js', text: "const cors = require('cors');\nconst { o } = require('./b');\nrequire('express')().use(cors(o));\n" },
      { path: 'b.js', text: "exports.o = require('./c').o;\n" },
      { path: 'c.js', text: "const { o } = require('./b');\nexports.o = o;\n" },
    ];
    const { policies } = lint(files);
    expect(policies).toHaveLength(1);
    expect(policies[0].origins[0].kind).toBe('unknown');
  });
});
