import { describe, expect, it } from 'vitest';
import { PackageVersions, singleMajor } from '../src/extract/js/package-versions.js';

describe('the major a package.json range admits', () => {
  it('reads ranges that admit one major', () => {
    for (const [range, major] of [['^11.0.1', 11], ['~10.1', 10], ['11.x', 11], ['11.4.3', 11], ['=4.0.0', 4], ['v5', 5], ['>=11.0.0 <12', 11], ['^4.0.0 || ~4.1.0', 4], ['11.0.0-rc.1', 11], [' ^3.4.3 ', 3]] as const) {
      expect(singleMajor(range), range).toBe(major);
    }
  });
  it('says nothing for wider or non-semver ranges', () => {
    for (const range of ['*', 'latest', '>=10', '^10 || ^11', '>=10.0.0 <12', 'workspace:*', 'file:../cors', 'github:fastify/fastify-cors', 'x', '', '1'.repeat(300)]) {
      expect(singleMajor(range), range).toBeNaN();
    }
  });
});

describe('the nearest package.json that declares the package', () => {
  const files: Record<string, string> = {
    'package.json': JSON.stringify({ devDependencies: { '@fastify/cors': '^10.0.0' } }),
    'apps/api/package.json': JSON.stringify({ dependencies: { fastify: '^5.0.0' } }),
    'apps/web/package.json': JSON.stringify({ dependencies: { '@fastify/cors': '^11.0.0' } }),
    'apps/bad/package.json': '{ not json',
    'apps/two/package.json': JSON.stringify({ dependencies: { '@koa/cors': '^4.0.0' }, peerDependencies: { '@koa/cors': '^5.0.0' } }),
  };
  const reads: string[] = [];
  const versions = new PackageVersions((importer, path) => {
    reads.push(`${importer} ${path}`);
    return files[path];
  });
  it('walks up past package.json files that do not declare it, and parses each once per text', () => {
    expect(versions.majorFor('apps/web/src/server.ts', '@fastify/cors')).toBe(11);
    expect(versions.majorFor('apps/api/src/server.ts', '@fastify/cors')).toBe(10);
    expect(versions.majorFor('apps/bad/server.ts', '@fastify/cors')).toBe(10);
    expect(versions.majorFor('apps/two/index.js', '@koa/cors')).toBeUndefined();
    expect(versions.majorFor('apps/api/src/server.ts', 'hono')).toBeUndefined();
    expect(versions.majorFor('../outside/server.js', '@fastify/cors')).toBeUndefined();
    // Every lookup is a read on behalf of its file (the module source records the dependency).
    expect(reads).toContain('apps/api/src/server.ts package.json');
    expect(reads.filter((read) => read.endsWith(' ../package.json'))).toEqual(['../outside/server.js ../package.json']);
  });
});
