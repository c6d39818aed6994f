import { Prisma, type Run, type SessionEvent } from '../generated/prisma/client';
import type { Db } from '../db';
import { writeAudit, type AuditInput } from './audit.repository';
import { appendUserMessage } from './runs.repository';
import { ACTIVE_RUN_STATUSES, appendEvent, closeDangling, lockRun, lockSession } from './run-state';

/** How sessions itself ends a run: cancelled, timed out, or failed because its job is gone. */
export interface EndRun {
  runId: string;
  status: 'cancelled' | 'timed_out' | 'failed';
  /** The statuses it may be ended from (by default, any active one). */
  from?: string[];
  /** Only if its deadline is (still) before this: an answer in between may have given it more time. */
  deadlineBefore?: Date;
  error: string | null;
  event: { type: string; runSeq: number; data: Record<string, unknown> };
  audit: Omit<AuditInput, 'sessionId' | 'runId'>;
}

export interface Ended {
  run: Run;
  event: SessionEvent;
}

type WithSession = Run & { session: { ownerId: string; options: Prisma.JsonValue } };

/**
 * Cancels of many runs of one session queue on that session's row (each appends an event): Prisma's
 * default 2 s wait for a connection and 5 s per transaction would fail some under a burst.
 */
const END_TX = { maxWait: 15_000, timeout: 20_000 };

/** The run-control transitions: ending a run from outside the runner, and releasing held runs. */
export class RunControlRepository {
  constructor(private readonly db: Db) {}

  /**
   * In one transaction under the run's lock: the run ends (only from `from`) with the usage its charged
   * turns add up to (also added to its session's totals), its unfinished tool calls and open permission
   * requests are closed, its one control event is appended and audited. Null when the run does not exist
   * or was no longer in `from`.
   */
  end(o: EndRun): Promise<Ended | null> {
    return this.db.$transaction(async (tx) => {
      const locked = await lockRun(tx, o.runId);
      if (!locked || !(o.from ?? ACTIVE_RUN_STATUSES).includes(locked.status)) return null;
      if (o.deadlineBefore && !(locked.deadline_at && locked.deadline_at < o.deadlineBefore)) return null;
      const now = new Date();
      // What its finished turns used, as charged: a run ended from outside still counts what it spent.
      const [used] = await tx.$queryRaw<Array<{ input: number; output: number; cost: string }>>`
        SELECT COALESCE(sum(input_tokens), 0)::int AS input, COALESCE(sum(output_tokens), 0)::int AS output, COALESCE(sum(cost_usd), 0)::text AS cost
          FROM usage_charges WHERE run_id = ${o.runId}::uuid`;
      const usage = { inputTokens: used?.input ?? 0, outputTokens: used?.output ?? 0, costUsd: new Prisma.Decimal(used?.cost ?? 0) };
      const run = await tx.run.update({
        where: { id: o.runId },
        data: { status: o.status, error: o.error, finishedAt: now, held: false, pendingInput: Prisma.DbNull, ...usage },
      });
      if (usage.inputTokens + usage.outputTokens > 0 || !usage.costUsd.isZero()) {
        await tx.session.update({
          where: { id: run.sessionId },
          data: { inputTokens: { increment: usage.inputTokens }, outputTokens: { increment: usage.outputTokens }, costUsd: { increment: usage.costUsd } },
        });
      }
      await closeDangling(tx, o.runId, now, o.audit.actor);
      const event = await appendEvent(tx, { sessionId: run.sessionId, runId: run.id, runSeq: o.event.runSeq, type: o.event.type, data: o.event.data });
      await writeAudit(tx, { ...o.audit, sessionId: run.sessionId, runId: run.id });
      return { run, event };
    }, END_TX);
  }

  /**
   * When the session has no active run left, its oldest held run is released (its user message written,
   * no longer held) and returned for enqueueing.
   *
   * Locks in the order every other writer of runs uses, run first, then session (ingestion, cancel and the
   * watchdog lock a run, then bump its session's event sequence): taking the session first here deadlocked
   * with a cancel of the very run being released. A held run locked by someone else is skipped (SKIP
   * LOCKED): only a cancel or a delete holds one, so it is leaving the queue, and the next one is released.
   */
  releaseNext(sessionId: string): Promise<WithSession | null> {
    return this.db.$transaction(async (tx) => {
      const [next] = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id::text FROM runs WHERE session_id = ${sessionId}::uuid AND held AND status = 'queued'
         ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`;
      if (!next) return null;
      if (!(await lockSession(tx, sessionId))) return null;
      const busy = await tx.run.count({ where: { sessionId, held: false, status: { in: ACTIVE_RUN_STATUSES } } });
      if (busy > 0) return null;
      const run = await tx.run.findUniqueOrThrow({ where: { id: next.id } });
      await appendUserMessage(tx, sessionId, run.id, (run.pendingInput ?? []) as Prisma.InputJsonValue);
      return tx.run.update({
        where: { id: run.id },
        data: { held: false, pendingInput: Prisma.DbNull },
        include: { session: { select: { ownerId: true, options: true } } },
      });
    }, END_TX);
  }

  async sessionsWithHeldRuns(limit = 100): Promise<string[]> {
    const rows = await this.db.run.findMany({ where: { held: true, status: 'queued' }, distinct: ['sessionId'], select: { sessionId: true }, take: limit });
    return rows.map((r) => r.sessionId);
  }

  /** Active runs (running or waiting for an answer) past their deadline. */
  overdue(now: Date, limit = 100): Promise<Run[]> {
    return this.db.run.findMany({ where: { status: { in: ['running', 'requires_action'] }, deadlineAt: { lt: now } }, take: limit });
  }

  /** Runs a job should be working on (running, or queued and released) that were created before `before`. */
  workedOnSince(before: Date, limit = 100): Promise<Run[]> {
    return this.db.run.findMany({
      where: { OR: [{ status: 'running' }, { status: 'queued', held: false }], createdAt: { lt: before } },
      orderBy: { createdAt: 'asc' },
      take: limit,
    });
  }

  /** When the run last showed a sign of life: its latest event, else when it started or was created. */
  async lastActivity(run: Run): Promise<Date> {
    const last = await this.db.sessionEvent.findFirst({ where: { runId: run.id }, orderBy: { seq: 'desc' }, select: { createdAt: true } });
    return last?.createdAt ?? run.startedAt ?? run.createdAt;
  }

  /** Finished runs whose end was never handed to the webhook queue (a crash in between), oldest first. */
  unnotified(finishedBefore: Date, finishedAfter: Date, limit = 100): Promise<Run[]> {
    return this.db.run.findMany({
      where: { notifiedAt: null, finishedAt: { lt: finishedBefore, gt: finishedAfter } },
      orderBy: { finishedAt: 'asc' },
      take: limit,
    });
  }

  async markNotified(runId: string): Promise<void> {
    await this.db.run.updateMany({ where: { id: runId, notifiedAt: null }, data: { notifiedAt: new Date() } });
  }

  findRun(runId: string): Promise<Run | null> {
    return this.db.run.findUnique({ where: { id: runId } });
  }

  activeRunIds(sessionId: string): Promise<string[]> {
    return this.db.run
      .findMany({ where: { sessionId, status: { in: ACTIVE_RUN_STATUSES } }, orderBy: { createdAt: 'desc' }, select: { id: true } })
      .then((rows) => rows.map((r) => r.id));
  }
}
