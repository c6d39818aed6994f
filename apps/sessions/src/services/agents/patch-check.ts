export type PatchCheck = { ok: true; patch: string; files: string[] } | { ok: false; problem: string };

const GIT_HEADER = /^(diff --git |index |(new|deleted) file mode |old mode |new mode |similarity index |rename (from|to) |Binary files )/;

/** The path a `---`/`+++` header names, without its `a/`/`b/` prefix and any timestamp. */
function pathOf(header: string): string {
  const raw = header.split('\t')[0]?.trim().replace(/^"(.*)"$/, '$1') ?? '';
  return raw === '/dev/null' ? raw : raw.replace(/^[ab]\//, '');
}

function unsafe(path: string): string | undefined {
  if (path === '' || path === '/dev/null') return 'names no file';
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) return `uses an absolute path (${path})`;
  if (path.split(/[\\/]/).includes('..')) return `leads outside the working directory (${path})`;
  return undefined;
}

/**
 * Checks that `patch` is a well-formed unified diff a tool can apply inside a working directory:
 * `---`/`+++` headers with relative paths, and hunks whose line counts match their `@@` headers.
 * Text before the first header is dropped; the files it changes are returned.
 */
export function checkPatch(patch: string): PatchCheck {
  const lines = patch.replace(/\r\n/g, '\n').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const start = lines.findIndex((l) => l.startsWith('--- ') || l.startsWith('diff --git '));
  if (start === -1) return { ok: false, problem: 'it has no "--- a/<path>" header' };
  const files: string[] = [];
  let i = start;
  const at = () => `line ${i + 1 - start}`;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (GIT_HEADER.test(line) || line.trim() === '') {
      i++;
      continue;
    }
    if (!line.startsWith('--- ')) return { ok: false, problem: `${at()} is neither a header nor part of a hunk: "${line.slice(0, 80)}"` };
    const plus = lines[i + 1] ?? '';
    if (!plus.startsWith('+++ ')) return { ok: false, problem: `the "---" header at ${at()} is not followed by "+++"` };
    const oldPath = pathOf(line.slice(4));
    const newPath = pathOf(plus.slice(4));
    const path = newPath === '/dev/null' ? oldPath : newPath;
    const bad = unsafe(path);
    if (bad) return { ok: false, problem: `the header at ${at()} ${bad}` };
    i += 2;
    let hunks = 0;
    while ((lines[i] ?? '').startsWith('@@')) {
      const h = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(lines[i] ?? '');
      if (!h) return { ok: false, problem: `the hunk header at ${at()} is malformed` };
      let oldLeft = Number(h[1] ?? 1);
      let newLeft = Number(h[2] ?? 1);
      i++;
      while (oldLeft > 0 || newLeft > 0) {
        const l = lines[i];
        if (l === undefined) return { ok: false, problem: `the last hunk of ${path} ends before its header says` };
        const kind = l === '' ? ' ' : l[0];
        if (kind === ' ') {
          oldLeft--;
          newLeft--;
        } else if (kind === '-') oldLeft--;
        else if (kind === '+') newLeft--;
        else if (kind !== '\\') return { ok: false, problem: `${at()} in a hunk of ${path} starts with neither " ", "-" nor "+"` };
        if (oldLeft < 0 || newLeft < 0) return { ok: false, problem: `a hunk of ${path} has more lines than its header says` };
        i++;
      }
      while ((lines[i] ?? '').startsWith('\\')) i++;
      hunks++;
    }
    if (hunks === 0) return { ok: false, problem: `${path} has a header but no hunks` };
    files.push(path);
  }
  return { ok: true, patch: `${lines.slice(start).join('\n')}\n`, files: [...new Set(files)] };
}
