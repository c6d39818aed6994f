import { ChannelSchema, SessionListResponseSchema, SessionSchema, type Session } from '@platform/contracts';
import { eventually, jsonRequest } from '@platform/testing';
import { RunScript } from './support/events';
import { SESSIONS, createSession, envelope, sendQuery } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';

let h: SessionsHarness;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  h = await startSessions({ name: 'crud', channels: true });
  [alice, bob] = await Promise.all([h.newUser('alice'), h.newUser('bob')]);
  await Promise.all([h.setQuota(alice.id, 50), h.setQuota(bob.id, 50)]);
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

async function createChannel(user: TestUser, name: string): Promise<string> {
  const res = await jsonRequest(h.deps.channels!.url, { headers: { authorization: `Bearer ${user.token}` } }).post(
    '/api/channels',
    { name },
  );
  if (res.status !== 201) throw new Error(`creating a channel answered ${res.status}: ${res.text}`);
  return ChannelSchema.parse(res.body).id;
}

describe('creating a session', () => {
  it('answers 201 with the session, its defaults and zero totals', async () => {
    const res = await alice.api.post(SESSIONS, {
      name: '  Refactor the parser  ',
      options: { provider: 'offline', max_turns: 3 },
    });

    expect(res.status).toBe(201);
    const s = SessionSchema.parse(res.body);
    expect(s).toMatchObject({
      name: 'Refactor the parser',
      mode: 'interactive',
      status: 'active',
      channel_id: null,
      template_id: null,
      parent_session_id: null,
      options: { provider: 'offline', max_turns: 3 },
      totals: { messages: 0, tool_calls: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 },
    });
    expect(Date.parse(s.created_at)).not.toBeNaN();
    expect((await alice.api.get(`${SESSIONS}/${s.id}`)).body).toEqual(s);
  });

  it('merges the template options under the request options', async () => {
    const res = await alice.api.post(SESSIONS, {
      name: 'Edits',
      template_id: 'code-editor',
      mode: 'background',
      options: { max_turns: 5, provider: 'offline' },
    });

    expect(res.status).toBe(201);
    expect(SessionSchema.parse(res.body)).toMatchObject({
      template_id: 'code-editor',
      mode: 'background',
      options: {
        permission_mode: 'accept_edits',
        system_prompt: 'You edit code carefully and explain each change.',
        max_turns: 5,
        provider: 'offline',
      },
    });
  });

  it.each(['no-such-template', '__proto__', 'constructor', 'toString'])('answers 404 for a template that does not exist (%s)', async (templateId) => {
    const res = await alice.api.post(SESSIONS, { name: 'Nope', template_id: templateId });

    expect(res.status).toBe(404);
    expect(envelope(res)).toMatchObject({ error_code: 'NOT_FOUND', error: 'Template not found' });
  });

  it('answers 400 naming every invalid field of the body', async () => {
    const res = await alice.api.post(SESSIONS, {
      name: '',
      mode: 'batch',
      options: { max_turns: 0, allowed_tools: ['rm_rf'] },
      colour: 'red',
    });

    expect(res.status).toBe(400);
    const e = envelope(res);
    expect(e.error_code).toBe('VALIDATION_ERROR');
    const paths = (e.details?.issues as Array<{ path: string }>).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(['body.name', 'body.mode', 'body.options.max_turns', 'body.options.allowed_tools.0']),
    );
    expect(paths.some((p) => p === 'body' || p.startsWith('body.colour'))).toBe(true);
  });

  it('accepts a channel the caller owns and answers 404 for a channel of another user', async () => {
    const mine = await createChannel(alice, 'alice-work');
    const theirs = await createChannel(bob, 'bob-secret');

    const ok = await alice.api.post(SESSIONS, { name: 'In my channel', channel_id: mine });
    const refused = await alice.api.post(SESSIONS, { name: 'In their channel', channel_id: theirs });
    const missing = await alice.api.post(SESSIONS, {
      name: 'Nowhere',
      channel_id: '00000000-0000-4000-8000-000000000000',
    });

    expect(ok.status).toBe(201);
    expect(SessionSchema.parse(ok.body).channel_id).toBe(mine);
    expect(refused.status).toBe(404);
    expect(envelope(refused)).toMatchObject({ error_code: 'NOT_FOUND', error: 'Channel not found' });
    expect(missing.status).toBe(404);
  });
});

