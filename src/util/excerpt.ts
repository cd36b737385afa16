/**
 * Scanned text inside a message: at most `max` characters of it, an ellipsis marking the cut (a
 * 50 MB token must not become a 50 MB message). Messages quote scanned values through this.
 */
export function excerpt(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
