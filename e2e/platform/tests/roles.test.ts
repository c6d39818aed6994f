import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiHealthResponseSchema, ROLE_ACTIONS, RoleSchema, type ActionClass, type Role } from '@platform/contracts';
import { findRepoRoot, sseClient, type JsonClient, type JsonResponse } from '@platform/testing';
import { login, signIn, signUp, withToken } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import { SESSIONS, createChannel, createSession } from './support/sessions';
import { WsClient } from './support/ws';

jest.setTimeout(60_000);

interface Actor {
  role: Role;
  as: JsonClient;
  token: string;
  /** A session and a channel it owns (made while it was a user, for the guest). */
  sessionId: string;
  channelId: string;
}

let platform: Platform;
let admin: JsonClient;
const actors = {} as Record<Role, Actor>;

/** A user with `role`, owning a session and a channel made before the role was set. */
async function actorWith(role: Role): Promise<Actor> {
  const me = await signUp(platform.api, role);
  const channel = await createChannel(me.as, `${role}'s channel`);
  const session = await createSession(me.as, { name: `${role}'s session`, channel_id: channel.id });
  if (role !== 'user') expect((await admin.put(`/users/${me.user.id}`, { role })).status).toBe(200);
  const tokens = await login(platform.api, me.credentials);
  return { role, as: withToken(platform.api, tokens.access_token), token: tokens.access_token, sessionId: session.id, channelId: channel.id };
}

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-roles', sessions: true });
  const a = await signIn(platform.api, platform.admin);
  admin = a.as;
  for (const role of RoleSchema.options.filter((r) => r !== 'admin')) actors[role] = await actorWith(role);
  // The admin is the bootstrapped one, with a session and a channel of its own.
  const channel = await createChannel(admin, 'admin channel');
  actors.admin = { role: 'admin', as: admin, token: a.tokens.access_token, channelId: channel.id, sessionId: (await createSession(admin, { name: 'admin session' })).id };
}, 180_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

/** Representative requests of each action class, on the actor's own things. */
const REQUESTS: Record<Exclude<ActionClass, 'internal'>, Array<[string, (a: Actor) => Promise<JsonResponse>]>> = {
  read: [
    ['GET /api/channels', (a) => a.as.get('/api/channels')],
    ['GET own channel', (a) => a.as.get(`/api/channels/${a.channelId}`)],
    ['GET /api/v1/sessions', (a) => a.as.get(SESSIONS)],
    ['GET own messages', (a) => a.as.get(`${SESSIONS}/${a.sessionId}/messages`)],
    ['GET own permission requests', (a) => a.as.get(`${SESSIONS}/${a.sessionId}/permissions`)],
    ['GET own audit', (a) => a.as.get(`${SESSIONS}/${a.sessionId}/audit`)],
  ],
  account: [
    ['GET /auth/profile', (a) => a.as.get('/auth/profile')],
    ['PUT /auth/profile', (a) => a.as.put('/auth/profile', { username: `renamed_${a.role}_${randomUUID().slice(0, 6)}` })],
  ],
  create: [
    ['POST /api/channels', (a) => a.as.post('/api/channels', { name: `more ${randomUUID()}` })],
    ['PATCH own channel', (a) => a.as.patch(`/api/channels/${a.channelId}`, { description: 'changed' })],
    ['PATCH own session', (a) => a.as.patch(`${SESSIONS}/${a.sessionId}`, { name: 'renamed' })],
    ['PUT webhook settings', (a) => a.as.put('/api/v1/webhook-settings', { url: null })],
  ],
  run: [
    ['POST own query', (a) => a.as.post(`${SESSIONS}/${a.sessionId}/query`, { message: 'hello there' })],
    ['POST own fork', (a) => a.as.post(`${SESSIONS}/${a.sessionId}/fork`, { name: 'a fork' })],
    ['POST /tdd/validate', (a) => a.as.post('/tdd/validate', { session_id: a.sessionId, command: 'no-such-command' })],
    ['POST /solo/orchestrator', (a) => a.as.post('/solo/orchestrator', { session_id: randomUUID(), event: { type: 'feedback', message: 'x' } })],
  ],
  control: [['POST cancel of a run', (a) => a.as.post(`${SESSIONS}/${a.sessionId}/runs/${randomUUID()}/cancel`, {})]],
  answer: [['POST a permission answer', (a) => a.as.post(`${SESSIONS}/${a.sessionId}/permissions/${randomUUID()}`, { decision: 'allow' })]],
  manage: [
    ['GET /users', (a) => a.as.get('/users')],
    ['GET someone else', (a) => a.as.get(`/users/${randomUUID()}`)],
  ],
};

