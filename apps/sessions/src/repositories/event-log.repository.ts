import { TERMINAL_RUN_STATUSES, type RunEvent, type RunStatus } from '@platform/contracts';
import { isUniqueViolation } from '@platform/db-kit';
import type { SessionEvent } from '../generated/prisma/client';
import type { Db } from '../db';
import { deriveFromEvent, type DeriveOptions } from './event-derive';
import { appendRunEvent, DuplicateRunEvent, lockRunSeeing, type LockedRun, type Tx } from './run-state';

/** What became of one runner event. */
export type ApplyResult =
  | { kind: 'applied'; row: SessionEvent }
  /** Already persisted, or it repeats what is recorded (a resumed attempt): dropped. */
  | { kind: 'duplicate' }
  /** Its run had already ended (completed, failed, cancelled, timed out): dropped, so each run ends once. */
  | { kind: 'run_ended' }
  /** Its session is gone (deleted with its runs). */
  | { kind: 'session_gone' }
  /** Its session exists but has no such run: the event can never apply. */
  | { kind: 'unknown_run' };

/**
 * The per-session event log and everything derived from it (messages, tool calls, run state, totals),
 * written in one transaction (per event, or per batch of events) under the run's row lock. (run_id, run_seq) is unique, so a
 * redelivered event is a no-op, and nothing is recorded for a run after it ended.
 */
export class EventLogRepository {
  constructor(
    private readonly db: Db,
    private readonly derive: DeriveOptions,
  ) {}

  async apply(e: RunEvent): Promise<ApplyResult> {
    try {
      return await this.db.$transaction((tx) => applyIn(tx, e, this.derive, new Map()));
    } catch (err) {
      if (isUniqueViolation(err) || err instanceof DuplicateRunEvent) return { kind: 'duplicate' };
      throw err;
    }
  }

  /**
   * Applies several events, in order, in one transaction: the per-transaction cost (BEGIN, COMMIT, a pooled
   * connection) is paid once per batch instead of once per text_delta. All or nothing: if it throws, nothing
   * was written and the caller applies the events one by one with `apply`.
   */
  applyMany(events: RunEvent[]): Promise<ApplyResult[]> {
    return this.db.$transaction(
      async (tx) => {
        const results: ApplyResult[] = [];
        const locked = new Map<string, LockedRun>();
        for (const e of events) results.push(await applyIn(tx, e, this.derive, locked));
        return results;
      },
      { timeout: 30_000 },
    );
  }

  /** Events after `afterSeq`, in order, for replay. */
  listAfter(sessionId: string, afterSeq: number, limit: number): Promise<SessionEvent[]> {
    return this.db.sessionEvent.findMany({ where: { sessionId, seq: { gt: afterSeq } }, orderBy: { seq: 'asc' }, take: limit });
  }

  /** The highest runner run_seq persisted for a run (control events have negative ones), or null. */
  async lastRunSeq(runId: string): Promise<number | null> {
    const r = await this.db.sessionEvent.aggregate({ where: { runId, runSeq: { gte: 0 } }, _max: { runSeq: true } });
    return r._max.runSeq;
  }
}

/**
 * `locked`: the runs this transaction locked already (their row lock lasts until it ends), kept current by
 * `deriveFromEvent`, so a run's later events in the same batch skip the lock query.
 */
async function applyIn(tx: Tx, e: RunEvent, derive: DeriveOptions, locked: Map<string, LockedRun>): Promise<ApplyResult> {
  let run = locked.get(e.run_id);
  let seen: boolean;
  if (run) {
    seen = (await tx.sessionEvent.findUnique({ where: { runId_runSeq: { runId: e.run_id, runSeq: e.run_seq } }, select: { id: true } })) !== null;
  } else {
    const row = await lockRunSeeing(tx, e.run_id, e.run_seq);
    if (row) {
      const { seen: recorded, ...lockedRun } = row;
      run = lockedRun;
      seen = recorded;
      locked.set(e.run_id, run);
    } else seen = false;
  }
  if (!run || run.session_id !== e.session_id) {
    const session = await tx.session.findUnique({ where: { id: e.session_id }, select: { id: true } });
    return { kind: session ? 'unknown_run' : 'session_gone' };
  }
  if (TERMINAL_RUN_STATUSES.includes(run.status as RunStatus)) return { kind: 'run_ended' };
  if (seen) return { kind: 'duplicate' };
  if (!(await deriveFromEvent(tx, e, run, derive))) return { kind: 'duplicate' };
  const row = await appendRunEvent(tx, { sessionId: e.session_id, runId: e.run_id, runSeq: e.run_seq, type: e.type, data: e.data });
  return { kind: 'applied', row };
}
