import type { ComponentState } from '@platform/contracts';

/** Statuspage's weighting: a partial outage counts as 30 % downtime, a major outage as all of it. */
export const PARTIAL_OUTAGE_WEIGHT = 0.3;

export interface StateCounts {
  total: number;
  partial: number;
  major: number;
}

/** Adds one sample's state to running counts (degraded performance counts as up). */
export function countState(c: StateCounts, state: ComponentState, n = 1): StateCounts {
  return {
    total: c.total + n,
    partial: c.partial + (state === 'partial_outage' ? n : 0),
    major: c.major + (state === 'major_outage' ? n : 0),
  };
}

export const NO_SAMPLES: StateCounts = { total: 0, partial: 0, major: 0 };

/** Uptime as a fraction of the polls in a window, outages weighted as above; null without samples. */
export function uptimeRatio(c: StateCounts): number | null {
  if (c.total <= 0) return null;
  const down = c.major + PARTIAL_OUTAGE_WEIGHT * c.partial;
  return Math.min(1, Math.max(0, 1 - down / c.total));
}

/** Mean time to recover: the average start-to-resolution time of resolved incidents; null for none. */
export function meanTimeToRecover(incidents: Array<{ startedAt: Date; resolvedAt: Date }>): number | null {
  if (incidents.length === 0) return null;
  const total = incidents.reduce((sum, i) => sum + Math.max(0, i.resolvedAt.getTime() - i.startedAt.getTime()), 0);
  return Math.round(total / incidents.length);
}

/** The worst state of a bucket of samples, from its counts by state. */
export function bucketState(c: StateCounts & { degraded: number }): ComponentState {
  if (c.major > 0) return 'major_outage';
  if (c.partial > 0) return 'partial_outage';
  if (c.degraded > 0) return 'degraded_performance';
  return 'operational';
}

/** Uptime over 24 h and 7 d and time to recover per service, from sample counts and resolved incidents. */
export function uptimeFigures(o: {
  counts24h: Array<{ service: string; state: ComponentState; count: number }>;
  counts7d: Array<{ service: string; state: ComponentState; count: number }>;
  resolved: Array<{ service: string; startedAt: Date; resolvedAt: Date | null }>;
}): Map<string, { uptime24h: number | null; uptime7d: number | null; mttrMs: number | null }> {
  const tally = (rows: typeof o.counts24h) => {
    const m = new Map<string, StateCounts>();
    for (const r of rows) m.set(r.service, countState(m.get(r.service) ?? NO_SAMPLES, r.state, r.count));
    return m;
  };
  const day = tally(o.counts24h);
  const week = tally(o.counts7d);
  const services = new Set([...day.keys(), ...week.keys(), ...o.resolved.map((r) => r.service)]);
  const out = new Map<string, { uptime24h: number | null; uptime7d: number | null; mttrMs: number | null }>();
  for (const s of services) {
    const recovered = o.resolved.flatMap((r) =>
      r.service === s && r.resolvedAt ? [{ startedAt: r.startedAt, resolvedAt: r.resolvedAt }] : [],
    );
    out.set(s, {
      uptime24h: uptimeRatio(day.get(s) ?? NO_SAMPLES),
      uptime7d: uptimeRatio(week.get(s) ?? NO_SAMPLES),
      mttrMs: meanTimeToRecover(recovered),
    });
  }
  return out;
}
