import { createRequire } from 'node:module';
import { posix } from 'node:path';
import { neutralizeTemplates } from '../extract/yaml/parse.js';
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
}

export interface KubernetesFacts {
  routes: IngressRoute[];
  /** Where each Service sends a port: the workloads it selects and the container port. */
  resolve(route: IngressRoute): Array<{ image: string; containerPort: number | undefined; via: Array<{ what: string; loc: Loc }> }>;
  /** Build folders of images, from skaffold.yaml. */
  builds: Map<string, { dir: string; loc: Loc }>;
}

type YamlModule = typeof import('yaml');
let yamlModule: YamlModule | undefined;

interface Service {
  name: string;
  namespace: string;
  selector: Record<string, string>;
  ports: Array<{ port: number; targetPort: number | string | undefined; name?: string }>;
  loc: Loc;
}

interface Workload {
  namespace: string;
  labels: Record<string, string>;
  containers: Array<{ image: string; ports: Array<{ containerPort: number; name?: string }>; loc: Loc }>;
}

const KINDS = /^kind:\s*["']?(Ingress|Service|Deployment|StatefulSet|DaemonSet)\b|^apiVersion:\s*skaffold\//m;

export function kubernetesFacts(yamlFiles: Map<string, string>): KubernetesFacts | undefined {
  const routes: IngressRoute[] = [];
  const services: Service[] = [];
  const workloads: Workload[] = [];
  const builds = new Map<string, { dir: string; loc: Loc }>();
  for (const [file, source] of yamlFiles) {
    if (!KINDS.test(source)) continue;
    yamlModule ??= createRequire(import.meta.url)('yaml') as YamlModule;
    const text = neutralizeTemplates(source);
    const lineStarts = lineStartsOf(text);
    const locOf = (range: [number, number, number] | null | undefined) => (range ? offsetsToLoc(file, lineStarts, range[0], range[1]) : offsetsToLoc(file, lineStarts, 0, 0));
    for (const doc of yamlModule.parseAllDocuments(text, { strict: false, logLevel: 'silent', uniqueKeys: false }) as Array<import('yaml').Document.Parsed>) {
      if (!('contents' in doc) || doc.errors.length > 0) continue;
      let value: Record<string, unknown>;
      try {
        // Aliases are refused, not expanded: a manifest never needs one for these fields.
        value = doc.toJS({ maxAliasCount: 0 }) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (!value || typeof value !== 'object') continue;
      const kind = value.kind;
      const meta = (value.metadata ?? {}) as { name?: string; namespace?: string; labels?: Record<string, string> };
      const namespace = typeof meta.namespace === 'string' ? meta.namespace : 'default';
      const spec = (value.spec ?? {}) as Record<string, unknown>;
      if (typeof value.apiVersion === 'string' && value.apiVersion.startsWith('skaffold/')) {
        const artifacts = ((value.build as { artifacts?: unknown[] } | undefined)?.artifacts ?? []) as Array<{ image?: string; context?: string }>;
        artifacts.forEach((artifact, index) => {
          if (typeof artifact.image !== 'string') return;
          const dir = posix.normalize(posix.join(posix.dirname(file), artifact.context ?? '.')).replace(/\/$/, '');
          const node = doc.getIn(['build', 'artifacts', index, 'image'], true) as { range?: [number, number, number] } | undefined;
          builds.set(artifact.image, { dir: dir === '.' ? '' : dir, loc: locOf(node?.range) });
        });
        continue;
      }
      if (kind === 'Ingress') {
        const range = (doc.contents as { range?: [number, number, number] } | null)?.range;
        const lines: [number, number] = range ? [locOf(range).line, locOf([range[1], range[1], range[1]]).line] : [1, 1];
        const rules = (spec.rules ?? []) as Array<{ host?: string; http?: { paths?: Array<{ path?: string; backend?: { service?: { name?: string; port?: { number?: number; name?: string } }; serviceName?: string; servicePort?: number | string } }> } }>;
        rules.forEach((rule, r) => {
          (rule.http?.paths ?? []).forEach((entry, p) => {
            const backend = entry.backend ?? {};
            const service = backend.service?.name ?? backend.serviceName;
            if (typeof service !== 'string' || service.includes('§')) return;
            const node = doc.getIn(['spec', 'rules', r, 'http', 'paths', p, 'backend'], true) as { range?: [number, number, number] } | undefined;
            routes.push({ file, lines, namespace, host: rule.host, path: entry.path ?? '/', service, port: backend.service?.port?.number ?? backend.service?.port?.name ?? backend.servicePort, loc: locOf(node?.range) });
          });
        });
      } else if (kind === 'Service' && typeof meta.name === 'string') {
        const ports = ((spec.ports ?? []) as Array<{ port?: number; targetPort?: number | string; name?: string }>).filter((port) => typeof port.port === 'number').map((port) => ({ port: port.port!, targetPort: port.targetPort ?? port.port, name: port.name }));
        const node = doc.getIn(['metadata', 'name'], true) as { range?: [number, number, number] } | undefined;
        services.push({ name: meta.name, namespace, selector: (spec.selector ?? {}) as Record<string, string>, ports, loc: locOf(node?.range) });
      } else if (kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet') {
        const template = (spec.template ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: { containers?: Array<{ image?: string; ports?: Array<{ containerPort?: number; name?: string }> }> } };
        const containers = (template.spec?.containers ?? []).map((container, c) => {
          const node = doc.getIn(['spec', 'template', 'spec', 'containers', c, 'image'], true) as { range?: [number, number, number] } | undefined;
          return { image: typeof container.image === 'string' ? container.image : '', ports: (container.ports ?? []).filter((port) => typeof port.containerPort === 'number') as Array<{ containerPort: number; name?: string }>, loc: locOf(node?.range) };
        });
        workloads.push({ namespace, labels: template.metadata?.labels ?? {}, containers: containers.filter((container) => container.image && !container.image.includes('§')) });
      }
    }
  }
  if (routes.length === 0) return undefined;
  return {
    routes,
    builds,
    resolve(route) {
      const service = services.find((candidate) => candidate.name === route.service && candidate.namespace === route.namespace);
      if (!service || Object.keys(service.selector).length === 0) return [];
      const servicePort = service.ports.length === 1 && route.port === undefined ? service.ports[0] : service.ports.find((port) => port.port === route.port || (port.name !== undefined && port.name === route.port));
      if (!servicePort) return [];
      const selected = workloads.filter((workload) => workload.namespace === route.namespace && Object.entries(service.selector).every(([key, value]) => workload.labels[key] === value));
      return selected.flatMap((workload) =>
        workload.containers.flatMap((container) => {
          const target = servicePort.targetPort;
          const containerPort = typeof target === 'number' ? target : container.ports.find((port) => port.name === target)?.containerPort;
          // A named port no container declares, or several containers without a matching port: not decided here.
          if (typeof target === 'string' && containerPort === undefined) return [];
          if (workload.containers.length > 1 && !container.ports.some((port) => port.containerPort === containerPort)) return [];
          return [{ image: container.image, containerPort, via: [{ what: `Service '${service.name}'`, loc: service.loc }, { what: `image ${container.image}`, loc: container.loc }] }];
        }),
      );
    },
  };
}

/** `registry.example.com/team/api:1.2` and `team/api` name the same build when the repository tags it without registry or tag. */
export function imageName(image: string): string {
  return image.replace(/@sha256:[0-9a-f]+$/, '').replace(/:[\w.-]+$/, '');
}
