import request from 'supertest';
import { createChannel } from './support/channels';
import { envelope } from './support/envelope';
import { startChannels, type ChannelsHarness } from './support/harness';

let h: ChannelsHarness;
beforeAll(async () => {
  h = await startChannels();
}, 30_000);
afterAll(() => h?.close());

describe('channel names are unique per owner', () => {
  it('409 CONFLICT naming the field when the owner already has that name (after trimming)', async () => {
    const owner = h.signer.caller('user');
    await createChannel(h.app, owner, { name: 'dupe' });

    const res = await request(h.app).post('/api/channels').set(owner.auth).send({ name: '  dupe ' }).expect(409);

    expect(envelope(res.body, 'CONFLICT').details).toEqual({ field: 'name' });
    expect(await h.db.channel.count({ where: { ownerId: owner.id } })).toBe(1);
  });

  it('allows the same name for another owner', async () => {
    const a = h.signer.caller('user');
    const b = h.signer.caller('user');

    const first = await createChannel(h.app, a, { name: 'shared-name' });
    const second = await createChannel(h.app, b, { name: 'shared-name' });

    expect(first.id).not.toBe(second.id);
    expect([first.owner_id, second.owner_id]).toEqual([a.id, b.id]);
  });

  it('409 when PUT or PATCH renames onto another of the owner’s channels, leaving both unchanged', async () => {
    const owner = h.signer.caller('user');
    await createChannel(h.app, owner, { name: 'taken' });
    const other = await createChannel(h.app, owner, { name: 'free', description: 'd' });

    envelope(
      (await request(h.app).put(`/api/channels/${other.id}`).set(owner.auth).send({ name: 'taken' }).expect(409)).body,
      'CONFLICT',
    );
    envelope(
      (await request(h.app).patch(`/api/channels/${other.id}`).set(owner.auth).send({ name: 'taken' }).expect(409))
        .body,
      'CONFLICT',
    );

    expect(await h.db.channel.findUniqueOrThrow({ where: { id: other.id } })).toMatchObject({
      name: 'free',
      description: 'd',
    });
  });

  it('allows keeping the same name on PUT', async () => {
    const owner = h.signer.caller('user');
    const channel = await createChannel(h.app, owner, { name: 'same', description: 'a' });

    await request(h.app)
      .put(`/api/channels/${channel.id}`)
      .set(owner.auth)
      .send({ name: 'same', description: 'b' })
      .expect(200);
  });

  it('409 when an admin renames a user’s channel onto another of that user’s names', async () => {
    const owner = h.signer.caller('user');
    const admin = h.signer.caller('admin');
    await createChannel(h.app, owner, { name: 'one' });
    const two = await createChannel(h.app, owner, { name: 'two' });

    envelope(
      (await request(h.app).patch(`/api/channels/${two.id}`).set(admin.auth).send({ name: 'one' }).expect(409)).body,
      'CONFLICT',
    );
  });

  it('lets exactly one of many concurrent creates with one name win; the rest get 409', async () => {
    const owner = h.signer.caller('user');

    const answers = await Promise.all(
      Array.from({ length: 8 }, () => request(h.app).post('/api/channels').set(owner.auth).send({ name: 'race' })),
    );

    expect(answers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    for (const r of answers.filter((a) => a.status === 409)) envelope(r.body, 'CONFLICT');
    expect(await h.db.channel.count({ where: { ownerId: owner.id, name: 'race' } })).toBe(1);
  });

  it('lets exactly one of concurrent renames onto one name win', async () => {
    const owner = h.signer.caller('user');
    const channels = await Promise.all(['r1', 'r2', 'r3', 'r4'].map((name) => createChannel(h.app, owner, { name })));

    const answers = await Promise.all(
      channels.map((c) => request(h.app).patch(`/api/channels/${c.id}`).set(owner.auth).send({ name: 'renamed' })),
    );

    expect(answers.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    expect(await h.db.channel.count({ where: { ownerId: owner.id, name: 'renamed' } })).toBe(1);
  });
});
