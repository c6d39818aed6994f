import { MessageResponseSchema, TokenResponseSchema, UserSchema } from '@platform/contracts';
import { login, newAccount, register, signUp, withToken } from './support/accounts';
import { expectEnvelope, issuePaths } from './support/http';
import { startPlatform, type Platform } from './support/platform';

jest.setTimeout(30_000);

let platform: Platform;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-auth-flows', sessions: true, shared: true });
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

describe('registration, login and profile through the gateway', () => {
  it('registers a user, logs them in and returns their profile', async () => {
    const account = newAccount('alice');

    const registered = await platform.api.post('/auth/register', account);
    expect(registered.status).toBe(201);
    const user = UserSchema.parse(registered.body);
    expect(user).toMatchObject({ email: account.email, username: account.username, role: 'user', is_active: true });
    expect(registered.text).not.toMatch(/password/i);

    const tokens = await login(platform.api, { email: account.email, password: account.password });
    const profile = await withToken(platform.api, tokens.access_token).get('/auth/profile');

    expect(profile.status).toBe(200);
    expect(UserSchema.parse(profile.body)).toEqual(user);
  });

  it('treats email addresses case-insensitively at login', async () => {
    const { user, credentials } = await register(platform.api, 'casey');

    const tokens = await login(platform.api, { email: credentials.email.toUpperCase(), password: credentials.password });

    const profile = await withToken(platform.api, tokens.access_token).get('/auth/profile');
    expect(profile.body).toMatchObject({ id: user.id });
  });

  it('refuses a wrong password with 401 INVALID_CREDENTIALS, the same as an unknown email', async () => {
    const { credentials } = await register(platform.api, 'bob');

    const wrongPassword = await platform.api.post('/auth/login', { email: credentials.email, password: 'Not-the-password-1' });
    const unknownEmail = await platform.api.post('/auth/login', { email: 'nobody-here@e2e.test', password: 'Not-the-password-1' });

    const a = expectEnvelope(wrongPassword, 401, 'INVALID_CREDENTIALS');
    const b = expectEnvelope(unknownEmail, 401, 'INVALID_CREDENTIALS');
    expect(a.error).toBe(b.error);
  });

  it('answers 409 CONFLICT to a second registration with the same email, whatever its case', async () => {
    const first = newAccount('dup');
    expect((await platform.api.post('/auth/register', first)).status).toBe(201);

    const again = await platform.api.post('/auth/register', { ...newAccount('dup'), email: first.email.toUpperCase() });

    expectEnvelope(again, 409, 'CONFLICT');
  });

  it('answers 409 CONFLICT to a username that differs from a taken one only in case, and keeps the display case', async () => {
    const first = newAccount('Case');
    const created = await platform.api.post('/auth/register', { ...first, username: `Mixed_${first.username}` });
    expect(UserSchema.parse(created.body).username).toBe(`Mixed_${first.username}`);

    const again = await platform.api.post('/auth/register', { ...newAccount('case'), username: `mIXED_${first.username}`.toLowerCase() });
    expectEnvelope(again, 409, 'CONFLICT');

    const other = await signUp(platform.api, 'renamer');
    const rename = await other.as.put('/auth/profile', { username: `MIXED_${first.username}`.toUpperCase() });
    expectEnvelope(rename, 409, 'CONFLICT');
  });

  it('lets exactly one of two concurrent registrations of one email succeed', async () => {
    const email = newAccount('race').email;

    const answers = await Promise.all(
      [newAccount('race'), newAccount('race')].map((a) => platform.api.post('/auth/register', { ...a, email })),
    );

    expect(answers.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it('refuses a weak password with 400 naming body.password', async () => {
    const res = await platform.api.post('/auth/register', { ...newAccount('weak'), password: 'short' });

    const envelope = expectEnvelope(res, 400, 'VALIDATION_ERROR');
    expect(new Set(issuePaths(envelope))).toEqual(new Set(['body.password']));
  });

  it('refuses a password without a digit with 400 naming body.password', async () => {
    const res = await platform.api.post('/auth/register', { ...newAccount('weak'), password: 'onlyletters-here' });

    expect(issuePaths(expectEnvelope(res, 400, 'VALIDATION_ERROR'))).toEqual(['body.password']);
  });

  it('requires an access token for the profile', async () => {
    const res = await platform.api.get('/auth/profile');

    expectEnvelope(res, 401, 'UNAUTHORIZED');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('refresh-token rotation', () => {
  it('rotates the refresh token and issues a working access token', async () => {
    const session = await signUp(platform.api, 'rotate');

    const res = await platform.api.post('/auth/refresh', { refresh_token: session.tokens.refresh_token });

    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const rotated = TokenResponseSchema.parse(res.body);
    expect(rotated.refresh_token).not.toBe(session.tokens.refresh_token);
    const profile = await withToken(platform.api, rotated.access_token).get('/auth/profile');
    expect(profile.body).toMatchObject({ id: session.user.id });
  });

  it('rejects a reused refresh token with TOKEN_REUSED and revokes the rest of its family', async () => {
    const session = await signUp(platform.api, 'reuse');
    const first = session.tokens.refresh_token;
    const second = TokenResponseSchema.parse((await platform.api.post('/auth/refresh', { refresh_token: first })).body);
    const third = TokenResponseSchema.parse((await platform.api.post('/auth/refresh', { refresh_token: second.refresh_token })).body);

    const reuse = await platform.api.post('/auth/refresh', { refresh_token: first });

    const envelope = expectEnvelope(reuse, 401, 'TOKEN_REUSED');
    expect(envelope.details).toMatchObject({ revoked_tokens: expect.any(Number) });
    const latest = await platform.api.post('/auth/refresh', { refresh_token: third.refresh_token });
    expectEnvelope(latest, 401, 'UNAUTHORIZED');
  });

  it('leaves other sessions of the same user alone when one family is revoked for reuse', async () => {
    const session = await signUp(platform.api, 'families');
    const other = await login(platform.api, session.credentials);
    await platform.api.post('/auth/refresh', { refresh_token: session.tokens.refresh_token });

    await platform.api.post('/auth/refresh', { refresh_token: session.tokens.refresh_token });

    const res = await platform.api.post('/auth/refresh', { refresh_token: other.refresh_token });
    expect(res.status).toBe(200);
  });

  it('lets only one of two concurrent refreshes of one token succeed and treats the other as reuse', async () => {
    const session = await signUp(platform.api, 'concurrent');

    const answers = await Promise.all(
      [1, 2].map(() => platform.api.post('/auth/refresh', { refresh_token: session.tokens.refresh_token })),
    );

    expect(answers.map((r) => r.status).sort()).toEqual([200, 401]);
    const loser = answers.find((r) => r.status === 401);
    expectEnvelope(loser!, 401, 'TOKEN_REUSED');
  });

  it('answers 401 to a refresh token it never issued', async () => {
    const res = await platform.api.post('/auth/refresh', { refresh_token: `rt_${'x'.repeat(43)}` });

    expectEnvelope(res, 401, 'UNAUTHORIZED');
  });
});

describe('logout', () => {
  it("revokes the session's refresh token", async () => {
    const session = await signUp(platform.api, 'logout');

    const res = await session.as.post('/auth/logout');

    expect(res.status).toBe(200);
    expect(MessageResponseSchema.parse(res.body).message).toBe('Logged out');
    const refresh = await platform.api.post('/auth/refresh', { refresh_token: session.tokens.refresh_token });
    expectEnvelope(refresh, 401, 'UNAUTHORIZED');
  });

  it("keeps the user's other sessions alive", async () => {
    const session = await signUp(platform.api, 'logout-one');
    const elsewhere = await login(platform.api, session.credentials);

    await session.as.post('/auth/logout');

    const refresh = await platform.api.post('/auth/refresh', { refresh_token: elsewhere.refresh_token });
    expect(refresh.status).toBe(200);
  });

  it('requires an access token', async () => {
    expectEnvelope(await platform.api.post('/auth/logout'), 401, 'UNAUTHORIZED');
  });
});
