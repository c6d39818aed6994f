import type { ComponentState } from '@platform/contracts';
import type { Db } from '../db';

export interface SampleRow {
  service: string;
  at: Date;
  state: ComponentState;
  instancesUp: number;
  instancesTotal: number;
  latencyMs: number | null;
}

export interface BucketRow {
  service: string;
  bucket: Date;
  samples: number;
  partial: number;
  major: number;
  degraded: number;
  latencyMs: number | null;
}

/** Poll samples and state changes: written every poll, read for uptime and history, pruned after the retention. */
export class HistoryRepository {
  constructor(private readonly db: Db) {}

  async addSamples(rows: SampleRow[]): Promise<void> {
    if (rows.length > 0) await this.db.statusSample.createMany({ data: rows });
  }

  /** Samples per service and state since `since`. */
  async stateCounts(since: Date): Promise<Array<{ service: string; state: ComponentState; count: number }>> {
    const rows = await this.db.statusSample.groupBy({
      by: ['service', 'state'],
      where: { at: { gte: since } },
      _count: { _all: true },
    });
    return rows.map((r) => ({ service: r.service, state: r.state, count: r._count._all }));
  }

  /** Samples grouped into buckets of `bucketMs` from `since`, per service (optionally one). */
  async buckets(o: { since: Date; until: Date; bucketMs: number; service: string | undefined }): Promise<BucketRow[]> {
    const width = `${o.bucketMs} milliseconds`;
    const rows = await this.db.$queryRaw<Array<BucketRow>>`
      SELECT service,
             date_bin(${width}::interval, at, ${o.since}::timestamptz) AS bucket,
             count(*)::int AS samples,
             count(*) FILTER (WHERE state = 'partial_outage')::int AS partial,
             count(*) FILTER (WHERE state = 'major_outage')::int AS major,
             count(*) FILTER (WHERE state = 'degraded_performance')::int AS degraded,
             avg(latency_ms)::float8 AS "latencyMs"
        FROM status_samples
       WHERE at >= ${o.since} AND at < ${o.until}
         AND (${o.service ?? null}::text IS NULL OR service = ${o.service ?? null}::text)
       GROUP BY service, bucket
       ORDER BY service, bucket`;
    return rows;
  }

  /** The newest `limit` state changes since `since`, oldest first. */
  async changes(since: Date, service: string | undefined, limit = 1000) {
    const rows = await this.db.statusChange.findMany({
      where: { at: { gte: since }, ...(service ? { service } : {}) },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: limit,
    });
    return rows.reverse();
  }

  /** Deletes samples, changes and resolved incidents older than `cutoff`; returns how many rows went. */
  async prune(cutoff: Date): Promise<number> {
    const [samples, changes, incidents] = await this.db.$transaction([
      this.db.statusSample.deleteMany({ where: { at: { lt: cutoff } } }),
      this.db.statusChange.deleteMany({ where: { at: { lt: cutoff } } }),
      this.db.incident.deleteMany({ where: { resolvedAt: { lt: cutoff } } }),
    ]);
    return samples.count + changes.count + incidents.count;
  }
}
