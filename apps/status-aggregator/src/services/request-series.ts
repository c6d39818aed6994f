import type { MetricsPoint, ServiceMetrics } from '@platform/contracts';
import { addCounters, counterDelta, metricsPoint, type RequestCounters } from '../probes/request-counters';

/** One instance's counters as scraped at one poll. */
export interface Scrape {
  service: string;
  /** Stable per process: a restarted instance comes back with a new id, so no negative rate is computed. */
  instanceId: string;
  counters: RequestCounters;
}

/**
 * A short in-memory time series per service (request rate, error ratio, latency), one point per poll,
 * from the difference between an instance's counters and its previous scrape.
 */
export class RequestSeries {
  private readonly previous = new Map<string, { at: number; counters: RequestCounters }>();
  private readonly series = new Map<string, MetricsPoint[]>();

  constructor(private readonly maxPoints: number) {}

  record(scrapes: Scrape[], at: Date): void {
    const now = at.getTime();
    const byService = new Map<string, { sum: RequestCounters | undefined; rate: number }>();
    const seen = new Set<string>();
    for (const s of scrapes) {
      const key = `${s.service}/${s.instanceId}`;
      seen.add(key);
      const prev = this.previous.get(key);
      this.previous.set(key, { at: now, counters: s.counters });
      const delta = prev && now > prev.at ? counterDelta(prev.counters, s.counters) : undefined;
      if (!prev || !delta) continue;
      const acc = byService.get(s.service) ?? { sum: undefined, rate: 0 };
      acc.sum = acc.sum ? addCounters(acc.sum, delta) : delta;
      acc.rate += delta.requests / ((now - prev.at) / 1000);
      byService.set(s.service, acc);
    }
    for (const key of this.previous.keys()) if (!seen.has(key)) this.previous.delete(key);
    for (const [service, acc] of byService) {
      if (!acc.sum) continue;
      const points = this.series.get(service) ?? [];
      points.push(metricsPoint(acc.sum, acc.rate, at));
      if (points.length > this.maxPoints) points.splice(0, points.length - this.maxPoints);
      this.series.set(service, points);
    }
  }

  /** Every service's points, oldest first, services by name. */
  snapshot(): ServiceMetrics[] {
    return [...this.series]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, points]) => ({ service, points: [...points] }));
  }

  /** The newest point of each service (what a live update carries). */
  latest(): ServiceMetrics[] {
    return this.snapshot().map((s) => ({ service: s.service, points: s.points.slice(-1) }));
  }
}
