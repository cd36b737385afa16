import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintProject } from '../src/cli/project.js';
import { retention } from '../src/engine/retain.js';
import { FIXTURES } from './helpers/fixtures.js';

/**
 * The CLI streams: each file read is kept only when the run needs its text (engine/retain.ts).
 * A streamed run must give exactly what a run keeping every text gives — findings, policies and the
 * skipped-file notes — on the fixtures (every rule, includes, topology stacks, cross-module options)
 * and on the labelled case pack.
 */
const CASES = join(FIXTURES, '..', '..', '..', 'shared', 'cases');

function compare(cwd: string) {
  const streamed = lintProject({ cwd, paths: ['.'], listSkipped: true });
  const kept = lintProject({ cwd, paths: ['.'], listSkipped: true, stream: false });
  expect(JSON.stringify(streamed.result.diagnostics)).toBe(JSON.stringify(kept.result.diagnostics));
  expect(streamed.result.skipped).toEqual(kept.result.skipped);
  expect(streamed.result.policies.length).toBe(kept.result.policies.length);
  expect(streamed.discovery.notes).toEqual(kept.discovery.notes);
  // Every text the streamed run kept went to lint() with the format the sieve detected (not detected twice): the same report as above.
  expect(streamed.discovery.files.filter((file) => file.text !== undefined && file.format === undefined)).toEqual([]);
  return { streamed, kept };
}

describe('a streamed run finds what a run keeping every text finds', () => {
  it('on the fixtures, holding fewer texts', () => {
    const { streamed, kept } = compare(FIXTURES);
    expect(streamed.result.diagnostics.length).toBeGreaterThan(100);
    expect(streamed.files.length).toBeLessThan(kept.files.length);
  }, 300_000);

  it.skipIf(!existsSync(CASES))('on the case pack', () => {
    compare(CASES);
  }, 300_000);

  it('a module without a CORS token that a CORS file imports is read again through the host', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cors-lint-stream-'));
    try {
      const files: Record<string, string> = {
        'api/server.js': "const express = require('express');\nconst cors = require('cors');\nconst { options } = require('./settings');\nconst app = express();\napp.use(cors(options));\n",
        'api/settings.js': "module.exports = { options: { origin: '*', credentials: true } };\n",
        'deploy/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n',
        'docs/notes.js': 'export const unrelated = 1;\n',
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const { streamed } = compare(dir);
      expect(streamed.files.map((file) => file.path).sort()).toEqual(['api/server.js', 'deploy/service.yaml']);
      expect(streamed.result.diagnostics.some((d) => d.file === 'api/settings.js' && d.ruleId === 'credentials-wildcard-origin')).toBe(true);
      expect(streamed.result.dependencies?.['api/server.js']).toEqual(['api/settings.js']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('retention', () => {
  it('drops with the reason lint() gives, keeps what other files read', () => {
    expect(retention({ path: 'src/util.js', text: 'export const a = 1;\n' })).toEqual({ keep: false, reason: 'no CORS token' });
    expect(retention({ path: 'src/app.js', text: "app.use(cors());\n" })).toEqual({ keep: true, format: 'js' });
    expect(retention({ path: 'nginx/static.conf', text: 'server { listen 80; root /srv; }\n' })).toEqual({ keep: true, format: 'nginx' });
    expect(retention({ path: 'k8s/deploy.yaml', text: 'kind: Deployment\n' })).toEqual({ keep: true, format: 'yaml' });
    expect(retention({ path: 'docker-compose.yml', text: 'services:\n  api:\n    build: ./api\n' })).toEqual({ keep: true, format: 'yaml' });
    expect(retention({ path: 'ci/workflow.yaml', text: 'on: push\n' })).toEqual({ keep: false, reason: 'no CORS token' });
    expect(retention({ path: 'web/src/api.ts', text: "fetch('https://api.example.com/x');\n" })).toEqual({ keep: true, format: 'ts' });
    expect(retention({ path: 'web/src/api.test.ts', text: "fetch('https://api.example.com/x');\n" })).toEqual({ keep: false, reason: 'no CORS token' });
    expect(retention({ path: 'src/big.js', text: `// ${'x'.repeat(3 * 1024 * 1024)}\n` })).toEqual({ keep: true, format: 'js' });
    expect(retention({ path: 'src/blob.js', text: 'a\u0000b' })).toEqual({ keep: false, reason: 'binary content' });
  });
});
