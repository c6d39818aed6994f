import type { TestFailure } from '@platform/contracts';

/** What a test run's output says: which framework printed it, what failed, and the totals when it prints them. */
export interface ParsedTestOutput {
  framework: string | null;
  failures: TestFailure[];
  totals: { failed: number; total: number | null } | null;
}

export type Parser = (lines: string[]) => ParsedTestOutput | undefined;

/** A stack frame or `path:line[:col]` reference, outside dependencies and the runtime. */
export function locationIn(line: string): { file: string; line: number } | undefined {
  const frame = /(?:\(|\s|^)((?:file:\/\/)?[^\s()'"]+?\.[A-Za-z0-9]+):(\d+)(?::\d+)?\)?(?::|,|\s|$)/.exec(line);
  if (!frame?.[1] || !frame[2]) return undefined;
  const file = frame[1].replace(/^file:\/\//, '').replace(/^\.\//, '');
  if (/(^|\/)node_modules\/|^node:|^internal\/|(^|\/)site-packages\/|\/usr\/lib\/go/.test(file)) return undefined;
  return { file, line: Number(frame[2]) };
}

/** The first location among `lines`. */
export function firstLocation(lines: string[]): { file: string; line: number } | undefined {
  for (const l of lines) {
    const loc = locationIn(l);
    if (loc) return loc;
  }
  return undefined;
}

/** Expected and actual values named in an assertion message ("got 2, want 3", "expected 3, got 2", "assert 2 == 3"). */
export function valuesIn(message: string): { expected: string; received: string } | undefined {
  const patterns: Array<[RegExp, 'er' | 're']> = [
    [/\bgot:?\s+(.+?)[,;]\s*want(?:ed)?:?\s+(.+?)\s*$/i, 're'],
    [/=\s*(.+?);\s*want(?:ed)?:?\s+(.+?)\s*$/i, 're'],
    [/\bexpected:?\s+(.+?),\s*(?:but\s+)?(?:got|actual|received):?\s+(.+?)\s*$/i, 'er'],
    [/^(?:AssertionError:\s*)?assert\s+(.+?)\s+==\s+(.+?)\s*$/, 're'],
    [/^\s*(.+?)\s+!==\s+(.+?)\s*$/, 're'],
  ];
  for (const [re, order] of patterns) {
    const m = re.exec(message.trim());
    if (m?.[1] && m[2]) return order === 'er' ? { expected: m[1], received: m[2] } : { expected: m[2], received: m[1] };
  }
  return undefined;
}

export function failure(f: Partial<TestFailure> & { test: string; message: string }): TestFailure {
  return { file: null, line: null, expected: null, received: null, ...f, message: f.message.trim().slice(0, 2000) };
}
