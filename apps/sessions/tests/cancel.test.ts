import { Redis } from 'ioredis';
import { CONTROL_RUN_SEQ, RunSchema, ToolCallListResponseSchema, cancelKeys } from '@platform/contracts';
import { eventually, sleep, testRedisUrl } from '@platform/testing';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { auditOf, eventsOf, getRun, newRequestId, parkJob, runReaches, startedRun } from './support/run-control';
import { RunScript } from './support/events';

let h: SessionsHarness;
let owner: TestUser;
let other: TestUser;
let signals: Redis;
const published: string[] = [];

beforeAll(async () => {
  h = await startSessions({ name: 'cancel' });
  [owner, other] = await Promise.all([h.newUser('owner'), h.newUser('other')]);
  await h.setQuota(owner.id, 50);
  // Listen as a runner would for cancel messages.
  signals = new Redis(testRedisUrl());
  signals.on('message', (_channel: string, runId: string) => published.push(runId));
  await signals.subscribe(cancelKeys(h.keys.EVENTS_STREAM).channel);
}, 60_000);

afterAll(async () => {
  signals?.disconnect();
  await h?.stop();
}, 30_000);

const cancelPath = (sessionId: string, runId: string) => `${SESSIONS}/${sessionId}/runs/${runId}/cancel`;

