import type { Express } from 'express';
import type { SandboxExecutor } from '@platform/sandbox-kit';
import { createServiceApp, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
import type { SandboxServiceConfig } from './config';
import { SandboxMetrics } from './metrics';
import { execRoutes } from './routes/exec.routes';

export interface SandboxServiceDeps {
  config: SandboxServiceConfig;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
  executor: SandboxExecutor;
}

/** Two apps: `ops` (health, readiness, metrics) for the TCP port, `api` (commands) for the unix socket only. */
export function createApp(d: SandboxServiceDeps): { ops: Express; api: Express } {
  const c = d.config;
  let lastGoodProbe = 0;
  const common = { service: 'sandbox', version: c.SERVICE_VERSION, instanceId: c.INSTANCE_ID, logger: d.logger, metrics: d.metrics, trustProxy: c.TRUST_PROXY, isAccepting: d.lifecycle.isAccepting };
  const ops = createServiceApp({
    ...common,
    checks: [
      {
        name: 'bubblewrap',
        check: async () => {
          if (Date.now() - lastGoodProbe < c.READY_PROBE_TTL_MS) return;
          await d.executor.check();
          lastGoodProbe = Date.now();
        },
      },
    ],
    routes: () => undefined,
  });
  // Commands carry whole command lines and test argv: a larger body than the usual API's.
  const api = createServiceApp({ ...common, bodyLimit: '1mb', routes: (app) => app.use(execRoutes(d.executor, new SandboxMetrics(d.metrics.registry))) });
  return { ops, api };
}
