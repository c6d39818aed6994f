import { TokenResponseSchema, UserSchema } from '@platform/contracts';
import { cleanupRedisPrefix, redisPrefix, startServiceProcess, testRedisUrl, jsonRequest, type JsonClient } from '@platform/testing';
import { login, signIn, signUp, withToken } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';
import { everyVerifier, expectAcceptedEverywhere, expectRevokedWithin, type Probe } from './support/revocation';
import { decodeToken } from './support/tokens';

jest.setTimeout(60_000);

let platform: Platform;
let admin: JsonClient;
let probes: Record<string, Probe>;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-revocation', sessions: true, statusAggregator: true });
  admin = (await signIn(platform.api, platform.admin)).as;
  probes = everyVerifier(platform);
}, 120_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

const refresh = (refreshToken: string) => platform.api.post('/auth/refresh', { refresh_token: refreshToken });

describe('logout', () => {
  it("stops that login's access token at the gateway and in every service within a second, and only that login's", async () => {
    const me = await signUp(platform.api, 'leaver');
    const elsewhere = await login(platform.api, me.credentials);
    await expectAcceptedEverywhere(probes, me.tokens.access_token);

    expect((await me.as.post('/auth/logout')).status).toBe(200);
    const since = Date.now();

    await expectRevokedWithin(probes, me.tokens.access_token, since);
    await expectAcceptedEverywhere(probes, elsewhere.access_token);
    expectEnvelope(await me.as.get('/auth/profile'), 401, 'TOKEN_REVOKED');
  });
});

describe('a password change', () => {
  it("stops every access token of the user; the changer's own refresh token gives a working one, the other login's does not", async () => {
    const me = await signUp(platform.api, 'rekey');
    const elsewhere = await login(platform.api, me.credentials);

    const res = await me.as.put('/auth/profile', { password: 'A-new-password-42', current_password: me.credentials.password });
    expect(res.status).toBe(200);
    const since = Date.now();

    await expectRevokedWithin(probes, me.tokens.access_token, since);
    await expectRevokedWithin(probes, elsewhere.access_token, since);
    const renewed = await refresh(me.tokens.refresh_token);
    expect(renewed.status).toBe(200);
    await expectAcceptedEverywhere(probes, TokenResponseSchema.parse(renewed.body).access_token);
    expect((await refresh(elsewhere.refresh_token)).status).toBe(401);
  });

  it('set by an admin stops the user\'s tokens too', async () => {
    const target = await signUp(platform.api, 'reset');

    expect((await admin.put(`/users/${target.user.id}`, { password: 'Admin-chosen-42' })).status).toBe(200);

    await expectRevokedWithin(probes, target.tokens.access_token, Date.now());
  });
});

describe('a role change', () => {
  it('stops the old tokens within a second; a refreshed token carries the new role and works', async () => {
    const target = await signUp(platform.api, 'demoted');
    await expectAcceptedEverywhere(probes, target.tokens.access_token);

    expect((await admin.put(`/users/${target.user.id}`, { role: 'guest' })).status).toBe(200);
    const since = Date.now();

    await expectRevokedWithin(probes, target.tokens.access_token, since);
    const renewed = TokenResponseSchema.parse((await refresh(target.tokens.refresh_token)).body);
    expect(decodeToken(renewed.access_token).payload).toMatchObject({ role: 'guest' });
    expect((await withToken(platform.api, renewed.access_token).get('/auth/profile')).body).toMatchObject({ role: 'guest' });
  });

  it('leaves a demoted and disabled admin no way back: her token stops at once, and /users with it is 401', async () => {
    const second = await signUp(platform.api, 'second-admin');
    expect((await admin.put(`/users/${second.user.id}`, { role: 'admin' })).status).toBe(200);
    const hers = TokenResponseSchema.parse((await refresh(second.tokens.refresh_token)).body);
    const asHer = withToken(platform.api, hers.access_token);
    expect((await asHer.get('/users')).status).toBe(200);

    expect((await admin.put(`/users/${second.user.id}`, { role: 'user', is_active: false })).status).toBe(200);
    const since = Date.now();

    await expectRevokedWithin(probes, hers.access_token, since);
    expectEnvelope(await asHer.put(`/users/${second.user.id}`, { role: 'admin', is_active: true }), 401, 'TOKEN_REVOKED');
    expect((await admin.get(`/users/${second.user.id}`)).body).toMatchObject({ role: 'user', is_active: false });
    expect((await refresh(hers.refresh_token)).status).toBe(401);
  });
});

