import { isUniqueViolation } from '@platform/db-kit';
import type { RunEvent } from '@platform/contracts';
import type { Prisma, SessionEvent } from '../generated/prisma/client';
import type { Db } from '../db';

type Tx = Prisma.TransactionClient;
const ACTIVE = ['queued', 'running', 'requires_action'];

/**
 * The per-session event log and everything derived from it (messages, tool calls, run state, totals),
 * written in one transaction per event. (run_id, run_seq) is unique, so a redelivered event is a no-op.
 */
export class EventLogRepository {
  constructor(private readonly db: Db) {}

  /** Persists one runner event; null when it was already persisted or its session is gone. */
  async apply(e: RunEvent): Promise<SessionEvent | null> {
    try {
      return await this.db.$transaction(async (tx) => {
        const seen = await tx.sessionEvent.findUnique({ where: { runId_runSeq: { runId: e.run_id, runSeq: e.run_seq } }, select: { id: true } });
        if (seen) return null;
        const session = await tx.session.updateMany({ where: { id: e.session_id }, data: { eventSeq: { increment: 1 } } });
        if (session.count === 0) return null;
        const { eventSeq } = await tx.session.findUniqueOrThrow({ where: { id: e.session_id }, select: { eventSeq: true } });
        const row = await tx.sessionEvent.create({
          data: { sessionId: e.session_id, seq: eventSeq, runId: e.run_id, runSeq: e.run_seq, type: e.type, data: e.data as Prisma.InputJsonValue },
        });
        await this.derive(tx, e);
        return row;
      });
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  private async derive(tx: Tx, e: RunEvent): Promise<void> {
    const now = new Date();
    switch (e.type) {
      case 'run_started':
        await tx.run.updateMany({
          where: { id: e.run_id, status: { in: ACTIVE } },
          data: { status: 'running', startedAt: now, provider: e.data.provider, model: e.data.model },
        });
        return;
      case 'text_delta':
      case 'permission_request':
        return;
      case 'tool_use':
        await tx.toolCall.create({
          data: {
            sessionId: e.session_id,
            runId: e.run_id,
            toolUseId: e.data.tool_use_id,
            tool: e.data.tool,
            input: e.data.input as Prisma.InputJsonValue,
            status: e.data.decision === 'allow' ? 'running' : 'denied',
            decision: e.data.decision,
            decisionReason: e.data.reason,
            decidedBy: e.data.decided_by,
            ...(e.data.decision === 'deny' ? { finishedAt: now, isError: true } : {}),
          },
        });
        await tx.session.update({ where: { id: e.session_id }, data: { toolCallCount: { increment: 1 } } });
        return;
      case 'tool_result':
        await tx.toolCall.updateMany({
          where: { runId: e.run_id, toolUseId: e.data.tool_use_id, status: 'running' },
          data: { status: e.data.is_error ? 'failed' : 'succeeded', output: e.data.output, isError: e.data.is_error, finishedAt: now },
        });
        return;
      case 'message_complete': {
        const s = await tx.session.update({
          where: { id: e.session_id },
          data: { messageSeq: { increment: 1 }, messageCount: { increment: 1 } },
          select: { messageSeq: true },
        });
        await tx.message.create({
          data: { sessionId: e.session_id, runId: e.run_id, seq: s.messageSeq, role: e.data.role, content: e.data.content as Prisma.InputJsonValue },
        });
        if (e.data.role === 'assistant') await tx.run.update({ where: { id: e.run_id }, data: { turns: { increment: 1 } } });
        return;
      }
      case 'run_completed':
      case 'run_failed': {
        const done = await tx.run.updateMany({
          where: { id: e.run_id, status: { in: ACTIVE } },
          data: {
            status: e.type === 'run_completed' ? 'completed' : 'failed',
            error: e.type === 'run_failed' ? e.data.error : null,
            inputTokens: e.data.usage.input_tokens,
            outputTokens: e.data.usage.output_tokens,
            costUsd: e.data.cost_usd,
            finishedAt: now,
          },
        });
        if (done.count === 1) {
          await tx.session.update({
            where: { id: e.session_id },
            data: {
              inputTokens: { increment: e.data.usage.input_tokens },
              outputTokens: { increment: e.data.usage.output_tokens },
              costUsd: { increment: e.data.cost_usd },
            },
          });
        }
        return;
      }
    }
  }

  /** Events after `afterSeq`, in order, for replay. */
  listAfter(sessionId: string, afterSeq: number, limit: number): Promise<SessionEvent[]> {
    return this.db.sessionEvent.findMany({ where: { sessionId, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit });
  }
}
