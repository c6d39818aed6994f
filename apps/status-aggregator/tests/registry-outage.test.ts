import { ComponentsResponseSchema, type Component } from '@platform/contracts';
import { jsonRequest } from '@platform/testing';
import { startStatusHarness, type StatusHarness } from './support/harness';

jest.setTimeout(20_000);

let h: StatusHarness;
beforeAll(async () => {
  h = await startStatusHarness('registry-outage', { REQUIRED_SERVICES: 'registry,notes', BREAKER_RESET_MS: '1500' });
}, 30_000);
afterAll(() => h?.close(), 30_000);

async function states(): Promise<{ status: string; byName: Map<string, Component> }> {
  const body = (
    await jsonRequest(h.agg.url).get('/api/status/components', {
      headers: h.agg.signer.auth('admin'),
      schema: ComponentsResponseSchema,
    })
  ).body;
  return { status: body.status, byName: new Map(body.components.map((c) => [c.name, c])) };
}

describe('when the registry is down', () => {
  it('shows it in a major outage, keeps probing the instances it listed last, and recovers once its breaker lets a probe through', async () => {
    const notes = await h.instance('notes');
    await h.agg.tick();

    await h.registry.process.stop();
    await h.agg.tick();
    const during = await states();
    expect(during.status).toBe('major_outage');
    expect(during.byName.get('registry')?.state).toBe('major_outage');
    expect(during.byName.get('notes')?.state).toBe('operational');

    notes.mode = 'down';
    await h.agg.tick();
    expect((await states()).byName.get('notes')?.state).toBe('major_outage');
    notes.mode = 'ready';

    await h.agg.tick();
    expect((await states()).byName.get('registry')?.instance_details?.[0]?.error).toBe(
      'not probed: circuit breaker open after repeated failures',
    );

    await h.registry.process.restart();
    await new Promise((r) => setTimeout(r, 1600));
    await h.agg.tick();
    expect((await states()).status).toBe('operational');
  });
});
