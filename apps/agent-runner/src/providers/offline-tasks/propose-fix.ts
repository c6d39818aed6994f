import type { TestFailure } from '@platform/contracts';

/** The changed file and one note per failure on what the change does. */
export interface ProposedFix {
  after: string;
  notes: string[];
}

const ASSERTION = /\b(expect|assert\w*|should|Equal\w*|toBe|toEqual|require\.\w+)\b|[!=]==?|\bnot\b.*\bequal/i;
const LOOK_BACK = 5;

type Literal = { quoted: string } | { raw: string };
const literalOf = (v: string): Literal => {
  const m = /^(['"`])([\s\S]*)\1$/.exec(v.trim());
  return m ? { quoted: m[2] ?? '' } : { raw: v.trim() };
};
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where `expected` is written on `line`, as [start, end, replacement for `received`]; the last occurrence wins. */
function occurrence(line: string, expected: Literal, received: Literal): [number, number, string] | undefined {
  if ('quoted' in expected) {
    let best: [number, number, string] | undefined;
    for (const q of ["'", '"', '`']) {
      const at = line.lastIndexOf(`${q}${expected.quoted}${q}`);
      if (at === -1 || (best && best[0] > at)) continue;
      const value = 'quoted' in received ? `${q}${received.quoted.replaceAll(q, `\\${q}`)}${q}` : received.raw;
      best = [at, at + expected.quoted.length + 2, value];
    }
    return best;
  }
  if (expected.raw === '') return undefined;
  const re = new RegExp(`(?<![\\w.$])${escapeRe(expected.raw)}(?![\\w$])`, 'g');
  const all = [...line.matchAll(re)];
  const last = all.at(-1);
  if (last?.index === undefined) return undefined;
  const value = 'quoted' in received ? JSON.stringify(received.quoted) : received.raw;
  return [last.index, last.index + expected.raw.length, value];
}

const commentFor = (path: string): string => (/\.(py|rb|sh|ya?ml|toml|r|pl)$/i.test(path) ? '#' : '//');

/**
 * A mechanical fix, which is all a model that cannot reason can offer: where the failure names an
 * expected and an actual value and the assertion near the failing line spells out the expected one,
 * the assertion is changed to expect the actual value; otherwise a TODO comment describing the
 * failure is put above the failing line. Failures are applied bottom-up so line numbers hold.
 */
export function proposeFix(path: string, content: string, failures: TestFailure[]): ProposedFix {
  const lines = content.split('\n');
  const notes: string[] = [];
  const ordered = failures.filter((f) => f.line !== null && f.line <= lines.length).sort((a, b) => (b.line ?? 0) - (a.line ?? 0));
  for (const f of ordered) {
    const at = (f.line ?? 1) - 1;
    if (f.expected !== null && f.received !== null && f.expected !== f.received) {
      const expected = literalOf(f.expected);
      const received = literalOf(f.received);
      let done = false;
      for (let i = at; i >= Math.max(0, at - LOOK_BACK) && !done; i--) {
        const line = lines[i] ?? '';
        const hit = ASSERTION.test(line) ? occurrence(line, expected, received) : undefined;
        if (!hit) continue;
        lines[i] = line.slice(0, hit[0]) + hit[2] + line.slice(hit[1]);
        notes.push(
          `${path}:${i + 1}: "${f.test}" expects ${f.expected} but gets ${f.received}; the patch makes the assertion expect ${f.received}. ` +
            `If ${f.expected} is the right answer, the code under test is what needs fixing instead.`,
        );
        done = true;
      }
      if (done) continue;
    }
    const target = lines[at] ?? '';
    const indent = /^\s*/.exec(target)?.[0] ?? '';
    const message = f.message.replace(/\s+/g, ' ').slice(0, 160);
    lines.splice(at, 0, `${indent}${commentFor(path)} TODO(tdd): "${f.test}" fails here: ${message}`);
    notes.push(`${path}:${at + 1}: "${f.test}" fails with "${message}"; the patch marks the failing line with a TODO comment for a person or a real model to fix.`);
  }
  return { after: lines.join('\n'), notes: notes.reverse() };
}
