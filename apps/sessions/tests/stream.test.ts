import { SessionEventSchema, type Session, type SessionEvent } from '@platform/contracts';
import { SseHttpError, sseClient, waitUntil, type SseEvent, type SseStream } from '@platform/testing';
import { RunScript } from './support/events';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';

const HEARTBEAT_MS = 250;
let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'sse', env: { SSE_HEARTBEAT_MS: String(HEARTBEAT_MS) } });
  user = await h.newUser('watcher');
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const open = (sessionId: string, o: { since?: number; lastEventId?: string; token?: string } = {}) =>
  sseClient(`${h.sessions.url}${SESSIONS}/${sessionId}/stream${o.since === undefined ? '' : `?since=${o.since}`}`, {
    authorization: `Bearer ${o.token ?? user.token}`,
    ...(o.lastEventId === undefined ? {} : { 'last-event-id': o.lastEventId }),
  });

/** The next `n` session events, skipping heartbeats. */
async function events(
  stream: SseStream,
  n: number,
  timeoutMs = 5000,
): Promise<Array<{ sse: SseEvent; event: SessionEvent }>> {
  const out: Array<{ sse: SseEvent; event: SessionEvent }> = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const e = await stream.next(Math.max(1, deadline - Date.now()));
    if (e.event !== 'heartbeat') out.push({ sse: e, event: SessionEventSchema.parse(JSON.parse(e.data)) });
  }
  return out;
}

/** Asserts nothing but heartbeats arrives for a few heartbeat periods. */
async function expectOnlyHeartbeats(stream: SseStream, count = 3): Promise<void> {
  for (let i = 0; i < count; i++) expect((await stream.next(HEARTBEAT_MS * 4)).event).toBe('heartbeat');
}

async function sessionWithRun(): Promise<{ s: Session; script: RunScript }> {
  const s = await createSession(user);
  const { run_id } = await sendQuery(user, s.id);
  return { s, script: new RunScript(s.id, run_id) };
}

