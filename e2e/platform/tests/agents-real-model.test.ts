import path from 'node:path';
import {
  RunSchema,
  SoloGenesisResponseSchema,
  TddAnalyzeResponseSchema,
  TddGenerateResponseSchema,
  TddValidateResponseSchema,
} from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { startPlatform, type Platform } from './support/platform';
import { SESSIONS } from './support/sessions';
import { FakeOpenAi } from './support/fake-openai';
import { SUM_JS, gitApply, writeFiles } from './support/agents';

jest.setTimeout(60_000);

const FIX = ['--- a/sum.js', '+++ b/sum.js', '@@ -1,3 +1,3 @@', ' function sum(a, b) {', '-  return a - b;', '+  return a + b;', ' }'].join('\n');

/** How the stand-in model answers each task: as real models do, not quite as asked (prose, fences, loose types). */
function answer(prompt: string): string {
  if (prompt.startsWith('<task>solo.genesis</task>'))
    return 'Happy to help! A few questions first:\n```json\n{"summary": "Scope of the shop", "questions": ["Who will order?", {"topic": "data", "question": "Which database?"}]}\n```';
  if (prompt.startsWith('<task>tdd.analyze</task>'))
    return 'Here is my analysis. {"framework": "jest", "summary": "sum subtracts", "failures": [{"test": "adds", "file": "sum.test.js", "line": "5", "message": "toBe", "expected": 3, "actual": -1}], "likely_causes": ["`-` instead of `+` in sum.js"]}';
  if (prompt.includes('<instructions>\nbreak it\n</instructions>')) return '```diff\n--- a/sum.js\n+++ b/sum.js\n@@ -1,9 +1,9 @@\n-  return a - b;\n```';
  if (prompt.startsWith('<task>tdd.generate</task>')) return `sum.js subtracts instead of adding.\n\`\`\`diff\n${FIX}\n\`\`\`\n`;
  return 'I can only answer agent tasks.';
}

const model = new FakeOpenAi(answer);
let platform: Platform;
let alice: Session;

beforeAll(async () => {
  const baseUrl = await model.start();
  platform = await startPlatform({
    name: 'e2e-agents-model',
    sessions: true,
    runnerEnv: { DEFAULT_PROVIDER: 'openai', OPENAI_API_KEY: 'sk-e2e', OPENAI_BASE_URL: baseUrl, OPENAI_DEFAULT_MODEL: 'gpt-e2e' },
  });
  alice = await signUp(platform.api, 'model');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
  await model.stop();
}, 30_000);

const lastRequest = () => model.requests.at(-1);

describe('the agents with a configured model', () => {
  it('sends genesis to the model with the SOLO system prompt and reads the questions out of its fenced JSON', async () => {
    const res = await alice.as.post('/solo/genesis', { description: 'An online bakery shop.' }, { timeoutMs: 20_000 });

    expect(res.status).toBe(201);
    const g = SoloGenesisResponseSchema.parse(res.body);
    expect(g).toMatchObject({
      answer_format: 'json',
      summary: 'Scope of the shop',
      questions: [
        { id: 'q1', topic: 'general', question: 'Who will order?' },
        { id: 'q2', topic: 'data', question: 'Which database?' },
      ],
    });
    expect(lastRequest()).toMatchObject({ model: 'gpt-e2e', system: expect.stringMatching(/^You are SOLO/) });
    expect(lastRequest()?.prompt).toMatch(/<description>\nAn online bakery shop\.\n<\/description>$/);
    const run = RunSchema.parse((await alice.as.get(`${SESSIONS}/${g.session_id}/runs/${g.run_id}`)).body);
    expect(run).toMatchObject({ provider: 'openai', model: 'gpt-e2e', usage: { input_tokens: 50, output_tokens: 20 } });
  });

  it('reads an analysis given in prose with loosely typed fields', async () => {
    const res = await alice.as.post('/tdd/analyze', { test_output: 'FAIL sum.test.js\n  ● adds', language: 'javascript' }, { timeoutMs: 20_000 });

    expect(TddAnalyzeResponseSchema.parse(res.body)).toMatchObject({
      framework: 'jest',
      summary: 'sum subtracts',
      failures: [{ test: 'adds', file: 'sum.test.js', line: 5, message: 'toBe', expected: '3', received: '-1' }],
      likely_causes: ['`-` instead of `+` in sum.js'],
      suggested_next_steps: [],
      answer_format: 'json',
    });
    expect(lastRequest()?.system).toMatch(/^You are a test-driven development assistant/);
    expect(lastRequest()?.prompt).toMatch(/<language>\njavascript\n<\/language>\n<test_output>\nFAIL sum\.test\.js/);
  });

  it("takes the model's diff out of its prose; the patch applies and the tests pass; a malformed diff is dropped with the reason", async () => {
    const analysis = TddAnalyzeResponseSchema.parse((await alice.as.post('/tdd/analyze', { test_output: 'x' }, { timeoutMs: 20_000 })).body);
    const dir = path.join(platform.workdirRoot!, analysis.session_id);
    const test = "const test = require('node:test');\nconst assert = require('node:assert');\nconst { sum } = require('./sum');\ntest('adds', () => assert.strictEqual(sum(1, 2), 3));\n";
    await writeFiles(dir, { 'sum.js': SUM_JS, 'sum.test.js': test });

    const good = TddGenerateResponseSchema.parse((await alice.as.post('/tdd/generate', { session_id: analysis.session_id, test_output: 'x' }, { timeoutMs: 20_000 })).body);
    const bad = TddGenerateResponseSchema.parse(
      (await alice.as.post('/tdd/generate', { session_id: analysis.session_id, test_output: 'x', instructions: 'break it' }, { timeoutMs: 20_000 })).body,
    );

    expect(good).toMatchObject({ files: ['sum.js'], explanation: 'sum.js subtracts instead of adding.', answer_format: 'text', patch: `${FIX}\n` });
    await gitApply(dir, good.patch, false);
    const validated = await alice.as.post('/tdd/validate', { session_id: analysis.session_id, command: 'node-test' }, { timeoutMs: 40_000 });
    expect(TddValidateResponseSchema.parse(validated.body)).toMatchObject({ passed: true, exit_code: 0 });
    expect(bad).toMatchObject({ patch: '', files: [], explanation: expect.stringMatching(/^The proposed patch was dropped: /) });
  });
});
