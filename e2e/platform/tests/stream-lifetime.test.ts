import { randomUUID } from 'node:crypto';
import { StreamEndEventSchema } from '@platform/contracts';
import { sseClient, type SseEvent, type SseStream } from '@platform/testing';
import { signIn, signUp, type Session } from './support/accounts';
import { startPlatform, type Platform } from './support/platform';
import { REVOCATION_BOUND_MS } from './support/revocation';
import { SESSIONS, createSession } from './support/sessions';
import { decodeToken, signEs256 } from './support/tokens';
import { WsClient, type WsMessage } from './support/ws';

jest.setTimeout(60_000);

let platform: Platform;
let admin: Omit<Session, 'user'>;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-stream-lifetime', sessions: true, statusAggregator: true });
  admin = await signIn(platform.api, platform.admin);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

/** The user's own token, re-signed by auth's key to expire `seconds` from now (what auth would issue with a short TTL). */
function expiringToken(session: { tokens: { access_token: string } }, seconds: number): { token: string; expMs: number } {
  const { header, payload } = decodeToken(session.tokens.access_token);
  const now = Math.floor(Date.now() / 1000);
  const exp = now + seconds;
  return { token: signEs256(platform.signingKey, String(header.kid), { ...payload, jti: randomUUID(), iat: now, exp }), expMs: exp * 1000 };
}

/** The next event named `name`, skipping heartbeats and others; rejects after `timeoutMs`. */
async function nextNamed(stream: SseStream, name: string, timeoutMs: number): Promise<SseEvent> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await stream.next(Math.max(1, deadline - Date.now()));
    if (e.event === name) return e;
  }
}

/** The next WebSocket message of `type`; rejects after `timeoutMs`. */
async function nextOfType(ws: WsClient, type: string, timeoutMs: number): Promise<WsMessage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await ws.next(Math.max(1, deadline - Date.now()));
    if (m.type === type) return m;
  }
}

const sessionStream = (token: string, sessionId: string) =>
  sseClient(`${platform.gateway.url}${SESSIONS}/${sessionId}/stream`, { authorization: `Bearer ${token}` });
const sessionSocket = (token: string, sessionId: string) =>
  WsClient.connect(`${platform.gateway.url}${SESSIONS}/${sessionId}/stream?token=${token}`);

describe("a session's SSE stream", () => {
  it('ends with stream_end token_revoked within a second of its login logging out', async () => {
    const me = await signUp(platform.api, 'sse-logout');
    const session = await createSession(me.as, { name: 'watched' });
    const stream = await sessionStream(me.tokens.access_token, session.id);
    try {
      await me.as.post('/auth/logout');
      const since = Date.now();

      const end = await nextNamed(stream, 'stream_end', REVOCATION_BOUND_MS);

      expect(Date.now() - since).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
      expect(StreamEndEventSchema.parse(JSON.parse(end.data))).toMatchObject({ reason: 'token_revoked', error_code: 'TOKEN_REVOKED' });
      await expect(stream.next(2000)).rejects.toThrow();
    } finally {
      stream.close();
    }
  });

  it('ends with stream_end token_expired when its token expires, not before', async () => {
    const me = await signUp(platform.api, 'sse-expiry');
    const session = await createSession(me.as, { name: 'watched' });
    const { token, expMs } = expiringToken(me, 2);
    const stream = await sessionStream(token, session.id);
    try {
      const end = await nextNamed(stream, 'stream_end', 10_000);

      expect(Date.now()).toBeGreaterThanOrEqual(expMs);
      expect(StreamEndEventSchema.parse(JSON.parse(end.data))).toMatchObject({ reason: 'token_expired', error_code: 'TOKEN_EXPIRED' });
    } finally {
      stream.close();
    }
  });
});

