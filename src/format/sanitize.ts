/**
 * Scanned strings (file names, quoted values in messages) reach terminals, CI logs and GitHub's
 * workflow-command parser. A pull request from a fork controls them, so before they are printed:
 * - terminal control sequences cannot run: ESC and the other C0/C1 controls, DEL, bidi
 *   overrides and isolates (which reorder what a reviewer sees, "Trojan Source"), and the Unicode
 *   line/paragraph separators are shown as visible escapes (`\x1b`, `\u202e`);
 * - nothing can start a workflow command: newlines are shown as `\n` (so no scanned text begins a
 *   line) and `::` is shown as `:\:` (so no scanned text holds a command marker either);
 * - one message cannot flood the output: it is cut at MAX_MESSAGE characters.
 */
export const MAX_MESSAGE = 1000;

// C0 controls, DEL, C1 controls, bidi marks/embeddings/overrides/isolates, ALM, LS/PS, BOM/ZWNBSP.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/g;
// The same without \n and \r, for outputs that escape line breaks themselves (workflow-command data).
// eslint-disable-next-line no-control-regex
const UNSAFE_KEEP_NEWLINES = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/g;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\x1b' };

function visible(char: string): string {
  if (NAMED[char]) return NAMED[char];
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** For one-line human output (stylish, notes on stderr, the job summary). */
export function safeText(text: string): string {
  return clip(text).replace(UNSAFE, visible).replace(/::/g, ':\\:');
}

/** For workflow-command data and properties: line breaks are left for the command escaping (%0A). */
export function safeCommandText(text: string): string {
  return clip(text).replace(UNSAFE_KEEP_NEWLINES, visible).replace(/::/g, ':\\:');
}

/** Machine-readable outputs (JSON, SARIF) escape characters themselves; they only get the length cap. */
export function clip(text: string, max = MAX_MESSAGE): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length - max} more characters)` : text;
}
