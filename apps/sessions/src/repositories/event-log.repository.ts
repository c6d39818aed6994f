import { TERMINAL_EVENT_TYPES, TERMINAL_RUN_STATUSES, type RunEvent, type RunStatus } from '@platform/contracts';
import type { SessionEvent } from '../generated/prisma/client';
import type { Db } from '../db';
import { chargeTurn, deriveFromEvent, type DeriveOptions } from './event-derive';
import type { LockedRun } from './run-state';
import { inTransaction, sqlState, type Sql } from './sql';

/** What became of one runner event. */
export type ApplyResult =
  /** `followUp`: a run's end that needs the end-of-run follow-ups (a held run to release, a webhook to notify). */
  | { kind: 'applied'; row: SessionEvent; followUp?: boolean }
  /** Already persisted, or it repeats what is recorded (a resumed attempt): dropped. */
  | { kind: 'duplicate' }
  /** Its run had already ended (completed, failed, cancelled, timed out): dropped, so each run ends once. */
  | { kind: 'run_ended' }
  /** Its session is gone (deleted with its runs). */
  | { kind: 'session_gone' }
  /** Its session exists but has no such run: the event can never apply. */
  | { kind: 'unknown_run' };

/** Thrown when an event's (run_id, run_seq) was recorded meanwhile: the batch rolls back and is applied one by one. */
export class DuplicateRunEvent extends Error {
  constructor() {
    super('run event recorded already');
    this.name = 'DuplicateRunEvent';
  }
}

/**
 * The per-session event log and everything derived from it (messages, tool calls, run state, totals),
 * written in one transaction per batch of events, under the row locks of the batch's runs. (run_id, run_seq)
 * is unique, so a redelivered event is a no-op, and nothing is recorded for a run after it ended.
 *
 * Ingestion is the platform's hottest write path, so it is SQL on the driver (prepared statements, a
 * handful per run) rather than Prisma calls: see `applyBatch`.
 */
export class EventLogRepository {
  constructor(
    private readonly db: Db,
    private readonly derive: DeriveOptions,
  ) {}

  async apply(e: RunEvent): Promise<ApplyResult> {
    try {
      const [result] = await this.applyMany([e]);
      return result ?? { kind: 'duplicate' };
    } catch (err) {
      if (err instanceof DuplicateRunEvent || sqlState(err) === UNIQUE_VIOLATION) return { kind: 'duplicate' };
      throw err;
    }
  }

  /**
   * Applies several events, in order, in one transaction. All or nothing: if it throws, nothing was written
   * and the caller applies the events one by one with `apply`.
   */
  applyMany(events: RunEvent[]): Promise<ApplyResult[]> {
    return inTransaction(this.db.$pool, (sql) => applyBatch(sql, events, this.derive));
  }

