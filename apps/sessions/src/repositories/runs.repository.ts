import { afterCursor, type KeysetPosition } from '@platform/db-kit';
import type { ContentBlock } from '@platform/contracts';
import type { Message, Prisma, Run, ToolCall } from '../generated/prisma/client';
import type { Db } from '../db';
import type { AuditInput } from './audit.repository';
import { ACTIVE_RUN_STATUSES, type Tx } from './run-state';
import { inTransaction, pooled } from './sql';

export interface RunnerHistory {
  options: Prisma.JsonValue | undefined;
  run: { id: string; status: string; lastRunSeq: number | null } | undefined;
  messages: Message[];
}

export interface NewQuery {
  sessionId: string;
  provider: string;
  model: string;
  content: ContentBlock[];
  /** Hold the run behind the session's active run instead of refusing it. */
  enqueue: boolean;
  /** Most runs a session may hold behind its active run; one more is refused (`onFull`). */
  maxHeld: number;
  audit: Omit<AuditInput, 'sessionId' | 'runId' | 'action'>;
}

/** Why a query is not accepted, as the errors the caller answers with. */
export interface QueryRefusals {
  /** The session has a run still active (and the query did not ask to wait). */
  busy: (active: { id: string; status: string }) => Error;
  /** The session already holds `maxHeld` runs behind its active one. */
  full: (active: { id: string; status: string }, held: number) => Error;
  /** The session is gone (undefined) or archived. */
  gone: (status: string | undefined) => Error;
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
   * memory). With one: refused (`busy`), or, when `enqueue`, a held run whose message is written when
   * it is released, so the conversation stays in order, unless the session holds `maxHeld` already (`full`).
   * `gone` when the session is gone or archived.
   * Every accepted query goes through here, so it is SQL on the driver: the lock (with the active run, read
   * after the lock is held), then the run, the message, the session's counters and the audit entry in one
   * statement.
   */
  createQueued(q: NewQuery, refuse: QueryRefusals): Promise<{ id: string; held: boolean }> {
    return inTransaction(this.db.$pool, async (sql) => {
      const [session] = await sql.query<{ status: string }>(`SELECT status FROM sessions WHERE id = $1::uuid FOR UPDATE`, [q.sessionId]);
      if (session?.status !== 'active') throw refuse.gone(session?.status);
      const [active] = await sql.query<{ id: string; status: string; held: number }>(
        `SELECT id::text, status, (SELECT count(*)::int FROM runs WHERE session_id = $1::uuid AND held AND status = 'queued') AS held
           FROM runs WHERE session_id = $1::uuid AND status = ANY($2::text[]) ORDER BY created_at LIMIT 1`,
        [q.sessionId, ACTIVE_RUN_STATUSES],
      );
      if (active && !q.enqueue) throw refuse.busy(active);
      if (active && active.held >= q.maxHeld) throw refuse.full(active, active.held);
      const held = active !== undefined;
      const content = JSON.stringify(q.content);
      const [run] = await sql.query<{ id: string }>(
        `WITH r AS (
           INSERT INTO runs (id, session_id, status, provider, model, held, pending_input, created_at)
           VALUES (gen_random_uuid(), $1::uuid, 'queued', $2, $3, $4::boolean, CASE WHEN $4::boolean THEN $5::jsonb END, clock_timestamp())
           RETURNING id
         ), s AS (
           UPDATE sessions SET message_seq = message_seq + 1, message_count = message_count + 1, updated_at = now()
            WHERE id = $1::uuid AND NOT $4::boolean RETURNING message_seq
         ), m AS (
           INSERT INTO messages (id, session_id, run_id, seq, role, content, created_at)
           SELECT gen_random_uuid(), $1::uuid, r.id, s.message_seq, 'user', $5::jsonb, clock_timestamp() FROM r, s
         ), a AS (
           INSERT INTO session_audit (id, session_id, run_id, action, actor, details, created_at)
           SELECT gen_random_uuid(), $1::uuid, r.id, 'query', $6, $7::jsonb, clock_timestamp() FROM r
         )
         SELECT id::text FROM r`,
        [q.sessionId, q.provider, q.model, held, content, q.audit.actor, JSON.stringify({ ...q.audit.details, held })],
      );
      if (!run) throw new Error('the run was not inserted');
      return { id: run.id, held };
    });
  }

  findRun(sessionId: string, runId: string): Promise<Run | null> {
    return this.db.run.findFirst({ where: { id: runId, sessionId } });
  }

  listRuns(sessionId: string, after: KeysetPosition | undefined, limit: number): Promise<Run[]> {
    return this.db.run.findMany({ where: { sessionId, ...afterCursor(after) }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit + 1 });
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

  /**
   * What a runner plans a run from, read on the driver (every run asks for it): the session's options
   * (undefined when the session is gone), the run's status and the highest runner run_seq persisted for it
   * (`run` undefined when `runId` is not a run of this session), then every message in order.
   */
  async history(sessionId: string, runId: string | undefined): Promise<RunnerHistory> {
    const sql = pooled(this.db.$pool);
    const [head] = await sql.query<{ options: Prisma.JsonValue | null; run_id: string | null; run_status: string | null; last_run_seq: number | null }>(
      `SELECT s.options, r.id::text AS run_id, r.status AS run_status,
              (SELECT max(run_seq) FROM session_events e WHERE e.run_id = r.id AND e.run_seq >= 0) AS last_run_seq
         FROM (SELECT 1) AS one
         LEFT JOIN sessions s ON s.id = $1::uuid
         LEFT JOIN runs r ON r.id = $2::uuid AND r.session_id = $1::uuid`,
      [sessionId, runId ?? null],
    );
    const rows = await sql.query<{ id: string; run_id: string | null; seq: number; role: string; content: Prisma.JsonValue; turn: number | null; created_at: Date }>(
      `SELECT id::text, run_id::text, seq, role, content, turn, created_at FROM messages WHERE session_id = $1::uuid ORDER BY seq`,
      [sessionId],
    );
    return {
      options: head?.options ?? undefined,
      run: head?.run_id && head.run_status ? { id: head.run_id, status: head.run_status, lastRunSeq: head.last_run_seq } : undefined,
      messages: rows.map((m) => ({ id: m.id, sessionId, runId: m.run_id, seq: m.seq, role: m.role, content: m.content as Prisma.JsonValue, turn: m.turn, createdAt: m.created_at })),
    };
  }

  listToolCalls(sessionId: string, after: KeysetPosition | undefined, limit: number): Promise<ToolCall[]> {
    return this.db.toolCall.findMany({ where: { sessionId, ...afterCursor(after) }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit + 1 });
  }
}
