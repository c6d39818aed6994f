import type { Component, StatusStreamEvent } from '@platform/contracts';
import { MAX_POINTS, applyEvent, emptyState } from './state';

const component = (name: string, state: Component['state']): Component => ({
  name,
  state,
  required: true,
  instances: { total: 1, up: state === 'major_outage' ? 0 : 1 },
  uptime_24h: 1,
  uptime_7d: 1,
  consecutive_failures: 0,
  mean_time_to_recover_ms: null,
  last_change_at: '2026-01-01T00:00:00Z',
  last_checked_at: '2026-01-01T00:00:00Z',
});
const at = '2026-01-01T00:00:00Z';
const point = (i: number) => ({ at, requests_per_s: i, error_ratio: null, latency_avg_ms: null, latency_p95_ms: null });

describe('applyEvent', () => {
  it('replaces everything on a snapshot and redraws every section', () => {
    const s = emptyState();
    const e: StatusStreamEvent = {
      type: 'snapshot',
      status: 'operational',
      components: [component('auth', 'operational')],
      queues: [{ name: 'agent-runs', waiting: 1, active: 0, delayed: 0, failed: 0 }],
      channels_count: 4,
      at,
    };

    expect([...applyEvent(s, e, 1)].sort()).toEqual(['banner', 'cards', 'charts', 'incidents', 'queues']);
    expect(s).toMatchObject({ status: 'operational', channelsCount: 4, lastEventAt: 1 });
    expect([...s.components.keys()]).toEqual(['auth']);
  });

  it('updates one card on a component event, and the incidents when its state moved', () => {
    const s = emptyState();

    expect([
      ...applyEvent(
        s,
        { type: 'component', component: component('auth', 'major_outage'), previous: 'operational', at },
        2,
      ),
    ]).toEqual(['cards', 'incidents']);
    expect([
      ...applyEvent(
        s,
        { type: 'component', component: component('auth', 'major_outage'), previous: 'major_outage', at },
        3,
      ),
    ]).toEqual(['cards']);
    expect(s.components.get('auth')?.state).toBe('major_outage');
  });

  it('appends metrics points, keeping a bounded window', () => {
    const s = emptyState();
    for (let i = 0; i < MAX_POINTS + 5; i++)
      applyEvent(s, { type: 'metrics', services: [{ service: 'auth', points: [point(i)] }], at }, i);

    const points = s.metrics.get('auth')!;
    expect(points).toHaveLength(MAX_POINTS);
    expect(points[points.length - 1]?.requests_per_s).toBe(MAX_POINTS + 4);
  });
});
