import request from 'supertest';
import { UserSchema } from '@platform/contracts';
import { signUp, type SignedUp } from './support/accounts';
import { envelope, issuePaths } from './support/envelope';
import { startAuth, type AuthHarness } from './support/harness';

let h: AuthHarness;
let me: SignedUp;
let other: SignedUp;
beforeAll(async () => {
  h = await startAuth();
  me = await signUp(h.app, h.db, { label: 'me' });
  other = await signUp(h.app, h.db, { label: 'other' });
}, 30_000);
afterAll(() => h?.close());

describe('/users/:id for a non-admin', () => {
  it('reads themself', async () => {
    const res = await request(h.app).get(`/users/${me.user.id}`).set(me.auth).expect(200);

    expect(UserSchema.strict().parse(res.body)).toMatchObject({ id: me.user.id, email: me.account.email });
  });

  it('cannot see that another user exists: 404', async () => {
    envelope((await request(h.app).get(`/users/${other.user.id}`).set(me.auth).expect(404)).body, 'NOT_FOUND');
  });

  it('renames themself', async () => {
    const username = `${me.account.username}_x`;

    const res = await request(h.app).put(`/users/${me.user.id}`).set(me.auth).send({ username }).expect(200);

    expect(res.body.username).toBe(username);
    expect((await h.db.user.findUniqueOrThrow({ where: { id: me.user.id } })).username).toBe(username);
  });

  it('needs the current password to change their password here too', async () => {
    const res = await request(h.app)
      .put(`/users/${me.user.id}`)
      .set(me.auth)
      .send({ password: 'another-secret-9' })
      .expect(400);

    expect(issuePaths(res.body)).toEqual(['body.current_password']);
  });

  it('may not change their own role, status or quota: 403 and the row is unchanged', async () => {
    for (const body of [{ role: 'admin' }, { is_active: false }, { max_concurrent_sessions: 100 }]) {
      const res = await request(h.app).put(`/users/${me.user.id}`).set(me.auth).send(body);
      expect({ body, status: res.status }).toEqual({ body, status: 403 });
      envelope(res.body, 'FORBIDDEN');
    }
    expect(await h.db.user.findUniqueOrThrow({ where: { id: me.user.id } })).toMatchObject({
      role: 'user',
      isActive: true,
      maxConcurrentSessions: 5,
    });
  });

  it('cannot update another user: 404 and the row is unchanged', async () => {
    await request(h.app).put(`/users/${other.user.id}`).set(me.auth).send({ username: 'hijacked' }).expect(404);

    expect((await h.db.user.findUniqueOrThrow({ where: { id: other.user.id } })).username).toBe(other.user.username);
  });

  it('cannot delete themself (403) nor anyone else (404)', async () => {
    envelope((await request(h.app).delete(`/users/${me.user.id}`).set(me.auth).expect(403)).body, 'FORBIDDEN');
    envelope((await request(h.app).delete(`/users/${other.user.id}`).set(me.auth).expect(404)).body, 'NOT_FOUND');

    expect(await h.db.user.count({ where: { id: { in: [me.user.id, other.user.id] } } })).toBe(2);
  });

  it('requires a token at all: 401', async () => {
    envelope((await request(h.app).get(`/users/${me.user.id}`).expect(401)).body, 'UNAUTHORIZED');
  });
});
