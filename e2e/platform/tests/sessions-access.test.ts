import { randomUUID } from 'node:crypto';
import { SessionListResponseSchema, SessionSchema, type Run, type Session as AgentSession } from '@platform/contracts';
import { SseHttpError, type HttpVerb, type JsonClient } from '@platform/testing';
import { signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import {
  SESSIONS,
  createChannel,
  createSession,
  messagesOf,
  openStream,
  runQuery,
  toolCallsOf,
} from './support/sessions';
import { WsClient, WsRefused } from './support/ws';

jest.setTimeout(30_000);

let platform: Platform;
let alice: Session;
let bob: Session;
let session: AgentSession;
let run: Run;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-sessions-access', sessions: true, shared: true });
  [alice, bob] = await Promise.all([signUp(platform.api, 'alice'), signUp(platform.api, 'bob')]);
  const channel = await createChannel(alice.as, 'private');
  session = await createSession(alice.as, {
    name: 'alice only',
    channel_id: channel.id,
    options: { permission_mode: 'accept_edits' },
  });
  run = await runQuery(alice.as, session.id, 'write secret.txt: for alice');
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

type Call = [what: string, method: HttpVerb, path: () => string, body?: unknown, query?: Record<string, string>];

/** Every REST operation on one session (ids resolved when the test runs). */
const operations = (id: () => string, runId: () => string): Call[] => [
  ['read it', 'GET', () => `${SESSIONS}/${id()}`],
  ['rename it', 'PATCH', () => `${SESSIONS}/${id()}`, { name: 'taken over' }],
  ['query it', 'POST', () => `${SESSIONS}/${id()}/query`, { message: 'read secret.txt' }],
  ['query it and wait', 'POST', () => `${SESSIONS}/${id()}/query`, { message: 'read secret.txt' }, { wait: 'true' }],
  ['fork it', 'POST', () => `${SESSIONS}/${id()}/fork`, {}],
  ['list its runs', 'GET', () => `${SESSIONS}/${id()}/runs`],
  ['read its run', 'GET', () => `${SESSIONS}/${id()}/runs/${runId()}`],
  ['list its messages', 'GET', () => `${SESSIONS}/${id()}/messages`],
  ['list its tool calls', 'GET', () => `${SESSIONS}/${id()}/tool-calls`],
  ['delete it', 'DELETE', () => `${SESSIONS}/${id()}`],
];

const call = (as: JsonClient, [, method, path, body, query]: Call) =>
  as.request(method, path(), { ...(body === undefined ? {} : { body }), ...(query ? { query } : {}) });

/** The refusal of opening `sessionId`'s stream as SSE and as WebSocket (`?token=`), as [status, error_code] pairs. */
async function streamRefusals(token: string | undefined, sessionId: string): Promise<Array<[number, string]>> {
  const sse = await openStream(platform.gateway.url, token ?? '', sessionId).then(
    (s) => (s.close(), new Error('the SSE stream opened')),
    (err: unknown) => err,
  );
  const query = token === undefined ? '' : `?token=${token}`;
  const ws = await WsClient.connect(`${platform.gateway.url}${SESSIONS}/${sessionId}/stream${query}`).then(
    async (c) => (await c.close(), new Error('the WebSocket opened')),
    (err: unknown) => err,
  );
  if (!(sse instanceof SseHttpError)) throw sse;
  if (!(ws instanceof WsRefused)) throw ws;
  return [sse, ws].map((e) => [e.status, (JSON.parse(e.body) as { error_code: string }).error_code]);
}

describe("another user's session", () => {
  it.each(
    operations(
      () => session.id,
      () => run.id,
    ),
  )('answers 404 when another user tries to %s', async (...c) => {
    expectEnvelope(await call(bob.as, c), 404, 'NOT_FOUND');
  });

  it('answers 404 to another user opening its stream, as SSE and as WebSocket with ?token=', async () => {
    expect(await streamRefusals(bob.tokens.access_token, session.id)).toEqual([
      [404, 'NOT_FOUND'],
      [404, 'NOT_FOUND'],
    ]);
  });

  it('answers exactly as for a session that does not exist', async () => {
    const theirs = expectEnvelope(await bob.as.get(`${SESSIONS}/${session.id}`), 404, 'NOT_FOUND');
    const missing = expectEnvelope(await bob.as.get(`${SESSIONS}/${randomUUID()}`), 404, 'NOT_FOUND');

    expect(theirs.error).toBe(missing.error);
  });

  it('is not listed for the other user, who cannot create a session in its channel either', async () => {
    const listed = SessionListResponseSchema.parse((await bob.as.get(SESSIONS, { query: { limit: 100 } })).body);

    expect(listed.items.map((s) => s.id)).not.toContain(session.id);
    expectEnvelope(await bob.as.post(SESSIONS, { name: 'squatter', channel_id: session.channel_id }), 404, 'NOT_FOUND');
  });

  it('is left exactly as it was by all those attempts', async () => {
    const view = async () => ({
      session: SessionSchema.parse((await alice.as.get(`${SESSIONS}/${session.id}`)).body),
      messages: await messagesOf(alice.as, session.id),
      toolCalls: await toolCallsOf(alice.as, session.id),
    });
    const before = await view();

    await Promise.all(
      operations(
        () => session.id,
        () => run.id,
      ).map((c) => call(bob.as, c)),
    );

    expect(await view()).toEqual(before);
    expect(before.session).toMatchObject({ name: 'alice only', status: 'active' });
    expect(before.messages.map((m) => m.run_id)).toEqual([run.id, run.id, run.id, run.id]);
  });
});

describe('without an access token', () => {
  it.each(
    operations(
      () => session.id,
      () => run.id,
    ),
  )('answers 401 to an attempt to %s', async (...c) => {
    expectEnvelope(await call(platform.api, c), 401, 'UNAUTHORIZED');
  });

  it('answers 401 to opening a stream, as SSE and as WebSocket', async () => {
    expect(await streamRefusals(undefined, session.id)).toEqual([
      [401, 'UNAUTHORIZED'],
      [401, 'UNAUTHORIZED'],
    ]);
  });
});

describe('a deleted session', () => {
  it('answers 404 to its owner for everything afterwards and is no longer listed', async () => {
    const doomed = await createSession(alice.as, { name: 'doomed' });
    const doomedRun = await runQuery(alice.as, doomed.id, 'list the files');

    expect((await alice.as.delete(`${SESSIONS}/${doomed.id}`)).status).toBe(204);

    for (const c of operations(
      () => doomed.id,
      () => doomedRun.id,
    ))
      expectEnvelope(await call(alice.as, c), 404, 'NOT_FOUND');
    expect(await streamRefusals(alice.tokens.access_token, doomed.id)).toEqual([
      [404, 'NOT_FOUND'],
      [404, 'NOT_FOUND'],
    ]);
    const listed = SessionListResponseSchema.parse((await alice.as.get(SESSIONS, { query: { limit: 100 } })).body);
    expect(listed.items.map((s) => s.id)).toEqual([session.id]);
  });
});
