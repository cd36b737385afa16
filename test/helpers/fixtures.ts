import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const FIXTURES = join(ROOT, 'fixtures');

export interface FixtureUnit {
  name: string;
  ruleDir: string;
  files: Array<{ path: string; text: string }>;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Every file under `dir` as lint() input, with forward-slash paths relative to `dir`, sorted. */
export function sourceFilesUnder(dir: string): Array<{ path: string; text: string }> {
  return filesUnder(dir).map((path) => ({ path: path.slice(dir.length + 1).split('\\').join('/'), text: readFileSync(path, 'utf8') }));
}

/** One unit per loose file in a rule folder, and one per sub-folder (files linted together, e.g. an include or a cross-file check). */
export function fixtureUnits(): FixtureUnit[] {
  const units: FixtureUnit[] = [];
  for (const ruleDir of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, ruleDir);
    if (!statSync(dir).isDirectory()) continue;
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      const paths = statSync(path).isDirectory() ? filesUnder(path) : [path];
      units.push({
        name: `${ruleDir}/${entry}`,
        ruleDir,
        files: paths.map((p) => ({ path: relative(ROOT, p).split('\\').join('/'), text: readFileSync(p, 'utf8') })),
      });
    }
  }
  return units;
}

export interface Expectation {
  file: string;
  line: number;
  ruleId: string;
  column?: number;
}

const EXPECT = /cors-lint-expect:\s*([\w@,\s-]+)/;

/** `cors-lint-expect: rule-id[@column][, …]` applies to the next line that is not itself an expectation. */
export function expectations(file: { path: string; text: string }): Expectation[] {
  // JSON has no comments (vercel.json), and nothing comes before a file's first line (a byte-order mark there): such a
  // file's expectations sit in `<file>.expect`, one `line[@column] rule-id` per line.
  if (existsSync(join(ROOT, `${file.path}.expect`))) {
    return readFileSync(join(ROOT, `${file.path}.expect`), 'utf8')
      .split('\n')
      .map((line) => /^\s*(\d+)(?:@(\d+))?\s+([\w-]+)\s*$/.exec(line))
      .filter((match) => match !== null)
      .map((match) => ({ file: file.path, line: Number(match[1]), ruleId: match[3], column: match[2] ? Number(match[2]) : undefined }));
  }
  const lines = file.text.split('\n');
  const out: Expectation[] = [];
  for (const [index, line] of lines.entries()) {
    const match = EXPECT.exec(line);
    if (!match) continue;
    let target = index + 1;
    while (target < lines.length && EXPECT.test(lines[target])) target++;
    for (const spec of match[1].split(',').map((s) => s.trim()).filter(Boolean)) {
      const [ruleId, column] = spec.split('@');
      out.push({ file: file.path, line: target + 1, ruleId: ruleId.trim(), column: column ? Number(column) : undefined });
    }
  }
  return out;
}
