import request from 'supertest';
import { UserSchema } from '@platform/contracts';
import { newAccount, PASSWORD } from './support/accounts';
import { envelope, fieldIssues, issuePaths } from './support/envelope';
import { startAuth, type AuthHarness } from './support/harness';

let h: AuthHarness;
beforeAll(async () => {
  h = await startAuth();
}, 30_000);
afterAll(() => h?.close());

describe('POST /auth/register', () => {
  it('creates the user, answers 201 with the public user and never a password hash', async () => {
    const account = newAccount('reg');
    const res = await request(h.app).post('/auth/register').send(account).expect(201);

    const user = UserSchema.strict().parse(res.body);
    expect(user).toMatchObject({
      email: account.email,
      username: account.username,
      role: 'user',
      is_active: true,
      max_concurrent_sessions: 5,
    });
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|password/i);
    const row = await h.db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row.passwordHash).not.toContain(PASSWORD);
  });

  it('stores and returns the email lowercased', async () => {
    const account = newAccount('mixed');
    const res = await request(h.app)
      .post('/auth/register')
      .send({ ...account, email: account.email.toUpperCase() })
      .expect(201);

    expect(res.body.email).toBe(account.email);
    expect(await h.db.user.count({ where: { email: account.email } })).toBe(1);
  });

  it('answers 409 CONFLICT for an email already taken, whatever its case, and writes nothing', async () => {
    const first = newAccount('dupmail');
    await request(h.app).post('/auth/register').send(first).expect(201);
    const before = await h.db.user.count();

    const res = await request(h.app)
      .post('/auth/register')
      .send({ ...newAccount('other'), email: first.email.toUpperCase() })
      .expect(409);

    envelope(res.body, 'CONFLICT');
    expect(await h.db.user.count()).toBe(before);
  });

  it('answers 409 CONFLICT for a username already taken', async () => {
    const first = newAccount('dupname');
    await request(h.app).post('/auth/register').send(first).expect(201);

    const res = await request(h.app)
      .post('/auth/register')
      .send({ ...newAccount('other'), username: first.username })
      .expect(409);

    envelope(res.body, 'CONFLICT');
    expect(await h.db.user.count({ where: { username: first.username } })).toBe(1);
  });

  it('lets only one of two simultaneous registrations of one email through', async () => {
    const account = newAccount('race');

    const results = await Promise.all([
      request(h.app).post('/auth/register').send(account),
      request(h.app)
        .post('/auth/register')
        .send({ ...account, username: `${account.username}_2` }),
    ]);

    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const rows = await h.db.user.findMany({ where: { email: account.email } });
    expect(rows).toHaveLength(1);
    expect(await h.db.auditLog.count({ where: { event: 'user_registered', userId: rows[0]?.id } })).toBe(1);
  });

  it('rejects a weak password with 400 VALIDATION_ERROR at body.password', async () => {
    const account = { ...newAccount('weak'), password: 'short' };
    const res = await request(h.app).post('/auth/register').send(account).expect(400);

    expect(issuePaths(res.body)).toEqual(['body.password', 'body.password']);
    expect(fieldIssues(res.body).map((i) => i.message)).toEqual(
      expect.arrayContaining(['at least 10 characters', 'must contain a digit']),
    );
    expect(await h.db.user.count({ where: { email: account.email } })).toBe(0);
  });

  it('rejects a malformed email with 400 VALIDATION_ERROR at body.email', async () => {
    const res = await request(h.app)
      .post('/auth/register')
      .send({ ...newAccount('bademail'), email: 'not-an-email' })
      .expect(400);

    expect(issuePaths(res.body)).toEqual(['body.email']);
  });

  it('rejects unknown fields (e.g. a self-assigned role) with 400 VALIDATION_ERROR naming them', async () => {
    const account = newAccount('extra');
    const res = await request(h.app)
      .post('/auth/register')
      .send({ ...account, role: 'admin' })
      .expect(400);

    const [issue] = fieldIssues(res.body);
    expect(issue).toMatchObject({ path: 'body', code: 'unrecognized_keys' });
    expect(issue?.message).toContain('role');
    expect(await h.db.user.count({ where: { email: account.email } })).toBe(0);
  });

  it('reports every missing field at once', async () => {
    const res = await request(h.app).post('/auth/register').send({}).expect(400);

    expect(issuePaths(res.body).sort()).toEqual(['body.email', 'body.password', 'body.username']);
  });
});
