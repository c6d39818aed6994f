import type {
  ComponentsResponse,
  IncidentListQuery,
  IncidentListResponse,
  ProductionStatus,
  StatusHistoryQuery,
  StatusHistoryResponse,
  StatusMetricsResponse,
} from '@platform/contracts';
import { ValidationError } from '@platform/service-kit';
import { platformDescription } from '../domain/component-state';
import { bucketState, uptimeRatio } from '../domain/uptime';
import type { HistoryRepository } from '../repositories/history.repository';
import { toIncidentDto, type IncidentsRepository } from '../repositories/incidents.repository';
import type { LiveStatus } from './live-status';
import type { RequestSeries } from './request-series';

const DAY_MS = 86_400_000;
/** History goes back at most this far (the longest uptime window). */
export const HISTORY_MAX_MS = 7 * DAY_MS;
/** Points per series at most: the bucket width grows with the time span. */
export const HISTORY_MAX_POINTS = 120;

/** The read side of the API: live state from memory, history and incidents from Postgres. */
export class StatusQueries {
  constructor(
    private readonly d: {
      live: LiveStatus;
      series: RequestSeries;
      history: HistoryRepository;
      incidents: IncidentsRepository;
    },
  ) {}

  productionStatus(): ProductionStatus {
    const { live } = this.d;
    const states = new Map([...live.components.values()].map((c) => [c.name, c.state]));
    return {
      status: live.platform,
      description: platformDescription(live.platform, states),
      services: Object.fromEntries([...states].sort(([a], [b]) => a.localeCompare(b))),
      channels_count: live.channelsCount,
      queues: live.queues,
      timestamp: new Date().toISOString(),
    };
  }

  components(admin: boolean): ComponentsResponse {
    return { status: this.d.live.platform, components: this.d.live.view(admin), timestamp: new Date().toISOString() };
  }

  metrics(): StatusMetricsResponse {
    return { services: this.d.series.snapshot(), timestamp: new Date().toISOString() };
  }

  async incidents(q: IncidentListQuery, admin: boolean): Promise<IncidentListResponse> {
    const { rows, nextCursor } = await this.d.incidents.list(q);
    return { items: rows.map((r) => toIncidentDto(r, admin)), next_cursor: nextCursor };
  }

  async history(q: StatusHistoryQuery, now = new Date()): Promise<StatusHistoryResponse> {
    const since = q.since ? new Date(q.since) : new Date(now.getTime() - DAY_MS);
    if (since.getTime() < now.getTime() - HISTORY_MAX_MS || since.getTime() >= now.getTime()) {
      throw new ValidationError([{ path: 'query.since', message: 'must be within the last 7 days', code: 'custom' }]);
    }
    const bucketMs = Math.max(1000, Math.ceil((now.getTime() - since.getTime()) / HISTORY_MAX_POINTS / 1000) * 1000);
    const [buckets, changes] = await Promise.all([
      this.d.history.buckets({ since, until: now, bucketMs, service: q.service }),
      this.d.history.changes(since, q.service),
    ]);
    const names = q.service
      ? [q.service]
      : [...new Set([...this.d.live.components.keys(), ...buckets.map((b) => b.service)])].sort();
    return {
      since: since.toISOString(),
      until: now.toISOString(),
      bucket_ms: bucketMs,
      series: names.map((service) => ({
        service,
        points: buckets
          .filter((b) => b.service === service)
          .map((b) => ({
            at: b.bucket.toISOString(),
            state: bucketState({ total: b.samples, partial: b.partial, major: b.major, degraded: b.degraded }),
            uptime: uptimeRatio({ total: b.samples, partial: b.partial, major: b.major }) ?? 1,
            samples: b.samples,
            latency_ms: b.latencyMs === null ? null : Math.round(b.latencyMs),
          })),
        changes: changes
          .filter((c) => c.service === service)
          .map((c) => ({ at: c.at.toISOString(), from: c.fromState, to: c.toState })),
      })),
    };
  }
}
