import type { Job } from 'bullmq';
import { AgentRunJobSchema, HealthResponseSchema, ReadyResponseSchema, type AgentRunJob } from '@platform/contracts';
import { RunScript } from './support/events';
import { SESSIONS, createSession, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { eventually } from '@platform/testing';

let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'ops', env: { REQUEUE_AFTER_MS: '200' } });
  user = await h.newUser('ops');
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

describe('the outbox sweep', () => {
  it('enqueues again a queued run whose job went missing, with the same payload, and only that run', async () => {
    // One run at a time per session: each case in a session of its own.
    const options = { options: { provider: 'offline', max_turns: 2 } };
    const [s0, s1, s] = [
      await createSession(user, options),
      await createSession(user, options),
      await createSession(user, options),
    ];
    // A run the runner already started, whose job is gone (completed and cleaned up, say): not a candidate.
    const started = await sendQuery(user, s0.id);
    await h.emit(new RunScript(s0.id, started.run_id).started());
    await eventually(
      'the run is running',
      () => user.api.get(`${SESSIONS}/${s0.id}/runs/${started.run_id}`),
      (r) => (r.body as { status?: string }).status === 'running',
    );
    await (await h.jobs.getJob(started.run_id))!.remove();
    // A queued run whose job is still waiting: left as it is.
    const waiting = await sendQuery(user, s1.id);
    const waitingJob = (await h.jobs.getJob(waiting.run_id))!;
    // A queued run whose job went missing (an enqueue that failed, a Redis that lost it).
    const { run_id } = await sendQuery(user, s.id);
    const original = (await h.jobs.getJob(run_id)) as Job<AgentRunJob>;
    const payload = AgentRunJobSchema.parse(original.data);
    await original.remove();
    expect(await h.jobs.getJob(run_id)).toBeUndefined();

    // The leader sweeps at most every 5 s.
    const again = await eventually(
      'the run is enqueued again',
      () => h.jobs.getJob(run_id),
      (j) => j !== undefined,
      12_000,
    );

    expect(again!.name).toBe('run');
    expect(AgentRunJobSchema.parse(again!.data)).toEqual(payload);
    // The sweep logs once it has gone through every candidate.
    const sweeps = await eventually(
      'the sweep reports',
      async () => h.sessions.logs().filter((l) => l.message === 're-enqueued queued runs with no job'),
      (found) => found.length > 0,
    );
    expect(sweeps.map((l) => l.count)).toEqual([1]);
    expect(await h.jobs.getJob(started.run_id)).toBeUndefined();
    expect((await h.jobs.getJob(waiting.run_id))!.timestamp).toBe(waitingJob.timestamp);
  }, 20_000);
});

describe('operations endpoints', () => {
  it('/health answers 200 and /ready lists postgres, redis and the queue as reachable', async () => {
    const health = await h.anonymous.get('/health');
    const ready = await h.anonymous.get('/ready');

    expect(health.status).toBe(200);
    expect(HealthResponseSchema.parse(health.body).service).toBe('sessions');
    expect(ready.status).toBe(200);
    const body = ReadyResponseSchema.parse(ready.body);
    expect(body.status).toBe('ready');
    expect(body.checks.map((c) => [c.name, c.ok])).toEqual([
      ['postgres', true],
      ['redis', true],
      ['queue', true],
    ]);
  });

  it('/ready answers well within a probe timeout on the instance that is consuming events', async () => {
    expect(h.sessions.built.consumer.isLeader).toBe(true);
    const latencies: number[] = [];
    for (let i = 0; i < 6; i++) {
      const started = Date.now();
      expect((await h.anonymous.get('/ready')).status).toBe(200);
      latencies.push(Date.now() - started);
      await new Promise((r) => setTimeout(r, 170)); // land at different points of the consumer's blocking read
    }

    expect(Math.max(...latencies)).toBeLessThan(500);
  });

  it('/metrics exposes request counts by route template, never by raw path', async () => {
    const s = await createSession(user);
    await user.api.get(`${SESSIONS}/${s.id}`);

    const res = await h.anonymous.get('/metrics');

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/api\/v1\/sessions\/:id"[^}]*status="200"[^}]*\} \d+/);
    expect(text).toMatch(/http_requests_total\{[^}]*method="POST"[^}]*route="\/api\/v1\/sessions"[^}]*status="201"/);
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).not.toContain(s.id);
  });
});
