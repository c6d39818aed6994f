import type { Prisma, SessionEvent } from '../generated/prisma/client';

export type Tx = Prisma.TransactionClient;

/** A run in one of these holds its session: a new query waits (multitask "enqueue") or is refused. */
export const ACTIVE_RUN_STATUSES = ['queued', 'running', 'requires_action'];
export const isActiveStatus = (s: string): boolean => ACTIVE_RUN_STATUSES.includes(s);

/** The columns of a run that event ingestion and the run-control transitions decide on. */
export interface LockedRun {
  id: string;
  session_id: string;
  status: string;
  started_at: Date | null;
  held: boolean;
  deadline_at: Date | null;
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

/**
 * `lockRun` and, in the same statement, whether the run's event `runSeq` is recorded already (one round
 * trip instead of two for an event's first touch of its run in a transaction). The check reads the
 * statement's snapshot; a copy committed meanwhile is still refused by the (run_id, run_seq) unique key.
 */
export async function lockRunSeeing(tx: Tx, runId: string, runSeq: number): Promise<(LockedRun & { seen: boolean }) | undefined> {
  const rows = await tx.$queryRaw<Array<LockedRun & { seen: boolean }>>`
    SELECT r.id::text, r.session_id::text, r.status, r.started_at, r.held, r.deadline_at,
           EXISTS (SELECT 1 FROM session_events e WHERE e.run_id = r.id AND e.run_seq = ${runSeq}) AS seen
    FROM runs r WHERE r.id = ${runId}::uuid FOR UPDATE OF r`;
  return rows[0];
}

/** Thrown by `appendRunEvent` when (run_id, run_seq) is recorded already: the transaction must roll back. */
export class DuplicateRunEvent extends Error {
  constructor() {
    super('run event recorded already');
    this.name = 'DuplicateRunEvent';
  }
}

/**
 * `appendEvent` in one statement (the session's next sequence number and the insert), for event
 * ingestion. A (run_id, run_seq) recorded already throws DuplicateRunEvent, as `appendEvent` throws
 * Prisma's unique violation.
 */
export async function appendRunEvent(
  tx: Tx,
  e: { sessionId: string; runId: string; runSeq: number; type: string; data: Record<string, unknown> },
): Promise<SessionEvent> {
  const rows = await tx.$queryRaw<SessionEvent[]>`
    WITH s AS (
      UPDATE sessions SET event_seq = event_seq + 1, updated_at = now() WHERE id = ${e.sessionId}::uuid RETURNING event_seq
    )
    INSERT INTO session_events (session_id, seq, run_id, run_seq, type, data)
    SELECT ${e.sessionId}::uuid, s.event_seq, ${e.runId}::uuid, ${e.runSeq}, ${e.type}, ${JSON.stringify(e.data)}::jsonb FROM s
    ON CONFLICT (run_id, run_seq) DO NOTHING
    RETURNING id, session_id::text AS "sessionId", seq, run_id::text AS "runId", run_seq AS "runSeq", type, data, created_at AS "createdAt"`;
  const row = rows[0];
  if (!row) throw new DuplicateRunEvent();
  return row;
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

/** A run that ended leaves nothing open: its unfinished tool calls and unanswered permission requests are closed. */
export async function closeDangling(tx: Tx, runId: string, now: Date, decidedBy: string): Promise<void> {
  await tx.toolCall.updateMany({
    where: { runId, status: { in: ['pending', 'running'] } },
    data: { status: 'cancelled', finishedAt: now },
  });
  await tx.permissionRequest.updateMany({
    where: { runId, status: 'pending' },
    data: { status: 'cancelled', decidedBy, decidedAt: now },
  });
}
