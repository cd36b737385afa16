import type { CodeAction, Diagnostic as LspDiagnostic, TextEdit } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { detectFormat } from '../engine/detect.js';
import { analyzeOrigin } from '../model/origin.js';

/**
 * Quick fixes, offered only where the fix is certain: `always` on an nginx `add_header`, a
 * `Vary: Origin` line after an nginx `add_header Access-Control-Allow-Origin`, an origin whose only
 * problem is a trailing slash, and a suppression comment for any rule.
 */
const COMMENT: Record<string, string> = { nginx: '#', python: '#', yaml: '#', js: '//', ts: '//' };

function lineText(document: TextDocument, line: number): string {
  return document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/\r?\n$/, '');
}

export function codeActions(document: TextDocument, path: string, diagnostics: LspDiagnostic[]): CodeAction[] {
  const kind = detectFormat(path);
  const format = 'format' in kind ? kind.format : undefined;
  const actions: CodeAction[] = [];
  for (const diagnostic of diagnostics) {
    if (diagnostic.source !== 'cors-lint' || typeof diagnostic.code !== 'string') continue;
    const ruleId = diagnostic.code;
    const fix = (title: string, edits: TextEdit[], preferred = true) =>
      actions.push({ title, kind: 'quickfix', diagnostics: [diagnostic], isPreferred: preferred, edit: { changes: { [document.uri]: edits } } });
    const text = document.getText(diagnostic.range);
    const line = lineText(document, diagnostic.range.end.line);

    if (ruleId === 'nginx-missing-always' && format === 'nginx' && /^add_header\b/.test(text)) {
      const semicolon = line.indexOf(';', diagnostic.range.end.character);
      if (semicolon !== -1 && !/\balways\s*$/.test(line.slice(0, semicolon))) fix("Add 'always' to this add_header", [{ range: { start: { line: diagnostic.range.end.line, character: semicolon }, end: { line: diagnostic.range.end.line, character: semicolon } }, newText: ' always' }]);
    }
    // The finding sits on the directive or on its value: the line is what matters.
    if (ruleId === 'missing-vary-origin' && format === 'nginx' && /^\s*add_header\s+Access-Control-Allow-Origin\b.*;\s*$/i.test(line) && diagnostic.range.start.line === diagnostic.range.end.line) {
      const indent = /^\s*/.exec(line)![0];
      const always = /\balways\s*;?\s*$/.test(line) ? ' always' : '';
      const at = { line: diagnostic.range.end.line + 1, character: 0 };
      fix("Add 'add_header Vary Origin' after this header", [{ range: { start: at, end: at }, newText: `${indent}add_header Vary Origin${always};\n` }]);
    }
    if (ruleId === 'origin-not-serialized') {
      const match = /[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s'"`,;]+/.exec(text);
      const analysis = match ? analyzeOrigin(match[0]) : undefined;
      if (match && analysis?.serialized && analysis.problems.length === 1 && analysis.problems[0] === 'trailing-slash') {
        const start = document.offsetAt(diagnostic.range.start) + match.index;
        fix(`Use '${analysis.serialized}'`, [{ range: { start: document.positionAt(start), end: document.positionAt(start + match[0].length) }, newText: analysis.serialized }]);
      }
    }
    if (format && COMMENT[format] && ruleId !== 'parse-error' && ruleId !== 'unused-suppression') {
      const target = diagnostic.range.start.line;
      const indent = /^\s*/.exec(lineText(document, target))![0];
      const at = { line: target, character: 0 };
      fix(`Suppress ${ruleId} on this line`, [{ range: { start: at, end: at }, newText: `${indent}${COMMENT[format]} cors-lint-disable-next-line ${ruleId} -- reason\n` }], false);
    }
  }
  return actions;
}
