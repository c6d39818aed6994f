import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { ChannelSchema, type Channel } from '@platform/contracts';
import { createChannel } from './support/channels';
import { envelope } from './support/envelope';
import { startChannels, type ChannelsHarness } from './support/harness';
import type { Caller } from './support/tokens';

let h: ChannelsHarness;
let owner: Caller;
let stranger: Caller;
let admin: Caller;
beforeAll(async () => {
  h = await startChannels();
  owner = h.signer.caller('user');
  stranger = h.signer.caller('user');
  admin = h.signer.caller('admin');
}, 30_000);
afterAll(() => h?.close());

describe("another user's channel", () => {
  let channel: Channel;
  beforeAll(async () => {
    channel = await createChannel(h.app, owner, { name: 'private', description: 'secret' });
  });

  it('is 404 on get, put, patch and delete, exactly like a missing channel', async () => {
    const missing = await request(h.app)
      .get('/api/channels/00000000-0000-4000-8000-000000000000')
      .set(stranger.auth)
      .expect(404);
    const answers = [
      await request(h.app).get(`/api/channels/${channel.id}`).set(stranger.auth),
      await request(h.app).put(`/api/channels/${channel.id}`).set(stranger.auth).send({ name: 'mine now' }),
      await request(h.app).patch(`/api/channels/${channel.id}`).set(stranger.auth).send({ description: 'defaced' }),
      await request(h.app).delete(`/api/channels/${channel.id}`).set(stranger.auth),
    ];

    for (const res of answers) {
      expect(res.status).toBe(404);
      expect(envelope(res.body, 'NOT_FOUND').error).toBe(envelope(missing.body).error);
    }
    expect(await h.db.channel.findUniqueOrThrow({ where: { id: channel.id } })).toMatchObject({
      name: 'private',
      description: 'secret',
      ownerId: owner.id,
    });
  });

  it('is 404 for a guest or agent too', async () => {
    for (const role of ['guest', 'agent'] as const) {
      await request(h.app).get(`/api/channels/${channel.id}`).set(h.signer.caller(role).auth).expect(404);
    }
  });
});

describe('an admin', () => {
  it("reads, replaces, patches and deletes any user's channel, which keeps its owner", async () => {
    const channel = await createChannel(h.app, owner, { name: 'moderated' });

    await request(h.app).get(`/api/channels/${channel.id}`).set(admin.auth).expect(200);
    const put = await request(h.app)
      .put(`/api/channels/${channel.id}`)
      .set(admin.auth)
      .send({ name: 'moderated-2', description: 'by admin' })
      .expect(200);
    const patch = await request(h.app)
      .patch(`/api/channels/${channel.id}`)
      .set(admin.auth)
      .send({ name: 'moderated-3' })
      .expect(200);
    await request(h.app).delete(`/api/channels/${channel.id}`).set(admin.auth).expect(204);

    expect(ChannelSchema.parse(put.body)).toMatchObject({
      name: 'moderated-2',
      description: 'by admin',
      owner_id: owner.id,
    });
    expect(patch.body).toMatchObject({ name: 'moderated-3', description: 'by admin', owner_id: owner.id });
    expect(await h.db.channel.findUnique({ where: { id: channel.id } })).toBeNull();
  });

  it('creates channels owned by the admin themself', async () => {
    const channel = await createChannel(h.app, admin, { name: 'admin-own' });

    expect(channel.owner_id).toBe(admin.id);
  });
});

describe('authentication', () => {
  it('refuses a service token on every public route with 403', async () => {
    const service = h.signer.caller('service');
    const channel = await createChannel(h.app, owner, { name: 'not-for-services' });

    const answers = [
      await request(h.app).post('/api/channels').set(service.auth).send({ name: 'svc' }),
      await request(h.app).get('/api/channels').set(service.auth),
      await request(h.app).get('/channels').set(service.auth),
      await request(h.app).get(`/api/channels/${channel.id}`).set(service.auth),
      await request(h.app).put(`/api/channels/${channel.id}`).set(service.auth).send({ name: 'svc' }),
      await request(h.app).patch(`/api/channels/${channel.id}`).set(service.auth).send({ name: 'svc' }),
      await request(h.app).delete(`/api/channels/${channel.id}`).set(service.auth),
    ];

    for (const res of answers) envelope(res.body, 'FORBIDDEN');
    expect(answers.map((r) => r.status)).toEqual(Array(7).fill(403));
    expect(await h.db.channel.count({ where: { name: 'svc' } })).toBe(0);
  });

  it('401 without a token, with an expired one, and with one signed by a key auth never published', async () => {
    const foreignKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

    envelope((await request(h.app).get('/api/channels').expect(401)).body, 'UNAUTHORIZED');
    envelope(
      (
        await request(h.app)
          .get('/api/channels')
          .set(bearer(h.signer.token(owner.id, 'user', { expiresInS: -60 })))
          .expect(401)
      ).body,
      'TOKEN_EXPIRED',
    );
    envelope(
      (
        await request(h.app)
          .post('/api/channels')
          .set(bearer(h.signer.token(owner.id, 'user', { key: foreignKey })))
          .send({ name: 'x' })
          .expect(401)
      ).body,
      'UNAUTHORIZED',
    );
  });
});
