import { afterCursor, type KeysetPosition } from '@platform/db-kit';
import type { WebhookDelivery, WebhookSettings } from '../generated/prisma/client';
import type { Db } from '../db';
import { writeAudit } from './audit.repository';

export interface AttemptOutcome {
  status: 'succeeded' | 'failed';
  responseStatus: number | null;
  error: string | null;
}

/** Webhook settings per person, and the record of every delivery attempt. */
export class WebhooksRepository {
  constructor(private readonly db: Db) {}

  settings(userId: string): Promise<WebhookSettings | null> {
    return this.db.webhookSettings.findUnique({ where: { userId } });
  }

  /** Creates or updates a person's settings (`url` undefined keeps the stored one); `secret` is sealed. */
  saveSettings(userId: string, o: { url?: string | null | undefined; secret: string }): Promise<WebhookSettings> {
    return this.db.webhookSettings.upsert({
      where: { userId },
      create: { userId, url: o.url ?? null, secret: o.secret },
      update: { ...(o.url !== undefined ? { url: o.url } : {}), secret: o.secret },
    });
  }

  /** Records that an attempt is starting, so one that never finishes (a crash) still shows. */
  startAttempt(d: { sessionId: string; runId: string; url: string; event: string; attempt: number }): Promise<WebhookDelivery> {
    return this.db.webhookDelivery.create({ data: { ...d, status: 'pending' } });
  }

  /** Records how an attempt ended, with its audit entry. */
  finishAttempt(delivery: WebhookDelivery, o: AttemptOutcome): Promise<WebhookDelivery> {
    return this.db.$transaction(async (tx) => {
      const done = await tx.webhookDelivery.update({
        where: { id: delivery.id },
        data: { status: o.status, responseStatus: o.responseStatus, error: o.error, finishedAt: new Date() },
      });
      await writeAudit(tx, {
        sessionId: delivery.sessionId,
        runId: delivery.runId,
        action: 'webhook_delivery',
        actor: 'system:webhooks',
        details: {
          delivery_id: delivery.id,
          url: delivery.url,
          event: delivery.event,
          attempt: delivery.attempt,
          status: o.status,
          response_status: o.responseStatus,
          error: o.error,
        },
      });
      return done;
    });
  }

  listDeliveries(sessionId: string, after: KeysetPosition | undefined, limit: number): Promise<WebhookDelivery[]> {
    return this.db.webhookDelivery.findMany({
      where: { sessionId, ...afterCursor(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
  }
}
