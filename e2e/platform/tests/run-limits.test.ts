import { QueryAcceptedResponseSchema, QueryWaitResponseSchema, RunListResponseSchema } from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import { SESSIONS, createSession, openStream, replayUntilEnd, startQuery } from './support/sessions';
import { eventOf, getRun } from './support/run-control';

jest.setTimeout(90_000);

/**
 * Held runs per session are capped (MAX_HELD_RUNS_PER_SESSION, 10 by default), and any number of parallel
 * cancels of an active run and its held runs answer 200 or 409, each 200 a run that really ended. Through
 * the gateway, every service a real process, with the defaults.
 */
let platform: Platform;
let owner: Session;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-run-limits', sessions: true });
  owner = await signUp(platform.api, 'holder');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const enqueue = (sessionId: string, message: string) => owner.as.post(`${SESSIONS}/${sessionId}/query`, { message, multitask: 'enqueue' });

/**
 * A session whose run waits for a person's answer (a write in the `default` mode asks first): it stays
 * active for as long as the test needs, with no clock involved. Then `held` queries held behind it.
 */
async function activeWithHeld(name: string, held: number) {
  const session = await createSession(owner.as, { name, options: { permission_mode: 'default' } });
  const stream = await openStream(platform.gateway.url, owner.tokens.access_token, session.id);
  const { run_id: activeId } = await startQuery(owner.as, session.id, 'write waiting.txt: for an answer');
  await eventOf(stream, 'permission_request', activeId, 30_000);
  stream.close();
  const heldIds: string[] = [];
  for (let i = 0; i < held; i++) {
    const res = await enqueue(session.id, `list the files (${i})`);
    if (res.status !== 202) throw new Error(`held query ${i} answered ${res.status}: ${res.text}`);
    heldIds.push(QueryAcceptedResponseSchema.parse(res.body).run_id);
  }
  return { session, activeId, heldIds };
}

describe('held runs', () => {
  it('are capped at 10 per session: the 11th is a 429 that says how to make room, and nothing is written', async () => {
    const { session, activeId, heldIds } = await activeWithHeld('capped', 10);

    const res = await enqueue(session.id, 'one too many');

    const refusal = expectEnvelope(res, 429, 'QUOTA_EXCEEDED');
    expect(refusal.error).toBe(
      `This session already holds 10 queued runs behind its active one (at most 10): wait for them to start, ` +
        `or cancel one with POST /api/v1/sessions/${session.id}/runs/{run_id}/cancel`,
    );
    expect(refusal.details).toEqual({ limit: 10, held: 10, run_id: activeId, status: 'requires_action' });
    const runs = RunListResponseSchema.parse((await owner.as.get(`${SESSIONS}/${session.id}/runs`, { query: { limit: 100 } })).body).items;
    expect(runs).toHaveLength(11);
    // Cancelling one makes room for one.
    expect((await owner.as.post(`${SESSIONS}/${session.id}/runs/${heldIds[0]}/cancel`, {})).status).toBe(200);
    expect((await enqueue(session.id, 'fits again')).status).toBe(202);
  });
});

describe('parallel cancels', () => {
  it('of an active run and its 10 held runs, each sent three times at once (33 requests), answer 200 once per run and 409 otherwise', async () => {
    const { session, activeId, heldIds } = await activeWithHeld('cancel them all', 10);
    const ids = [activeId, ...heldIds];
    const targets = [...ids, ...ids, ...ids];

    const answers = await Promise.all(
      targets.map(async (id) => [id, (await owner.as.post(`${SESSIONS}/${session.id}/runs/${id}/cancel`, { reason: 'all at once' })).status] as const),
    );

    // No 5xx, and exactly one cancel of each run won.
    for (const id of ids) expect(answers.filter(([i]) => i === id).map(([, status]) => status).sort()).toEqual([200, 409, 409]);
    // Every run answered 200 really ended: cancelled, with one run_cancelled each and nothing after it.
    for (const id of ids) expect((await getRun(owner.as, session.id, id)).status).toBe('cancelled');
    // The session works on: a new query runs to its end.
    const after = await owner.as.post(`${SESSIONS}/${session.id}/query`, { message: 'list the files' }, { query: { wait: 'true' }, timeoutMs: 30_000 });
    expect(after.status).toBe(200);
    const next = QueryWaitResponseSchema.parse(after.body);
    expect(next.status).toBe('completed');
    // The whole log up to that run's end: one run_cancelled per cancelled run, and no held run ever started.
    const log = await replayUntilEnd(platform.gateway.url, owner.tokens.access_token, session.id, next.run_id);
    expect(ids.map((id) => log.filter((e) => e.run_id === id && e.type === 'run_cancelled').length)).toEqual(ids.map(() => 1));
    expect(log.filter((e) => heldIds.includes(e.run_id) && e.type !== 'run_cancelled')).toEqual([]);
  });
});
