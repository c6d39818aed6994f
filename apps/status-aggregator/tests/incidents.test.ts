import {
  ComponentsResponseSchema,
  IncidentListResponseSchema,
  StatusHistoryResponseSchema,
  type Incident,
} from '@platform/contracts';
import { jsonRequest, type JsonClient } from '@platform/testing';
import { startAggregator, startStatusHarness, type StatusHarness } from './support/harness';

jest.setTimeout(20_000);

let h: StatusHarness;
let api: JsonClient;
beforeAll(async () => {
  h = await startStatusHarness('incidents', { REQUIRED_SERVICES: 'registry', UPTIME_REFRESH_MS: '1' });
  api = jsonRequest(h.agg.url);
}, 30_000);
afterAll(() => h?.close(), 30_000);

async function incidents(query: Record<string, string> = {}, admin = false) {
  const res = await api.get('/api/status/incidents', {
    query,
    headers: admin ? h.agg.signer.auth('admin') : {},
    schema: IncidentListResponseSchema,
  });
  expect(res.status).toBe(200);
  return res.body;
}
const ofService = async (service: string, admin = false): Promise<Incident[]> =>
  (await incidents({ service }, admin)).items;

describe('incidents', () => {
  it('opens one when a component enters an outage, records the escalation, and resolves it when operational again', async () => {
    const [a, b] = [await h.instance('payments'), await h.instance('payments')];
    await h.agg.tick();
    expect(await ofService('payments')).toEqual([]);

    a.mode = 'down';
    await h.agg.tick();
    const [opened] = await ofService('payments');
    expect(opened).toMatchObject({
      title: 'payments: partial outage',
      impact: 'partial_outage',
      status: 'open',
      resolved_at: null,
      duration_ms: null,
    });
    expect(opened).not.toHaveProperty('updates');

    b.mode = 'down';
    await h.agg.tick();
    a.mode = 'ready';
    b.mode = 'slow';
    await h.agg.tick();
    expect(await ofService('payments')).toEqual([
      expect.objectContaining({ id: opened?.id, impact: 'major_outage', status: 'open' }),
    ]);

    b.mode = 'ready';
    await h.agg.tick();
    const [resolved] = await ofService('payments', true);

    expect(resolved).toMatchObject({
      id: opened?.id,
      status: 'resolved',
      impact: 'major_outage',
      duration_ms: expect.any(Number),
    });
    expect(resolved?.updates?.map((u) => u.state)).toEqual([
      'partial_outage',
      'major_outage',
      'degraded_performance',
      'operational',
    ]);
    expect(resolved?.updates?.[0]?.message).toMatch(
      /^payments entered partial outage: 1 of 2 instance\(s\) not serving \(payments-\w+: postgres: postgres unreachable/,
    );
    const payments = (
      await api.get('/api/status/components', { schema: ComponentsResponseSchema })
    ).body.components.find((c) => c.name === 'payments');
    expect(payments?.mean_time_to_recover_ms).toBe(resolved?.duration_ms);
    expect(payments?.uptime_24h).toBeLessThan(1);
  });

  it('opens none for degraded performance alone', async () => {
    const slow = await h.instance('thumbnails');
    await h.agg.tick();

    slow.mode = 'slow';
    await h.agg.tick();

    expect(await ofService('thumbnails')).toEqual([]);
  });

  it('lists newest first, filtered by status, across cursor pages', async () => {
    const flaky = await h.instance('flaky');
    for (let i = 0; i < 3; i++) {
      flaky.mode = 'down';
      await h.agg.tick();
      flaky.mode = 'ready';
      await h.agg.tick();
    }
    flaky.mode = 'down';
    await h.agg.tick();

    const first = await incidents({ service: 'flaky', limit: '3' });
    const second = await incidents({ service: 'flaky', limit: '3', cursor: first.next_cursor ?? '' });
    const all = [...first.items, ...second.items];

    expect(all).toHaveLength(4);
    expect(second.next_cursor).toBeNull();
    expect(all.map((i) => i.status)).toEqual(['open', 'resolved', 'resolved', 'resolved']);
    expect([...all].sort((x, y) => y.started_at.localeCompare(x.started_at))).toEqual(all);
    expect((await incidents({ service: 'flaky', status: 'open' })).items).toHaveLength(1);
    expect((await api.get('/api/status/incidents', { query: { status: 'closed' } })).status).toBe(400);
  });

  it('records one change and one incident when two aggregators see the same transition', async () => {
    const twin = await startAggregator({
      registry: h.registry,
      databaseUrl: h.database.url,
      env: { REQUIRED_SERVICES: 'registry' },
    });
    try {
      const shared = await h.instance('shared');
      await Promise.all([h.agg.tick(), twin.tick()]);

      shared.mode = 'down';
      await Promise.all([h.agg.tick(), twin.tick()]);

      expect(await ofService('shared')).toHaveLength(1);
      expect(await h.agg.db.statusChange.count({ where: { service: 'shared' } })).toBe(2);
    } finally {
      await twin.close();
    }
  });
});

describe('history', () => {
  it('returns bucketed points with uptime and the state changes since a time', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();

    const res = await api.get('/api/status/history', {
      query: { service: 'payments', since },
      schema: StatusHistoryResponseSchema,
    });

    expect(res.status).toBe(200);
    const [series] = res.body.series;
    expect(series?.service).toBe('payments');
    expect(series?.changes.map((c) => c.to)).toEqual([
      'operational',
      'partial_outage',
      'major_outage',
      'degraded_performance',
      'operational',
    ]);
    expect(series?.changes[0]?.from).toBeNull();
    expect(series?.points.reduce((n, p) => n + p.samples, 0)).toBeGreaterThanOrEqual(5);
    expect(series?.points.some((p) => p.state === 'major_outage' && p.uptime < 1)).toBe(true);
    expect(res.body.bucket_ms).toBe(1000);
  });

  it('covers every component without a service, and the last 24 hours without since', async () => {
    const res = await api.get('/api/status/history', { schema: StatusHistoryResponseSchema });

    expect(res.body.series.map((s) => s.service)).toEqual(expect.arrayContaining(['payments', 'registry', 'flaky']));
    expect(Date.parse(res.body.until) - Date.parse(res.body.since)).toBe(86_400_000);
  });

  it('answers 400 naming the field for a since older than 7 days, in the future or malformed', async () => {
    for (const since of [
      new Date(Date.now() - 8 * 86_400_000).toISOString(),
      new Date(Date.now() + 60_000).toISOString(),
      'yesterday',
    ]) {
      const res = await api.get<{ details: { issues: Array<{ path: string }> } }>('/api/status/history', {
        query: { since },
      });
      expect({ since, status: res.status, paths: res.body.details.issues.map((i) => i.path) }).toEqual({
        since,
        status: 400,
        paths: ['query.since'],
      });
    }
  });
});
