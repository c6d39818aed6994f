import { counterDelta, countersFrom, histogramQuantile, metricsPoint } from './request-counters';
import { parsePromText } from './prom-text';

const scrape = (n: { ok: number; failed: number; probes: number; sum: number; b01: number; b1: number }) =>
  countersFrom(
    parsePromText(`
http_requests_total{method="GET",route="/api/channels",status="200"} ${n.ok}
http_requests_total{method="POST",route="/api/channels",status="503"} ${n.failed}
http_requests_total{method="GET",route="/ready",status="200"} ${n.probes}
http_request_duration_seconds_bucket{le="0.1",route="/api/channels",status="200"} ${n.b01}
http_request_duration_seconds_bucket{le="1",route="/api/channels",status="200"} ${n.b1}
http_request_duration_seconds_bucket{le="+Inf",route="/api/channels",status="200"} ${n.b1}
http_request_duration_seconds_bucket{le="+Inf",route="/ready",status="200"} ${n.probes}
http_request_duration_seconds_sum{route="/api/channels",status="200"} ${n.sum}
http_request_duration_seconds_count{route="/api/channels",status="200"} ${n.b1}
http_request_duration_seconds_count{route="/ready",status="200"} ${n.probes}
`),
  );

describe('request counters', () => {
  it('sums requests and 5xx over label sets, leaving out the probe routes', () => {
    const c = scrape({ ok: 10, failed: 2, probes: 100, sum: 1.5, b01: 8, b1: 10 });

    expect(c).toMatchObject({ requests: 12, errors: 2, durationSum: 1.5, durationCount: 10 });
    expect([...c.buckets]).toEqual([
      [0.1, 8],
      [1, 10],
      [Infinity, 10],
    ]);
  });

  it('turns two scrapes into a rate, an error ratio and latencies', () => {
    const before = scrape({ ok: 10, failed: 0, probes: 100, sum: 1, b01: 10, b1: 10 });
    const after = scrape({ ok: 28, failed: 2, probes: 105, sum: 3, b01: 18, b1: 28 });

    const delta = counterDelta(before, after)!;
    const point = metricsPoint(delta, delta.requests / 10, new Date('2026-01-01T00:00:10Z'));

    expect(point).toEqual({
      at: '2026-01-01T00:00:10.000Z',
      requests_per_s: 2,
      error_ratio: 0.1,
      latency_avg_ms: 111.11,
      latency_p95_ms: 919, // rank 17.1 of 18: 0.1 s + 0.9 s × (17.1 − 8) / (18 − 8)
    });
  });

  it('gives no delta when a counter went backwards (the instance restarted)', () => {
    const before = scrape({ ok: 10, failed: 0, probes: 100, sum: 1, b01: 10, b1: 10 });
    const after = scrape({ ok: 1, failed: 0, probes: 1, sum: 0.1, b01: 1, b1: 1 });

    expect(counterDelta(before, after)).toBeUndefined();
  });
});

describe('histogramQuantile', () => {
  it('interpolates within the bucket that holds the rank, like Prometheus', () => {
    const buckets = new Map([
      [0.1, 50],
      [0.5, 90],
      [1, 100],
      [Infinity, 100],
    ]);

    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.1);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.75);
  });

  it('answers the largest finite bound when the rank falls in +Inf, and null without observations', () => {
    expect(
      histogramQuantile(
        0.99,
        new Map([
          [0.1, 1],
          [Infinity, 10],
        ]),
      ),
    ).toBe(0.1);
    expect(histogramQuantile(0.5, new Map([[Infinity, 0]]))).toBeNull();
  });
});
