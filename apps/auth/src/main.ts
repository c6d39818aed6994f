import { Lifecycle, createLogger, registerOnListen, runMain, serve } from '@platform/service-kit';
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
  const keys = new SigningKeys(config.JWT_PRIVATE_KEY, config.JWT_ISSUER, config.JWT_AUDIENCE);
  if (!config.JWT_PRIVATE_KEY) logger.warn('JWT_PRIVATE_KEY not set: using a key generated for this process only');
  if (config.ADMIN_EMAIL && config.ADMIN_PASSWORD) {
    const s = buildServices({ config, db, keys });
    await bootstrapAdmin({ users: s.users, audit: s.audit, passwords: s.passwords, logger }, {
      email: config.ADMIN_EMAIL,
      password: config.ADMIN_PASSWORD,
      username: config.ADMIN_USERNAME,
    });
  }
  const app = createApp({ config, logger, db, keys, lifecycle });
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