describe('the SSE stream of a session', () => {
  it('replays every event from ?since=0 with id = seq, in order, then carries live ones', async () => {
    const { s, script } = await sessionWithRun();
    await h.emit(script.started(), script.delta('Hel'), script.delta('lo'));
    await waitUntil(
      'three events are stored',
      async () => (await h.sessions.db.sessionEvent.count({ where: { sessionId: s.id } })) === 3,
    );
    const stream = await open(s.id, { since: 0 });
    try {
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.headers.get('cache-control')).toContain('no-cache');
      const replayed = await events(stream, 3);
      expect(replayed.map((e) => [e.sse.id, e.sse.event, e.event.seq])).toEqual([
        ['1', 'run_started', 1],
        ['2', 'text_delta', 2],
        ['3', 'text_delta', 3],
      ]);
      expect(replayed[1]!.event).toMatchObject({ session_id: s.id, run_id: script.runId, data: { text: 'Hel' } });

      await h.emit(script.message('assistant', [{ type: 'text', text: 'Hello' }]), script.completed());

      const live = await events(stream, 2);
      expect(live.map((e) => [e.sse.id, e.sse.event])).toEqual([
        ['4', 'message_complete'],
        ['5', 'run_completed'],
      ]);
      expect(live[1]!.event.data).toMatchObject({ usage: { input_tokens: 10, output_tokens: 5 } });
    } finally {
      stream.close();
    }
  });

  it('resumes after Last-Event-ID with exactly the missed events, no duplicates, then live ones', async () => {
    const { s, script } = await sessionWithRun();
    const first = await open(s.id, { since: 0 });
    await h.emit(script.started(), script.delta('one'), script.delta('two'));
    const before = await events(first, 3);
    first.close();
    expect(first.lastEventId).toBe('3');

    // The client is away while the run goes on.
    await h.emit(script.delta('three'), script.delta('four'), script.toolUse('tu-1', 'list_files', {}));
    await waitUntil(
      'six events are stored',
      async () => (await h.sessions.db.sessionEvent.count({ where: { sessionId: s.id } })) === 6,
    );
    const second = await open(s.id, { lastEventId: first.lastEventId! });
    try {
      const missed = await events(second, 3);
      await h.emit(script.toolResult('tu-1', 'a.txt'), script.completed());
      const live = await events(second, 2);

      expect(before.map((e) => e.event.seq)).toEqual([1, 2, 3]);
      expect(missed.map((e) => [e.event.seq, e.event.type, e.event.data.text])).toEqual([
        [4, 'text_delta', 'three'],
        [5, 'text_delta', 'four'],
        [6, 'tool_use', undefined],
      ]);
      expect(live.map((e) => e.event.seq)).toEqual([7, 8]);
      await expectOnlyHeartbeats(second, 2);
    } finally {
      second.close();
    }
  });

  it('also resumes from ?last_event_id= (for clients that cannot set headers)', async () => {
    const { s, script } = await sessionWithRun();
    await h.emit(...script.simple());
    await waitUntil(
      'four events are stored',
      async () => (await h.sessions.db.sessionEvent.count({ where: { sessionId: s.id } })) === 4,
    );

    const stream = await sseClient(`${h.sessions.url}${SESSIONS}/${s.id}/stream?last_event_id=2`, {
      authorization: `Bearer ${user.token}`,
    });
    try {
      expect((await events(stream, 2)).map((e) => e.event.seq)).toEqual([3, 4]);
    } finally {
      stream.close();
    }
  });

  it('is live only without a position: nothing from before, then new events', async () => {
    const { s, script } = await sessionWithRun();
    await h.emit(script.started());
    await waitUntil(
      'the first event is stored',
      async () => (await h.sessions.db.sessionEvent.count({ where: { sessionId: s.id } })) === 1,
    );
    const stream = await open(s.id);
    try {
      await expectOnlyHeartbeats(stream, 1);
      await h.emit(script.delta('new'));
      expect((await events(stream, 1)).map((e) => [e.sse.id, e.event.data.text])).toEqual([['2', 'new']]);
    } finally {
      stream.close();
    }
  });

  it('sends heartbeats on an idle stream', async () => {
    const { s } = await sessionWithRun();
    const stream = await open(s.id, { since: 0 });
    try {
      const started = Date.now();
      const beats = await stream.take(3, HEARTBEAT_MS * 8);

      expect(beats.map((b) => b.event)).toEqual(['heartbeat', 'heartbeat', 'heartbeat']);
      expect(Date.parse((JSON.parse(beats[0]!.data) as { ts: string }).ts)).not.toBeNaN();
      expect(Date.now() - started).toBeGreaterThanOrEqual(HEARTBEAT_MS * 2);
    } finally {
      stream.close();
    }
  });

  it('never repeats an event the runner redelivers', async () => {
    const { s, script } = await sessionWithRun();
    const sent = [script.started(), script.delta('once')];
    const stream = await open(s.id, { since: 0 });
    try {
      await h.emit(...sent);
      expect((await events(stream, 2)).map((e) => e.event.seq)).toEqual([1, 2]);

      await h.emit(...sent, ...sent);
      await expectOnlyHeartbeats(stream, 2);
      await h.emit(script.completed());
      expect((await events(stream, 1)).map((e) => [e.event.seq, e.event.type])).toEqual([[3, 'run_completed']]);
    } finally {
      stream.close();
    }
  });

  it('delivers every event exactly once and in order when they are written while it replays', async () => {
    const { s, script } = await sessionWithRun();
    const burst = [
      script.started(),
      ...Array.from({ length: 150 }, (_, i) => script.delta(`d${i}`)),
      script.completed(),
    ];

    await h.emit(...burst.slice(0, 50));
    const emitting = h.emit(...burst.slice(50));
    const stream = await open(s.id, { since: 0 });
    try {
      await emitting;
      const got = await events(stream, burst.length, 15_000);

      expect(got.map((e) => e.event.seq)).toEqual(burst.map((_, i) => i + 1));
      expect(got.map((e) => e.sse.id)).toEqual(burst.map((_, i) => String(i + 1)));
      await expectOnlyHeartbeats(stream, 2);
    } finally {
      stream.close();
    }
  }, 25_000);

  it('stops listening once the client goes away', async () => {
    const { s } = await sessionWithRun();
    const stream = await open(s.id, { since: 0 });
    await waitUntil('the stream is open', () => h.sessions.built.streams.size > 0);

    stream.close();

    await waitUntil('the server let go of the stream', () => h.sessions.built.streams.size === 0, 3000);
    const channel = `${h.keys.REDIS_PREFIX}events:${s.id}`;
    await waitUntil(
      'the live channel is unsubscribed',
      async () => ((await h.redis.pubsub('NUMSUB', channel)) as [string, number])[1] === 0,
      3000,
    );
  });

  it('answers 400 for a Last-Event-ID that is not a sequence number, 401 without a token and 404 for an unknown session', async () => {
    const { s } = await sessionWithRun();
    const status = async (fn: () => Promise<SseStream>) => {
      try {
        (await fn()).close();
        return 200;
      } catch (err) {
        if (err instanceof SseHttpError) return err.status;
        throw err;
      }
    };

    expect(await status(() => open(s.id, { lastEventId: 'abc' }))).toBe(400);
    expect(await status(() => open(s.id, { lastEventId: '-1' }))).toBe(400);
    expect(await status(() => sseClient(`${h.sessions.url}${SESSIONS}/${s.id}/stream`))).toBe(401);
    expect(await status(() => open('00000000-0000-4000-8000-000000000000'))).toBe(404);
    const res = await h.anonymous.get(`${SESSIONS}/${s.id}/stream`, {
      headers: { authorization: `Bearer ${user.token}`, 'last-event-id': 'x' },
    });
    expect(envelope(res).details?.issues).toEqual([expect.objectContaining({ path: 'headers.last-event-id' })]);
  });
});
