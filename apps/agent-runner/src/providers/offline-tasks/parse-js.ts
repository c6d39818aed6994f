import type { TestFailure } from '@platform/contracts';
import { failure, firstLocation, locationIn, valuesIn, type Parser } from './parse-helpers';

/** Jest: `● suite › test` blocks with Expected/Received lines, a code frame and a stack; `Tests: 2 failed, 3 total`. */
export const parseJest: Parser = (lines) => {
  const totalsLine = lines.find((l) => /^Tests:\s+.*\btotal\b/.test(l));
  const hasBlocks = lines.some((l) => /^\s*● /.test(l));
  if (!totalsLine && !hasBlocks) return undefined;
  const failures: TestFailure[] = [];
  let suiteFile: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const suite = /^\s*FAIL\s+(\S+)/.exec(line);
    if (suite?.[1]) suiteFile = suite[1].replace(/^\.\//, '');
    const head = /^\s*● (.+)$/.exec(line);
    if (!head?.[1]) continue;
    let end = i + 1;
    while (end < lines.length && !/^\s*● |^\s*(FAIL|PASS)\s|^Test Suites:/.test(lines[end] ?? '')) end++;
    const body = lines.slice(i + 1, end);
    failures.push(jestFailure(head[1].trim(), body, suiteFile));
    i = end - 1;
  }
  const failed = /(\d+) failed/.exec(totalsLine ?? '');
  const total = /(\d+) total/.exec(totalsLine ?? '');
  return {
    framework: 'jest',
    failures,
    totals: totalsLine ? { failed: Number(failed?.[1] ?? 0), total: total?.[1] ? Number(total[1]) : null } : null,
  };
};

function jestFailure(title: string, body: string[], suiteFile: string | undefined): TestFailure {
  const text = body.map((l) => l.trim());
  const message = text.find((l) => l !== '') ?? title;
  const expected = text.map((l) => /^Expected(?: value)?:\s*(.+)$/.exec(l)?.[1]).find(Boolean);
  const received = text.map((l) => /^Received(?: value)?:\s*(.+)$/.exec(l)?.[1]).find(Boolean);
  const stack = firstLocation(body.filter((l) => /^\s*at\s/.test(l)));
  const frameLine = body.map((l) => /^\s*>\s*(\d+)\s*\|/.exec(l)?.[1]).find(Boolean);
  const location = stack ?? (suiteFile && frameLine ? { file: suiteFile, line: Number(frameLine) } : undefined);
  const test = title === 'Test suite failed to run' && suiteFile ? `${suiteFile} (test suite failed to run)` : title;
  return failure({
    test,
    message,
    file: location?.file ?? suiteFile ?? null,
    line: location?.line ?? null,
    expected: expected ?? null,
    received: received ?? null,
  });
}

/** node:test, TAP (`not ok 1 - name` with a YAML block) or the spec reporter (`✖ name (1ms)`). */
export const parseNodeTest: Parser = (lines) => {
  const tap = lines.some((l) => /^\s*not ok \d+ - /.test(l)) || lines.some((l) => /^# (tests|fail) \d+/.test(l));
  const spec = lines.some((l) => /^\s*✖ /.test(l)) || lines.some((l) => /^ℹ (tests|fail) \d+/.test(l));
  if (!tap && !spec) return undefined;
  const failures = tap ? tapFailures(lines) : specFailures(lines);
  const total = lines.map((l) => /^(?:#|ℹ) tests (\d+)/.exec(l)?.[1]).find(Boolean);
  const failed = lines.map((l) => /^(?:#|ℹ) fail (\d+)/.exec(l)?.[1]).find(Boolean);
  return {
    framework: 'node:test',
    failures,
    totals: total ? { failed: Number(failed ?? failures.length), total: Number(total) } : null,
  };
};

function tapFailures(lines: string[]): TestFailure[] {
  const out: TestFailure[] = [];
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\s*)not ok \d+ - (.+?)(?:\s+#.*)?$/.exec(lines[i] ?? '');
    if (!head?.[2]) continue;
    let end = i + 1;
    if (/^\s*---\s*$/.test(lines[end] ?? '')) while (end < lines.length && !/^\s*\.\.\.\s*$/.test(lines[end] ?? '')) end++;
    const yaml = lines.slice(i + 1, end);
    const field = (name: string) => yaml.map((l) => new RegExp(`^\\s*${name}:\\s*(.*)$`).exec(l)?.[1]).find((v) => v !== undefined);
    // A parent whose subtests failed repeats them; the subtests are the failures.
    if (/subtestsFailed/.test(field('failureType') ?? '')) continue;
    const errorAt = yaml.findIndex((l) => /^\s*error:/.test(l));
    const inline = field('error');
    const message =
      inline && !/^\|/.test(inline) ? unquote(inline) : (yaml.slice(errorAt + 1).find((l) => l.trim() !== '') ?? head[2]).trim();
    const stackAt = yaml.findIndex((l) => /^\s*stack:/.test(l));
    const location = (stackAt >= 0 ? firstLocation(yaml.slice(stackAt + 1)) : undefined) ?? locationIn(unquote(field('location') ?? ''));
    out.push(
      failure({
        test: head[2],
        message,
        file: location?.file ?? null,
        line: location?.line ?? null,
        expected: field('expected') ?? null,
        received: field('actual') ?? null,
      }),
    );
    i = end;
  }
  return out;
}

function specFailures(lines: string[]): TestFailure[] {
  const seen = new Map<string, TestFailure>();
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\s*)✖ (.+?)(?: \([\d.]+m?s\))?$/.exec(lines[i] ?? '');
    if (!head?.[2] || head[2] === 'failing tests:') continue;
    let end = i + 1;
    while (end < lines.length && (lines[end] === '' || /^\s/.test(lines[end] ?? '')) && !/^\s*[✖✔]/.test(lines[end] ?? '')) end++;
    const body = lines.slice(i + 1, end);
    const message = body.find((l) => l.trim() !== '')?.trim() ?? head[2];
    if (/^\d+ subtests? failed$/.test(message)) continue;
    const loc = firstLocation(body.filter((l) => /^\s*at\s/.test(l)));
    const values = valuesIn(body.find((l) => /!==|!=/.test(l)) ?? '');
    const field = (name: string) => body.map((l) => new RegExp(`^\\s*${name}: (.+?),?$`).exec(l)?.[1]).find(Boolean);
    seen.set(
      head[2],
      failure({
        test: head[2],
        message,
        file: loc?.file ?? null,
        line: loc?.line ?? null,
        expected: field('expected') ?? values?.expected ?? null,
        received: field('actual') ?? values?.received ?? null,
      }),
    );
    i = end - 1;
  }
  return [...seen.values()];
}

const unquote = (v: string): string => v.replace(/^'(.*)'$/, '$1');
