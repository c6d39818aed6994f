import { afterCursor, type KeysetPosition } from '@platform/db-kit';
import type { ContentBlock } from '@platform/contracts';
import type { Message, Prisma, Run, ToolCall } from '../generated/prisma/client';
import type { Db } from '../db';

/** Runs, the messages and tool calls they produce, read side plus the accepted-query write. */
export class RunsRepository {
  constructor(private readonly db: Db) {}

  /** The run row and the user's message, together: nothing accepted exists only in memory. */
  createQueued(sessionId: string, provider: string, model: string, content: ContentBlock[]): Promise<Run> {
    return this.db.$transaction(async (tx) => {
      const run = await tx.run.create({ data: { sessionId, status: 'queued', provider, model } });
      const s = await tx.session.update({
        where: { id: sessionId },
        data: { messageSeq: { increment: 1 }, messageCount: { increment: 1 } },
        select: { messageSeq: true },
      });
      await tx.message.create({ data: { sessionId, runId: run.id, seq: s.messageSeq, role: 'user', content: content as Prisma.InputJsonValue } });
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
      where: { status: 'queued', createdAt: { lt: before } },
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
