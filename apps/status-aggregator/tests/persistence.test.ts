import { ComponentsResponseSchema } from '@platform/contracts';
import { jsonRequest } from '@platform/testing';
import { startAggregator, startStatusHarness, type StatusHarness } from './support/harness';

jest.setTimeout(20_000);

let h: StatusHarness;
beforeAll(async () => {
  h = await startStatusHarness('persistence', {
    REQUIRED_SERVICES: 'registry,inventory',
    HISTORY_RETENTION_DAYS: '30',
  });
}, 30_000);
afterAll(() => h?.close(), 30_000);

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);

describe('history retention', () => {
  it('deletes samples, changes and resolved incidents past the retention, keeping open incidents and recent rows', async () => {
    const { db } = h.agg;
    await db.statusSample.createMany({
      data: [
        { service: 'old', at: daysAgo(40), state: 'operational', instancesUp: 1, instancesTotal: 1, latencyMs: 3 },
        { service: 'old', at: daysAgo(2), state: 'operational', instancesUp: 1, instancesTotal: 1, latencyMs: 3 },
      ],
    });
    await db.statusChange.create({
      data: { service: 'old', at: daysAgo(40), fromState: null, toState: 'operational' },
    });
    const stale = await db.incident.create({
      data: {
        service: 'old',
        title: 'old: major outage',
        impact: 'major_outage',
        startedAt: daysAgo(41),
        resolvedAt: daysAgo(40),
      },
    });
    const lingering = await db.incident.create({
      data: { service: 'old', title: 'old: partial outage', impact: 'partial_outage', startedAt: daysAgo(40) },
    });

    await h.agg.tick();

    expect(await db.statusSample.count({ where: { service: 'old' } })).toBe(1);
    expect(await db.statusChange.count({ where: { service: 'old' } })).toBe(0);
    expect(await db.incident.findUnique({ where: { id: stale.id } })).toBeNull();
    expect(await db.incident.findUnique({ where: { id: lingering.id } })).not.toBeNull();
  });
});

describe('restart', () => {
  it('resumes each component from the database: no new change or incident for a state it already recorded', async () => {
    await h.agg.tick();
    const before = await h.agg.db.statusChange.count({ where: { service: 'inventory' } });
    const incidents = await h.agg.db.incident.count({ where: { service: 'inventory' } });
    expect(incidents).toBe(1);
    const restarted = await startAggregator({
      registry: h.registry,
      databaseUrl: h.database.url,
      env: { REQUIRED_SERVICES: 'registry,inventory' },
    });
    try {
      await restarted.tick();
      const body = (
        await jsonRequest(restarted.url).get('/api/status/components', { schema: ComponentsResponseSchema })
      ).body;
      const inventory = body.components.find((c) => c.name === 'inventory');

      expect(inventory).toMatchObject({ state: 'major_outage', consecutive_failures: expect.any(Number) });
      expect(inventory!.consecutive_failures).toBeGreaterThanOrEqual(3);
      expect(await h.agg.db.statusChange.count({ where: { service: 'inventory' } })).toBe(before);
      expect(await h.agg.db.incident.count({ where: { service: 'inventory' } })).toBe(1);
    } finally {
      await restarted.close();
    }
  });
});

describe('database outage', () => {
  it('keeps the live status going and records the missed change once the database is back', async () => {
    const canary = await h.instance('canary');
    await h.agg.tick();
    const broken = await startAggregator({
      registry: h.registry,
      databaseUrl: 'postgresql://postgres@127.0.0.1:1/nowhere',
      env: { REQUIRED_SERVICES: 'registry' },
    });
    try {
      canary.mode = 'down';
      await broken.tick();
      const live = (await jsonRequest(broken.url).get('/api/status/components', { schema: ComponentsResponseSchema }))
        .body;
      expect(live.components.find((c) => c.name === 'canary')?.state).toBe('major_outage');
      expect((await jsonRequest(broken.url).get('/ready')).status).toBe(503);
    } finally {
      await broken.close();
    }
    await h.agg.tick();
    expect(await h.agg.db.incident.count({ where: { service: 'canary', resolvedAt: null } })).toBe(1);
  });
});
