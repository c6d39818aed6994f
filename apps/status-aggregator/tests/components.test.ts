import { ComponentsResponseSchema, ProductionStatusSchema, type Component } from '@platform/contracts';
import { jsonRequest, type JsonClient } from '@platform/testing';
import { startStatusHarness, type StatusHarness } from './support/harness';

jest.setTimeout(20_000);

let h: StatusHarness;
let api: JsonClient;
beforeAll(async () => {
  h = await startStatusHarness('components', { REQUIRED_SERVICES: 'registry,auth,channels', FORGET_AFTER_MS: '1500' });
  api = jsonRequest(h.agg.url);
}, 30_000);
afterAll(() => h?.close(), 30_000);

async function components(admin = false): Promise<Map<string, Component>> {
  const res = await api.get('/api/status/components', {
    headers: admin ? h.agg.signer.auth('admin') : {},
    schema: ComponentsResponseSchema,
  });
  expect(res.status).toBe(200);
  return new Map(res.body.components.map((c) => [c.name, c]));
}
const component = async (name: string, admin = false) => (await components(admin)).get(name);

describe('component states', () => {
  it('reports a ready, fast service as operational with full uptime, its instances only to admins', async () => {
    const billing = await h.instance('billing');

    await h.agg.tick();

    expect(await component('billing')).toEqual(
      expect.objectContaining({
        state: 'operational',
        required: false,
        instances: { total: 1, up: 1 },
        uptime_24h: 1,
        consecutive_failures: 0,
      }),
    );
    expect(await component('billing')).not.toHaveProperty('instance_details');
    expect((await component('billing', true))?.instance_details).toEqual([
      expect.objectContaining({
        instance_id: billing.instanceId,
        url: billing.url,
        version: '1.2.3',
        health: 'up',
        failing_checks: [],
      }),
    ]);
  });

  it('is a partial outage when one of two instances stops answering, and a major outage when none does', async () => {
    const [first, second] = [await h.instance('search'), await h.instance('search')];
    await h.agg.tick();
    expect((await component('search'))?.state).toBe('operational');

    await first.crash();
    await h.agg.tick();
    const partial = await component('search', true);

    expect(partial).toMatchObject({ state: 'partial_outage', instances: { total: 2, up: 1 }, consecutive_failures: 1 });
    expect(partial?.instance_details?.find((i) => i.instance_id === first.instanceId)).toMatchObject({
      health: 'down',
      error: 'connection failed: ECONNREFUSED',
    });

    await second.crash();
    await h.agg.tick();

    expect(await component('search')).toMatchObject({
      state: 'major_outage',
      instances: { total: 2, up: 0 },
      consecutive_failures: 2,
    });
  });

  it('is degraded when an instance answers slowly or with a failing check, and down when every check fails', async () => {
    const mailer = await h.instance('mailer');

    mailer.mode = 'slow';
    await h.agg.tick();
    expect((await component('mailer'))?.state).toBe('degraded_performance');

    mailer.mode = 'impaired';
    await h.agg.tick();
    const impaired = await component('mailer', true);
    expect(impaired?.state).toBe('degraded_performance');
    expect(impaired?.instance_details?.[0]).toMatchObject({
      health: 'impaired',
      failing_checks: ['redis'],
      error: 'redis: redis unreachable',
    });

    mailer.mode = 'down';
    await h.agg.tick();
    expect((await component('mailer'))?.state).toBe('major_outage');

    mailer.mode = 'ready';
    await h.agg.tick();
    expect((await component('mailer'))?.state).toBe('operational');
  });

  it('probes the registry itself at REGISTRY_URL', async () => {
    await h.agg.tick();

    expect((await component('registry', true))?.instance_details).toEqual([
      expect.objectContaining({ instance_id: 'registry', url: h.registry.url, health: 'up' }),
    ]);
  });

  it('counts a required service that never registered as a major outage, and the platform with it', async () => {
    await h.instance('auth');
    await h.agg.tick();

    expect(await component('channels')).toMatchObject({
      state: 'major_outage',
      required: true,
      instances: { total: 0, up: 0 },
    });
    const status = ProductionStatusSchema.parse((await api.get('/api/production-status')).body);
    expect(status).toMatchObject({ status: 'major_outage', description: expect.stringContaining('channels') });

    await h.instance('channels');
    await h.agg.tick();

    expect(ProductionStatusSchema.parse((await api.get('/api/production-status')).body).status).toBe('operational');
  });

  it('keeps showing a service the registry no longer lists as a major outage, then forgets it if it is not required', async () => {
    const ledger = await h.instance('ledger');
    await h.agg.tick();

    await ledger.stop();
    await h.agg.tick();
    expect(await component('ledger')).toMatchObject({ state: 'major_outage', instances: { total: 0, up: 0 } });

    await new Promise((r) => setTimeout(r, 1600));
    await h.agg.tick();
    expect((await components()).has('ledger')).toBe(false);
  });
});
