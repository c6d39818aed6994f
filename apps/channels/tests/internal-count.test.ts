import request from 'supertest';
import { InternalChannelCountResponseSchema } from '@platform/contracts';
import { createChannel } from './support/channels';
import { envelope } from './support/envelope';
import { startChannels, type ChannelsHarness } from './support/harness';

let h: ChannelsHarness;
beforeAll(async () => {
  h = await startChannels();
}, 30_000);
afterAll(() => h?.close());

const count = (auth?: { Authorization: string }) => {
  const req = request(h.app).get('/internal/channels/count');
  return auth ? req.set(auth) : req;
};

describe('GET /internal/channels/count', () => {
  it("counts every owner's channels for a service caller", async () => {
    const service = h.signer.caller('service');
    const before = InternalChannelCountResponseSchema.parse((await count(service.auth).expect(200)).body).count;
    await createChannel(h.app, h.signer.caller('user'), { name: 'one' });
    await createChannel(h.app, h.signer.caller('user'), { name: 'two' });

    const res = await count(service.auth).expect(200);

    expect(InternalChannelCountResponseSchema.strict().parse(res.body)).toEqual({ count: before + 2 });
  });

  it('requires a service token: 401 without one, 403 for a user or an admin', async () => {
    envelope((await count().expect(401)).body, 'UNAUTHORIZED');
    envelope((await count(h.signer.caller('user').auth).expect(403)).body, 'FORBIDDEN');
    envelope((await count(h.signer.caller('admin').auth).expect(403)).body, 'FORBIDDEN');
  });
});