describe('disabling a user', () => {
  it('stops their access tokens everywhere within a second', async () => {
    const target = await signUp(platform.api, 'benched');
    await expectAcceptedEverywhere(probes, target.tokens.access_token);

    expect((await admin.put(`/users/${target.user.id}`, { is_active: false })).status).toBe(200);

    await expectRevokedWithin(probes, target.tokens.access_token, Date.now());
  });
});

describe('deleting a user', () => {
  it('stops their access tokens everywhere within a second, so they create nothing afterwards', async () => {
    const target = await signUp(platform.api, 'deleted');
    await expectAcceptedEverywhere(probes, target.tokens.access_token);

    expect((await admin.delete(`/users/${target.user.id}`)).status).toBe(204);

    await expectRevokedWithin(probes, target.tokens.access_token, Date.now());
    expectEnvelope(await target.as.post('/api/channels', { name: 'orphan' }), 401, 'TOKEN_REVOKED');
    expectEnvelope(await target.as.post('/api/v1/sessions', { name: 'orphan' }), 401, 'TOKEN_REVOKED');
  });
});

describe('a gateway started after a revocation', () => {
  it('refuses the revoked token from its first request, and accepts the others', async () => {
    const gone = await signUp(platform.api, 'before-start');
    const kept = await signUp(platform.api, 'still-here');
    await gone.as.post('/auth/logout');
    const prefix = redisPrefix('e2e-revocation-late-gateway');
    const late = await startServiceProcess({
      app: 'gateway',
      env: {
        NODE_ENV: 'test',
        REGISTRY_URL: platform.registry.url,
        REGISTRY_TOKEN: platform.registryToken,
        REDIS_URL: testRedisUrl(),
        REDIS_PREFIX: prefix,
        REVOCATIONS_PREFIX: platform.revocationsPrefix,
        REGISTRY_CACHE_MS: '200',
        // Announces itself in the registry like any replica: keep it out of the platform's health view.
        REGISTER_WITH_REGISTRY: 'false',
      },
    });
    try {
      const api = jsonRequest(late.url);

      expectEnvelope(await withToken(api, gone.tokens.access_token).get('/auth/profile'), 401, 'TOKEN_REVOKED');
      expect((await withToken(api, kept.tokens.access_token).get('/auth/profile')).body).toMatchObject({ id: kept.user.id });
    } finally {
      await late.stop();
      await cleanupRedisPrefix(prefix);
    }
  });
});

describe('tokens issued around a revocation', () => {
  it('a login that read the user before a role change committed gets a token that is refused', async () => {
    // Logins racing the change: each token is refused unless it was issued from the changed user (its role says which).
    const target = await signUp(platform.api, 'racer');
    const logins = Array.from({ length: 6 }, () => login(platform.api, target.credentials));
    const change = admin.put(`/users/${target.user.id}`, { role: 'agent' });
    const [tokens, changed] = await Promise.all([Promise.all(logins), change]);
    expect(UserSchema.parse(changed.body).role).toBe('agent');

    for (const t of tokens) {
      const res = await withToken(platform.api, t.access_token).get('/auth/profile');
      const role = decodeToken(t.access_token).payload.role;
      expect({ role, status: res.status }).toEqual({ role, status: role === 'agent' ? 200 : 401 });
    }
  });
});
