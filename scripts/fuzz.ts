import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EXTENSIONS, fuzzFormat, type FuzzFinding, type FuzzFormat } from '../src/engine/fuzz.js';
import { fixtureSeeds } from './fuzz-seeds.js';

/**
 * `npm run fuzz -- [--count N] [--seed S] [--format nginx,js,ts,python,yaml] [--determinism-every K] [--out DIR]`
 * Mutates the repository's fixtures through lint() and prints a summary of crashes, internal
 * errors, time-budget hits, spans outside the file, nondeterminism and invalid SARIF, with the
 * first inputs of each kind (exit 1 when any was found). `--count` is per format. `--out` writes
 * the full input of every finding, and of the slowest input, to DIR (to reproduce and minimise it). Run it in chunks of seeds
 * on a shared machine; the summary gives wall and CPU time.
 */
const USAGE = 'usage: npm run fuzz -- [--count N] [--seed S] [--format nginx,js,ts,python,yaml,json,toml,headers] [--determinism-every K] [--out DIR]';
let values: { count?: string; seed?: string; format?: string; 'determinism-every'?: string; out?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      count: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      format: { type: 'string', default: 'nginx,js,ts,python,yaml,json,toml,headers' },
      'determinism-every': { type: 'string', default: '10' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const ROOT = join(import.meta.dirname, '..', '..');
const seeds = fixtureSeeds(join(ROOT, 'fixtures'));

const count = Number(values.count);
const seed = Number(values.seed);
const formats = values.format!.split(',') as FuzzFormat[];
let failed = false;
for (const format of formats) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const byKind = new Map<string, FuzzFinding[]>();
  let slowest = { iteration: -1, ms: 0, input: '' };
  fuzzFormat(format, {
    seeds,
    count,
    seed: seed + formats.indexOf(format),
    determinismEvery: Number(values['determinism-every']),
    onInput: (iteration, ms, input) => {
      if (ms > slowest.ms) slowest = { iteration, ms, input };
      if ((iteration + 1) % 1000 === 0) process.stderr.write(`${format}: ${iteration + 1}/${count}\n`);
    },
    onFinding: (finding) => {
      byKind.set(finding.kind, [...(byKind.get(finding.kind) ?? []), finding]);
      if (values.out) {
        mkdirSync(values.out, { recursive: true });
        writeFileSync(join(values.out, `${format}-seed${seed + formats.indexOf(format)}-${finding.iteration}-${finding.kind}${EXTENSIONS[format]}`), finding.input);
      }
    },
  });
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = ((cpu.user + cpu.system) / 1e6).toFixed(1);
  const summary = [...byKind].map(([kind, list]) => `${kind}=${list.length}`).join(' ') || 'no findings';
  process.stdout.write(`${format}: ${count} inputs (seed ${seed + formats.indexOf(format)}) in ${seconds} s (${cpuSeconds} s CPU; slowest input #${slowest.iteration}: ${Math.round(slowest.ms)} ms CPU, ${slowest.input.length} chars): ${summary}\n`);
  if (values.out && slowest.iteration >= 0) {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, `${format}-seed${seed + formats.indexOf(format)}-${slowest.iteration}-slowest${EXTENSIONS[format]}`), slowest.input);
  }
  for (const [kind, list] of byKind) {
    if (kind !== 'time-budget') failed = true;
    for (const finding of list.slice(0, 3)) process.stdout.write(`  ${kind} #${finding.iteration}: ${finding.detail.split('\n')[0].slice(0, 200)}\n    input: ${JSON.stringify(finding.input.slice(0, 300))}\n`);
  }
}
process.exitCode = failed ? 1 : 0;
