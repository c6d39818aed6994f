import type { TestFailure } from '@platform/contracts';
import { parseTestOutput } from './test-output';

export interface Analysis {
  framework: string | null;
  summary: string;
  failures: TestFailure[];
  likely_causes: string[];
  suggested_next_steps: string[];
}

const where = (f: TestFailure) => (f.file ? `${f.file}${f.line ? `:${f.line}` : ''}` : 'an unknown place');

/** Why a failure most likely happened, read from its message and values. */
function causeOf(f: TestFailure): string {
  const m = f.message;
  if (f.expected !== null && f.received !== null)
    return `"${f.test}" expects ${f.expected} but the code gives ${f.received} (${where(f)}): the implementation computes a different value than the test asserts, or the expectation is out of date.`;
  if (/is not a function|is not defined|undefined is not|cannot read propert|has no attribute|NameError|undefined: /i.test(m))
    return `"${f.test}" uses something that does not exist at run time (${where(f)}): a missing or misspelled export, import or name. ${m}`;
  if (/cannot find module|module not found|ModuleNotFoundError|ImportError|no required module|cannot find package/i.test(m))
    return `A module cannot be loaded (${where(f)}): a wrong import path or a dependency that is not installed. ${m}`;
  if (/SyntaxError|Unexpected token|IndentationError|syntax error/i.test(m))
    return `The code does not parse (${where(f)}): ${m}`;
  if (/timed? ?out|timeout|exceeded/i.test(m))
    return `"${f.test}" ran out of time (${where(f)}): a promise that never settles, a missing callback or an endless loop.`;
  if (/panic|segmentation|null pointer|nil pointer/i.test(m)) return `The code crashed (${where(f)}): ${m}`;
  return `"${f.test}" fails at ${where(f)}: ${m}`;
}

/** How to run just one failing test again, in the framework's own words. */
function rerun(framework: string | null, f: TestFailure): string | undefined {
  if (framework === null) return undefined;
  switch (framework) {
    case 'jest':
      return `npx jest ${f.file ?? ''} -t "${f.test.split(' › ').at(-1) ?? f.test}"`.replace(/\s+/g, ' ');
    case 'pytest':
      return `python3 -m pytest -q "${f.test.includes('::') ? f.test : `${f.file ?? ''}::${f.test}`}"`;
    case 'go test':
      return `go test -run '^${f.test.split('/')[0] ?? f.test}$' ./...`;
    case 'node:test':
      return `node --test --test-name-pattern="${f.test}" ${f.file ?? ''}`.trim();
    default:
      return undefined;
  }
}

/** The offline analysis of test output: what failed, where, the likely causes and what to do next. */
export function analyzeTestOutput(output: string): Analysis {
  const parsed = parseTestOutput(output);
  const { failures, framework } = parsed;
  const by = framework ? ` (${framework})` : '';
  if (failures.length === 0) {
    const passed = parsed.totals && parsed.totals.failed === 0;
    return {
      framework,
      summary: passed ? `All ${parsed.totals?.total ?? ''} tests passed${by}.`.replace(/\s+/g, ' ') : 'No failing test could be found in this output.',
      failures,
      likely_causes: [],
      suggested_next_steps: passed ? [] : ['Send the complete output of the test run, including the failure details and the summary lines.'],
    };
  }
  const counted = parsed.totals?.total ? `${parsed.totals.failed || failures.length} of ${parsed.totals.total} tests failed` : `${failures.length} test${failures.length === 1 ? '' : 's'} failed`;
  const names = failures.slice(0, 3).map((f) => `"${f.test}"`).join(', ') + (failures.length > 3 ? ', …' : '');
  const steps = [
    ...new Set(
      failures.slice(0, 3).flatMap((f) => [
        f.file ? `Open ${where(f)} and compare what the test asserts with what the code under test does.` : `Find where "${f.test}" is defined.`,
        ...(rerun(framework, f) ? [`Run only this test while fixing it: ${rerun(framework, f) ?? ''}`] : []),
      ]),
    ),
    'Ask POST /tdd/generate for a proposed patch, then apply it and check with POST /tdd/validate.',
  ];
  return {
    framework,
    summary: `${counted}${by}: ${names}.`,
    failures,
    likely_causes: [...new Set(failures.map(causeOf))],
    suggested_next_steps: steps,
  };
}
