import type { Prisma, SessionEvent } from '../generated/prisma/client';

export type Tx = Prisma.TransactionClient;

/** A run in one of these holds its session: a new query waits (multitask "enqueue") or is refused. */
export const ACTIVE_RUN_STATUSES = ['queued', 'running', 'requires_action'];

/** The columns of a run that event ingestion and the run-control transitions decide on. */
export interface LockedRun {
  id: string;
  session_id: string;
  status: string;
  started_at: Date | null;
  held: boolean;
  deadline_at: Date | null;
  /** Set by ingestion when the run ends: whether its end needs the follow-ups (a held run to release, a webhook). */
  needs_follow_up?: boolean;
}

/**
 * Locks a run's row for the rest of the transaction. Ingestion, cancel, the watchdog and permission
 * answers all take it first, so exactly one of them moves a run to a terminal status, and an event
 * that arrives after that sees it.
 */
export async function lockRun(tx: Tx, runId: string): Promise<LockedRun | undefined> {
  const rows = await tx.$queryRaw<LockedRun[]>`
    SELECT id::text, session_id::text, status, started_at, held, deadline_at FROM runs WHERE id = ${runId}::uuid FOR UPDATE`;
  return rows[0];
}

/** Locks a session's row: queries and the release of held runs serialise on it (one run at a time). */
export async function lockSession(tx: Tx, sessionId: string): Promise<{ status: string; owner_id: string } | undefined> {
  const rows = await tx.$queryRaw<Array<{ status: string; owner_id: string }>>`
    SELECT status, owner_id::text FROM sessions WHERE id = ${sessionId}::uuid FOR UPDATE`;
  return rows[0];
}

/** Appends an event to the session's log with the next per-session sequence number. */
export async function appendEvent(
  tx: Tx,
  e: { sessionId: string; runId: string; runSeq: number; type: string; data: Record<string, unknown> },
): Promise<SessionEvent> {
  const { eventSeq } = await tx.session.update({
    where: { id: e.sessionId },
    data: { eventSeq: { increment: 1 } },
    select: { eventSeq: true },
  });
  return tx.sessionEvent.create({
    data: { sessionId: e.sessionId, seq: eventSeq, runId: e.runId, runSeq: e.runSeq, type: e.type, data: e.data as Prisma.InputJsonValue },
  });
}

/** The statuses of a tool call that is not finished: a run that ends cancels those it leaves. */
export const DANGLING_TOOL_CALL_STATUSES = ['pending', 'running'];

/** A run that ended leaves nothing open: its unfinished tool calls and unanswered permission requests are closed. */
export async function closeDangling(tx: Tx, runId: string, now: Date, decidedBy: string): Promise<void> {
  await tx.toolCall.updateMany({
    where: { runId, status: { in: DANGLING_TOOL_CALL_STATUSES } },
    data: { status: 'cancelled', finishedAt: now },
  });
  await tx.permissionRequest.updateMany({
    where: { runId, status: 'pending' },
    data: { status: 'cancelled', decidedBy, decidedAt: now },
  });
}
