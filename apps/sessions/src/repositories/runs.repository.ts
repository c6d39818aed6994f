import { afterCursor, type KeysetPosition } from '@platform/db-kit';
import type { ContentBlock } from '@platform/contracts';
import type { Message, Prisma, Run, ToolCall } from '../generated/prisma/client';
import type { Db } from '../db';
import { writeAudit, type AuditInput } from './audit.repository';
import { ACTIVE_RUN_STATUSES, lockSession, type Tx } from './run-state';

export interface NewQuery {
  sessionId: string;
  provider: string;
  model: string;
  content: ContentBlock[];
  /** Hold the run behind the session's active run instead of refusing it. */
  enqueue: boolean;
  audit: Omit<AuditInput, 'sessionId' | 'runId' | 'action'>;
}

/** Writes a session's next user message (the next sequence number). */
export async function appendUserMessage(tx: Tx, sessionId: string, runId: string, content: Prisma.InputJsonValue): Promise<void> {
  const s = await tx.session.update({
    where: { id: sessionId },
    data: { messageSeq: { increment: 1 }, messageCount: { increment: 1 } },
    select: { messageSeq: true },
  });
  await tx.message.create({ data: { sessionId, runId, seq: s.messageSeq, role: 'user', content } });
}

/** Runs, the messages and tool calls they produce, read side plus the accepted-query write. */
export class RunsRepository {
  constructor(private readonly db: Db) {}

  /**
   * Accepts a query under the session's row lock, so two queries cannot both find the session idle.
   * With no active run: the run row and the user's message, together (nothing accepted exists only in
   * memory). With one: `onBusy` (refused), or, when `enqueue`, a held run whose message is written when
   * it is released, so the conversation stays in order. `onGone` when the session is gone or archived.
   */
  createQueued(q: NewQuery, onBusy: (active: Run) => Error, onGone: (status: string | undefined) => Error): Promise<Run> {
    return this.db.$transaction(async (tx) => {
      const session = await lockSession(tx, q.sessionId);
      if (session?.status !== 'active') throw onGone(session?.status);
      const active = await tx.run.findFirst({ where: { sessionId: q.sessionId, status: { in: ACTIVE_RUN_STATUSES } }, orderBy: { createdAt: 'asc' } });
      if (active && !q.enqueue) throw onBusy(active);
      const held = active !== null;
      const content = q.content as Prisma.InputJsonValue;
      const run = await tx.run.create({
        data: { sessionId: q.sessionId, status: 'queued', provider: q.provider, model: q.model, held, ...(held ? { pendingInput: content } : {}) },
      });
      if (!held) await appendUserMessage(tx, q.sessionId, run.id, content);
      await writeAudit(tx, { ...q.audit, sessionId: q.sessionId, runId: run.id, action: 'query', details: { ...q.audit.details, held } });
      return run;
    });
  }

  findRun(sessionId: string, runId: string): Promise<Run | null> {
    return this.db.run.findFirst({ where: { id: runId, sessionId } });
  }

  listRuns(sessionId: string, after: KeysetPosition | undefined, limit: number): Promise<Run[]> {
    return this.db.run.findMany({ where: { sessionId, ...afterCursor(after) }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit + 1 });
  }

  activeRuns(sessionId: string): Promise<Run[]> {
    return this.db.run.findMany({ where: { sessionId, status: { in: ['queued', 'running', 'requires_action'] } } });
  }

  /** Queued runs older than `before`: candidates for re-enqueueing if their job went missing. */
  staleQueued(before: Date, limit = 100): Promise<Array<Run & { session: { ownerId: string; options: Prisma.JsonValue } }>> {
    return this.db.run.findMany({
      where: { status: 'queued', held: false, createdAt: { lt: before } },
      include: { session: { select: { ownerId: true, options: true } } },
      take: limit,
    });
  }

  /** Messages in sequence order; `afterSeq` is the keyset cursor. */
  listMessages(sessionId: string, afterSeq: number, limit: number): Promise<Message[]> {
    return this.db.message.findMany({ where: { sessionId, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit + 1 });
  }

  allMessages(sessionId: string): Promise<Message[]> {
    return this.db.message.findMany({ where: { sessionId }, orderBy: { seq: 'asc' } });
  }

  listToolCalls(sessionId: string, after: KeysetPosition | undefined, limit: number): Promise<ToolCall[]> {
    return this.db.toolCall.findMany({ where: { sessionId, ...afterCursor(after) }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit + 1 });
  }
}
