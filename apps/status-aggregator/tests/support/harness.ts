import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { BreakerRegistry, RegistryResolver, ServiceClient, StaticResolver } from '@platform/service-client';
import { Lifecycle, createLogger, createMetrics, serve, type RunningService } from '@platform/service-kit';
import {
  cleanupRedisPrefix,
  createTestDatabase,
  redisPrefix,
  startServiceProcess,
  testRedisUrl,
  type ServiceProcess,
  type TestDatabase,
} from '@platform/testing';
import { createApp } from '../../src/app';
import { loadStatusAggregatorConfig, type StatusAggregatorConfig } from '../../src/config';
import { createDb, type Db } from '../../src/db';
import { createMonitor, type Monitor } from '../../src/monitor';
import { loadDashboardAssets } from '../../src/services/dashboard-assets';
import { OpenStreams } from '../../src/services/open-streams';
import { FakeInstance } from './fake-instance';
import { TestSigner } from './tokens';

const logger = createLogger({ service: 'status-aggregator-test', level: 'error', pretty: false });

/** A running registry (a real process) shared by a test file, and the credential to use it. */
export interface TestRegistry {
  process: ServiceProcess;
  url: string;
  token: string;
  prefix: string;
  close(): Promise<void>;
}

/** Starts a registry process whose instances outlive the test (no heartbeats needed). */
export async function startRegistry(name: string): Promise<TestRegistry> {
  const token = `test-${randomBytes(16).toString('hex')}`;
  const prefix = redisPrefix(`${name}-registry`);
  const process = await startServiceProcess({
    app: 'registry',
    env: { REGISTRY_TOKEN: token, REDIS_PREFIX: prefix, INSTANCE_TTL_MS: '600000' },
  });
  return {
    process,
    url: process.url,
    token,
    prefix,
    close: async () => {
      await process.stop();
      await cleanupRedisPrefix(prefix);
    },
  };
}

export interface Aggregator {
  config: StatusAggregatorConfig;
  monitor: Monitor;
  db: Db;
  signer: TestSigner;
  /** The app served on a real port (streams need one); `url` is its base. */
  running: RunningService;
  url: string;
  /** One poll, as the loop would run it. */
  tick(): Promise<void>;
  /** Stops the app and the poller (the database stays). */
  close(): Promise<void>;
}

/**
 * The status-aggregator in-process over `databaseUrl`, against `registry`. Nothing polls by itself:
 * tests call `tick()` so each poll happens exactly when they say.
 */
export async function startAggregator(o: {
  registry: TestRegistry;
  databaseUrl: string;
  env?: Record<string, string>;
}): Promise<Aggregator> {
  const config = loadStatusAggregatorConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    REGISTRY_URL: o.registry.url,
    REGISTRY_TOKEN: o.registry.token,
    REGISTER_WITH_REGISTRY: 'false',
    DATABASE_URL: o.databaseUrl,
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: `test-bull-${randomBytes(4).toString('hex')}`,
    // Wide margins: a healthy probe on a loaded 2-core CI machine has taken over 200 ms (judged slow, a flake).
    PROBE_TIMEOUT_MS: '3000',
    SLOW_PROBE_MS: '750',
    ...o.env,
  });
  const db = createDb(config.DATABASE_URL);
  const signer = new TestSigner();
  const metrics = createMetrics('status-aggregator', { collectDefaults: false });
  const breakers = new BreakerRegistry(logger, metrics.registry, {
    errorThresholdPercentage: 50,
    volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
    resetTimeoutMs: config.BREAKER_RESET_MS,
    rollingCountTimeoutMs: 10_000,
  });
  const registry = new ServiceClient({
    target: 'registry',
    resolver: new StaticResolver({ registry: [config.REGISTRY_URL] }),
    breakers,
    logger,
    retries: 0,
    token: () => Promise.resolve(config.REGISTRY_TOKEN),
  });
  const resolver = new RegistryResolver({
    registryUrl: config.REGISTRY_URL,
    token: config.REGISTRY_TOKEN,
    logger,
    cacheTtlMs: 50,
  });
  const channels = new ServiceClient({
    target: 'channels',
    resolver,
    breakers,
    logger,
    retries: 0,
    token: () => Promise.resolve(signer.token('service')),
  });
  const monitor = createMonitor({ config, logger, db, breakers, registry, channels });
  const lifecycle = new Lifecycle();
  const streams = new OpenStreams();
  const assets = await loadDashboardAssets(path.join(__dirname, '..', '..', 'src', 'dashboard'));
  const app = createApp({
    config,
    logger,
    db,
    verifier: signer.verifier(),
    lifecycle,
    monitor,
    assets,
    streams,
    metrics,
  });
  const running = await serve({
    name: 'status-aggregator',
    app,
    port: 0,
    host: '127.0.0.1',
    logger,
    lifecycle,
    shutdownTimeoutMs: 1000,
    beforeDrain: () => streams.closeAll(),
  });
  return {
    config,
    monitor,
    db,
    signer,
    running,
    url: running.url,
    tick: () => monitor.poller.tick(),
    close: async () => {
      await monitor.poller.stop();
      await running.shutdown('test');
      breakers.shutdown();
      await monitor.queues.close();
      await db.$disconnect();
    },
  };
}

/** A registry, a fresh database and an aggregator over them, plus fake instances to register. */
export interface StatusHarness {
  registry: TestRegistry;
  database: TestDatabase;
  agg: Aggregator;
  instances: FakeInstance[];
  /** Starts and registers a fake instance of `service`. */
  instance(service: string): Promise<FakeInstance>;
  close(): Promise<void>;
}

export async function startStatusHarness(name: string, env: Record<string, string> = {}): Promise<StatusHarness> {
  const [registry, database] = await Promise.all([startRegistry(name), createTestDatabase('status-aggregator')]);
  const agg = await startAggregator({ registry, databaseUrl: database.url, env });
  const instances: FakeInstance[] = [];
  return {
    registry,
    database,
    agg,
    instances,
    instance: async (service) => {
      const f = await FakeInstance.start(service, registry);
      instances.push(f);
      return f;
    },
    close: async () => {
      await Promise.allSettled(instances.map((i) => i.stop()));
      await agg.close();
      await Promise.allSettled([registry.close(), database.drop()]);
    },
  };
}
