import type { InstanceStatus } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import { platformState } from '../domain/component-state';
import { evaluateComponents, type LiveComponent } from '../domain/evaluate';
import type { HttpProbes } from '../probes/http-probes';
import { probeAll, type ProbeTarget } from '../probes/probe-round';
import type { RegistryListing } from '../probes/registry-listing';
import type { QueueDepths } from '../probes/queue-depths';
import type { ChannelsCount } from '../probes/channels-count';
import type { RequestSeries } from './request-series';
import type { LiveStatus } from './live-status';
import type { StatusRecorder } from './status-recorder';
import { StatusEvents } from './status-events';

export interface PollerOptions {
  logger: Logger;
  listing: RegistryListing;
  probes: HttpProbes;
  queues: QueueDepths;
  channels: ChannelsCount;
  series: RequestSeries;
  live: LiveStatus;
  recorder: StatusRecorder;
  required: string[];
  registryUrl: string;
  intervalMs: number;
  /** This aggregator's own service name: it registers only once it serves, which is after its first poll. */
  selfName?: string;
  /** Before the first poll, wait at most this long for every required service to be registered. */
  startupGraceMs?: number;
  slowMs: number;
  timeoutMs: number;
  forgetAfterMs: number;
}

/**
 * The poll loop: every interval it reads the registry, probes every instance's `/ready` (the
 * registry itself at REGISTRY_URL), works out each component's state, records the poll, scrapes
 * request metrics and queue depths, and publishes what changed. Polls never overlap.
 */
export class Poller {
  private readonly events: StatusEvents;
  private readonly required: Set<string>;
  private loaded = false;
  private selfListed = false;
  private running: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(private readonly o: PollerOptions) {
    this.events = new StatusEvents(o.live);
    this.required = new Set(o.required);
  }

