import type { Prisma } from '../generated/prisma/client';
import type { Db } from '../db';

export type AuditEvent =
  | 'user_registered'
  | 'login_succeeded'
  | 'login_failed'
  | 'token_refreshed'
  | 'refresh_token_reused'
  | 'logout'
  | 'profile_updated'
  | 'password_changed'
  | 'role_changed'
  | 'status_changed'
  | 'user_updated'
  | 'user_deleted'
  | 'admin_bootstrapped';

export interface AuditEntry {
  event: AuditEvent;
  userId?: string | null;
  actorId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
  details?: Prisma.InputJsonValue;
}

type Tx = Prisma.TransactionClient | Db;

/** Append-only auth audit log. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  async record(e: AuditEntry, tx: Tx = this.db): Promise<void> {
    await tx.auditLog.create({
      data: {
        event: e.event,
        userId: e.userId ?? null,
        actorId: e.actorId ?? null,
        ip: e.ip ?? null,
        userAgent: e.userAgent?.slice(0, 500) ?? null,
        requestId: e.requestId ?? null,
        details: e.details ?? {},
      },
    });
  }

  list(filter: { userId?: string; event?: AuditEvent; limit?: number }) {
    return this.db.auditLog.findMany({
      where: { ...(filter.userId ? { userId: filter.userId } : {}), ...(filter.event ? { event: filter.event } : {}) },
      orderBy: { createdAt: 'desc' },
      take: filter.limit ?? 100,
    });
  }
}
