import pg from 'pg';
import {
  MessageListResponseSchema,
  RunSchema,
  SessionSchema,
  ToolCallListResponseSchema,
  type Message,
  type Run,
  type Session,
  type ToolCall,
} from '@platform/contracts';
import { RunScript } from './support/events';
import { SESSIONS, createSession, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { eventually } from '@platform/testing';

let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'events' });
  user = await h.newUser('events');
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const getRun = async (sessionId: string, runId: string): Promise<Run> =>
  RunSchema.parse((await user.api.get(`${SESSIONS}/${sessionId}/runs/${runId}`)).body);
const getSession = async (id: string): Promise<Session> =>
  SessionSchema.parse((await user.api.get(`${SESSIONS}/${id}`)).body);
const messages = async (id: string): Promise<Message[]> =>
  MessageListResponseSchema.parse((await user.api.get(`${SESSIONS}/${id}/messages`, { query: { limit: 500 } })).body)
    .items;
const toolCalls = async (id: string): Promise<ToolCall[]> =>
  ToolCallListResponseSchema.parse((await user.api.get(`${SESSIONS}/${id}/tool-calls`, { query: { limit: 100 } })).body)
    .items;
const runReaches = (sessionId: string, runId: string, status: Run['status']) =>
  eventually(
    `run ${runId} is ${status}`,
    () => getRun(sessionId, runId),
    (r) => r.status === status,
  );
const eventCount = (sessionId: string) => h.sessions.db.sessionEvent.count({ where: { sessionId } });

describe('runner events', () => {
  it('move the run to running with the provider and model the runner chose', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    const before = await getRun(s.id, run_id);
    const script = new RunScript(s.id, run_id);

    await h.emit(script.started('anthropic', 'claude-test'));

    const run = await runReaches(s.id, run_id, 'running');
    expect(before).toMatchObject({ status: 'queued', provider: 'auto', model: 'auto', started_at: null });
    expect(run).toMatchObject({ provider: 'anthropic', model: 'claude-test', finished_at: null });
    expect(run.started_at).not.toBeNull();
  });

  it('become messages in sequence order, tool calls with their decisions, a completed run and session totals', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id, 'List and read the files');
    const script = new RunScript(s.id, run_id);

    await h.emit(
      script.started(),
      script.delta('Let me look.'),
      script.toolUse('tu-1', 'list_files', { path: '.' }),
      script.toolResult('tu-1', 'a.txt\nb.txt'),
      script.toolUse('tu-2', 'write_file', { path: 'a.txt', content: 'x' }, 'deny', 'session is read-only'),
      script.toolResult('tu-2', 'denied', true),
      script.toolUse('tu-3', 'read_file', { path: 'missing.txt' }),
      script.toolResult('tu-3', 'ENOENT', true),
      script.message('assistant', [
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'tu-1', name: 'list_files', input: { path: '.' } },
      ]),
      script.message('tool', [{ type: 'tool_result', tool_use_id: 'tu-1', content: 'a.txt\nb.txt', is_error: false }]),
      script.message('assistant', [{ type: 'text', text: 'There are two files.' }]),
      script.completed({ input_tokens: 120, output_tokens: 45 }, 0.0123),
    );

    const run = await runReaches(s.id, run_id, 'completed');
    expect(run).toMatchObject({
      usage: { input_tokens: 120, output_tokens: 45 },
      cost_usd: 0.0123,
      turns: 2,
      error: null,
    });
    expect(run.finished_at).not.toBeNull();

    const msgs = await messages(s.id);
    expect(msgs.map((m) => [m.seq, m.role])).toEqual([
      [1, 'user'],
      [2, 'assistant'],
      [3, 'tool'],
      [4, 'assistant'],
    ]);
    expect(msgs.every((m) => m.run_id === run_id)).toBe(true);
    expect(msgs[0]!.content).toEqual([{ type: 'text', text: 'List and read the files' }]);
    expect(msgs[1]!.content[1]).toEqual({ type: 'tool_use', id: 'tu-1', name: 'list_files', input: { path: '.' } });
    expect(msgs[3]!.content).toEqual([{ type: 'text', text: 'There are two files.' }]);

    const calls = await toolCalls(s.id);
    const byTool = Object.fromEntries(calls.map((c) => [c.tool, c]));
    expect(calls).toHaveLength(3);
    expect(byTool.list_files).toMatchObject({
      status: 'succeeded',
      decision: 'allow',
      decision_reason: null,
      output: 'a.txt\nb.txt',
      is_error: false,
      input: { path: '.' },
    });
    expect(byTool.write_file).toMatchObject({
      status: 'denied',
      decision: 'deny',
      decision_reason: 'session is read-only',
      output: null,
      is_error: true,
    });
    expect(byTool.read_file).toMatchObject({ status: 'failed', decision: 'allow', output: 'ENOENT', is_error: true });
    expect(calls.every((c) => c.run_id === run_id && c.finished_at !== null)).toBe(true);

    expect((await getSession(s.id)).totals).toEqual({
      messages: 4,
      tool_calls: 3,
      input_tokens: 120,
      output_tokens: 45,
      cost_usd: 0.0123,
    });
    expect(await eventCount(s.id)).toBe(12);
    // No webhook anywhere and no held run: the end was marked handed over by the statement that recorded it (the
    // same instant as finished_at), not by a follow-up after it.
    const row = await h.sessions.db.run.findUniqueOrThrow({ where: { id: run_id } });
    expect(row.notifiedAt).toEqual(row.finishedAt);
  });

  it('mark a failed run with its error and still count its usage', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    const script = new RunScript(s.id, run_id);

    await h.emit(
      script.started(),
      script.failed('provider answered 529 overloaded', { input_tokens: 7, output_tokens: 0 }, 0.0002),
    );

    const run = await runReaches(s.id, run_id, 'failed');
    expect(run).toMatchObject({
      error: 'provider answered 529 overloaded',
      usage: { input_tokens: 7, output_tokens: 0 },
      cost_usd: 0.0002,
    });
    expect((await getSession(s.id)).totals).toMatchObject({ messages: 1, input_tokens: 7, cost_usd: 0.0002 });
  });

  it('add up over the runs of a session, and never move a finished run back', async () => {
    const s = await createSession(user);
    const first = await sendQuery(user, s.id, 'first');
    const one = new RunScript(s.id, first.run_id);
    await h.emit(...one.simple('first answer'));
    await runReaches(s.id, first.run_id, 'completed');
    const second = await sendQuery(user, s.id, 'second');
    const two = new RunScript(s.id, second.run_id);

    // A late run_started for the finished first run (a new run_seq) must not reopen it.
    await h.emit(one.started(), ...two.simple('second answer'));

    await runReaches(s.id, second.run_id, 'completed');
    expect((await getRun(s.id, first.run_id)).status).toBe('completed');
    expect((await getSession(s.id)).totals).toEqual({
      messages: 4,
      tool_calls: 0,
      input_tokens: 20,
      output_tokens: 10,
      cost_usd: 0.003,
    });
    expect((await messages(s.id)).map((m) => (m.content[0] as { text: string }).text)).toEqual([
      'first',
      'first answer',
      'second',
      'second answer',
    ]);
  });
});

