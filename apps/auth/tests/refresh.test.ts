import request from 'supertest';
import { TokenResponseSchema } from '@platform/contracts';
import { hashToken } from '../src/services/token-issuer';
import { bearer, refresh, signUp } from './support/accounts';
import { envelope } from './support/envelope';
import { startAuth, type AuthHarness } from './support/harness';

let h: AuthHarness;
beforeAll(async () => {
  h = await startAuth();
}, 30_000);
afterAll(() => h?.close());

const tokenRow = (token: string) => h.db.refreshToken.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });

describe('POST /auth/refresh', () => {
  it('rotates: returns new tokens in the same family and marks the presented one used', async () => {
    const { tokens } = await signUp(h.app, h.db);

    const res = await refresh(h.app, tokens.refresh_token);

    expect(res.status).toBe(200);
    const next = TokenResponseSchema.parse(res.body);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(next.access_token).not.toBe(tokens.access_token);
    const [old, fresh] = await Promise.all([tokenRow(tokens.refresh_token), tokenRow(next.refresh_token)]);
    expect(old.usedAt).not.toBeNull();
    expect(fresh).toMatchObject({ familyId: old.familyId, usedAt: null, revokedAt: null });
    await request(h.app).get('/auth/profile').set(bearer(next.access_token)).expect(200);
  });

  it('rejects a reused refresh token with 401 TOKEN_REUSED and revokes its family, so the newest token fails too', async () => {
    const { tokens } = await signUp(h.app, h.db);
    const rotated = TokenResponseSchema.parse((await refresh(h.app, tokens.refresh_token).expect(200)).body);

    const reuse = await refresh(h.app, tokens.refresh_token);

    expect(reuse.status).toBe(401);
    expect(envelope(reuse.body, 'TOKEN_REUSED').details).toEqual({ revoked_tokens: 2 });
    const family = await h.db.refreshToken.findMany({
      where: { familyId: (await tokenRow(tokens.refresh_token)).familyId },
    });
    expect(family).toHaveLength(2);
    expect(family.every((t) => t.revokedAt !== null)).toBe(true);
    const newest = await refresh(h.app, rotated.refresh_token);
    expect(newest.status).toBe(401);
    envelope(newest.body, 'UNAUTHORIZED');
  });

  it('lets at most one of several concurrent uses of one token succeed, and revokes the family', async () => {
    const { tokens } = await signUp(h.app, h.db);

    const results = await Promise.all(Array.from({ length: 5 }, () => refresh(h.app, tokens.refresh_token)));

    const wins = results.filter((r) => r.status === 200);
    const losses = results.filter((r) => r.status !== 200);
    expect(wins.length).toBeLessThanOrEqual(1);
    expect(losses.length).toBeGreaterThanOrEqual(4);
    for (const r of losses)
      expect({ status: r.status, code: envelope(r.body).error_code }).toEqual({ status: 401, code: 'TOKEN_REUSED' });
    const familyId = (await tokenRow(tokens.refresh_token)).familyId;
    expect(await h.db.refreshToken.count({ where: { familyId, revokedAt: null } })).toBe(0);
    for (const w of wins) await refresh(h.app, TokenResponseSchema.parse(w.body).refresh_token).expect(401);
  });

  it('rejects an expired refresh token with 401 TOKEN_EXPIRED without using it', async () => {
    const { tokens } = await signUp(h.app, h.db);
    await h.db.refreshToken.update({
      where: { tokenHash: hashToken(tokens.refresh_token) },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });

    const res = await refresh(h.app, tokens.refresh_token);

    expect(res.status).toBe(401);
    envelope(res.body, 'TOKEN_EXPIRED');
    expect((await tokenRow(tokens.refresh_token)).usedAt).toBeNull();
  });

  it('rejects an unknown refresh token with 401 UNAUTHORIZED', async () => {
    const res = await refresh(h.app, `rt_${'x'.repeat(43)}`);

    expect(res.status).toBe(401);
    envelope(res.body, 'UNAUTHORIZED');
  });

  it('refuses to rotate for a user disabled behind its back with 403 ACCOUNT_DISABLED', async () => {
    const { tokens, user } = await signUp(h.app, h.db);
    await h.db.user.update({ where: { id: user.id }, data: { isActive: false } });

    const res = await refresh(h.app, tokens.refresh_token);

    expect(res.status).toBe(403);
    envelope(res.body, 'ACCOUNT_DISABLED');
  });
});

describe('POST /auth/logout', () => {
  it('revokes the caller’s refresh-token family, so refreshing afterwards fails', async () => {
    const { tokens, auth } = await signUp(h.app, h.db);

    const res = await request(h.app).post('/auth/logout').set(auth).expect(200);

    expect(res.body).toEqual({ message: 'Logged out' });
    expect((await tokenRow(tokens.refresh_token)).revokedAt).not.toBeNull();
    const after = await refresh(h.app, tokens.refresh_token);
    expect(after.status).toBe(401);
    envelope(after.body, 'UNAUTHORIZED');
  });

  it('leaves the user’s other sessions alone', async () => {
    const first = await signUp(h.app, h.db);
    const second = TokenResponseSchema.parse(
      (
        await request(h.app)
          .post('/auth/login')
          .send({ email: first.account.email, password: first.account.password })
          .expect(200)
      ).body,
    );

    await request(h.app).post('/auth/logout').set(first.auth).expect(200);

    await refresh(h.app, second.refresh_token).expect(200);
  });

  it('requires an access token', async () => {
    const res = await request(h.app).post('/auth/logout').expect(401);

    envelope(res.body, 'UNAUTHORIZED');
  });
});
