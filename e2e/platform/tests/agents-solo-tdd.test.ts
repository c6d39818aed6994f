import fs from 'node:fs/promises';
import path from 'node:path';
import {
  AgentRunRefSchema,
  ErrorEnvelopeSchema,
  SoloGenesisResponseSchema,
  SoloStatusResponseSchema,
  TddAnalyzeResponseSchema,
  TddGenerateResponseSchema,
  TddValidateResponseSchema,
} from '@platform/contracts';
import { findRepoRoot, type JsonClient } from '@platform/testing';
import { signUp, type Session } from './support/accounts';
import { startPlatform, type Platform } from './support/platform';
import { SESSIONS, createSession, messagesOf, startQuery, textOf, toolCallsOf } from './support/sessions';
import { runReaches } from './support/run-control';
import { JEST_BIN, SUM_JS, SUM_TEST_JS, gitApply, jestOutput, nodeTest, orchestrate, writeFiles } from './support/agents';

jest.setTimeout(60_000);

let platform: Platform;
// Each user may hold 5 active sessions: the describes use users of their own.
let solo: Session;
let tdd: Session;
let mallory: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-agents',
    sessions: true,
    sessionsEnv: { QUERY_WAIT_MAX_MS: '8000', TDD_VALIDATE_WAIT_MS: '30000' },
    runnerEnv: {
      TDD_TEST_COMMANDS: JSON.stringify({ 'node-test': ['node', '--test'], jest: [JEST_BIN, '--ci'] }),
      TDD_TEST_TIMEOUT_MS: '25000',
      // Test commands run in the sandbox: the repository's jest must be visible there (read-only).
      SANDBOX_RO_PATHS: path.join(findRepoRoot(), 'node_modules'),
    },
  });
  [solo, tdd, mallory] = await Promise.all([signUp(platform.api, 'solo'), signUp(platform.api, 'tdd'), signUp(platform.api, 'mallory')]);
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const workdir = (sessionId: string) => path.join(platform.workdirRoot!, sessionId);
const errorOf = (res: { status: number; body: unknown }) => [res.status, ErrorEnvelopeSchema.parse(res.body).error_code];
const validate = (as: JsonClient, sessionId: string, command: string) => as.post('/tdd/validate', { session_id: sessionId, command }, { timeoutMs: 40_000 });