const cases = RoleSchema.options.flatMap((role) =>
  (Object.keys(REQUESTS) as Array<keyof typeof REQUESTS>).map((action) => [role, action, ROLE_ACTIONS[role].includes(action)] as const),
);

describe('the role table, enforced', () => {
  it.each(cases)('%s: %s allowed = %s', async (role, action, allowed) => {
    for (const [what, send] of REQUESTS[action]) {
      const res = await send(actors[role]);
      if (allowed) {
        // Past the role check: whatever the service then says (200, 201, 202, 400 for a bad command, 404 for an unknown run).
        expect({ what, status: res.status, forbidden: res.status === 403 || res.status === 401 }).toMatchObject({ what, forbidden: false });
      } else if (action === 'manage' && what === 'GET someone else') {
        // Someone else's account is a 404 for those who may not manage users, exactly like one that does not exist.
        expectEnvelope(res, 404, 'NOT_FOUND');
      } else {
        expect({ what, status: res.status }).toEqual({ what, status: 403 });
        expectEnvelope(res, 403, 'FORBIDDEN');
      }
    }
  });
});

describe('streams and WebSocket messages follow the same table', () => {
  it.each(RoleSchema.options)('%s may open its session stream (read)', async (role) => {
    const stream = await sseClient(`${platform.gateway.url}${SESSIONS}/${actors[role].sessionId}/stream`, { authorization: `Bearer ${actors[role].token}` });
    stream.close();
    expect(stream.status).toBe(200);
  });

  it.each(RoleSchema.options)('%s sending a query over the WebSocket is allowed only if its role may run', async (role) => {
    const ws = await WsClient.connect(`${platform.gateway.url}${SESSIONS}/${actors[role].sessionId}/stream?token=${actors[role].token}`);
    try {
      ws.send({ type: 'query', message: 'hello there', multitask: 'enqueue' });
      const answer = await ws.next();
      if (ROLE_ACTIONS[role].includes('run')) expect(answer).toMatchObject({ type: 'query_accepted' });
      else expect(answer).toMatchObject({ type: 'error', error_code: 'FORBIDDEN' });
    } finally {
      await ws.close();
    }
  });

  it('an agent runs queries in sessions it owns, and gets 404 for a user\'s session', async () => {
    const own = await actors.agent.as.post(`${SESSIONS}/${actors.agent.sessionId}/query`, { message: 'hello there', multitask: 'enqueue' });
    const foreign = await actors.agent.as.post(`${SESSIONS}/${actors.user.sessionId}/query`, { message: 'hello there' });

    expect(own.status).toBe(202);
    expectEnvelope(foreign, 404, 'NOT_FOUND');
  });

  it('only a role that may manage sees instance ids and URLs in /api/health', async () => {
    for (const role of RoleSchema.options) {
      const body = ApiHealthResponseSchema.parse((await actors[role].as.get('/api/health')).body);
      const shown = body.services.some((s) => s.instances !== undefined);
      expect({ role, shown }).toEqual({ role, shown: ROLE_ACTIONS[role].includes('manage') });
    }
    const anonymous = ApiHealthResponseSchema.parse((await platform.api.get('/api/health')).body);
    expect(anonymous.services.every((s) => s.instances === undefined && s.instance_count.total >= 0)).toBe(true);
    expect(JSON.stringify(anonymous)).not.toContain(platform.auth.url);
  });
});

describe('the README', () => {
  it('shows the role table the services enforce', () => {
    const readme = fs.readFileSync(path.join(findRepoRoot(), 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Roles'), readme.indexOf('### Revocation'));
    const header = section.split('\n').find((l) => l.startsWith('| action class'))!;
    const roles = header.split('|').map((c) => c.trim()).slice(3, -1);
    const rows = section.split('\n').filter((l) => /^\| [a-z]+ \|/.test(l));
    const table = Object.fromEntries(
      roles.map((role, i) => [role, rows.filter((r) => r.split('|').map((c) => c.trim())[3 + i] === 'yes').map((r) => r.split('|')[1]!.trim())]),
    );

    expect(roles).toEqual(['guest', 'agent', 'user', 'admin']);
    expect(table).toEqual(Object.fromEntries(roles.map((r) => [r, ROLE_ACTIONS[r as Role].filter((a) => a !== 'internal')])));
  });
});
