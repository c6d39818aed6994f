import request from 'supertest';
import { createChannel } from './support/channels';
import { envelope, issuePaths } from './support/envelope';
import { startChannels, type ChannelsHarness } from './support/harness';
import type { Caller } from './support/tokens';

let h: ChannelsHarness;
let owner: Caller;
let channelId: string;
beforeAll(async () => {
  h = await startChannels();
  owner = h.signer.caller('user');
  channelId = (await createChannel(h.app, owner, { name: 'target', description: 'unchanged' })).id;
}, 30_000);
afterAll(() => h?.close());

const post = (body: unknown) =>
  request(h.app)
    .post('/api/channels')
    .set(owner.auth)
    .send(body as object);

describe('bad channel bodies are 400 VALIDATION_ERROR with the field path', () => {
  it.each([
    ['no name', {}, ['body.name']],
    ['an empty name', { name: '' }, ['body.name']],
    ['a blank name', { name: '   ' }, ['body.name']],
    ['a name of 101 characters', { name: 'n'.repeat(101) }, ['body.name']],
    ['a name that is not a string', { name: 42 }, ['body.name']],
    ['a description over 2000 characters', { name: 'ok', description: 'd'.repeat(2001) }, ['body.description']],
    ['a description that is not a string', { name: 'ok', description: ['x'] }, ['body.description']],
    ['an unknown field', { name: 'ok', owner_id: '00000000-0000-4000-8000-000000000000' }, ['body']],
    ['a body that is not an object', ['name'], ['body']],
  ])('on create: %s', async (_what, body, paths) => {
    const res = await post(body).expect(400);

    expect(issuePaths(res.body)).toEqual(paths);
  });

  it('accepts a name of exactly 100 characters', async () => {
    const channel = await createChannel(h.app, owner, { name: 'n'.repeat(100) });

    expect(channel.name).toHaveLength(100);
  });

  it('on PUT: a missing or too long name', async () => {
    const missing = await request(h.app)
      .put(`/api/channels/${channelId}`)
      .set(owner.auth)
      .send({ description: 'x' })
      .expect(400);
    const long = await request(h.app)
      .put(`/api/channels/${channelId}`)
      .set(owner.auth)
      .send({ name: 'n'.repeat(101) })
      .expect(400);

    expect(issuePaths(missing.body)).toEqual(['body.name']);
    expect(issuePaths(long.body)).toEqual(['body.name']);
  });

  it('on PATCH: an empty body, a null name, or a bad description', async () => {
    const empty = await request(h.app).patch(`/api/channels/${channelId}`).set(owner.auth).send({}).expect(400);
    const nullName = await request(h.app)
      .patch(`/api/channels/${channelId}`)
      .set(owner.auth)
      .send({ name: null })
      .expect(400);
    const longDescription = await request(h.app)
      .patch(`/api/channels/${channelId}`)
      .set(owner.auth)
      .send({ description: 'd'.repeat(2001) })
      .expect(400);

    expect(issuePaths(empty.body)).toEqual(['body']);
    expect(issuePaths(nullName.body)).toEqual(['body.name']);
    expect(issuePaths(longDescription.body)).toEqual(['body.description']);
  });

  it('changes nothing when a write is rejected', async () => {
    await request(h.app).put(`/api/channels/${channelId}`).set(owner.auth).send({ name: '' }).expect(400);
    await request(h.app)
      .patch(`/api/channels/${channelId}`)
      .set(owner.auth)
      .send({ name: 'fine', extra: 1 })
      .expect(400);

    expect(await h.db.channel.findUniqueOrThrow({ where: { id: channelId } })).toMatchObject({
      name: 'target',
      description: 'unchanged',
    });
  });

  it('rejects names and descriptions with NUL characters, which Postgres cannot store', async () => {
    expect(issuePaths((await post({ name: 'a\u0000b' }).expect(400)).body)).toEqual(['body.name']);
    expect(issuePaths((await post({ name: 'ok-nul', description: 'x\u0000' }).expect(400)).body)).toEqual([
      'body.description',
    ]);
  });
});

describe('other bad input', () => {
  it('400 naming params.id for an id that is not a UUID, on every id route', async () => {
    const answers = [
      await request(h.app).get('/api/channels/not-a-uuid').set(owner.auth),
      await request(h.app).put('/api/channels/not-a-uuid').set(owner.auth).send({ name: 'x' }),
      await request(h.app).patch('/api/channels/not-a-uuid').set(owner.auth).send({ name: 'x' }),
      await request(h.app).delete('/api/channels/not-a-uuid').set(owner.auth),
    ];

    for (const res of answers) {
      expect(res.status).toBe(400);
      expect(issuePaths(res.body)).toEqual(['params.id']);
    }
  });

  it('400 INVALID_JSON for malformed JSON and 415 for a body that is not JSON', async () => {
    const malformed = await request(h.app)
      .post('/api/channels')
      .set(owner.auth)
      .set('Content-Type', 'application/json')
      .send('{"name":')
      .expect(400);
    const text = await request(h.app)
      .post('/api/channels')
      .set(owner.auth)
      .set('Content-Type', 'text/plain')
      .send('name=x')
      .expect(415);

    envelope(malformed.body, 'INVALID_JSON');
    envelope(text.body, 'UNSUPPORTED_MEDIA_TYPE');
  });
});
