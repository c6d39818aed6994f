import type { RunStatus, WebhookEventType } from '@platform/contracts';
import { errorFields, type Logger } from '@platform/service-kit';
import type { Run } from '../../generated/prisma/client';
import type { RunControlRepository } from '../../repositories/run-control.repository';
import type { SessionsRepository } from '../../repositories/sessions.repository';
import type { WebhooksRepository } from '../../repositories/webhooks.repository';
import type { WebhooksQueue } from '../../queues/webhooks';

const EVENTS: Partial<Record<RunStatus, WebhookEventType>> = {
  completed: 'run.completed',
  failed: 'run.failed',
  cancelled: 'run.cancelled',
  timed_out: 'run.timed_out',
};
/** The outbox sweep leaves runs that finished longer ago than this alone. */
const SWEEP_HORIZON_MS = 24 * 3600_000;

/** Hands the end of each run to the webhook queue once, if its session (or its owner) has a webhook. */
export class WebhookNotifier {
  constructor(
    private readonly d: {
      control: RunControlRepository;
      sessions: SessionsRepository;
      webhooks: WebhooksRepository;
      queue: WebhooksQueue;
      logger: Logger;
    },
  ) {}

  async notify(run: Run): Promise<void> {
    const event = EVENTS[run.status as RunStatus];
    if (!event || run.notifiedAt) return;
    const session = await this.d.sessions.findById(run.sessionId);
    const url = session ? (session.webhookUrl ?? (await this.d.webhooks.settings(session.ownerId))?.url ?? null) : null;
    if (session && url) {
      await this.d.queue.enqueue({ v: 1, run_id: run.id, session_id: run.sessionId, user_id: session.ownerId, url, event });
    }
    await this.d.control.markNotified(run.id);
  }

  /** Outbox sweep: finished runs whose end was never handed over (a crash right after it was recorded). */
  async sweep(olderThanMs: number): Promise<number> {
    const now = Date.now();
    const runs = await this.d.control.unnotified(new Date(now - olderThanMs), new Date(now - SWEEP_HORIZON_MS));
    for (const run of runs) {
      try {
        await this.notify(run);
      } catch (err) {
        this.d.logger.warn('webhook notification failed; will retry', { run_id: run.id, ...errorFields(err) });
      }
    }
    return runs.length;
  }
}
