import { Worker } from 'bullmq';
import {
  AGENT_RUNS_QUEUE,
  AuditListResponseSchema,
  ForkWorkspaceJobSchema,
  MessageListResponseSchema,
  SessionSchema,
  type Message,
  type Session,
} from '@platform/contracts';
import { bullConnection } from '@platform/queue-kit';
import { eventually, testRedisUrl } from '@platform/testing';
import { RunScript } from './support/events';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';

const FORK_WAIT_MS = 1000;
let h: SessionsHarness;
let user: TestUser;
let parent: Session;

beforeAll(async () => {
  h = await startSessions({ name: 'fork', env: { FORK_WAIT_MS: String(FORK_WAIT_MS) } });
  user = await h.newUser('forker');
  await h.setQuota(user.id, 50);
  parent = await createSession(user, {
    name: 'Original',
    template_id: 'code-editor',
    mode: 'background',
    options: { provider: 'offline', max_turns: 7 },
  });
  for (const q of ['first question', 'second question']) {
    const { run_id } = await sendQuery(user, parent.id, q);
    const script = new RunScript(parent.id, run_id);
    await h.emit(
      script.started(),
      script.toolUse(`tu-${run_id}`, 'read_file', { path: 'a.txt' }),
      script.toolResult(`tu-${run_id}`, 'contents'),
      script.message('assistant', [
        { type: 'tool_use', id: `tu-${run_id}`, name: 'read_file', input: { path: 'a.txt' } },
      ]),
      script.message('tool', [
        { type: 'tool_result', tool_use_id: `tu-${run_id}`, content: 'contents', is_error: false },
      ]),
      script.message('assistant', [{ type: 'text', text: `answer to ${q}` }]),
      script.completed(),
    );
    await eventually(
      'the run completes',
      () => user.api.get(`${SESSIONS}/${parent.id}/runs/${run_id}`),
      (r) => (r.body as { status?: string }).status === 'completed',
    );
  }
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const messagesOf = async (id: string): Promise<Message[]> =>
  MessageListResponseSchema.parse((await user.api.get(`${SESSIONS}/${id}/messages`, { query: { limit: 500 } })).body)
    .items;

describe('forking a session', () => {
  it("answers 201 with a new session that has the parent's options and a copy of its messages, and leaves the parent untouched", async () => {
    const parentBefore = SessionSchema.parse((await user.api.get(`${SESSIONS}/${parent.id}`)).body);
    const parentMessages = await messagesOf(parent.id);
    const started = Date.now();

    const res = await user.api.post(`${SESSIONS}/${parent.id}/fork`, {});

    expect(res.status).toBe(201);
    const child = SessionSchema.parse(res.body);
    expect(child.id).not.toBe(parent.id);
    expect(child).toMatchObject({
      name: 'Original (fork)',
      parent_session_id: parent.id,
      status: 'active',
      mode: 'background',
      template_id: 'code-editor',
      channel_id: null,
      options: parent.options,
      totals: { messages: 8 },
    });
    // No runner copies the working directory here: the fork waits FORK_WAIT_MS for it, then answers anyway.
    expect(Date.now() - started).toBeGreaterThanOrEqual(FORK_WAIT_MS - 50);

    const copied = await messagesOf(child.id);
    expect(parentMessages).toHaveLength(8);
    expect(copied.map((m) => [m.seq, m.role, m.content])).toEqual(
      parentMessages.map((m) => [m.seq, m.role, m.content]),
    );
    expect(copied.every((m) => m.session_id === child.id)).toBe(true);
    const parentIds = new Set(parentMessages.map((m) => m.id));
    expect(copied.some((m) => parentIds.has(m.id))).toBe(false);

    expect(SessionSchema.parse((await user.api.get(`${SESSIONS}/${parent.id}`)).body)).toEqual(parentBefore);
    expect(await messagesOf(parent.id)).toEqual(parentMessages);
  });

  it('asks the runner to copy the working directory with a fork-workspace job', async () => {
    const res = await user.api.post(`${SESSIONS}/${parent.id}/fork`, { name: 'Named fork' });
    const child = SessionSchema.parse(res.body);

    const job = await h.jobs.getJob(`fork-${child.id}`);

    expect(child.name).toBe('Named fork');
    expect(job?.name).toBe('fork-workspace');
    expect(ForkWorkspaceJobSchema.parse(job?.data)).toEqual({
      v: 1,
      from_session_id: parent.id,
      to_session_id: child.id,
    });
  });

  it('answers as soon as the runner has copied the working directory', async () => {
    // Earlier tests' jobs (nobody ran them) would go first and eat into the wait: this fork's job is the only one.
    await h.jobs.drain(true);
    const copiedFor: string[] = [];
    const worker = new Worker(
      AGENT_RUNS_QUEUE,
      async (job) => {
        if (job.name === 'fork-workspace') copiedFor.push(ForkWorkspaceJobSchema.parse(job.data).to_session_id);
      },
      { connection: bullConnection(testRedisUrl(), { forWorker: true }), prefix: h.keys.QUEUE_PREFIX },
    );
    try {
      await worker.waitUntilReady();
      const started = Date.now();

      const res = await user.api.post(`${SESSIONS}/${parent.id}/fork`, {});

      expect(res.status).toBe(201);
      expect(Date.now() - started).toBeLessThan(FORK_WAIT_MS);
      expect(copiedFor).toContain(SessionSchema.parse(res.body).id);
    } finally {
      await worker.close();
    }
  });

  it("records on the fork that its working directory was not copied when the runner answers over_quota", async () => {
    await h.jobs.drain(true);
    const refusal = {
      result: 'over_quota',
      usage: { bytes: 600 * 1024 * 1024, files: 12 },
      limits: { bytes: 512 * 1024 * 1024, files: 20_000 },
    };
    const worker = new Worker(AGENT_RUNS_QUEUE, async (job) => (job.name === 'fork-workspace' ? refusal : undefined), {
      connection: bullConnection(testRedisUrl(), { forWorker: true }),
      prefix: h.keys.QUEUE_PREFIX,
    });
    try {
      await worker.waitUntilReady();

      const child = SessionSchema.parse((await user.api.post(`${SESSIONS}/${parent.id}/fork`, {})).body);

      const audit = AuditListResponseSchema.parse((await user.api.get(`${SESSIONS}/${child.id}/audit`)).body).items;
      expect(audit.map((a) => [a.action, a.actor])).toEqual([
        ['workspace_fork_incomplete', 'service:agent-runner'],
        ['session_created', `user:${user.id}`],
      ]);
      expect(audit[0]!.details).toEqual(refusal);
    } finally {
      await worker.close();
    }
  });

  it('gives the fork its own history: new queries continue after the copied messages and its events start at 1', async () => {
    const child = SessionSchema.parse((await user.api.post(`${SESSIONS}/${parent.id}/fork`, {})).body);

    const { run_id } = await sendQuery(user, child.id, 'a question for the fork only');
    await h.emit(...new RunScript(child.id, run_id).simple('fork answer'));
    await eventually(
      'the fork run completes',
      () => user.api.get(`${SESSIONS}/${child.id}/runs/${run_id}`),
      (r) => (r.body as { status?: string }).status === 'completed',
    );

    const childMessages = await messagesOf(child.id);
    expect(childMessages.slice(-2).map((m) => [m.seq, m.role, m.run_id])).toEqual([
      [9, 'user', run_id],
      [10, 'assistant', run_id],
    ]);
    expect(await messagesOf(parent.id)).toHaveLength(8);
    const events = await h.sessions.db.sessionEvent.findMany({
      where: { sessionId: child.id },
      orderBy: { seq: 'asc' },
    });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(SessionSchema.parse((await user.api.get(`${SESSIONS}/${child.id}`)).body).totals.messages).toBe(10);
  });

  it('can fork a fork, with or without a body, and answers 400 for a bad one', async () => {
    const child = SessionSchema.parse((await user.api.post(`${SESSIONS}/${parent.id}/fork`, { name: 'child' })).body);

    const grandchild = await user.api.post(`${SESSIONS}/${child.id}/fork`, { name: 'grandchild' });
    const bad = await user.api.post(`${SESSIONS}/${child.id}/fork`, { name: '', extra: true });
    const bodiless = await user.api.request('POST', `${SESSIONS}/${child.id}/fork`);

    expect(grandchild.status).toBe(201);
    expect(SessionSchema.parse(grandchild.body).parent_session_id).toBe(child.id);
    expect((await messagesOf(SessionSchema.parse(grandchild.body).id)).length).toBe(8);
    expect(bad.status).toBe(400);
    expect(envelope(bad).error_code).toBe('VALIDATION_ERROR');
    expect(bodiless.status).toBe(201);
    expect(SessionSchema.parse(bodiless.body).name).toBe('child (fork)');
  });
});
