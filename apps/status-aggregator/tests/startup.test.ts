import { ComponentsResponseSchema, IncidentListResponseSchema } from '@platform/contracts';
import { jsonRequest } from '@platform/testing';
import { startAggregator, startStatusHarness, type StatusHarness } from './support/harness';

jest.setTimeout(30_000);

// Each test starts its own poll loop (`poller.start`, as main does) on a fresh harness.
let h: StatusHarness | undefined;
afterEach(() => h?.close(), 30_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function picture(harness: StatusHarness) {
  const api = jsonRequest(harness.agg.url);
  const components = await api.get('/api/status/components', { schema: ComponentsResponseSchema });
  const incidents = await api.get('/api/status/incidents', { schema: IncidentListResponseSchema });
  return { components: components.body, incidents: incidents.body.items };
}

describe('the first poll of a starting platform', () => {
  it('waits for required services that register a moment later: no outage recorded, no incident', async () => {
    h = await startStatusHarness('startup-late', { REQUIRED_SERVICES: 'registry,payments', STARTUP_GRACE_MS: '20000', POLL_INTERVAL_MS: '200' });
    const harness = h;
    let firstPollDone = false;
    const started = harness.agg.monitor.poller.start().then(() => (firstPollDone = true));

    await sleep(1200);
    expect(firstPollDone).toBe(false);
    await harness.instance('payments');
    await started;

    const { components, incidents } = await picture(harness);
    expect(components.components.find((c) => c.name === 'payments')?.state).toBe('operational');
    expect(incidents).toEqual([]);
  });

  it('reports a required service still missing once the grace is over', async () => {
    h = await startStatusHarness('startup-missing', { REQUIRED_SERVICES: 'registry,ledger', STARTUP_GRACE_MS: '800', POLL_INTERVAL_MS: '200' });
    const before = Date.now();
    await h.agg.monitor.poller.start();

    expect(Date.now() - before).toBeGreaterThanOrEqual(700);
    const { components, incidents } = await picture(h);
    expect(components.components.find((c) => c.name === 'ledger')?.state).toBe('major_outage');
    expect(incidents.map((i) => i.service)).toContain('ledger');
  });

  it('lets a shutdown during the grace end the wait', async () => {
    h = await startStatusHarness('startup-stop', { REQUIRED_SERVICES: 'registry,ledger', STARTUP_GRACE_MS: '60000' });
    const started = h.agg.monitor.poller.start();
    await sleep(300);
    await h.agg.monitor.poller.stop();
    await expect(started).resolves.toBeUndefined();
  });

  it('does not judge itself down before it has registered (its component is remembered from an earlier run)', async () => {
    h = await startStatusHarness('startup-self', { REQUIRED_SERVICES: 'registry' });
    const earlier = await h.instance('status-aggregator');
    await h.agg.tick();
    await earlier.stop();
    // A new aggregator on the same database, before its own registration (main serves after the first poll).
    const next = await startAggregator({ registry: h.registry, databaseUrl: h.database.url, env: { REQUIRED_SERVICES: 'registry' } });
    try {
      await next.tick();
      const api = jsonRequest(next.url);
      const incidents = await api.get('/api/status/incidents', { schema: IncidentListResponseSchema });
      expect(incidents.body.items.filter((i) => i.service === 'status-aggregator')).toEqual([]);
      await h.instance('status-aggregator');
      await next.tick();
      const components = await api.get('/api/status/components', { schema: ComponentsResponseSchema });
      expect(components.body.components.find((c) => c.name === 'status-aggregator')?.state).toBe('operational');
    } finally {
      await next.close();
    }
  });
});
