import type { ToolResultBlock } from '@platform/contracts';
import type { ConversationMessage } from '../types';
import { planReply, type OfflineReply } from '../offline-script';
import { JEST_OUTPUT, PYTEST_OUTPUT, SUM_TEST_JS, TEST_CALC_PY } from './test-output.fixtures';
import { genesisQuestions } from './genesis';
import { proposeFix } from './propose-fix';

const user = (text: string): ConversationMessage => ({ role: 'user', content: [{ type: 'text', text }] });
const generatePrompt = (output: string) => `<task>tdd.generate</task>\nPropose a fix.\n<test_output>\n${output}\n</test_output>`;

/** Plays the conversation the agent loop would: each tool call answered by `tools`, until a plain answer. */
function converse(prompt: string, tools: (name: string, input: Record<string, unknown>) => Omit<ToolResultBlock, 'type' | 'tool_use_id'>): { replies: OfflineReply[] } {
  const messages: ConversationMessage[] = [user('list the files'), { role: 'assistant', content: [{ type: 'text', text: 'done' }] }, user(prompt)];
  const replies: OfflineReply[] = [];
  for (let turn = 0; turn < 5; turn++) {
    const reply = planReply(messages);
    replies.push(reply);
    if (!reply.toolUse) break;
    const id = `t${turn}`;
    messages.push({ role: 'assistant', content: [{ type: 'text', text: reply.text }, { type: 'tool_use', id, name: reply.toolUse.name, input: reply.toolUse.input }] });
    messages.push({ role: 'tool', content: [{ type: 'tool_result', tool_use_id: id, ...tools(reply.toolUse.name, reply.toolUse.input) }] });
  }
  return { replies };
}

const json = (r: OfflineReply | undefined) => JSON.parse(r?.text ?? '') as Record<string, unknown>;

describe('offline tdd.generate', () => {
  it('lists the working directory, reads the failing test file and answers with a patch that fixes both assertions', () => {
    const { replies } = converse(generatePrompt(JEST_OUTPUT), (name, input) =>
      name === 'list_files'
        ? { content: 'node_modules/\nsum.js\nsum.test.js\nsrc/other.test.js', is_error: false }
        : { content: input.path === 'sum.test.js' ? SUM_TEST_JS : 'nope', is_error: input.path !== 'sum.test.js' },
    );
    expect(replies.map((r) => r.toolUse?.name)).toEqual(['list_files', 'read_file', undefined]);
    expect(replies[1]?.toolUse?.input).toEqual({ path: 'sum.test.js' });
    const answer = json(replies[2]);
    expect(answer.files).toEqual(['sum.test.js']);
    expect(answer.patch).toContain('-    expect(sum(1, 2)).toBe(3);\n+    expect(sum(1, 2)).toBe(-1);');
    expect(answer.patch).toContain(`-    expect('hello ' + 'bob').toBe("hello alice");\n+    expect('hello ' + 'bob').toBe("hello bob");`);
    expect(answer.explanation).toMatch(/^sum\.test\.js:5: "sum › adds two numbers" expects 3 but gets -1/);
  });

  it('matches absolute paths in the output to files in the working directory', () => {
    const absolute = JEST_OUTPUT.replaceAll('(sum.test.js:', '(/srv/work/7f1c/tests/sum.test.js:');
    const { replies } = converse(generatePrompt(absolute), (name) =>
      name === 'list_files' ? { content: 'tests/\ntests/sum.test.js', is_error: false } : { content: SUM_TEST_JS, is_error: false },
    );
    expect(replies[1]?.toolUse?.input).toEqual({ path: 'tests/sum.test.js' });
    expect(json(replies[2]).patch).toMatch(/^--- a\/tests\/sum\.test\.js\n\+\+\+ b\/tests\/sum\.test\.js\n@@ /);
  });

  it('answers with no patch, and says why, when the file is not in the working directory or the output names none', () => {
    const missing = converse(generatePrompt(PYTEST_OUTPUT), () => ({ content: 'README.md', is_error: false }));
    expect(json(missing.replies.at(-1))).toMatchObject({ patch: '', files: [], explanation: expect.stringMatching(/^No patch: none of the files .*test_calc\.py/) });
    const vague = converse(generatePrompt('Something broke.'), () => ({ content: '', is_error: false }));
    expect(vague.replies).toHaveLength(1);
    expect(json(vague.replies[0])).toMatchObject({ patch: '', explanation: expect.stringMatching(/names no file and line/) });
  });
});