describe('SOLO', () => {
  let sessionId = '';

  it('starts a genesis interview in a new session of yours and answers with its first questions', async () => {
    const description = 'A web shop for a bakery. It should take orders, customers, and deliveries, with logins for staff. Use TypeScript.';
    const res = await solo.as.post('/solo/genesis', { description }, { timeoutMs: 20_000 });

    expect(res.status).toBe(201);
    const g = SoloGenesisResponseSchema.parse(res.body);
    sessionId = g.session_id;
    expect(g).toMatchObject({ status: 'completed', answer_format: 'json' });
    expect(g.questions.length).toBeGreaterThanOrEqual(5);
    expect(g.questions.map((q) => q.question).join('\n')).toMatch(/"A web shop for a bakery"[\s\S]*orders, customers and deliveries[\s\S]*TypeScript/);
    const session = await solo.as.get(`${SESSIONS}/${sessionId}`);
    expect(session.body).toMatchObject({ template_id: 'solo-genesis', status: 'active', name: expect.stringMatching(/^SOLO: A web shop/) });
    const [question] = await messagesOf(solo.as, sessionId);
    expect(question && textOf(question)).toMatch(/^<task>solo\.genesis<\/task>[\s\S]*A web shop for a bakery/);
  });

  it('replays genesis for a retried Idempotency-Key instead of opening a second session', async () => {
    const headers = { 'idempotency-key': `genesis-${sessionId}` };
    const first = await solo.as.post('/solo/genesis', { description: 'A CLI that renames photos by date.' }, { headers, timeoutMs: 20_000 });
    const again = await solo.as.post('/solo/genesis', { description: 'A CLI that renames photos by date.' }, { headers, timeoutMs: 20_000 });

    expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
    expect(SoloGenesisResponseSchema.parse(again.body).session_id).toBe(SoloGenesisResponseSchema.parse(first.body).session_id);
  });

  it('accepts orchestrator events as runs of the session: a task the agent carries out with its tools, answers it turns into a plan', async () => {
    const task = await orchestrate(solo.as, sessionId, { type: 'task', instruction: 'write notes.md: Bakery shop, orders first.' });
    const plan = await orchestrate(solo.as, sessionId, {
      type: 'answers',
      answers: [
        { question_id: 'q1', answer: 'Bakery staff and their customers' },
        { question_id: 'q2', answer: 'Orders first, deliveries later' },
      ],
    });

    expect(await fs.readFile(path.join(workdir(sessionId), 'notes.md'), 'utf8')).toBe('Bakery shop, orders first.');
    expect((await toolCallsOf(solo.as, sessionId)).map((c) => [c.run_id, c.tool, c.status])).toEqual([[task.id, 'write_file', 'succeeded']]);
    const last = (await messagesOf(solo.as, sessionId)).filter((m) => m.run_id === plan.id && m.role === 'assistant').at(-1);
    expect(last && textOf(last)).toMatch(/^Thank you: 2 answers recorded[\s\S]*1\. Bakery staff and their customers[\s\S]*Plan:/);
  });

  it('reports the SOLO sessions with their runs, all of them or one', async () => {
    const all = SoloStatusResponseSchema.parse((await solo.as.get('/solo/status')).body);
    const one = SoloStatusResponseSchema.parse((await solo.as.get('/solo/status', { query: { session_id: sessionId } })).body);

    expect(all).toMatchObject({ agent: 'solo', status: 'available', event_types: ['answers', 'task', 'feedback'] });
    expect(all.sessions.map((s) => s.session_id)).toContain(sessionId);
    expect(one.sessions).toEqual([expect.objectContaining({ session_id: sessionId, runs: 3, busy: false, last_run: expect.objectContaining({ status: 'completed' }) })]);
  });

  it("keeps other people's sessions out of reach (404) and refuses sessions that are not SOLO sessions (400)", async () => {
    const plain = await createSession(solo.as, { name: 'plain' });
    const event = { type: 'feedback', message: 'hi' };

    expect(errorOf(await mallory.as.post('/solo/orchestrator', { session_id: sessionId, event }))).toEqual([404, 'NOT_FOUND']);
    expect(errorOf(await mallory.as.get('/solo/status', { query: { session_id: sessionId } }))).toEqual([404, 'NOT_FOUND']);
    const notSolo = await solo.as.post('/solo/orchestrator', { session_id: plain.id, event });
    expect(errorOf(notSolo)).toEqual([400, 'VALIDATION_ERROR']);
    expect(JSON.stringify(notSolo.body)).toContain('body.session_id');
  });

  it.each([
    ['genesis without a description', '/solo/genesis', { description: '   ' }],
    ['genesis with an unknown field', '/solo/genesis', { description: 'x', budget: 5 }],
    ['an event of no known type', '/solo/orchestrator', { session_id: '0b5c6f1e-8d1a-4c1b-9f5e-2a7d3c4b5e6f', event: { type: 'dance' } }],
    ['answers without any answer', '/solo/orchestrator', { session_id: '0b5c6f1e-8d1a-4c1b-9f5e-2a7d3c4b5e6f', event: { type: 'answers', answers: [] } }],
  ])('refuses %s (400)', async (_what, url, body) => {
    expect(errorOf(await solo.as.post(url, body))).toEqual([400, 'VALIDATION_ERROR']);
  });

  it('wants a token (401 at the gateway)', async () => {
    expect(errorOf(await platform.api.get('/solo/status'))).toEqual([401, 'UNAUTHORIZED']);
  });
});

