import type { ComponentState, QueueDepth, ServiceMetrics } from '@platform/contracts';
import { toIncidentDto, type IncidentWithUpdates } from '../repositories/incidents.repository';
import type { LiveComponent, LiveStatus, UptimeFigures } from './live-status';

const now = () => new Date().toISOString();
const sameFigures = (a: UptimeFigures | undefined, b: UptimeFigures) =>
  a?.uptime24h === b.uptime24h && a.uptime7d === b.uptime7d && a.mttrMs === b.mttrMs;

/** Turns what a poll found into stream events, each in the form its audience may see. */
export class StatusEvents {
  private lastQueues = '';

  constructor(private readonly live: LiveStatus) {}

  component(c: LiveComponent, previous: ComponentState | null): void {
    const at = now();
    this.live.publish((admin) => ({ type: 'component', component: this.live.componentView(c, admin), previous, at }));
  }

  platform(status: ComponentState, previous: ComponentState): void {
    const at = now();
    this.live.publish(() => ({ type: 'platform', status, previous, at }));
  }

  incident(i: IncidentWithUpdates): void {
    const at = now();
    this.live.publish((admin) => ({ type: 'incident', incident: toIncidentDto(i, admin), at }));
  }

  /** Stores the depths; publishes them only when they changed. */
  queues(queues: QueueDepth[]): void {
    this.live.queues = queues;
    const key = JSON.stringify(queues);
    if (key === this.lastQueues) return;
    this.lastQueues = key;
    const at = now();
    this.live.publish(() => ({ type: 'queues', queues, at }));
  }

  /** The newest request metrics, to admins only. */
  metrics(services: ServiceMetrics[]): void {
    if (services.length === 0) return;
    const at = now();
    this.live.publish((admin) => (admin ? { type: 'metrics', services, at } : undefined));
  }

  /** Stores new uptime figures and re-sends the components whose figures moved. */
  uptime(figures: Map<string, UptimeFigures>): void {
    const before = this.live.uptime;
    this.live.uptime = figures;
    for (const c of this.live.components.values()) {
      const f = figures.get(c.name);
      if (f && !sameFigures(before.get(c.name), f)) this.component(c, c.state);
    }
  }

  /** A component left the picture: everyone gets a fresh snapshot. */
  removed(_name: string): void {
    this.live.publish((admin) => this.live.snapshot(admin));
  }
}
