import { posix } from 'node:path';
import type { Loc } from '../model/types.js';
import { lineStartsOf, offsetsToLoc } from '../extract/offsets.js';
import { leadingParents } from '../engine/modules.js';
import { parseYamlDocument, yaml } from '../extract/yaml/parse.js';

/** A Compose service whose image is built from a folder of the repository. */
export interface ComposeService {
  name: string;
  /** The build context, relative to the lint root, posix separators, no trailing slash ('' for the root). */
  buildDir: string;
  /** The `build` value. */
  loc: Loc;
  composeFile: string;
  /** Container ports the service's command line names (`--port 8000`, `-p 8000`), when stated. */
  commandPorts: number[];
  /** Python files the service's command runs (`gunicorn app.wsgi:application` → `app/wsgi.py`, `python server.py`), relative to the build folder. */
  commandModules?: string[];
  /** The Dockerfile the image is built from (`build.dockerfile`, else `Dockerfile` in the build folder); undefined when the service sets `command` or `entrypoint` itself, or names it by a variable. */
  dockerfile?: string;
  /** `ports:` entries: the host port a browser reaches and the container port behind it. */
  published: Array<{ host: number; container: number }>;
  /** Any `ports:` entry (short, long or bare container-port syntax): a browser can reach the service without the proxy. */
  publishesPorts: boolean;
  /** The image name the build is tagged with (`image:` next to `build:`), which Kubernetes manifests may run. */
  image?: string;
}

/**
 * The Python files a command line runs: an ASGI/WSGI server's `module.path:app` argument, or
 * `python path/to/file.py`. Anything else (a shell script, `flask run`) names none.
 */
