import { z } from 'zod';
import { BaseConfigSchema, env, loadConfig } from '@platform/service-kit';
import { RUN_EVENTS_STREAM, type BudgetLimits } from '@platform/contracts';
import { RevocationConfigShape } from '@platform/auth-middleware';

/** An optional limit: unset or empty means none. */
const optionalLimit = (schema: z.ZodNumber) => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().pipe(schema).optional());

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
  ...RevocationConfigShape,
  SERVICE_CLIENT_ID: z.string().min(1),
  SERVICE_CLIENT_SECRET: z.string().min(16),
  JOB_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  JOB_BACKOFF_MS: env.ms.default(1000),
  /** Longest a `?wait=true` query holds the request before answering 202. */
  QUERY_WAIT_MAX_MS: env.ms.default(30_000),
  SSE_HEARTBEAT_MS: env.ms.default(15_000),
  /**
   * Longest `POST /tdd/validate` waits for a runner to run the test command: above agent-runner's
   * TDD_TEST_TIMEOUT_MS, below the gateway's UPSTREAM_TIMEOUT_MS.
   */
  TDD_VALIDATE_WAIT_MS: env.ms.default(55_000),
  /** How long a fork waits for the runner to copy the working directory before answering anyway. */
  FORK_WAIT_MS: env.ms.default(10_000),
  /** Queued runs older than this with no job in the queue are enqueued again (the outbox sweep). */
  REQUEUE_AFTER_MS: env.ms.default(15_000),
  /** How often the leader runs its sweeps (outbox, held runs, watchdog, expiries, pruning). */
  LEADER_TICK_MS: env.ms.default(5000),

  /** A running run still active this long after it started (or resumed from a permission wait) is timed out. */
  RUN_DEADLINE_MS: env.ms.default(30 * 60_000),
  /** A run waiting for a permission answer times out this long after the request expires. */
  PERMISSION_DEADLINE_GRACE_MS: env.ms.default(2 * 60_000),
  /** A running run whose job failed, finished or vanished, with no event for this long, is failed. */
  RUN_STRANDED_GRACE_MS: env.ms.default(60_000),
  /** How long the cancel flag of a run stays in Redis for runners to see. */
  CANCEL_SIGNAL_TTL_MS: env.ms.default(60 * 60_000),

  /** Most runs a session holds behind its active one (`multitask: "enqueue"`); one more is a 429. */
  MAX_HELD_RUNS_PER_SESSION: z.coerce.number().int().min(0).max(1000).default(10),

  /**
   * Default budget of every person (an admin may set a person's own with PUT /api/v1/budgets/{user_id}):
   * tokens (input + output) and US dollars per UTC day and month. Unset: no limit.
   */
  BUDGET_DAILY_TOKENS: optionalLimit(z.number().int().min(0)),
  BUDGET_MONTHLY_TOKENS: optionalLimit(z.number().int().min(0)),
  BUDGET_DAILY_COST_USD: optionalLimit(z.number().min(0)),
  BUDGET_MONTHLY_COST_USD: optionalLimit(z.number().min(0)),

  /** How long an Idempotency-Key and its answer are kept. */
  IDEMPOTENCY_TTL_S: z.coerce.number().int().min(1).default(24 * 3600),
  /** A request still in flight under its key after this is presumed lost, and a retry may take the key over. */
  IDEMPOTENCY_IN_FLIGHT_MS: env.ms.default(120_000),

  /** Allow webhook URLs on loopback, private, link-local and other internal addresses (tests, private networks). */
  WEBHOOK_ALLOW_PRIVATE: env.bool.default(false),
  WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(25).default(6),
  /** First retry delay; doubles after each failed attempt. */
  WEBHOOK_BACKOFF_MS: env.ms.default(2000),
  WEBHOOK_TIMEOUT_MS: env.ms.default(10_000),
  /** Key material that encrypts webhook secrets at rest (≥ 32 chars); derived from SERVICE_CLIENT_SECRET when unset. */
  WEBHOOK_SECRET_KEY: z.string().min(32).optional(),
});
export type SessionsConfig = z.infer<typeof SessionsConfigSchema>;

/** The default budget limits the config sets (null: none). */
export const defaultBudget = (c: SessionsConfig): BudgetLimits => ({
  daily_tokens: c.BUDGET_DAILY_TOKENS ?? null,
  monthly_tokens: c.BUDGET_MONTHLY_TOKENS ?? null,
  daily_cost_usd: c.BUDGET_DAILY_COST_USD ?? null,
  monthly_cost_usd: c.BUDGET_MONTHLY_COST_USD ?? null,
});

export const loadSessionsConfig = (source: NodeJS.ProcessEnv = process.env): SessionsConfig =>
  loadConfig(SessionsConfigSchema, source);
