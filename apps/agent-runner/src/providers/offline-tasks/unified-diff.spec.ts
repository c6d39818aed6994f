import fc from 'fast-check';
import { unifiedDiff } from './unified-diff';

/** Applies a unified diff strictly, the way `patch` does without fuzz: every context and removed line must match. */
function apply(before: string, diff: string): string {
  const eol = before.endsWith('\n');
  const oldLines = before === '' ? [] : (eol ? before.slice(0, -1) : before).split('\n');
  const old = oldLines.map((text, i) => ({ text, noEol: i === oldLines.length - 1 && !eol }));
  const lines = diff.split('\n').slice(2, -1);
  const out: Array<{ text: string; noEol: boolean }> = [];
  let pos = 0;
  for (let i = 0; i < lines.length; ) {
    const header = /^@@ -(\d+),(\d+) \+\d+,\d+ @@$/.exec(lines[i] ?? '');
    if (!header) throw new Error(`expected a hunk header at line ${i}: ${lines[i]}`);
    const start = Number(header[2]) === 0 ? Number(header[1]) : Number(header[1]) - 1;
    out.push(...old.slice(pos, start));
    pos = start;
    for (i++; i < lines.length && !lines[i]?.startsWith('@@'); i++) {
      const l = lines[i] ?? '';
      if (l === '\\ No newline at end of file') continue;
      const noEol = lines[i + 1] === '\\ No newline at end of file';
      if (l.startsWith(' ') || l.startsWith('-')) {
        if (old[pos]?.text !== l.slice(1) || old[pos]?.noEol !== noEol) throw new Error(`line ${pos + 1} does not match "${l}"`);
        pos++;
      }
      if (l.startsWith(' ') || l.startsWith('+')) out.push({ text: l.slice(1), noEol });
    }
  }
  out.push(...old.slice(pos));
  return out.map((l) => l.text + (l.noEol ? '' : '\n')).join('');
}

describe('unifiedDiff', () => {
  it('writes a git-style diff with three lines of context around one changed line', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    expect(unifiedDiff('src/x.js', before, before.replace('e\n', 'E\n'))).toBe(
      ['--- a/src/x.js', '+++ b/src/x.js', '@@ -2,7 +2,7 @@', ' b', ' c', ' d', '-e', '+E', ' f', ' g', ' h', ''].join('\n'),
    );
  });

  it('marks a last line without a newline, and is empty when nothing changed', () => {
    expect(unifiedDiff('x', 'a\nb', 'a\nc')).toBe(
      ['--- a/x', '+++ b/x', '@@ -1,2 +1,2 @@', ' a', '-b', '\\ No newline at end of file', '+c', '\\ No newline at end of file', ''].join('\n'),
    );
    expect(unifiedDiff('x', 'same\n', 'same\n')).toBe('');
  });

  it('turns any text into any other with the hunks it writes (checked by a strict applier)', () => {
    const text = fc
      .array(fc.constantFrom('a', 'b', 'c', '', '  x', '}'), { maxLength: 30 })
      .chain((lines) => fc.boolean().map((eol) => (lines.length === 0 ? '' : lines.join('\n') + (eol ? '\n' : ''))));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const diff = unifiedDiff('f.txt', before, after);
        expect(diff === '' ? before : apply(before, diff)).toBe(after);
      }),
      { numRuns: 400 },
    );
  });
});
