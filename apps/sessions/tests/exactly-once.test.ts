import {
  InternalHistoryResponseSchema,
  MessageListResponseSchema,
  ToolCallListResponseSchema,
} from '@platform/contracts';
import { SESSIONS, createSession, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { eventsOf, getRun, newRequestId, runReaches, serviceApi, startedRun } from './support/run-control';
import { RunScript } from './support/events';

let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'exactly-once' });
  user = await h.newUser('once');
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const messagesOf = async (sessionId: string) =>
  MessageListResponseSchema.parse((await user.api.get(`${SESSIONS}/${sessionId}/messages`)).body).items;
const toolCallsOf = async (sessionId: string) =>
  ToolCallListResponseSchema.parse((await user.api.get(`${SESSIONS}/${sessionId}/tool-calls`)).body).items;

describe('a run picked up again after its runner died (same run, run_seq going on)', () => {
  it('keeps one run_started, one message per turn and one tool call per tool_use_id, and ends once', async () => {
    const { session, runId, script } = await startedRun(h, user);
    const startedAt = (await getRun(user, session.id, runId)).started_at;
    const turn1 = [
      { type: 'text' as const, text: 'Listing.' },
      { type: 'tool_use' as const, id: 'tu-1', name: 'list_files', input: {} },
    ];
    const result1 = [{ type: 'tool_result' as const, tool_use_id: 'tu-1', content: 'a.txt', is_error: false }];
    await h.emit(script.message('assistant', turn1, undefined, 1), script.toolUse('tu-1', 'list_files', {}));

    // The second attempt: starts again, replays turn 1 and its tool call, then goes on.
    await h.emit(
      script.started(),
      script.message('assistant', turn1, undefined, 1),
      script.toolUse('tu-1', 'list_files', {}),
      script.toolResult('tu-1', 'a.txt'),
      script.message('tool', result1, undefined, 1),
      script.message('assistant', [{ type: 'text', text: 'One file.' }], undefined, 2),
      script.completed(),
      script.completed(),
    );
    await runReaches(user, session.id, runId, 'completed');

    expect((await eventsOf(h, session.id)).map((e) => e.type)).toEqual([
      'run_started',
      'message_complete',
      'tool_use',
      'tool_result',
      'message_complete',
      'message_complete',
      'run_completed',
    ]);
    expect((await messagesOf(session.id)).map((m) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    expect(await toolCallsOf(session.id)).toEqual([expect.objectContaining({ status: 'succeeded', output: 'a.txt' })]);
    const run = await getRun(user, session.id, runId);
    expect(run).toMatchObject({ turns: 2, started_at: startedAt });
  });

  it('keeps one permission request when the runner asks again for the same call', async () => {
    const { session, runId, script } = await startedRun(h, user);
    const requestId = newRequestId();
    const ask = () =>
      script.permissionRequest(requestId, 'tu-w', 'write_file', { path: 'x' }, new Date(Date.now() + 60_000));

    await h.emit(ask(), ask());
    await runReaches(user, session.id, runId, 'requires_action');
    await h.emit(script.completed());
    await runReaches(user, session.id, runId, 'completed');

    expect((await eventsOf(h, session.id)).filter((e) => e.type === 'permission_request')).toHaveLength(1);
    expect(await h.sessions.db.permissionRequest.count({ where: { runId } })).toBe(1);
    expect(await toolCallsOf(session.id)).toHaveLength(1);
  });

  it('tells the runner how far its events were persisted (internal history with ?run_id=)', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    const service = await serviceApi(h);
    const before = InternalHistoryResponseSchema.parse(
      (await service.get(`/internal/sessions/${s.id}/messages`, { query: { run_id } })).body,
    );
    const script = new RunScript(s.id, run_id);
    await h.emit(script.started(), script.delta('a'), script.delta('b'));
    await runReaches(user, s.id, run_id, 'running');
    await new Promise((r) => setTimeout(r, 200));

    const after = InternalHistoryResponseSchema.parse(
      (await service.get(`/internal/sessions/${s.id}/messages`, { query: { run_id } })).body,
    );
    const unknown = await service.get(`/internal/sessions/${s.id}/messages`, {
      query: { run_id: '00000000-0000-4000-8000-000000000000' },
    });

    expect(before.run).toEqual({ id: run_id, status: 'queued', last_run_seq: null });
    expect(after.run).toEqual({ id: run_id, status: 'running', last_run_seq: 2 });
    expect(after.options).toEqual({});
    expect(unknown.status).toBe(404);
  });
});
