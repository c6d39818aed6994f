import type { BreakerRegistry, ServiceClient } from '@platform/service-client';
import type { Logger } from '@platform/service-kit';
import type { StatusAggregatorConfig } from './config';
import type { Db } from './db';
import { ChannelsCount } from './probes/channels-count';
import { HttpProbes } from './probes/http-probes';
import { QueueDepths } from './probes/queue-depths';
import { RegistryListing } from './probes/registry-listing';
import { ComponentsRepository } from './repositories/components.repository';
import { HistoryRepository } from './repositories/history.repository';
import { IncidentsRepository } from './repositories/incidents.repository';
import { LiveStatus } from './services/live-status';
import { Poller } from './services/poller';
import { RequestSeries } from './services/request-series';
import { StatusQueries } from './services/status-queries';
import { StatusRecorder } from './services/status-recorder';

export interface MonitorDeps {
  config: StatusAggregatorConfig;
  logger: Logger;
  db: Db;
  /** Breakers for the probes (one per instance URL). */
  breakers: BreakerRegistry;
  /** The registry's API (with the registry credential). */
  registry: ServiceClient;
  /** Channels' internal API with this service's token; undefined without a service identity. */
  channels: ServiceClient | undefined;
}

/** Everything behind the status API: the poller and what it feeds, and the read side. */
export interface Monitor {
  live: LiveStatus;
  series: RequestSeries;
  poller: Poller;
  queries: StatusQueries;
  queues: QueueDepths;
}

/** Wires the poller, its probes and the history; shared by main.ts and the tests. */
export function createMonitor(d: MonitorDeps): Monitor {
  const c = d.config;
  const series = new RequestSeries(c.METRICS_POINTS);
  const live = new LiveStatus(() => series.snapshot());
  const history = new HistoryRepository(d.db);
  const incidents = new IncidentsRepository(d.db);
  const queues = new QueueDepths({ redisUrl: c.REDIS_URL, prefix: c.QUEUE_PREFIX, names: c.QUEUES });
  const recorder = new StatusRecorder({
    components: new ComponentsRepository(d.db),
    history,
    incidents,
    logger: d.logger,
    retentionDays: c.HISTORY_RETENTION_DAYS,
    sweepEveryMs: c.RETENTION_SWEEP_MS,
    uptimeEveryMs: c.UPTIME_REFRESH_MS,
  });
  const poller = new Poller({
    logger: d.logger,
    listing: new RegistryListing(d.registry, d.logger, c.PROBE_TIMEOUT_MS),
    probes: new HttpProbes(d.breakers, c.PROBE_TIMEOUT_MS),
    queues,
    channels: new ChannelsCount(d.channels, d.logger, {
      ttlMs: c.CHANNELS_COUNT_TTL_MS,
      timeoutMs: c.PROBE_TIMEOUT_MS,
    }),
    series,
    live,
    recorder,
    required: c.REQUIRED_SERVICES,
    registryUrl: c.REGISTRY_URL,
    intervalMs: c.POLL_INTERVAL_MS,
    startupGraceMs: c.STARTUP_GRACE_MS,
    selfName: 'status-aggregator',
    slowMs: c.SLOW_PROBE_MS,
    timeoutMs: c.PROBE_TIMEOUT_MS,
    forgetAfterMs: c.FORGET_AFTER_MS,
  });
  return { live, series, poller, queries: new StatusQueries({ live, series, history, incidents }), queues };
}
