import type { Express } from 'express';
import { verifierChecks, type TokenVerifier } from '@platform/auth-middleware';
import { createServiceApp, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
import { databaseErrors } from '@platform/db-kit';
import type { StatusAggregatorConfig } from './config';
import type { Db } from './db';
import type { Monitor } from './monitor';
import type { DashboardAssets } from './services/dashboard-assets';
import type { OpenStreams } from './services/open-streams';
import { statusRoutes } from './routes/status.routes';
import { streamRoutes } from './routes/stream.routes';
import { dashboardRoutes } from './routes/dashboard.routes';
import { STATUS_OPERATIONS } from './routes/endpoints';

export interface StatusAggregatorDeps {
  config: StatusAggregatorConfig;
  logger: Logger;
  db: Db;
  /** Verifies access tokens: auth's JWKS through the registry in main.ts, a local test key in tests. */
  verifier: TokenVerifier;
  lifecycle: Lifecycle;
  monitor: Monitor;
  assets: DashboardAssets;
  streams: OpenStreams;
  metrics?: Metrics;
}

export function createApp(d: StatusAggregatorDeps): Express {
  const { live, queries } = d.monitor;
  return createServiceApp({
    service: 'status-aggregator',
    version: d.config.SERVICE_VERSION,
    instanceId: d.config.INSTANCE_ID,
    logger: d.logger,
    ...(d.metrics ? { metrics: d.metrics } : {}),
    checks: [{ name: 'postgres', check: async () => void (await d.db.$queryRaw`SELECT 1`) }, ...verifierChecks(d.verifier)],
    bodyLimit: d.config.BODY_LIMIT,
    trustProxy: d.config.TRUST_PROXY,
    isAccepting: d.lifecycle.isAccepting,
    openapi: { title: 'status-aggregator', version: d.config.SERVICE_VERSION, operations: STATUS_OPERATIONS },
    routes: (app) => {
      app.use(statusRoutes({ queries, verifier: d.verifier }));
      app.use(
        streamRoutes({ live, verifier: d.verifier, streams: d.streams, heartbeatMs: d.config.STREAM_HEARTBEAT_MS }),
      );
      app.use(dashboardRoutes(d.assets));
      app.use(databaseErrors());
    },
  });
}