describe('cancelling a run', () => {
  it('ends it as cancelled at once, closes its open tool call, records one run_cancelled and signals the runner', async () => {
    const { session, runId, script } = await startedRun(h, owner);
    await h.emit(script.toolUse('tu-1', 'search_files', { pattern: 'x' }));
    await eventually(
      'the tool call runs',
      () => h.sessions.db.toolCall.count({ where: { runId, status: 'running' } }),
      (n) => n === 1,
    );

    const res = await owner.api.post(cancelPath(session.id, runId), { reason: 'changed my mind' });

    expect(res.status).toBe(200);
    const run = RunSchema.parse(res.body);
    expect(run).toMatchObject({ id: runId, status: 'cancelled' });
    expect(run.finished_at).not.toBeNull();
    const calls = ToolCallListResponseSchema.parse(
      (await owner.api.get(`${SESSIONS}/${session.id}/tool-calls`)).body,
    ).items;
    expect(calls.map((c) => c.status)).toEqual(['cancelled']);
    const events = await eventsOf(h, session.id);
    expect(events.filter((e) => e.type === 'run_cancelled')).toEqual([
      expect.objectContaining({ runSeq: CONTROL_RUN_SEQ.run_cancelled }),
    ]);
    const key = cancelKeys(h.keys.EVENTS_STREAM).key(runId);
    expect(await h.redis.get(key)).toBe('1');
    expect(await h.redis.pttl(key)).toBeGreaterThan(60_000);
    await eventually(
      'the runner hears the cancel',
      async () => published,
      (p) => p.includes(runId),
    );
    expect(await auditOf(owner, session.id)).toContainEqual(
      expect.objectContaining({
        action: 'run_cancelled',
        actor: `user:${owner.id}`,
        details: { reason: 'changed my mind' },
      }),
    );
  });

  it('keeps the run cancelled and records nothing more when the runner writes after the cancel', async () => {
    const { session, runId, script } = await startedRun(h, owner);
    await owner.api.post(cancelPath(session.id, runId));
    const before = await eventsOf(h, session.id);

    await h.emit(
      script.delta('late'),
      script.message('assistant', [{ type: 'text', text: 'late' }]),
      script.completed(),
    );
    // A marker run in another session: once it is applied, so were the late events (the consumer is in order).
    const marker = await startedRun(h, owner);

    expect(marker.runId).toBeDefined();
    expect(await eventsOf(h, session.id)).toEqual(before);
    expect((await getRun(owner, session.id, runId)).status).toBe('cancelled');
    expect(await h.sessions.db.message.count({ where: { runId } })).toBe(1);
  });

  it('lets the next query on the session start at once', async () => {
    const { session, runId } = await startedRun(h, owner);
    await owner.api.post(cancelPath(session.id, runId));

    const next = await owner.api.post(`${SESSIONS}/${session.id}/query`, { message: 'again' });

    expect(next.status).toBe(202);
    expect(await h.jobs.getJob((next.body as { run_id: string }).run_id)).toBeDefined();
  });

  it('withdraws a job that has not started, and a parked one waiting for a permission answer', async () => {
    const s = await createSession(owner);
    const queued = await sendQuery(owner, s.id);
    await owner.api.post(cancelPath(s.id, queued.run_id));
    const asking = await startedRun(h, owner);
    const requestId = newRequestId();
    await h.emit(
      asking.script.permissionRequest(requestId, 'tu-w', 'write_file', { path: 'a' }, new Date(Date.now() + 60_000)),
    );
    await runReaches(owner, asking.session.id, asking.runId, 'requires_action');
    await parkJob(h, asking.runId);

    const res = await owner.api.post(cancelPath(asking.session.id, asking.runId));

    expect(res.status).toBe(200);
    expect(await h.jobs.getJob(queued.run_id)).toBeUndefined();
    expect(await h.jobs.getJob(asking.runId)).toBeUndefined();
    const request = await h.sessions.db.permissionRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(request).toMatchObject({ status: 'cancelled', decidedBy: `user:${owner.id}` });
    const answer = await owner.api.post(`${SESSIONS}/${asking.session.id}/permissions/${requestId}`, {
      decision: 'allow',
    });
    expect(answer.status).toBe(409);
  });

  it('answers 409 for a run that already ended, 404 for unknown runs and for other people', async () => {
    const { session, runId, script } = await startedRun(h, owner);
    const stranger = await other.api.post(cancelPath(session.id, runId));
    await h.emit(script.completed());
    await runReaches(owner, session.id, runId, 'completed');

    const ended = await owner.api.post(cancelPath(session.id, runId));
    const unknown = await owner.api.post(cancelPath(session.id, '00000000-0000-4000-8000-000000000000'));

    expect(stranger.status).toBe(404);
    expect(ended.status).toBe(409);
    expect(envelope(ended).details).toMatchObject({ status: 'completed' });
    expect(unknown.status).toBe(404);
    expect((await eventsOf(h, session.id)).map((e) => e.type)).toEqual(['run_started', 'run_completed']);
  });

  it('ends a query waiting with ?wait=true with the cancelled run', async () => {
    const s = await createSession(owner);
    const pending = owner.api.post(`${SESSIONS}/${s.id}/query`, { message: 'slow' }, { query: { wait: 'true' } });
    const runId = await eventually(
      'the run exists',
      () => h.sessions.db.run.findFirst({ where: { sessionId: s.id } }),
      (r) => r !== null,
    );
    await sleep(100);

    await owner.api.post(cancelPath(s.id, runId!.id));
    const res = await pending;

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', run: { status: 'cancelled' } });
  });
});

describe('deleting a session', () => {
  it('cancels its active run first: the runner is told to stop, and its later events are ignored', async () => {
    const { session, runId, script } = await startedRun(h, owner);

    expect((await owner.api.delete(`${SESSIONS}/${session.id}`)).status).toBe(204);

    expect(await h.redis.get(cancelKeys(h.keys.EVENTS_STREAM).key(runId))).toBe('1');
    await eventually(
      'the runner hears the cancel',
      async () => published,
      (p) => p.includes(runId),
    );
    await h.emit(script.completed());
    const after = await startedRun(h, owner);
    expect(after.runId).toBeDefined();
    expect(await h.sessions.db.sessionEvent.count({ where: { sessionId: session.id } })).toBe(0);
  });

  it('works on a session whose runs have all ended', async () => {
    const s = await createSession(owner);
    const { run_id } = await sendQuery(owner, s.id);
    await h.emit(...new RunScript(s.id, run_id).simple());
    await runReaches(owner, s.id, run_id, 'completed');

    expect((await owner.api.delete(`${SESSIONS}/${s.id}`)).status).toBe(204);
    expect(await h.redis.exists(cancelKeys(h.keys.EVENTS_STREAM).key(run_id))).toBe(0);
  });
});
