import { Lifecycle, closeRedis, createLogger, createRedis, runMain, serve } from '@platform/service-kit';
import { loadRegistryConfig } from './config';
import { createApp } from './app';

runMain('registry', async () => {
  const config = loadRegistryConfig();
  const logger = createLogger({ service: 'registry', level: config.LOG_LEVEL, instanceId: config.INSTANCE_ID });
  const lifecycle = new Lifecycle();
  const redis = createRedis(config.REDIS_URL, logger);
  lifecycle.onShutdown('redis', () => closeRedis(redis));
  const app = createApp({ config, logger, redis, lifecycle });
  const running = await serve({
    name: 'registry',
    app,
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    idleGraceMs: config.SHUTDOWN_IDLE_GRACE_MS,
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
  });
  return { running, logger };
});
