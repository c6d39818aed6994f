/** One line of an edit script: kept, removed from the old text, or added in the new one. */
interface Op {
  kind: ' ' | '-' | '+';
  text: string;
  /** This line is the last of its file and that file has no newline at its end. */
  noEol: boolean;
}

interface Lines {
  lines: string[];
  eol: boolean;
}

function split(text: string): Lines {
  const eol = text.endsWith('\n');
  const body = eol ? text.slice(0, -1) : text;
  return { lines: body === '' && !eol ? [] : body.split('\n'), eol };
}

/** Line-level edit script (longest common subsequence on what differs between a shared head and tail). */
function editScript(a: Lines, b: Lines): Op[] {
  // The last line differs when only one side ends with a newline, so it is compared with that mark.
  const key = (f: Lines, i: number) => (i === f.lines.length - 1 && !f.eol ? `${f.lines[i]}\u0000` : (f.lines[i] ?? ''));
  const mark = (f: Lines, i: number) => i === f.lines.length - 1 && !f.eol;
  let head = 0;
  while (head < a.lines.length && head < b.lines.length && key(a, head) === key(b, head)) head++;
  let tail = 0;
  while (
    tail < a.lines.length - head &&
    tail < b.lines.length - head &&
    key(a, a.lines.length - 1 - tail) === key(b, b.lines.length - 1 - tail)
  )
    tail++;
  const n = a.lines.length - head - tail;
  const m = b.lines.length - head - tail;
  // lcs(i, j): length of the longest common subsequence of a[i..n) and b[j..m), both after `head`.
  const table = new Int32Array((n + 1) * (m + 1));
  const lcs = (i: number, j: number): number => table[i * (m + 1) + j] ?? 0;
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      table[i * (m + 1) + j] = key(a, head + i) === key(b, head + j) ? lcs(i + 1, j + 1) + 1 : Math.max(lcs(i + 1, j), lcs(i, j + 1));
  const ops: Op[] = [];
  const keep = (i: number) => ops.push({ kind: ' ', text: a.lines[i] ?? '', noEol: mark(a, i) });
  for (let i = 0; i < head; i++) keep(i);
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && key(a, head + i) === key(b, head + j)) {
      keep(head + i);
      i++;
      j++;
    } else if (i < n && (j === m || lcs(i + 1, j) >= lcs(i, j + 1))) {
      // Removals before additions, as diff tools print a replaced line.
      ops.push({ kind: '-', text: a.lines[head + i] ?? '', noEol: mark(a, head + i) });
      i++;
    } else {
      ops.push({ kind: '+', text: b.lines[head + j] ?? '', noEol: mark(b, head + j) });
      j++;
    }
  }
  for (let k = a.lines.length - tail; k < a.lines.length; k++) keep(k);
  return ops;
}

/**
 * A unified diff (`--- a/<path>`, `+++ b/<path>`, hunks with `context` lines around each change) that
 * turns `before` into `after`, as `git apply` and `patch -p1` read it; empty when nothing changed.
 */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  const ops = editScript(split(before), split(after));
  const changed = ops.flatMap((op, i) => (op.kind === ' ' ? [] : [i]));
  if (changed.length === 0) return '';
  // Group changes whose context would touch or overlap into one hunk.
  const groups: Array<[number, number]> = [];
  for (const i of changed) {
    const last = groups.at(-1);
    if (last && i - last[1] <= 2 * context + 1) last[1] = i;
    else groups.push([i, i]);
  }
  const out = [`--- a/${path}`, `+++ b/${path}`];
  for (const [first, last] of groups) {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    let oldLine = 1;
    let newLine = 1;
    for (const op of ops.slice(0, from)) {
      if (op.kind !== '+') oldLine++;
      if (op.kind !== '-') newLine++;
    }
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((op) => op.kind !== '+').length;
    const newCount = slice.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldLine - 1 : oldLine},${oldCount} +${newCount === 0 ? newLine - 1 : newLine},${newCount} @@`);
    for (const op of slice) {
      out.push(`${op.kind}${op.text}`);
      if (op.noEol) out.push('\\ No newline at end of file');
    }
  }
  return `${out.join('\n')}\n`;
}
