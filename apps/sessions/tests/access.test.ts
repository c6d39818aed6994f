import WebSocket from 'ws';
import {
  InternalHistoryResponseSchema,
  MessageListResponseSchema,
  RunListResponseSchema,
  RunSchema,
  SessionListResponseSchema,
  SessionSchema,
  ServiceTokenResponseSchema,
  ToolCallListResponseSchema,
  type Session,
} from '@platform/contracts';
import { SseHttpError, eventually, jsonRequest, sseClient, type HttpVerb } from '@platform/testing';
import { SERVICE_CLIENT } from './support/platform';
import { RunScript } from './support/events';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';

let h: SessionsHarness;
let owner: TestUser;
let other: TestUser;
let admin: TestUser;
let session: Session;
let runId: string;

beforeAll(async () => {
  h = await startSessions({ name: 'access' });
  [owner, other, admin] = await Promise.all([h.newUser('owner'), h.newUser('other'), h.admin()]);
  session = await createSession(owner, { name: "owner's session" });
  runId = (await sendQuery(owner, session.id)).run_id;
  const script = new RunScript(session.id, runId);
  await h.emit(
    script.started(),
    script.toolUse('tu-1', 'list_files', { path: '.' }),
    script.toolResult('tu-1', 'README.md'),
    script.message('assistant', [{ type: 'text', text: 'One file.' }]),
    script.completed(),
  );
  await eventually(
    'the run completes',
    () => owner.api.get(`${SESSIONS}/${session.id}/runs/${runId}`),
    (r) => (r.body as { status?: string }).status === 'completed',
  );
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

/** WebSocket handshake status on the session stream (101 when accepted). */
function wsHandshake(user: TestUser, sessionId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${h.sessions.url.replace('http', 'ws')}${SESSIONS}/${sessionId}/stream`, {
      headers: { authorization: `Bearer ${user.token}` },
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', reject);
  });
}

async function sseStatus(user: TestUser, sessionId: string): Promise<number> {
  try {
    const stream = await sseClient(`${h.sessions.url}${SESSIONS}/${sessionId}/stream?since=0`, {
      authorization: `Bearer ${user.token}`,
    });
    stream.close();
    return stream.status;
  } catch (err) {
    if (err instanceof SseHttpError) return err.status;
    throw err;
  }
}

describe("another user's session", () => {
  // Every row has all four columns: jest would pass a missing one as a `done` callback.
  const routes: Array<[string, HttpVerb, (id: string) => string, unknown]> = [
    ['the session', 'GET', (id) => `${SESSIONS}/${id}`, undefined],
    ['a rename', 'PATCH', (id) => `${SESSIONS}/${id}`, { name: 'mine now' }],
    ['its runs', 'GET', (id) => `${SESSIONS}/${id}/runs`, undefined],
    ['one of its runs', 'GET', (id) => `${SESSIONS}/${id}/runs/${runId}`, undefined],
    ['its messages', 'GET', (id) => `${SESSIONS}/${id}/messages`, undefined],
    ['its tool calls', 'GET', (id) => `${SESSIONS}/${id}/tool-calls`, undefined],
    ['a fork', 'POST', (id) => `${SESSIONS}/${id}/fork`, {}],
    ['a query', 'POST', (id) => `${SESSIONS}/${id}/query`, { message: 'let me in' }],
    ['a delete', 'DELETE', (id) => `${SESSIONS}/${id}`, undefined],
  ];

  it.each(routes)('is a 404 for %s, exactly like a session that does not exist', async (_what, method, path, body) => {
    const res = await other.api.request(method, path(session.id), body === undefined ? {} : { body });
    const missing = await other.api.request(
      method,
      path('00000000-0000-4000-8000-000000000000'),
      body === undefined ? {} : { body },
    );

    expect(res.status).toBe(404);
    expect(envelope(res)).toMatchObject({ error_code: 'NOT_FOUND', error: 'Session not found' });
    expect(missing.status).toBe(404);
    expect(envelope(missing).error).toBe(envelope(res).error);
  });

  it('is a 404 for its SSE stream and its WebSocket stream', async () => {
    expect(await sseStatus(other, session.id)).toBe(404);
    expect(await wsHandshake(other, session.id)).toBe(404);
  });

  it('is left untouched by all of the above, and never shows up in their list', async () => {
    const list = SessionListResponseSchema.parse((await other.api.get(SESSIONS)).body);
    const now = SessionSchema.parse((await owner.api.get(`${SESSIONS}/${session.id}`)).body);

    expect(list.items).toEqual([]);
    expect(now.name).toBe("owner's session");
    expect(await h.sessions.db.run.count({ where: { sessionId: session.id } })).toBe(1);
    expect(await h.sessions.db.session.count()).toBe(1);
    expect(await h.jobs.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 1, delayed: 0 });
  });
});

describe('an admin', () => {
  it("lists and reads every user's sessions, runs, messages, tool calls and streams", async () => {
    const list = SessionListResponseSchema.parse((await admin.api.get(SESSIONS)).body);
    const one = await admin.api.get(`${SESSIONS}/${session.id}`);
    const runs = RunListResponseSchema.parse((await admin.api.get(`${SESSIONS}/${session.id}/runs`)).body);
    const run = RunSchema.parse((await admin.api.get(`${SESSIONS}/${session.id}/runs/${runId}`)).body);
    const messages = MessageListResponseSchema.parse((await admin.api.get(`${SESSIONS}/${session.id}/messages`)).body);
    const tools = ToolCallListResponseSchema.parse((await admin.api.get(`${SESSIONS}/${session.id}/tool-calls`)).body);

    expect(list.items.map((s) => s.id)).toContain(session.id);
    expect(one.status).toBe(200);
    expect(runs.items.map((r) => r.id)).toEqual([runId]);
    expect(run.status).toBe('completed');
    expect(messages.items.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(tools.items).toHaveLength(1);
    expect(await sseStatus(admin, session.id)).toBe(200);
    expect(await wsHandshake(admin, session.id)).toBe(101);
  });

  it("may rename another user's session, which stays theirs", async () => {
    const res = await admin.api.patch(`${SESSIONS}/${session.id}`, { name: 'renamed by admin' });

    expect(res.status).toBe(200);
    expect(SessionListResponseSchema.parse((await owner.api.get(SESSIONS)).body).items.map((s) => s.name)).toEqual([
      'renamed by admin',
    ]);
  });
});

describe('the internal history route', () => {
  it("refuses a person's token with 403 and no token with 401", async () => {
    const asUser = await owner.api.get(`/internal/sessions/${session.id}/messages`);
    const asAdmin = await admin.api.get(`/internal/sessions/${session.id}/messages`);
    const anonymous = await h.anonymous.get(`/internal/sessions/${session.id}/messages`);

    expect(asUser.status).toBe(403);
    expect(asAdmin.status).toBe(403);
    expect(anonymous.status).toBe(401);
  });

  it('gives a service every message of any session, in order, and unknown sessions an empty history', async () => {
    const service = await serviceClient();

    const res = await service.get(`/internal/sessions/${session.id}/messages`);
    const unknown = await service.get('/internal/sessions/00000000-0000-4000-8000-000000000000/messages');

    expect(res.status).toBe(200);
    const history = InternalHistoryResponseSchema.parse(res.body);
    expect(history.session_id).toBe(session.id);
    expect(history.messages.map((m) => [m.seq, m.role])).toEqual([
      [1, 'user'],
      [2, 'assistant'],
    ]);
    expect(history.messages[0]!.content).toEqual([{ type: 'text', text: 'What is in this directory?' }]);
    expect(unknown.status).toBe(200);
    expect(InternalHistoryResponseSchema.parse(unknown.body).messages).toEqual([]);
  });

  it('does not let a service token use the public routes (a service owns no sessions)', async () => {
    const service = await serviceClient();

    expect((await service.get(SESSIONS)).status).toBe(403);
    expect((await service.post(SESSIONS, { name: 'as a service' })).status).toBe(403);
  });
});

async function serviceClient() {
  const res = await jsonRequest(h.deps.auth.url).post('/auth/service-token', {
    client_id: SERVICE_CLIENT.id,
    client_secret: SERVICE_CLIENT.secret,
  });
  const token = ServiceTokenResponseSchema.parse(res.body).access_token;
  return jsonRequest(h.sessions.url, { headers: { authorization: `Bearer ${token}` } });
}
