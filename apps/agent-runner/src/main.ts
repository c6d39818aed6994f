import { BreakerRegistry, RegistryResolver, ServiceClient, ServiceTokenProvider } from '@platform/service-client';
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
import { createSandboxExecutor } from '@platform/sandbox-kit';
import { loadAgentRunnerConfig } from './config';
import { createApp } from './app';
import { sessionsHistory } from './history';
import { sessionsPermissions } from './permission-answers';

runMain('agent-runner', async () => {
  // Workspaces are shared between the runner and the sandbox's user through a group: files stay group-writable.
  process.umask(0o002);
  const config = loadAgentRunnerConfig();
  const logger = createLogger({ service: 'agent-runner', level: config.LOG_LEVEL, instanceId: config.INSTANCE_ID });
  const lifecycle = new Lifecycle();
  const metrics = createMetrics('agent-runner');
  const redis = createRedis(config.REDIS_URL, logger);
  lifecycle.onShutdown('redis', () => closeRedis(redis));
  const breakers = new BreakerRegistry(logger, metrics.registry);
  lifecycle.onShutdown('breakers', () => breakers.shutdown());
  const resolver = new RegistryResolver({ registryUrl: config.REGISTRY_URL, token: config.REGISTRY_TOKEN, logger });
  const auth = new ServiceClient({ target: 'auth', resolver, breakers, logger, timeoutMs: 3000 });
  const tokens =
    config.SERVICE_CLIENT_ID && config.SERVICE_CLIENT_SECRET
      ? new ServiceTokenProvider(auth, {
          clientId: config.SERVICE_CLIENT_ID,
          clientSecret: config.SERVICE_CLIENT_SECRET,
        })
      : undefined;
  if (!tokens)
    logger.warn('SERVICE_CLIENT_ID/SERVICE_CLIENT_SECRET not set: history requests to sessions carry no service token');
  const sessions = new ServiceClient({
    target: 'sessions',
    resolver,
    breakers,
    logger,
    timeoutMs: config.SESSIONS_TIMEOUT_MS,
    ...(tokens ? { token: tokens.getToken } : {}),
  });
  const sandbox = await createSandboxExecutor(config, { workdirRoot: config.WORKDIR_ROOT, logger });
  lifecycle.onShutdown('sandbox', () => sandbox.close());
  const { app, worker, cancels } = createApp({
    sandbox,
    config,
    logger,
    redis,
    lifecycle,
    metrics,
    history: sessionsHistory(sessions, config.SESSIONS_TIMEOUT_MS),
    permissions: sessionsPermissions(sessions, config.SESSIONS_TIMEOUT_MS),
  });
  // Closed after the worker (closers run in reverse): runs draining on shutdown can still be cancelled.
  lifecycle.onShutdown('cancel-subscriber', () => cancels.close());
  await cancels.start();
  logger.info('model providers', { default_provider: config.DEFAULT_PROVIDER, workdir_root: config.WORKDIR_ROOT, sandbox: sandbox.kind });
  const running = await serve({
    name: 'agent-runner',
    app,
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    idleGraceMs: config.SHUTDOWN_IDLE_GRACE_MS,
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    // Runs in flight get SHUTDOWN_TIMEOUT_MS to finish; the rest go back to the queue.
    beforeDrain: async () => {
      const result = await worker.close(config.SHUTDOWN_TIMEOUT_MS);
      logger.info('queue worker closed', { result });
    },
    afterListen: registerOnListen({ config, logger, name: 'agent-runner', endpoints: [] }),
  });
  worker.start();
  return { running, logger };
});
