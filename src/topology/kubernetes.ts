import { posix } from 'node:path';
import { neutralizeTemplates, parseYamlDocument } from '../extract/yaml/parse.js';
import { lineStartsOf, offsetsToLoc } from '../extract/offsets.js';
import type { Loc } from '../model/types.js';

/**
 * Kubernetes objects that route a request to code of the repository: an Ingress backend → the
 * Service of that name → the Deployment/StatefulSet its selector picks → the container image →
 * the folder that image is built from (skaffold `artifacts`, or a Compose service with both
 * `image` and `build`). Read from plain manifests and Helm templates (template actions are blanked).
 */
export interface IngressRoute {
  file: string;
  /** Lines of the Ingress document, to find its policy. */
  lines: [number, number];
  namespace: string;
  host: string | undefined;
  path: string;
  service: string;
  port: number | string | undefined;
  loc: Loc;
  /** The Ingress's annotations (string values only) and its class (`ingressClassName`, or the `kubernetes.io/ingress.class` annotation). */
  annotations: Record<string, string>;
  className: string | undefined;
  /** A Traefik `IngressRoute` route (CRD): the middlewares it runs (in order) and its `match` rule. */
  traefik?: { middlewares: Array<{ name: string; namespace: string | undefined }>; match: string | undefined };
}

/** A Traefik `Middleware` CRD: its name, namespace, the kinds its spec holds (`headers`, `stripPrefix`, …) and its lines. */
export interface TraefikMiddlewareDoc {
  file: string;
  name: string;
  namespace: string;
  kinds: string[];
  lines: [number, number];
}

const TRAEFIK_CRD = /^traefik\.(io|containo\.us)\//;

export interface KubernetesFacts {
  routes: IngressRoute[];
  /** Traefik `Middleware` CRDs of the run (read only when an IngressRoute is). */
  middlewares: TraefikMiddlewareDoc[];
  /** Where each Service sends a port: the workloads it selects and the container port. */
  resolve(route: IngressRoute): Array<{ image: string; containerPort: number | undefined; via: Array<{ what: string; loc: Loc }>; service: { annotations: Record<string, string>; type: string | undefined }; file: string }>;
  /** The build folder of an image run from a manifest in `near` (skaffold.yaml's artifacts; the config nearest that manifest). */
  buildOf(image: string, near: string): { dir: string; loc: Loc } | undefined;
}


interface Service {
  name: string;
  namespace: string;
  selector: Record<string, string>;
  ports: Array<{ port: number; targetPort: number | string | undefined; name?: string }>;
  loc: Loc;
  annotations: Record<string, string>;
  type: string | undefined;
  file: string;
}

interface Workload {
  file: string;
  namespace: string;
  labels: Record<string, string>;
  containers: Array<{ image: string; ports: Array<{ containerPort: number; name?: string }>; loc: Loc }>;
}


/**
 * Only what the Ingresses of `ingressFiles` lead to is parsed: their documents first, then the
 * Service documents naming a backend, then the workload documents carrying a selected label, and
 * skaffold configs. A repository of thousands of manifests costs a text scan, not thousands of parses.
 */
