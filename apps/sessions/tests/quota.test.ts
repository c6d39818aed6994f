import { SESSIONS, createSession, envelope } from './support/api';
import { startSessions, type SessionsHarness, type TestUser } from './support/sessions';

let h: SessionsHarness;

beforeAll(async () => {
  // Its own auth: the last test stops it.
  h = await startSessions({ name: 'quota', ownDependencies: true });
}, 60_000);

afterAll(async () => {
  await h?.stop();
}, 30_000);

describe('the active-session quota set in auth', () => {
  let dave: TestUser;

  beforeAll(async () => {
    dave = await h.newUser('dave');
    await h.setQuota(dave.id, 2);
  });

  it('answers 429 QUOTA_EXCEEDED for one session more than the user may hold', async () => {
    await createSession(dave, { name: 'one' });
    await createSession(dave, { name: 'two' });

    const res = await dave.api.post(SESSIONS, { name: 'three' });

    expect(res.status).toBe(429);
    expect(envelope(res)).toMatchObject({ error_code: 'QUOTA_EXCEEDED', details: { limit: 2, active: 2 } });
    expect(await h.sessions.db.session.count({ where: { ownerId: dave.id } })).toBe(2);
  });

  it('counts only active sessions, and refuses to reactivate one beyond the quota', async () => {
    const list = (await dave.api.get(SESSIONS)).body as { items: Array<{ id: string }> };
    const first = list.items[0]!.id;
    expect((await dave.api.patch(`${SESSIONS}/${first}`, { status: 'archived' })).status).toBe(200);

    await createSession(dave, { name: 'three, after archiving one' });
    const reactivate = await dave.api.patch(`${SESSIONS}/${first}`, { status: 'active' });

    expect(reactivate.status).toBe(429);
    expect(envelope(reactivate).error_code).toBe('QUOTA_EXCEEDED');
  });

  it('sees a raised quota at once (it is read from auth on every create)', async () => {
    await h.setQuota(dave.id, 3);

    expect((await dave.api.post(SESSIONS, { name: 'four' })).status).toBe(201);
    expect((await dave.api.post(SESSIONS, { name: 'five' })).status).toBe(429);
  });

  it('applies to forks too', async () => {
    const list = (await dave.api.get(SESSIONS, { query: { status: 'active' } })).body as {
      items: Array<{ id: string }>;
    };

    const res = await dave.api.post(`${SESSIONS}/${list.items[0]!.id}/fork`, {});

    expect(res.status).toBe(429);
    expect(envelope(res).error_code).toBe('QUOTA_EXCEEDED');
  });

  it('refuses everything with a quota of zero', async () => {
    const erin = await h.newUser('erin');
    await h.setQuota(erin.id, 0);

    const res = await erin.api.post(SESSIONS, { name: 'none allowed' });

    expect(res.status).toBe(429);
    expect(envelope(res)).toMatchObject({ error_code: 'QUOTA_EXCEEDED', details: { limit: 0, active: 0 } });
  });
});

describe('the quota under concurrent requests', () => {
  it('lets exactly as many of many simultaneous creates succeed as the quota allows', async () => {
    const gina = await h.newUser('gina');
    await h.setQuota(gina.id, 2);

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => gina.api.post(SESSIONS, { name: `race ${i}` })),
    );

    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 429, 429, 429, 429, 429, 429]);
    expect(await h.sessions.db.session.count({ where: { ownerId: gina.id, status: 'active' } })).toBe(2);
  });

  it('holds when creates, forks and reactivations race each other', async () => {
    const hank = await h.newUser('hank');
    await h.setQuota(hank.id, 3);
    const base = await createSession(hank, { name: 'base' });
    const archived = await createSession(hank, { name: 'archived' });
    await hank.api.patch(`${SESSIONS}/${archived.id}`, { status: 'archived' });

    const results = await Promise.all([
      ...Array.from({ length: 3 }, (_, i) => hank.api.post(SESSIONS, { name: `new ${i}` })),
      ...Array.from({ length: 3 }, () => hank.api.post(`${SESSIONS}/${base.id}/fork`, {})),
      hank.api.patch(`${SESSIONS}/${archived.id}`, { status: 'active' }),
    ]);

    expect(results.filter((r) => r.status === 429)).toHaveLength(5);
    expect(await h.sessions.db.session.count({ where: { ownerId: hank.id, status: 'active' } })).toBe(3);
  }, 15_000);

  it("counts a reactivation against the owner's quota, even when an admin reactivates it", async () => {
    const ivy = await h.newUser('ivy');
    await h.setQuota(ivy.id, 1);
    const old = await createSession(ivy, { name: 'old' });
    await ivy.api.patch(`${SESSIONS}/${old.id}`, { status: 'archived' });
    await createSession(ivy, { name: 'current' });
    const admin = await h.admin();

    const res = await admin.api.patch(`${SESSIONS}/${old.id}`, { status: 'active' });

    expect(res.status).toBe(429);
    expect(envelope(res)).toMatchObject({ error_code: 'QUOTA_EXCEEDED', details: { limit: 1, active: 1 } });
    expect(await h.sessions.db.session.count({ where: { ownerId: ivy.id, status: 'active' } })).toBe(1);
  });
});

describe('when auth is down', () => {
  it('answers 503 to a create instead of skipping the quota check, and still serves reads', async () => {
    const frank = await h.newUser('frank');
    const existing = await createSession(frank); // also warms the signing keys, so tokens still verify
    await h.deps.auth.stop();

    const res = await frank.api.post(SESSIONS, { name: 'while auth is down' });

    expect(res.status).toBe(503);
    expect(envelope(res)).toMatchObject({ error_code: 'UPSTREAM_UNAVAILABLE', details: { service: 'auth' } });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await h.sessions.db.session.count({ where: { ownerId: frank.id } })).toBe(1);
    expect((await frank.api.get(`${SESSIONS}/${existing.id}`)).status).toBe(200);
  }, 20_000);
});
