import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { EXTENSIONS, type FuzzFormat } from '../src/engine/fuzz.js';

/** The fixtures under `dir`, by the format the fuzzer mutates them as (`npm run fuzz` and its sample in npm test). */
export function fixtureSeeds(dir: string): Record<FuzzFormat, string[]> {
  const seeds: Record<FuzzFormat, string[]> = { nginx: [], js: [], ts: [], python: [], yaml: [], json: [], toml: [], headers: [] };
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else for (const [format, ext] of Object.entries(EXTENSIONS) as Array<[FuzzFormat, string]>) if (name.endsWith(ext) || (format === 'yaml' && name.endsWith('.yml'))) seeds[format].push(readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return seeds;
}
