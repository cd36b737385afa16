import { posix } from 'node:path';

/**
 * The major version of a package a source file gets, from the range the nearest package.json above
 * it declares (`"@fastify/cors": "^11.0.0"`): npm installs a version inside that range, and Node
 * resolves the package from the nearest node_modules, which that package.json's install fills. Only
 * a range that admits one major is read (`^11.0.0`, `~10.1`, `11.x`, `11.4.3`, `>=11.0.0 <12`); a
 * wider one (`>=10`, `*`, `latest`, a tag, a git or file URL, `workspace:*`) says nothing, and a
 * package.json that does not declare the package is passed over for the one above it (a workspace
 * root). Lockfiles are not read (they are not files the shells hand to extractors).
 */
/** Reads a repository file on behalf of a source file (the module source records the dependency). */
export type ReadRepositoryFile = (importer: string, path: string) => string | undefined;

const FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

/** One package.json's declared ranges, by package name, or null when it is not a JSON object. */
type Declared = Map<string, string[]> | null;

export class PackageVersions {
  private readonly manifests = new Map<string, { text: string | undefined; declared: Declared }>();

  constructor(private readonly read: ReadRepositoryFile) {}

  /** The one major version `name` can have for `file`, or undefined when the nearest declaration does not fix one. */
  majorFor(file: string, name: string): number | undefined {
    let dir = posix.dirname(file.replace(/\\/g, '/'));
    // Bounded by the path's depth; the reader refuses anything outside the scanned root.
    for (let depth = 0; depth < 64; depth++) {
      const ranges = this.manifest(file, dir === '.' ? 'package.json' : `${dir}/package.json`)?.get(name);
      if (ranges) {
        const majors = new Set(ranges.map(singleMajor));
        const major = majors.size === 1 ? [...majors][0] : Number.NaN;
        return Number.isNaN(major) ? undefined : major;
      }
      const parent = posix.dirname(dir);
      if (parent === dir || dir === '.' || /(^|\/)\.\.$/.test(dir)) return undefined;
      dir = parent;
    }
    return undefined;
  }

  private manifest(importer: string, path: string): Declared | undefined {
    // Read for every importer (the read is recorded as its dependency); parsed once per text.
    const text = this.read(importer, path);
    const known = this.manifests.get(path);
    if (known && known.text === text) return known.declared ?? undefined;
    const declared = text === undefined ? null : declaredRanges(text);
    this.manifests.set(path, { text, declared });
    return declared ?? undefined;
  }
}

function declaredRanges(text: string): Declared {
  if (text.length > 1024 * 1024) return null;
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return null;
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
  const declared = new Map<string, string[]>();
  for (const field of FIELDS) {
    const deps = (json as Record<string, unknown>)[field];
    if (!deps || typeof deps !== 'object' || Array.isArray(deps)) continue;
    for (const [dep, range] of Object.entries(deps as Record<string, unknown>)) {
      if (typeof range === 'string') declared.set(dep, [...(declared.get(dep) ?? []), range]);
    }
  }
  return declared;
}

/** `^11.0.0`, `~11.1`, `=11.2.0`, `v11`, `11.x`, `11.*`, `11.4.3-rc.1`: a single version or caret/tilde range. */
const ONE_MAJOR = /^(?:\^|~>?|=)?\s*v?(\d{1,6})(?:\.(?:\d{1,9}|[xX*])){0,2}(?:-[0-9A-Za-z.-]{1,64})?(?:\+[0-9A-Za-z.-]{1,64})?$/;
/** `>=11.0.0 <12`, `>=11 <12.0.0`: a lower bound and the next major as the upper one. */
const BOUNDED = /^>=\s*v?(\d{1,6})(?:\.\d{1,9}){0,2}\s+<\s*v?(\d{1,6})(?:\.0){0,2}$/;

/** The major a range admits, or NaN when it admits more than one (or is not a semver range). */
export function singleMajor(range: string): number {
  const text = range.trim();
  if (text.length > 200) return Number.NaN;
  const alternatives = text.split('||').map((part) => part.trim());
  const majors = new Set<number>();
  for (const part of alternatives) {
    const one = ONE_MAJOR.exec(part);
    const bounded = one ? undefined : BOUNDED.exec(part);
    let major: number | undefined;
    if (one) major = Number(one[1]);
    else if (bounded && Number(bounded[2]) === Number(bounded[1]) + 1) major = Number(bounded[1]);
    // `^0.x` admits only 0.x; 0 is still one major.
    if (major === undefined) return Number.NaN;
    majors.add(major);
  }
  return majors.size === 1 ? [...majors][0] : Number.NaN;
}
