import { BreakerRegistry, RegistryResolver, ServiceClient } from '@platform/service-client';
import { authTokenVerifier, startRevocationFeed } from '@platform/auth-middleware';
import { Lifecycle, closeRedis, createLogger, createMetrics, createRedis, registerOnListen, runMain, serve } from '@platform/service-kit';
import { loadChannelsConfig } from './config';
import { createDb } from './db';
import { createApp } from './app';
import { CHANNELS_ENDPOINTS } from './routes/endpoints';

runMain('channels', async () => {
  const config = loadChannelsConfig();
  const logger = createLogger({ service: 'channels', level: config.LOG_LEVEL, instanceId: config.INSTANCE_ID });
  const lifecycle = new Lifecycle();
  const metrics = createMetrics('channels');
  const db = createDb(config.DATABASE_URL);
  lifecycle.onShutdown('postgres', () => db.$disconnect());
  const breakers = new BreakerRegistry(logger, metrics.registry);
  lifecycle.onShutdown('breakers', () => breakers.shutdown());
  const resolver = new RegistryResolver({ registryUrl: config.REGISTRY_URL, token: config.REGISTRY_TOKEN, logger });
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
  const app = createApp({ config, logger, db, verifier, lifecycle, metrics });
  const running = await serve({
    name: 'channels',
    app,
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    idleGraceMs: config.SHUTDOWN_IDLE_GRACE_MS,
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    afterListen: registerOnListen({ config, logger, name: 'channels', endpoints: CHANNELS_ENDPOINTS }),
  });
  return { running, logger };
});
