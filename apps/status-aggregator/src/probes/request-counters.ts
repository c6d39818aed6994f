import type { MetricsPoint } from '@platform/contracts';
import type { PromSample } from './prom-text';

/** Routes the platform's own probes hit every poll: counting them would show the aggregator's traffic. */
const PROBE_ROUTES = new Set(['/health', '/ready', '/metrics']);

/** The request counters of one instance (or a sum of deltas), from its http_* metrics. */
export interface RequestCounters {
  requests: number;
  errors: number;
  durationSum: number;
  durationCount: number;
  /** Histogram `le` upper bound (seconds) → cumulative count. */
  buckets: Map<number, number>;
}

export const METRIC_NAMES = new Set([
  'http_requests_total',
  'http_request_duration_seconds_bucket',
  'http_request_duration_seconds_sum',
  'http_request_duration_seconds_count',
]);

const empty = (): RequestCounters => ({ requests: 0, errors: 0, durationSum: 0, durationCount: 0, buckets: new Map() });

/** Sums the counters over every label set except probe routes. */
export function countersFrom(samples: PromSample[]): RequestCounters {
  const c = empty();
  for (const s of samples) {
    if (PROBE_ROUTES.has(s.labels.route ?? '')) continue;
    switch (s.name) {
      case 'http_requests_total':
        c.requests += s.value;
        if ((s.labels.status ?? '').startsWith('5')) c.errors += s.value;
        break;
      case 'http_request_duration_seconds_sum':
        c.durationSum += s.value;
        break;
      case 'http_request_duration_seconds_count':
        c.durationCount += s.value;
        break;
      case 'http_request_duration_seconds_bucket': {
        const le = s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le);
        if (!Number.isNaN(le)) c.buckets.set(le, (c.buckets.get(le) ?? 0) + s.value);
        break;
      }
    }
  }
  return c;
}

/** `next - prev`, or undefined when a counter went backwards (the instance restarted: no rate this time). */
export function counterDelta(prev: RequestCounters, next: RequestCounters): RequestCounters | undefined {
  const d = empty();
  d.requests = next.requests - prev.requests;
  d.errors = next.errors - prev.errors;
  d.durationSum = next.durationSum - prev.durationSum;
  d.durationCount = next.durationCount - prev.durationCount;
  if (d.requests < 0 || d.errors < 0 || d.durationCount < 0 || d.durationSum < -1e-9) return undefined;
  for (const [le, n] of next.buckets) {
    const delta = n - (prev.buckets.get(le) ?? 0);
    if (delta < 0) return undefined;
    d.buckets.set(le, delta);
  }
  return d;
}

export function addCounters(a: RequestCounters, b: RequestCounters): RequestCounters {
  const buckets = new Map(a.buckets);
  for (const [le, n] of b.buckets) buckets.set(le, (buckets.get(le) ?? 0) + n);
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    durationSum: a.durationSum + b.durationSum,
    durationCount: a.durationCount + b.durationCount,
    buckets,
  };
}

/** Prometheus' histogram_quantile over cumulative buckets: linear within the bucket holding the rank. */
export function histogramQuantile(q: number, buckets: Map<number, number>): number | null {
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted[sorted.length - 1]?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lowerBound;
      if (count === lowerCount) return le;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = le;
    lowerCount = count;
  }
  return lowerBound;
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

/** One chart point from the deltas summed over a service's instances and their summed request rate. */
export function metricsPoint(d: RequestCounters, requestsPerS: number, at: Date): MetricsPoint {
  const p95 = histogramQuantile(0.95, d.buckets);
  return {
    at: at.toISOString(),
    requests_per_s: round(Math.max(0, requestsPerS), 3),
    error_ratio: d.requests > 0 ? round(d.errors / d.requests, 4) : null,
    latency_avg_ms: d.durationCount > 0 ? round((d.durationSum / d.durationCount) * 1000) : null,
    latency_p95_ms: p95 === null ? null : round(p95 * 1000),
  };
}
