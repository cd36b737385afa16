import { readFileSync } from 'node:fs';

/** The nearest package.json named cors-lint above this module (works from src/ under the tests, from dist/ and from the bundle). */
export function version(): string {
  for (let url = new URL('./', import.meta.url); url.pathname !== '/'; url = new URL('../', url)) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'cors-lint') return pkg.version;
    } catch {
      // keep looking upwards
    }
  }
  return '0.0.0';
}