describe('TDD', () => {
  let sessionId = '';
  let output = '';

  it('analyses real jest failure output in a new TDD session: failing test, file:line, expected and received', async () => {
    const scratch = path.join(platform.workdirRoot!, '..', `${path.basename(platform.workdirRoot!)}-scratch`);
    await writeFiles(scratch, { 'sum.js': SUM_JS, 'sum.test.js': SUM_TEST_JS, 'jest.config.json': '{}' });
    output = await jestOutput(scratch);
    await fs.rm(scratch, { recursive: true, force: true });

    const res = await tdd.as.post('/tdd/analyze', { test_output: output, language: 'javascript', name: 'sum' }, { timeoutMs: 20_000 });

    expect(res.status).toBe(200);
    const a = TddAnalyzeResponseSchema.parse(res.body);
    sessionId = a.session_id;
    expect(a).toMatchObject({ status: 'completed', framework: 'jest', answer_format: 'json', summary: '1 of 2 tests failed (jest): "sum › adds two numbers".' });
    expect(a.failures).toEqual([{ test: 'sum › adds two numbers', file: 'sum.test.js', line: 5, message: expect.stringContaining('toBe'), expected: '3', received: '-1' }]);
    expect(a.likely_causes[0]).toContain('expects 3 but the code gives -1');
    expect(a.suggested_next_steps.join('\n')).toContain('npx jest sum.test.js -t "adds two numbers"');
    expect((await tdd.as.get(`${SESSIONS}/${sessionId}`)).body).toMatchObject({ template_id: 'tdd', name: 'sum' });
  });

  it('proposes a patch that applies to the working directory; validation fails before it and passes after it', async () => {
    await writeFiles(workdir(sessionId), { 'sum.js': SUM_JS, 'sum.test.js': SUM_TEST_JS, 'jest.config.json': '{}' });

    const res = await tdd.as.post('/tdd/generate', { session_id: sessionId, test_output: output }, { timeoutMs: 20_000 });

    expect(res.status).toBe(200);
    const g = TddGenerateResponseSchema.parse(res.body);
    expect(g.files).toEqual(['sum.test.js']);
    expect(g.patch).toMatch(/^--- a\/sum\.test\.js\n\+\+\+ b\/sum\.test\.js\n@@ -\d+,\d+ \+\d+,\d+ @@\n/);
    expect(g.explanation).toMatch(/expects 3 but gets -1[\s\S]*offline stand-in model/);
    expect((await toolCallsOf(tdd.as, sessionId)).map((c) => [c.tool, c.status])).toEqual([['list_files', 'succeeded'], ['read_file', 'succeeded']]);
    const before = TddValidateResponseSchema.parse((await validate(tdd.as, sessionId, 'jest')).body);
    expect(before).toMatchObject({ command: 'jest', passed: false, exit_code: 1, timed_out: false });
    expect(before.output).toContain('adds two numbers');
    await gitApply(workdir(sessionId), g.patch, true);
    await gitApply(workdir(sessionId), g.patch, false);
    const after = TddValidateResponseSchema.parse((await validate(tdd.as, sessionId, 'jest')).body);
    expect(after).toMatchObject({ passed: true, exit_code: 0, argv: [JEST_BIN, '--ci'] });
  });

  it('runs allowed commands on tests the agent wrote with its write_file tool, and refuses names it does not know', async () => {
    const g = SoloGenesisResponseSchema.parse((await tdd.as.post('/solo/genesis', { description: 'Arithmetic helpers.' }, { timeoutMs: 20_000 })).body);
    await orchestrate(tdd.as, g.session_id, { type: 'task', instruction: `write ok.test.js: ${nodeTest(true)}` });
    const passing = await validate(tdd.as, g.session_id, 'node-test');
    await orchestrate(tdd.as, g.session_id, { type: 'task', instruction: `write bad.test.js: ${nodeTest(false)}` });
    const failing = await validate(tdd.as, g.session_id, 'node-test');
    const unknown = await validate(tdd.as, g.session_id, 'rm-rf');

    expect(passing.status).toBe(200);
    expect(TddValidateResponseSchema.parse(passing.body)).toMatchObject({ session_id: g.session_id, command: 'node-test', argv: ['node', '--test'], passed: true, exit_code: 0 });
    const failed = TddValidateResponseSchema.parse(failing.body);
    expect(failed).toMatchObject({ passed: false, exit_code: 1 });
    expect(failed.output).toMatch(/not ok \d+ - adds/);
    expect(errorOf(unknown)).toEqual([400, 'VALIDATION_ERROR']);
    expect(ErrorEnvelopeSchema.parse(unknown.body).details).toMatchObject({ allowed: ['jest', 'node-test'] });

    // The failing node:test output, analysed in the same session: the agent reads it as well as jest's.
    const analysis = TddAnalyzeResponseSchema.parse((await tdd.as.post('/tdd/analyze', { test_output: failed.output, session_id: g.session_id }, { timeoutMs: 20_000 })).body);
    // The test ran in the sandbox: its paths are the sandbox's (/workspace), never the server's.
    expect(analysis.failures).toEqual([expect.objectContaining({ test: 'adds', file: '/workspace/bad.test.js', line: 4, expected: '4', received: '3' })]);
  });

  it('answers 202 with where to follow the run when the session is busy past the wait, and the run answers later', async () => {
    const busy = await createSession(tdd.as, { name: 'busy', template_id: 'tdd' });
    const blocking = await startQuery(tdd.as, busy.id, 'write blocked.txt: waits for a permission');
    await runReaches(tdd.as, busy.id, blocking.run_id, 'requires_action');

    const res = await tdd.as.post('/tdd/analyze', { test_output: output, session_id: busy.id }, { timeoutMs: 20_000 });

    expect(res.status).toBe(202);
    const ref = AgentRunRefSchema.parse(res.body);
    expect(ref).toMatchObject({ session_id: busy.id, status: 'queued', error: null, links: { run: `${SESSIONS}/${busy.id}/runs/${ref.run_id}` } });
    expect((await tdd.as.post(`${SESSIONS}/${busy.id}/runs/${blocking.run_id}/cancel`, {})).status).toBe(200);
    await runReaches(tdd.as, busy.id, ref.run_id, 'completed');
    const answer = (await messagesOf(tdd.as, busy.id)).filter((m) => m.run_id === ref.run_id && m.role === 'assistant').at(-1);
    expect(JSON.parse(answer ? textOf(answer) : '{}')).toMatchObject({ framework: 'jest' });
  });

  it("keeps other people's sessions out of reach (404) for analyze, generate and validate", async () => {
    const body = { session_id: sessionId, test_output: output };
    expect(errorOf(await mallory.as.post('/tdd/analyze', body))).toEqual([404, 'NOT_FOUND']);
    expect(errorOf(await mallory.as.post('/tdd/generate', body))).toEqual([404, 'NOT_FOUND']);
    expect(errorOf(await validate(mallory.as, sessionId, 'jest'))).toEqual([404, 'NOT_FOUND']);
  });

  it('says when a session has no working directory to run tests in (409)', async () => {
    const empty = await createSession(tdd.as, { name: 'empty', template_id: 'tdd' });
    expect(errorOf(await validate(tdd.as, empty.id, 'node-test'))).toEqual([409, 'CONFLICT']);
  });

  it.each([
    ['analyze without test output', '/tdd/analyze', { language: 'javascript' }],
    ['analyze in a language it does not know', '/tdd/analyze', { test_output: 'x', language: 'cobol' }],
    ['analyze of a session with options for a new one', '/tdd/analyze', { test_output: 'x', session_id: '0b5c6f1e-8d1a-4c1b-9f5e-2a7d3c4b5e6f', name: 'n' }],
    ['generate without a session', '/tdd/generate', { test_output: 'x' }],
    ['validate with an empty command', '/tdd/validate', { session_id: '0b5c6f1e-8d1a-4c1b-9f5e-2a7d3c4b5e6f', command: '' }],
    ['validate of a session id that is no uuid', '/tdd/validate', { session_id: 'not-a-uuid', command: 'node-test' }],
  ])('refuses %s (400)', async (_what, url, body) => {
    expect(errorOf(await tdd.as.post(url, body))).toEqual([400, 'VALIDATION_ERROR']);
  });
});
