import { QueryAcceptedResponseSchema, RunSchema, SessionEventSchema, type SessionEvent } from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { startPlatform, type Platform } from './support/platform';
import {
  SESSIONS,
  createSession,
  eventsUntilEnd,
  isTerminal,
  nextEvent,
  openStream,
  replayUntilEnd,
  runQuery,
  startQuery,
} from './support/sessions';
import { WsClient, type WsMessage } from './support/ws';

jest.setTimeout(30_000);

// Slow enough that a plain answer (about 40 words) streams for over two seconds, so streams can be
// dropped and resumed while the run is still going, even on a loaded machine.
const WORD_DELAY_MS = 60;
const PLAIN = 'hello there';

let platform: Platform;
let alice: Session;
// Owns the WebSocket describe's sessions: each user may hold 5 active sessions.
let bob: Session;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-sessions-stream',
    sessions: true,
    runnerEnv: { OFFLINE_DELAY_MS: String(WORD_DELAY_MS) },
  });
  [alice, bob] = await Promise.all([signUp(platform.api, 'alice'), signUp(platform.api, 'bob')]);
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const seqs = (events: SessionEvent[]) => events.map((e) => e.seq);

describe('SSE resume', () => {
  it.each([
    ['the Last-Event-ID header', (last: string) => ({ lastEventId: last })],
    ['?since=N', (last: string) => ({ since: Number(last) })],
  ])('resumes a stream dropped mid-run with %s, without losing or repeating an event', async (_how, resumeFrom) => {
    const session = await createSession(alice.as, { name: 'resumed' });
    const first = await openStream(platform.gateway.url, alice.tokens.access_token, session.id);
    const { run_id: runId } = await startQuery(alice.as, session.id, PLAIN);
    const beforeDrop = [await nextEvent(first), await nextEvent(first), await nextEvent(first)];
    first.close();
    expect(first.lastEventId).toBe(String(beforeDrop[2]!.seq));
    // Away long enough to miss a few words, back while the run is still going: resuming replays, then goes live.
    await sleep(6 * WORD_DELAY_MS);
    expect(RunSchema.parse((await alice.as.get(`${SESSIONS}/${session.id}/runs/${runId}`)).body).status).toBe(
      'running',
    );

    const second = await openStream(
      platform.gateway.url,
      alice.tokens.access_token,
      session.id,
      resumeFrom(first.lastEventId!),
    );
    const afterResume = await eventsUntilEnd(second, runId).finally(() => second.close());

    const received = [...beforeDrop, ...afterResume];
    expect(seqs(received)).toEqual(received.map((_, i) => i + 1));
    expect(received.filter(isTerminal).map((e) => e.type)).toEqual(['run_completed']);
    expect(received).toEqual(await replayUntilEnd(platform.gateway.url, alice.tokens.access_token, session.id, runId));
  });

  it('without a position is live only: a stream opened after a run sees only later events', async () => {
    const session = await createSession(alice.as, { name: 'live only' });
    const done = await runQuery(alice.as, session.id, 'list the files');
    const stream = await openStream(platform.gateway.url, alice.tokens.access_token, session.id);

    const { run_id: runId } = await startQuery(alice.as, session.id, 'list the files');
    const events = await eventsUntilEnd(stream, runId).finally(() => stream.close());

    expect(events.every((e) => e.run_id === runId)).toBe(true);
    expect(events[0]).toMatchObject({ type: 'run_started' });
    const replay = await replayUntilEnd(platform.gateway.url, alice.tokens.access_token, session.id, runId);
    expect(replay.filter((e) => e.run_id === done.id).length).toBe(events[0]!.seq - 1);
  });

  it('sends heartbeats while nothing happens', async () => {
    const session = await createSession(alice.as, { name: 'quiet' });
    const stream = await openStream(platform.gateway.url, alice.tokens.access_token, session.id);

    const heartbeat = await stream.next(3000).finally(() => stream.close());

    expect(heartbeat.event).toBe('heartbeat');
    expect(JSON.parse(heartbeat.data)).toEqual({ ts: expect.any(String) });
  });
});