describe('listing sessions', () => {
  let carol: TestUser;
  let channel: string;
  const created: Session[] = [];

  beforeAll(async () => {
    carol = await h.newUser('carol');
    await h.setQuota(carol.id, 50);
    channel = await createChannel(carol, 'carol-channel');
    for (let i = 0; i < 5; i++) created.push(await createSession(carol, { name: `plain ${i}` }));
    for (let i = 0; i < 2; i++)
      created.push(await createSession(carol, { name: `channelled ${i}`, channel_id: channel }));
    const archived = created[0]!;
    expect((await carol.api.patch(`${SESSIONS}/${archived.id}`, { status: 'archived' })).status).toBe(200);
  });

  it("pages through only the caller's sessions, newest first, with a cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await carol.api.get(SESSIONS, { query: { limit: 3, ...(cursor ? { cursor } : {}) } });
      expect(res.status).toBe(200);
      const page = SessionListResponseSchema.parse(res.body);
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor && pages < 10);

    expect(pages).toBe(3);
    expect(seen).toEqual(created.map((s) => s.id).reverse());
  });

  it('filters by status and by channel', async () => {
    const archived = SessionListResponseSchema.parse(
      (await carol.api.get(SESSIONS, { query: { status: 'archived' } })).body,
    );
    const active = SessionListResponseSchema.parse(
      (await carol.api.get(SESSIONS, { query: { status: 'active', limit: 100 } })).body,
    );
    const inChannel = SessionListResponseSchema.parse(
      (await carol.api.get(SESSIONS, { query: { channel_id: channel } })).body,
    );

    expect(archived.items.map((s) => s.id)).toEqual([created[0]!.id]);
    expect(active.items).toHaveLength(6);
    expect(active.items.every((s) => s.status === 'active')).toBe(true);
    expect(inChannel.items.map((s) => s.name).sort()).toEqual(['channelled 0', 'channelled 1']);
  });

  it('answers 400 for a bad filter or a forged cursor', async () => {
    const badStatus = await carol.api.get(SESSIONS, { query: { status: 'deleted' } });
    const badCursor = await carol.api.get(SESSIONS, { query: { cursor: 'not-a-cursor' } });

    expect(badStatus.status).toBe(400);
    expect(envelope(badStatus).details?.issues).toEqual([expect.objectContaining({ path: 'query.status' })]);
    expect(badCursor.status).toBe(400);
    expect(envelope(badCursor).details?.issues).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
  });
});

describe('reading and changing a session', () => {
  it('renames a session and archives it, and refuses an empty patch', async () => {
    const s = await createSession(alice, { name: 'Before' });

    const renamed = await alice.api.patch(`${SESSIONS}/${s.id}`, { name: 'After' });
    const archived = await alice.api.patch(`${SESSIONS}/${s.id}`, { status: 'archived' });
    const empty = await alice.api.patch(`${SESSIONS}/${s.id}`, {});

    expect(renamed.status).toBe(200);
    expect(SessionSchema.parse(renamed.body)).toMatchObject({ name: 'After', status: 'active' });
    expect(archived.status).toBe(200);
    expect(SessionSchema.parse(archived.body)).toMatchObject({ name: 'After', status: 'archived' });
    expect(Date.parse(SessionSchema.parse(archived.body).updated_at)).toBeGreaterThanOrEqual(Date.parse(s.updated_at));
    expect(empty.status).toBe(400);
  });

  it('refuses a query on an archived session with 409', async () => {
    const s = await createSession(alice);
    await alice.api.patch(`${SESSIONS}/${s.id}`, { status: 'archived' });

    const res = await alice.api.post(`${SESSIONS}/${s.id}/query`, { message: 'hello' });

    expect(res.status).toBe(409);
    expect(envelope(res).error_code).toBe('CONFLICT');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expect((await alice.api.get(`${SESSIONS}/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
    const malformed = await alice.api.get(`${SESSIONS}/not-a-uuid`);
    expect(malformed.status).toBe(400);
    expect(envelope(malformed).details?.issues).toEqual([expect.objectContaining({ path: 'params.id' })]);
  });

  it('answers 401 without a token', async () => {
    const res = await h.anonymous.get(SESSIONS);
    expect(res.status).toBe(401);
    expect(envelope(res).error_code).toBe('UNAUTHORIZED');
  });

  it('deletes a session with everything it owns and withdraws its queued run', async () => {
    const s = await createSession(alice);
    const { run_id } = await sendQuery(alice, s.id);
    expect(await h.jobs.getJob(run_id)).toBeDefined();
    const script = new RunScript(s.id, run_id);

    const res = await alice.api.delete(`${SESSIONS}/${s.id}`);

    expect(res.status).toBe(204);
    expect((await alice.api.get(`${SESSIONS}/${s.id}`)).status).toBe(404);
    expect((await alice.api.get(`${SESSIONS}/${s.id}/messages`)).status).toBe(404);
    expect(await h.jobs.getJob(run_id)).toBeUndefined();
    // The runner is asked to delete the working directory (it owns the volume), durably, after the runs were cancelled.
    const deletion = await h.jobs.getJob(`delete-${s.id}`);
    expect(deletion?.name).toBe('delete-workspace');
    expect(deletion?.data).toEqual({ v: 1, session_id: s.id });
    expect(deletion?.opts.attempts).toBeGreaterThanOrEqual(10);
    expect(await h.sessions.db.message.count({ where: { sessionId: s.id } })).toBe(0);
    expect(await h.sessions.db.run.count({ where: { sessionId: s.id } })).toBe(0);
    // A runner that was already working on it finds nothing to write to, and the consumer moves on.
    await h.emit(...script.simple());
    const later = await createSession(alice);
    const { run_id: laterRun } = await sendQuery(alice, later.id);
    await h.emit(...new RunScript(later.id, laterRun).simple());
    await eventually(
      'the later run completes',
      () => alice.api.get(`${SESSIONS}/${later.id}/runs/${laterRun}`),
      (r) => (r.body as { status?: string }).status === 'completed',
    );
    expect(await h.sessions.db.sessionEvent.count({ where: { sessionId: s.id } })).toBe(0);
    expect((await alice.api.delete(`${SESSIONS}/${s.id}`)).status).toBe(404);
  });
});
