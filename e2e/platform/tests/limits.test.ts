import net from 'node:net';
import { sseClient, type SseStream } from '@platform/testing';
import { signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import { SESSIONS, createSession } from './support/sessions';
import { WsClient, WsRefused } from './support/ws';

jest.setTimeout(60_000);

const QUERY_LIMIT = 6;
const REFRESH_LIMIT = 3;
const STREAMS_PER_USER = 3;
const ANONYMOUS_STREAMS = 2;

let platform: Platform;
let alice: Session;
let bob: Session;
const open: Array<{ close(): unknown }> = [];

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-limits',
    sessions: true,
    statusAggregator: true,
    rateLimits: [
      { id: 'auth-register', prefix: '/auth/register', method: 'POST', limit: 1000, window_s: 60 },
      { id: 'auth-login', prefix: '/auth/login', method: 'POST', limit: 1000, window_s: 60 },
      { id: 'auth-refresh', prefix: '/auth/refresh', method: 'POST', limit: REFRESH_LIMIT, window_s: 60 },
      // Creating a session and querying it: the rule WebSocket queries must count against too.
      { id: 'session-writes', prefix: '/api/v1/sessions', method: 'POST', limit: QUERY_LIMIT, window_s: 60 },
    ],
    gatewayEnv: {
      // Clients connect directly here: nothing in front may speak for them (README: TRUST_PROXY per deployment).
      TRUST_PROXY: 'false',
      MAX_STREAMS_PER_USER: String(STREAMS_PER_USER),
      MAX_ANONYMOUS_STREAMS_PER_IP: String(ANONYMOUS_STREAMS),
      HEADERS_TIMEOUT_MS: '1000',
    },
  });
  [alice, bob] = await Promise.all([signUp(platform.api, 'alice'), signUp(platform.api, 'bob')]);
}, 120_000);

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const remaining = (res: { headers: Headers }) => Number(res.headers.get('ratelimit-remaining'));

describe('public auth routes', () => {
  it('are limited per client IP, whatever bearer token or X-Forwarded-For comes along', async () => {
    const tokens = [alice.tokens.access_token, bob.tokens.access_token, (await signUp(platform.api, 'carol')).tokens.access_token];
    const statuses = [];
    for (let i = 0; i < REFRESH_LIMIT + 3; i++) {
      const res = await platform.api.post(
        i % 2 === 0 ? '/auth/refresh' : '/auth/REFRESH',
        { refresh_token: `rt_${'x'.repeat(43)}` },
        { headers: { authorization: `Bearer ${tokens[i % tokens.length]!}`, 'x-forwarded-for': `198.51.100.${i}` } },
      );
      statuses.push(res.status);
    }

    expect(statuses).toEqual([...Array<number>(REFRESH_LIMIT).fill(401), 429, 429, 429]);
  });
});

describe('WebSocket queries', () => {
  it('count against the same per-user limit as POST …/query, and a client cannot raise it with its own header', async () => {
    const session = await createSession(alice.as, { name: 'limited' });
    const viaHttp = await alice.as.post(`${SESSIONS}/${session.id}/query`, { message: 'hello there', multitask: 'enqueue' });
    expect(viaHttp.status).toBe(202);
    const left = remaining(viaHttp);
    expect(left).toBe(QUERY_LIMIT - 2);
    const ws = await WsClient.connect(`${platform.gateway.url}${SESSIONS}/${session.id}/stream?token=${alice.tokens.access_token}`, {
      'x-gateway-rate-limit': `key=forged:u:${alice.user.id}, limit=999999, window=1`,
    });
    open.push(ws);

    // The answer to each query; the runs' own events (and heartbeats) stream on the same socket meanwhile.
    const answer = async () => {
      for (;;) {
        const m = await ws.next();
        if (m.type !== 'event' && m.type !== 'heartbeat') return m;
      }
    };
    const answers = [];
    for (let i = 0; i <= left; i++) {
      ws.send({ type: 'query', message: 'hello there', multitask: 'enqueue' });
      answers.push(await answer());
    }

    expect(answers.slice(0, left).map((a) => a.type)).toEqual(Array<string>(left).fill('query_accepted'));
    expect(answers[left]).toMatchObject({ type: 'error', error_code: 'RATE_LIMITED', details: { limit: QUERY_LIMIT } });
    const afterwards = await alice.as.post(`${SESSIONS}/${session.id}/query`, { message: 'hello there', multitask: 'enqueue' });
    expectEnvelope(afterwards, 429, 'RATE_LIMITED');
  });
});

describe('concurrent streams', () => {
  const sse = (who: Session, sessionId: string) =>
    sseClient(`${platform.gateway.url}${SESSIONS}/${sessionId}/stream`, { authorization: `Bearer ${who.tokens.access_token}` });

  it('are capped per user over SSE and WebSocket together, with 429 TOO_MANY_STREAMS; closing one frees a slot', async () => {
    const me = await signUp(platform.api, 'streamer');
    const session = await createSession(me.as, { name: 'watched' });
    const first: SseStream = await sse(me, session.id);
    open.push(first);
    for (let i = 1; i < STREAMS_PER_USER - 1; i++) open.push(await sse(me, session.id));
    open.push(await WsClient.connect(`${platform.gateway.url}${SESSIONS}/${session.id}/stream?token=${me.tokens.access_token}`));

    const overSse = await me.as.get(`${SESSIONS}/${session.id}/stream`);
    const overWs = await WsClient.connect(`${platform.gateway.url}${SESSIONS}/${session.id}/stream?token=${me.tokens.access_token}`).catch((e: unknown) => e);

    const envelope = expectEnvelope(overSse, 429, 'TOO_MANY_STREAMS');
    expect(envelope.details).toMatchObject({ limit: STREAMS_PER_USER });
    expect(overWs).toBeInstanceOf(WsRefused);
    expect((overWs as WsRefused).status).toBe(429);
    // Someone else is not affected.
    const bobs = await createSession(bob.as, { name: 'bob watches' });
    open.push(await sse(bob, bobs.id));

    first.close();
    const again = await waitForStream(() => sse(me, session.id));
    open.push(again);
    expect(again.status).toBe(200);
  });

  it('without a token are capped per client IP (the status stream), while a signed-in user has their own allowance', async () => {
    for (let i = 0; i < ANONYMOUS_STREAMS; i++) open.push(await sseClient(`${platform.gateway.url}/api/status/stream`, {}));

    const over = await platform.api.get('/api/status/stream');
    expectEnvelope(over, 429, 'TOO_MANY_STREAMS');
    const spoofed = await platform.api.get('/api/status/stream', { headers: { 'x-forwarded-for': '203.0.113.77' } });
    expectEnvelope(spoofed, 429, 'TOO_MANY_STREAMS');
    const signedIn = await sseClient(`${platform.gateway.url}/api/status/stream`, { authorization: `Bearer ${bob.tokens.access_token}` });
    open.push(signedIn);
    expect(signedIn.status).toBe(200);
  });
});

describe('slow clients', () => {
  it('lose a connection whose request headers are not complete within HEADERS_TIMEOUT_MS', async () => {
    const { port } = new URL(platform.gateway.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /api/discovery HTTP/1.1\r\nHost: gateway\r\nX-Slow: ');

    // Closed by the server (1 s here; Node's default would keep it for a minute, plus up to 30 s of checking).
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the gateway kept the connection open')), 10_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    expect(socket.destroyed).toBe(true);
  });
});

/** The slot of a closed stream is given back when the gateway sees the close: retry briefly. */
async function waitForStream(open: () => Promise<SseStream>): Promise<SseStream> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await open();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
