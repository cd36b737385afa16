import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rules } from '../rules/index.js';
import type { Rule } from '../src/engine/rule.js';
import { configSchema } from '../src/engine/config-schema.js';

/** Rule pages and the README rule table are generated from rule metadata; test/docs.test.ts fails when the files drift. */
const FORMAT_NAMES: Record<string, string> = { nginx: 'nginx', js: 'JavaScript', ts: 'TypeScript', python: 'Python', yaml: 'YAML' };
const FENCE: Record<string, string> = { nginx: 'nginx', js: 'js', ts: 'ts', python: 'python', yaml: 'yaml' };
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = join(import.meta.dirname, '..', '..');
  mkdirSync(join(root, 'docs', 'rules'), { recursive: true });
  for (const rule of rules) writeFileSync(join(root, 'docs', 'rules', `${rule.meta.id}.md`), renderRuleDoc(rule));
  const readmePath = join(root, 'README.md');
  writeFileSync(readmePath, withRuleTable(readFileSync(readmePath, 'utf8')));
  writeFileSync(join(root, 'schemas', 'cors-lint.config.schema.json'), `${JSON.stringify(configSchema(), null, 2)}\n`);
  console.log(`wrote ${rules.length} rule pages, the README rule table and the config schema`);
}
