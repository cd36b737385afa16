import { posix } from 'node:path';
import type { Node as YamlNode } from 'yaml';
import { ingressPolicies, valuesIngressPolicies } from '../extract/yaml/ingress.js';
import { entries, get, parseYaml, valueOf, yaml } from '../extract/yaml/parse.js';
import type { CorsPolicy } from '../model/types.js';
import type { TopologyFiles } from './link.js';

const CORS_ANNOTATION = /^nginx\.ingress\.kubernetes\.io\/(enable-cors|cors-[a-z-]+|configuration-snippet|server-snippet)$/;
/** `values.yaml`, and `values-prod.yaml` / `values.prod.yaml`: one deployment each. */
const VALUES_FILE = /(^|\/)values([.-][\w.-]+)?\.ya?ml$/;

/**
 * Helm charts whose Ingress template takes its annotations from the values (the layout `helm
 * create` writes: `{{- with .Values.ingress.annotations }} annotations: {{- toYaml . | nindent 4 }}`).
 * The ingress-nginx CORS policy then lives in values.yaml, and each `values-<env>.yaml` is a
 * deployment of its own. The policy is read at the values' lines. Left out: a template that adds
 * CORS annotations of its own next to the values' (the answer spans both), an override file that
 * changes only some of the base file's CORS keys (Helm merges the maps), and an Ingress switched
 * off by the `enabled` flag the template tests.
 */
export function helmValuesPolicies(files: TopologyFiles): CorsPolicy[] {
  const out: CorsPolicy[] = [];
  const valuesFiles = [...files.yaml.keys()].filter((file) => VALUES_FILE.test(file) && /nginx\.ingress\.kubernetes\.io\/(enable-cors|cors-)/.test(files.yaml.get(file)!));
  if (valuesFiles.length === 0) return out;
  const read = (path: string) => files.texts.get(path) ?? files.read?.(path);
  const byChart = new Map<string, string[]>();
  for (const file of valuesFiles) {
    const chart = posix.dirname(file);
    byChart.set(chart, [...(byChart.get(chart) ?? []), file]);
  }
  for (const [chart, list] of byChart) {
    const prefix = chart === '.' ? '' : `${chart}/`;
    // A chart: Chart.yaml beside the values. The templates are read from the run, or from the repository.
    // Values without their chart are read where `helm create`'s Ingress template takes its annotations.
    if (read(`${prefix}Chart.yaml`) === undefined) {
      for (const file of list) {
        const parsed = parseYaml({ path: file, text: files.yaml.get(file)! });
        const root = parsed.documents[0]?.doc.contents as YamlNode | null | undefined;
        if (root && parsed.documents.length === 1) out.push(...valuesIngressPolicies(parsed, root).policies);
      }
      continue;
    }
    const templates = [...files.texts.keys()].filter((path) => path.startsWith(`${prefix}templates/`) && /\.(ya?ml|tpl)$/.test(path));
    for (const name of ['templates/ingress.yaml', 'templates/ingress.yml']) if (!templates.includes(prefix + name) && read(prefix + name) !== undefined) templates.push(prefix + name);
    // Each values path one Ingress template renders (a chart may have several Ingresses); a path two templates share with different switches is not read.
    const byPath = new Map<string, Array<ReturnType<typeof annotationSources>[number]>>();
    for (const use of templates.flatMap((path) => annotationSources(read(path) ?? ''))) byPath.set(use.path.join('.'), [...(byPath.get(use.path.join('.')) ?? []), use]);
    for (const uses of byPath.values()) {
      if (new Set(uses.map((use) => use.enabledFlag?.join('.') ?? '')).size !== 1) continue;
      out.push(...valuesPolicies(uses[0], list, prefix, files, read));
    }
  }
  return out;
}

