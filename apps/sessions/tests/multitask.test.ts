import { MessageListResponseSchema, QueryAcceptedResponseSchema } from '@platform/contracts';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { auditOf, runReaches, startedRun } from './support/run-control';
import { RunScript } from './support/events';
import { eventually } from '@platform/testing';

let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'multitask', env: { LEADER_TICK_MS: '300' } });
  user = await h.newUser('multi');
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const query = (sessionId: string, body: Record<string, unknown>) =>
  user.api.post(`${SESSIONS}/${sessionId}/query`, body);
const texts = async (sessionId: string) =>
  MessageListResponseSchema.parse((await user.api.get(`${SESSIONS}/${sessionId}/messages`)).body).items.map((m) =>
    m.content.map((b) => (b.type === 'text' ? b.text : b.type)).join(''),
  );

describe('one run at a time per session', () => {
  it('refuses a query while a run is active with 409 RUN_IN_PROGRESS, writing nothing', async () => {
    const { session, runId } = await startedRun(h, user);

    const res = await query(session.id, { message: 'me too' });

    expect(res.status).toBe(409);
    expect(envelope(res)).toMatchObject({
      error_code: 'RUN_IN_PROGRESS',
      details: { run_id: runId, status: 'running' },
    });
    expect(await h.sessions.db.run.count({ where: { sessionId: session.id } })).toBe(1);
    expect(await texts(session.id)).toEqual(['What is in this directory?']);
  });

  it('accepts exactly one of several queries sent at once to an idle session', async () => {
    const s = await createSession(user);

    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => query(s.id, { message: `q${i}` })));

    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409, 409, 409, 409]);
    expect(await h.sessions.db.run.count({ where: { sessionId: s.id } })).toBe(1);
  });

  it('with multitask "enqueue", holds the query and starts it when the active run ends, messages in order', async () => {
    const { session, runId, script } = await startedRun(h, user);

    const res = await query(session.id, { message: 'after that', multitask: 'enqueue' });

    expect(res.status).toBe(202);
    const held = QueryAcceptedResponseSchema.parse(res.body);
    expect(held.status).toBe('queued');
    expect(await h.jobs.getJob(held.run_id)).toBeUndefined();
    await h.emit(script.message('assistant', [{ type: 'text', text: 'first answer' }]), script.completed());
    await runReaches(user, session.id, runId, 'completed');
    const job = await eventually(
      'the held run is enqueued',
      () => h.jobs.getJob(held.run_id),
      (j) => j !== undefined,
    );
    expect(job!.data).toMatchObject({ run_id: held.run_id, session_id: session.id, user_id: user.id });
    expect(await texts(session.id)).toEqual(['What is in this directory?', 'first answer', 'after that']);
    expect((await auditOf(user, session.id)).filter((a) => a.action === 'query').map((a) => a.details.held)).toEqual([
      true,
      false,
    ]);
  });

  it('releases held runs oldest first, one at a time, and on a cancel too', async () => {
    const { session, runId } = await startedRun(h, user);
    const a = QueryAcceptedResponseSchema.parse((await query(session.id, { message: 'A', multitask: 'enqueue' })).body);
    const b = QueryAcceptedResponseSchema.parse((await query(session.id, { message: 'B', multitask: 'enqueue' })).body);
    const refused = await query(session.id, { message: 'C' });

    await user.api.post(`${SESSIONS}/${session.id}/runs/${runId}/cancel`);

    expect(refused.status).toBe(409);
    await eventually(
      'A is enqueued',
      () => h.jobs.getJob(a.run_id),
      (j) => j !== undefined,
    );
    expect(await h.jobs.getJob(b.run_id)).toBeUndefined();
    await h.emit(...new RunScript(session.id, a.run_id).simple('answer A'));
    await eventually(
      'B is enqueued',
      () => h.jobs.getJob(b.run_id),
      (j) => j !== undefined,
    );
    expect(await texts(session.id)).toEqual(['What is in this directory?', 'A', 'answer A', 'B']);
  });

  it('cancelling a held run drops it without ever starting it', async () => {
    const { session, runId, script } = await startedRun(h, user);
    const held = QueryAcceptedResponseSchema.parse(
      (await query(session.id, { message: 'never', multitask: 'enqueue' })).body,
    );

    const res = await user.api.post(`${SESSIONS}/${session.id}/runs/${held.run_id}/cancel`);
    await h.emit(script.completed());
    await runReaches(user, session.id, runId, 'completed');

    expect(res.status).toBe(200);
    const fresh = await query(session.id, { message: 'next' });
    expect(fresh.status).toBe(202);
    expect(await h.jobs.getJob(held.run_id)).toBeUndefined();
    expect(await texts(session.id)).toEqual(['What is in this directory?', 'next']);
  });

  it('is released by the leader sweep when the run before it ended without a follow-up (a crash in between)', async () => {
    const s = await createSession(user);
    const first = await sendQuery(user, s.id);
    const held = QueryAcceptedResponseSchema.parse(
      (await query(s.id, { message: 'later', multitask: 'enqueue' })).body,
    );

    // The first run ends behind the service's back: no event, so no release on ingest.
    await h.sessions.db.run.update({ where: { id: first.run_id }, data: { status: 'failed', finishedAt: new Date() } });

    await eventually(
      'the sweep enqueues the held run',
      () => h.jobs.getJob(held.run_id),
      (j) => j !== undefined,
      5000,
    );
  });
});
