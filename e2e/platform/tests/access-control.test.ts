import { randomUUID } from 'node:crypto';
import { ServiceTokenResponseSchema, UserListResponseSchema, UserSchema, type User } from '@platform/contracts';
import type { JsonClient } from '@platform/testing';
import { login, register, signIn, signUp, withToken, type Session } from './support/accounts';
import { expectEnvelope, issuePaths, rawRequest } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import { decodeToken } from './support/tokens';

jest.setTimeout(30_000);

const SERVICE_CLIENT = { client_id: 'e2e-probe', client_secret: 'e2e-probe-secret-0123456789' };

let platform: Platform;
let admin: JsonClient;
let adminId: string;

beforeAll(async () => {
  platform = await startPlatform({
    name: 'e2e-access',
    authEnv: { SERVICE_CLIENTS: `${SERVICE_CLIENT.client_id}:${SERVICE_CLIENT.client_secret}` },
  });
  const session = await signIn(platform.api, platform.admin);
  admin = session.as;
  adminId = String(decodeToken(session.tokens.access_token).payload.sub);
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

/** Every page of GET /users?… as `client`, following next_cursor. */
async function allPages(client: JsonClient, query: Record<string, string | number>): Promise<{ pages: User[][] }> {
  const pages: User[][] = [];
  let cursor: string | null = null;
  do {
    const res = await client.get('/users', { query: { ...query, ...(cursor ? { cursor } : {}) } });
    if (res.status !== 200) throw new Error(`GET /users answered ${res.status}: ${res.text}`);
    const page = UserListResponseSchema.parse(res.body);
    pages.push(page.items);
    cursor = page.next_cursor;
  } while (cursor !== null && pages.length < 50);
  return { pages };
}

describe('the admin bootstrapped from ADMIN_EMAIL and ADMIN_PASSWORD', () => {
  it('logs in with an admin token', async () => {
    const tokens = await login(platform.api, platform.admin);

    expect(decodeToken(tokens.access_token).payload).toMatchObject({ role: 'admin' });
    const profile = await withToken(platform.api, tokens.access_token).get('/auth/profile');
    expect(profile.body).toMatchObject({ email: platform.admin.email, role: 'admin', is_active: true });
  });

  it('pages through every user newest first with limit and cursor, without gaps or repeats', async () => {
    await Promise.all([1, 2, 3, 4, 5].map(() => register(platform.api, 'paged')));
    const everyone = UserListResponseSchema.parse((await admin.get('/users', { query: { limit: 100 } })).body).items;

    const { pages } = await allPages(admin, { limit: 2 });

    expect(pages.every((p) => p.length <= 2)).toBe(true);
    expect(pages.flat().map((u) => u.id)).toEqual(everyone.map((u) => u.id));
    const created = everyone.map((u) => Date.parse(u.created_at));
    expect(created).toEqual([...created].sort((a, b) => b - a));
    expect(everyone.length).toBeGreaterThanOrEqual(6);
  });

  it('filters users by role', async () => {
    const { pages } = await allPages(admin, { role: 'admin' });

    const admins = pages.flat();
    expect(admins.map((u) => u.id)).toContain(adminId);
    expect(admins.every((u) => u.role === 'admin')).toBe(true);
  });

  it('filters users by a search term over email and username', async () => {
    const { user } = await register(platform.api, 'needle');
    await register(platform.api, 'haystack');
    const term = user.email.slice(0, user.email.indexOf('@')).toUpperCase();

    const { pages } = await allPages(admin, { q: term });

    expect(pages.flat().map((u) => u.id)).toEqual([user.id]);
  });

  it('matches % and _ in a search term literally, not as wildcards', async () => {
    const { user } = await register(platform.api, 'under');

    const percent = (await allPages(admin, { q: '%' })).pages.flat();
    const underscore = (await allPages(admin, { q: '_' })).pages.flat();

    expect(percent).toEqual([]);
    expect(underscore.map((u) => u.id)).toContain(user.id);
    expect(underscore.filter((u) => !`${u.email} ${u.username}`.includes('_')).map((u) => u.username)).toEqual([]);
  });

  it('refuses a page size out of range with 400 naming query.limit', async () => {
    for (const limit of ['0', '101', 'ten']) {
      const res = await admin.get('/users', { query: { limit } });
      expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['query.limit']);
    }
  });

  it("changes a user's role, and the user's next login carries it", async () => {
    const { user, credentials } = await register(platform.api, 'promoted');

    const res = await admin.put(`/users/${user.id}`, { role: 'agent' });

    expect(res.status).toBe(200);
    expect(UserSchema.parse(res.body)).toMatchObject({ id: user.id, role: 'agent' });
    const tokens = await login(platform.api, credentials);
    expect(decodeToken(tokens.access_token).payload).toMatchObject({ sub: user.id, role: 'agent' });
  });

  it('disables a user: login answers 403 ACCOUNT_DISABLED and their refresh token stops working', async () => {
    const target = await signUp(platform.api, 'disabled');

    const res = await admin.put(`/users/${target.user.id}`, { is_active: false });

    expect(res.body).toMatchObject({ id: target.user.id, is_active: false });
    expectEnvelope(await platform.api.post('/auth/login', target.credentials), 403, 'ACCOUNT_DISABLED');
    const refresh = await platform.api.post('/auth/refresh', { refresh_token: target.tokens.refresh_token });
    expect(refresh.status).toBe(401);
  });

  it('lists disabled users with is_active=false, and lets a re-enabled user log in again', async () => {
    const { user, credentials } = await register(platform.api, 'benched');
    await admin.put(`/users/${user.id}`, { is_active: false });

    const { pages } = await allPages(admin, { is_active: 'false' });
    const inactive = pages.flat();
    expect(inactive.map((u) => u.id)).toContain(user.id);
    expect(inactive.every((u) => !u.is_active)).toBe(true);

    await admin.put(`/users/${user.id}`, { is_active: true });
    await expect(login(platform.api, credentials)).resolves.toMatchObject({ token_type: 'bearer' });
  });

  it('cannot demote or disable the last active admin (409)', async () => {
    expectEnvelope(await admin.put(`/users/${adminId}`, { role: 'user' }), 409, 'CONFLICT');
    expectEnvelope(await admin.put(`/users/${adminId}`, { is_active: false }), 409, 'CONFLICT');
  });

  it('reads any user, and gets 404 for an id that does not exist', async () => {
    const { user } = await register(platform.api, 'visible');

    expect((await admin.get(`/users/${user.id}`)).body).toMatchObject({ id: user.id, email: user.email });
    expectEnvelope(await admin.get(`/users/${randomUUID()}`), 404, 'NOT_FOUND');
  });
});

describe('a plain user', () => {
  let me: Session;
  let other: User;

  beforeAll(async () => {
    me = await signUp(platform.api, 'plain');
    other = (await register(platform.api, 'neighbour')).user;
  });

  it('gets 403 FORBIDDEN listing users', async () => {
    expectEnvelope(await me.as.get('/users'), 403, 'FORBIDDEN');
  });

  it('reads themself through /users/{id}', async () => {
    const res = await me.as.get(`/users/${me.user.id}`);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: me.user.id, email: me.user.email });
  });

  it('gets 404 reading another user, exactly as for a user that does not exist', async () => {
    const existing = expectEnvelope(await me.as.get(`/users/${other.id}`), 404, 'NOT_FOUND');
    const missing = expectEnvelope(await me.as.get(`/users/${randomUUID()}`), 404, 'NOT_FOUND');

    expect(existing.error).toBe(missing.error);
  });

  it('gets 404 changing or deleting another user, who stays unchanged', async () => {
    expectEnvelope(await me.as.put(`/users/${other.id}`, { username: 'hijacked_name' }), 404, 'NOT_FOUND');
    expectEnvelope(await me.as.delete(`/users/${other.id}`), 404, 'NOT_FOUND');

    expect((await admin.get(`/users/${other.id}`)).body).toMatchObject({ id: other.id, username: other.username });
  });

  it('cannot give themself a role or change their own status (403)', async () => {
    expectEnvelope(await me.as.put(`/users/${me.user.id}`, { role: 'admin' }), 403, 'FORBIDDEN');
    expectEnvelope(await me.as.put(`/users/${me.user.id}`, { is_active: false }), 403, 'FORBIDDEN');

    expect((await admin.get(`/users/${me.user.id}`)).body).toMatchObject({ role: 'user', is_active: true });
  });
});

