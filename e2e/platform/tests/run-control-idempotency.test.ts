import { randomUUID } from 'node:crypto';
import { QueryAcceptedResponseSchema, SessionSchema } from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import { SESSIONS, createSession, messagesOf } from './support/sessions';
import { runReaches } from './support/run-control';

jest.setTimeout(30_000);

let platform: Platform;
let alice: Session;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-run-control-idempotency', sessions: true, shared: true });
  alice = await signUp(platform.api, 'alice');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const key = () => ({ headers: { 'idempotency-key': randomUUID() } });

describe('Idempotency-Key through the gateway', () => {
  it('replays a session creation: same id, one session, and 422 for the same key with another body', async () => {
    const k = key();
    const first = await alice.as.post(SESSIONS, { name: 'idempotent' }, k);
    const retry = await alice.as.post(SESSIONS, { name: 'idempotent' }, k);
    const reused = await alice.as.post(SESSIONS, { name: 'something else' }, k);

    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(SessionSchema.parse(retry.body).id).toBe(SessionSchema.parse(first.body).id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expectEnvelope(reused, 422, 'IDEMPOTENCY_KEY_REUSED');
    const mine = await alice.as.get(SESSIONS, { query: { limit: 100 } });
    expect((mine.body as { items: Array<{ name: string }> }).items.filter((s) => s.name === 'idempotent')).toHaveLength(
      1,
    );
  });

  it('replays a query: the same run, run once by the agent, one user message', async () => {
    const session = await createSession(alice.as, { name: 'query once' });
    const k = key();

    const first = QueryAcceptedResponseSchema.parse(
      (await alice.as.post(`${SESSIONS}/${session.id}/query`, { message: 'list the files' }, k)).body,
    );
    await runReaches(alice.as, session.id, first.run_id, 'completed');
    const retry = await alice.as.post(`${SESSIONS}/${session.id}/query`, { message: 'list the files' }, k);

    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first);
    const runs = await alice.as.get(`${SESSIONS}/${session.id}/runs`);
    expect((runs.body as { items: unknown[] }).items).toHaveLength(1);
    expect((await messagesOf(alice.as, session.id)).filter((m) => m.role === 'user')).toHaveLength(1);
  });

  it('replays a fork: the same child, forked once', async () => {
    const parent = await createSession(alice.as, { name: 'parent' });
    const k = key();

    const first = await alice.as.post(`${SESSIONS}/${parent.id}/fork`, { name: 'child' }, k);
    const retry = await alice.as.post(`${SESSIONS}/${parent.id}/fork`, { name: 'child' }, k);
    const other = await alice.as.post(`${SESSIONS}/${parent.id}/fork`, { name: 'another child' }, k);

    expect(first.status).toBe(201);
    expect(SessionSchema.parse(retry.body).id).toBe(SessionSchema.parse(first.body).id);
    expectEnvelope(other, 422, 'IDEMPOTENCY_KEY_REUSED');
    const all = (await alice.as.get(SESSIONS, { query: { limit: 100 } })).body as {
      items: Array<{ parent_session_id: string | null }>;
    };
    expect(all.items.filter((s) => s.parent_session_id === parent.id)).toHaveLength(1);
  });

  it('keeps keys per person: the same key from someone else is a request of their own', async () => {
    const bob = await signUp(platform.api, 'bob');
    const k = key();

    const a = await alice.as.post(SESSIONS, { name: 'shared key' }, k);
    const b = await bob.as.post(SESSIONS, { name: 'shared key' }, k);

    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(SessionSchema.parse(b.body).id).not.toBe(SessionSchema.parse(a.body).id);
  });
});
