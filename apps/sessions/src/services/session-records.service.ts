import { decodeCursor, pageFrom } from '@platform/db-kit';
import type { Session } from '../generated/prisma/client';
import type { AuditRepository } from '../repositories/audit.repository';
import type { WebhooksRepository } from '../repositories/webhooks.repository';
import { toAuditDto, toDeliveryDto } from '../repositories/mappers';
import type { Caller } from './caller';

/** Read-only records of a session for its owner or an admin: the audit log and webhook deliveries, newest first. */
export class SessionRecordsService {
  constructor(
    private readonly d: {
      audit: AuditRepository;
      webhooks: WebhooksRepository;
      visible: (caller: Caller, sessionId: string) => Promise<Session>;
    },
  ) {}

  async audit(caller: Caller, sessionId: string, q: { action?: string | undefined; cursor?: string | undefined; limit: number }) {
    await this.d.visible(caller, sessionId);
    const rows = await this.d.audit.list(sessionId, q.action, q.cursor ? decodeCursor(q.cursor) : undefined, q.limit);
    return pageFrom(rows, q.limit, toAuditDto);
  }

  async deliveries(caller: Caller, sessionId: string, q: { cursor?: string | undefined; limit: number }) {
    await this.d.visible(caller, sessionId);
    const rows = await this.d.webhooks.listDeliveries(sessionId, q.cursor ? decodeCursor(q.cursor) : undefined, q.limit);
    return pageFrom(rows, q.limit, toDeliveryDto);
  }
}
