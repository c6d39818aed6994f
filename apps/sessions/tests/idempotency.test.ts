import { randomUUID } from 'node:crypto';
import { QueryAcceptedResponseSchema, SessionSchema } from '@platform/contracts';
import { SESSIONS, createSession, envelope } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { auditOf } from './support/run-control';
import { RunScript } from './support/events';
import { eventually, sleep } from '@platform/testing';

const TTL_S = 3;
let h: SessionsHarness;
let user: TestUser;
let other: TestUser;

beforeAll(async () => {
  h = await startSessions({
    name: 'idempotency',
    // FORK_WAIT_MS keeps a fork in flight long enough to send its duplicate meanwhile.
    env: { IDEMPOTENCY_TTL_S: String(TTL_S), LEADER_TICK_MS: '300', FORK_WAIT_MS: '1500' },
  });
  [user, other] = await Promise.all([h.newUser('retrier'), h.newUser('other')]);
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const withKey = (key: string) => ({ headers: { 'idempotency-key': key } });

describe('Idempotency-Key on session creation', () => {
  it('returns the original session for a retry with the same key and body, creating it once', async () => {
    const key = randomUUID();
    const body = { name: 'once only', options: { max_turns: 3, provider: 'offline' } };

    const first = await user.api.post(SESSIONS, body, withKey(key));
    // Same body, keys in another order: the same request.
    const retry = await user.api.post(
      SESSIONS,
      { options: { provider: 'offline', max_turns: 3 }, name: 'once only' },
      withKey(key),
    );

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const id = SessionSchema.parse(first.body).id;
    expect(await h.sessions.db.session.count({ where: { ownerId: user.id, name: 'once only' } })).toBe(1);
    expect((await auditOf(user, id)).filter((a) => a.action === 'session_created')).toHaveLength(1);
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body, and keeps keys per person', async () => {
    const key = randomUUID();
    await user.api.post(SESSIONS, { name: 'first' }, withKey(key));

    const reused = await user.api.post(SESSIONS, { name: 'second' }, withKey(key));
    const elsewhere = await user.api.post(`${SESSIONS}/${randomUUID()}/fork`, {}, withKey(key));
    const someoneElse = await other.api.post(SESSIONS, { name: 'second' }, withKey(key));

    expect(reused.status).toBe(422);
    expect(envelope(reused).error_code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(elsewhere.status).toBe(422);
    expect(someoneElse.status).toBe(201);
  });

  it('does not keep a failed answer: the key stays free, so a retry runs again', async () => {
    const key = randomUUID();
    const failed = await user.api.post(SESSIONS, { name: 'bad', template_id: 'no-such-template' }, withKey(key));
    const fixed = await user.api.post(SESSIONS, { name: 'bad', template_id: 'no-such-template' }, withKey(key));

    expect(failed.status).toBe(404);
    expect(fixed.status).toBe(404);
    expect(await h.sessions.db.idempotencyKey.count({ where: { userId: user.id, key } })).toBe(0);
  });

  it('refuses a malformed key with 400', async () => {
    const res = await user.api.post(SESSIONS, { name: 'x' }, withKey('x'.repeat(300)));

    expect(res.status).toBe(400);
    expect(envelope(res).details?.issues).toEqual([expect.objectContaining({ path: 'headers.idempotency-key' })]);
  });
});

describe('Idempotency-Key on queries', () => {
  it('returns the same run for a retry: one run, one job, one user message, even after the run finished', async () => {
    const s = await createSession(user);
    const key = randomUUID();
    const first = QueryAcceptedResponseSchema.parse(
      (await user.api.post(`${SESSIONS}/${s.id}/query`, { message: 'hi' }, withKey(key))).body,
    );
    await h.emit(...new RunScript(s.id, first.run_id).simple());
    await eventually(
      'the run completes',
      () => h.sessions.db.run.findUniqueOrThrow({ where: { id: first.run_id } }),
      (r) => r.status === 'completed',
    );

    const retry = await user.api.post(`${SESSIONS}/${s.id}/query`, { message: 'hi' }, withKey(key));

    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first);
    expect(await h.sessions.db.run.count({ where: { sessionId: s.id } })).toBe(1);
    expect(await h.sessions.db.message.count({ where: { sessionId: s.id, role: 'user' } })).toBe(1);
    expect(
      (await h.jobs.getJobs(['waiting', 'active', 'completed', 'delayed'])).filter((j) => j.data.session_id === s.id),
    ).toHaveLength(1);
  });
});

describe('Idempotency-Key on forks', () => {
  it('returns the same fork for a retry, and 409 with Retry-After for a duplicate sent while the first is in flight', async () => {
    const parent = await createSession(user);
    const key = randomUUID();

    // The duplicate goes out once the first has claimed the key (and waits FORK_WAIT_MS for a runner that is not there).
    const claimed = () =>
      eventually(
        'the first fork claims the key',
        () => h.sessions.db.idempotencyKey.findUnique({ where: { userId_key: { userId: user.id, key } } }),
        (row) => row?.state === 'in_flight',
        5000,
        10,
      );
    const [a, b] = await Promise.all([
      user.api.post(`${SESSIONS}/${parent.id}/fork`, { name: 'child' }, withKey(key)),
      claimed().then(() => user.api.post(`${SESSIONS}/${parent.id}/fork`, { name: 'child' }, withKey(key))),
    ]);
    const retry = await user.api.post(`${SESSIONS}/${parent.id}/fork`, { name: 'child' }, withKey(key));

    expect(a.status).toBe(201);
    expect(b.status).toBe(409);
    expect(envelope(b).error_code).toBe('CONFLICT');
    expect(b.headers.get('retry-after')).toBe('1');
    expect(retry.status).toBe(201);
    expect(SessionSchema.parse(retry.body).id).toBe(SessionSchema.parse(a.body).id);
    expect(await h.sessions.db.session.count({ where: { parentSessionId: parent.id } })).toBe(1);
  });
});

describe('an expired Idempotency-Key', () => {
  it('is free again after IDEMPOTENCY_TTL_S, and the leader prunes it', async () => {
    const key = randomUUID();
    const first = await user.api.post(SESSIONS, { name: 'before expiry' }, withKey(key));
    await sleep(TTL_S * 1000 + 200);

    const again = await user.api.post(SESSIONS, { name: 'after expiry' }, withKey(key));

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(SessionSchema.parse(again.body).id).not.toBe(SessionSchema.parse(first.body).id);
    const other = randomUUID();
    await user.api.post(SESSIONS, { name: 'to be pruned' }, withKey(other));
    await eventually(
      'the leader prunes the expired key',
      () => h.sessions.db.idempotencyKey.count({ where: { userId: user.id, key: other } }),
      (n) => n === 0,
      TTL_S * 1000 + 3000,
    );
  }, 20_000);
});
