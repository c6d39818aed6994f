import request from 'supertest';
import { TokenResponseSchema, UserSchema } from '@platform/contracts';
import { login, newAccount, refresh, signUp } from './support/accounts';
import { envelope, issuePaths } from './support/envelope';
import { startAuth, type AuthHarness } from './support/harness';

let h: AuthHarness;
beforeAll(async () => {
  h = await startAuth();
}, 30_000);
afterAll(() => h?.close());

const NEW_PASSWORD = 'brand-new-secret-7';

describe('GET /auth/profile', () => {
  it('returns the caller without any password hash', async () => {
    const { user, auth } = await signUp(h.app, h.db);

    const res = await request(h.app).get('/auth/profile').set(auth).expect(200);

    expect(UserSchema.strict().parse(res.body)).toEqual(user);
  });

  it('answers 401 without a token and for a tampered one', async () => {
    const { tokens } = await signUp(h.app, h.db);
    const tampered = `${tokens.access_token.slice(0, -4)}AAAA`;

    envelope((await request(h.app).get('/auth/profile').expect(401)).body, 'UNAUTHORIZED');
    envelope(
      (
        await request(h.app)
          .get('/auth/profile')
          .set({ Authorization: `Bearer ${tampered}` })
          .expect(401)
      ).body,
      'UNAUTHORIZED',
    );
  });
});

describe('PUT /auth/profile', () => {
  it('changes the username', async () => {
    const { user, auth } = await signUp(h.app, h.db);
    const username = newAccount('renamed').username;

    const res = await request(h.app).put('/auth/profile').set(auth).send({ username }).expect(200);

    expect(res.body).toMatchObject({ id: user.id, username });
    expect((await h.db.user.findUniqueOrThrow({ where: { id: user.id } })).username).toBe(username);
  });

  it('answers 409 CONFLICT for a username someone else has, leaving the row unchanged', async () => {
    const taken = await signUp(h.app, h.db);
    const { user, auth } = await signUp(h.app, h.db);

    const res = await request(h.app)
      .put('/auth/profile')
      .set(auth)
      .send({ username: taken.account.username })
      .expect(409);

    envelope(res.body, 'CONFLICT');
    expect((await h.db.user.findUniqueOrThrow({ where: { id: user.id } })).username).toBe(user.username);
  });

  it('requires current_password to change the password (400 at body.current_password)', async () => {
    const { auth } = await signUp(h.app, h.db);

    const res = await request(h.app).put('/auth/profile').set(auth).send({ password: NEW_PASSWORD }).expect(400);

    expect(issuePaths(res.body)).toEqual(['body.current_password']);
  });

  it('refuses a wrong current_password and keeps the old password working', async () => {
    const { account, auth } = await signUp(h.app, h.db);

    const res = await request(h.app)
      .put('/auth/profile')
      .set(auth)
      .send({ password: NEW_PASSWORD, current_password: 'not-my-password-1' })
      .expect(400);

    expect(issuePaths(res.body)).toEqual(['body.current_password']);
    await login(h.app, account);
  });

  it('changes the password with the correct current one, revoking other sessions but not the current one', async () => {
    const current = await signUp(h.app, h.db);
    const other = await login(h.app, current.account);

    await request(h.app)
      .put('/auth/profile')
      .set(current.auth)
      .send({ password: NEW_PASSWORD, current_password: current.account.password })
      .expect(200);

    envelope((await refresh(h.app, other.refresh_token).expect(401)).body, 'UNAUTHORIZED');
    TokenResponseSchema.parse((await refresh(h.app, current.tokens.refresh_token).expect(200)).body);
    await request(h.app)
      .post('/auth/login')
      .send({ email: current.account.email, password: current.account.password })
      .expect(401);
    await login(h.app, { email: current.account.email, password: NEW_PASSWORD });
  });

  it('rejects an empty update and an attempt to change the role', async () => {
    const { auth } = await signUp(h.app, h.db);

    envelope((await request(h.app).put('/auth/profile').set(auth).send({}).expect(400)).body, 'VALIDATION_ERROR');
    const role = await request(h.app).put('/auth/profile').set(auth).send({ role: 'admin' }).expect(400);
    expect(issuePaths(role.body)).toContain('body');
  });
});