describe('proposeFix', () => {
  it('changes the expected literal of a Python assertion, and marks failures without values with a TODO comment', () => {
    const fix = proposeFix('test_calc.py', TEST_CALC_PY, [
      { test: 'test_add', file: 'test_calc.py', line: 5, message: 'assert 3 == 4', expected: '4', received: '3' },
      { test: 'test_ok', file: 'test_calc.py', line: 13, message: 'ZeroDivisionError: division by zero', expected: null, received: null },
    ]);
    const lines = fix.after.split('\n');
    expect(lines[4]).toBe('    assert add(1, 2) == 3');
    expect(lines[12]).toBe('    # TODO(tdd): "test_ok" fails here: ZeroDivisionError: division by zero');
    expect(lines[13]).toBe('    assert add(0, 0) == 0');
    expect(fix.notes).toHaveLength(2);
  });

  it('finds the comparison a few lines above a Go error line, not the literal in its message', () => {
    const src = 'func TestSum(t *testing.T) {\n\tif got := Sum(1, 2); got != 3 {\n\t\tt.Errorf("Sum(1, 2) = %d; want 3", got)\n\t}\n}\n';
    const fix = proposeFix('sum_test.go', src, [{ test: 'TestSum', file: 'sum_test.go', line: 3, message: 'Sum(1, 2) = -1; want 3', expected: '3', received: '-1' }]);
    expect(fix.after.split('\n').slice(1, 3)).toEqual(['\tif got := Sum(1, 2); got != -1 {', '\t\tt.Errorf("Sum(1, 2) = %d; want 3", got)']);
  });
});

describe('offline solo.genesis and tdd.analyze', () => {
  it('asks questions shaped by the description, the same ones every time', () => {
    const description = 'A web dashboard for a bakery. It should track orders, customers, and deliveries, with logins for staff. Use TypeScript and PostgreSQL.';
    const a = genesisQuestions(description);
    expect(a).toEqual(genesisQuestions(description));
    expect(a.questions.map((q) => q.id)).toEqual(['q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9']);
    const byTopic = Object.fromEntries(a.questions.map((q) => [q.topic, q.question]));
    expect(byTopic.users).toContain('"A web dashboard for a bakery"');
    expect(byTopic.scope).toContain('track orders, customers and deliveries');
    expect(byTopic.stack).toContain('TypeScript and PostgreSQL');
    expect(byTopic.access).toBe('How should people sign in, and which roles or permissions do you need?');
    expect(byTopic.interface).toMatch(/main screen/);
  });

  it('answers genesis and analyze task queries with the JSON their prompts ask for', () => {
    const genesis = json(planReply([user('<task>solo.genesis</task>\nInterview me.\n<description>\nA CLI to rename photos.\n</description>')]));
    expect(genesis.summary).toMatch(/^Requirements interview for "A CLI to rename photos"/);
    const analysis = json(planReply([user(`<task>tdd.analyze</task>\n<test_output>\n${PYTEST_OUTPUT}\n</test_output>`)]));
    expect(analysis).toMatchObject({ framework: 'pytest', failures: [expect.objectContaining({ test: 'test_calc.py::test_add', line: 5 }), expect.anything()] });
  });

  it('carries out a SOLO task event like any plain request, and turns answers into a plan', () => {
    expect(planReply([user('<task>solo.orchestrator</task>\n<event>task</event>\n<instruction>\nwrite notes.md: hello\n</instruction>')]).toolUse).toEqual({
      name: 'write_file',
      input: { path: 'notes.md', content: 'hello' },
    });
    const plan = planReply([user('<task>solo.orchestrator</task>\n<event>answers</event>\n<answers>\n[q1] Who?\n> Bakers\n[q2] Stack?\n> Go\n</answers>')]);
    expect(plan.text).toMatch(/^Thank you: 2 answers recorded\. Requirements so far:\n {3}1\. Bakers\n {3}2\. Go\nPlan:/);
  });
});
