import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { ChannelSchema, type Channel } from '@platform/contracts';
import { createChannel } from './support/channels';
import { envelope, issuePaths } from './support/envelope';
import { startChannels, type ChannelsHarness } from './support/harness';
import type { Caller } from './support/tokens';

let h: ChannelsHarness;
let service: Caller;
let owner: Caller;
let channel: Channel;
beforeAll(async () => {
  h = await startChannels();
  service = h.signer.caller('service');
  owner = h.signer.caller('user');
  channel = await createChannel(h.app, owner, { name: 'for-sessions', description: 'internal' });
}, 30_000);
afterAll(() => h?.close());

/** The lookup as `caller` (the sessions service by default; null sends no token). */
const lookup = (id: string, query: Record<string, string>, caller: Caller | null = service) => {
  const req = request(h.app).get(`/internal/channels/${id}`).query(query);
  return caller ? req.set(caller.auth) : req;
};

describe('GET /internal/channels/:id', () => {
  it('returns the channel when the user owns it', async () => {
    const res = await lookup(channel.id, { user_id: owner.id, role: 'user' }).expect(200);

    expect(ChannelSchema.strict().parse(res.body)).toEqual(channel);
  });

  it("returns any user's channel for role admin", async () => {
    await lookup(channel.id, { user_id: randomUUID(), role: 'admin' }).expect(200);
  });

  it('404 when that user may not see the channel, and for a channel that does not exist', async () => {
    envelope((await lookup(channel.id, { user_id: randomUUID(), role: 'user' }).expect(404)).body, 'NOT_FOUND');
    await lookup(channel.id, { user_id: randomUUID(), role: 'agent' }).expect(404);
    await lookup(randomUUID(), { user_id: owner.id, role: 'user' }).expect(404);
  });

  it('requires a service token: 401 without one, 403 for a user or an admin', async () => {
    const query = { user_id: owner.id, role: 'user' };

    envelope((await lookup(channel.id, query, null).expect(401)).body, 'UNAUTHORIZED');
    envelope((await lookup(channel.id, query, owner).expect(403)).body, 'FORBIDDEN');
    envelope((await lookup(channel.id, query, h.signer.caller('admin')).expect(403)).body, 'FORBIDDEN');
  });

  it('400 naming the field for a bad id, a missing or malformed user_id, or a missing role', async () => {
    expect(issuePaths((await lookup('nope', { user_id: owner.id, role: 'user' }).expect(400)).body)).toEqual([
      'params.id',
    ]);
    expect(issuePaths((await lookup(channel.id, { role: 'user' }).expect(400)).body)).toEqual(['query.user_id']);
    expect(issuePaths((await lookup(channel.id, { user_id: 'me', role: 'user' }).expect(400)).body)).toEqual([
      'query.user_id',
    ]);
    expect(issuePaths((await lookup(channel.id, { user_id: owner.id }).expect(400)).body)).toEqual(['query.role']);
  });
});
