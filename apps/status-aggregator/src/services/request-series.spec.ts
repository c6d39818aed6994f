import { RequestSeries } from './request-series';
import type { RequestCounters } from '../probes/request-counters';

const counters = (requests: number, durationSum = requests * 0.01): RequestCounters => ({
  requests,
  errors: 0,
  durationSum,
  durationCount: requests,
  buckets: new Map([[Infinity, requests]]),
});
const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('RequestSeries', () => {
  it('adds one point per poll, summing the rates of a service instances', () => {
    const series = new RequestSeries(10);
    series.record(
      [
        { service: 'auth', instanceId: 'a', counters: counters(0) },
        { service: 'auth', instanceId: 'b', counters: counters(0) },
      ],
      t(0),
    );
    series.record(
      [
        { service: 'auth', instanceId: 'a', counters: counters(10) },
        { service: 'auth', instanceId: 'b', counters: counters(30) },
      ],
      t(5),
    );

    expect(series.snapshot()).toEqual([
      {
        service: 'auth',
        points: [expect.objectContaining({ at: t(5).toISOString(), requests_per_s: 8, latency_avg_ms: 10 })],
      },
    ]);
  });

  it('skips an instance seen for the first time or restarted, and keeps at most the configured points', () => {
    const series = new RequestSeries(2);
    for (let i = 0; i <= 3; i++)
      series.record([{ service: 'auth', instanceId: 'a', counters: counters(i * 10) }], t(i));
    series.record([{ service: 'auth', instanceId: 'a', counters: counters(1) }], t(4));

    const points = series.snapshot()[0]!.points;
    expect(points.map((p) => p.at)).toEqual([t(2).toISOString(), t(3).toISOString()]);
    expect(series.latest()[0]!.points).toHaveLength(1);
  });
});
