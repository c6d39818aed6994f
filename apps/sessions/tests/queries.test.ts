import type { Job } from 'bullmq';
import {
  AgentRunJobSchema,
  MessageListResponseSchema,
  QueryAcceptedResponseSchema,
  RunListResponseSchema,
  RunSchema,
  ToolCallListResponseSchema,
  type AgentRunJob,
} from '@platform/contracts';
import { RunScript } from './support/events';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { eventually } from '@platform/testing';

// Wide enough that a run the test completes at once is well within it on a loaded machine.
const WAIT_MAX_MS = 3000;
let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'queries', env: { QUERY_WAIT_MAX_MS: String(WAIT_MAX_MS) } });
  user = await h.newUser('asker');
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

/** The queued job of a session, as the runner would pick it up (waits for it to appear). */
async function jobOf(sessionId: string): Promise<Job<AgentRunJob>> {
  const jobs = await eventually(
    `a job for session ${sessionId}`,
    async () =>
      ((await h.jobs.getJobs(['waiting'])) as Array<Job<AgentRunJob>>).filter((j) => j.data.session_id === sessionId),
    (found) => found.length > 0,
  );
  return jobs[0]!;
}

describe('a query', () => {
  it('answers 202 with the queued run, enqueues exactly one job for the runner and keeps the user message', async () => {
    const s = await createSession(user, {
      options: { provider: 'offline', model: 'echo-1', max_turns: 4 },
      template_id: 'read-only',
    });

    const res = await user.api.post(`${SESSIONS}/${s.id}/query`, { message: 'Summarise README.md' });

    expect(res.status).toBe(202);
    const accepted = QueryAcceptedResponseSchema.parse(res.body);
    expect(accepted.status).toBe('queued');
    const jobs = (await h.jobs.getJobs(['waiting', 'delayed', 'active'])).filter((j) => j.data.session_id === s.id);
    expect(jobs).toHaveLength(1);
    const job = jobs[0]!;
    expect(job.id).toBe(accepted.run_id);
    expect(job.name).toBe('run');
    expect(job.opts.attempts).toBeGreaterThanOrEqual(1);
    expect(AgentRunJobSchema.parse(job.data)).toEqual({
      v: 1,
      run_id: accepted.run_id,
      session_id: s.id,
      user_id: user.id,
      options: {
        permission_mode: 'default',
        disallowed_tools: ['write_file'],
        provider: 'offline',
        model: 'echo-1',
        max_turns: 4,
      },
    });

    const messages = MessageListResponseSchema.parse((await user.api.get(`${SESSIONS}/${s.id}/messages`)).body);
    expect(messages.items).toEqual([
      expect.objectContaining({
        seq: 1,
        role: 'user',
        run_id: accepted.run_id,
        content: [{ type: 'text', text: 'Summarise README.md' }],
      }),
    ]);
    const run = RunSchema.parse((await user.api.get(`${SESSIONS}/${s.id}/runs/${accepted.run_id}`)).body);
    expect(run).toMatchObject({ status: 'queued', provider: 'offline', model: 'echo-1', turns: 0, started_at: null });
  });

  it("is enqueued for the session's owner even when an admin sends it", async () => {
    const admin = await h.admin();
    const s = await createSession(user);

    const res = await admin.api.post(`${SESSIONS}/${s.id}/query`, { message: 'as admin' });

    expect(res.status).toBe(202);
    expect((await jobOf(s.id)).data.user_id).toBe(user.id);
  });

  it('answers 400 for an empty or unexpected body and a bad wait flag, and enqueues nothing', async () => {
    const s = await createSession(user);

    const empty = await user.api.post(`${SESSIONS}/${s.id}/query`, { message: '' });
    const extra = await user.api.post(`${SESSIONS}/${s.id}/query`, { message: 'hi', model: 'x' });
    const badWait = await user.api.post(`${SESSIONS}/${s.id}/query`, { message: 'hi' }, { query: { wait: 'yes' } });

    expect(empty.status).toBe(400);
    expect(envelope(empty).details?.issues).toEqual([expect.objectContaining({ path: 'body.message' })]);
    expect(extra.status).toBe(400);
    expect(badWait.status).toBe(400);
    expect(envelope(badWait).details?.issues).toEqual([expect.objectContaining({ path: 'query.wait' })]);
    expect((await h.jobs.getJobs(['waiting'])).filter((j) => j.data.session_id === s.id)).toHaveLength(0);
    expect(await h.sessions.db.run.count({ where: { sessionId: s.id } })).toBe(0);
  });
});

