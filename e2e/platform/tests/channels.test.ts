import { ChannelListResponseSchema, ChannelSchema, type Channel } from '@platform/contracts';
import { signUp, type Session } from './support/accounts';
import { expectEnvelope } from './support/http';
import { startPlatform, type Platform } from './support/platform';

jest.setTimeout(30_000);

let platform: Platform;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  platform = await startPlatform({ name: 'e2e-channels', sessions: true, shared: true });
  [alice, bob] = await Promise.all([signUp(platform.api, 'alice'), signUp(platform.api, 'bob')]);
}, 90_000);

afterAll(async () => {
  await platform?.stop();
}, 30_000);

describe('channels through the gateway', () => {
  it('creates, lists, reads, replaces, patches and deletes a channel', async () => {
    const created = await alice.as.post('/api/channels', { name: 'e2e-general', description: 'first' });
    expect(created.status).toBe(201);
    const channel = ChannelSchema.parse(created.body);
    expect(channel).toMatchObject({ name: 'e2e-general', description: 'first', owner_id: alice.user.id });

    const listed = await alice.as.get('/api/channels');
    expect(ChannelListResponseSchema.parse(listed.body).items.map((c) => c.id)).toContain(channel.id);
    const read = await alice.as.get(`/api/channels/${channel.id}`);
    expect(read.body).toEqual(channel);

    const replaced = await alice.as.put(`/api/channels/${channel.id}`, { name: 'e2e-renamed' });
    expect({ status: replaced.status, body: replaced.body }).toMatchObject({
      status: 200,
      body: { name: 'e2e-renamed', description: null },
    });
    const patched = await alice.as.patch(`/api/channels/${channel.id}`, { description: 'patched' });
    expect({ status: patched.status, body: patched.body }).toMatchObject({
      status: 200,
      body: { name: 'e2e-renamed', description: 'patched' },
    });

    expect((await alice.as.delete(`/api/channels/${channel.id}`)).status).toBe(204);
    expectEnvelope(await alice.as.get(`/api/channels/${channel.id}`), 404, 'NOT_FOUND');
  });

  it('lists newest first across cursor pages, and answers GET /channels at the root with the same list', async () => {
    const made: Channel[] = [];
    for (const name of ['p1', 'p2', 'p3'])
      made.push(ChannelSchema.parse((await bob.as.post('/api/channels', { name })).body));

    const first = ChannelListResponseSchema.parse((await bob.as.get('/api/channels', { query: { limit: 2 } })).body);
    const second = ChannelListResponseSchema.parse(
      (await bob.as.get('/api/channels', { query: { limit: 2, cursor: first.next_cursor ?? '' } })).body,
    );
    const root = await bob.as.get('/channels');

    expect([...first.items, ...second.items].map((c) => c.name)).toEqual(['p3', 'p2', 'p1']);
    expect(second.next_cursor).toBeNull();
    expect(root.status).toBe(200);
    expect(ChannelListResponseSchema.parse(root.body).items.map((c) => c.id)).toEqual(made.map((c) => c.id).reverse());
  });

  it("answers 404 to another user for every operation on someone's channel, and lists it only for its owner", async () => {
    const channel = ChannelSchema.parse((await alice.as.post('/api/channels', { name: 'alice-only' })).body);

    expectEnvelope(await bob.as.get(`/api/channels/${channel.id}`), 404, 'NOT_FOUND');
    expectEnvelope(await bob.as.put(`/api/channels/${channel.id}`, { name: 'bob-now' }), 404, 'NOT_FOUND');
    expectEnvelope(await bob.as.patch(`/api/channels/${channel.id}`, { name: 'bob-now' }), 404, 'NOT_FOUND');
    expectEnvelope(await bob.as.delete(`/api/channels/${channel.id}`), 404, 'NOT_FOUND');
    const bobs = ChannelListResponseSchema.parse((await bob.as.get('/api/channels', { query: { limit: 100 } })).body);
    expect(bobs.items.map((c) => c.id)).not.toContain(channel.id);
    expect((await alice.as.get(`/api/channels/${channel.id}`)).body).toMatchObject({ name: 'alice-only' });
  });

  it('409 on a name the owner already uses, 400 with the field path on a bad body, 401 without a token', async () => {
    await alice.as.post('/api/channels', { name: 'taken' });

    expectEnvelope(await alice.as.post('/api/channels', { name: 'taken' }), 409, 'CONFLICT');
    expect((await bob.as.post('/api/channels', { name: 'taken' })).status).toBe(201);
    const bad = expectEnvelope(await alice.as.post('/api/channels', { name: '' }), 400, 'VALIDATION_ERROR');
    expect(bad.details?.issues).toEqual([expect.objectContaining({ path: 'body.name' })]);
    expectEnvelope(await platform.api.get('/api/channels'), 401, 'UNAUTHORIZED');
  });

  it('never routes the internal lookup', async () => {
    const channel = ChannelSchema.parse((await alice.as.post('/api/channels', { name: 'internal-probe' })).body);

    const res = await alice.as.get(`/internal/channels/${channel.id}`, {
      query: { user_id: alice.user.id, role: 'user' },
    });

    expectEnvelope(res, 404, 'ROUTE_NOT_FOUND');
  });
});
