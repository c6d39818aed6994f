import { z } from 'zod';
import { AGENT_RUNS_QUEUE } from '@platform/contracts';
import { BaseConfigSchema, env, loadConfig } from '@platform/service-kit';
import { RevocationConfigShape } from '@platform/auth-middleware';

/** An unset variable and an empty one (`KEY=` in an env file) mean the same: not configured. */
const optionalSecret = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

export const StatusAggregatorConfigSchema = BaseConfigSchema.extend({
  PORT: env.port.default(8105),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  /** Redis of the BullMQ queues whose depths are reported, and of the access-token revocations. */
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** BullMQ key prefix; must match sessions and agent-runner. */
  QUEUE_PREFIX: z.string().min(1).default('bull'),
  QUEUES: env.list.default([AGENT_RUNS_QUEUE]),
  /** Components whose state makes the platform's; one never registered counts as a major outage. */
  REQUIRED_SERVICES: env.list.default(['registry', 'auth', 'channels', 'sessions', 'agent-runner', 'gateway']),
  POLL_INTERVAL_MS: env.ms.default(5000),
  /**
   * At start, the first poll waits (at most this long) until the registry lists every required service: a
   * platform that is still starting is not an outage (no incident for a service that registers a second later).
   */
  STARTUP_GRACE_MS: env.ms.default(15_000),
  /** Bound on every readiness probe and metrics scrape. */
  PROBE_TIMEOUT_MS: env.ms.default(2000),
  /** A serving instance whose readiness probe takes this long makes its component `degraded_performance`. */
  SLOW_PROBE_MS: env.ms.default(1000),
  /** How long an open breaker (one per probed instance URL, and per called service) fails fast before a trial call. */
  BREAKER_RESET_MS: env.ms.default(5000),
  /** Calls in a breaker's window before its failure percentage can open it. */
  BREAKER_VOLUME_THRESHOLD: z.coerce.number().int().min(1).default(3),
  /** Samples, state changes and resolved incidents older than this are deleted (at least 7 days: the uptime window). */
  HISTORY_RETENTION_DAYS: z.coerce.number().int().min(7).max(3650).default(30),
  RETENTION_SWEEP_MS: env.ms.default(3_600_000),
  /** How often uptime and time-to-recover are recomputed from the history. */
  UPTIME_REFRESH_MS: env.ms.default(30_000),
  /** A component that is not required and has had no instance for this long is no longer shown. */
  FORGET_AFTER_MS: env.ms.default(86_400_000),
  /** Points kept per service for the request-rate and latency charts (one per poll). */
  METRICS_POINTS: z.coerce.number().int().min(2).max(10_000).default(120),
  CHANNELS_COUNT_TTL_MS: env.ms.default(30_000),
  STREAM_HEARTBEAT_MS: env.ms.default(15_000),
  JWT_ISSUER: z.string().min(1).default('agent-platform'),
  JWT_AUDIENCE: z.string().min(1).default('agent-platform'),
  ...RevocationConfigShape,
  /** This service's identity for channels' internal count; without it `channels_count` is null. */
  SERVICE_CLIENT_ID: optionalSecret,
  SERVICE_CLIENT_SECRET: optionalSecret,
}).superRefine((c, ctx) => {
  if ((c.SERVICE_CLIENT_ID === undefined) !== (c.SERVICE_CLIENT_SECRET === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['SERVICE_CLIENT_SECRET'],
      message: 'SERVICE_CLIENT_ID and SERVICE_CLIENT_SECRET go together',
    });
  }
});
export type StatusAggregatorConfig = z.infer<typeof StatusAggregatorConfigSchema>;

export const loadStatusAggregatorConfig = (source: NodeJS.ProcessEnv = process.env): StatusAggregatorConfig =>
  loadConfig(StatusAggregatorConfigSchema, source);
