import type { Log, ReportingDescriptor, Result } from 'sarif';
import { rules } from '../../rules/index.js';
import type { Diagnostic } from '../model/types.js';
import { clip } from './sanitize.js';

export const DOCS_BASE = 'https://github.com/cors-lint/cors-lint/blob/main/docs/rules/';
const LEVEL: Record<Diagnostic['severity'], Result.level> = { error: 'error', warning: 'warning', info: 'note' };

/** Descriptors are the same on every call (rule metadata is static): built once per rule id, not once per SARIF log (the fuzzer writes one per input). */
const descriptors = new Map<string, ReportingDescriptor>();

function ruleDescriptor(id: string): ReportingDescriptor {
  let descriptor = descriptors.get(id);
  if (!descriptor) {
    descriptor = buildDescriptor(id);
    // Unknown ids (internal-error, parse-error) are cheap and unbounded in principle: only rules are kept.
    if (rules.some((r) => r.meta.id === id)) descriptors.set(id, descriptor);
  }
  return descriptor;
}

function buildDescriptor(id: string): ReportingDescriptor {
  const rule = rules.find((r) => r.meta.id === id);
  if (!rule) return { id, shortDescription: { text: id } };
  const { meta } = rule;
  return {
    id,
    name: id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
    shortDescription: { text: meta.description.replace(/`/g, '') },
    fullDescription: { text: meta.docs.whatItDoes.replace(/`/g, '') },
    helpUri: `${DOCS_BASE}${id}.md`,
    help: { text: meta.docs.why.replace(/`/g, ''), markdown: `${meta.docs.why}\n\n[Rule documentation](${DOCS_BASE}${id}.md)` },
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: { tags: [meta.category, 'cors'], precision: 'high' },
  };
}

/**
 * A relative URI reference for a path: each segment percent-encoded, so `#`, `?`, `%`, `:` and
 * spaces in a file name stay part of the path (encodeURI would leave `#` and `?` to start a fragment
 * or a query, and `a:b.conf` would read as a scheme).
 */
export function fileUri(path: string): string {
  return path.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

/** SARIF 2.1.0 for GitHub code scanning; built by hand from @types/sarif (node-sarif-builder 5 needs Node 22). */
export function formatSarif(diagnostics: Diagnostic[], version: string): string {
  const ids = [...new Set([...rules.map((r) => r.meta.id), ...diagnostics.map((d) => d.ruleId)])];
  const index = new Map(ids.map((id, i) => [id, i]));
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'cors-lint', version, semanticVersion: version, informationUri: 'https://github.com/cors-lint/cors-lint', rules: ids.map(ruleDescriptor) } },
        columnKind: 'utf16CodeUnits',
        results: diagnostics.map((d) => ({
          ruleId: d.ruleId,
          ruleIndex: index.get(d.ruleId)!,
          level: LEVEL[d.severity],
          message: { text: clip(d.message) },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: fileUri(d.file), uriBaseId: '%SRCROOT%' },
                region: { startLine: d.line, startColumn: d.column, endLine: d.endLine, endColumn: d.endColumn },
              },
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
