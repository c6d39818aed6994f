import fs from 'node:fs/promises';
import path from 'node:path';
import { SessionListResponseSchema, SessionSchema, UserSchema } from '@platform/contracts';
import { signIn, signUp, type Session } from './support/accounts';
import { expectEnvelope, issuePaths } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import { SESSIONS, createSession, messagesOf, openStream, runQuery, textOf, toolCallsOf } from './support/sessions';

jest.setTimeout(30_000);

let platform: Platform;
let admin: Awaited<ReturnType<typeof signIn>>;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-sessions-guards', sessions: true, shared: true });
  admin = await signIn(platform.api, platform.admin);
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

describe('session quota', () => {
  it('answers 429 QUOTA_EXCEEDED once an admin lowered max_concurrent_sessions, for creates and forks; archiving frees a slot', async () => {
    const carol = await signUp(platform.api, 'carol');
    const lowered = await admin.as.put(`/users/${carol.user.id}`, { max_concurrent_sessions: 1 });
    expect(UserSchema.parse(lowered.body).max_concurrent_sessions).toBe(1);
    const first = await createSession(carol.as, { name: 'the one' });

    const second = expectEnvelope(await carol.as.post(SESSIONS, { name: 'one too many' }), 429, 'QUOTA_EXCEEDED');
    // The refusal says how to free a slot, with the endpoints.
    expect(second.error).toMatch(/archive one \(PATCH \/api\/v1\/sessions\/\{id\} with \{"status":"archived"\}\) or delete one \(DELETE \/api\/v1\/sessions\/\{id\}\)/);
    expect(second.details).toEqual({
      limit: 1,
      active: 1,
      free_a_slot: {
        archive: 'PATCH /api/v1/sessions/{id} {"status":"archived"}',
        delete: 'DELETE /api/v1/sessions/{id}',
        list_active: 'GET /api/v1/sessions?status=active',
      },
    });
    expectEnvelope(await carol.as.post(`${SESSIONS}/${first.id}/fork`, {}), 429, 'QUOTA_EXCEEDED');

    expect((await carol.as.patch(`${SESSIONS}/${first.id}`, { status: 'archived' })).status).toBe(200);
    const replacement = await createSession(carol.as, { name: 'after archiving' });
    expectEnvelope(await carol.as.patch(`${SESSIONS}/${first.id}`, { status: 'active' }), 429, 'QUOTA_EXCEEDED');
    const listed = SessionListResponseSchema.parse((await carol.as.get(SESSIONS)).body).items;
    expect(listed.map((s) => [s.id, s.status])).toEqual([
      [replacement.id, 'active'],
      [first.id, 'archived'],
    ]);
    // Deleting frees one too.
    expect((await carol.as.delete(`${SESSIONS}/${replacement.id}`)).status).toBe(204);
    expect((await carol.as.patch(`${SESSIONS}/${first.id}`, { status: 'active' })).status).toBe(200);
  });
});

describe('file tools outside the working directory', () => {
  let dave: Session;
  let outside: string;

  beforeAll(async () => {
    dave = await signUp(platform.api, 'dave');
    // A sibling of the session directories, holding what no session may read.
    outside = path.join(platform.workdirRoot!, 'not-a-session');
    await fs.mkdir(outside, { recursive: true });
    await fs.writeFile(path.join(outside, 'secret.txt'), 'TOP-SECRET');
  });

  it.each([
    [
      'a relative path climbing out',
      'read ../not-a-session/secret.txt',
      'read_file',
      /^Refused: "..\/not-a-session\/secret.txt" leads outside the working directory/,
    ],
    ['an absolute path', 'read /etc/hostname', 'read_file', /^Refused: "\/etc\/hostname" is an absolute path/],
    [
      'a write climbing out',
      'write ../escaped.txt: gotcha',
      'write_file',
      /^Refused: "..\/escaped.txt" leads outside the working directory/,
    ],
    [
      'a symbolic link leading out',
      'read link/secret.txt',
      'read_file',
      /^Refused: "link\/secret.txt" goes through "link", a symbolic link; the file tools never follow symbolic links/,
    ],
  ])('refuses %s and records the refusal as a failed tool call', async (_what, message, tool, refusal) => {
    const session = await createSession(dave.as, { name: 'sandboxed', options: { permission_mode: 'accept_edits' } });
    const workdir = path.join(platform.workdirRoot!, session.id);
    await fs.mkdir(workdir, { recursive: true });
    await fs.symlink(outside, path.join(workdir, 'link'));

    const run = await runQuery(dave.as, session.id, message);

    expect(run.status).toBe('completed');
    const [call] = await toolCallsOf(dave.as, session.id);
    expect(call).toMatchObject({ tool, status: 'failed', decision: 'allow', is_error: true });
    expect(call!.output).toMatch(refusal);
    const messages = await messagesOf(dave.as, session.id);
    expect(textOf(messages.at(-1)!)).toMatch(new RegExp(`^The ${tool} call did not go through: Refused`));
    expect(JSON.stringify(messages)).not.toContain('TOP-SECRET');
    await expect(fs.access(path.join(platform.workdirRoot!, 'escaped.txt'))).rejects.toThrow();
  });
});