  /** Events after `afterSeq`, in order, for replay. */
  listAfter(sessionId: string, afterSeq: number, limit: number): Promise<SessionEvent[]> {
    return this.db.sessionEvent.findMany({ where: { sessionId, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit });
  }
}

const UNIQUE_VIOLATION = '23505';
const key = (runId: string, runSeq: number) => `${runId}:${runSeq}`;

/**
 * One batch, whatever its size and however many runs it spans, in a fixed number of statements plus what
 * each event derives: lock the batch's runs (in id order, so two lockers never wait on each other in a
 * cycle) and read which of its events are recorded already; derive each new event; then number the new
 * events per session and insert them all at once.
 */
async function applyBatch(sql: Sql, events: RunEvent[], o: DeriveOptions): Promise<ApplyResult[]> {
  const runIds = [...new Set(events.map((e) => e.run_id))];
  const locked = new Map(
    (
      await sql.query<LockedRun>(
        `SELECT id::text, session_id::text, status, started_at, held, deadline_at FROM runs WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
        [runIds],
      )
    ).map((r) => [r.id, r]),
  );
  const seen = new Set(
    (
      await sql.query<{ run_id: string; run_seq: number }>(
        `SELECT run_id::text, run_seq FROM session_events WHERE (run_id, run_seq) IN (SELECT * FROM unnest($1::uuid[], $2::int[]))`,
        [events.map((e) => e.run_id), events.map((e) => e.run_seq)],
      )
    ).map((r) => key(r.run_id, r.run_seq)),
  );
  const results: Array<ApplyResult | undefined> = [];
  const fresh: Array<{ index: number; event: RunEvent }> = [];
  const now = new Date();
  for (const [index, e] of events.entries()) {
    const run = locked.get(e.run_id);
    // A turn's usage is charged whatever becomes of its event (a run ended meanwhile drops the event, not the spend).
    if (run && run.session_id === e.session_id) await chargeTurn(sql, e, now);
    if (!run || run.session_id !== e.session_id) {
      const session = await sql.query(`SELECT 1 FROM sessions WHERE id = $1::uuid`, [e.session_id]);
      results.push({ kind: session.length > 0 ? 'unknown_run' : 'session_gone' });
    } else if (TERMINAL_RUN_STATUSES.includes(run.status as RunStatus)) {
      results.push({ kind: 'run_ended' });
    } else if (seen.has(key(e.run_id, e.run_seq)) || !(await deriveFromEvent(sql, e, run, o))) {
      results.push({ kind: 'duplicate' });
    } else {
      seen.add(key(e.run_id, e.run_seq));
      fresh.push({ index, event: e });
      results.push(undefined);
    }
  }
  for (const row of await appendEvents(sql, fresh.map((f) => f.event))) {
    const f = fresh.find((x) => x.event.run_id === row.runId && x.event.run_seq === row.runSeq);
    if (!f) continue;
    const followUp = locked.get(row.runId)?.needs_follow_up;
    results[f.index] = TERMINAL_EVENT_TYPES.includes(row.type) && followUp !== undefined ? { kind: 'applied', row, followUp } : { kind: 'applied', row };
  }
  return results.map((r) => {
    if (!r) throw new DuplicateRunEvent();
    return r;
  });
}

/** Appends events to their sessions' logs with the next per-session sequence numbers, in order: two statements. */
async function appendEvents(sql: Sql, events: RunEvent[]): Promise<SessionEvent[]> {
  if (events.length === 0) return [];
  const perSession = new Map<string, number>();
  for (const e of events) perSession.set(e.session_id, (perSession.get(e.session_id) ?? 0) + 1);
  const last = new Map(
    (
      await sql.query<{ id: string; event_seq: number }>(
        `UPDATE sessions s SET event_seq = s.event_seq + v.n, updated_at = now()
           FROM unnest($1::uuid[], $2::int[]) AS v(id, n) WHERE s.id = v.id RETURNING s.id::text, s.event_seq`,
        [[...perSession.keys()], [...perSession.values()]],
      )
    ).map((r) => [r.id, r.event_seq]),
  );
  const next = new Map([...perSession].map(([id, n]) => [id, (last.get(id) ?? 0) - n + 1]));
  const seqs = events.map((e) => {
    const seq = next.get(e.session_id) ?? 0;
    next.set(e.session_id, seq + 1);
    return seq;
  });
  const rows = await sql.query<{ id: string; session_id: string; seq: number; run_id: string; run_seq: number; type: string; data: unknown; created_at: Date }>(
    `INSERT INTO session_events (session_id, seq, run_id, run_seq, type, data)
     SELECT session_id, seq, run_id, run_seq, type, data::jsonb FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::int[], $5::text[], $6::text[])
       AS e(session_id, seq, run_id, run_seq, type, data)
     ON CONFLICT (run_id, run_seq) DO NOTHING
     RETURNING id, session_id::text, seq, run_id::text, run_seq, type, data, created_at`,
    [
      events.map((e) => e.session_id),
      seqs,
      events.map((e) => e.run_id),
      events.map((e) => e.run_seq),
      events.map((e) => e.type),
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
  return rows.map((r) => ({
    id: BigInt(r.id),
    sessionId: r.session_id,
    seq: r.seq,
    runId: r.run_id,
    runSeq: r.run_seq,
    type: r.type,
    data: r.data as SessionEvent['data'],
    createdAt: r.created_at,
  }));
}
