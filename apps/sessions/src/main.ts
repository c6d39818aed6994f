import { authTokenVerifier, startRevocationFeed } from '@platform/auth-middleware';
import { BreakerRegistry, RegistryResolver, ServiceClient, ServiceTokenProvider } from '@platform/service-client';
import { Lifecycle, closeRedis, createLogger, createMetrics, createRedis, registerOnListen, runMain, serve } from '@platform/service-kit';
import { loadSessionsConfig } from './config';
import { createDb } from './db';
import { createApp } from './app';
import { AgentRunsQueue } from './queues/agent-runs';
import { WebhooksQueue } from './queues/webhooks';
import { ChannelsClient, UsersClient } from './clients/platform.clients';
import { SESSIONS_ENDPOINTS } from './routes/endpoints';

runMain('sessions', async () => {
  const config = loadSessionsConfig();
  const logger = createLogger({ service: 'sessions', level: config.LOG_LEVEL, instanceId: config.INSTANCE_ID });
  const lifecycle = new Lifecycle();
  const metrics = createMetrics('sessions');
  const db = createDb(config.DATABASE_URL);
  lifecycle.onShutdown('postgres', () => db.$disconnect());
  const redis = createRedis(config.REDIS_URL, logger);
  const redisSub = createRedis(config.REDIS_URL, logger);
  lifecycle.onShutdown('redis', async () => {
    await closeRedis(redisSub);
    await closeRedis(redis);
  });
  const queue = new AgentRunsQueue({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX, attempts: config.JOB_ATTEMPTS, backoffMs: config.JOB_BACKOFF_MS });
  lifecycle.onShutdown('queue', () => queue.close());
  const webhooksQueue = new WebhooksQueue({ redisUrl: config.REDIS_URL, prefix: config.QUEUE_PREFIX, attempts: config.WEBHOOK_ATTEMPTS, backoffMs: config.WEBHOOK_BACKOFF_MS });
  lifecycle.onShutdown('webhooks queue', () => webhooksQueue.close());
  const breakers = new BreakerRegistry(logger, metrics.registry);
  lifecycle.onShutdown('breakers', () => breakers.shutdown());
  const resolver = new RegistryResolver({ registryUrl: config.REGISTRY_URL, token: config.REGISTRY_TOKEN, logger });
  const auth = new ServiceClient({ target: 'auth', resolver, breakers, logger, timeoutMs: 3000 });
  const tokens = new ServiceTokenProvider(auth, { clientId: config.SERVICE_CLIENT_ID, clientSecret: config.SERVICE_CLIENT_SECRET });
  const authAsService = new ServiceClient({ target: 'auth', resolver, breakers, logger, timeoutMs: 3000, token: tokens.getToken });
  const channels = new ServiceClient({ target: 'channels', resolver, breakers, logger, timeoutMs: 3000, token: tokens.getToken });
  const revocations = startRevocationFeed({
    redisUrl: config.REDIS_URL,
    redis,
    prefix: config.REVOCATIONS_PREFIX,
    maxStalenessMs: config.REVOCATION_MAX_STALENESS_MS,
    logger,
    lifecycle,
  });
  const verifier = authTokenVerifier(auth, { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, revocations });
  const built = createApp({
    config,
    logger,
    db,
    redis,
    redisSub,
    queue,
    webhooksQueue,
    verifier,
    users: new UsersClient(authAsService),
    channels: new ChannelsClient(channels),
    lifecycle,
    metrics,
  });
  await built.consumer.start();
  lifecycle.onShutdown('event consumer', () => built.consumer.stop());
  built.webhookWorker.start();
  lifecycle.onShutdown('webhook worker', () => built.webhookWorker.stop());
  const running = await serve({
    name: 'sessions',
    app: built.app,
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    idleGraceMs: config.SHUTDOWN_IDLE_GRACE_MS,
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    onServer: (server) => server.on('upgrade', built.upgrade),
    // Streams never end by themselves: close them so clients reconnect (with Last-Event-ID) elsewhere.
    beforeDrain: () => built.streams.closeAll(),
    afterListen: registerOnListen({ config, logger, name: 'sessions', endpoints: SESSIONS_ENDPOINTS }),
  });
  return { running, logger };
});
