import { CONTROL_RUN_SEQ } from '@platform/contracts';
import type { Logger } from '@platform/service-kit';
import type { Run } from '../generated/prisma/client';
import type { RunControlRepository } from '../repositories/run-control.repository';
import type { AgentRunsQueue } from '../queues/agent-runs';
import type { RunControlService } from './run-control.service';

const WATCHDOG = 'system:watchdog';
/** Job states in which a runner has (or will have) the run in hand. */
const ALIVE = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

/** Leader sweeps that make sure no run stays active forever. */
export class RunWatchdog {
  constructor(
    private readonly d: {
      control: RunControlRepository;
      runControl: RunControlService;
      queue: AgentRunsQueue;
      logger: Logger;
      strandedGraceMs: number;
    },
  ) {}

  /** Runs still running (or waiting for an answer) past their deadline end as timed_out. */
  async timeOutOverdue(): Promise<number> {
    let ended = 0;
    const now = new Date();
    for (const run of await this.d.control.overdue(now)) {
      const error = run.status === 'requires_action' ? 'No answer to the permission request in time' : 'The run did not finish before its deadline';
      const done = await this.d.runControl.endRun({
        runId: run.id,
        status: 'timed_out',
        from: [run.status],
        deadlineBefore: now,
        error,
        event: { type: 'run_timed_out', runSeq: CONTROL_RUN_SEQ.run_timed_out, data: { error, deadline_at: run.deadlineAt?.toISOString() ?? null } },
        audit: { action: 'run_timed_out', actor: WATCHDOG, details: { error, previous_status: run.status } },
      });
      if (done) ended++;
    }
    if (ended > 0) this.d.logger.warn('timed out runs past their deadline', { count: ended });
    return ended;
  }

  /**
   * Runs a job should be working on whose job failed (every attempt used), finished or vanished, with no
   * sign of life for the grace period, end as failed: nothing else would ever end them.
   */
  async failStranded(): Promise<number> {
    const now = Date.now();
    let ended = 0;
    for (const run of await this.d.control.workedOnSince(new Date(now - this.d.strandedGraceMs))) {
      const state = await this.d.queue.jobState(run.id);
      if (ALIVE.has(state)) continue;
      // A queued run with no job is the outbox sweep's: it enqueues it again.
      if (run.status === 'queued' && state === 'missing') continue;
      if (now - (await this.d.control.lastActivity(run)).getTime() < this.d.strandedGraceMs) continue;
      if (await this.fail(run, state)) ended++;
    }
    if (ended > 0) this.d.logger.warn('failed runs whose job is gone', { count: ended });
    return ended;
  }

  private async fail(run: Run, jobState: string): Promise<boolean> {
    const error = jobState === 'failed' ? 'The runner gave up on this run' : 'The run stopped without a result';
    const done = await this.d.runControl.endRun({
      runId: run.id,
      status: 'failed',
      from: [run.status],
      error,
      event: {
        type: 'run_failed',
        runSeq: CONTROL_RUN_SEQ.run_failed,
        data: { error, usage: { input_tokens: run.inputTokens, output_tokens: run.outputTokens }, cost_usd: Number(run.costUsd), turns: run.turns },
      },
      audit: { action: 'run_failed', actor: WATCHDOG, details: { error, job_state: jobState } },
    });
    return done !== null;
  }
}
