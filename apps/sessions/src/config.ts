import { z } from 'zod';
import { BaseConfigSchema, env, loadConfig } from '@platform/service-kit';
import { RUN_EVENTS_STREAM } from '@platform/contracts';

export const SessionsConfigSchema = BaseConfigSchema.extend({
  PORT: env.port.default(8103),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
  REDIS_URL: z.url().default('redis://127.0.0.1:6379'),
  /** Prefix of this service's own Redis keys (pub/sub channels, consumer lock). */
  REDIS_PREFIX: z.string().default('sessions:'),
  /** BullMQ key prefix; agent-runner must use the same. */
  QUEUE_PREFIX: z.string().default('bull'),
  /** Redis Stream the runners write events to; agent-runner must use the same. */
  EVENTS_STREAM: z.string().default(RUN_EVENTS_STREAM),
  JWT_ISSUER: z.string().min(1).default('agent-platform'),
  JWT_AUDIENCE: z.string().min(1).default('agent-platform'),
  SERVICE_CLIENT_ID: z.string().min(1),
  SERVICE_CLIENT_SECRET: z.string().min(16),
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  JOB_BACKOFF_MS: env.ms.default(1000),
  /** Longest a `?wait=true` query holds the request before answering 202. */
  QUERY_WAIT_MAX_MS: env.ms.default(30_000),
  SSE_HEARTBEAT_MS: env.ms.default(15_000),
  /** How long a fork waits for the runner to copy the working directory before answering anyway. */
  FORK_WAIT_MS: env.ms.default(10_000),
  /** Queued runs older than this with no job in the queue are enqueued again (the outbox sweep). */
  REQUEUE_AFTER_MS: env.ms.default(15_000),
});
export type SessionsConfig = z.infer<typeof SessionsConfigSchema>;

export const loadSessionsConfig = (source: NodeJS.ProcessEnv = process.env): SessionsConfig =>
  loadConfig(SessionsConfigSchema, source);
