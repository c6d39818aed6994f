import request from 'supertest';
import { bootstrapAdmin } from '../src/services/bootstrap-admin';
import { login, newAccount } from './support/accounts';
import { quietLogger, startAuth, type AuthHarness } from './support/harness';
import { verifyWithJwks } from './support/tokens';

let h: AuthHarness;
beforeAll(async () => {
  h = await startAuth();
}, 30_000);
afterAll(() => h?.close());

const deps = () => ({
  users: h.services.users,
  audit: h.services.audit,
  passwords: h.services.passwords,
  logger: quietLogger(),
});

describe('bootstrapAdmin', () => {
  it('creates the configured admin once; a second start reports it exists and leaves one row', async () => {
    const account = newAccount('boot');

    const first = await bootstrapAdmin(deps(), account);
    const second = await bootstrapAdmin(deps(), { ...account, password: 'a-different-secret-1' });

    expect([first, second]).toEqual(['created', 'exists']);
    const rows = await h.db.user.findMany({ where: { email: account.email } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ role: 'admin', isActive: true, username: account.username });
    expect(await h.db.auditLog.count({ where: { event: 'admin_bootstrapped', userId: rows[0]?.id } })).toBe(1);
  });

  it('creates an admin who can log in with the configured password and list users', async () => {
    const account = newAccount('bootlogin');
    await bootstrapAdmin(deps(), { ...account, email: account.email.toUpperCase() });

    const { access_token } = await login(h.app, account);

    const { claims } = await verifyWithJwks(h.app, access_token, {
      issuer: h.config.JWT_ISSUER,
      audience: h.config.JWT_AUDIENCE,
    });
    expect(claims.role).toBe('admin');
    await request(h.app)
      .get('/users')
      .set({ Authorization: `Bearer ${access_token}` })
      .expect(200);
  });

  it('treats an admin created concurrently by another instance as existing', async () => {
    const account = newAccount('bootrace');

    const results = await Promise.all([bootstrapAdmin(deps(), account), bootstrapAdmin(deps(), account)]);

    expect(results.sort()).toEqual(['created', 'exists']);
    expect(await h.db.user.count({ where: { email: account.email } })).toBe(1);
  });
});
