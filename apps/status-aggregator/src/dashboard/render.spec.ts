import type { Component, Incident } from '@platform/contracts';
import { renderBanner, renderCards, renderCharts, renderIncidents, renderQueues } from './render';

const now = Date.parse('2026-01-01T00:10:00Z');
const component = (over: Partial<Component> = {}): Component => ({
  name: 'channels',
  state: 'partial_outage',
  required: true,
  instances: { total: 2, up: 1 },
  uptime_24h: 0.9995,
  uptime_7d: null,
  consecutive_failures: 3,
  mean_time_to_recover_ms: 80_000,
  last_change_at: '2026-01-01T00:07:00Z',
  last_checked_at: '2026-01-01T00:10:00Z',
  ...over,
});

describe('dashboard rendering', () => {
  it('draws a card with the state, instances, uptime, failures and recovery time', () => {
    const html = renderCards([component()], now);

    expect(html).toContain('data-service="channels" data-state="partial_outage"');
    expect(html).toContain('Partial outage');
    expect(html).toContain('1 / 2 up');
    expect(html).toContain('99.95 %');
    expect(html).toContain('1 min 20 s');
    expect(html).toContain('3 min ago');
    expect(html).not.toContain('class="instances"');
  });

  it('lists instances with their errors for admins, escaped', () => {
    const html = renderCards(
      [
        component({
          instance_details: [
            {
              instance_id: 'c-1',
              url: 'http://x',
              version: '1',
              health: 'down',
              latency_ms: 5,
              failing_checks: [],
              error: '<b>refused</b>',
            },
          ],
        }),
      ],
      now,
    );

    expect(html).toContain('class="instances"');
    expect(html).toContain('&lt;b&gt;refused&lt;/b&gt;');
    expect(html).not.toContain('<b>');
  });

  it('names the affected required components in the banner', () => {
    expect(renderBanner('partial_outage', [component(), component({ name: 'auth', state: 'operational' })])).toContain(
      'Partial outage: channels',
    );
    expect(renderBanner('operational', [])).toContain('All systems operational');
  });

  it('shows queue depths and the channels count', () => {
    const html = renderQueues([{ name: 'agent-runs', waiting: 3, active: 1, delayed: 0, failed: 2 }], 7);

    expect(html).toContain(
      '<tr data-queue="agent-runs"><th scope="row">agent-runs</th><td>3</td><td>1</td><td>0</td><td>2</td></tr>',
    );
    expect(html).toContain('Channels: <strong>7</strong>');
  });

  it('puts open incidents before recent ones', () => {
    const incident = (id: string, status: Incident['status']): Incident => ({
      id,
      service: 'channels',
      title: `channels ${id}`,
      impact: 'major_outage',
      status,
      started_at: '2026-01-01T00:00:00Z',
      resolved_at: status === 'open' ? null : '2026-01-01T00:01:00Z',
      duration_ms: status === 'open' ? null : 60_000,
    });
    const html = renderIncidents([
      incident('00000000-0000-4000-8000-000000000001', 'resolved'),
      incident('00000000-0000-4000-8000-000000000002', 'open'),
    ]);

    expect(html.indexOf('<h3>Open</h3>')).toBeLessThan(html.indexOf('<h3>Recent</h3>'));
    expect(html).toContain('lasted 1 min');
  });

  it('draws traffic charts only for admins', () => {
    const metrics = new Map([
      [
        'auth',
        [{ at: '2026-01-01T00:00:00Z', requests_per_s: 2, error_ratio: 0, latency_avg_ms: 4, latency_p95_ms: 9 }],
      ],
    ]);

    expect(renderCharts(metrics, false)).toContain('Sign in as an admin');
    const charts = renderCharts(metrics, true);
    expect(charts.match(/<svg viewBox/g)).toHaveLength(2);
    expect(charts).not.toContain('style=');
  });
});
