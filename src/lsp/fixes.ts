import type { CodeAction, Diagnostic as LspDiagnostic } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Config } from '../engine/config.js';
import { detectFile } from '../engine/detect.js';
import { FORMAT_SPECS } from '../engine/formats.js';
import { lint } from '../engine/lint.js';
import type { Diagnostic } from '../model/types.js';

/**
 * Quick fixes: the core's certain fixes (the same ones `cors-lint --fix` applies, see
 * src/engine/fix.ts), and a suppression comment for any rule.
 */

function lineText(document: TextDocument, line: number): string {
  return document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
}

/**
 * `core`: the findings of the lint that produced `diagnostics` (with their fixes), when it ran on
 * this version of the document; otherwise the document is linted again here.
 */
export function codeActions(document: TextDocument, path: string, diagnostics: LspDiagnostic[], core?: Diagnostic[], config?: Config): CodeAction[] {
  const kind = detectFile({ path, text: document.getText() });
  const format = 'format' in kind ? kind.format : undefined;
  const findings = core ?? lint([{ path, text: document.getText() }], { config }).diagnostics;
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== 'cors-lint' || typeof diagnostic.code !== 'string') continue;
    const ruleId = diagnostic.code;
    const { start, end } = diagnostic.range;
    const finding = findings.find(
      (d) => d.file === path && d.ruleId === ruleId && d.line === start.line + 1 && d.column === start.character + 1 && d.endLine === end.line + 1 && d.endColumn === end.character + 1,
    );
    if (finding?.fix) {
      const { range, text, title } = finding.fix;
      actions.push({
        title: title ?? `Fix ${ruleId}`,
        kind: 'quickfix',
        diagnostics: [diagnostic],
        isPreferred: true,
        edit: { changes: { [document.uri]: [{ range: { start: document.positionAt(range[0]), end: document.positionAt(range[1]) }, newText: text }] } },
      });
    }
    const comment = format ? FORMAT_SPECS[format].comments.line[0] : undefined;
    if (comment && ruleId !== 'parse-error' && ruleId !== 'unused-suppression') {
      const target = start.line;
      const indent = /^\s*/.exec(lineText(document, target))![0];
      const at = { line: target, character: 0 };
      actions.push({
        title: `Suppress ${ruleId} on this line`,
        kind: 'quickfix',
        diagnostics: [diagnostic],
        isPreferred: false,
        edit: { changes: { [document.uri]: [{ range: { start: at, end: at }, newText: `${indent}${comment} cors-lint-disable-next-line ${ruleId} -- reason\n` }] } },
      });
    }
  }
  return actions;
}
