import { UnrecoverableError, Worker } from 'bullmq';
import { AGENT_RUNS_QUEUE, CONTROL_RUN_SEQ, cancelKeys } from '@platform/contracts';
import { bullConnection } from '@platform/queue-kit';
import { eventually, testRedisUrl } from '@platform/testing';
import { SESSIONS, createSession, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { auditOf, eventsOf, getRun, newRequestId, parkJob, runReaches, startedRun } from './support/run-control';
import { RunScript } from './support/events';

// Long enough that a run the test finishes itself, a second after its start, is far within it on a loaded machine.
const DEADLINE_MS = 2500;
let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({
    name: 'watchdog',
    env: {
      LEADER_TICK_MS: '300',
      RUN_DEADLINE_MS: String(DEADLINE_MS),
      PERMISSION_DEADLINE_GRACE_MS: '500',
      RUN_STRANDED_GRACE_MS: '800',
    },
  });
  user = await h.newUser('watched');
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

describe('the watchdog', () => {
  // First: the only job in the queue is this one, so a worker's next job is it.
  it('fails a queued run whose job failed for good (every attempt used)', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    const worker = new Worker(AGENT_RUNS_QUEUE, null, {
      connection: bullConnection(testRedisUrl(), { forWorker: true }),
      prefix: h.keys.QUEUE_PREFIX,
      autorun: false,
    });
    try {
      const job = await worker.getNextJob('test-token');
      expect(job?.id).toBe(run_id);
      await job!.moveToFailed(new UnrecoverableError('invalid payload'), 'test-token', false);
      expect(await job!.getState()).toBe('failed');
    } finally {
      await worker.close();
    }

    const run = await runReaches(user, s.id, run_id, 'failed', 5000);

    expect(run.error).toBe('The runner gave up on this run');
    expect(await auditOf(user, s.id)).toContainEqual(
      expect.objectContaining({ action: 'run_failed', details: expect.objectContaining({ job_state: 'failed' }) }),
    );
  }, 10_000);

  it('times out a run still running past RUN_DEADLINE_MS: one run_timed_out, the runner told to stop', async () => {
    const { session, runId, script } = await startedRun(h, user);

    const run = await runReaches(user, session.id, runId, 'timed_out', DEADLINE_MS + 5000);
    await h.emit(script.completed());
    await startedRun(h, user); // once this is applied, so was the late run_completed

    expect(run.error).toBe('The run did not finish before its deadline');
    expect(Date.parse(run.finished_at!) - Date.parse(run.started_at!)).toBeGreaterThanOrEqual(DEADLINE_MS);
    expect((await eventsOf(h, session.id)).map((e) => [e.type, e.runSeq])).toEqual([
      ['run_started', 0],
      ['run_timed_out', CONTROL_RUN_SEQ.run_timed_out],
    ]);
    expect(await h.redis.get(cancelKeys(h.keys.EVENTS_STREAM).key(runId))).toBe('1');
    expect(await auditOf(user, session.id)).toContainEqual(
      expect.objectContaining({ action: 'run_timed_out', actor: 'system:watchdog' }),
    );
    expect((await getRun(user, session.id, runId)).status).toBe('timed_out');
  }, 15_000);

  it('gives a run waiting for an answer until the request expires plus the grace period', async () => {
    const { session, runId, script } = await startedRun(h, user);
    const expiresAt = new Date(Date.now() + DEADLINE_MS + 1000);
    await h.emit(script.permissionRequest(newRequestId(), 'tu-w', 'write_file', { path: 'a' }, expiresAt));
    await runReaches(user, session.id, runId, 'requires_action');
    await parkJob(h, runId);

    const run = await runReaches(user, session.id, runId, 'timed_out', 8000);

    // Past RUN_DEADLINE_MS from its start, but not before the request expired (+ grace).
    expect(Date.parse(run.finished_at!)).toBeGreaterThanOrEqual(expiresAt.getTime() + 500);
    expect(run.error).toBe('No answer to the permission request in time');
    // The parked job (woken when the request expired) is withdrawn right after the run ends.
    await eventually(
      'the job is withdrawn',
      () => h.jobs.getJob(runId),
      (j) => j === undefined,
    );
  }, 15_000);

  it('fails a running run whose job is gone, with one run_failed from sessions', async () => {
    const { session, runId } = await startedRun(h, user);
    await (await h.jobs.getJob(runId))!.remove();

    const run = await runReaches(user, session.id, runId, 'failed', 5000);

    expect(run.error).toBe('The run stopped without a result');
    expect((await eventsOf(h, session.id)).at(-1)).toMatchObject({
      type: 'run_failed',
      runSeq: CONTROL_RUN_SEQ.run_failed,
    });
    expect(await auditOf(user, session.id)).toContainEqual(
      expect.objectContaining({
        action: 'run_failed',
        actor: 'system:watchdog',
        details: expect.objectContaining({ job_state: 'missing' }),
      }),
    );
  }, 10_000);

  it('leaves a run alone while its job is alive and it is within its deadline', async () => {
    const s = await createSession(user);
    const { run_id } = await sendQuery(user, s.id);
    const script = new RunScript(s.id, run_id);
    await h.emit(script.started());
    await new Promise((r) => setTimeout(r, 1000)); // three leader ticks, each a chance to wrongly act on it

    expect((await getRun(user, s.id, run_id)).status).toBe('running');
    await h.emit(script.completed());
    await runReaches(user, s.id, run_id, 'completed');
    expect((await user.api.get(`${SESSIONS}/${s.id}/runs/${run_id}`)).status).toBe(200);
  });
});
