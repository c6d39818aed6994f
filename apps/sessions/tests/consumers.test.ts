import { SessionEventSchema, type RunEvent } from '@platform/contracts';
import { jsonRequest, sseClient, waitUntil } from '@platform/testing';
import { RunScript } from './support/events';
import { SESSIONS, createSession, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type SessionsInstance, type TestUser } from './support/sessions';

let h: SessionsHarness;
let a: SessionsInstance;
let b: SessionsInstance;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'consumers' });
  a = h.sessions;
  // Give the first instance's consumer time to take the lock, so which one leads is known.
  await waitUntil('the first instance leads', () => a.built.consumer.isLeader);
  b = await h.startAnother();
  user = await h.newUser('two');
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

/** Interleaves several runs' events the way several runners writing at once would. */
function interleave(scripts: RunScript[], perRun: number): RunEvent[] {
  const out: RunEvent[] = [];
  for (let i = 0; i < perRun; i++)
    for (const s of scripts) out.push(i === 0 ? s.started() : s.delta(`${s.runId.slice(0, 4)}-${i}`));
  return out;
}

async function runsOf(n: number): Promise<RunScript[]> {
  const scripts: RunScript[] = [];
  for (let i = 0; i < n; i++) {
    const s = await createSession(user);
    scripts.push(new RunScript(s.id, (await sendQuery(user, s.id)).run_id));
  }
  return scripts;
}

const stored = (sessionIds: string[], db = a.db) =>
  db.sessionEvent.findMany({ where: { sessionId: { in: sessionIds } }, orderBy: { seq: 'asc' } });

describe('two sessions instances on the same stream', () => {
  it('elect exactly one leader', async () => {
    await new Promise((r) => setTimeout(r, 1200)); // a few of the follower's lock attempts

    expect(a.built.consumer.isLeader).toBe(true);
    expect(b.built.consumer.isLeader).toBe(false);
    expect(await h.redis.pttl(`${h.keys.REDIS_PREFIX}event-consumer-lock`)).toBeGreaterThan(0);
  });

  it("store every event exactly once, in each session's order, and both serve them", async () => {
    const scripts = await runsOf(3);
    const events = interleave(scripts, 30);
    const onB = await sseClient(`${b.url}${SESSIONS}/${scripts[0]!.sessionId}/stream?since=0`, {
      authorization: `Bearer ${user.token}`,
    });
    try {
      await h.emit(...events);

      await waitUntil(
        'every event is stored',
        async () => (await stored(scripts.map((s) => s.sessionId))).length === events.length,
        15_000,
      );
      const rows = await stored(scripts.map((s) => s.sessionId));
      for (const s of scripts) {
        const mine = rows.filter((r) => r.sessionId === s.sessionId);
        expect(mine.map((r) => r.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(mine.map((r) => r.runSeq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      }
      // Live fan-out reaches clients of the instance that is not consuming.
      const received = (await onB.take(30, 10_000))
        .filter((e) => e.event !== 'heartbeat')
        .map((e) => SessionEventSchema.parse(JSON.parse(e.data)).seq);
      expect(received).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      const viaB = await jsonRequest(b.url, { headers: { authorization: `Bearer ${user.token}` } }).get(
        `${SESSIONS}/${scripts[1]!.sessionId}/runs/${scripts[1]!.runId}`,
      );
      expect(viaB.body).toMatchObject({ status: 'running' });
      expect(b.logs().some((l) => l.message === 'event consumer is now the leader')).toBe(false);
    } finally {
      onB.close();
    }
  }, 25_000);

  it('hand over to the other instance when the leader loses its lock, without losing or repeating events', async () => {
    const [script] = await runsOf(1);
    const first = Array.from({ length: 20 }, (_, i) => (i === 0 ? script!.started() : script!.delta(`before-${i}`)));
    await h.emit(...first);
    await waitUntil('the first half is stored', async () => (await stored([script!.sessionId])).length === 20);

    // As if the leader stalled past its lock's TTL: the lock is gone, and the other instance takes it.
    await h.redis.del(`${h.keys.REDIS_PREFIX}event-consumer-lock`);
    await waitUntil('the other instance leads', () => b.built.consumer.isLeader, 5000);
    await waitUntil('the old leader stepped down', () => !a.built.consumer.isLeader, 5000);
    const second = [...Array.from({ length: 20 }, (_, i) => script!.delta(`after-${i}`)), script!.completed()];
    await h.emit(...second);

    await waitUntil('every event is stored', async () => (await stored([script!.sessionId])).length === 41, 10_000);
    const rows = await stored([script!.sessionId]);
    expect(rows.map((r) => r.runSeq)).toEqual(Array.from({ length: 41 }, (_, i) => i));
    expect(b.logs().some((l) => l.message === 'event consumer is now the leader')).toBe(true);
  }, 25_000);

  it('keep consuming after the leading instance shuts down, and its stream clients resume on the other', async () => {
    const leader = a.built.consumer.isLeader ? a : b;
    const follower = leader === a ? b : a;
    const [script] = await runsOf(1);
    const auth = { authorization: `Bearer ${user.token}` };
    const onLeader = await sseClient(`${leader.url}${SESSIONS}/${script!.sessionId}/stream?since=0`, auth);
    await h.emit(script!.started());
    expect((await onLeader.next()).id).toBe('1');

    await leader.stop();
    await expect(onLeader.next()).rejects.toThrow('the event stream ended');
    await waitUntil('the remaining instance leads', () => follower.built.consumer.isLeader, 5000);
    await h.emit(
      script!.delta('after the shutdown'),
      script!.message('assistant', [{ type: 'text', text: 'done' }]),
      script!.completed(),
    );

    const resumed = await sseClient(`${follower.url}${SESSIONS}/${script!.sessionId}/stream`, {
      ...auth,
      'last-event-id': onLeader.lastEventId!,
    });
    try {
      const rest = await resumed.take(3);
      expect(rest.map((e) => [e.id, e.event])).toEqual([
        ['2', 'text_delta'],
        ['3', 'message_complete'],
        ['4', 'run_completed'],
      ]);
    } finally {
      resumed.close();
    }
    const api = jsonRequest(follower.url, { headers: auth });
    expect((await api.get(`${SESSIONS}/${script!.sessionId}/runs/${script!.runId}`)).body).toMatchObject({
      status: 'completed',
    });
    expect((await stored([script!.sessionId], follower.db)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  }, 20_000);

  it('create the stream and its group again when Redis lost them (restarted without persistence), and go on', async () => {
    await waitUntil('an instance leads', () => a.built.consumer.isLeader || b.built.consumer.isLeader, 5000);
    const consuming = a.built.consumer.isLeader ? a : b;
    // What a Redis restarted empty looks like to the consumer: no stream, no group (reads fail with NOGROUP).
    await h.redis.del(h.keys.EVENTS_STREAM);
    const [script] = await runsOf(1);
    await h.emit(script!.started(), script!.delta('after the loss'), script!.completed());

    await waitUntil(
      'the events are stored',
      async () => (await stored([script!.sessionId], consuming.db)).length === 3,
      10_000,
    );
    expect(await h.redis.xinfo('GROUPS', h.keys.EVENTS_STREAM)).toHaveLength(1);
  }, 20_000);
});