describe("a session's WebSocket", () => {
  it('is told why and closed with 4403 within a second of its user being disabled', async () => {
    const me = await signUp(platform.api, 'ws-disabled');
    const session = await createSession(me.as, { name: 'socket' });
    const ws = await sessionSocket(me.tokens.access_token, session.id);
    ws.send({ type: 'ping' });
    expect(await ws.next()).toMatchObject({ type: 'pong' });

    await admin.as.put(`/users/${me.user.id}`, { is_active: false });
    const since = Date.now();

    expect(await nextOfType(ws, 'stream_end', REVOCATION_BOUND_MS)).toMatchObject({ reason: 'token_revoked', error_code: 'TOKEN_REVOKED' });
    expect(await ws.closed).toMatchObject({ code: 4403 });
    expect(Date.now() - since).toBeLessThanOrEqual(REVOCATION_BOUND_MS + 500);
  });

  it('is closed with 4401 when its token expires', async () => {
    const me = await signUp(platform.api, 'ws-expiry');
    const session = await createSession(me.as, { name: 'socket' });
    const { token, expMs } = expiringToken(me, 2);
    const ws = await sessionSocket(token, session.id);

    expect(await nextOfType(ws, 'stream_end', 10_000)).toMatchObject({ reason: 'token_expired' });
    expect(await ws.closed).toMatchObject({ code: 4401 });
    expect(Date.now()).toBeGreaterThanOrEqual(expMs);
  });

  it('stays open past its first token when sent a fresh token of the same user, and still runs queries', async () => {
    const me = await signUp(platform.api, 'ws-renewed');
    const session = await createSession(me.as, { name: 'socket' });
    const short = expiringToken(me, 2);
    const ws = await sessionSocket(short.token, session.id);
    try {
      ws.send({ type: 'auth', token: me.tokens.access_token });
      const ok = await nextOfType(ws, 'auth_ok', 5000);
      expect(Date.parse(String(ok.expires_at))).toBe(Number(decodeToken(me.tokens.access_token).payload.exp) * 1000);

      // Well past the first token's expiry (its timer would have closed the socket).
      await new Promise((r) => setTimeout(r, short.expMs - Date.now() + 1500));
      ws.send({ type: 'ping' });
      expect(await ws.next()).toMatchObject({ type: 'pong' });
      ws.send({ type: 'query', message: 'hello there' });
      expect(await nextOfType(ws, 'query_accepted', 10_000)).toMatchObject({ status: expect.any(String) });
    } finally {
      await ws.close();
    }
  });

  it("refuses another user's token in an auth message and keeps the old one, which still expires", async () => {
    const me = await signUp(platform.api, 'ws-owner');
    const other = await signUp(platform.api, 'ws-stranger');
    const session = await createSession(me.as, { name: 'socket' });
    const short = expiringToken(me, 2);
    const ws = await sessionSocket(short.token, session.id);

    ws.send({ type: 'auth', token: other.tokens.access_token });
    expect(await nextOfType(ws, 'error', 5000)).toMatchObject({ error_code: 'FORBIDDEN' });

    expect(await nextOfType(ws, 'stream_end', 10_000)).toMatchObject({ reason: 'token_expired' });
    expect(await ws.closed).toMatchObject({ code: 4401 });
  });
});

describe('the status stream', () => {
  it('opened with an admin token ends with stream_end within a second of that login logging out', async () => {
    const login = await signIn(platform.api, platform.admin);
    const stream = await sseClient(`${platform.gateway.url}/api/status/stream`, { authorization: `Bearer ${login.tokens.access_token}` });
    try {
      await nextNamed(stream, 'snapshot', 5000);
      await login.as.post('/auth/logout');
      const since = Date.now();

      const end = await nextNamed(stream, 'stream_end', REVOCATION_BOUND_MS);

      expect(Date.now() - since).toBeLessThanOrEqual(REVOCATION_BOUND_MS);
      expect(JSON.parse(end.data)).toMatchObject({ reason: 'token_revoked' });
    } finally {
      stream.close();
    }
  });

  it('opened without a token is not ended by anyone logging out', async () => {
    const login = await signIn(platform.api, platform.admin);
    const stream = await sseClient(`${platform.gateway.url}/api/status/stream`, {});
    try {
      await nextNamed(stream, 'snapshot', 5000);
      await login.as.post('/auth/logout');

      await expect(nextNamed(stream, 'stream_end', 1500)).rejects.toThrow();
    } finally {
      stream.close();
    }
  });
});
