import type { Component, ComponentState, QueueDepth, ServiceMetrics, StatusStreamEvent } from '@platform/contracts';
import type { LiveComponent } from '../domain/evaluate';

export type { LiveComponent };

/** Uptime and time to recover of one component, recomputed from the history now and then. */
export interface UptimeFigures {
  uptime24h: number | null;
  uptime7d: number | null;
  mttrMs: number | null;
}

/** A stream event in the form a given audience may see (admins get instance details and metrics). */
export type Outgoing = (admin: boolean) => StatusStreamEvent | undefined;
export type Listener = (event: Outgoing) => void;

const NO_UPTIME: UptimeFigures = { uptime24h: null, uptime7d: null, mttrMs: null };

/** The current picture (components, platform, queues, channels, metrics) and the fan-out of its changes. */
export class LiveStatus {
  components = new Map<string, LiveComponent>();
  platform: ComponentState = 'major_outage';
  queues: QueueDepth[] = [];
  channelsCount: number | null = null;
  uptime = new Map<string, UptimeFigures>();
  private readonly listeners = new Set<Listener>();

  constructor(private readonly metrics: () => ServiceMetrics[]) {}

  /** Components by name, as one audience sees them. */
  view(admin: boolean): Component[] {
    return [...this.components.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((c) => this.componentView(c, admin));
  }

  componentView(c: LiveComponent, admin: boolean): Component {
    const u = this.uptime.get(c.name) ?? NO_UPTIME;
    const serving = c.instances.filter((i) => i.health !== 'down').length;
    return {
      name: c.name,
      state: c.state,
      required: c.required,
      instances: { total: c.instances.length, up: serving },
      uptime_24h: u.uptime24h,
      uptime_7d: u.uptime7d,
      consecutive_failures: c.consecutiveFailures,
      mean_time_to_recover_ms: u.mttrMs,
      last_change_at: c.lastChangeAt.toISOString(),
      last_checked_at: c.lastCheckedAt.toISOString(),
      ...(admin ? { instance_details: c.instances } : {}),
    };
  }

  snapshot(admin: boolean): StatusStreamEvent {
    return {
      type: 'snapshot',
      status: this.platform,
      components: this.view(admin),
      queues: this.queues,
      channels_count: this.channelsCount,
      ...(admin ? { metrics: this.metrics() } : {}),
      at: new Date().toISOString(),
    };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Sends an event to every subscriber; each audience's form is built once. */
  publish(build: Outgoing): void {
    const memo = new Map<boolean, StatusStreamEvent | undefined>();
    const once: Outgoing = (admin) => {
      if (!memo.has(admin)) memo.set(admin, build(admin));
      return memo.get(admin);
    };
    for (const l of this.listeners) l(once);
  }
}
