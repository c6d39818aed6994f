import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  AGENT_RUNS_QUEUE,
  RunEventSchema,
  TERMINAL_EVENT_TYPES,
  cancelKeys,
  type PermissionStatus,
  type RunEvent,
  type SessionOptions,
} from '@platform/contracts';
import { bullConnection, defaultJobOptions } from '@platform/queue-kit';
import { BreakerRegistry, ServiceClient, StaticResolver } from '@platform/service-client';
import { Lifecycle, closeRedis, createLogger, createMetrics, createRedis, type Logger } from '@platform/service-kit';
import { createSandboxExecutor, type SandboxExecutor } from '@platform/sandbox-kit';
import { cleanupRedisPrefix, redisPrefix, testRedisUrl } from '@platform/testing';
import { createApp, type AgentRunnerApp } from '../../src/app';
import { loadAgentRunnerConfig, type AgentRunnerConfig } from '../../src/config';
import { sessionsHistory } from '../../src/history';
import { sessionsPermissions } from '../../src/permission-answers';
import type { RunHook } from '../../src/hooks';
import { FakeSessions } from './fake-sessions';

export const SERVICE_TOKEN = 'test-service-token';

export interface Runner extends AgentRunnerApp {
  config: AgentRunnerConfig;
  logger: Logger;
  /** Closes the worker (as SIGTERM would, with `timeoutMs`) and the runner's Redis client. */
  stop: (timeoutMs?: number) => Promise<string>;
}

/**
 * A private queue prefix and event stream on the real Redis, a temporary workspace root, a local
 * stand-in for sessions, and in-process runners built with the real createApp.
 */
export class RunnerHarness {
  readonly prefix = redisPrefix('agent-runner');
  readonly queuePrefix = this.prefix.slice(0, -1);
  readonly stream = `${this.prefix}events`;
  readonly sessions = new FakeSessions();
  readonly logger = createLogger({
    service: 'agent-runner-test',
    level: process.env.AGENT_RUNNER_TEST_LOG_LEVEL ?? 'error',
    pretty: false,
  });
  queue!: Queue;
  redis!: Redis;
  workdirRoot = '';
  private readonly runners: Runner[] = [];
  private readonly sandboxes: SandboxExecutor[] = [];

