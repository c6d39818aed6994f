import type { Redis } from 'ioredis';
import type { AgentRunJob, Usage } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import { runAgentLoop, type RunOutcome } from './agent-loop';
import { RunEventWriter, type EventStreamOptions } from './events';
import { HandBack, ParkRun, RetryLater, SupersededError, isExpected, isTransient, publicMessage } from './errors';
import { costOf, priceOf, type ModelPrices } from './pricing';
import { RunBudget } from './budget';
import { modelOf, planRun, type RunPlanDeps } from './run-plan';
import type { RunMetrics } from './run-metrics';
import type { HookRegistry, RunContext, RunOutcomeKind } from './hooks';
import type { CancelWatcher, RunCancel } from './cancel-watch';
import type { PermissionGate } from './permission-gate';

export interface RunServiceDeps extends RunPlanDeps {
  redis: Redis;
  events: EventStreamOptions;
  prices: ModelPrices;
  maxOutputTokens: number;
  /** Attempts a run gets for transient failures, and the first retry delay (doubling after). */
  attempts: number;
  backoffMs: number;
  logger: Logger;
  metrics: RunMetrics;
  hooks: HookRegistry;
  cancels: CancelWatcher;
  permissions: PermissionGate;
  /** Budgets are checked before each turn: the least output a turn is started for, and how long a turn's hold lasts. */
  budget: { minOutputTokens: number; holdTtlMs: number };
}

export type RunResult = RunOutcome | { status: 'already_finished' | 'cancelled' | 'superseded' };

/**
 * Executes one attempt of a run job: continues the run's event sequence and journal, plans it from
 * its session, runs the agent loop, and decides what an early end means: cancelled → done, nothing
 * emitted; waiting for a person → ParkRun; transient with attempts left → RetryLater (no terminal
 * event); shutdown → HandBack; anything else → one run_failed.
 */
export async function executeRun(d: RunServiceDeps, job: AgentRunJob, signal: AbortSignal): Promise<RunResult> {
  const cancel = d.cancels.watch(job.run_id);
  try {
    return await attempt(d, job, signal, cancel);
  } finally {
    cancel.dispose();
  }
}

async function attempt(
  d: RunServiceDeps,
  job: AgentRunJob,
  signal: AbortSignal,
  cancel: RunCancel,
): Promise<RunResult> {
  const log = d.logger.child({ run_id: job.run_id, session_id: job.session_id });
  const ids = { sessionId: job.session_id, runId: job.run_id, userId: job.user_id };
  const writer = await RunEventWriter.open(d.redis, d.events, ids, cancel.signal);
  // A job delivered again after its run finished (e.g. a crash before BullMQ recorded it) must not run twice.
  if (writer.ledger.terminal) return { status: 'already_finished' };
  const run = runContext(d, job, writer, log);
  const budget = new RunBudget({
    redis: d.redis,
    eventsStream: d.events.stream,
    userId: job.user_id,
    runId: job.run_id,
    attempt: writer.attempt,
    price: priceOf(d.prices, run.model),
    ...d.budget,
  });
  const retriesLeft = d.attempts - 1 - writer.ledger.retries;
  const shouldRetry = (err: unknown) => retriesLeft > 0 && isTransient(err);
  const describeError = (err: unknown) => {
    const message = publicMessage(err);
    if (isExpected(err)) log.warn('run failed', { error: message });
    else log.error('run failed unexpectedly', errorFields(err));
    return message;
  };
  let outcome: RunOutcomeKind = 'failed';
  d.metrics.active.inc();
  try {
    await cancel.check();
    const plan = await planRun(d, job);
    if (plan.endedElsewhere) {
      outcome = 'cancelled';
      log.info('sessions already ended this run; stopping without further events');
      return { status: 'cancelled' };
    }
    const result = await runAgentLoop(
      {
        provider: plan.provider,
        tools: plan.tools,
        events: writer,
        hooks: d.hooks,
        permissions: d.permissions,
        checkCancelled: cancel.check,
        describeError,
        budget,
      },
      {
        ...plan,
        run,
        maxTokens: d.maxOutputTokens,
        signal: AbortSignal.any([signal, cancel.signal]),
        journal: writer.journal,
        shouldRetry,
      },
    );
    outcome = result.status;
    return result;
  } catch (err) {
    if (cancel.signal.aborted) {
      outcome = 'cancelled';
      log.info('run cancelled; stopped without further events');
      return { status: 'cancelled' };
    }
    if (err instanceof ParkRun) {
      outcome = 'parked';
      throw err;
    }
    if (err instanceof SupersededError) {
      outcome = 'superseded';
      log.warn('another attempt took this run over; this one stops');
      return { status: 'superseded' };
    }
    if (signal.aborted && signal.reason instanceof HandBack) {
      outcome = 'handed_back';
      throw signal.reason;
    }
    if (!signal.aborted && shouldRetry(err)) {
      const retry = await writer.recordRetry();
      outcome = 'retry';
      log.warn('run attempt failed; retrying', { attempt: retry, ...errorFields(err) });
      throw new RetryLater(d.backoffMs * 2 ** (retry - 1), retry, err);
    }
    // Aborted otherwise (BullMQ cancelled the job): the run still ends, as failed.
    const error = signal.aborted ? 'The run was cancelled.' : describeError(err);
    return failRun(writer, error, run);
  } finally {
    d.metrics.active.dec();
    // A turn cut short (cancel, hand-back, retry, park) holds part of the budget until its hold lapses: let go now.
    await budget.release().catch((err: unknown) => log.warn('could not release the budget hold', errorFields(err)));
    await d.hooks.afterRun(run, outcome);
  }
}

function runContext(d: RunServiceDeps, job: AgentRunJob, writer: RunEventWriter, log: Logger): RunContext {
  const { providerName, model } = modelOf(d.providers, job);
  const cost = (usage: Usage) => costOf(d.prices, model, usage);
  const { usage, turns } = writer.ledger;
  return {
    runId: job.run_id,
    sessionId: job.session_id,
    provider: providerName,
    model,
    totals: { usage, turns, costUsd: cost(usage) },
    costOf: cost,
    log,
  };
}

/** Emits the run's one run_failed with the totals so far (unless a terminal event already went out). */
export async function failRun(writer: RunEventWriter, error: string, run: RunContext): Promise<RunOutcome> {
  const { usage, turns, costUsd } = run.totals;
  if (!writer.ledger.terminal)
    await writer.emit({ type: 'run_failed', data: { error, usage, cost_usd: costUsd, turns } });
  return { status: 'failed', error, usage, costUsd, turns };
}

/**
 * Ends a run whose job BullMQ gave up on (its runner stopped during it more often than
 * MAX_STALLED_COUNT allows): one run_failed, unless it already ended or was cancelled.
 */
export async function abandonRun(d: RunServiceDeps, job: AgentRunJob, reason: string): Promise<void> {
  const writer = await RunEventWriter.open(d.redis, d.events, { sessionId: job.session_id, runId: job.run_id, userId: job.user_id });
  if (writer.ledger.terminal || (await d.cancels.isCancelled(job.run_id))) return;
  const log = d.logger.child({ run_id: job.run_id, session_id: job.session_id });
  log.warn('giving up on a run whose runner kept stopping during it', { reason });
  const error = 'The run was interrupted too many times (its runner stopped during it) and was not finished.';
  await failRun(writer, error, runContext(d, job, writer, log));
}
