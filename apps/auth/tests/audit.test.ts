import request from 'supertest';
import { login, newAccount, refresh, register, signUp, type SignedUp } from './support/accounts';
import { startAuth, type AuthHarness } from './support/harness';

let h: AuthHarness;
let admin: SignedUp;
beforeAll(async () => {
  h = await startAuth();
  admin = await signUp(h.app, h.db, { role: 'admin' });
}, 30_000);
afterAll(() => h?.close());

const auditOf = (userId: string, event: string) =>
  h.db.auditLog.findMany({ where: { userId, event }, orderBy: { createdAt: 'asc' } });

describe('the audit log', () => {
  it('records a registration with the request id and user agent', async () => {
    const account = newAccount('audreg');
    const res = await request(h.app)
      .post('/auth/register')
      .set({ 'X-Request-Id': 'req-audit-register-1', 'User-Agent': 'audit-test/1.0' })
      .send(account)
      .expect(201);

    const rows = await auditOf(res.body.id, 'user_registered');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorId: res.body.id,
      requestId: 'req-audit-register-1',
      userAgent: 'audit-test/1.0',
    });
  });

  it('records successful logins and failed ones, without the attempted password', async () => {
    const account = newAccount('audlogin');
    const user = await register(h.app, account);
    await login(h.app, account);
    await request(h.app).post('/auth/login').send({ email: account.email, password: 'wrong-password-1' }).expect(401);
    const stranger = `nobody_${account.username}@example.test`;
    await request(h.app).post('/auth/login').send({ email: stranger, password: 'wrong-password-1' }).expect(401);

    expect(await auditOf(user.id, 'login_succeeded')).toHaveLength(1);
    expect(await auditOf(user.id, 'login_failed')).toHaveLength(1);
    const unknown = await h.db.auditLog.findMany({
      where: { event: 'login_failed', userId: null, details: { path: ['email'], equals: stranger } },
    });
    expect(unknown).toHaveLength(1);
    const all = await h.db.auditLog.findMany({ where: { OR: [{ userId: user.id }, { userId: null }] } });
    expect(JSON.stringify(all)).not.toContain('wrong-password-1');
  });

  it('records a refresh-token reuse with the revoked family', async () => {
    const { user, tokens } = await signUp(h.app, h.db);
    await refresh(h.app, tokens.refresh_token).expect(200);
    await refresh(h.app, tokens.refresh_token).expect(401);

    const rows = await auditOf(user.id, 'refresh_token_reused');
    expect(rows).toHaveLength(1);
    const family = await h.db.refreshToken.findFirstOrThrow({ where: { userId: user.id } });
    expect(rows[0]?.details).toEqual({ family_id: family.familyId, revoked: 2 });
  });

  it('records a logout', async () => {
    const { user, auth } = await signUp(h.app, h.db);
    await request(h.app).post('/auth/logout').set(auth).expect(200);

    const rows = await auditOf(user.id, 'logout');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actorId: user.id, details: expect.objectContaining({ revoked: 1 }) });
  });

  it('records role and status changes with the acting admin', async () => {
    const { user } = await signUp(h.app, h.db);
    await request(h.app).put(`/users/${user.id}`).set(admin.auth).send({ role: 'agent' }).expect(200);
    await request(h.app).put(`/users/${user.id}`).set(admin.auth).send({ is_active: false }).expect(200);

    const [role] = await auditOf(user.id, 'role_changed');
    const [status] = await auditOf(user.id, 'status_changed');
    expect(role).toMatchObject({ actorId: admin.user.id, details: { from: 'user', to: 'agent' } });
    expect(status).toMatchObject({ actorId: admin.user.id, details: { is_active: false } });
  });

  it('writes no role_changed row when the role is set to what it already is', async () => {
    const { user } = await signUp(h.app, h.db);
    await request(h.app).put(`/users/${user.id}`).set(admin.auth).send({ role: 'user' }).expect(200);

    expect(await auditOf(user.id, 'role_changed')).toHaveLength(0);
  });
});
