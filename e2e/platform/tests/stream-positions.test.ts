import { signUp, type Session } from './support/accounts';
import { expectEnvelope, issuePaths } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import { SESSIONS, createSession, openStream, runQuery } from './support/sessions';
import { WsClient, WsRefused } from './support/ws';

jest.setTimeout(30_000);

let platform: Platform;
let me: Session;
let sessionId: string;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-stream-positions', sessions: true });
  me = await signUp(platform.api, 'resumer');
  sessionId = (await createSession(me.as, { name: 'positions' })).id;
  await runQuery(me.as, sessionId, 'hello there');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const NOT_PLAIN = ['1e3', '0x10', '5.0', ' 5', '-1', '+5', '5 ', 'Infinity', '99999999999999999'];

describe('where a session stream resumes', () => {
  it.each(NOT_PLAIN)('refuses ?since=%j with 400 naming query.since', async (since) => {
    const res = await me.as.get(`${SESSIONS}/${sessionId}/stream`, { query: { since } });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['query.since']);
  });

  it.each(NOT_PLAIN.filter((v) => v.trim() === v))('refuses Last-Event-ID: %s with 400 naming headers.last-event-id', async (id) => {
    const res = await me.as.get(`${SESSIONS}/${sessionId}/stream`, { headers: { 'last-event-id': id } });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['headers.last-event-id']);
  });

  it('refuses a WebSocket handshake with ?since=1e3 with the 400 envelope', async () => {
    const refused = await WsClient.connect(`${platform.gateway.url}${SESSIONS}/${sessionId}/stream?since=1e3&token=${me.tokens.access_token}`).catch((e: unknown) => e);

    expect(refused).toBeInstanceOf(WsRefused);
    expect((refused as WsRefused).status).toBe(400);
  });

  it('accepts plain digits: ?since=2 replays from event 3', async () => {
    const stream = await openStream(platform.gateway.url, me.tokens.access_token, sessionId, { since: 2 });
    try {
      let first;
      do first = await stream.next(5000);
      while (first.event === 'heartbeat');
      expect(first.id).toBe('3');
    } finally {
      stream.close();
    }
  });
});
