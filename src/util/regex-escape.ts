/** `text` as a regex source that matches it literally (JavaScript and RE2 syntax; `/` escaped so the source also reads as a regex literal). */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}
