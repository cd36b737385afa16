/**
 * A unified diff (`diff -u` style, 3 lines of context) between two versions of a file. Fixes change
 * a few lines, so the changed region is found by trimming the common lines at both ends of each
 * window between unchanged anchors rather than by a general LCS.
 */
export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  // A final newline ends the last line rather than starting an empty one.
  const strip = (text: string) => (before.endsWith('\n') && after.endsWith('\n') ? text.slice(0, -1) : text);
  const a = strip(before).split('\n');
  const b = strip(after).split('\n');
  // Changed blocks: walk both files, matching equal lines greedily with a small look-ahead.
  const blocks: Array<{ a0: number; a1: number; b0: number; b1: number }> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    // Find the nearest resynchronisation point (i2, j2) with a[i2] === b[j2], smallest i2 + j2.
    let found: [number, number] | undefined;
    for (let distance = 1; distance <= 400 && !found; distance++) {
      for (let di = 0; di <= distance; di++) {
        const i2 = i + di;
        const j2 = j + distance - di;
        if (i2 <= a.length && j2 <= b.length && (i2 === a.length && j2 === b.length ? true : i2 < a.length && j2 < b.length && a[i2] === b[j2])) {
          found = [i2, j2];
          break;
        }
      }
    }
    const [i2, j2] = found ?? [a.length, b.length];
    blocks.push({ a0: i, a1: i2, b0: j, b1: j2 });
    i = i2;
    j = j2;
  }
  const context = 3;
  const out = [`--- a/${path}`, `+++ b/${path}`];
  for (let k = 0; k < blocks.length; ) {
    let last = k;
    while (last + 1 < blocks.length && blocks[last + 1].a0 - blocks[last].a1 <= context * 2) last++;
    const aStart = Math.max(0, blocks[k].a0 - context);
    const aEnd = Math.min(a.length, blocks[last].a1 + context);
    const bStart = blocks[k].b0 - (blocks[k].a0 - aStart);
    const bEnd = blocks[last].b1 + (aEnd - blocks[last].a1);
    const lines: string[] = [];
    let ai = aStart;
    for (let m = k; m <= last; m++) {
      const block = blocks[m];
      for (; ai < block.a0; ai++) lines.push(` ${a[ai]}`);
      for (let x = block.a0; x < block.a1; x++) lines.push(`-${a[x]}`);
      for (let y = block.b0; y < block.b1; y++) lines.push(`+${b[y]}`);
      ai = block.a1;
    }
    for (; ai < aEnd; ai++) lines.push(` ${a[ai]}`);
    const range = (start: number, length: number) => `${length === 0 ? start : start + 1}${length === 1 ? '' : `,${length}`}`;
    out.push(`@@ -${range(aStart, aEnd - aStart)} +${range(bStart, bEnd - bStart)} @@`, ...lines);
    k = last + 1;
  }
  return `${out.join('\n')}\n`;
}