  /** Starts polling; resolves once the first poll is done, so nothing is served before there is a status. */
  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.stopped = false;
    return new Promise<void>((firstDone) => {
      this.running = this.loop(firstDone).finally(() => (this.running = undefined));
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async loop(firstDone: () => void): Promise<void> {
    await this.settle();
    while (!this.stopped) {
      const started = Date.now();
      try {
        await this.tick();
      } catch (err) {
        this.o.logger.error('status poll failed', errorFields(err));
      }
      firstDone();
      await this.pause(Math.max(0, this.o.intervalMs - (Date.now() - started)));
    }
    // Stopped before the first poll (a shutdown during the startup grace): whoever waits on start goes on.
    firstDone();
  }

  /** Sleeps `ms`, or until `stop`. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Waits, at most `startupGraceMs`, until the registry lists an instance of every required service, so the
   * first poll of a platform that is starting up (all services at once, some slower than this one) does not
   * record outages and open incidents for services that register a moment later. A service really down at
   * start is reported once the grace is over.
   */
  private async settle(): Promise<void> {
    const deadline = Date.now() + (this.o.startupGraceMs ?? 0);
    // The registry itself is probed at REGISTRY_URL, not listed.
    const expected = [...this.required].filter((name) => name !== 'registry');
    while (!this.stopped && Date.now() < deadline) {
      const { services, fresh } = await this.o.listing.read();
      if (fresh && expected.every((name) => (services.get(name)?.length ?? 0) > 0)) return;
      await this.pause(Math.min(250, Math.max(0, deadline - Date.now())));
    }
  }

  /** One poll (also called directly by tests). */
  async tick(at = new Date()): Promise<void> {
    await this.loadOnce();
    const listing = await this.o.listing.read();
    const targets = new Map<string, ProbeTarget[]>(listing.services);
    targets.set('registry', [
      { instance_id: 'registry', url: this.o.registryUrl, version: 'n/a', ready_path: '/ready' },
    ]);
    const probed = await probeAll(this.o.probes, targets);
    const verdict = evaluateComponents({
      previous: this.untilSelfListed(this.o.live.components, probed),
      probed,
      required: this.required,
      at,
      slowMs: this.o.slowMs,
      forgetAfterMs: this.o.forgetAfterMs,
    });
    this.o.live.components = verdict.components;
    for (const name of verdict.forgotten) await this.forget(name, at);
    const { changed } = verdict;
    const comps = [...verdict.components.values()];
    const incidents = await this.o.recorder.record(
      at,
      comps,
      changed.map((c) => c.comp),
    );
    const previousPlatform = this.o.live.platform;
    this.o.live.platform = platformState(new Map(comps.map((c) => [c.name, c.state])), [...this.required]);
    for (const c of changed) this.events.component(c.comp, c.previous);
    if (previousPlatform !== this.o.live.platform) this.events.platform(this.o.live.platform, previousPlatform);
    for (const i of incidents) this.events.incident(i);
    await Promise.all([
      this.scrape(probed, at),
      this.readQueues(),
      this.readChannels(),
      this.refreshUptime(at, changed.length > 0),
    ]);
    await this.o.recorder.sweep(at);
  }

  /**
   * This service registers once it serves, after its first poll: until the registry lists it, its own
   * component (remembered from an earlier run) is left out rather than judged down by the very process
   * that is running, so a start does not open an incident about the aggregator itself.
   */
  private untilSelfListed(
    components: ReadonlyMap<string, LiveComponent>,
    probed: ReadonlyMap<string, InstanceStatus[]>,
  ): ReadonlyMap<string, LiveComponent> {
    const self = this.o.selfName;
    if (!self || this.selfListed || this.required.has(self)) return components;
    if ((probed.get(self)?.length ?? 0) > 0) {
      this.selfListed = true;
      return components;
    }
    const without = new Map(components);
    without.delete(self);
    return without;
  }

  /** Seeds the picture from the database once (a restart resumes each component); what a poll already saw wins. */
  private async loadOnce(): Promise<void> {
    if (this.loaded) return;
    try {
      for (const row of await this.o.recorder.load()) {
        if (this.o.live.components.has(row.service)) continue;
        this.o.live.components.set(row.service, {
          name: row.service,
          state: row.state,
          required: this.required.has(row.service),
          instances: [],
          consecutiveFailures: row.consecutiveFailures,
          lastChangeAt: row.changedAt,
          lastCheckedAt: row.lastCheckedAt,
          lastSeenAt: row.lastSeenAt,
        });
      }
      this.loaded = true;
    } catch (err) {
      this.o.logger.warn('cannot load known components; will retry next poll', errorFields(err));
    }
  }

  private async forget(name: string, at: Date): Promise<void> {
    const incident = await this.o.recorder.forget(name, at);
    if (incident) this.events.incident(incident);
    this.events.removed(name);
  }

  private async scrape(probed: Map<string, InstanceStatus[]>, at: Date): Promise<void> {
    const serving = [...probed].flatMap(([service, list]) =>
      list.filter((i) => i.health !== 'down').map((i) => ({ service, i })),
    );
    const scrapes = await Promise.all(
      serving.map(async ({ service, i }) => {
        const counters = await this.o.probes.requestCounters(i.url);
        return counters ? [{ service, instanceId: i.instance_id, counters }] : [];
      }),
    );
    this.o.series.record(scrapes.flat(), at);
    this.events.metrics(this.o.series.latest());
  }

  private async readQueues(): Promise<void> {
    try {
      this.events.queues(await this.o.queues.read(this.o.timeoutMs));
    } catch (err) {
      this.o.logger.debug('queue depths unavailable', errorFields(err));
    }
  }

  private async readChannels(): Promise<void> {
    await this.o.channels.refresh();
    this.o.live.channelsCount = this.o.channels.current;
  }

  /** Recomputed every UPTIME_REFRESH_MS, and at once after a state change (so a new outage shows in the uptime). */
  private async refreshUptime(at: Date, changed: boolean): Promise<void> {
    const figures = await this.o.recorder.uptime(at, changed || this.o.live.uptime.size === 0);
    if (figures) this.events.uptime(figures);
  }
}