  async start(): Promise<void> {
    await this.sessions.start();
    this.workdirRoot = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'agent-runner-')));
    this.redis = createRedis(testRedisUrl(), this.logger);
    this.queue = new Queue(AGENT_RUNS_QUEUE, { connection: bullConnection(testRedisUrl()), prefix: this.queuePrefix });
  }

  /** A runner instance (as a new process would be): own Redis clients, worker, cancel subscriber and metrics. */
  /** The runner's configuration on this harness's Redis prefix, queue, stream and workspaces, with `env` over it. */
  config(env: Record<string, string> = {}): AgentRunnerConfig {
    return loadAgentRunnerConfig({
      REGISTRY_TOKEN: 'registry-token-0123456789',
      REGISTER_WITH_REGISTRY: 'false',
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: this.queuePrefix,
      EVENTS_STREAM: this.stream,
      WORKDIR_ROOT: this.workdirRoot,
      JOB_BACKOFF_MS: '50',
      LOG_LEVEL: 'warn',
      ...env,
    });
  }

  /** A real sandbox executor as the runner makes one from `config` (closed with the harness). */
  async sandbox(config: AgentRunnerConfig = this.config()): Promise<SandboxExecutor> {
    const sandbox = await createSandboxExecutor(config, { workdirRoot: config.WORKDIR_ROOT, logger: this.logger });
    this.sandboxes.push(sandbox);
    return sandbox;
  }

  async startRunner(env: Record<string, string> = {}, o: { hooks?: RunHook[]; logger?: Logger } = {}): Promise<Runner> {
    const config = this.config(env);
    const redis = createRedis(config.REDIS_URL, this.logger);
    const metrics = createMetrics('agent-runner', { collectDefaults: false });
    const sessionsClient = new ServiceClient({
      target: 'sessions',
      resolver: new StaticResolver({ sessions: [this.sessions.url] }),
      breakers: new BreakerRegistry(this.logger, metrics.registry),
      logger: this.logger,
      retryBaseDelayMs: 5,
      token: () => Promise.resolve(SERVICE_TOKEN),
    });
    const logger = o.logger ?? this.logger;
    const built = createApp({
      config,
      logger,
      sandbox: await this.sandbox(config),
      redis,
      lifecycle: new Lifecycle(),
      metrics,
      history: sessionsHistory(sessionsClient, 2000),
      permissions: sessionsPermissions(sessionsClient, 2000),
      ...(o.hooks ? { hooks: o.hooks } : {}),
    });
    await built.cancels.start();
    built.worker.start();
    await built.worker.ready();
    let stopped: Promise<string> | undefined;
    const runner: Runner = {
      ...built,
      config,
      logger,
      stop: (timeoutMs = 10_000) =>
        (stopped ??= (async () => {
          const result = await built.worker.close(timeoutMs);
          await built.cancels.close();
          await closeRedis(redis);
          return result;
        })()),
    };
    this.runners.push(runner);
    return runner;
  }

  /** Adds the user's message to the session and enqueues its run the way sessions does (jobId = run id). */
  async enqueueQuery(sessionId: string, text: string, options: SessionOptions = {}): Promise<string> {
    const runId = randomUUID();
    this.sessions.addMessage(sessionId, 'user', [{ type: 'text', text }], runId);
    await this.queue.add(
      'run',
      { run_id: runId, session_id: sessionId, user_id: randomUUID(), options },
      { jobId: runId, ...defaultJobOptions(3, 100) },
    );
    return runId;
  }

  /** Runs one query to its terminal event; the session then holds its messages, as with sessions. */
  async query(sessionId: string, text: string, options: SessionOptions = {}): Promise<RunEvent[]> {
    const runId = await this.enqueueQuery(sessionId, text, options);
    const events = await this.waitForEvents(runId, (es) => es.some(isTerminal));
    this.sessions.absorb(events);
    return events;
  }

  /** Every event of `runId` on the stream, in stream order. */
  async eventsOf(runId: string): Promise<RunEvent[]> {
    const entries = await this.redis.xrange(this.stream, '-', '+');
    return entries
      .map(([, fields]) => RunEventSchema.parse(JSON.parse(fields[1] ?? '{}')))
      .filter((e) => e.run_id === runId);
  }

  async waitForEvents(runId: string, done: (events: RunEvent[]) => boolean, timeoutMs = 15_000): Promise<RunEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = await this.eventsOf(runId);
      if (done(events)) return events;
      if (Date.now() > deadline)
        throw new Error(
          `run ${runId} did not get there in ${timeoutMs} ms; events: ${events.map((e) => e.type).join(', ')}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async waitForJobState(jobId: string, states: string[], timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = await this.queue.getJobState(jobId);
      if (states.includes(state)) return state;
      if (Date.now() > deadline) throw new Error(`job ${jobId} stayed ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Cancels a run the way sessions does: the cancel key, then the run id on the cancel channel. */
  async cancel(runId: string): Promise<void> {
    const keys = cancelKeys(this.stream);
    await this.redis.set(keys.key(runId), '1', 'EX', 600);
    await this.redis.publish(keys.channel, runId);
  }

  /**
   * Answers a run's permission requests the way sessions does: records every request the run sent so
   * far, sets the answer of the `index`th one, and wakes the parked job (promote) so it resumes at once.
   */
  async answer(
    runId: string,
    status: PermissionStatus,
    o: { index?: number; userId?: string; remember?: boolean } = {},
  ): Promise<string> {
    const requests = (await this.eventsOf(runId)).filter((e) => e.type === 'permission_request');
    for (const r of requests) this.sessions.recordRequest(r);
    const request = requests[o.index ?? 0];
    if (!request) throw new Error(`run ${runId} sent no permission request #${o.index ?? 0}`);
    this.sessions.answer(request.data.request_id, status, o);
    const job = await this.queue.getJob(runId);
    if ((await job?.getState()) === 'delayed') await job?.promote();
    return request.data.request_id;
  }

  workdir(sessionId: string): string {
    return path.join(this.workdirRoot, sessionId);
  }

  /** Stops every runner started so far (each test that starts its own runners ends with it). */
  async stopRunners(timeoutMs = 1000): Promise<void> {
    for (const r of this.runners.splice(0)) await r.stop(timeoutMs).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.stopRunners();
    for (const sandbox of this.sandboxes.splice(0)) await sandbox.close();
    await this.queue.close();
    await cleanupRedisPrefix(this.prefix, this.redis);
    await closeRedis(this.redis);
    await this.sessions.stop();
    await fs.rm(this.workdirRoot, { recursive: true, force: true });
  }
}

export const isTerminal = (e: RunEvent): boolean => TERMINAL_EVENT_TYPES.includes(e.type);
