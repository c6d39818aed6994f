import type { TestFailure } from '@platform/contracts';
import { failure, locationIn, valuesIn, type Parser } from './parse-helpers';

/** pytest: `____ test_name ____` sections with `E` lines and `file.py:5: AssertionError`, and `FAILED file::test - msg` lines. */
export const parsePytest: Parser = (lines) => {
  const summaryAt = lines.findIndex((l) => /^=+ short test summary info =+$/.test(l));
  const failuresAt = lines.findIndex((l) => /^=+ FAILURES =+$/.test(l));
  const totalsLine = lines.find((l) => /^=*\s*(\d+ failed|\d+ passed|no tests ran)\b.*\bin [\d.]+s/.test(l.trim()));
  const failedLines = lines.filter((l) => /^FAILED \S+/.test(l));
  if (summaryAt === -1 && failuresAt === -1 && !totalsLine && failedLines.length === 0) return undefined;
  const sections = new Map<string, TestFailure>();
  if (failuresAt >= 0) {
    for (let i = failuresAt + 1; i < lines.length; i++) {
      const head = /^_{3,} (.+?) _{3,}$/.exec(lines[i] ?? '');
      if (/^=+ /.test(lines[i] ?? '')) break;
      if (!head?.[1]) continue;
      let end = i + 1;
      while (end < lines.length && !/^_{3,} .+ _{3,}$|^=+ /.test(lines[end] ?? '')) end++;
      sections.set(head[1], pytestSection(head[1], lines.slice(i + 1, end)));
      i = end - 1;
    }
  }
  const failures: TestFailure[] = [];
  for (const l of failedLines) {
    const m = /^FAILED (\S+?)(?: - (.*))?$/.exec(l);
    if (!m?.[1]) continue;
    const [file, ...names] = m[1].split('::');
    const key = [names.join('.'), names.at(-1) ?? ''].find((k) => sections.has(k));
    const section = key === undefined ? undefined : sections.get(key);
    if (key !== undefined) sections.delete(key);
    const message = m[2] ?? section?.message ?? 'failed';
    failures.push(section ? { ...section, test: m[1] } : failure({ test: m[1], message, file: file ?? null, ...valuesIn(message) }));
  }
  failures.push(...sections.values());
  const failed = /(\d+) failed/.exec(totalsLine ?? '');
  const counts = [...(totalsLine ?? '').matchAll(/(\d+) (?:failed|passed|error|errors|skipped|xfailed|xpassed)\b/g)];
  return {
    framework: 'pytest',
    failures,
    totals: totalsLine ? { failed: Number(failed?.[1] ?? 0), total: counts.reduce((n, c) => n + Number(c[1]), 0) } : null,
  };
};

function pytestSection(name: string, body: string[]): TestFailure {
  const errors = body.filter((l) => /^E\s/.test(l)).map((l) => l.replace(/^E\s+/, '').trim());
  const message = errors.find((e) => e !== '') ?? body.find((l) => l.trim() !== '')?.trim() ?? 'failed';
  // The last `path:line: Error` is where it was raised; earlier ones are frames on the way.
  const locations = body.map((l) => /^([^\s:]+\.py):(\d+): /.test(l) ? locationIn(l) : undefined).filter(Boolean);
  const loc = locations.at(-1);
  const values = valuesIn(message);
  return failure({ test: name, message, file: loc?.file ?? null, line: loc?.line ?? null, ...values });
}

/** `go test`: `--- FAIL: TestX (0.00s)` with indented `file_test.go:10: message` lines after it, or before it under `=== RUN` with -v. */
export const parseGo: Parser = (lines) => {
  const heads = lines.flatMap((l, i) => {
    const m = /^(\s*)--- FAIL: (\S+)/.exec(l);
    return m ? [{ at: i, indent: m[1]?.length ?? 0, name: m[2] ?? 'unknown test' }] : [];
  });
  const summary = lines.some((l) => /^(ok|FAIL)\s+\S+\s+[\d.]+s/.test(l) || /^=== RUN\s/.test(l) || /^\s*--- PASS: /.test(l));
  if (heads.length === 0 && !summary) return undefined;
  const verbose = goVerboseMessages(lines);
  const failures: TestFailure[] = [];
  for (const head of heads) {
    const after: GoMessage[] = [];
    for (let i = head.at + 1; i < lines.length; i++) {
      const l = lines[i] ?? '';
      if (/^\s*--- (FAIL|PASS|SKIP): /.test(l) || /^(FAIL|ok|PASS)\b|^=== /.test(l)) break;
      const msg = goMessage(l);
      if (msg && l.length - l.trimStart().length > head.indent) after.push(msg);
    }
    // A parent test fails because a subtest did: only the subtest carries the messages.
    const first = after[0] ?? verbose.get(head.name)?.[0];
    if (first) failures.push(failure({ test: head.name, message: first.text, file: first.file, line: first.line, ...valuesIn(first.text) }));
  }
  if (failures.length === 0) for (const head of heads) failures.push(failure({ test: head.name, message: 'failed' }));
  const passed = lines.filter((l) => /^\s*--- PASS: /.test(l)).length;
  return {
    framework: 'go test',
    failures,
    totals: heads.length + passed > 0 ? { failed: heads.length, total: heads.length + passed } : null,
  };
};

interface GoMessage {
  file: string;
  line: number;
  text: string;
}

function goMessage(l: string): GoMessage | undefined {
  const m = /^\s+([\w./-]+\.go):(\d+): (.*)$/.exec(l);
  return m?.[1] && m[2] ? { file: m[1], line: Number(m[2]), text: m[3] ?? '' } : undefined;
}

/** With -v, a test's messages are printed while it runs: after its `=== RUN`/`=== CONT` line. */
function goVerboseMessages(lines: string[]): Map<string, GoMessage[]> {
  const byTest = new Map<string, GoMessage[]>();
  let current: string | undefined;
  for (const l of lines) {
    const run = /^=== (?:RUN|CONT)\s+(\S+)/.exec(l);
    if (run?.[1]) current = run[1];
    else if (/^\s*--- /.test(l)) current = undefined;
    const msg = current ? goMessage(l) : undefined;
    if (msg && current) byTest.set(current, [...(byTest.get(current) ?? []), msg]);
  }
  return byTest;
}
