import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rules } from '../rules/index.js';
import type { Rule } from '../src/engine/rule.js';
import { configSchema } from '../src/engine/config-schema.js';
import { FORMAT_LIST } from '../src/engine/formats.js';

/** Rule pages and the README rule table are generated from rule metadata; test/docs.test.ts fails when the files drift. */
const FORMAT_NAMES: Record<string, string> = Object.fromEntries(FORMAT_LIST.map((spec) => [spec.id, spec.displayName]));
const FENCE: Record<string, string> = Object.fromEntries(FORMAT_LIST.map((spec) => [spec.id, spec.fence]));
const SEVERITY_WORD: Record<string, string> = { error: 'error', warning: 'warn', info: 'info' };

export function renderRuleDoc(rule: Rule): string {
  const { meta } = rule;
  const formats = meta.formats.map((f) => FORMAT_NAMES[f]).join(', ');
  const lines = [
    `# ${meta.id}`,
    '',
    `> ${meta.description}`,
    '',
    `- Default severity: **${SEVERITY_WORD[meta.severity]}**`,
    `- Category: ${meta.category}`,
    `- Applies to: ${formats}`,
    `- Quick fix: ${meta.fixable ? 'yes, where the fix is certain' : 'no'}`,
    '',
    '<!-- generated from rules/' + meta.id + '.ts by `npm run docs`; edit the rule metadata, not this file -->',
    '',
    '## What it does',
    '',
    meta.docs.whatItDoes,
    '',
    '## Why is this bad?',
    '',
    meta.docs.why,
    '',
    '## Examples',
    '',
  ];
  for (const example of meta.docs.examples) {
    lines.push(`### ${FORMAT_NAMES[example.format]} (\`${example.filename}\`)`, '');
    for (const file of example.context ?? []) lines.push(`With \`${file.path.replace(/^example\//, '')}\`:`, '', '```', file.text.trimEnd(), '```', '');
    lines.push('Bad:', '', '```' + FENCE[example.format], example.bad.trimEnd(), '```', '', 'Good:', '', '```' + FENCE[example.format], example.good.trimEnd(), '```', '');
  }
  lines.push('## Options', '', meta.docs.options ?? `Only its level: \`--rule ${meta.id}:off|info|warn|error\`, or \`"rules": { "${meta.id}": "off" }\` in the config file.`, '');
  lines.push('## Known limitations', '', meta.docs.limitations ?? 'None known. Values cannot be known statically (environment variables, imports from outside the repository) are never judged.', '');
  lines.push('## References', '', ...meta.docs.references.map((ref) => `- <${ref}>`), '');
  return lines.join('\n');
}

export function renderRuleTable(): string {
  const rows = rules.map((rule) => `| [\`${rule.meta.id}\`](docs/rules/${rule.meta.id}.md) | ${SEVERITY_WORD[rule.meta.severity]} | ${rule.meta.formats.map((f) => FORMAT_NAMES[f]).join(', ')} | ${rule.meta.description.replace(/\|/g, '\\|')} |`);
  return ['| rule | default | formats | what it finds |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export const TABLE_START = '<!-- rules:start -->';
export const TABLE_END = '<!-- rules:end -->';

export function withRuleTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1) throw new Error('README.md lacks the rule table markers');
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderRuleTable()}\n${readme.slice(end)}`;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The pre-commit hook's `files` pattern, from the format registry: every extension cors-lint
 * reads (including `.conf`, settled by content), nginx.conf and its variants, nginx templates,
 * and any file in an nginx folder (extensionless site files). The CLI makes the final call on
 * content, so a HOCON `.conf` the pattern selects is skipped silently.
 */
export function preCommitFilesPattern(): string {
  const extensions = [...new Set(FORMAT_LIST.flatMap((spec) => [...spec.extensions, ...(spec.ambiguousExtensions ?? [])]).filter((ext) => ext !== ''))];
  const alternatives = [`\\.(${extensions.map((ext) => escapeRegex(ext.slice(1))).join('|')})$`];
  for (const spec of FORMAT_LIST) {
    // nginx.conf.default and friends are nginx too; vercel.json and netlify.toml are read under their exact name only.
    if (spec.fileNames?.length) alternatives.push(`(^|/)(${spec.fileNames.map(escapeRegex).join('|')})${spec.templateSuffixes?.length ? '(\\.[^/]*)?' : ''}$`);
    // Templates: `site.conf.j2`, `default.conf.template.j2`, `vhost.j2`, `ingress.yaml.j2` (the CLI judges what they render to, and the content).
    if (spec.templateSuffixes?.length) alternatives.push(`\\.(${spec.templateSuffixes.map((suffix) => escapeRegex(suffix.slice(1))).join('|')})$`);
    if (spec.folders?.length) alternatives.push(`(^|/)(${spec.folders.map(escapeRegex).join('|')})/`);
  }
  return `(${alternatives.join('|')})`;
}

export function renderPreCommitHooks(): string {
  return [
    '# Generated from src/engine/formats.ts by `npm run docs`; test/pre-commit.test.ts fails when it drifts.',
    '- id: cors-lint',
    '  name: cors-lint',
    '  description: Find CORS misconfigurations in nginx configs, JS/TS and Python apps, gateway YAML, vercel.json and netlify.toml.',
    '  entry: cors-lint',
    '  language: node',
    "  # Only the files cors-lint may read; it skips vendored, generated and non-nginx `.conf` files itself.",
    `  files: ${JSON.stringify(preCommitFilesPattern())}`,
    '  types: [text]',
    '  require_serial: false',
    "  minimum_pre_commit_version: '2.9.0'",
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = join(import.meta.dirname, '..', '..');
  mkdirSync(join(root, 'docs', 'rules'), { recursive: true });
  for (const rule of rules) writeFileSync(join(root, 'docs', 'rules', `${rule.meta.id}.md`), renderRuleDoc(rule));
  const readmePath = join(root, 'README.md');
  writeFileSync(readmePath, withRuleTable(readFileSync(readmePath, 'utf8')));
  writeFileSync(join(root, 'schemas', 'cors-lint.config.schema.json'), `${JSON.stringify(configSchema(), null, 2)}\n`);
  writeFileSync(join(root, '.pre-commit-hooks.yaml'), renderPreCommitHooks());
  console.log(`wrote ${rules.length} rule pages, the README rule table, the config schema and .pre-commit-hooks.yaml`);
}
