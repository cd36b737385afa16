/**
 * Scanned strings (file names, quoted values in messages) reach terminals, CI logs and GitHub's
 * workflow-command parser. A pull request from a fork controls them, so before they are printed:
 * - terminal control sequences cannot run: ESC and the other C0/C1 controls, DEL, bidi
 *   overrides and isolates (which reorder what a reviewer sees, "Trojan Source"), and the Unicode
 *   line/paragraph separators are shown as visible escapes (`\x1b`, `\u202e`);
 * - nothing can start a workflow command: newlines are shown as `\n` (so no scanned text begins a
 *   line) and `::` is shown as `:\:` (so no scanned text holds a command marker either);
 * - one message cannot flood the output: a quoted run is cut at MAX_QUOTED characters, the whole
 *   message at MAX_MESSAGE.
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

/**
 * A multi-line terminal report (explain, simulate): its own line breaks kept, every other unsafe
 * character made visible (no workflow-command concern: these commands are not run by the Action).
 */
export function safeMultiline(text: string): string {
  return text.replace(/\r(?!\n)/g, '\\r').replace(UNSAFE_KEEP_NEWLINES, visible);
}

/** The longest unbroken run of a scanned value a message shows (an origin, a regex, a directive name). */
export const MAX_QUOTED = 200;

/**
 * Machine-readable outputs (JSON, SARIF) escape characters themselves; they only get the length
 * caps: any unbroken run longer than MAX_QUOTED (a 60 KB regex, a 50 MB line) is cut there, and the
 * whole message at MAX_MESSAGE.
 */
export function clip(text: string, max = MAX_MESSAGE): string {
  if (text.length <= MAX_QUOTED) return text;
  const short = text.replace(/\S{201,}/g, (run) => `${run.slice(0, MAX_QUOTED)}…`);
  return short.length > max ? `${short.slice(0, max)}… (${short.length - max} more characters)` : short;
}
