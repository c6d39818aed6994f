import type { InstanceStatus } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import { incidentStep } from '../domain/incidents';
import { uptimeFigures } from '../domain/uptime';
import type { ComponentRow, ComponentsRepository } from '../repositories/components.repository';
import type { HistoryRepository } from '../repositories/history.repository';
import type { IncidentWithUpdates, IncidentsRepository } from '../repositories/incidents.repository';
import type { LiveComponent, UptimeFigures } from './live-status';

const DAY_MS = 86_400_000;

export interface RecorderOptions {
  components: ComponentsRepository;
  history: HistoryRepository;
  incidents: IncidentsRepository;
  logger: Logger;
  retentionDays: number;
  sweepEveryMs: number;
  uptimeEveryMs: number;
}

/** Why a component is in its state, in a few words (for incident timelines, which only admins see). */
export function describeInstances(instances: InstanceStatus[]): string {
  if (instances.length === 0) return 'no instance registered';
  const notServing = instances.filter((i) => i.health === 'down');
  const impaired = instances.filter((i) => i.health === 'impaired');
  const why = (list: InstanceStatus[]) => list.map((i) => `${i.instance_id}: ${i.error ?? i.health}`).join('; ');
  if (notServing.length > 0)
    return `${notServing.length} of ${instances.length} instance(s) not serving (${why(notServing)})`;
  if (impaired.length > 0)
    return `${impaired.length} of ${instances.length} instance(s) with failing checks (${why(impaired)})`;
  const slowest = Math.max(...instances.map((i) => i.latency_ms));
  return `${instances.length} instance(s) serving, slowest readiness answer ${slowest} ms`;
}

/**
 * Writes what each poll saw to Postgres (samples, state changes, incidents) and reads back uptime.
 * A database outage never stops the live status: failures are logged once and the next poll retries.
 */
export class StatusRecorder {
  private failing = false;
  /** Components whose last state change is not stored yet (a failed write is retried next poll). */
  private readonly unsynced = new Set<string>();
  private lastSweep = 0;
  private lastUptime = 0;

  constructor(private readonly o: RecorderOptions) {}

  load(): Promise<ComponentRow[]> {
    return this.o.components.all();
  }

  /** Records one poll; returns the incidents its state changes opened, updated or resolved. */
  async record(at: Date, comps: LiveComponent[], changed: LiveComponent[]): Promise<IncidentWithUpdates[]> {
    for (const c of changed) this.unsynced.add(c.name);
    return this.guard('record the poll', [], async () => {
      await this.o.history.addSamples(
        comps.map((c) => {
          const answered = c.instances.filter((i) => i.health !== 'down');
          const latency =
            answered.length > 0 ? Math.round(answered.reduce((s, i) => s + i.latency_ms, 0) / answered.length) : null;
          return {
            service: c.name,
            at,
            state: c.state,
            instancesUp: answered.length,
            instancesTotal: c.instances.length,
            latencyMs: latency,
          };
        }),
      );
      const incidents: IncidentWithUpdates[] = [];
      for (const c of comps.filter((x) => this.unsynced.has(x.name))) {
        const detail = describeInstances(c.instances);
        const result = await this.o.components.transition({
          service: c.name,
          to: c.state,
          at,
          decide: (openImpact, from) =>
            incidentStep({ service: c.name, previous: from, next: c.state, openImpact, detail }),
        });
        if (result.applied && result.incident) incidents.push(result.incident);
        this.unsynced.delete(c.name);
      }
      await this.o.components.touch(
        comps.map((c) => ({
          service: c.name,
          consecutiveFailures: c.consecutiveFailures,
          lastCheckedAt: at,
          lastSeenAt: c.lastSeenAt,
        })),
      );
      return incidents;
    });
  }

  forget(service: string, at: Date): Promise<IncidentWithUpdates | undefined> {
    return this.guard('forget a component', undefined, () =>
      this.o.components.forget(service, at, `${service} is no longer registered; it is not monitored any more`),
    );
  }

  /** Uptime figures when the last ones are older than the refresh interval (or `force`), else undefined. */
  async uptime(now: Date, force = false): Promise<Map<string, UptimeFigures> | undefined> {
    if (!force && now.getTime() - this.lastUptime < this.o.uptimeEveryMs) return undefined;
    return this.guard('compute uptime', undefined, async () => {
      const weekAgo = new Date(now.getTime() - 7 * DAY_MS);
      const [counts24h, counts7d, resolved] = await Promise.all([
        this.o.history.stateCounts(new Date(now.getTime() - DAY_MS)),
        this.o.history.stateCounts(weekAgo),
        this.o.incidents.resolvedSince(weekAgo),
      ]);
      this.lastUptime = now.getTime();
      return uptimeFigures({ counts24h, counts7d, resolved });
    });
  }

  /** Deletes history past the retention, at most once per sweep interval. */
  async sweep(now: Date): Promise<void> {
    if (now.getTime() - this.lastSweep < this.o.sweepEveryMs) return;
    this.lastSweep = now.getTime();
    await this.guard('prune old history', undefined, async () => {
      const deleted = await this.o.history.prune(new Date(now.getTime() - this.o.retentionDays * DAY_MS));
      if (deleted > 0)
        this.o.logger.info('pruned status history', { rows: deleted, retention_days: this.o.retentionDays });
    });
  }

  private async guard<T>(what: string, fallback: T, fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      if (this.failing) this.o.logger.info('status history writable again');
      this.failing = false;
      return out;
    } catch (err) {
      if (!this.failing) this.o.logger.warn(`cannot ${what}; live status goes on without history`, errorFields(err));
      this.failing = true;
      return fallback;
    }
  }
}