function valuesPolicies(use: { path: string[]; enabledFlag?: string[] }, list: string[], prefix: string, files: TopologyFiles, read: (path: string) => string | undefined): CorsPolicy[] {
  const out: CorsPolicy[] = [];
  const base = list.find((file) => /(^|\/)values\.ya?ml$/.test(file)) ?? (read(`${prefix}values.yaml`) !== undefined ? `${prefix}values.yaml` : undefined);
  const baseKeys = base ? corsKeys(base, read(base), use.path) : new Set<string>();
  for (const file of list) {
    const text = files.yaml.get(file)!;
    const parsed = parseYaml({ path: file, text });
    const root = parsed.documents[0]?.doc.contents as YamlNode | null | undefined;
    if (!root || parsed.documents.length !== 1) continue;
    if (use.enabledFlag) {
      const enabled = valueOf(get(root, ...use.enabledFlag));
      const baseEnabled = base && base !== file ? valueOf(get(parsedRoot(base, read(base)), ...use.enabledFlag)) : undefined;
      const flag = enabled.kind === 'bool' ? enabled.value : baseEnabled?.kind === 'bool' ? baseEnabled.value : undefined;
      if (flag !== true) continue;
    }
    const annotations = get(root, ...use.path);
    const own = new Set(entries(annotations).map((entry) => entry.key).filter((key) => CORS_ANNOTATION.test(key)));
    if (own.size === 0) continue;
    // An override that leaves some of the base's CORS keys in place answers with both files: not read.
    if (file !== base && [...baseKeys].some((key) => !own.has(key))) continue;
    const { YAMLMap, Pair, Scalar } = yaml();
    const metadata = new YAMLMap<unknown, unknown>();
    metadata.items.push(new Pair(new Scalar('annotations'), annotations), new Pair(new Scalar('name'), new Scalar(`(Helm values ${use.path.join('.')} in ${posix.basename(file)})`)));
    const document = new YAMLMap<unknown, unknown>();
    document.items.push(new Pair(new Scalar('metadata'), metadata));
    const result = ingressPolicies(parsed, document as unknown as YamlNode);
    out.push(...result.policies);
  }
  return out;
}

function parsedRoot(file: string, text: string | undefined): YamlNode | null | undefined {
  if (text === undefined) return undefined;
  return parseYaml({ path: file, text }).documents[0]?.doc.contents as YamlNode | null | undefined;
}

function corsKeys(file: string, text: string | undefined, path: string[]): Set<string> {
  return new Set(entries(get(parsedRoot(file, text), ...path)).map((entry) => entry.key).filter((key) => CORS_ANNOTATION.test(key)));
}

/**
 * Where an Ingress template's annotations come from: `.Values.<path>` rendered whole with `toYaml`
 * under `annotations:`. The template's own literal CORS annotations would join them: not read.
 */
export function annotationSources(template: string): Array<{ path: string[]; enabledFlag?: string[] }> {
  if (!/^kind:\s*Ingress\b/m.test(template) || template.length > 200_000) return [];
  if (/nginx\.ingress\.kubernetes\.io\/(enable-cors|cors-|configuration-snippet|server-snippet)/.test(template)) return [];
  const found: string[] = [];
  // `{{- with .Values.ingress.annotations }}` … `annotations:` … `{{- toYaml . | nindent 4 }}`
  for (const match of template.matchAll(/\{\{-?\s*with\s+\.Values\.([A-Za-z_][\w.]{0,100})\s*-?\}\}[ \t]*\r?\n[ \t]*annotations:[ \t]*(?:\r?\n[ \t]*)?\{\{-?\s*toYaml\s+\.\s*\|\s*n?indent\s+\d+\s*-?\}\}/g)) found.push(match[1]);
  // `annotations:` then `{{- toYaml .Values.ingress.annotations | nindent 4 }}`
  for (const match of template.matchAll(/annotations:[ \t]*(?:\r?\n[ \t]*)?\{\{-?\s*toYaml\s+\.Values\.([A-Za-z_][\w.]{0,100})\s*\|\s*n?indent\s+\d+\s*-?\}\}/g)) found.push(match[1]);
  const unique = [...new Set(found)];
  // One Ingress document per template; two sources of annotations would merge.
  if (unique.length !== 1 || (template.match(/^kind:\s*Ingress\b/gm)?.length ?? 0) !== 1) return [];
  const path = unique[0].split('.');
  // A template wrapped in a condition renders only when it holds: `if .Values.ingress.enabled` is read, any other condition is unknown.
  const condition = /^\s*\{\{-?\s*if\s+([^}]{0,200})\}\}/.exec(template)?.[1];
  if (condition === undefined) return [{ path }];
  const enabled = /^\.Values\.([A-Za-z_][\w.]{0,100})\s*-?$/.exec(condition.trim())?.[1];
  return enabled ? [{ path, enabledFlag: enabled.split('.') }] : [];
}