/** Messages up to the terminal event of `runId`, as session events, checked against the contract. */
async function wsEventsUntilEnd(ws: WsClient, runId: string): Promise<SessionEvent[]> {
  const events: SessionEvent[] = [];
  for (;;) {
    const msg = await ws.next();
    expect(msg.type).toBe('event');
    const e = SessionEventSchema.parse(msg.event);
    events.push(e);
    if (e.run_id === runId && isTerminal(e)) return events;
  }
}

const wsUrl = (sessionId: string, query: Record<string, string>) =>
  `${platform.gateway.url}${SESSIONS}/${sessionId}/stream?${new URLSearchParams(query).toString()}`;

describe('WebSocket through the gateway', () => {
  it('authenticates with ?token=, answers ping with pong, and streams a query from query_accepted to run_completed', async () => {
    const session = await createSession(bob.as, { name: 'over ws' });
    const ws = await WsClient.connect(wsUrl(session.id, { token: bob.tokens.access_token }));
    try {
      ws.send({ type: 'ping' });
      expect(await ws.next()).toEqual({ type: 'pong' });

      ws.send({ type: 'query', message: 'list the files' });
      const accepted: WsMessage = await ws.next();
      expect(accepted).toMatchObject({ type: 'query_accepted', status: 'queued' });
      const { run_id: runId } = QueryAcceptedResponseSchema.parse(accepted);
      const events = await wsEventsUntilEnd(ws, runId);

      expect(seqs(events)).toEqual(events.map((_, i) => i + 1));
      expect(events.every((e) => e.run_id === runId && e.session_id === session.id)).toBe(true);
      expect(events[0]!.type).toBe('run_started');
      expect(events.filter(isTerminal).map((e) => e.type)).toEqual(['run_completed']);
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining(['tool_use', 'tool_result', 'message_complete']),
      );
      expect(events).toEqual(await replayUntilEnd(platform.gateway.url, bob.tokens.access_token, session.id, runId));
    } finally {
      await ws.close();
    }
  });

  it('resumes with ?since=N: a reconnecting client gets what it missed, then live events, each once', async () => {
    const session = await createSession(bob.as, { name: 'ws resume' });
    const first = await WsClient.connect(wsUrl(session.id, { token: bob.tokens.access_token }));
    first.send({ type: 'query', message: PLAIN });
    const { run_id: runId } = QueryAcceptedResponseSchema.parse(await first.next());
    const beforeDrop = [
      SessionEventSchema.parse((await first.next()).event),
      SessionEventSchema.parse((await first.next()).event),
    ];
    await first.close();

    const second = await WsClient.connect(
      wsUrl(session.id, { token: bob.tokens.access_token, since: String(beforeDrop[1]!.seq) }),
    );
    const afterResume = await wsEventsUntilEnd(second, runId).finally(() => second.close());

    const received = [...beforeDrop, ...afterResume];
    expect(seqs(received)).toEqual(received.map((_, i) => i + 1));
    expect(received).toEqual(await replayUntilEnd(platform.gateway.url, bob.tokens.access_token, session.id, runId));
  });

  it('answers a malformed message with a VALIDATION_ERROR message and keeps the socket open', async () => {
    const session = await createSession(bob.as, { name: 'ws errors' });
    const ws = await WsClient.connect(wsUrl(session.id, { token: bob.tokens.access_token }));
    try {
      ws.send({ type: 'query', message: '' });
      expect(await ws.next()).toMatchObject({ type: 'error', error_code: 'VALIDATION_ERROR' });
      ws.send({ type: 'shout' });
      expect(await ws.next()).toMatchObject({ type: 'error', error_code: 'VALIDATION_ERROR' });
      ws.send({ type: 'ping' });
      expect(await ws.next()).toEqual({ type: 'pong' });
    } finally {
      await ws.close();
    }
  });
});