describe('a query with ?wait=true', () => {
  it('answers 200 with the finished run as soon as the runner reports run_completed', async () => {
    // A 200 is only possible before QUERY_WAIT_MAX_MS (after it the answer is a 202): no clock needed.
    const s = await createSession(user);

    const pending = user.api.post(`${SESSIONS}/${s.id}/query`, { message: 'quick one' }, { query: { wait: 'true' } });
    const job = await jobOf(s.id);
    await h.emit(...new RunScript(s.id, job.data.run_id).simple('the answer'));
    const res = await pending;

    expect(res.status).toBe(200);
    const body = res.body as { run_id: string; status: string; run: unknown };
    expect(body).toMatchObject({ run_id: job.data.run_id, status: 'completed' });
    expect(RunSchema.parse(body.run)).toMatchObject({
      id: job.data.run_id,
      status: 'completed',
      usage: { input_tokens: 10, output_tokens: 5 },
      turns: 1,
    });
  });

  it('answers 200 with a failed run too', async () => {
    const s = await createSession(user);

    const pending = user.api.post(`${SESSIONS}/${s.id}/query`, { message: 'doomed' }, { query: { wait: 'true' } });
    const job = await jobOf(s.id);
    const script = new RunScript(s.id, job.data.run_id);
    await h.emit(script.started(), script.failed('no provider key'));
    const res = await pending;

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'failed', run: { status: 'failed', error: 'no provider key' } });
  });

  it('answers 202 with the queued run once QUERY_WAIT_MAX_MS has passed', async () => {
    const s = await createSession(user);
    const started = Date.now();

    const res = await user.api.post(`${SESSIONS}/${s.id}/query`, { message: 'slow one' }, { query: { wait: 'true' } });

    const elapsed = Date.now() - started;
    expect(res.status).toBe(202);
    expect(QueryAcceptedResponseSchema.parse(res.body).status).toBe('queued');
    expect(elapsed).toBeGreaterThanOrEqual(WAIT_MAX_MS - 50);
    expect(elapsed).toBeLessThan(WAIT_MAX_MS + 2000);
  });

  it('answers 202 when the run started but has not finished in time', async () => {
    const s = await createSession(user);

    const pending = user.api.post(`${SESSIONS}/${s.id}/query`, { message: 'long one' }, { query: { wait: 'true' } });
    const job = await jobOf(s.id);
    await h.emit(new RunScript(s.id, job.data.run_id).started());
    const res = await pending;

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ run_id: job.data.run_id });
    expect(RunSchema.parse((await user.api.get(`${SESSIONS}/${s.id}/runs/${job.data.run_id}`)).body).status).toBe(
      'running',
    );
  });
});

describe('runs, messages and tool calls of a session', () => {
  it('page with their cursors, runs newest first and messages in sequence order', async () => {
    const s = await createSession(user);
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { run_id } = await sendQuery(user, s.id, `question ${i}`);
      runIds.push(run_id);
      const script = new RunScript(s.id, run_id);
      await h.emit(
        script.started(),
        script.toolUse(`tu-${i}`, 'list_files', { i }),
        script.toolResult(`tu-${i}`, `out ${i}`),
        script.message('assistant', [{ type: 'text', text: `answer ${i}` }]),
        script.completed(),
      );
      await eventually(
        'the run completes',
        () => user.api.get(`${SESSIONS}/${s.id}/runs/${run_id}`),
        (r) => (r.body as { status?: string }).status === 'completed',
      );
    }

    const runs1 = RunListResponseSchema.parse(
      (await user.api.get(`${SESSIONS}/${s.id}/runs`, { query: { limit: 2 } })).body,
    );
    const runs2 = RunListResponseSchema.parse(
      (await user.api.get(`${SESSIONS}/${s.id}/runs`, { query: { limit: 2, cursor: runs1.next_cursor! } })).body,
    );
    expect([...runs1.items, ...runs2.items].map((r) => r.id)).toEqual([...runIds].reverse());
    expect(runs2.next_cursor).toBeNull();

    const texts: string[] = [];
    let cursor: string | null = null;
    do {
      const page = MessageListResponseSchema.parse(
        (await user.api.get(`${SESSIONS}/${s.id}/messages`, { query: { limit: 4, ...(cursor ? { cursor } : {}) } }))
          .body,
      );
      texts.push(...page.items.map((m) => `${m.seq}:${(m.content[0] as { text: string }).text}`));
      cursor = page.next_cursor;
    } while (cursor);
    expect(texts).toEqual(['1:question 0', '2:answer 0', '3:question 1', '4:answer 1', '5:question 2', '6:answer 2']);

    const tools1 = ToolCallListResponseSchema.parse(
      (await user.api.get(`${SESSIONS}/${s.id}/tool-calls`, { query: { limit: 2 } })).body,
    );
    const tools2 = ToolCallListResponseSchema.parse(
      (await user.api.get(`${SESSIONS}/${s.id}/tool-calls`, { query: { limit: 2, cursor: tools1.next_cursor! } })).body,
    );
    expect([...tools1.items, ...tools2.items].map((t) => t.output)).toEqual(['out 2', 'out 1', 'out 0']);
  });

  it('answer 404 for a run of another session and 400 for bad cursors', async () => {
    const a = await createSession(user);
    const b = await createSession(user);
    const { run_id } = await sendQuery(user, a.id);

    expect((await user.api.get(`${SESSIONS}/${b.id}/runs/${run_id}`)).status).toBe(404);
    expect(envelope(await user.api.get(`${SESSIONS}/${b.id}/runs/${run_id}`)).error).toBe('Run not found');
    expect((await user.api.get(`${SESSIONS}/${a.id}/messages`, { query: { cursor: '-1' } })).status).toBe(400);
    expect((await user.api.get(`${SESSIONS}/${a.id}/messages`, { query: { cursor: 'abc' } })).status).toBe(400);
    expect((await user.api.get(`${SESSIONS}/${a.id}/runs`, { query: { cursor: 'abc' } })).status).toBe(400);
    expect((await user.api.get(`${SESSIONS}/${a.id}/runs/not-a-uuid`)).status).toBe(400);
  });
});
