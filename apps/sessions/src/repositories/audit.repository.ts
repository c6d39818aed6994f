import { afterCursor, type KeysetPosition } from '@platform/db-kit';
import type { Prisma, SessionAudit } from '../generated/prisma/client';
import type { Db } from '../db';
import type { Tx } from './run-state';

export type AuditAction =
  | 'session_created'
  | 'session_updated'
  | 'query'
  | 'tool_decision'
  | 'permission_requested'
  | 'permission_answered'
  | 'permission_expired'
  | 'forked'
  | 'workspace_fork_incomplete'
  | 'run_cancelled'
  | 'run_timed_out'
  | 'run_failed'
  | 'webhook_delivery';

export interface AuditInput {
  sessionId: string;
  runId?: string | null;
  action: AuditAction;
  /** `user:<id>`, `rule:<…>`, `system:<…>` or `service:agent-runner`. */
  actor: string;
  details?: Record<string, unknown>;
}

/** Records an audit entry in the transaction that does what it describes. */
export async function writeAudit(tx: Tx, e: AuditInput): Promise<void> {
  await tx.sessionAudit.create({
    data: {
      sessionId: e.sessionId,
      runId: e.runId ?? null,
      action: e.action,
      actor: e.actor,
      details: (e.details ?? {}) as Prisma.InputJsonValue,
    },
  });
}

/** The audit log of sessions, newest first. */
export class AuditRepository {
  constructor(private readonly db: Db) {}

  record(e: AuditInput): Promise<void> {
    return writeAudit(this.db, e);
  }

  list(sessionId: string, action: string | undefined, after: KeysetPosition | undefined, limit: number): Promise<SessionAudit[]> {
    return this.db.sessionAudit.findMany({
      where: { sessionId, ...(action ? { action } : {}), ...afterCursor(after) },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
  }
}
