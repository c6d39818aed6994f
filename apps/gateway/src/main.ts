import { authTokenVerifier, startRevocationFeed } from '@platform/auth-middleware';
import { BreakerRegistry, RegistryResolver, ServiceClient, StaticResolver } from '@platform/service-client';
import {
  Lifecycle,
  closeRedis,
  createLogger,
  createMetrics,
  createRedis,
  registerOnListen,
  runMain,
  serve,
} from '@platform/service-kit';
import { loadGatewayConfig } from './config';
import { createApp } from './app';
import { GATEWAY_ENDPOINTS } from './routes/endpoints';

runMain('gateway', async () => {
  const config = loadGatewayConfig();
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, instanceId: config.INSTANCE_ID });
  const lifecycle = new Lifecycle();
  const metrics = createMetrics('gateway');
  const redis = createRedis(config.REDIS_URL, logger);
  lifecycle.onShutdown('redis', () => closeRedis(redis));
  const breakers = new BreakerRegistry(logger, metrics.registry, {
    errorThresholdPercentage: config.BREAKER_ERROR_PERCENT,
    volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
    resetTimeoutMs: config.BREAKER_RESET_MS,
    rollingCountTimeoutMs: 10_000,
  });
  lifecycle.onShutdown('breakers', () => breakers.shutdown());
  const resolver = new RegistryResolver({ registryUrl: config.REGISTRY_URL, token: config.REGISTRY_TOKEN, logger, cacheTtlMs: config.REGISTRY_CACHE_MS });
  const registry = new ServiceClient({
    target: 'registry',
    resolver: new StaticResolver({ registry: [config.REGISTRY_URL] }),
    breakers,
    logger,
    timeoutMs: 2000,
    token: () => Promise.resolve(config.REGISTRY_TOKEN),
  });
  const auth = new ServiceClient({ target: 'auth', resolver, breakers, logger, timeoutMs: 3000 });
  const revocations = startRevocationFeed({
    redisUrl: config.REDIS_URL,
    redis,
    prefix: config.REVOCATIONS_PREFIX,
    maxStalenessMs: config.REVOCATION_MAX_STALENESS_MS,
    logger,
    lifecycle,
  });
  const verifier = authTokenVerifier(auth, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, revocations });
  // For /health's platform summary: fast or nothing (no retries), through the aggregator's breaker.
  const statusAggregator = new ServiceClient({ target: 'status-aggregator', resolver, breakers, logger, timeoutMs: config.PLATFORM_STATUS_TIMEOUT_MS, retries: 0 });
  const { app, upgrade } = createApp({ config, logger, redis, lifecycle, resolver, breakers, verifier, registry, metrics, statusAggregator });
  const running = await serve({
    name: 'gateway',
    app,
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    idleGraceMs: config.SHUTDOWN_IDLE_GRACE_MS,
    headersTimeoutMs: config.HEADERS_TIMEOUT_MS,
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    onServer: (server) => server.on('upgrade', upgrade),
    afterListen: registerOnListen({ config, logger, name: 'gateway', endpoints: GATEWAY_ENDPOINTS }),
  });
  return { running, logger };
}, () => {
  const config = loadGatewayConfig();
  const logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL, instanceId: config.INSTANCE_ID });
  return { workers: config.WORKERS, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS, logger };
});
