import fs from 'node:fs/promises';
import http from 'node:http';
import { createSandboxExecutor } from '@platform/sandbox-kit';
import { Lifecycle, createLogger, createMetrics, runMain, serve } from '@platform/service-kit';
import { loadSandboxServiceConfig } from './config';
import { createApp } from './app';

runMain('sandbox', async () => {
  // Workspaces are shared between the runner and the sandbox's user through a group: files stay group-writable.
  process.umask(0o002);
  const config = loadSandboxServiceConfig();
  const logger = createLogger({ service: 'sandbox', level: config.LOG_LEVEL, instanceId: config.INSTANCE_ID });
  const lifecycle = new Lifecycle();
  const metrics = createMetrics('sandbox');
  const executor = await createSandboxExecutor(config, { workdirRoot: config.WORKDIR_ROOT, logger });
  if (executor.kind !== 'bwrap') throw new Error('no sandbox can be created here (see the error above); refusing to serve');
  lifecycle.onShutdown('sandbox', () => executor.close());
  const { ops, api } = createApp({ config, logger, metrics, lifecycle, executor });

  // A socket left by an earlier process would make listen fail: this process owns the path.
  await fs.rm(config.SANDBOX_SOCKET, { force: true });
  const socketServer = http.createServer(api);
  await new Promise<void>((resolve, reject) => {
    socketServer.once('error', reject);
    socketServer.listen(config.SANDBOX_SOCKET, () => resolve());
  });
  await fs.chmod(config.SANDBOX_SOCKET, config.SANDBOX_SOCKET_MODE);
  logger.info('taking commands', { socket: config.SANDBOX_SOCKET, workdir_root: config.WORKDIR_ROOT });

  const running = await serve({
    name: 'sandbox',
    app: ops,
    port: config.PORT,
    host: config.HOST,
    logger,
    lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    // Commands in flight get SHUTDOWN_TIMEOUT_MS to end; the rest are cut (their callers retry or fail the call).
    beforeDrain: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          socketServer.closeAllConnections();
          resolve();
        }, config.SHUTDOWN_TIMEOUT_MS);
        socketServer.close(() => {
          clearTimeout(timer);
          resolve();
        });
        socketServer.closeIdleConnections();
      }),
  });
  return { running, logger };
});
