import path from 'node:path';
import { authTokenVerifier, startRevocationFeed } from '@platform/auth-middleware';
import {
  BreakerRegistry,
  RegistryResolver,
  ServiceClient,
  ServiceTokenProvider,
  StaticResolver,
} from '@platform/service-client';
import { Lifecycle, closeRedis, createLogger, createMetrics, createRedis, registerOnListen, runMain, serve } from '@platform/service-kit';
import { loadStatusAggregatorConfig } from './config';
import { createDb } from './db';
import { createApp } from './app';
import { createMonitor } from './monitor';
import { loadDashboardAssets } from './services/dashboard-assets';
import { OpenStreams } from './services/open-streams';
import { STATUS_ENDPOINTS } from './routes/endpoints';

runMain('status-aggregator', async () => {
  const config = loadStatusAggregatorConfig();
  const logger = createLogger({
    service: 'status-aggregator',
    level: config.LOG_LEVEL,
    instanceId: config.INSTANCE_ID,
  });
  const lifecycle = new Lifecycle();
  const metrics = createMetrics('status-aggregator');
  const assets = await loadDashboardAssets(path.join(__dirname, 'dashboard'));
  const db = createDb(config.DATABASE_URL);
  lifecycle.onShutdown('postgres', () => db.$disconnect());
  // One breaker per target (registry, auth, channels, and each probed instance URL), tuned to a
  // call per poll: a few failures in a row open it, and it lets a trial through soon after.
  const breakers = new BreakerRegistry(logger, metrics.registry, {
    errorThresholdPercentage: 50,
    volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
    resetTimeoutMs: config.BREAKER_RESET_MS,
    rollingCountTimeoutMs: Math.max(10_000, config.POLL_INTERVAL_MS * 4),
  });
  lifecycle.onShutdown('breakers', () => breakers.shutdown());
  const resolver = new RegistryResolver({ registryUrl: config.REGISTRY_URL, token: config.REGISTRY_TOKEN, logger });
  const registry = new ServiceClient({
    target: 'registry',
    resolver: new StaticResolver({ registry: [config.REGISTRY_URL] }),
    breakers,
    logger,
    timeoutMs: config.PROBE_TIMEOUT_MS,
    retries: 0,
    token: () => Promise.resolve(config.REGISTRY_TOKEN),
  });
  const auth = new ServiceClient({ target: 'auth', resolver, breakers, logger, timeoutMs: 3000 });
  const redis = createRedis(config.REDIS_URL, logger);
  lifecycle.onShutdown('redis', () => closeRedis(redis));
  const revocations = startRevocationFeed({
    redisUrl: config.REDIS_URL,
    redis,
    prefix: config.REVOCATIONS_PREFIX,
    maxStalenessMs: config.REVOCATION_MAX_STALENESS_MS,
    logger,
    lifecycle,
  });
  const verifier = authTokenVerifier(auth, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, revocations });
  const tokens =
    config.SERVICE_CLIENT_ID && config.SERVICE_CLIENT_SECRET
      ? new ServiceTokenProvider(auth, {
          clientId: config.SERVICE_CLIENT_ID,
          clientSecret: config.SERVICE_CLIENT_SECRET,
        })
      : undefined;
  if (!tokens) logger.warn('no SERVICE_CLIENT_ID/SERVICE_CLIENT_SECRET: the channels count will stay unknown');
  const channels = tokens
    ? new ServiceClient({
        target: 'channels',
        resolver,
        breakers,
        logger,
        timeoutMs: config.PROBE_TIMEOUT_MS,
        retries: 0,
        token: tokens.getToken,
      })
    : undefined;
  const monitor = createMonitor({ config, logger, db, breakers, registry, channels });
  lifecycle.onShutdown('queues', () => monitor.queues.close());
  lifecycle.onShutdown('poller', () => monitor.poller.stop());
  const streams = new OpenStreams();
  const app = createApp({ config, logger, db, verifier, lifecycle, monitor, assets, streams, metrics });
  await monitor.poller.start();
  const running = await serve({
    name: 'status-aggregator',
    app,
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    idleGraceMs: config.SHUTDOWN_IDLE_GRACE_MS,
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    // Streams never end by themselves: close them so clients reconnect elsewhere.
    beforeDrain: () => streams.closeAll(),
    afterListen: registerOnListen({ config, logger, name: 'status-aggregator', endpoints: STATUS_ENDPOINTS }),
  });
  return { running, logger };
});