describe('redelivered events', () => {
  it('change nothing when the same (run_id, run_seq) arrives again, even with other content', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    const script = new RunScript(s.id, run_id);
    const events = [
      script.started(),
      script.toolUse('tu-1', 'list_files', { path: '.' }),
      script.toolResult('tu-1', 'a.txt'),
      script.message('assistant', [{ type: 'text', text: 'Done.' }]),
      script.completed({ input_tokens: 30, output_tokens: 10 }, 0.01),
    ];
    await h.emit(...events);
    await runReaches(s.id, run_id, 'completed');
    const before = {
      session: await getSession(s.id),
      run: await getRun(s.id, run_id),
      messages: await messages(s.id),
      tools: await toolCalls(s.id),
      events: await eventCount(s.id),
    };

    const altered = events.map((e) =>
      e.type === 'message_complete'
        ? { ...e, data: { ...e.data, content: [{ type: 'text' as const, text: 'Different!' }] } }
        : e,
    );
    await h.emit(...events, ...altered);
    // A marker after the duplicates: once it is applied, so were they (the consumer is in order).
    const marker = await createSession(user);
    const markerRun = await sendQuery(user, marker.id);
    await h.emit(new RunScript(marker.id, markerRun.run_id).started());
    await runReaches(marker.id, markerRun.run_id, 'running');

    expect(await getSession(s.id)).toEqual(before.session);
    expect(await getRun(s.id, run_id)).toEqual(before.run);
    expect(await messages(s.id)).toEqual(before.messages);
    expect(await toolCalls(s.id)).toEqual(before.tools);
    expect(await eventCount(s.id)).toBe(before.events);
  });
});

