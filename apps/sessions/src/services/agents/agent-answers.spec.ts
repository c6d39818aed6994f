import { findJsonObject, readAnalysis, readGeneration, readGenesis } from './agent-answers';
import { checkPatch } from './patch-check';

const DIFF = ['--- a/src/sum.js', '+++ b/src/sum.js', '@@ -1,3 +1,3 @@', ' function sum(a, b) {', '-  return a - b;', '+  return a + b;', ' }', ''].join('\n');

describe('findJsonObject', () => {
  it.each([
    ['bare', '{"a": 1}'],
    ['fenced', 'Here you go:\n```json\n{"a": 1}\n```\nAnything else?'],
    ['inside prose', 'Sure! {"a": 1} Hope this helps.'],
  ])('finds an object %s', (_how, text) => {
    expect(findJsonObject(text)).toEqual({ a: 1 });
  });

  it('finds nothing in prose, arrays or broken JSON', () => {
    expect(findJsonObject('no json here')).toBeUndefined();
    expect(findJsonObject('[1, 2]')).toBeUndefined();
    expect(findJsonObject('{"a": ')).toBeUndefined();
  });
});

describe('readGenesis', () => {
  it('reads questions from JSON, filling in missing ids and topics and accepting bare strings', () => {
    const r = readGenesis('```json\n{"summary": "About the shop", "questions": [{"question": "Who buys?"}, "What stack?", {"id": "x", "topic": "data", "question": "What to store?"}, {"nope": 1}]}\n```');
    expect(r).toEqual({
      summary: 'About the shop',
      questions: [
        { id: 'q1', topic: 'general', question: 'Who buys?' },
        { id: 'q2', topic: 'general', question: 'What stack?' },
        { id: 'x', topic: 'data', question: 'What to store?' },
      ],
      answer_format: 'json',
    });
  });

  it('falls back to the questions of a plain-text answer', () => {
    const r = readGenesis('A few things first.\n1. Who are the users?\n- **What is the budget?**\nThanks.');
    expect(r).toEqual({
      summary: 'A few things first.',
      questions: [
        { id: 'q1', topic: 'general', question: 'Who are the users?' },
        { id: 'q2', topic: 'general', question: 'What is the budget?' },
      ],
      answer_format: 'text',
    });
  });
});

describe('readAnalysis', () => {
  it('reads an analysis leniently: numbers as text, lines as numbers, `actual` as received, junk dropped', () => {
    const r = readAnalysis(
      JSON.stringify({
        framework: 'jest',
        summary: '1 failed',
        failures: [{ test: 'adds', file: 'sum.test.js', line: '5', message: 'boom', expected: 3, actual: -1 }, {}, 'junk'],
        likely_causes: ['minus instead of plus', 42, ''],
      }),
    );
    expect(r).toEqual({
      framework: 'jest',
      summary: '1 failed',
      failures: [
        { test: 'adds', file: 'sum.test.js', line: 5, message: 'boom', expected: '3', received: '-1' },
        { test: 'unknown test', file: null, line: null, message: '', expected: null, received: null },
      ],
      likely_causes: ['minus instead of plus', '42'],
      suggested_next_steps: [],
      answer_format: 'json',
    });
  });

  it('keeps a plain-text analysis as the summary', () => {
    expect(readAnalysis('The sum function subtracts.')).toMatchObject({ summary: 'The sum function subtracts.', failures: [], answer_format: 'text' });
  });
});

describe('readGeneration', () => {
  it('keeps a well-formed patch from JSON and lists its files from the headers', () => {
    const r = readGeneration(JSON.stringify({ patch: DIFF.trimEnd(), files: ['wrong.js'], explanation: 'Use plus.' }));
    expect(r).toEqual({ patch: DIFF, files: ['src/sum.js'], explanation: 'Use plus.', answer_format: 'json' });
  });

  it('takes a fenced diff out of a plain-text answer, the rest being the explanation', () => {
    const r = readGeneration(`The code subtracts.\n\`\`\`diff\n${DIFF}\`\`\`\n`);
    expect(r).toEqual({ patch: DIFF, files: ['src/sum.js'], explanation: 'The code subtracts.', answer_format: 'text' });
  });

  it('drops a patch that is not a valid unified diff, and says why', () => {
    const r = readGeneration(JSON.stringify({ patch: DIFF.replace('@@ -1,3 +1,3 @@', '@@ -1,5 +1,3 @@'), explanation: 'Use plus.' }));
    expect(r).toMatchObject({ patch: '', files: [], explanation: expect.stringMatching(/^The proposed patch was dropped: the last hunk of src\/sum\.js ends before its header says\. Use plus\.$/) });
  });
});

describe('checkPatch', () => {
  it('accepts git extended headers, several files, new files and "no newline" markers', () => {
    const patch = [
      'diff --git a/a.txt b/a.txt',
      'index 1111111..2222222 100644',
      '--- a/a.txt',
      '+++ b/a.txt',
      '@@ -1 +1 @@',
      '-x',
      '\\ No newline at end of file',
      '+y',
      '\\ No newline at end of file',
      'diff --git a/new.txt b/new.txt',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/new.txt',
      '@@ -0,0 +1,2 @@',
      '+one',
      '+two',
      '',
    ].join('\n');
    expect(checkPatch(patch)).toEqual({ ok: true, patch, files: ['a.txt', 'new.txt'] });
  });

  it.each([
    ['absolute paths', DIFF.replace('+++ b/src/sum.js', '+++ /etc/passwd'), 'uses an absolute path (/etc/passwd)'],
    ['paths leaving the directory', DIFF.replaceAll('src/sum.js', '../x.js'), 'leads outside the working directory (../x.js)'],
    ['a missing +++ header', DIFF.replace('+++ b/src/sum.js\n', ''), 'is not followed by "+++"'],
    ['headers without hunks', '--- a/x\n+++ b/x\n', 'x has a header but no hunks'],
    ['hunks longer than their header', DIFF.replace('@@ -1,3 +1,3 @@', '@@ -1,2 +1,2 @@'), 'is neither a header nor part of a hunk'],
    ['prose only', 'just change the minus to a plus', 'no "--- a/<path>" header'],
  ])('refuses %s', (_what, patch, problem) => {
    const r = checkPatch(patch);
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.problem).toContain(problem);
  });
});
