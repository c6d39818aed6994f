import { ComponentsResponseSchema, IncidentListResponseSchema } from '@platform/contracts';
import { jsonRequest } from '@platform/testing';
import { startStatusHarness, type StatusHarness } from './support/harness';

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
});
