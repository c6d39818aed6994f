import { z } from 'zod';
import { BaseConfigSchema, env, loadConfig } from '@platform/service-kit';
import { RevocationConfigShape } from '@platform/auth-middleware';

const RateRuleSchema = z.object({
  id: z.string().min(1),
  prefix: z.string().startsWith('/'),
  method: z.string().toUpperCase().optional(),
  limit: z.number().int().positive(),
  window_s: z.number().int().positive().default(60),
});
export type RateRuleConfig = z.infer<typeof RateRuleSchema>;

export const GatewayConfigSchema = BaseConfigSchema.extend({
  PORT: env.port.default(8000),
  /**
   * Processes serving the port (node:cluster): the gateway's work is CPU on one event loop, so on a machine
   * (or pod) with several cores, one worker per core. 1 (the default) runs no primary at all.
   */
  WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().default('gateway:'),
  JWT_ISSUER: z.string().min(1).default('agent-platform'),
  JWT_AUDIENCE: z.string().min(1).default('agent-platform'),
  ...RevocationConfigShape,
  /**
   * How long a client may take to send a request's headers before the connection is closed (408): the
   * same as HAProxy's `timeout http-request` (haproxy.cfg), so a slow client is cut at the same point
   * whether it comes through HAProxy or not.
   */
  HEADERS_TIMEOUT_MS: env.ms.default(10_000),
  /** Concurrent streams (SSE and WebSocket together) one user may hold open through all gateway replicas. */
  MAX_STREAMS_PER_USER: z.coerce.number().int().min(1).default(20),
  /** Concurrent streams one client IP may hold open without a valid token (e.g. `/api/status/stream`). */
  MAX_ANONYMOUS_STREAMS_PER_IP: z.coerce.number().int().min(1).default(10),
  /** A stream's slot is renewed this often while it is open; a gateway that dies frees its slots after 3x this. */
  STREAM_SLOT_RENEW_MS: env.ms.default(20_000),
  CORS_ORIGINS: env.list.default(['http://localhost:8000']),
  /** Extra or replacement rate-limit rules (JSON array), matched before the defaults. */
  RATE_LIMITS: env.json(z.array(RateRuleSchema)).optional(),
  RATE_LIMIT_DEFAULT_PER_MIN: z.coerce.number().int().positive().default(600),
  RATE_LIMIT_ENABLED: env.bool.default(true),
  UPSTREAM_TIMEOUT_MS: env.ms.default(60_000),
  BREAKER_ERROR_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  BREAKER_VOLUME_THRESHOLD: z.coerce.number().int().min(1).default(5),
  BREAKER_RESET_MS: env.ms.default(5000),
  REGISTRY_CACHE_MS: env.ms.default(1000),
  /** Services that must have a live instance for `/api/health` to be ok (default: every routed service). */
  REQUIRED_SERVICES: env.list.optional(),
  /** `GET /health` refreshes its platform summary from status-aggregator in the background at most this often… */
  PLATFORM_STATUS_CACHE_MS: env.ms.default(5000),
  /** …giving up on an answer after this long (only the gateway's first /health waits for one: keep it under probe timeouts). */
  PLATFORM_STATUS_TIMEOUT_MS: env.ms.default(800),
});
export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;

export const loadGatewayConfig = (source: NodeJS.ProcessEnv = process.env): GatewayConfig =>
  loadConfig(GatewayConfigSchema, source);
