import { parseTestOutput } from './test-output';
import { analyzeTestOutput } from './analyze';
import { GO_OUTPUT, GO_VERBOSE_OUTPUT, JEST_OUTPUT, NODE_SPEC_OUTPUT, NODE_TAP_OUTPUT, PYTEST_OUTPUT } from './test-output.fixtures';

describe('parseTestOutput', () => {
  it('reads jest failures: titles, file:line from the stack, expected and received', () => {
    const parsed = parseTestOutput(JEST_OUTPUT);
    expect(parsed.framework).toBe('jest');
    expect(parsed.totals).toEqual({ failed: 2, total: 3 });
    expect(parsed.failures).toEqual([
      { test: 'sum › adds two numbers', file: 'sum.test.js', line: 5, message: 'expect(received).toBe(expected) // Object.is equality', expected: '3', received: '-1' },
      { test: 'sum › greets', file: 'sum.test.js', line: 8, message: 'expect(received).toBe(expected) // Object.is equality', expected: '"hello alice"', received: '"hello bob"' },
    ]);
  });

  it('reads jest output with colours and a suite that failed to run', () => {
    const output = '\u001b[1mFAIL\u001b[22m ./broken.test.js\n  ● Test suite failed to run\n\n    Cannot find module \'./nope\' from \'broken.test.js\'\n\n    > 1 | require(\'./nope\');\n\nTests:       0 total\n';
    const [f] = parseTestOutput(output).failures;
    expect(f).toMatchObject({ test: 'broken.test.js (test suite failed to run)', file: 'broken.test.js', line: 1, message: "Cannot find module './nope' from 'broken.test.js'" });
  });

  it('reads node:test TAP (absolute paths from the stack, expected and actual from the YAML block)', () => {
    const parsed = parseTestOutput(NODE_TAP_OUTPUT);
    expect(parsed.framework).toBe('node:test');
    expect(parsed.totals).toEqual({ failed: 1, total: 2 });
    expect(parsed.failures).toEqual([
      { test: 'adds', file: '/tmp/tddsamp/js/node.test.js', line: 5, message: 'Expected values to be strictly equal:', expected: '3', received: '-1' },
    ]);
  });

  it('reads the node:test spec reporter once per failing test, though it repeats them at the end', () => {
    const parsed = parseTestOutput(NODE_SPEC_OUTPUT);
    expect(parsed.failures).toEqual([
      { test: 'adds', file: '/tmp/tddsamp/js/node.test.js', line: 5, message: 'AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:', expected: '3', received: '-1' },
    ]);
  });

  it('reads pytest failures with their file::test names, E lines and assert values', () => {
    const parsed = parseTestOutput(PYTEST_OUTPUT);
    expect(parsed.framework).toBe('pytest');
    expect(parsed.totals).toEqual({ failed: 2, total: 3 });
    expect(parsed.failures).toEqual([
      { test: 'test_calc.py::test_add', file: 'test_calc.py', line: 5, message: 'assert 3 == 4', expected: '4', received: '3' },
      { test: 'test_calc.py::test_name', file: 'test_calc.py', line: 9, message: "AssertionError: assert 'bob' == 'alice'", expected: "'alice'", received: "'bob'" },
    ]);
  });

  it.each([
    ['plain', GO_OUTPUT],
    ['verbose (-v)', GO_VERBOSE_OUTPUT],
  ])('reads go test output, %s, skipping parents that failed only through a subtest', (_name, output) => {
    const parsed = parseTestOutput(output);
    expect(parsed.framework).toBe('go test');
    expect(parsed.failures).toEqual([
      { test: 'TestSum', file: 'sum_test.go', line: 9, message: 'Sum(1, 2) = -1; want 3', expected: '3', received: '-1' },
      { test: 'TestTable/neg', file: 'sum_test.go', line: 21, message: 'got 0, want 1', expected: '1', received: '0' },
    ]);
  });

  it('makes a best guess from output no parser knows, and finds nothing in output without failures', () => {
    expect(parseTestOutput('Traceback...\nsrc/app.rb:12: undefined method `x` (NoMethodError)\n').failures).toEqual([
      expect.objectContaining({ test: 'unknown test', file: 'src/app.rb', line: 12 }),
    ]);
    expect(parseTestOutput('all good\n').failures).toEqual([]);
  });
});

describe('analyzeTestOutput', () => {
  it('summarises failures with counts and names, likely causes with the values, and commands to rerun each test', () => {
    const a = analyzeTestOutput(JEST_OUTPUT);
    expect(a.summary).toBe('2 of 3 tests failed (jest): "sum › adds two numbers", "sum › greets".');
    expect(a.likely_causes[0]).toContain('expects 3 but the code gives -1 (sum.test.js:5)');
    expect(a.suggested_next_steps).toContain('Run only this test while fixing it: npx jest sum.test.js -t "adds two numbers"');
    expect(a.suggested_next_steps.at(-1)).toMatch(/POST \/tdd\/generate/);
  });

  it('names the causes of errors that are not assertions', () => {
    const a = analyzeTestOutput("  ● calc › divides\n\n    TypeError: divide is not a function\n\n      at Object.<anonymous> (calc.test.js:7:12)\n\nTests:       1 failed, 1 total\n");
    expect(a.failures[0]).toMatchObject({ file: 'calc.test.js', line: 7, message: 'TypeError: divide is not a function' });
    expect(a.likely_causes[0]).toMatch(/does not exist at run time \(calc\.test\.js:7\)/);
  });

  it('says so when every test passed', () => {
    expect(analyzeTestOutput('Tests:       3 passed, 3 total\n')).toMatchObject({ summary: 'All 3 tests passed (jest).', failures: [] });
  });
});
