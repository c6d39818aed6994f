import type http from 'node:http';
import type net from 'node:net';
import type { Express } from 'express';
import cors from 'cors';
import type { Redis } from 'ioredis';
import { VerifiedTokenCache, verifierChecks, type TokenVerifier } from '@platform/auth-middleware';
import type { BreakerRegistry, InstanceResolver, ServiceClient } from '@platform/service-client';
import { createServiceApp, redisCheck, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
import type { GatewayConfig } from './config';
import { ROUTES, type RouteRule } from './route-table';
import { edgeGuard } from './middleware/guard';
import { edgeAuth } from './middleware/edge-auth';
import { rateLimit } from './middleware/rate-limit';
import { streamCap } from './middleware/stream-cap';
import { StreamSlots } from './services/stream-slots';
import { RateLimiter, rulesFrom } from './services/rate-limiter';
import { upstreamProxy } from './services/upstream-proxy';
import { proxiedFastPath, withFastPath } from './middleware/fast-path';
import { DiscoveryService } from './services/discovery.service';
import { wsUpgradeHandler } from './services/ws-upgrade';
import { discoveryRoutes } from './routes/discovery.routes';
import { systemRoutes } from './routes/system.routes';
import { SystemInfo } from './services/system-info';
import { PlatformStatus } from './services/platform-status';
import { docsRoutes } from './routes/docs.routes';
import { GATEWAY_OPERATIONS } from './routes/endpoints';

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  redis: Redis;
  lifecycle: Lifecycle;
  resolver: InstanceResolver;
  breakers: BreakerRegistry;
  verifier: TokenVerifier;
  registry: ServiceClient;
  metrics: Metrics;
  /** The routing table; tests add routes to local upstreams. */
  routes?: RouteRule[];
  /** status-aggregator (its breaker, a short timeout, no retries) for the platform summary of `/health`. */
  statusAggregator?: ServiceClient;
}

export interface GatewayApp {
  app: Express;
  upgrade: (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;
}

function bytesOf(limit: string): number {
  const m = /^(\d+)\s*(b|kb|mb)?$/i.exec(limit.trim());
  if (!m) throw new Error(`Cannot read body limit "${limit}"`);
  const unit = (m[2] ?? 'b').toLowerCase();
  return Number(m[1]) * (unit === 'mb' ? 1024 * 1024 : unit === 'kb' ? 1024 : 1);
}

export function createApp(d: GatewayDeps): GatewayApp {
  const routes = d.routes ?? ROUTES;
  const limiter = new RateLimiter(d.redis, d.config.REDIS_PREFIX, rulesFrom(d.config.RATE_LIMITS, d.config.RATE_LIMIT_DEFAULT_PER_MIN));
  const proxy = upstreamProxy({
    routes,
    resolver: d.resolver,
    breakers: d.breakers,
    logger: d.logger,
    timeoutMs: d.config.UPSTREAM_TIMEOUT_MS,
    bodyLimitBytes: bytesOf(d.config.BODY_LIMIT),
  });
  const system = new SystemInfo({ registry: d.registry, config: d.config, bodyLimitBytes: bytesOf(d.config.BODY_LIMIT) });
  const platform = new PlatformStatus({
    client: d.statusAggregator,
    logger: d.logger,
    cacheMs: d.config.PLATFORM_STATUS_CACHE_MS,
    timeoutMs: d.config.PLATFORM_STATUS_TIMEOUT_MS,
  });
  const discovery = new DiscoveryService(d.registry, routes, d.config.SERVICE_VERSION, d.config.REQUIRED_SERVICES);
  const corsMiddleware = cors({
    origin: (origin, cb) => cb(null, origin !== undefined && d.config.CORS_ORIGINS.includes(origin)),
    credentials: true,
    maxAge: 600,
    exposedHeaders: ['X-Request-Id', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'RateLimit-Policy', 'Retry-After'],
  });
  const verifier = d.verifier instanceof VerifiedTokenCache ? d.verifier : new VerifiedTokenCache(d.verifier, undefined, undefined, d.verifier.revocations);
  const rateLimiter = d.config.RATE_LIMIT_ENABLED ? limiter : undefined;
  const slots = new StreamSlots({
    redis: d.redis,
    prefix: d.config.REDIS_PREFIX,
    perUser: d.config.MAX_STREAMS_PER_USER,
    perAnonymousIp: d.config.MAX_ANONYMOUS_STREAMS_PER_IP,
    renewMs: d.config.STREAM_SLOT_RENEW_MS,
    instanceId: d.config.INSTANCE_ID,
    logger: d.logger,
  });
  d.lifecycle.onShutdown('stream slots', () => slots.stop());
  const app = createServiceApp({
    service: 'gateway',
    version: d.config.SERVICE_VERSION,
    instanceId: d.config.INSTANCE_ID,
    logger: d.logger,
    metrics: d.metrics,
    checks: [
      redisCheck(d.redis),
      ...verifierChecks(verifier),
      { name: 'registry', check: async () => void (await d.registry.request({ method: 'GET', path: '/registry/services', timeoutMs: 1000 })) },
    ],
    bodyLimit: d.config.BODY_LIMIT,
    trustProxy: d.config.TRUST_PROXY,
    isAccepting: d.lifecycle.isAccepting,
    healthDetails: async () => ({ platform: await platform.summary() }),
    // Everyone reaches the gateway's /health and /ready: no instance id, no dependency errors there.
    publicOps: true,
    // Everything proxied streams through untouched, so it runs before any body parsing.
    beforeBody: [
      edgeGuard(),
      corsMiddleware,
      edgeAuth(routes, verifier),
      ...(rateLimiter ? [rateLimit(rateLimiter)] : []),
      streamCap(slots, verifier),
      proxy.http,
    ],
    openapi: { title: 'gateway', version: d.config.SERVICE_VERSION, operations: GATEWAY_OPERATIONS },
    routes: (a) => {
      a.use(discoveryRoutes(discovery, verifier));
      a.use(systemRoutes(system));
      a.use(docsRoutes({ resolver: d.resolver, breakers: d.breakers, logger: d.logger, routes, version: d.config.SERVICE_VERSION }));
    },
  });
  // Proxied requests with a token (nearly all traffic) take the same stack without Express's overhead.
  withFastPath(app, proxiedFastPath({ routes, logger: d.logger, metrics: d.metrics, verifier, limiter: rateLimiter, slots, proxy, cors: corsMiddleware }));
  const upgrade = wsUpgradeHandler({ routes, verifier, logger: d.logger, limiter: rateLimiter, slots, proxyUpgrade: proxy.upgrade });
  return { app, upgrade };
}
