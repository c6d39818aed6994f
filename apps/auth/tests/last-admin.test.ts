import request from 'supertest';
import { signUp, type SignedUp } from './support/accounts';
import { envelope } from './support/envelope';
import { startAuth, type AuthHarness } from './support/harness';

// Its own database: these tests depend on exactly how many active admins exist.
let h: AuthHarness;
let admin: SignedUp;
beforeAll(async () => {
  h = await startAuth();
  admin = await signUp(h.app, h.db, { role: 'admin' });
}, 30_000);
afterAll(() => h?.close());

const activeAdmins = () => h.db.user.count({ where: { role: 'admin', isActive: true } });

describe('the last active admin', () => {
  it('cannot be demoted, disabled or deleted: 409 CONFLICT and nothing changes', async () => {
    const id = admin.user.id;

    envelope(
      (await request(h.app).put(`/users/${id}`).set(admin.auth).send({ role: 'user' }).expect(409)).body,
      'CONFLICT',
    );
    envelope(
      (await request(h.app).put(`/users/${id}`).set(admin.auth).send({ is_active: false }).expect(409)).body,
      'CONFLICT',
    );
    envelope((await request(h.app).delete(`/users/${id}`).set(admin.auth).expect(409)).body, 'CONFLICT');

    expect(await h.db.user.findUniqueOrThrow({ where: { id } })).toMatchObject({ role: 'admin', isActive: true });
  });

  it('can still be renamed', async () => {
    await request(h.app)
      .put(`/users/${admin.user.id}`)
      .set(admin.auth)
      .send({ username: `${admin.account.username}_r` })
      .expect(200);
  });

  it('can demote another admin while one remains, and is protected again afterwards', async () => {
    const second = await signUp(h.app, h.db, { role: 'admin' });

    await request(h.app).put(`/users/${second.user.id}`).set(admin.auth).send({ role: 'user' }).expect(200);

    expect(await activeAdmins()).toBe(1);
    await request(h.app).put(`/users/${admin.user.id}`).set(admin.auth).send({ role: 'user' }).expect(409);
  });

  it('survives two admins demoting each other at the same moment', async () => {
    const second = await signUp(h.app, h.db, { role: 'admin' });

    const results = await Promise.all([
      request(h.app).put(`/users/${second.user.id}`).set(admin.auth).send({ role: 'user' }),
      request(h.app).put(`/users/${admin.user.id}`).set(second.auth).send({ role: 'user' }),
    ]);

    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await activeAdmins()).toBe(1);
  });
});
