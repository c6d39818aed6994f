import { AgentRunJobSchema, ErrorEnvelopeSchema, SessionEventSchema, type Session } from '@platform/contracts';
import { RunScript } from './support/events';
import { SESSIONS, createSession } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';
import { WsClient, WsRefused } from './support/ws-client';
import { waitUntil } from '@platform/testing';

const HEARTBEAT_MS = 300;
let h: SessionsHarness;
let user: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'ws', env: { SSE_HEARTBEAT_MS: String(HEARTBEAT_MS) } });
  user = await h.newUser('socket');
  await h.setQuota(user.id, 50);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

const wsUrl = (sessionId: string, query = '') =>
  `${h.sessions.url.replace(/^http/, 'ws')}${SESSIONS}/${sessionId}/stream${query}`;
const connect = (s: Session, query = '') =>
  WsClient.connect(wsUrl(s.id, query), { authorization: `Bearer ${user.token}` });

async function refusal(p: Promise<WsClient>): Promise<WsRefused> {
  try {
    const client = await p;
    await client.close();
  } catch (err) {
    if (err instanceof WsRefused) return err;
    throw err;
  }
  throw new Error('the handshake was accepted');
}

describe('the WebSocket on a session stream', () => {
  it('answers a ping with a pong', async () => {
    const client = await connect(await createSession(user));
    try {
      client.send({ type: 'ping' });
      expect(await client.nextNonHeartbeat()).toEqual({ type: 'pong' });
    } finally {
      await client.close();
    }
  });

  it("accepts a query, enqueues its run, and carries the run's events back in order", async () => {
    const s = await createSession(user, { options: { provider: 'offline' } });
    const client = await connect(s, '?since=0');
    try {
      client.send({ type: 'query', message: 'over the socket' });
      const accepted = await client.nextNonHeartbeat();
      expect(accepted).toMatchObject({ type: 'query_accepted', status: 'queued' });
      const runId = accepted.run_id as string;
      const job = await h.jobs.getJob(runId);
      expect(AgentRunJobSchema.parse(job?.data)).toMatchObject({
        run_id: runId,
        session_id: s.id,
        user_id: user.id,
        options: { provider: 'offline' },
      });

      await h.emit(...new RunScript(s.id, runId).simple('socket answer'));

      const got = [];
      for (let i = 0; i < 4; i++) got.push(await client.nextNonHeartbeat());
      expect(got.every((m) => m.type === 'event')).toBe(true);
      const events = got.map((m) => SessionEventSchema.parse(m.event));
      expect(events.map((e) => [e.seq, e.type])).toEqual([
        [1, 'run_started'],
        [2, 'text_delta'],
        [3, 'message_complete'],
        [4, 'run_completed'],
      ]);
      expect(events.every((e) => e.run_id === runId && e.session_id === s.id)).toBe(true);
      const messages = (await user.api.get(`${SESSIONS}/${s.id}/messages`)).body as { items: Array<{ role: string }> };
      expect(messages.items.map((m) => m.role)).toEqual(['user', 'assistant']);
    } finally {
      await client.close();
    }
  });

  it('replays the events after ?since= before carrying live ones', async () => {
    const s = await createSession(user);
    const first = await connect(s);
    first.send({ type: 'query', message: 'first' });
    const runId = (await first.nextNonHeartbeat()).run_id as string;
    await first.close();
    const script = new RunScript(s.id, runId);
    await h.emit(script.started(), script.delta('a'));
    await waitUntil(
      'two events are stored',
      async () => (await h.sessions.db.sessionEvent.count({ where: { sessionId: s.id } })) === 2,
    );

    const client = await connect(s, '?since=1');
    try {
      const replayed = SessionEventSchema.parse((await client.nextNonHeartbeat()).event);
      await h.emit(script.completed());
      const live = SessionEventSchema.parse((await client.nextNonHeartbeat()).event);

      expect([replayed.seq, live.seq]).toEqual([2, 3]);
    } finally {
      await client.close();
    }
  });

  it('answers a message it cannot read with an error and stays open', async () => {
    const client = await connect(await createSession(user));
    try {
      for (const bad of ['not json', { type: 'shout' }, { type: 'query' }, { type: 'query', message: '' }]) {
        client.send(bad);
        expect(await client.nextNonHeartbeat()).toMatchObject({ type: 'error', error_code: 'VALIDATION_ERROR' });
      }
      client.send({ type: 'ping' });
      expect(await client.nextNonHeartbeat()).toEqual({ type: 'pong' });
      expect(client.closed).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('reports a refused query as an error message (an archived session is a CONFLICT)', async () => {
    const s = await createSession(user);
    await user.api.patch(`${SESSIONS}/${s.id}`, { status: 'archived' });
    const client = await connect(s);
    try {
      client.send({ type: 'query', message: 'too late' });
      expect(await client.nextNonHeartbeat()).toMatchObject({ type: 'error', error_code: 'CONFLICT' });
      expect(await h.sessions.db.run.count({ where: { sessionId: s.id } })).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('sends heartbeats', async () => {
    const client = await connect(await createSession(user));
    try {
      const beat = await client.next(HEARTBEAT_MS * 4);
      expect(beat).toMatchObject({ type: 'heartbeat' });
      expect(Date.parse(beat.ts as string)).not.toBeNaN();
    } finally {
      await client.close();
    }
  });

  it('accepts the token as ?token= (browsers cannot set headers on a WebSocket)', async () => {
    const s = await createSession(user);
    const client = await WsClient.connect(wsUrl(s.id, `?token=${user.token}`));
    try {
      client.send({ type: 'ping' });
      expect(await client.nextNonHeartbeat()).toEqual({ type: 'pong' });
    } finally {
      await client.close();
    }
  });

  it("refuses the handshake with 401 without a token or with a bad one, and 404 for another user's session", async () => {
    const s = await createSession(user);
    const stranger = await h.newUser('stranger');

    const noToken = await refusal(WsClient.connect(wsUrl(s.id)));
    const badToken = await refusal(WsClient.connect(wsUrl(s.id), { authorization: 'Bearer not.a.token' }));
    const notTheirs = await refusal(WsClient.connect(wsUrl(s.id), { authorization: `Bearer ${stranger.token}` }));
    const noRoute = await refusal(
      WsClient.connect(`${h.sessions.url.replace(/^http/, 'ws')}/api/v1/elsewhere`, {
        authorization: `Bearer ${user.token}`,
      }),
    );

    expect(noToken.status).toBe(401);
    expect(ErrorEnvelopeSchema.parse(JSON.parse(noToken.body)).error_code).toBe('UNAUTHORIZED');
    expect(badToken.status).toBe(401);
    expect(notTheirs.status).toBe(404);
    expect(ErrorEnvelopeSchema.parse(JSON.parse(notTheirs.body)).error).toBe('Session not found');
    expect(noRoute.status).toBe(404);
  });

  it('lets go of the session once the socket closes', async () => {
    const s = await createSession(user);
    const client = await connect(s);
    client.send({ type: 'ping' });
    await client.nextNonHeartbeat();
    expect(h.sessions.built.streams.size).toBeGreaterThan(0);

    await client.close();

    await waitUntil('the server let go of the socket', () => h.sessions.built.streams.size === 0, 3000);
    const channel = `${h.keys.REDIS_PREFIX}events:${s.id}`;
    await waitUntil(
      'the live channel is unsubscribed',
      async () => ((await h.redis.pubsub('NUMSUB', channel)) as [string, number])[1] === 0,
      3000,
    );
  });
});
