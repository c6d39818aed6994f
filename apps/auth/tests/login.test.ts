import request from 'supertest';
import { TokenResponseSchema } from '@platform/contracts';
import { hashToken } from '../src/services/token-issuer';
import { newAccount, register, type Account } from './support/accounts';
import { envelope } from './support/envelope';
import { startAuth, type AuthHarness } from './support/harness';
import { verifyWithJwks } from './support/tokens';

let h: AuthHarness;
beforeAll(async () => {
  h = await startAuth();
}, 30_000);
afterAll(() => h?.close());

const creds = (a: Account) => ({ email: a.email, password: a.password });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('POST /auth/login', () => {
  it('returns a bearer access token and an opaque refresh token, never cached', async () => {
    const account = newAccount('login');
    await register(h.app, account);

    const res = await request(h.app).post('/auth/login').send(creds(account)).expect(200);

    const tokens = TokenResponseSchema.strict().parse(res.body);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(h.config.ACCESS_TOKEN_TTL_S);
    expect(tokens.refresh_token).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('issues an access token that verifies against the published JWKS with ES256, kid, iss, aud, sub, role and jti', async () => {
    const account = newAccount('jwks');
    const user = await register(h.app, account);
    const { access_token } = TokenResponseSchema.parse(
      (await request(h.app).post('/auth/login').send(creds(account)).expect(200)).body,
    );

    const { claims, jwk } = await verifyWithJwks(h.app, access_token, {
      issuer: h.config.JWT_ISSUER,
      audience: h.config.JWT_AUDIENCE,
    });

    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: h.keys.kid });
    expect(jwk).not.toHaveProperty('d');
    expect(claims).toMatchObject({
      sub: user.id,
      role: 'user',
      username: account.username,
      iss: h.config.JWT_ISSUER,
      aud: h.config.JWT_AUDIENCE,
    });
    expect(claims.jti).toMatch(UUID);
    expect(claims.exp - claims.iat).toBe(h.config.ACCESS_TOKEN_TTL_S);
  });

  it('stores only the hash of the refresh token, in the family named by the access token sid', async () => {
    const account = newAccount('stored');
    const user = await register(h.app, account);
    const tokens = TokenResponseSchema.parse(
      (await request(h.app).post('/auth/login').send(creds(account)).expect(200)).body,
    );

    const rows = await h.db.refreshToken.findMany({ where: { userId: user.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tokenHash: hashToken(tokens.refresh_token), usedAt: null, revokedAt: null });
    const { claims } = await verifyWithJwks(h.app, tokens.access_token, {
      issuer: h.config.JWT_ISSUER,
      audience: h.config.JWT_AUDIENCE,
    });
    expect(claims.sid).toBe(rows[0]?.familyId);
  });

  it('accepts the email in any case', async () => {
    const account = newAccount('case');
    await register(h.app, account);

    await request(h.app)
      .post('/auth/login')
      .send({ email: account.email.toUpperCase(), password: account.password })
      .expect(200);
  });

  it('answers a wrong password and an unknown email with the same 401 INVALID_CREDENTIALS', async () => {
    const account = newAccount('wrongpw');
    await register(h.app, account);

    const wrong = await request(h.app)
      .post('/auth/login')
      .send({ email: account.email, password: 'not-the-password-1' })
      .expect(401);
    const unknown = await request(h.app)
      .post('/auth/login')
      .send({ email: `nobody_${account.username}@example.test`, password: account.password })
      .expect(401);

    const a = envelope(wrong.body, 'INVALID_CREDENTIALS');
    const b = envelope(unknown.body, 'INVALID_CREDENTIALS');
    expect(a.error).toBe(b.error);
    expect(a.details).toBeUndefined();
    expect(b.details).toBeUndefined();
    expect(wrong.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses a disabled account with 403 ACCOUNT_DISABLED and issues no refresh token', async () => {
    const account = newAccount('disabled');
    const user = await register(h.app, account);
    await h.db.user.update({ where: { id: user.id }, data: { isActive: false } });

    const res = await request(h.app).post('/auth/login').send(creds(account)).expect(403);

    envelope(res.body, 'ACCOUNT_DISABLED');
    expect(await h.db.refreshToken.count({ where: { userId: user.id } })).toBe(0);
  });

  it('rejects a login body with unknown fields with 400 VALIDATION_ERROR', async () => {
    const res = await request(h.app)
      .post('/auth/login')
      .send({ email: 'a@example.test', password: 'x', remember_me: true })
      .expect(400);

    envelope(res.body, 'VALIDATION_ERROR');
  });
});

describe('GET /auth/.well-known/jwks.json', () => {
  it('publishes exactly the signing key, cacheable', async () => {
    const res = await request(h.app).get('/auth/.well-known/jwks.json').expect(200);

    expect(res.body).toEqual(h.keys.jwks());
    expect(res.body.keys).toHaveLength(1);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
  });
});