describe('/internal routes through the gateway', () => {
  let serviceToken: string;
  let userId: string;

  beforeAll(async () => {
    const res = await platform.api.post('/auth/service-token', SERVICE_CLIENT);
    serviceToken = ServiceTokenResponseSchema.parse(res.body).access_token;
    userId = (await register(platform.api, 'internal')).user.id;
  });

  it.each([
    ['/internal/users/{id}'],
    ['/INTERNAL/users/{id}'],
    ['/Internal/users/{id}'],
    ['/%69nternal/users/{id}'],
    ['//internal/users/{id}'],
    ['/internal'],
  ])('answers 404 ROUTE_NOT_FOUND to %s, even with a service token', async (template) => {
    const url = `${platform.gateway.url}${template.replace('{id}', userId)}`;

    for (const token of [serviceToken, undefined]) {
      const res = await platform.api.get(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
      expectEnvelope(res, 404, 'ROUTE_NOT_FOUND');
    }
  });

  it('refuses dot segments that would lead there from a routed prefix', async () => {
    for (const path of [`/auth/../internal/users/${userId}`, `/users/%2e%2e/internal/users/${userId}`, `/auth/..%2finternal/users/${userId}`]) {
      const res = await rawRequest(platform.gateway.url, { path, headers: { authorization: `Bearer ${serviceToken}` } });

      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.text).not.toContain(userId);
    }
  });

  it('accepts that service token on routed paths, so the 404s are the route refusing, not the token', async () => {
    const res = await withToken(platform.api, serviceToken).get(`/users/${userId}`);

    // Past edge authentication, auth's role table refuses it: a service token has only the `internal` class.
    expectEnvelope(res, 403, 'FORBIDDEN');
  });
});
