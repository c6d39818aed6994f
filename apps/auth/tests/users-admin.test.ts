import request from 'supertest';
import { UserListResponseSchema, UserSchema, type User } from '@platform/contracts';
import { randomSuffix } from '@platform/testing';
import { hashToken } from '../src/services/token-issuer';
import { login, refresh, signUp, type SignedUp } from './support/accounts';
import { envelope, issuePaths } from './support/envelope';
import { startAuth, type AuthHarness } from './support/harness';
import { verifyWithJwks } from './support/tokens';

let h: AuthHarness;
let admin: SignedUp;
beforeAll(async () => {
  h = await startAuth();
  admin = await signUp(h.app, h.db, { role: 'admin' });
}, 30_000);
afterAll(() => h?.close());

/** Inserts users named `<tag>_<n>` directly; every three share one created_at so pages must break ties by id. */
async function seedUsers(
  tag: string,
  n: number,
  data: { role?: 'user' | 'agent'; isActive?: boolean } = {},
): Promise<void> {
  const base = Date.now() - 60_000;
  await h.db.user.createMany({
    data: Array.from({ length: n }, (_, i) => ({
      email: `${tag}_${i}@example.test`,
      username: `${tag}_${i}`,
      usernameKey: `${tag}_${i}`.toLowerCase(),
      passwordHash: 'not-a-real-hash',
      createdAt: new Date(base + Math.floor(i / 3) * 1000),
      ...data,
    })),
  });
}

async function listAll(query: Record<string, string | number>): Promise<{ pages: User[][] }> {
  const pages: User[][] = [];
  let cursor: string | null = null;
  do {
    const res = await request(h.app)
      .get('/users')
      .set(admin.auth)
      .query({ ...query, ...(cursor ? { cursor } : {}) })
      .expect(200);
    const page = UserListResponseSchema.parse(res.body);
    pages.push(page.items);
    cursor = page.next_cursor;
  } while (cursor && pages.length < 50);
  return { pages };
}

describe('GET /users (admin)', () => {
  it('walks every matching user exactly once across cursor pages, newest first', async () => {
    const tag = `pg${randomSuffix(3)}`;
    await seedUsers(tag, 23);

    const { pages } = await listAll({ q: tag, limit: 5 });

    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 3]);
    const ids = pages.flat().map((u) => u.id);
    const expected = await h.db.user.findMany({
      where: { username: { startsWith: `${tag}_` } },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    });
    expect(ids).toEqual(expected.map((u) => u.id));
    expect(new Set(ids).size).toBe(23);
  });

  it('filters by role, by is_active and by a case-insensitive search on email or username', async () => {
    const tag = `flt${randomSuffix(3)}`;
    await seedUsers(`${tag}a`, 2, { role: 'agent' });
    await seedUsers(`${tag}d`, 3, { isActive: false });
    await seedUsers(`${tag}u`, 4);

    const byRole = UserListResponseSchema.parse(
      (await request(h.app).get('/users').set(admin.auth).query({ q: tag, role: 'agent' }).expect(200)).body,
    );
    const inactive = UserListResponseSchema.parse(
      (await request(h.app).get('/users').set(admin.auth).query({ q: tag, is_active: 'false' }).expect(200)).body,
    );
    const search = UserListResponseSchema.parse(
      (
        await request(h.app)
          .get('/users')
          .set(admin.auth)
          .query({ q: `${tag}U`.toUpperCase() })
          .expect(200)
      ).body,
    );

    expect(byRole.items.map((u) => u.username).sort()).toEqual([`${tag}a_0`, `${tag}a_1`]);
    expect(inactive.items.every((u) => !u.is_active && u.username.startsWith(`${tag}d_`))).toBe(true);
    expect(inactive.items).toHaveLength(3);
    expect(search.items.map((u) => u.username).sort()).toEqual([0, 1, 2, 3].map((i) => `${tag}u_${i}`));
    expect(search.next_cursor).toBeNull();
  });

  it('rejects a bad limit or cursor with 400 naming the query field', async () => {
    const limit = await request(h.app).get('/users').set(admin.auth).query({ limit: 0 }).expect(400);
    const cursor = await request(h.app).get('/users').set(admin.auth).query({ cursor: 'garbage' }).expect(400);

    expect(issuePaths(limit.body)).toEqual(['query.limit']);
    expect(issuePaths(cursor.body)).toEqual(['query.cursor']);
  });

  it('is forbidden to a plain user', async () => {
    const user = await signUp(h.app, h.db);

    envelope((await request(h.app).get('/users').set(user.auth).expect(403)).body, 'FORBIDDEN');
  });
});

