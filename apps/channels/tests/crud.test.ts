import request from 'supertest';
import { ChannelListResponseSchema, ChannelSchema } from '@platform/contracts';
import { createChannel } from './support/channels';
import { envelope } from './support/envelope';
import { startChannels, type ChannelsHarness } from './support/harness';
import type { Caller } from './support/tokens';

let h: ChannelsHarness;
let owner: Caller;
beforeAll(async () => {
  h = await startChannels();
  owner = h.signer.caller('user');
}, 30_000);
afterAll(() => h?.close());

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('POST /api/channels', () => {
  it('creates a channel owned by the caller, with a trimmed name and a Location', async () => {
    const res = await request(h.app)
      .post('/api/channels')
      .set(owner.auth)
      .send({ name: '  general  ', description: 'Everything' })
      .expect(201);

    const channel = ChannelSchema.strict().parse(res.body);
    expect(channel).toMatchObject({ name: 'general', description: 'Everything', owner_id: owner.id });
    expect(channel.created_at).toBe(channel.updated_at);
    expect(res.headers.location).toBe(`/api/channels/${channel.id}`);
    const row = await h.db.channel.findUniqueOrThrow({ where: { id: channel.id } });
    expect(row).toMatchObject({ ownerId: owner.id, name: 'general', description: 'Everything' });
  });

  it('stores a missing description as null', async () => {
    const channel = await createChannel(h.app, owner, { name: 'no-description' });

    expect(channel.description).toBeNull();
  });
});

describe('GET /api/channels/:id', () => {
  it("returns the owner's channel, and 404 for an id that does not exist", async () => {
    const created = await createChannel(h.app, owner, { name: 'readable', description: 'd' });

    const res = await request(h.app).get(`/api/channels/${created.id}`).set(owner.auth).expect(200);

    expect(ChannelSchema.strict().parse(res.body)).toEqual(created);
    envelope((await request(h.app).get(`/api/channels/${MISSING}`).set(owner.auth).expect(404)).body, 'NOT_FOUND');
  });
});

describe('PUT /api/channels/:id', () => {
  it('replaces name and description, clearing a description the body leaves out', async () => {
    const created = await createChannel(h.app, owner, { name: 'put-before', description: 'old' });
    // Backdated, so the update's new timestamp is later even if both land in the same millisecond.
    const before = new Date(Date.now() - 60_000);
    await h.db.channel.update({ where: { id: created.id }, data: { updatedAt: before } });

    const res = await request(h.app)
      .put(`/api/channels/${created.id}`)
      .set(owner.auth)
      .send({ name: 'put-after' })
      .expect(200);

    const updated = ChannelSchema.strict().parse(res.body);
    expect(updated).toMatchObject({
      id: created.id,
      name: 'put-after',
      description: null,
      owner_id: owner.id,
      created_at: created.created_at,
    });
    expect(Date.parse(updated.updated_at)).toBeGreaterThan(before.getTime() + 30_000);
    expect(await h.db.channel.findUniqueOrThrow({ where: { id: created.id } })).toMatchObject({
      name: 'put-after',
      description: null,
    });
  });

  it('404 for an id that does not exist, and creates nothing', async () => {
    envelope(
      (await request(h.app).put(`/api/channels/${MISSING}`).set(owner.auth).send({ name: 'ghost' }).expect(404)).body,
      'NOT_FOUND',
    );

    expect(await h.db.channel.count({ where: { name: 'ghost' } })).toBe(0);
  });
});

describe('PATCH /api/channels/:id', () => {
  it('changes only the name when only the name is given', async () => {
    const created = await createChannel(h.app, owner, { name: 'patch-name', description: 'kept' });

    const res = await request(h.app)
      .patch(`/api/channels/${created.id}`)
      .set(owner.auth)
      .send({ name: 'patched-name' })
      .expect(200);

    expect(res.body).toMatchObject({ name: 'patched-name', description: 'kept' });
  });

  it('changes only the description when only the description is given, and null clears it', async () => {
    const created = await createChannel(h.app, owner, { name: 'patch-desc', description: 'first' });

    const changed = await request(h.app)
      .patch(`/api/channels/${created.id}`)
      .set(owner.auth)
      .send({ description: 'second' })
      .expect(200);
    const cleared = await request(h.app)
      .patch(`/api/channels/${created.id}`)
      .set(owner.auth)
      .send({ description: null })
      .expect(200);

    expect(changed.body).toMatchObject({ name: 'patch-desc', description: 'second' });
    expect(cleared.body).toMatchObject({ name: 'patch-desc', description: null });
  });
});

describe('DELETE /api/channels/:id', () => {
  it('deletes with 204; the channel is gone and a second delete is 404', async () => {
    const created = await createChannel(h.app, owner, { name: 'doomed' });

    await request(h.app).delete(`/api/channels/${created.id}`).set(owner.auth).expect(204);

    expect(await h.db.channel.findUnique({ where: { id: created.id } })).toBeNull();
    await request(h.app).get(`/api/channels/${created.id}`).set(owner.auth).expect(404);
    envelope(
      (await request(h.app).delete(`/api/channels/${created.id}`).set(owner.auth).expect(404)).body,
      'NOT_FOUND',
    );
  });
});

describe('the /channels root mount', () => {
  it('answers the same routes as /api/channels', async () => {
    const caller = h.signer.caller('user');
    const created = await request(h.app).post('/channels').set(caller.auth).send({ name: 'at-root' }).expect(201);
    const id = ChannelSchema.parse(created.body).id;

    const list = ChannelListResponseSchema.parse(
      (await request(h.app).get('/channels').set(caller.auth).expect(200)).body,
    );
    await request(h.app).get(`/channels/${id}`).set(caller.auth).expect(200);
    await request(h.app).patch(`/channels/${id}`).set(caller.auth).send({ description: 'via root' }).expect(200);
    const viaApi = await request(h.app).get(`/api/channels/${id}`).set(caller.auth).expect(200);
    await request(h.app).delete(`/channels/${id}`).set(caller.auth).expect(204);

    expect(created.headers.location).toBe(`/channels/${id}`);
    expect(list.items.map((c) => c.id)).toEqual([id]);
    expect(viaApi.body).toMatchObject({ id, description: 'via root' });
  });
});