export function commandModules(command: string): string[] {
  const out: string[] = [];
  if (command.length > 2000) return out;
  if (/\b(gunicorn|uvicorn|hypercorn|daphne|granian)\b/.test(command)) {
    for (const match of command.matchAll(/(?:^|\s)([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)*):[A-Za-z_]\w*(?:\(\))?(?=\s|$)/g)) out.push(`${match[1].replace(/\./g, '/')}.py`);
  }
  for (const match of command.matchAll(/\bpython[\d.]*\s+(?:-u\s+)?((?:[\w-]+\/)*[\w-]+\.py)\b/g)) out.push(match[1].replace(/^\.\//, ''));
  return [...new Set(out)];
}

/**
 * The command line a Dockerfile's image runs: the last stage's last ENTRYPOINT and last CMD joined
 * (the exec form's JSON items by spaces, the shell form as written). Line continuations are joined first.
 */
export function dockerfileCommand(text: string): string {
  if (text.length > 200_000) return '';
  let entrypoint = '';
  let cmd = '';
  for (const line of text.replace(/\\\r?\n/g, ' ').split('\n')) {
    // A new stage starts without the earlier stage's command (one built FROM it inherits it: not followed, so none).
    if (/^\s*FROM\s/i.test(line)) {
      entrypoint = '';
      cmd = '';
      continue;
    }
    const match = /^\s*(ENTRYPOINT|CMD)\s+(.*)$/i.exec(line);
    if (!match) continue;
    let value = match[2].trim();
    if (value.startsWith('[')) {
      try {
        const items: unknown = JSON.parse(value);
        value = Array.isArray(items) ? items.map((item) => (typeof item === 'string' ? item : '')).join(' ') : '';
      } catch {
        value = '';
      }
    }
    if (match[1].toUpperCase() === 'CMD') cmd = value;
    else entrypoint = value;
  }
  return `${entrypoint} ${cmd}`.trim();
}

const COMPOSE_NAME = /(^|\/)(docker-)?compose([.-][\w.-]+)?\.ya?ml$/;

export function isComposeFile(path: string): boolean {
  return COMPOSE_NAME.test(path.replace(/\\/g, '/'));
}

/** Per lint run (keyed by the run's YAML map): three topology readers ask, each parsed every Compose file again. */
const servicesOfRun = new WeakMap<Map<string, string>, readonly ComposeService[]>();

/** Services with a `build` context, from every Compose file in the run. Loaded lazily: most runs never ask. */
export function composeServices(yamlFiles: Map<string, string>): readonly ComposeService[] {
  let services = servicesOfRun.get(yamlFiles);
  if (!services) servicesOfRun.set(yamlFiles, (services = readComposeServices(yamlFiles)));
  return services;
}

function readComposeServices(yamlFiles: Map<string, string>): ComposeService[] {
  const out: ComposeService[] = [];
  for (const [file, text] of yamlFiles) {
    if (!isComposeFile(file) || !/^services:/m.test(text) || !/^\s+build:/m.test(text)) continue;
    const { isMap, isScalar, isSeq } = yaml();
    // Compose files are small and hand-written; the document is walked node by node, so an alias is never expanded.
    const parsed = parseYamlDocument(text, { strict: false, logLevel: 'silent' });
    if (!('doc' in parsed)) continue;
    const doc = parsed.doc;
    const services = doc.get('services', true);
    if (!isMap(services)) continue;
    const lineStarts = lineStartsOf(text);
    for (const pair of services.items) {
      if (!isScalar(pair.key) || !isMap(pair.value)) continue;
      const name = String(pair.key.value);
      const build: unknown = pair.value.get('build', true);
      const context = isScalar(build) ? build : isMap(build) ? build.get('context', true) : undefined;
      if (!isScalar(context) || typeof context.value !== 'string' || !context.range) continue;
      const dir = context.value;
      // A remote context (git URL) or an interpolated one is not a folder of this repository.
      if (/^[a-z]+:\/\/|^git@|\$/i.test(dir)) continue;
      const buildDir = posix.normalize(posix.join(posix.dirname(file.replace(/\\/g, '/')), dir)).replace(/\/$/, '');
      // Paths are relative to the working directory, so a scanned folder outside it starts with '../':
      // only a context that climbs above the compose file's own prefix leaves what was scanned.
      if (leadingParents(buildDir) > leadingParents(file.replace(/\\/g, '/'))) continue;
      const command: unknown = pair.value.get('command', true);
      const commandText = isScalar(command) ? String(command.value) : isSeq(command) ? command.items.map((item: unknown) => (isScalar(item) ? String(item.value) : '')).join(' ') : '';
      const commandPorts = [...commandText.matchAll(/(?:--port|-p)[\s=]+(\d+)/g)].map((m) => Number(m[1]));
      // gunicorn's `--bind`/`-b` and Django's `runserver` take host:port.
      for (const match of commandText.matchAll(/(?:--bind|-b)[\s=]+[\w.[\]:-]*?:(\d{2,5})\b|\brunserver\s+(?:[\w.]+:)?(\d{2,5})\b/g)) commandPorts.push(Number(match[1] ?? match[2]));
      const ports: unknown = pair.value.get('ports', true);
      const published = (isSeq(ports) ? ports.items : [])
        .map((item: unknown) => (isScalar(item) ? /^(?:[\d.]+:)?(\d+):(\d+)(?:\/tcp)?$/.exec(String(item.value)) : null))
        .filter((match): match is RegExpExecArray => match !== null)
        .map((match) => ({ host: Number(match[1]), container: Number(match[2]) }));
      const image: unknown = pair.value.get('image', true);
      const dockerfileNode: unknown = isMap(build) ? build.get('dockerfile', true) : undefined;
      const dockerfileName = dockerfileNode === undefined ? 'Dockerfile' : isScalar(dockerfileNode) && typeof dockerfileNode.value === 'string' && !/\$|^\//.test(dockerfileNode.value) ? dockerfileNode.value : undefined;
      const ownCommand = pair.value.has('command') || pair.value.has('entrypoint');
      const dockerfile = ownCommand || dockerfileName === undefined ? undefined : posix.normalize(posix.join(buildDir, dockerfileName));
      out.push({
        name: name.toLowerCase(),
        buildDir: buildDir === '.' ? '' : buildDir,
        loc: offsetsToLoc(file, lineStarts, context.range[0], context.range[1]),
        composeFile: file,
        commandPorts,
        commandModules: commandModules(commandText),
        ...(dockerfile !== undefined && !dockerfile.startsWith('..') ? { dockerfile } : {}),
        published,
        publishesPorts: isSeq(ports) && ports.items.length > 0,
        image: isScalar(image) && typeof image.value === 'string' ? image.value : undefined,
      });
    }
  }
  return out;
}