describe('malformed requests', () => {
  let erin: Session;
  let sessionId: string;

  beforeAll(async () => {
    erin = await signUp(platform.api, 'erin');
    sessionId = (await createSession(erin.as, { name: 'target' })).id;
  });

  it.each([
    ['a session body that is not JSON', 'POST', SESSIONS, { rawBody: '{"name": "x",' }, 'INVALID_JSON', []],
    ['a session without a name', 'POST', SESSIONS, { body: {} }, 'VALIDATION_ERROR', ['body.name']],
    [
      'a session with an unknown field',
      'POST',
      SESSIONS,
      { body: { name: 'x', owner_id: 'me' } },
      'VALIDATION_ERROR',
      ['body'],
    ],
    [
      'an unknown permission mode',
      'POST',
      SESSIONS,
      { body: { name: 'x', options: { permission_mode: 'yolo' } } },
      'VALIDATION_ERROR',
      ['body.options.permission_mode'],
    ],
    [
      'a channel id that is not a uuid',
      'POST',
      SESSIONS,
      { body: { name: 'x', channel_id: 'general' } },
      'VALIDATION_ERROR',
      ['body.channel_id'],
    ],
    ['a session id that is not a uuid', 'GET', `${SESSIONS}/not-a-uuid`, {}, 'VALIDATION_ERROR', ['params.id']],
    [
      'an empty query',
      'POST',
      `${SESSIONS}/:id/query`,
      { body: { message: '' } },
      'VALIDATION_ERROR',
      ['body.message'],
    ],
    ['a query that is not JSON', 'POST', `${SESSIONS}/:id/query`, { rawBody: 'list the files' }, 'INVALID_JSON', []],
    [
      'a query with a bad wait flag',
      'POST',
      `${SESSIONS}/:id/query`,
      { body: { message: 'hi' }, query: { wait: 'maybe' } },
      'VALIDATION_ERROR',
      ['query.wait'],
    ],
    [
      'a fork with an empty name',
      'POST',
      `${SESSIONS}/:id/fork`,
      { body: { name: ' ' } },
      'VALIDATION_ERROR',
      ['body.name'],
    ],
    ['a patch with nothing to change', 'PATCH', `${SESSIONS}/:id`, { body: {} }, 'VALIDATION_ERROR', ['body']],
    [
      'a messages cursor that is not a position',
      'GET',
      `${SESSIONS}/:id/messages`,
      { query: { cursor: 'abc' } },
      'VALIDATION_ERROR',
      ['query.cursor'],
    ],
  ] as const)('answers %s with a 400 envelope naming the field', async (_what, method, target, init, code, paths) => {
    const res = await erin.as.request(method, target.replace(':id', sessionId), init);

    const envelope = expectEnvelope(res, 400, code);
    expect(issuePaths(envelope)).toEqual(paths);
  });

  it('answers a stream request with a Last-Event-ID that is not a number with a 400 envelope', async () => {
    const res = await erin.as.get(`${SESSIONS}/${sessionId}/stream`, { headers: { 'last-event-id': 'yesterday' } });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['headers.last-event-id']);
  });

  it('leaves no trace of the refused requests', async () => {
    const sessions = SessionListResponseSchema.parse((await erin.as.get(SESSIONS)).body).items;

    expect(sessions.map((s) => s.id)).toEqual([sessionId]);
    expect(SessionSchema.parse((await erin.as.get(`${SESSIONS}/${sessionId}`)).body).totals.messages).toBe(0);
    const stream = await openStream(platform.gateway.url, erin.tokens.access_token, sessionId, { since: 0 });
    expect((await stream.next(2000).finally(() => stream.close())).event).toBe('heartbeat');
  });
});
