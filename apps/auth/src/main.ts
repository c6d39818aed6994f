import { publishRevocation, startRevocationFeed } from '@platform/auth-middleware';
import { Lifecycle, closeRedis, createLogger, createRedis, registerOnListen, runMain, serve } from '@platform/service-kit';
import { loadAuthConfig } from './config';
import { createDb } from './db';
import { buildServices, createApp } from './app';
import { SigningKeys } from './services/signing-keys';
import { bootstrapAdmin } from './services/bootstrap-admin';
import { AUTH_ENDPOINTS } from './routes/endpoints';

runMain('auth', async () => {
  const config = loadAuthConfig();
  const logger = createLogger({ service: 'auth', level: config.LOG_LEVEL, instanceId: config.INSTANCE_ID });
  const lifecycle = new Lifecycle();
  const db = createDb(config.DATABASE_URL);
  lifecycle.onShutdown('postgres', () => db.$disconnect());
  const redis = createRedis(config.REDIS_URL, logger);
  lifecycle.onShutdown('redis', () => closeRedis(redis));
  const keys = new SigningKeys(config.JWT_PRIVATE_KEY, config.JWT_ISSUER, config.JWT_AUDIENCE);
  if (!config.JWT_PRIVATE_KEY) logger.warn('JWT_PRIVATE_KEY not set: using a key generated for this process only');
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const s = buildServices({ config, db, keys, logger });
    await bootstrapAdmin({ users: s.users, audit: s.audit, passwords: s.passwords, logger }, {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
      username: config.ADMIN_USERNAME,
    });
  }
  const list = startRevocationFeed({
    redisUrl: config.REDIS_URL,
    redis,
    prefix: config.REVOCATIONS_PREFIX,
    maxStalenessMs: config.REVOCATION_MAX_STALENESS_MS,
    logger,
    lifecycle,
  });
  // A revocation must outlive every token it refuses: the longest access token, plus clock tolerance and a margin.
  const retentionMs = (config.ACCESS_TOKEN_TTL_S + 60) * 1000;
  const publish = (event: Parameters<typeof publishRevocation>[2]) => publishRevocation(redis, config.REVOCATIONS_PREFIX, event, retentionMs);
  const app = createApp({ config, logger, db, keys, lifecycle, revocations: { list, redis, publish } });
  const running = await serve({
    name: 'auth',
    app,
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    idleGraceMs: config.SHUTDOWN_IDLE_GRACE_MS,
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    afterListen: registerOnListen({ config, logger, name: 'auth', endpoints: AUTH_ENDPOINTS }),
  });
  return { running, logger };
});
