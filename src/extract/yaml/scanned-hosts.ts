import type { Loc } from '../../model/types.js';
import { splitLines } from '../offsets.js';

/**
 * Hosts an Ingress's `host:` lines and a Contour HTTPProxy's `fqdn:` name, read from the text
 * alone, like nginx's server_name: for a manifest (or one document of a multi-document file) with
 * no CORS token, which is never parsed. `firstLine` is the line the text starts on in its file.
 * No YAML parser is loaded for this (the CLI calls it for every YAML file).
 */
export function scannedHosts(path: string, text: string, firstLine = 1): Array<{ host: string; how: string; loc: Loc }> {
  const out: Array<{ host: string; how: string; loc: Loc }> = [];
  const ingress = /^kind:[ \t]*Ingress[ \t]*\r?$/m.test(text);
  const httpProxy = /^kind:[ \t]*HTTPProxy[ \t]*\r?$/m.test(text);
  if (!ingress && !httpProxy) return out;
  splitLines(text).forEach((line, index) => {
    // Unambiguous character classes: no backtracking on a long line of blanks.
    const match = /^([ \t]*(?:-[ \t]*)?(host|fqdn):[ \t]*["']?)([a-z0-9.-]+)["']?[ \t]*$/i.exec(line);
    const key = match?.[2].toLowerCase();
    if (!match || (key === 'host' ? !ingress : !httpProxy)) return;
    const column = match[1].length + 1;
    const lineNumber = firstLine + index;
    out.push({ host: match[3].toLowerCase(), how: key === 'host' ? 'Ingress host' : 'HTTPProxy fqdn', loc: { file: path, line: lineNumber, column, endLine: lineNumber, endColumn: column + match[3].length } });
  });
  return out;
}