export function kubernetesFacts(yamlFiles: Map<string, string>, ingressFiles: Set<string>): KubernetesFacts | undefined {
  const routes: IngressRoute[] = [];
  const services: Service[] = [];
  const workloads: Workload[] = [];
  const builds = new Map<string, Array<{ dir: string; loc: Loc; file: string }>>();
  const visit = (file: string, wanted: (chunk: string) => boolean, read: (value: Record<string, unknown>, doc: import('yaml').Document.Parsed, locOf: (range: [number, number, number] | null | undefined) => Loc) => void) => {
    const source = yamlFiles.get(file);
    if (source === undefined) return;
    const text = neutralizeTemplates(source);
    let lineStarts: number[] | undefined;
    for (const { start, end } of documentChunks(text)) {
      const chunk = text.slice(start, end);
      if (!wanted(chunk)) continue;
      lineStarts ??= lineStartsOf(text);
      const starts = lineStarts;
      const locOf = (range: [number, number, number] | null | undefined) => (range ? offsetsToLoc(file, starts, range[0] + start, range[1] + start) : offsetsToLoc(file, starts, start, start));
      // Bounded parse: a manifest nested past the limit is skipped (the extractors report it), never a stack overflow.
      const parsed = parseYamlDocument(chunk, { strict: false, logLevel: 'silent', uniqueKeys: false });
      if (!('doc' in parsed) || parsed.doc.errors.length > 0) continue;
      const doc = parsed.doc;
      let value: Record<string, unknown>;
      try {
        // Aliases are refused, not expanded: a manifest never needs one for these fields.
        value = doc.toJS({ maxAliasCount: 0 }) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (value && typeof value === 'object') read(value, doc, locOf);
    }
  };
  for (const file of ingressFiles) {
    visit(file, (chunk) => /^kind:\s*["']?Ingress\b/m.test(chunk), (value, doc, locOf) => {
      const meta = (value.metadata ?? {}) as { namespace?: string; annotations?: unknown };
      const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
      const spec = (value.spec ?? {}) as Record<string, unknown>;
      const annotations = stringValues(meta.annotations);
      const className = typeof spec.ingressClassName === 'string' ? spec.ingressClassName : annotations['kubernetes.io/ingress.class'];
      const range = (doc.contents as { range?: [number, number, number] } | null)?.range;
      const lines: [number, number] = range ? [locOf(range).line, locOf([range[1], range[1], range[1]]).line] : [1, 1];
      const rules = (spec.rules ?? []) as Array<{ host?: string; http?: { paths?: Array<{ path?: string; backend?: { service?: { name?: string; port?: { number?: number; name?: string } }; serviceName?: string; servicePort?: number | string } }> } }>;
      rules.forEach((rule, r) => {
        (rule.http?.paths ?? []).forEach((entry, p) => {
          const backend = entry.backend ?? {};
          const service = backend.service?.name ?? backend.serviceName;
          if (typeof service !== 'string' || service.includes('§')) return;
          const node = doc.getIn(['spec', 'rules', r, 'http', 'paths', p, 'backend'], true) as { range?: [number, number, number] } | undefined;
          routes.push({ file, lines, namespace, host: rule.host, path: entry.path ?? '/', service, port: backend.service?.port?.number ?? backend.service?.port?.name ?? backend.servicePort, loc: locOf(node?.range), annotations, className });
        });
      });
    });
  }
  for (const file of ingressFiles) {
    visit(file, (chunk) => /^kind:\s*["']?IngressRoute\b/m.test(chunk), (value, doc, locOf) => {
      if (value.kind !== 'IngressRoute' || typeof value.apiVersion !== 'string' || !TRAEFIK_CRD.test(value.apiVersion)) return;
      const meta = (value.metadata ?? {}) as { namespace?: string };
      const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
      const range = (doc.contents as { range?: [number, number, number] } | null)?.range;
      const lines: [number, number] = range ? [locOf(range).line, locOf([range[1], range[1], range[1]]).line] : [1, 1];
      const spec = (value.spec ?? {}) as { routes?: unknown };
      if (!Array.isArray(spec.routes)) return;
      spec.routes.forEach((route: unknown, r) => {
        if (!route || typeof route !== 'object') return;
        const { match, middlewares, services: targets } = route as { match?: unknown; middlewares?: unknown; services?: unknown };
        if (!Array.isArray(targets)) return;
        // A middleware list that cannot be read (a template, a non-list) stands as one unknown middleware.
        const refs = Array.isArray(middlewares)
          ? middlewares.map((ref: unknown) => {
              const { name, namespace: ns } = (ref ?? {}) as { name?: unknown; namespace?: unknown };
              return { name: typeof name === 'string' ? name : '@', namespace: typeof ns === 'string' ? ns : undefined };
            })
          : middlewares === undefined || middlewares === null
            ? []
            : [{ name: '@', namespace: undefined }];
        targets.forEach((target: unknown, t) => {
          const { name, port, namespace: ns, kind } = (target ?? {}) as { name?: unknown; port?: unknown; namespace?: unknown; kind?: unknown };
          // A TraefikService (weighted, mirroring) is not followed.
          if (typeof name !== 'string' || name.includes('§') || (kind !== undefined && kind !== 'Service')) return;
          const node = doc.getIn(['spec', 'routes', r, 'services', t], true) as { range?: [number, number, number] } | undefined;
          routes.push({
            file,
            lines,
            namespace: typeof ns === 'string' ? ns : namespace,
            host: undefined,
            path: '/',
            service: name,
            port: typeof port === 'number' || typeof port === 'string' ? port : undefined,
            loc: locOf(node?.range),
            annotations: Object.create(null) as Record<string, string>,
            className: 'traefik',
            traefik: { middlewares: refs.map((ref) => ({ name: ref.name, namespace: ref.namespace ?? namespace })), match: typeof match === 'string' ? match : undefined },
          });
        });
      });
    });
  }
  if (routes.length === 0) return undefined;
  const middlewareDocs: TraefikMiddlewareDoc[] = [];
  if (routes.some((route) => route.traefik)) {
    for (const [file, text] of yamlFiles) {
      if (!/^kind:\s*["']?Middleware\b/m.test(text)) continue;
      visit(file, (chunk) => /^kind:\s*["']?Middleware\b/m.test(chunk), (value, doc, locOf) => {
        if (value.kind !== 'Middleware' || typeof value.apiVersion !== 'string' || !TRAEFIK_CRD.test(value.apiVersion)) return;
        const meta = (value.metadata ?? {}) as { name?: unknown; namespace?: unknown };
        if (typeof meta.name !== 'string') return;
        const range = (doc.contents as { range?: [number, number, number] } | null)?.range;
        const lines: [number, number] = range ? [locOf(range).line, locOf([range[1], range[1], range[1]]).line] : [1, 1];
        const spec = value.spec && typeof value.spec === 'object' && !Array.isArray(value.spec) ? Object.keys(value.spec) : [];
        middlewareDocs.push({ file, name: meta.name, namespace: typeof meta.namespace === 'string' ? meta.namespace : 'default', kinds: spec.map((key) => key.toLowerCase()), lines });
      });
    }
  }
  const serviceNames = [...new Set(routes.map((route) => route.service))];
  const namesService = (chunk: string) => /^kind:\s*["']?Service\b/m.test(chunk) && serviceNames.some((name) => chunk.includes(name));
  for (const [file, text] of yamlFiles) {
    if (!text.includes('Service') || !serviceNames.some((name) => text.includes(name))) continue;
    visit(file, namesService, (value, doc, locOf) => {
      const meta = (value.metadata ?? {}) as { name?: string; namespace?: string; annotations?: unknown };
      if (typeof meta.name !== 'string') return;
      const spec = (value.spec ?? {}) as Record<string, unknown>;
      const ports = ((spec.ports ?? []) as Array<{ port?: number; targetPort?: number | string; name?: string }>).filter((port) => typeof port.port === 'number').map((port) => ({ port: port.port!, targetPort: port.targetPort ?? port.port, name: port.name }));
      const node = doc.getIn(['metadata', 'name'], true) as { range?: [number, number, number] } | undefined;
      services.push({ name: meta.name, namespace: typeof meta.namespace === 'string' ? meta.namespace : 'default', selector: (spec.selector ?? {}) as Record<string, string>, ports, loc: locOf(node?.range), annotations: stringValues(meta.annotations), type: typeof spec.type === 'string' ? spec.type : undefined, file });
    });
  }
  const labelValues = [...new Set(services.flatMap((service) => Object.values(service.selector).map(String)))];
  const isWorkload = (chunk: string) => /^kind:\s*["']?(Deployment|StatefulSet|DaemonSet)\b/m.test(chunk) && labelValues.some((value) => chunk.includes(value));
  for (const [file, text] of yamlFiles) {
    if (labelValues.length > 0 && /kind:\s*["']?(Deployment|StatefulSet|DaemonSet)\b/.test(text) && labelValues.some((value) => text.includes(value))) {
      visit(file, isWorkload, (value, doc, locOf) => {
        const meta = (value.metadata ?? {}) as { namespace?: string };
        const spec = (value.spec ?? {}) as Record<string, unknown>;
        const template = (spec.template ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Array<{ image?: string; ports?: Array<{ containerPort?: number; name?: string }> }> } };
        const containers = (template.spec?.containers ?? []).map((container, c) => {
          const node = doc.getIn(['spec', 'template', 'spec', 'containers', c, 'image'], true) as { range?: [number, number, number] } | undefined;
          return { image: typeof container.image === 'string' ? container.image : '', ports: (container.ports ?? []).filter((port) => typeof port.containerPort === 'number') as Array<{ containerPort: number; name?: string }>, loc: locOf(node?.range) };
        });
        workloads.push({ file, namespace: typeof meta.namespace === 'string' ? meta.namespace : 'default', labels: template.metadata?.labels ?? {}, containers: containers.filter((container) => container.image && !container.image.includes('§')) });
      });
    }
    if (/^apiVersion:\s*skaffold\//m.test(text)) {
      visit(file, (chunk) => /^apiVersion:\s*skaffold\//m.test(chunk), (value, doc, locOf) => {
        const artifacts = ((value.build as { artifacts?: unknown[] } | undefined)?.artifacts ?? []) as Array<{ image?: string; context?: string }>;
        artifacts.forEach((artifact, index) => {
          if (typeof artifact.image !== 'string') return;
          const dir = posix.normalize(posix.join(posix.dirname(file), artifact.context ?? '.')).replace(/\/$/, '');
          const node = doc.getIn(['build', 'artifacts', index, 'image'], true) as { range?: [number, number, number] } | undefined;
          const list = builds.get(artifact.image) ?? [];
          list.push({ dir: dir === '.' ? '' : dir, loc: locOf(node?.range), file });
          builds.set(artifact.image, list);
        });
      });
    }
  }
  if (routes.length === 0) return undefined;
  return {
    routes,
    middlewares: middlewareDocs,
    buildOf(image, near) {
      // The skaffold config nearest the manifest; two of them building the image from different folders: not decided.
      const found = nearest(builds.get(image) ?? builds.get(imageName(image)) ?? [], near);
      return found.length > 0 && found.every((build) => build.dir === found[0].dir) ? { dir: found[0].dir, loc: found[0].loc } : undefined;
    },
    resolve(route) {
      // The Service of that name nearest the Ingress (a tree may hold several projects' manifests); two equally near: not decided.
      const named = nearest(services.filter((candidate) => candidate.name === route.service && candidate.namespace === route.namespace), route.file);
      if (named.length !== 1) return [];
      const service = named[0];
      if (Object.keys(service.selector).length === 0) return [];
      const servicePort = service.ports.length === 1 && route.port === undefined ? service.ports[0] : service.ports.find((port) => port.port === route.port || (port.name !== undefined && port.name === route.port));
      if (!servicePort) return [];
      const selected = nearest(workloads.filter((workload) => workload.namespace === route.namespace && Object.entries(service.selector).every(([key, value]) => workload.labels[key] === value)), service.file);
      return selected.flatMap((workload) =>
        workload.containers.flatMap((container) => {
          const target = servicePort.targetPort;
          const containerPort = typeof target === 'number' ? target : container.ports.find((port) => port.name === target)?.containerPort;
          // A named port no container declares, or several containers without a matching port: not decided here.
          if (typeof target === 'string' && containerPort === undefined) return [];
          if (workload.containers.length > 1 && !container.ports.some((port) => port.containerPort === containerPort)) return [];
          return [{ image: container.image, containerPort, via: [{ what: `Service '${service.name}'`, loc: service.loc }, { what: `image ${container.image}`, loc: container.loc }], service: { annotations: service.annotations, type: service.type }, file: workload.file }];
        }),
      );
    },
  };
}

/** The candidates whose files share the longest folder prefix with `file`. */
export function nearest<T extends { file: string }>(candidates: T[], file: string): T[] {
  const depth = (other: string) => {
    const a = posix.dirname(file.replace(/\\/g, '/')).split('/');
    const b = posix.dirname(other.replace(/\\/g, '/')).split('/');
    let common = 0;
    while (common < a.length && common < b.length && a[common] === b[common]) common++;
    return common;
  };
  const depths = candidates.map((candidate) => depth(candidate.file));
  const best = Math.max(-1, ...depths);
  return candidates.filter((_, i) => depths[i] === best);
}

/** The string-valued entries of a metadata map (annotations, labels). */
function stringValues(map: unknown): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (map && typeof map === 'object' && !Array.isArray(map)) for (const [key, value] of Object.entries(map)) if (typeof value === 'string') out[key] = value;
  return out;
}

/** `registry.example.com/team/api:1.2` and `team/api` name the same build when the repository tags it without registry or tag. */
export function imageName(image: string): string {
  return image.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[\w.-]+$/, '');
}

/** Document chunks of a multi-document file (`---` at a line start), with their offsets. */
function documentChunks(text: string): Array<{ start: number; end: number }> {
  const chunks: Array<{ start: number; end: number }> = [];
  const marker = /^---[ \t]*$/gm;
  let start = 0;
  for (let match = marker.exec(text); match; match = marker.exec(text)) {
    chunks.push({ start, end: match.index });
    start = match.index + match[0].length;
  }
  chunks.push({ start, end: text.length });
  return chunks.filter((chunk) => chunk.end > chunk.start);
}
