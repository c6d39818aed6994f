import type { Express } from 'express';
import { verifierChecks, type TokenVerifier } from '@platform/auth-middleware';
import { createServiceApp, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
import { databaseErrors } from '@platform/db-kit';
import type { ChannelsConfig } from './config';
import type { Db } from './db';
import { ChannelsRepository } from './repositories/channels.repository';
import { ChannelsService } from './services/channels.service';
import { channelsRoutes } from './routes/channels.routes';
import { internalRoutes } from './routes/internal.routes';
import { CHANNELS_OPERATIONS } from './routes/endpoints';

export interface ChannelsDeps {
  config: ChannelsConfig;
  logger: Logger;
  db: Db;
  /** Verifies access tokens: auth's JWKS through the registry in main.ts, a local test key in tests. */
  verifier: TokenVerifier;
  lifecycle: Lifecycle;
  metrics?: Metrics;
}

/** Wires repositories and services; exposed for tests. */
export function buildServices(d: Pick<ChannelsDeps, 'db'>) {
  const repository = new ChannelsRepository(d.db);
  return { repository, channels: new ChannelsService(repository) };
}

export function createApp(d: ChannelsDeps): Express {
  const s = buildServices(d);
  const publicRoutes = channelsRoutes({ channels: s.channels, verifier: d.verifier });
  return createServiceApp({
    service: 'channels',
    version: d.config.SERVICE_VERSION,
    instanceId: d.config.INSTANCE_ID,
    logger: d.logger,
    ...(d.metrics ? { metrics: d.metrics } : {}),
    checks: [{ name: 'postgres', check: async () => void (await d.db.$queryRaw`SELECT 1`) }, ...verifierChecks(d.verifier)],
    bodyLimit: d.config.BODY_LIMIT,
    trustProxy: d.config.TRUST_PROXY,
    isAccepting: d.lifecycle.isAccepting,
    openapi: { title: 'channels', version: d.config.SERVICE_VERSION, operations: CHANNELS_OPERATIONS },
    routes: (app) => {
      app.use('/api/channels', publicRoutes);
      // The seeds list channels at the root too; the gateway routes `/channels` here unchanged.
      app.use('/channels', publicRoutes);
      app.use(internalRoutes({ channels: s.channels, verifier: d.verifier }));
      app.use(databaseErrors());
    },
  });
}