describe('GET/PUT/DELETE /users/:id (admin)', () => {
  it('reads any user, 404 for an unknown id and 400 for a malformed one', async () => {
    const { user } = await signUp(h.app, h.db);

    expect(
      UserSchema.strict().parse((await request(h.app).get(`/users/${user.id}`).set(admin.auth).expect(200)).body),
    ).toEqual(user);
    envelope(
      (await request(h.app).get('/users/00000000-0000-4000-8000-000000000000').set(admin.auth).expect(404)).body,
      'NOT_FOUND',
    );
    expect(issuePaths((await request(h.app).get('/users/not-a-uuid').set(admin.auth).expect(400)).body)).toEqual([
      'params.id',
    ]);
  });

  it('changes role and session quota, and the next login carries the new role', async () => {
    const target = await signUp(h.app, h.db);

    const res = await request(h.app)
      .put(`/users/${target.user.id}`)
      .set(admin.auth)
      .send({ role: 'agent', max_concurrent_sessions: 2 })
      .expect(200);

    expect(res.body).toMatchObject({ id: target.user.id, role: 'agent', max_concurrent_sessions: 2 });
    expect(await h.db.user.findUniqueOrThrow({ where: { id: target.user.id } })).toMatchObject({
      role: 'agent',
      maxConcurrentSessions: 2,
    });
    const { access_token } = await login(h.app, target.account);
    const { claims } = await verifyWithJwks(h.app, access_token, {
      issuer: h.config.JWT_ISSUER,
      audience: h.config.JWT_AUDIENCE,
    });
    expect(claims.role).toBe('agent');
  });

  it('409 when renaming to a username that is taken', async () => {
    const a = await signUp(h.app, h.db);
    const b = await signUp(h.app, h.db);

    envelope(
      (await request(h.app).put(`/users/${b.user.id}`).set(admin.auth).send({ username: a.user.username }).expect(409))
        .body,
      'CONFLICT',
    );
  });

  it('deactivating a user revokes its refresh tokens and blocks login with 403', async () => {
    const target = await signUp(h.app, h.db);

    await request(h.app).put(`/users/${target.user.id}`).set(admin.auth).send({ is_active: false }).expect(200);

    const row = await h.db.refreshToken.findUniqueOrThrow({
      where: { tokenHash: hashToken(target.tokens.refresh_token) },
    });
    expect(row.revokedAt).not.toBeNull();
    expect((await refresh(h.app, target.tokens.refresh_token)).status).toBe(401);
    const denied = await request(h.app)
      .post('/auth/login')
      .send({ email: target.account.email, password: target.account.password })
      .expect(403);
    envelope(denied.body, 'ACCOUNT_DISABLED');
  });

  it('deletes a user with 204, together with its refresh tokens', async () => {
    const target = await signUp(h.app, h.db);

    await request(h.app).delete(`/users/${target.user.id}`).set(admin.auth).expect(204);

    expect(await h.db.user.findUnique({ where: { id: target.user.id } })).toBeNull();
    expect(await h.db.refreshToken.count({ where: { userId: target.user.id } })).toBe(0);
    await request(h.app).delete(`/users/${target.user.id}`).set(admin.auth).expect(404);
  });
});
