import type { Redis } from 'ioredis';
import { createServiceApp, redisCheck, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
import type { RegistryConfig } from './config';
import { InstanceStore } from './services/instance-store';
import { registryRoutes } from './routes/registry.routes';

export interface RegistryDeps {
  config: RegistryConfig;
  logger: Logger;
  redis: Redis;
  lifecycle: Lifecycle;
  metrics?: Metrics;
}

export function createApp(d: RegistryDeps) {
  const store = new InstanceStore(d.redis, d.config.REDIS_PREFIX, d.config.INSTANCE_TTL_MS);
  return createServiceApp({
    service: 'registry',
    version: d.config.SERVICE_VERSION,
    instanceId: d.config.INSTANCE_ID,
    logger: d.logger,
    ...(d.metrics ? { metrics: d.metrics } : {}),
    checks: [redisCheck(d.redis)],
    bodyLimit: d.config.BODY_LIMIT,
    trustProxy: d.config.TRUST_PROXY,
    isAccepting: d.lifecycle.isAccepting,
    routes: (app) => app.use(registryRoutes(store, d.config.REGISTRY_TOKEN)),
  });
}
