import { MessageListResponseSchema, QueryAcceptedResponseSchema } from '@platform/contracts';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { auditOf, runReaches, startedRun } from './support/run-control';
import { RunScript } from './support/events';
import { eventually } from '@platform/testing';

let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'multitask', env: { LEADER_TICK_MS: '300', MAX_HELD_RUNS_PER_SESSION: '30' } });
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

  it('holds at most MAX_HELD_RUNS_PER_SESSION runs behind the active one: one more is 429, writing nothing', async () => {
    const { session, runId } = await startedRun(h, user);
    for (let i = 0; i < 30; i++) expect((await query(session.id, { message: `held ${i}`, multitask: 'enqueue' })).status).toBe(202);

    const res = await query(session.id, { message: 'one too many', multitask: 'enqueue' });

    expect(res.status).toBe(429);
    expect(envelope(res)).toMatchObject({
      error_code: 'QUOTA_EXCEEDED',
      error: expect.stringMatching(/holds 30 queued runs .*at most 30.*cancel one with POST \/api\/v1\/sessions\/.+\/runs\/\{run_id\}\/cancel/),
      details: { limit: 30, held: 30, run_id: runId },
    });
    expect(await h.sessions.db.run.count({ where: { sessionId: session.id } })).toBe(31);
    // A slot freed by a cancel is a slot again.
    const [oldestHeld] = await h.sessions.db.run.findMany({ where: { sessionId: session.id, held: true }, orderBy: { createdAt: 'asc' }, take: 1 });
    expect((await user.api.post(`${SESSIONS}/${session.id}/runs/${oldestHeld!.id}/cancel`)).status).toBe(200);
    expect((await query(session.id, { message: 'fits again', multitask: 'enqueue' })).status).toBe(202);
  }, 30_000);

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

describe('cancelling many runs at once', () => {
  /** A started run with `n` runs held behind it; their ids, active one first. */
  async function heldBehind(n: number) {
    const { session, runId } = await startedRun(h, user);
    const held: string[] = [];
    // One after another: the cap on held runs is not what this is about.
    for (let i = 0; i < n; i++)
      held.push(QueryAcceptedResponseSchema.parse((await query(session.id, { message: `held ${i}`, multitask: 'enqueue' })).body).run_id);
    return { session, ids: [runId, ...held] };
  }

  const cancel = (sessionId: string, runId: string) => user.api.post(`${SESSIONS}/${sessionId}/runs/${runId}/cancel`, { reason: 'at once' });

  it('answers every one of 30 parallel cancels (the active run and its held runs) 200, and each run really ends', async () => {
    const { session, ids } = await heldBehind(29);

    const answers = await Promise.all(ids.map((id) => cancel(session.id, id)));

    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    const runs = await h.sessions.db.run.findMany({ where: { sessionId: session.id } });
    expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'cancelled'));
    // Each ended for good: one run_cancelled each, and nothing else but the active run's run_started.
    const events = await h.sessions.db.sessionEvent.findMany({ where: { sessionId: session.id }, orderBy: { seq: 'asc' } });
    expect(events.filter((e) => e.type !== 'run_cancelled').map((e) => [e.runId, e.type])).toEqual([[ids[0], 'run_started']]);
    expect(events.filter((e) => e.type === 'run_cancelled').map((e) => e.runId).sort()).toEqual([...ids].sort());
    // A held run released just before its own cancel arrived was cancelled as a queued run is: its job, if
    // enqueued at all, finds the run ended. None is waiting to run.
    const jobs = await Promise.all(ids.map((id) => h.jobs.getJob(id)));
    expect(await Promise.all(jobs.map((j) => j?.getState() ?? 'none'))).not.toContain('waiting');
  }, 30_000);

  it('answers each run of 3 × 10 parallel cancels of the same runs exactly once 200, the others 409', async () => {
    const { session, ids } = await heldBehind(9);

    const answers = await Promise.all([...ids, ...ids, ...ids].map((id) => cancel(session.id, id).then((r) => [id, r.status] as const)));

    for (const id of ids) expect(answers.filter(([i]) => i === id).map(([, s]) => s).sort()).toEqual([200, 409, 409]);
    expect(new Set((await h.sessions.db.run.findMany({ where: { sessionId: session.id } })).map((r) => r.status))).toEqual(new Set(['cancelled']));
  }, 30_000);
});
