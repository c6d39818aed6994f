import type { Redis } from 'ioredis';
import type { AgentRunJob, Usage } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import { runAgentLoop, type RunOutcome } from './agent-loop';
import { RunEventWriter, type EventSink, type EventStreamOptions } from './events';
import { HandBack, RetryLater, isExpected, isTransient, publicMessage } from './errors';
import { costOf, type ModelPrices } from './pricing';
import { modelOf, planRun, type RunPlanDeps } from './run-plan';
import type { RunMetrics } from './run-metrics';

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
}

export type RunResult = RunOutcome | { status: 'already_finished' };

/**
 * Executes one run job: continues the run's event sequence, plans it from its session's history,
 * runs the agent loop, and decides what an error means: transient with attempts left → RetryLater
 * (no terminal event); shutdown → HandBack; anything else → one run_failed.
 */
export async function executeRun(d: RunServiceDeps, job: AgentRunJob, signal: AbortSignal): Promise<RunResult> {
  const log = d.logger.child({ run_id: job.run_id, session_id: job.session_id });
  const writer = await RunEventWriter.open(d.redis, d.events, { sessionId: job.session_id, runId: job.run_id });
  // A job delivered again after its run finished (e.g. a crash before BullMQ recorded it) must not run twice.
  if (writer.ledger.terminal) return { status: 'already_finished' };
  const { providerName, model } = modelOf(d.providers, job);
  const cost = (usage: Usage) => costOf(d.prices, model, usage);
  const retriesLeft = d.attempts - 1 - writer.ledger.retries;
  const shouldRetry = (err: unknown) => retriesLeft > 0 && isTransient(err);
  const describeError = (err: unknown) => {
    const message = publicMessage(err);
    if (isExpected(err)) log.warn('run failed', { error: message });
    else log.error('run failed unexpectedly', errorFields(err));
    return message;
  };
  const events = d.metrics.counting(writer, { provider: providerName, model }, cost);
  const resume = { usage: writer.ledger.usage, turns: writer.ledger.turns };
  d.metrics.active.inc();
  try {
    const plan = await planRun(d, job);
    const outcome = await runAgentLoop(
      { provider: plan.provider, tools: plan.tools, events, costOf: cost, describeError },
      { ...plan, runId: job.run_id, maxTokens: d.maxOutputTokens, signal, resume, shouldRetry },
    );
    d.metrics.runs.inc({ provider: providerName, outcome: outcome.status });
    return outcome;
  } catch (err) {
    if (signal.aborted && signal.reason instanceof HandBack) {
      d.metrics.runs.inc({ provider: providerName, outcome: 'handed_back' });
      throw signal.reason;
    }
    if (!signal.aborted && shouldRetry(err)) {
      const attempt = await writer.recordRetry();
      d.metrics.runs.inc({ provider: providerName, outcome: 'retry' });
      log.warn('run attempt failed; retrying', { attempt, ...errorFields(err) });
      throw new RetryLater(d.backoffMs * 2 ** (attempt - 1), attempt, err);
    }
    // Until run control adds run_cancelled, a cancelled run (BullMQ cancelJob) ends as failed.
    const error = signal.aborted ? 'The run was cancelled.' : describeError(err);
    d.metrics.runs.inc({ provider: providerName, outcome: 'failed' });
    return failRun(writer, error, cost);
  } finally {
    d.metrics.active.dec();
  }
}

/** Emits the run's one run_failed with the totals so far (unless a terminal event already went out). */
async function failRun(writer: RunEventWriter, error: string, cost: (u: Usage) => number): Promise<RunOutcome> {
  const { usage, turns, terminal } = writer.ledger;
  const costUsd = cost(usage);
  const sink: EventSink = writer;
  if (!terminal) await sink.emit({ type: 'run_failed', data: { error, usage, cost_usd: costUsd, turns } });
  return { status: 'failed', error, usage, costUsd, turns };
}
