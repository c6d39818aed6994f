import request from 'supertest';
import { InternalUserSchema, ServiceTokenResponseSchema } from '@platform/contracts';
import { bearer, signUp } from './support/accounts';
import { envelope } from './support/envelope';
import { SERVICE_CLIENT, startAuth, type AuthHarness } from './support/harness';
import { verifyWithJwks } from './support/tokens';

let h: AuthHarness;
let serviceToken: string;
beforeAll(async () => {
  h = await startAuth();
  const res = await request(h.app)
    .post('/auth/service-token')
    .send({ client_id: SERVICE_CLIENT.id, client_secret: SERVICE_CLIENT.secret })
    .expect(200);
  serviceToken = ServiceTokenResponseSchema.parse(res.body).access_token;
}, 30_000);
afterAll(() => h?.close());

describe('POST /auth/service-token', () => {
  it('issues a short-lived service token for a configured client, verifiable with the JWKS', async () => {
    const res = await request(h.app)
      .post('/auth/service-token')
      .send({ client_id: SERVICE_CLIENT.id, client_secret: SERVICE_CLIENT.secret })
      .expect(200);

    const body = ServiceTokenResponseSchema.strict().parse(res.body);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: h.config.SERVICE_TOKEN_TTL_S });
    expect(res.headers['cache-control']).toBe('no-store');
    const { claims } = await verifyWithJwks(h.app, body.access_token, {
      issuer: h.config.JWT_ISSUER,
      audience: h.config.JWT_AUDIENCE,
    });
    expect(claims).toMatchObject({ sub: `service:${SERVICE_CLIENT.id}`, role: 'service' });
    expect(claims.sid).toBeUndefined();
  });

  it('answers a wrong secret and an unknown client id with the same 401 INVALID_CREDENTIALS', async () => {
    const wrong = await request(h.app)
      .post('/auth/service-token')
      .send({ client_id: SERVICE_CLIENT.id, client_secret: 'wrong-secret-0123456789' })
      .expect(401);
    const unknown = await request(h.app)
      .post('/auth/service-token')
      .send({ client_id: 'stranger', client_secret: SERVICE_CLIENT.secret })
      .expect(401);

    expect(envelope(wrong.body, 'INVALID_CREDENTIALS').error).toBe(envelope(unknown.body, 'INVALID_CREDENTIALS').error);
  });
});

describe('GET /internal/users/:id', () => {
  it('returns the internal view of a user to a service token, without the email', async () => {
    const { user } = await signUp(h.app, h.db);

    const res = await request(h.app).get(`/internal/users/${user.id}`).set(bearer(serviceToken)).expect(200);

    expect(InternalUserSchema.strict().parse(res.body)).toEqual({
      id: user.id,
      username: user.username,
      role: 'user',
      is_active: true,
      max_concurrent_sessions: 5,
    });
  });

  it('answers 404 for an unknown user', async () => {
    envelope(
      (
        await request(h.app)
          .get('/internal/users/00000000-0000-4000-8000-000000000000')
          .set(bearer(serviceToken))
          .expect(404)
      ).body,
      'NOT_FOUND',
    );
  });

  it('refuses user and admin tokens with 403 and a missing token with 401', async () => {
    const user = await signUp(h.app, h.db);
    const admin = await signUp(h.app, h.db, { role: 'admin' });

    envelope(
      (await request(h.app).get(`/internal/users/${user.user.id}`).set(user.auth).expect(403)).body,
      'FORBIDDEN',
    );
    envelope(
      (await request(h.app).get(`/internal/users/${user.user.id}`).set(admin.auth).expect(403)).body,
      'FORBIDDEN',
    );
    envelope((await request(h.app).get(`/internal/users/${user.user.id}`).expect(401)).body, 'UNAUTHORIZED');
  });
});

describe('a service token on user endpoints', () => {
  it('is refused by the profile and logout endpoints with a 4xx, never a 500', async () => {
    const profile = await request(h.app).get('/auth/profile').set(bearer(serviceToken));
    const update = await request(h.app).put('/auth/profile').set(bearer(serviceToken)).send({ username: 'svc_rename' });
    const logout = await request(h.app).post('/auth/logout').set(bearer(serviceToken));

    for (const res of [profile, update, logout]) {
      expect(res.status).toBe(403);
      envelope(res.body, 'FORBIDDEN');
    }
  });
});
