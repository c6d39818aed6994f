import { CONTROL_RUN_SEQ, SessionOptionsSchema, type Run as RunDto } from '@platform/contracts';
import { AppError, NotFoundError, errorFields, type Logger } from '@platform/service-kit';
import type { Run, Session } from '../generated/prisma/client';
import type { EndRun, Ended, RunControlRepository } from '../repositories/run-control.repository';
import { toEventDto, toRunDto } from '../repositories/mappers';
import type { AgentRunsQueue } from '../queues/agent-runs';
import type { EventHub } from './event-hub';
import type { RunnerSignal } from './runner-signal';
import type { WebhookNotifier } from './webhooks/webhook-notifier';
import type { Caller } from './caller';

export interface RunControlDeps {
  control: RunControlRepository;
  /** The session if the caller may act on it (404 otherwise). */
  visible: (caller: Caller, sessionId: string) => Promise<Session>;
  hub: EventHub;
  queue: AgentRunsQueue;
  signal: RunnerSignal;
  notifier: WebhookNotifier;
  logger: Logger;
}

export const userActor = (c: Caller): string => `user:${c.userId}`;

/**
 * Ending runs from outside the runner (cancel, and the watchdog's timeouts and failures) and what
 * follows any run's end: the runner is told to stop, the session's next held run is released, the
 * webhook is notified. Each follow-up is also retried by a leader sweep, so a crash loses none.
 */
export class RunControlService {
  constructor(private readonly d: RunControlDeps) {}

  async cancel(caller: Caller, sessionId: string, runId: string, reason: string | undefined): Promise<RunDto> {
    await this.d.visible(caller, sessionId);
    const run = await this.d.control.findRun(runId);
    if (!run || run.sessionId !== sessionId) throw new NotFoundError('Run');
    const ended = await this.cancelRun(runId, userActor(caller), reason ?? null);
    if (ended) return toRunDto(ended.run);
    const now = await this.d.control.findRun(runId);
    throw new AppError('CONFLICT', `The run has already ended (${now?.status ?? 'deleted'})`, { details: { run_id: runId, status: now?.status } });
  }

  /** Cancels every active run of a session (held ones first, so none is released in between). */
  async cancelAll(sessionId: string, actor: string): Promise<void> {
    for (const runId of await this.d.control.activeRunIds(sessionId)) await this.cancelRun(runId, actor, 'session deleted');
  }

  private cancelRun(runId: string, actor: string, reason: string | null): Promise<Ended | null> {
    return this.endRun({
      runId,
      status: 'cancelled',
      error: null,
      event: { type: 'run_cancelled', runSeq: CONTROL_RUN_SEQ.run_cancelled, data: { cancelled_by: actor, reason } },
      audit: { action: 'run_cancelled', actor, details: { reason } },
    });
  }

  /** Ends a run and, if this call did, carries out the follow-ups. */
  async endRun(o: EndRun): Promise<Ended | null> {
    const ended = await this.d.control.end(o);
    if (!ended) return null;
    const { run, event } = ended;
    await this.attempt('publish the control event', run.id, () => this.d.hub.publish(toEventDto(event)));
    await this.attempt('signal the runner', run.id, () => this.d.signal.cancel(run.id));
    await this.attempt('withdraw the job', run.id, () => this.d.queue.removeWaiting(run.id));
    await this.runEnded(run);
    return ended;
  }

  /** After any run's end (the runner's terminal event or one of ours): release the next held run, notify. */
  async runEnded(runOrId: Run | string): Promise<void> {
    const run = typeof runOrId === 'string' ? await this.d.control.findRun(runOrId) : runOrId;
    if (!run) return;
    await this.attempt('release the next held run', run.id, () => this.releaseNext(run.sessionId));
    await this.attempt('notify the webhook', run.id, () => this.d.notifier.notify(run));
  }

  /** Releases and enqueues a session's oldest held run when it has no active run left. */
  async releaseNext(sessionId: string): Promise<boolean> {
    const next = await this.d.control.releaseNext(sessionId);
    if (!next) return false;
    // If this fails the run is queued and released: the outbox sweep enqueues it.
    await this.d.queue.enqueueRun({
      v: 1,
      run_id: next.id,
      session_id: sessionId,
      user_id: next.session.ownerId,
      options: SessionOptionsSchema.parse(next.session.options),
    });
    return true;
  }

  /** Sweep: sessions that still hold runs though nothing is active any more. */
  async releaseHeld(): Promise<number> {
    let released = 0;
    for (const sessionId of await this.d.control.sessionsWithHeldRuns()) if (await this.releaseNext(sessionId)) released++;
    return released;
  }

  private async attempt(what: string, runId: string, step: () => Promise<unknown>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.d.logger.warn(`could not ${what}`, { run_id: runId, ...errorFields(err) });
    }
  }
}