describe('stream entries the consumer cannot use', () => {
  it('are dropped and acknowledged without blocking the entries after them', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    const script = new RunScript(s.id, run_id);
    const stream = h.keys.EVENTS_STREAM;

    await h.redis
      .multi()
      .xadd(stream, '*', 'event', '{not json')
      .xadd(stream, '*', 'event', JSON.stringify({ type: 'run_started', session_id: s.id }))
      .xadd(stream, '*', 'event', JSON.stringify({ ...script.started(), type: 'run_exploded' }))
      .xadd(stream, '*', 'something', 'else')
      .xadd(stream, '*', 'event', JSON.stringify(script.started()))
      .xadd(stream, '*', 'event', JSON.stringify(script.completed()))
      .exec();

    await runReaches(s.id, run_id, 'completed');
    expect(await eventCount(s.id)).toBe(2);
    const dropped = h.sessions.logs().filter((l) => l.message === 'dropping malformed run event');
    expect(dropped.length).toBeGreaterThanOrEqual(4);
    const pending = (await h.redis.xpending(stream, 'sessions')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  });

  it('ignores events of a session that no longer exists', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    expect((await user.api.delete(`${SESSIONS}/${s.id}`)).status).toBe(204);
    const after = await createSession(user);
    const afterRun = await sendQuery(user, after.id);

    await h.emit(...new RunScript(s.id, run_id).simple(), new RunScript(after.id, afterRun.run_id).started());

    await runReaches(after.id, afterRun.run_id, 'running');
    expect(await eventCount(s.id)).toBe(0);
    expect(await h.sessions.db.session.count({ where: { id: s.id } })).toBe(0);
  });

  it('do not strand the valid entries read in the same batch as one that fails to apply', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    const good = new RunScript(s.id, run_id);
    // Well-formed, but for a run sessions never created: its tool call cannot reference the run.
    const orphan = new RunScript(s.id, '11111111-1111-4111-8111-111111111111');

    await h.emit(orphan.toolUse('tu-x', 'list_files', {}), ...good.simple('after the orphan'));

    await runReaches(s.id, run_id, 'completed');
    expect((await messages(s.id)).map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(h.sessions.logs().filter((l) => l.message === 'dropping run event that cannot be applied')).toHaveLength(1);
    const pending = (await h.redis.xpending(h.keys.EVENTS_STREAM, 'sessions')) as [number, ...unknown[]];
    expect(pending[0]).toBe(0);
  }, 20_000);

  it('retry an event whose write failed, before any later one, and lose nothing', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    const script = new RunScript(s.id, run_id);
    const admin = new pg.Client({ connectionString: h.database.url });
    await admin.connect();
    try {
      // Hold the session row so the consumer's transaction waits on it, then kill that connection:
      // the write fails part-way through a batch, as in a database restart.
      await admin.query('BEGIN');
      await admin.query('SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE', [s.id]);
      await h.emit(...script.simple('held up'));
      const waiting = await eventually(
        'the consumer waits on the row lock',
        async () =>
          (
            await admin.query<{ pid: number }>(
              "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
          ).rows,
        (rows) => rows.length > 0,
      );
      await admin.query('SELECT pg_terminate_backend($1)', [waiting[0]!.pid]);
      await admin.query('COMMIT');
    } finally {
      await admin.end();
    }

    await runReaches(s.id, run_id, 'completed');
    // The killed write failed (a whole batch is retried one by one, or the read is retried): nothing is lost or reordered.
    const retried = ['event consumer error; retrying', 'batched apply failed; applying one by one'];
    expect(h.sessions.logs().some((l) => retried.includes(String(l.message)))).toBe(true);
    const rows = await h.sessions.db.sessionEvent.findMany({ where: { sessionId: s.id }, orderBy: { seq: 'asc' } });
    expect(rows.map((r) => [r.seq, r.runSeq])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
      [4, 3],
    ]);
    expect((await messages(s.id)).map((m) => m.role)).toEqual(['user', 'assistant']);
  }, 20_000);
});

describe('sequence numbers', () => {
  it('count 1, 2, 3… per session, whatever the interleaving of runs in the stream', async () => {
    const [a, b] = [await createSession(user), await createSession(user)];
    const [ra, rb] = [await sendQuery(user, a.id), await sendQuery(user, b.id)];
    const [sa, sb] = [new RunScript(a.id, ra.run_id), new RunScript(b.id, rb.run_id)];

    await h.emit(
      sa.started(),
      sb.started(),
      sa.delta('a1'),
      sb.delta('b1'),
      sb.delta('b2'),
      sa.completed(),
      sb.completed(),
    );

    await runReaches(a.id, ra.run_id, 'completed');
    await runReaches(b.id, rb.run_id, 'completed');
    const rows = await h.sessions.db.sessionEvent.findMany({
      where: { sessionId: { in: [a.id, b.id] } },
      orderBy: { id: 'asc' },
    });
    const of = (id: string) => rows.filter((r) => r.sessionId === id).map((r) => [r.seq, r.runSeq, r.type]);
    expect(of(a.id)).toEqual([
      [1, 0, 'run_started'],
      [2, 1, 'text_delta'],
      [3, 2, 'run_completed'],
    ]);
    expect(of(b.id)).toEqual([
      [1, 0, 'run_started'],
      [2, 1, 'text_delta'],
      [3, 2, 'text_delta'],
      [4, 3, 'run_completed'],
    ]);
  });
});
