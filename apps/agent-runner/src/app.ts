import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';
import { bullConnection } from '@platform/queue-kit';
import type { SandboxExecutor } from '@platform/sandbox-kit';
import { createServiceApp, redisCheck, type Lifecycle, type Logger, type Metrics } from '@platform/service-kit';
import type { AgentRunnerConfig } from './config';
import type { HistorySource } from './history';
import type { PermissionAnswers } from './permission-answers';
import { createProviders, type ProviderRegistry } from './providers/registry';
import { ToolRegistry } from './tools/registry';
import { RunMetrics } from './run-metrics';
import { abandonRun, executeRun, type RunServiceDeps } from './run-service';
import { Workspaces } from './workspace/workspaces';
import { runTestCommand } from './test-commands';
import { RunWorker } from './worker';
import { CancelWatcher } from './cancel-watch';
import { PermissionGate } from './permission-gate';
import { builtInHooks, type HookRegistry, type RunHook } from './hooks';

export interface AgentRunnerDeps {
  config: AgentRunnerConfig;
  logger: Logger;
  /** Event stream and run ledgers, cancel keys (and a duplicate of it subscribes to cancels), and the readiness check. */
  redis: Redis;
  lifecycle: Lifecycle;
  metrics: Metrics;
  /** A session's messages and options; sessions' internal API in production. */
  history: HistorySource;
  /** Answers to permission requests; sessions' internal API in production. */
  permissions: PermissionAnswers;
  /** Defaults to the providers the config enables. */
  providers?: ProviderRegistry;
  /** Hooks to run after the built-in ones (cost, metrics, audit). */
  hooks?: readonly RunHook[];
  /** BullMQ connection; defaults to REDIS_URL. */
  queueConnection?: ConnectionOptions;
  /** Where the shell tool and test commands run (createSandboxExecutor). */
  sandbox: SandboxExecutor;
}

export interface AgentRunnerApp {
  /** `/health`, `/ready` (Redis, the queue worker, the cancel subscriber), `/metrics`: the service has no other HTTP surface. */
  app: Express;
  /** The `agent-runs` consumer, not yet started: `start()` after listening, `close(timeoutMs)` on shutdown. */
  worker: RunWorker;
  /** The cancel subscriber: `start()` before the worker, `close()` after it. */
  cancels: CancelWatcher;
  hooks: HookRegistry;
}

export function createApp(d: AgentRunnerDeps): AgentRunnerApp {
  const c = d.config;
  const metrics = new RunMetrics(d.metrics.registry);
  const hooks = builtInHooks(metrics);
  for (const hook of d.hooks ?? []) hooks.register(hook);
  const cancels = new CancelWatcher(d.redis, c.EVENTS_STREAM, d.logger);
  const workspaces = new Workspaces(c.WORKDIR_ROOT, { quotaBytes: c.WORKSPACE_QUOTA_BYTES, maxFiles: c.WORKSPACE_MAX_FILES });
  const runDeps: RunServiceDeps = {
    redis: d.redis,
    providers: d.providers ?? createProviders(c),
    tools: new ToolRegistry({ outputLimitBytes: c.TOOL_OUTPUT_LIMIT_BYTES, logger: d.logger, executor: d.sandbox }),
    history: d.history,
    workspaces,
    defaultMaxTurns: c.DEFAULT_MAX_TURNS,
    events: { stream: c.EVENTS_STREAM, maxLen: c.EVENTS_MAXLEN, ledgerTtlS: c.RUN_STATE_TTL_S },
    prices: c.MODEL_PRICES,
    maxOutputTokens: c.MAX_OUTPUT_TOKENS,
    attempts: c.JOB_ATTEMPTS,
    backoffMs: c.JOB_BACKOFF_MS,
    logger: d.logger,
    metrics,
    hooks,
    cancels,
    // A hold outlives the longest model call, so only a runner that died mid-turn leaves one to lapse.
    budget: { minOutputTokens: c.BUDGET_MIN_OUTPUT_TOKENS, holdTtlMs: c.PROVIDER_TIMEOUT_MS + 60_000 },
    permissions: new PermissionGate({
      answers: d.permissions,
      timeoutMs: c.PERMISSION_TIMEOUT_MS,
      pollMs: c.PERMISSION_POLL_MS,
    }),
  };
  const worker = new RunWorker({
    connection: d.queueConnection ?? bullConnection(c.REDIS_URL, { forWorker: true }),
    prefix: c.QUEUE_PREFIX,
    concurrency: c.WORKER_CONCURRENCY,
    lockDurationMs: c.LOCK_DURATION_MS,
    stalledIntervalMs: c.STALLED_INTERVAL_MS,
    maxStalledCount: c.MAX_STALLED_COUNT,
    logger: d.logger,
    runJob: (job, signal) => executeRun(runDeps, job, signal),
    forkJob: (job) => workspaces.fork(job),
    deleteJob: (job) => workspaces.delete(job.session_id),
    testJob: (job) =>
      runTestCommand(
        {
          commands: c.TDD_TEST_COMMANDS,
          executor: d.sandbox,
          workdirRoot: c.WORKDIR_ROOT,
          timeoutMs: c.TDD_TEST_TIMEOUT_MS,
          outputLimitBytes: c.TDD_TEST_OUTPUT_LIMIT_BYTES,
        },
        job,
      ),
    abandonJob: (job, reason) => abandonRun(runDeps, job, reason),
  });
  const app = createServiceApp({
    service: 'agent-runner',
    version: c.SERVICE_VERSION,
    instanceId: c.INSTANCE_ID,
    logger: d.logger,
    metrics: d.metrics,
    checks: [
      redisCheck(d.redis),
      {
        name: 'queue-worker',
        check: async () => {
          if (!worker.isRunning()) throw new Error('the agent-runs worker is not running');
        },
      },
      {
        name: 'cancel-subscriber',
        check: async () => {
          if (!cancels.isListening()) throw new Error('not subscribed to run cancellations');
        },
      },
    ],
    bodyLimit: c.BODY_LIMIT,
    trustProxy: c.TRUST_PROXY,
    isAccepting: d.lifecycle.isAccepting,
    routes: () => undefined,
  });
  return { app, worker, cancels, hooks };
}
